"""Write values into a unit workbook at the places the layout gives: the tests' and the demo's way of filling in a
form as a person would. Values are written as given: a string stays text (so tests can type "15/11/2026" or
"1.234.567" exactly as people do), a date becomes an Excel date.

Data shape (plain, JSON-friendly; `Submission.to_data()` returns the same):
    {"unit_info": {id: value}, "indicators": {key: value}, "activities": [{column id: value}, ...],
     "budget": {"<source>|<column id>": value}, "narrative": {id: text}}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell

from ..fileio import atomic_path
from ..form.definition import Form
from ..form.layout import layout_for


def _put(cell: Cell, value: Any) -> None:
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        # Text that looks like a formula stays text: user data must never become a formula.
        cell.data_type = "s"


def fill_workbook(form: Form, template: Path, data: dict[str, Any], out: Path) -> Path:
    """Copy `template` to `out` with `data` written in; the template itself is not changed."""
    wb = fill_into(form, load_workbook(template), data)
    with atomic_path(out) as tmp:
        wb.save(tmp)
    return out


def fill_into(form: Form, wb: Workbook, data: dict[str, Any]) -> Workbook:
    """Write `data` into an open unit workbook (e.g. fresh from `template.build_workbook`) and return it."""
    lay = layout_for(form)
    s = lay.sheet
    ws = wb[s["unit_info"]]
    for fid, value in (data.get("unit_info") or {}).items():
        _put(ws[lay.unit_info_cell(fid)], value)
    ws = wb[s["indicators"]]
    for key, value in (data.get("indicators") or {}).items():
        _put(ws[lay.indicator_cell(key)], value)
    ws = wb[s["activities"]]
    for i, row in enumerate(data.get("activities") or []):
        r = lay.activity_first_row + i
        ws.cell(row=r, column=1, value=i + 1)
        for col_id, value in row.items():
            _put(ws[lay.activity_cell(r, col_id)], value)
    ws = wb[s["budget"]]
    for key, value in (data.get("budget") or {}).items():
        source, col_id = key.split("|", 1)
        _put(ws[lay.budget_cell(source, col_id)], value)
    ws = wb[s["narrative"]]
    for fid, value in (data.get("narrative") or {}).items():
        _put(ws[lay.narrative_cell(fid)], value)
    return wb
