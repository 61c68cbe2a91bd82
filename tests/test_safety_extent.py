"""The pre-open box estimate (`sheet_extent`) still sees every far cell reference after its fast scan, and its scans
find what they found before they were bounded (issue 16)."""

from __future__ import annotations

import random
import re

import pytest

from xl_bdg.reading.safety import _CELL_REF, _ROW_R, _VALUE, sheet_extent

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


# The scans as they were before issue 16 made them stop at the next tag of their kind: the same values, found in
# one pass (the old ones scanned from every unclosed tag to the end of the XML).
_PLAIN_ROW_R = re.compile(rb"row\b[^>]*?\sr\s*=\s*[\"'](\d+)[\"']")
_PLAIN_CELL_REF = re.compile(rb"<(?:\w+:)?c\s[^>]*?\br\s*=\s*[\"']([A-Za-z]{1,3})(\d+)[\"']")
_PLAIN_VALUE = re.compile(rb"<(?:\w+:)?(?:v|is)\b[^/>]*>")
_TOKENS = [b"<row", b"row", b' r="12"', b" r='7'", b' r = "3"', b">", b"<c ", b"<x:c ", b' r="AB12"', b' xr="C4"', b"/",
           b" ", b"rows", b'<c\tr="Z9"', b'r="5"', b"\n", b"<r:c ", b"arrow ", b"<cc ", b"=", b'"', b"9", b"<v", b"<is",
           b"<x:v ", b"</v>", b"<v>", b"<vx"]


def test_bounded_scans_find_what_the_plain_ones_find() -> None:
    """On thousands of random tag soups, the bounded scans find the same row numbers, cell references and values."""
    rng = random.Random(16)
    for _ in range(5_000):
        xml = b"".join(rng.choice(_TOKENS) for _ in range(rng.randint(0, 30)))
        assert set(_ROW_R.findall(xml)) == set(_PLAIN_ROW_R.findall(xml)), xml
        assert set(_CELL_REF.findall(xml)) == set(_PLAIN_CELL_REF.findall(xml)), xml
        assert (_VALUE.search(xml) is None) == (_PLAIN_VALUE.search(xml) is None), xml
