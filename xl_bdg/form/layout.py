"""Where everything sits in a unit workbook. The template writer, the filler and the reader all use this module,
so that they cannot drift apart; the template fingerprint is computed from it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache

from openpyxl.utils import get_column_letter

from ..catalogue import LANGS, words
from .definition import Column, Form, Indicator

# Fixed columns of the indicator sheet.
IND_COL_NO, IND_COL_KEY, IND_COL_LABEL, IND_COL_UNIT, IND_COL_VALUE, IND_COL_NOTE = 1, 2, 3, 4, 5, 6
IND_HEADER_ROW = 5
ACT_HEADER_ROW = 4
BUDGET_HEADER_ROW = 4
NARR_HEADER_ROW = 4
UNIT_INFO_FIRST_ROW = 4
UNIT_INFO_LABEL_COL, UNIT_INFO_VALUE_COL = 1, 2
BUDGET_COL_NO, BUDGET_COL_LABEL = 1, 2
NARR_COL_NO, NARR_COL_LABEL, NARR_COL_VALUE = 1, 2, 3
#: The cell of each data sheet that shows the workbook's own count of its errors (workbook/live.py), as (row,
#: column): row 1, right of where the sheet's banner ends. Never an input cell, so the reader never reads it.
LIVE_COUNT_CELLS = {"unit_info": (1, 3), "indicators": (1, 4), "activities": (1, 4), "narrative": (1, 3)}
#: Sheets that xl-bdg's own check adds to a user's workbook (marks.py): not the user's doing, so never "extra".
MARK_RECORD_SHEET = "_danhdau"
MARK_FINDINGS_SHEETS = {lang: words(lang)("marks.sheet") for lang in LANGS}
META_KEYS = ("form_id", "form_version", "unit_code", "unit_name", "period", "fingerprint", "generated_at",
             "generator")


def ref(row: int, col: int) -> str:
    """A1 reference of (row, col), both 1-based: ref(12, 6) == 'F12'."""
    return f"{get_column_letter(col)}{row}"


def roman(n: int) -> str:
    """Roman numeral for a section number (Vietnamese forms number sections I, II, III…)."""
    out, table = "", [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    for value, sym in table:
        while n >= value:
            out, n = out + sym, n - value
    return out


def activity_header(form: Form, col: Column) -> str:
    """The header text of an activity column as written: its label, marked when the column is required."""
    return col.label + (form.text("required_mark") if col.required else "")


@dataclass(frozen=True)
class IndicatorRow:
    """The row of one indicator value (one field of one indicator)."""

    indicator: Indicator
    field_id: str
    key: str
    row: int


@dataclass(frozen=True)
class Layout:
    """Positions of every input and label in the unit workbook, derived from the form alone (same for every unit)."""

    form: Form
    unit_info_rows: dict[str, int]
    group_rows: dict[str, int]
    indicator_title_rows: dict[str, int]
    indicator_rows: dict[str, IndicatorRow]
    activity_cols: dict[str, int]
    activity_first_row: int
    activity_last_input_row: int
    budget_rows: dict[str, int]
    budget_cols: dict[str, int]
    budget_total_row: int
    narrative_rows: dict[str, int]
    sheet: dict[str, str] = field(default_factory=dict)

    # --- cell addresses -------------------------------------------------------------------------------------
    def indicator_cell(self, key: str) -> str:
        """A1 of the value cell of an indicator key (`COMM_06.F`)."""
        return ref(self.indicator_rows[key].row, IND_COL_VALUE)

    def activity_cell(self, row: int, col_id: str) -> str:
        """A1 of an activity column in a given sheet row."""
        return ref(row, self.activity_cols[col_id])

    def budget_cell(self, source: str, col_id: str) -> str:
        """A1 of a budget value."""
        return ref(self.budget_rows[source], self.budget_cols[col_id])

    def unit_info_cell(self, field_id: str) -> str:
        """A1 of a unit-information value."""
        return ref(self.unit_info_rows[field_id], UNIT_INFO_VALUE_COL)

    def narrative_cell(self, field_id: str) -> str:
        """A1 of a narrative text."""
        return ref(self.narrative_rows[field_id], NARR_COL_VALUE)

    # --- structure and fingerprint ---------------------------------------------------------------------------
    def structure(self) -> dict[str, dict[str, str]]:
        """The fixed texts that define the workbook's structure, by sheet title then A1 reference.

        The reader compares these cells with the file: a renamed sheet, an inserted row or a moved column shows up
        as the first cell whose text differs.
        """
        f = self.form
        s = self.sheet
        out: dict[str, dict[str, str]] = {s["unit_info"]: {}, s["indicators"]: {}, s["activities"]: {},
                                          s["budget"]: {}, s["narrative"]: {}}
        for col in f.unit_info:
            out[s["unit_info"]][ref(self.unit_info_rows[col.id], UNIT_INFO_LABEL_COL)] = col.label
        ind = out[s["indicators"]]
        for code, row in self.indicator_title_rows.items():
            ind[ref(row, IND_COL_KEY)] = code
        for key, irow in self.indicator_rows.items():
            ind[ref(irow.row, IND_COL_KEY)] = key
        for col in f.activity_columns:
            out[s["activities"]][ref(ACT_HEADER_ROW, self.activity_cols[col.id])] = activity_header(f, col)
        for source, row in self.budget_rows.items():
            out[s["budget"]][ref(row, BUDGET_COL_LABEL)] = source
        for col in f.budget.columns:
            out[s["budget"]][ref(BUDGET_HEADER_ROW, self.budget_cols[col.id])] = col.label
        for col in f.narrative:
            out[s["narrative"]][ref(self.narrative_rows[col.id], NARR_COL_LABEL)] = col.label
        return out

    def fingerprint(self) -> str:
        """A short hash of the form identity, sheet order and structure texts."""
        payload = {"form": [self.form.id, self.form.version],
                   "sheets": [d.title for d in self.form.sheets.values()],
                   "structure": self.structure()}
        blob = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
        return hashlib.sha256(blob).hexdigest()[:16]


@lru_cache(maxsize=16)
def _build(form: Form) -> Layout:
    unit_info_rows = {col.id: UNIT_INFO_FIRST_ROW + i for i, col in enumerate(form.unit_info)}

    group_rows: dict[str, int] = {}
    title_rows: dict[str, int] = {}
    ind_rows: dict[str, IndicatorRow] = {}
    row = IND_HEADER_ROW + 1
    for group in form.groups:
        members = [i for i in form.indicators if i.group == group.id]
        if not members:
            continue
        group_rows[group.id] = row
        row += 1
        for ind in members:
            if len(ind.fields) == 1:
                f = ind.fields[0]
                ind_rows[ind.key(f.id)] = IndicatorRow(ind, f.id, ind.key(f.id), row)
                row += 1
                continue
            title_rows[ind.code] = row
            row += 1
            for f in ind.fields:
                ind_rows[ind.key(f.id)] = IndicatorRow(ind, f.id, ind.key(f.id), row)
                row += 1

    # Column A of the activity sheet holds the row number (STT); the form's columns follow from B.
    activity_cols = {col.id: 2 + i for i, col in enumerate(form.activity_columns)}
    first = ACT_HEADER_ROW + 1
    sources = form.lists[form.budget.rows_list].values
    budget_rows = {src: BUDGET_HEADER_ROW + 1 + i for i, src in enumerate(sources)}
    budget_cols = {col.id: 3 + i for i, col in enumerate(form.budget.columns)}
    narrative_rows = {col.id: NARR_HEADER_ROW + 1 + i for i, col in enumerate(form.narrative)}
    return Layout(
        form=form, unit_info_rows=unit_info_rows, group_rows=group_rows, indicator_title_rows=title_rows,
        indicator_rows=ind_rows, activity_cols=activity_cols, activity_first_row=first,
        activity_last_input_row=first + form.activity_input_rows - 1, budget_rows=budget_rows,
        budget_cols=budget_cols, budget_total_row=BUDGET_HEADER_ROW + 1 + len(sources), narrative_rows=narrative_rows,
        sheet={key: d.title for key, d in form.sheets.items()},
    )


def layout_for(form: Form) -> Layout:
    """The layout of the unit workbook for `form` (cached: the form is immutable)."""
    return _build(form)
