"""The pre-open box estimate (`sheet_extent`) still sees every far cell reference after its fast scan (issue 16)."""

from __future__ import annotations

import pytest

from xl_bdg.reading.safety import sheet_extent

_ROW = b'<sheetData><row r="1">%s</row></sheetData>'


@pytest.mark.parametrize("cell, box", [
    (b'<c r="XFD1"><v>1</v></c>', (9_999, 16_384)),
    (b'<x:c r = \'AA7\'><x:v>1</x:v></x:c>', (9_999, 27)),
    (b'<c r="B1048576"><v>1</v></c>', (1_048_576, 26)),
    (b'<c s="1" r="ZZ3"/>', (9_999, 702)),
])
def test_far_reference_widens_the_box(cell: bytes, box: tuple[int, int]) -> None:
    """A reference beyond column Z or row 9,999 is found whatever the quoting, spacing or prefix."""
    rows, cols = sheet_extent(_ROW % cell)
    assert (max(rows, 9_999), cols) == box


def test_attribute_ending_in_r_is_not_a_reference() -> None:
    """`xr="AB1"` is another attribute, not the cell's `r`: the box stays small."""
    assert sheet_extent(_ROW % b'<c r="A1" xr="XFD99999"><v>1</v></c>') == (9_999, 26)
