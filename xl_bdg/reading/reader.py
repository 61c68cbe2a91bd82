"""Read a filled unit workbook into a Submission: typed values that remember their sheet and cell.

The order is: pre-open safety checks on the bytes (safety.py); python-calamine for the values (fast, sees hidden
sheets and merged ranges); the sheets' XML only for what calamine cannot see (formulas with no cached value).
Positions come from layout.py, the module the template writer uses, so reader and writer cannot drift. Every
problem is a finding; the function never raises on bad input and never changes the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any

import python_calamine as pc
from openpyxl.utils import get_column_letter

from ..findings import Finding
from ..form.definition import Form
from ..form.layout import (
    IND_COL_VALUE,
    MARK_FINDINGS_SHEETS,
    MARK_RECORD_SHEET,
    NARR_COL_VALUE,
    UNIT_INFO_VALUE_COL,
    Layout,
    layout_for,
    ref,
)
from ..form.project import Project
from ..submission import ActivityRow, CellValue, Submission
from ..text import nfc
from .cellinfo import CellFacts, cell_facts
from .coerce import NEEDS_COERCE, coerce, is_empty, plain
from .repack import open_stored
from .safety import Inspection, filled_rows, finding, inspect_file, row_tags, uncached_formulas

#: A run of this many empty rows ends the activity table; anything below it is reported, not read.
EMPTY_RUN = 50
#: Sheets whose loss does not touch the data: reported as a warning, not an error.
_SOFT_SHEETS = ("instructions", "lists")
_INPUT_SHEETS = ("unit_info", "indicators", "activities", "budget", "narrative")
_CELL = re.compile(r"^([A-Z]{1,3})(\d+)$")
# calamine raises its own errors, and a Rust panic surfaces as pyo3's PanicException, a BaseException: both are
# the file's fault and become findings; an interrupt or exit is never swallowed.
_PARSER_ERRORS = BaseException
_NEVER_CAUGHT = (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError)
# A CellValue built by tuple.__new__ directly: the named tuple's own __new__ (a Python function taking keywords and
# defaults) costs five times as much, and the reader makes one per input cell.
_new = tuple.__new__


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:200]


def _rc(a1: str) -> tuple[int, int]:
    m = _CELL.match(a1)
    if m is None:
        raise ValueError(a1)
    col = 0
    for ch in m.group(1):
        col = col * 26 + (ord(ch) - 64)
    return int(m.group(2)), col


@dataclass(frozen=True, eq=False)
class _Plan:
    """What the reader needs from the layout, computed once per form (the layout is the same for every file)."""

    structure: dict[str, list[tuple[int, int, str, str]]]  # sheet title → sorted (row, col, A1, text)
    inputs: dict[str, frozenset[tuple[int, int]]]  # sheet key → input cells (activities: its columns, row 0)
    activity_cols: tuple[tuple[str, str, int, str, str], ...]  # (column id, type, column, letter, label)
    activity_index: tuple[int, ...]  # the activity columns, 0-based (a row's list index)
    indicators: tuple[tuple[str, int, str, str], ...]  # (key, row, type, label)
    fingerprint: str


@lru_cache(maxsize=8)
def _plan(form: Form) -> _Plan:
    lay = layout_for(form)
    structure = {title: sorted((*_rc(a1), a1, nfc(text).strip()) for a1, text in cells.items())
                 for title, cells in lay.structure().items()}
    inputs = {
        "unit_info": frozenset((r, UNIT_INFO_VALUE_COL) for r in lay.unit_info_rows.values()),
        "indicators": frozenset((r.row, IND_COL_VALUE) for r in lay.indicator_rows.values()),
        "activities": frozenset((0, c) for c in lay.activity_cols.values()),
        "budget": frozenset((r, c) for r in lay.budget_rows.values() for c in lay.budget_cols.values()),
        "narrative": frozenset((r, NARR_COL_VALUE) for r in lay.narrative_rows.values()),
    }
    act = tuple((c.id, c.type, lay.activity_cols[c.id], get_column_letter(lay.activity_cols[c.id]), c.label)
                for c in form.activity_columns)
    inds = []
    for key, irow in lay.indicator_rows.items():
        ind, f = irow.indicator, irow.indicator.field(irow.field_id)
        inds.append((key, irow.row, f.type, ind.label if len(ind.fields) == 1 else f"{ind.label}: {f.label}"))
    return _Plan(structure, inputs, act, tuple(c - 1 for _, _, c, _, _ in act), tuple(inds), lay.fingerprint())


class _Grid:
    """A sheet's values as calamine gives them, addressed by 1-based (row, col); outside the data is empty."""

    def __init__(self, rows: list[list[Any]]) -> None:
        self.rows = rows

    def get(self, row: int, col: int) -> Any:
        if row < 1 or row > len(self.rows):
            return None
        line = self.rows[row - 1]
        return line[col - 1] if 0 < col <= len(line) else None

    def text(self, row: int, col: int) -> str:
        value = self.get(row, col)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return nfc(str(value)).strip()


class _Reader:
    def __init__(self, path: Path, project: Project) -> None:
        self.path, self.project = path, project
        self.form: Form = project.form
        self.lay: Layout = layout_for(self.form)
        self.plan = _plan(self.form)
        self.file = str(path)
        self.findings: list[Finding] = []
        self.insp: Inspection | None = None
        self.wb: pc.CalamineWorkbook | None = None
        self.names: dict[str, str] = {}  # NFC title → title as stored
        self._grids: dict[str, _Grid | None] = {}
        self.facts: dict[str, CellFacts] = {}  # by sheet title: formula errors and percentage formats
        self._sheets_cache: dict[str, Any] = {}

    # --- helpers -------------------------------------------------------------------------------------------
    def add(self, code: str, sheet: str | None = None, cell: str | None = None, value: Any = None,
            severity: str | None = None, **params: Any) -> None:
        self.findings.append(finding(self.form, code, self.file, sheet, cell, value, severity, **params))

    def sheet(self, key: str) -> Any:
        """The calamine sheet of a form sheet (parsed once), or None when the file does not have it or the sheet
        cannot be parsed (then reported as corrupt, at the sheet)."""
        if key not in self._sheets_cache:
            stored = self.names.get(self.lay.sheet[key])
            sheet = None
            if stored is not None and self.wb is not None:
                try:
                    sheet = self.wb.get_sheet_by_name(stored)
                except _PARSER_ERRORS as exc:
                    if isinstance(exc, _NEVER_CAUGHT):
                        raise
                    self.add("corrupt-file", stored, value=_describe(exc), reason="sheet")
            self._sheets_cache[key] = sheet
        return self._sheets_cache[key]

    def grid(self, key: str) -> _Grid | None:
        """The values of a form sheet, or None when the file does not have it."""
        if key not in self._grids:
            sheet = self.sheet(key)
            self._grids[key] = None if sheet is None else _Grid(sheet.to_python(skip_empty_area=False))
        return self._grids[key]

    def cell(self, grid: _Grid, sheet: str, row: int, col: int, ftype: str, label: str,
             formulas: set[tuple[int, int]], a1: str | None = None) -> CellValue:
        """The typed value of one input cell, with a finding for anything coercion had to say."""
        raw = grid.get(row, col)
        a1 = a1 or ref(row, col)
        if not formulas and sheet not in self.facts:
            value = plain(raw, ftype)  # a cell that holds its type already: nothing to report
            if value is not NEEDS_COERCE:
                return _new(CellValue, (value, sheet, a1, None))
        if formulas and (row, col) in formulas:
            self.add("formula-no-value", sheet, a1, label=label)
            return CellValue(None, sheet, a1)
        facts = self.facts.get(sheet)
        if facts is not None:
            shown = facts.errors.get((row, col))
            if shown is not None:
                # calamine hands an error over as an empty cell: it must not pass for one (nor for a zero).
                self.add("formula-error", sheet, a1, shown, label=label)
                return CellValue(None, sheet, a1, shown)
            if ftype == "percent" and (row, col) in facts.percent and type(raw) in (int, float):
                # "45%" typed into the cell is stored as 0.45 with a percentage format: the person meant 45.
                read = round(float(raw) * 100, 9)
                self.add("percent-format", sheet, a1, raw, label=label, read=read)
                return CellValue(read, sheet, a1, raw)
        res = coerce(raw, ftype)
        if res.code is not None:
            self.add(res.code, sheet, a1, raw, label=label, **res.params)
        if ftype == "percent" and isinstance(res.value, float) and 0 < res.value < 1:
            # "45%" typed into a cell that keeps the form's number format is stored as 0.45 with no trace of the
            # sign (LibreOffice does this): a rate below 1 % is rare enough to ask about, never to change.
            self.add("percent-fraction", sheet, a1, res.value, label=label, read=round(res.value * 100, 9))
        return CellValue(res.value, sheet, a1, res.raw)

    # --- the steps -----------------------------------------------------------------------------------------
    def run(self) -> Submission | None:
        self.insp = inspect_file(self.path, self.form)
        self.findings.extend(self.insp.findings)
        if self.insp.fatal:
            return None
        if not self._open() or self._too_many_rows():
            return None
        meta = self._meta()
        if meta is None:
            return None
        if self.insp.macros:
            self.add("macros-ignored")
        if self.insp.kind == "xls":
            self.add("old-xls-format")
        broken = self._sheets() | self._structure()
        sub = Submission(path=self.file, sha256=self.insp.sha256, meta=meta)
        self.facts = cell_facts(self.insp, [t for t in (self.lay.sheet[k] for k in _INPUT_SHEETS) if t in self.names])
        formulas = self._formulas()
        self._merges()
        if "unit_info" not in broken:
            self._unit_info(sub, formulas.get("unit_info", set()))
        if "indicators" not in broken:
            self._indicators(sub, formulas.get("indicators", set()))
        if "activities" not in broken and not self._activities(sub, formulas.get("activities", set())):
            return None
        if "budget" not in broken:
            self._budget(sub, formulas.get("budget", set()))
        if "narrative" not in broken:
            self._narrative(sub, formulas.get("narrative", set()))
        return sub

    def _open(self) -> bool:
        assert self.insp is not None
        try:
            if self.insp.stored is not None:
                self.wb = open_stored(self.insp.stored)
            else:
                self.wb = pc.CalamineWorkbook.from_filelike(BytesIO(self.insp.data))
            self.names = {nfc(n): n for n in self.wb.sheet_names}
        except pc.PasswordError:
            self.add("password-protected")
            return False
        except _PARSER_ERRORS as exc:
            if isinstance(exc, _NEVER_CAUGHT):
                raise
            self.add("corrupt-file", value=_describe(exc), reason="parse")
            return False
        return True

    def _meta(self) -> dict[str, str] | None:
        title = self.lay.sheet["meta"]
        meta: dict[str, str] = {}
        grid = self.grid("meta")
        if grid is not None:
            for row in grid.rows:
                if len(row) >= 2 and isinstance(row[0], str) and row[0].strip():
                    meta[row[0].strip()] = _meta_text(row[1])
        data_keys = [k for k in self.lay.sheet if k not in ("meta", *_SOFT_SHEETS)]
        present = sum(1 for k in data_keys if self.lay.sheet[k] in self.names)
        form_id = meta.get("form_id")
        if form_id and form_id != self.form.id:
            self.add("wrong-form", title, value=form_id, expected=self.form.id)
            return None
        if not form_id:
            if present < (len(data_keys) + 1) // 2:
                self.add("wrong-form", value=", ".join(self.names)[:200], expected=self.form.id)
                return None
            self.add("meta-missing", title)
            return meta
        version = meta.get("form_version", "")
        if version != self.form.version:
            self.add("form-version", title, value=version, expected=self.form.version)
        elif meta.get("fingerprint") and meta["fingerprint"] != self.plan.fingerprint:
            self.add("fingerprint-mismatch", title, value=meta["fingerprint"], expected=self.plan.fingerprint)
        return meta

    def _sheets(self) -> set[str]:
        """Report missing, renamed and extra sheets; return the keys of data sheets that cannot be read."""
        expected = [d.title for d in self.form.sheets.values()]
        keys = {d.title: k for k, d in self.form.sheets.items()}
        present = list(self.names)
        missing = [t for t in expected if t not in self.names]
        extra = [t for t in present if t not in set(expected)]
        broken: set[str] = set()
        for title in missing:
            key = keys[title]
            sev = "warning" if key in _SOFT_SHEETS else None
            # A sheet gone from its place while an unknown one sits there was renamed.
            idx = expected.index(title)
            renamed = present[idx] if idx < len(present) and present[idx] in extra else None
            if renamed is not None:
                extra.remove(renamed)
                self.add("sheet-renamed", renamed, value=renamed, severity=sev, expected=title)
            elif key != "meta":
                self.add("sheet-missing", title, severity=sev, expected=title)
            broken.add(key)
        ours = [t for t in extra if t == MARK_RECORD_SHEET or t in MARK_FINDINGS_SHEETS.values()]
        if ours:
            self.add("marks-present", None, value=", ".join(ours))
        for title in extra:
            if title not in ours:
                self.add("sheet-extra", title, value=title)
        return broken

    def _structure(self) -> set[str]:
        """Compare the fixed texts with the layout; report the first differing cell per sheet."""
        broken: set[str] = set()
        keys = {d.title: k for k, d in self.form.sheets.items()}
        for title, placed in self.plan.structure.items():
            key = keys[title]
            grid = self.grid(key)
            if grid is None:
                continue
            for row, col, a1, text in placed:
                found = grid.text(row, col)
                if found == text:
                    continue
                moved = _shift(grid, placed, row, col, found, text)
                if moved:
                    code = "rows-inserted" if moved > 0 else "rows-deleted"
                    self.add(code, title, a1, found or None, expected=text, shift=abs(moved),
                             found_at=ref(row + moved, col))
                else:
                    self.add("structure-changed", title, a1, found or None, expected=text)
                broken.add(key)
                break
        return broken

    def _too_many_rows(self) -> bool:
        """Refuse an activity table longer than the form allows, counting cheaply in the XML when there is one."""
        assert self.insp is not None
        title = self.lay.sheet["activities"]
        xml = self.insp.sheet_xml(title)
        limit = self.form.activity_max_rows
        tags = self.insp.sheet_rows(title)
        # `row` occurs at least once in each tag `row_tags` counts: one pass gives a bound, the exact count only
        # when the bound is over the limit.
        if xml is None or (tags if tags is not None else xml.count(b"row")) <= limit or (
                tags is None and row_tags(xml) <= limit):
            return False
        count = filled_rows(xml, self.lay.activity_first_row)
        if count > limit:
            self.add("too-many-rows", title, value=count, max=limit)
            return True
        return False

    def _formulas(self) -> dict[str, set[tuple[int, int]]]:
        """Input cells holding a formula with no cached value (the file was saved without calculating)."""
        assert self.insp is not None
        out: dict[str, set[tuple[int, int]]] = {}
        for key in ("unit_info", "indicators", "activities", "budget", "narrative"):
            xml = self.insp.sheet_xml(self.lay.sheet[key])
            if xml is not None and b"<f" in xml:
                out[key] = {rc for rc in uncached_formulas(xml) if self._is_input(key, *rc)}
        return out

    def _is_input(self, key: str, row: int, col: int) -> bool:
        if key == "activities":
            return row >= self.lay.activity_first_row and (0, col) in self.plan.inputs[key]
        return (row, col) in self.plan.inputs.get(key, frozenset())

    def _merges(self) -> None:
        for key in ("unit_info", "indicators", "activities", "budget", "narrative"):
            title = self.lay.sheet[key]
            sheet = self.sheet(key)
            if sheet is None:
                continue
            try:
                ranges = sheet.merged_cell_ranges or []
            except Exception:  # an .xls or odd file without merge information: nothing to check
                continue
            for (r0, c0), (r1, c1) in ranges:
                cells = ((r, c) for r in range(r0 + 1, r1 + 2) for c in range(c0 + 1, c1 + 2))
                if any(self._is_input(key, r, c) for r, c in _bounded(cells)):
                    self.add("merged-cells", title, ref(r0 + 1, c0 + 1),
                             f"{ref(r0 + 1, c0 + 1)}:{ref(r1 + 1, c1 + 1)}")

    def _unit_info(self, sub: Submission, formulas: set[tuple[int, int]]) -> None:
        grid = self.grid("unit_info")
        if grid is None:
            return
        title = self.lay.sheet["unit_info"]
        for col in self.form.unit_info:
            sub.unit_info[col.id] = self.cell(grid, title, self.lay.unit_info_rows[col.id], UNIT_INFO_VALUE_COL,
                                              col.type, col.label, formulas)

    def _indicators(self, sub: Submission, formulas: set[tuple[int, int]]) -> None:
        grid = self.grid("indicators")
        if grid is None:
            return
        title = self.lay.sheet["indicators"]
        for key, row, ftype, label in self.plan.indicators:
            sub.indicators[key] = self.cell(grid, title, row, IND_COL_VALUE, ftype, label, formulas)

    def _activities(self, sub: Submission, formulas: set[tuple[int, int]]) -> bool:
        grid = self.grid("activities")
        if grid is None:
            return True
        title = self.lay.sheet["activities"]
        cols = self.plan.activity_cols
        facts = self.facts.get(title)
        errors = facts.errors if facts is not None else {}
        stray: dict[tuple[str, str], list[tuple[int, str]]] = {}
        fast = not formulas and facts is None  # no formula and no error or percentage cell on the sheet
        empty_run, row = 0, self.lay.activity_first_row
        last = len(grid.rows)
        while row <= last:
            line = grid.rows[row - 1]
            width = len(line)
            filled = _any_value(line, width, self.plan.activity_index) or (
                bool(formulas) and any((row, c) in formulas for _, _, c, _, _ in cols))
            if not filled and errors and self._stray_errors(title, row, errors, stray):
                empty_run, row = 0, row + 1
                continue
            if not filled:
                empty_run += 1
                if empty_run >= EMPTY_RUN:
                    break
                row += 1
                continue
            empty_run = 0
            if len(sub.activities) >= self.form.activity_max_rows:
                self.add("too-many-rows", title, ref(row, cols[0][2]), value=f">{self.form.activity_max_rows}",
                         max=self.form.activity_max_rows)
                return False
            if fast:
                values = self._plain_row(grid, title, row, line, formulas)
            else:
                values = {cid: self.cell(grid, title, row, c, ftype, label, formulas, f"{letter}{row}")
                          for cid, ftype, c, letter, label in cols}
            sub.activities.append(ActivityRow(row=row, values=values))
            row += 1
        self._report_stray(title, stray)
        if row <= last:
            self._after_gap(grid, title, row, [c for _, _, c, _, _ in cols])
        return True

    def _plain_row(self, grid: _Grid, title: str, row: int, line: list[Any],
                   formulas: set[tuple[int, int]]) -> dict[str, CellValue]:
        """The values of an activity row on a sheet with no formula and no error or percentage cell: the same as
        `cell` for each column, with the common case (a cell that holds its type) done inline."""
        width = len(line)
        values: dict[str, CellValue] = {}
        number = str(row)
        for cid, ftype, c, letter, label in self.plan.activity_cols:
            raw = line[c - 1] if c <= width else None
            a1 = letter + number
            value = None if raw is None else plain(raw, ftype)
            values[cid] = (_new(CellValue, (value, title, a1, None)) if value is not NEEDS_COERCE
                           else self.cell(grid, title, row, c, ftype, label, formulas, a1))
        return values

    def _stray_errors(self, title: str, row: int, errors: dict[tuple[int, int], str],
                      stray: dict[tuple[str, str], list[tuple[int, str]]]) -> bool:
        """Collect the formula errors of an activity row that holds nothing else; True when there were any.

        A formula copied down past the last activity ends in #N/A on the empty rows: those cells are reported (one
        finding per run of rows, `_report_stray`), but the rows are not read as activities (each of their empty
        columns would then be "required")."""
        found = False
        for _, _, c, letter, label in self.plan.activity_cols:
            if (row, c) in errors:
                stray.setdefault((letter, label), []).append((row, errors[(row, c)]))
                found = True
        return found

    def _report_stray(self, title: str, stray: dict[tuple[str, str], list[tuple[int, str]]]) -> None:
        for (letter, label), cells in stray.items():
            start = 0
            for i in range(1, len(cells) + 1):
                if i < len(cells) and cells[i][0] == cells[i - 1][0] + 1:
                    continue
                (first, shown), last = cells[start], cells[i - 1][0]
                if last == first:
                    self.add("formula-error", title, f"{letter}{first}", shown, label=label)
                else:
                    self.add("formula-error-rows", title, f"{letter}{first}", shown, label=label,
                             cells=f"{letter}{first}:{letter}{last}", n=last - first + 1)
                start = i

    def _after_gap(self, grid: _Grid, title: str, start: int, cols: list[int]) -> None:
        for row in range(start, len(grid.rows) + 1):
            line = grid.rows[row - 1]
            for c in cols:
                if 0 < c <= len(line) and not is_empty(line[c - 1]):
                    self.add("rows-after-gap", title, ref(row, c), line[c - 1], gap=EMPTY_RUN)
                    return

    def _budget(self, sub: Submission, formulas: set[tuple[int, int]]) -> None:
        grid = self.grid("budget")
        if grid is None:
            return
        title = self.lay.sheet["budget"]
        for source, row in self.lay.budget_rows.items():
            for col in self.form.budget.columns:
                sub.budget[(source, col.id)] = self.cell(grid, title, row, self.lay.budget_cols[col.id], col.type,
                                                         f"{source}: {col.label}", formulas)

    def _narrative(self, sub: Submission, formulas: set[tuple[int, int]]) -> None:
        grid = self.grid("narrative")
        if grid is None:
            return
        title = self.lay.sheet["narrative"]
        for col in self.form.narrative:
            sub.narrative[col.id] = self.cell(grid, title, self.lay.narrative_rows[col.id], NARR_COL_VALUE,
                                              "text", col.label, formulas)


def _any_value(line: list[Any], width: int, index: tuple[int, ...]) -> bool:
    """Whether the row `line` holds a value (not empty in the sense of `is_empty`) in one of the columns `index`
    (0-based); inline, as it runs for every row of the table."""
    for i in index:
        if i < width:
            v = line[i]
            if v is not None and v != "" and not (type(v) is str and v.isspace()):
                return True
    return False


def _bounded(cells: Iterable[tuple[int, int]], limit: int = 100_000) -> Iterable[tuple[int, int]]:
    # A merge over a whole column would otherwise mean a million checks.
    for i, rc in enumerate(cells):
        if i >= limit:
            return
        yield rc


def _meta_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return nfc(str(value)).strip()


def _shift(grid: _Grid, placed: list[tuple[int, int, str, str]], row: int, col: int, found: str, text: str) -> int:
    """How many rows a fixed table moved at (row, col): > 0 inserted above, < 0 deleted, 0 not a row shift."""
    # Deleted rows: the text found here belongs further down the same column.
    for r, c, _a1, t in placed:
        if c == col and r != row and t == found and found:
            return row - r
    # Inserted rows: the text expected here sits further down.
    for r in range(row + 1, len(grid.rows) + 1):
        if grid.text(r, col) == text:
            return r - row
    return 0


def read_submission(path: Path, project: Project) -> tuple[Submission | None, list[Finding]]:
    """Read a filled unit workbook; return (Submission, findings), or (None, findings) when it cannot be read.

    Never raises on bad input and never modifies `path`.
    """
    reader = _Reader(Path(path), project)
    try:
        sub = reader.run()
    except _PARSER_ERRORS as exc:  # last line of defence: a file we did not foresee is a finding, not a traceback
        if isinstance(exc, _NEVER_CAUGHT):
            raise
        reader.add("unreadable", value=_describe(exc))
        return None, reader.findings
    return sub, reader.findings
