"""Stack the submissions of many files into one frame per sheet, run one pandera pass per sheet, and map each
failure back to its file, sheet and cell.

The frame index is one integer per row: `file number × ROW_SPAN + Excel row` (for a single file, the Excel row
itself). A MultiIndex would say the same, but pandera reports failure indexes as text, so an integer keeps the way
back exact. Values arrive coerced by the reader; a value of the wrong type becomes empty here (the reader has
already reported it), and an empty-cell rule never fires on a cell that held something.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd

from ..findings import Finding
from ..form.definition import Form
from ..form.layout import Layout, layout_for
from ..form.project import Project
from ..form.registry import Unit
from ..form.rulebook import windows
from ..periods import Period
from ..submission import ActivityRow, CellValue, Submission
from ..text import nfc
from .rules import (
    NUMERIC,
    REQUIRED,
    ROW_SPAN,
    SheetSchema,
    activity_schema,
    budget_schema,
    failures,
    indicator_schema,
    narrative_schema,
    unit_info_schema,
)
from .tidy import tidy_dates


@dataclass(frozen=True)
class Context:
    """What the rules need to know about one file besides its values: its unit and the period its dates obey."""

    unit: Unit | None
    period: Period | None


def _coerce(ftype: str, cv: CellValue | None) -> Any:
    """The value as the frame holds it: float for numbers, a date for dates, stripped NFC text, else None."""
    if cv is None or cv.value is None:
        return None
    v = cv.value
    if ftype in NUMERIC:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or (isinstance(v, float) and math.isnan(v)):
            return None
        return float(v)
    if ftype == "date":
        if isinstance(v, dt.datetime):
            return v.date()
        return v if isinstance(v, dt.date) else None
    if isinstance(v, float) and v.is_integer():
        v = int(v)  # 3.0 in a text or list cell reads as "3", as the person typed it
    return nfc(str(v)).strip() or None


def _present(cv: CellValue | None) -> bool:
    """Whether a cell held anything at all (a value, or text the reader could not read)."""
    if cv is None:
        return False
    return any(v is not None and not (isinstance(v, str) and not v.strip()) for v in (cv.value, cv.raw))


# --- one file's rows (built where the file is read: in a worker, in batch mode) ----------------------------------

Columns = dict[str, list[Any]]  # column → values; "_row" holds the Excel row of each frame row
#: The period and Action Month window of each activity row, and the day its file was sent (its report date).
WINDOW = ("_pstart", "_pend", "_amstart", "_amend", "_sent")


SENT_FIELD = "report_date"  # the unit-information field that dates the file (form.yaml unit_info)


@lru_cache(maxsize=8)
def column_types(form: Form) -> dict[str, dict[str, str]]:
    """The type of every frame column, by sheet (it decides the dtype: float, datetime, bool or object)."""
    return {
        "activities": {**{c.id: c.type for c in form.activity_columns}, **dict.fromkeys(WINDOW, "date")},
        "indicators": {"key": "text", "type": "text", "num": "number", "text": "text", "applies": "bool",
                       "excluded": "bool", "ended": "bool"},
        "unit_info": {c.id: c.type for c in form.unit_info if not c.stamped},
        "narrative": {c.id: c.type for c in form.narrative},
        "budget": {c.id: c.type for c in form.budget.columns},
    }


def _activity_rows(project: Project, sub: Submission, ctx: Context) -> Columns:
    cols: Columns = {"_row": [], **{c.id: [] for c in project.form.activity_columns}, **{k: [] for k in WINDOW}}
    win = windows(project, ctx.period) if ctx.period else None
    sent = _coerce("date", sub.unit_info.get(SENT_FIELD))
    window = (*win["period"], *win["action_month"], sent) if win else (None, None, None, None, sent)
    for ar in sub.activities:
        cols["_row"].append(ar.row)
        for c in project.form.activity_columns:
            cols[c.id].append(_coerce(c.type, ar.values.get(c.id)))
        for key, day in zip(WINDOW, window, strict=True):
            cols[key].append(day)
    return cols


def _indicator_rows(project: Project, sub: Submission, ctx: Context) -> Columns:
    """One row per value row of the indicator sheet; none when the reader could not read the sheet (it said why)."""
    cols: Columns = {k: [] for k in ("_row", "key", "type", "num", "text", "applies", "excluded", "ended")}
    if not sub.indicators:
        return cols
    known = ctx.unit is not None and ctx.period is not None
    for key, irow in layout_for(project.form).indicator_rows.items():
        f = irow.indicator.field(irow.field_id)
        value = _coerce(f.type, sub.indicators.get(key))
        # Unknown unit or period: say nothing either way about applicability.
        app = known and irow.indicator.applies(ctx.unit.code, ctx.unit.kind, ctx.period.kind,  # type: ignore[union-attr]
                                               ctx.period.year)  # type: ignore[union-attr]
        # A part that ended before the period (district bodies after 30/6/2025) is asked for no figure; empty, it
        # is the 0 the template writes there, so the breakdown still adds up.
        ended = app and f.ended(ctx.period.start)  # type: ignore[union-attr]
        if ended and value is None:
            value = 0.0
        for col, v in (("_row", irow.row), ("key", key), ("type", f.type),
                       ("num", value if f.type in NUMERIC else None),
                       ("text", None if f.type in NUMERIC or value is None else str(value)),
                       ("applies", app and not ended), ("excluded", known and not app), ("ended", ended)):
            cols[col].append(v)
    return cols


def _wide_rows(values: dict[str, CellValue], types: dict[str, str]) -> Columns:
    """One frame row (Excel row 0: the cells sit in rows of their own) or none when the sheet was not read."""
    if not values:
        return {"_row": [], **{k: [] for k in types}}
    return {"_row": [0], **{k: [_coerce(t, values.get(k))] for k, t in types.items()}}


def _budget_rows(project: Project, sub: Submission) -> Columns:
    form = project.form
    cols: Columns = {"_row": [], **{c.id: [] for c in form.budget.columns}}
    for source, row in layout_for(form).budget_rows.items():
        cells = [sub.budget.get((source, c.id)) for c in form.budget.columns]
        if any(cv is not None for cv in cells):
            cols["_row"].append(row)
            for c, cv in zip(form.budget.columns, cells, strict=True):
                cols[c.id].append(_coerce(c.type, cv))
    return cols


def file_rows(project: Project, sub: Submission, ctx: Context) -> dict[str, Columns]:
    """The frame rows of one submission, by sheet. Cheap to pickle, so workers build them and the main process only
    concatenates."""
    types = column_types(project.form)
    return {"activities": _activity_rows(project, sub, ctx), "indicators": _indicator_rows(project, sub, ctx),
            "unit_info": _wide_rows(sub.unit_info, types["unit_info"]),
            "narrative": _wide_rows(sub.narrative, types["narrative"]), "budget": _budget_rows(project, sub)}


# --- the batch ---------------------------------------------------------------------------------------------------

def _series(ftype: str, values: list[Any]) -> pd.Series:
    if ftype in NUMERIC:
        return pd.Series(values, dtype="float64")
    if ftype == "date":
        return pd.Series(pd.to_datetime(pd.Series(values, dtype=object)).to_numpy())
    if ftype == "bool":
        return pd.Series(values, dtype=bool)
    return pd.Series(values, dtype=object)


def _frame(types: dict[str, str], parts: list[Columns]) -> pd.DataFrame:
    """Concatenate the files' rows of one sheet; index = file number × ROW_SPAN + Excel row."""
    sizes = [len(p["_row"]) for p in parts]
    index = np.concatenate([np.asarray(p["_row"], dtype=np.int64) + n * ROW_SPAN for n, p in enumerate(parts)]
                           or [np.empty(0, dtype=np.int64)])
    data = {name: _series(ftype, list(chain.from_iterable(p[name] for p in parts))) for name, ftype in types.items()}
    data["_file"] = pd.Series(np.repeat(np.arange(len(parts), dtype=np.int64), sizes))
    frame = pd.DataFrame(data)
    frame.index = pd.Index(index, dtype="int64")
    return frame


@dataclass
class Batch:
    """The submissions of a run, stacked into one frame per sheet."""

    project: Project
    subs: list[Submission]
    contexts: list[Context]
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    rows: list[dict[int, ActivityRow]] = field(default_factory=list)
    keys_by_row: dict[int, str] = field(default_factory=dict)
    first_rows: dict[str, dict[int, int]] = field(default_factory=dict)  # uniqueness rules: row → first occurrence

    @property
    def layout(self) -> Layout:
        """The workbook layout of the project's form."""
        return layout_for(self.project.form)


def stack(project: Project, subs: Sequence[Submission], contexts: Sequence[Context],
          rows: Sequence[dict[str, Columns]] | None = None) -> Batch:
    """Stack the submissions into one frame per sheet (the order of `subs` gives the file numbers).

    `rows` are the `file_rows` of each submission when they were built elsewhere (by the workers that read them).
    """
    batch = Batch(project=project, subs=list(subs), contexts=list(contexts))
    if rows is None:
        rows = [file_rows(project, s, c) for s, c in zip(batch.subs, batch.contexts, strict=True)]
    batch.rows = [{ar.row: ar for ar in sub.activities} for sub in batch.subs]
    batch.keys_by_row = {r.row: key for key, r in batch.layout.indicator_rows.items()}
    for sheet, types in column_types(project.form).items():
        batch.frames[sheet] = _frame(types, [r[sheet] for r in rows])
    return batch


# --- mapping failures back to cells ------------------------------------------------------------------------------

def _cell(batch: Batch, sheet: str, n: int, row: int, col: str) -> tuple[str, CellValue | None]:
    """The A1 address of a frame cell and the reader's CellValue there (None for an empty cell)."""
    lay, sub = batch.layout, batch.subs[n]
    if sheet == "activities":
        ar = batch.rows[n].get(row)
        cv = ar.values.get(col) if ar else None
        return (cv.cell if cv else lay.activity_cell(row, col)), cv
    if sheet == "indicators":  # the long frame: the row says which indicator value it is
        key = batch.keys_by_row[row]
        cv = sub.indicators.get(key)
        return (cv.cell if cv else lay.indicator_cell(key)), cv
    if sheet == "unit_info":
        cv = sub.unit_info.get(col)
        return (cv.cell if cv else lay.unit_info_cell(col)), cv
    if sheet == "narrative":
        cv = sub.narrative.get(col)
        return (cv.cell if cv else lay.narrative_cell(col)), cv
    source = next(s for s, r in lay.budget_rows.items() if r == row)
    cv = sub.budget.get((source, col))
    return (cv.cell if cv else lay.budget_cell(source, col)), cv


def _plain(value: Any) -> Any:
    """Frame values back to plain Python for messages (Timestamp → date, NaN → None)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


def _get(batch: Batch, sheet: str, frame: pd.DataFrame, n: int, idx: int, col: str) -> Any:
    """A value of the frame in plain Python: column `col` of row `idx`, or, on the long indicator frame, the value
    of indicator key `col` in the same file."""
    if sheet == "indicators":
        at = n * ROW_SPAN + batch.layout.indicator_rows[col].row
        num = frame.at[at, "num"]
        return _plain(num) if not pd.isna(num) else _plain(frame.at[at, "text"])
    return _plain(frame.at[idx, col])


def _finding(batch: Batch, sheet: SheetSchema, frame: pd.DataFrame, check: str, column: str | None,
             idx: int) -> Finding | None:
    n, row = divmod(idx, ROW_SPAN)
    sub = batch.subs[n]
    key = sheet.sheet
    title = batch.layout.sheet[key]
    if check == REQUIRED:
        cell, cv = _cell(batch, key, n, row, str(column))
        if _present(cv):  # the cell held something the reader could not read: it reported that already
            return None
        vi, en = sheet.labels.get(str(column), (column, column))
        return Finding("required-missing", batch.project.form.messages["required-missing"].severity, sub.path,
                       title, cell, None, {"label": vi, "label_en": en})
    rule = sheet.rules.get(check)
    if rule is None:  # a pandera failure we did not ask for (a schema error): never drop it silently
        return Finding("internal-check-failed", "error", sub.path, title, None, check, {"label": str(column)})
    target = rule.target or (batch.keys_by_row.get(row, "") if key == "indicators" else str(column))
    cell, cv = _cell(batch, key, n, row, target)
    if rule.kind == "empty" and _present(cv):
        return None
    vi, en = sheet.labels.get(target, (target, target))
    params: dict[str, Any] = {"label": vi, "label_en": en, **rule.params}
    value = cv.value if cv is not None else _get(batch, key, frame, n, idx, target)
    other, parts = rule.other, rule.parts
    if rule.pairs:  # a grouped indicator rule: the partners depend on the row
        partners = rule.pairs.get(target, ())
        other, parts = (partners[0] if partners and rule.kind != "sum_eq" else None), partners
    if other:
        params["other"] = _get(batch, key, frame, n, idx, other)
        params["other_label"], params["other_label_en"] = sheet.labels.get(other, (other, other))
    if rule.kind == "sum_eq":
        params["expected"] = sum(_get(batch, key, frame, n, idx, c) or 0 for c in parts)
    if rule.window:
        params["min"], params["max"] = (_get(batch, key, frame, n, idx, c) for c in rule.window)
    if rule.kind == "ended":  # the day the part ended, from the form (the label may not say it)
        params["until"] = batch.layout.indicator_rows[target].indicator.field(
            batch.layout.indicator_rows[target].field_id).until
    if rule.kind == "requires":
        value = params["other"]
    if rule.kind == "unique":
        params["other"] = _first_rows(batch, check, frame, rule.keys)[idx] % ROW_SPAN
    return Finding(rule.code, rule.severity, sub.path, title, cell, value, params)


def _first_rows(batch: Batch, check: str, frame: pd.DataFrame, keys: tuple[str, ...]) -> dict[int, int]:
    """For a uniqueness rule: each row's first occurrence in its file (computed once per run, not per finding)."""
    if check not in batch.first_rows:
        firsts = frame.reset_index().groupby(["_file", *keys], dropna=True)["index"].transform("min")
        batch.first_rows[check] = dict(zip(frame.index.tolist(), firsts.fillna(-1).astype("int64").tolist(),
                                           strict=True))
    return batch.first_rows[check]


def run(batch: Batch) -> list[list[Finding]]:
    """One pandera pass per sheet over the whole batch; the findings of each file, in file order."""
    form = batch.project.form
    schemas = [activity_schema(form), indicator_schema(form),
               unit_info_schema(form), narrative_schema(form), budget_schema(form)]
    out: list[list[Finding]] = [[] for _ in batch.subs]
    for sheet in schemas:
        frame = batch.frames[sheet.sheet]
        table, crashed = failures(sheet, frame)
        for check, column, idx in table.itertuples(index=False):
            finding = _finding(batch, sheet, frame, check, column, int(idx))
            if finding is not None:
                out[int(idx) // ROW_SPAN].append(finding)
        for name in crashed:
            rule = sheet.rules.get(name)
            for n, sub in enumerate(batch.subs):
                out[n].append(Finding("internal-check-failed", "error", sub.path, batch.layout.sheet[sheet.sheet],
                                      None, rule.code if rule else name, {"label": name}))
    activities = batch.layout.sheet["activities"]
    return [tidy_dates(found, form, activities) for found in out]
