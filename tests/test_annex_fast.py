"""The annex's fast cell writing (issue 16: cells made without ws.cell(), style arrays cached per look, rows fitted
once per table) writes exactly what plain openpyxl writes: the demo's annex is written twice, once as it is and once
with `put`, `restyle` and `fit_rows` replaced by the straightforward openpyxl calls below, and every part of the two
files is compared byte for byte (only the creation time differs)."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl.styles import Alignment, Border, Font, PatternFill
from openpyxl.utils import get_column_letter

import xl_bdg.report.annex as annex
import xl_bdg.report.annex_form as annex_form
from xl_bdg.text import is_formula_like


def _plain_put(ws: Any, row: int, col: int, value: Any, fmt: str | None = None, font: Font = annex_form.PLAIN,
               align: Alignment = annex_form.WRAP, border: Border = annex_form.BOX) -> None:
    if isinstance(value, str) and is_formula_like(value):
        cell = ws.cell(row=row, column=col)
        cell.value, cell.data_type = value, "s"
    else:
        cell = ws.cell(row=row, column=col, value=value)
    cell.font, cell.border, cell.alignment = font, border, align
    if fmt:
        cell.number_format = fmt


def _plain_restyle(cell: Any, fill: PatternFill | None = None, border: Border | None = None,
                   alignment: Alignment | None = None) -> None:
    if fill is not None:
        cell.fill = fill
    if border is not None:
        cell.border = border
    if alignment is not None:
        cell.alignment = alignment


def _plain_fit_rows(ws: Any, first: int, last: int) -> None:
    widths = {c: (ws.column_dimensions[get_column_letter(c)].width or 9) for c in range(1, ws.max_column + 1)}
    for r in range(first, last + 1):
        lines = 1
        for c, width in widths.items():
            value = ws.cell(row=r, column=c).value
            if isinstance(value, str):
                lines = max(lines, -(-len(value) // max(1, int(width * 1.25))))
        if lines > 1:
            ws.row_dimensions[r].height = 15 * lines


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}  # core.xml: the time written


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_fast_annex_is_byte_for_byte_the_plain_one(sample, project, tmp_path, monkeypatch, lang):
    fast = annex.write_annex(project, sample.dataset, tmp_path / "fast.xlsx", lang=lang)
    with monkeypatch.context() as m:
        for mod in (annex, annex_form):
            m.setattr(mod, "put", _plain_put)
        m.setattr(annex, "restyle", _plain_restyle)
        m.setattr(annex, "fit_rows", _plain_fit_rows)
        m.setattr(annex_form, "fit_rows", _plain_fit_rows)
        plain = annex.write_annex(project, sample.dataset, tmp_path / "plain.xlsx", lang=lang)
    a, b = _parts(fast), _parts(plain)
    assert sorted(a) == sorted(b)
    assert [n for n in a if a[n] != b[n]] == []
    # The demo exercises every kind of cell the cache keys on: dates (a number format before the look), fills
    # after the look (group rows, met / not met) and fields' indented lines.
    styles = a["xl/styles.xml"].decode()
    assert "DD/MM/YYYY" in styles and "F2F2F2" in styles and 'indent="2"' in styles
