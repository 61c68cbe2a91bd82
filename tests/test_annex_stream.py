"""The annex's streamed table bodies (report/annex_stream.py, issue 16) write the workbook the annex was before them,
when every body cell was an openpyxl Cell (tests/support/annex_before.py): both are written from the same dataset,
read back with openpyxl and compared semantically — every cell's value, type and look (font, fill, border,
alignment, number format, protection), row heights, column widths, merged ranges, freeze panes, print titles and
area, page setup and breaks, filters — and the charts part for part."""

from __future__ import annotations

import copy
import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from support import annex_before

from xl_bdg.report import annex, annex_stream
from xl_bdg.report.build import load_labels


def _cell(c: Any) -> tuple[Any, ...]:
    # copy: openpyxl hands out proxies of the style objects, and a proxy never equals another proxy.
    return (c.value, c.data_type, c.number_format,
            *(copy.copy(s) for s in (c.font, c.fill, c.border, c.alignment, c.protection)))


def _sheet(ws: Worksheet) -> dict[str, Any]:
    """What a reader of the sheet sees, as comparable values."""
    setup = ws.page_setup
    return {
        "cells": {k: _cell(c) for k, c in ws._cells.items()},
        "heights": {r: d.height for r, d in ws.row_dimensions.items() if d.height is not None},
        "widths": {k: d.width for k, d in ws.column_dimensions.items()},
        "merged": sorted(str(m) for m in ws.merged_cells.ranges),
        "freeze": ws.freeze_panes,
        "titles": (ws.print_title_rows, ws.print_title_cols),
        "area": ws.print_area,
        "setup": (setup.paperSize, setup.orientation, setup.scale, ws.sheet_properties.pageSetUpPr.fitToPage),
        "margins": tuple(getattr(ws.page_margins, m) for m in ("left", "right", "top", "bottom")),
        "options": ws.print_options.horizontalCentered,
        "breaks": ([b.id for b in ws.row_breaks.brk], [b.id for b in ws.col_breaks.brk]),
        "filter": ws.auto_filter.ref,
        "dimension": ws.calculate_dimension(),
    }


def _drawings(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n.startswith(("xl/charts/", "xl/drawings/"))}


def assert_same_annex(new: Path, old: Path) -> None:
    """The two annexes hold the same sheets, cells, looks, layout and print setup, and the same charts."""
    a, b = load_workbook(new), load_workbook(old)
    assert a.sheetnames == b.sheetnames
    for name in a.sheetnames:
        sa, sb = _sheet(a[name]), _sheet(b[name])
        for key, value in sa.items():
            if key == "cells":
                assert sorted(value) == sorted(sb["cells"]), name
                wrong = [(k, value[k], sb["cells"][k]) for k in value if value[k] != sb["cells"][k]]
                assert wrong == [], (name, wrong[:3])
            else:
                assert value == sb[key], (name, key)
    assert a.defined_names.keys() == b.defined_names.keys()
    assert _drawings(new) == _drawings(old)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_streamed_annex_is_the_cell_by_cell_one(sample, project, tmp_path, lang):
    new = annex.write_annex(project, sample.dataset, tmp_path / "new.xlsx", lang=lang)
    old = annex_before.write_annex(project, sample.dataset, tmp_path / "old.xlsx", lang=lang)
    assert_same_annex(new, old)
    # The demo has every kind of body cell: dates, fills (section rows, met / not met), indented field lines,
    # wrapped text that makes a row taller, numbers in both formats.
    ws = load_workbook(new)[load_labels(lang)["annex"]["sheet_activities"]]
    assert any(isinstance(c.value, dt.datetime) for row in ws.iter_rows(min_row=annex.HEADER_ROW + 1) for c in row)


def test_awkward_text_is_written_as_openpyxl_writes_it(sample, project, tmp_path):
    """Text that needs escaping, keeps its spaces, holds a control character, looks like a formula or an error code,
    is empty or too long for a cell; a number that is NaN; a date typed in a text column."""
    ds = copy.deepcopy(sample.dataset)
    acts = ds.activities
    texts = ["a & b < c > d", "  spaced  ", "line\r\nbreak", "bell\x07", "=SUM(A1:A2)", "", "x" * 40000, "+1",
             "#N/A", "#REF!"]
    for act, text in zip(acts, texts, strict=False):
        act.values["title"] = text
    acts[0].values["document"] = dt.date(2026, 3, 4)
    acts[1].values["document"] = dt.datetime(2026, 3, 4, 8, 30)
    acts[2].values["participants_total"] = float("nan")
    acts[3].values["participants_total"] = True
    new = annex.write_annex(project, ds, tmp_path / "new.xlsx")
    old = annex_before.write_annex(project, ds, tmp_path / "old.xlsx")
    assert_same_annex(new, old)


def test_a_row_written_inside_a_body_is_refused(tmp_path):
    """A body owns its rows: a cell put there by openpyxl would be written twice or lost, so saving stops."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    annex_stream.body(ws, 2, 2, iter([([1], [annex.look()]), ([2], [annex.look()])]))
    ws["A3"] = "in the way"
    with pytest.raises(ValueError, match="inside a streamed body"):
        annex_stream.save(wb, tmp_path / "x.xlsx")
