"""Checks that live in the workbook itself: the form's rules (`form/rulebook.py`, the description the validator's
pandera checks are built from) rendered as Excel formulas, so a clerk who installs nothing still sees a cross-field
problem while typing.

Each rule becomes (1) conditional formatting on the cells it involves and (2) a count: how many findings of that
rule the validator would report on the sheet now. The counts sit in a table on the first sheet, beside the rule's
Vietnamese title; each data sheet shows its own total in row 1 ("Còn 3 lỗi cần sửa — …"), and the first sheet the
total of all. Only functions of Excel 2010 and LibreOffice are used (SUMPRODUCT, ISNUMBER, LEN, TRIM, ABS, DATE, IF),
no dynamic arrays; the counts are in locked cells, so they work with the sheets protected.

What the formulas see is what the cells hold: a number typed as text (pasted past the in-cell validation) is not a
number to them, while the reader would read it; the office's check settles such cases. The date rules follow the
validator's tidying (`validation/tidy.py`): a date outside the period is not also outside the Action Month, hides
"end before start" on its row, and both dates of a row outside the period count once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from ..catalogue import Words
from ..form.definition import NUMERIC_TYPES, Form
from ..form.layout import IND_COL_VALUE, LIVE_COUNT_CELLS, NARR_COL_VALUE, UNIT_INFO_VALUE_COL, Layout, ref
from ..form.project import Project
from ..form.registry import Unit
from ..form.rulebook import RuleSpec, activity_specs, cross_specs, indicator_specs, windows
from ..periods import Period
from . import styles as st

#: The spreadsheet conventions for "bad" and "neutral" cells, as differential styles (what conditional formats take).
MARK = {"error": (PatternFill(bgColor="FFC7CE"), Font(color="9C0006", bold=True)),
        "warning": (PatternFill(bgColor="FFD966"), Font(color="7F6000", bold=True))}
FONT_COUNT = Font(name=st.FONT_NAME, size=11, bold=True, color="C00000")
FONT_CLEAN = Font(color="006100")

Ref = Callable[[str], str]  # a field id → the cell (or the column range) a formula reads


@dataclass
class LiveCount:
    """One line of the count table: a rule of a sheet, its title and the formula that counts its findings."""

    sheet: str                      # the sheet key (activities, indicators, …)
    code: str
    severity: str
    terms: list[str] = field(default_factory=list)  # each a number; their sum is the count
    cell: str = ""                  # where the count sits on the first sheet (set when the table is written)

    def formula(self) -> str:
        """The count as a formula (without "=")."""
        return "+".join(f"SUMPRODUCT(0+({t}))" for t in self.terms) or "0"


@dataclass
class _Marks:
    """Conditional formats of one sheet: (cells, formula true on a wrong cell, severity)."""

    rules: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, cells: str, formula: str, severity: str) -> None:
        self.rules.append((cells, formula, severity))

    def apply(self, ws: Worksheet) -> None:
        for cells, formula, severity in self.rules:
            fill, font = MARK["error" if severity == "error" else "warning"]
            ws.conditional_formatting.add(cells, FormulaRule(formula=[formula], fill=fill, font=font))


def count_name(sheet: str, code: str) -> str:
    """The defined name of a count: `xlbdg.activities.female_exceeds_total` (names take no hyphen)."""
    return f"xlbdg.{sheet}.{code.replace('-', '_')}"


def _num(x: str) -> str:
    return f"ISNUMBER({x})"


def _empty(x: str) -> str:
    return f"(LEN(TRIM({x}))=0)"


def _text(value: object) -> str:
    return '"' + str(value).replace('"', '""') + '"'


def _date(day: dt.date) -> str:
    return f"DATE({day.year},{day.month},{day.day})"


def _outside(x: str, lo: dt.date, hi: dt.date) -> str:
    return f"{_num(x)}*((({x}<{_date(lo)})+({x}>{_date(hi)}))>0)"


def _hit(cond: str, equals: object, numeric: bool) -> str:
    """The condition of a `requires` rule: the cell equals the value, or (no value) holds something."""
    if equals is not None:
        return f"({cond}={_text(equals)})"
    return f"{_num(cond)}*({cond}<>0)" if numeric else f"(1-{_empty(cond)})"


def _compare(spec: RuleSpec, r: Ref, numeric: Callable[[str], bool]) -> str | None:
    """The rules that compare fields of one row or one indicator (0/1 arithmetic, array-safe in SUMPRODUCT)."""
    t, o = r(spec.target), [r(x) for x in spec.others]
    if spec.rule == "le":
        return f"{_num(t)}*{_num(o[0])}*({t}>{o[0]})"
    if spec.rule == "sum_eq":
        parts = "+".join(o)
        # |Σ parts − total| > 1e-9 × max(|total|, 1), the validator's tolerance, without MAX (an aggregate in arrays)
        tol = f"1E-9*((ABS({t})>1)*ABS({t})+(ABS({t})<=1))"
        return "*".join(_num(x) for x in (*o, t)) + f"*(ABS({parts}-{t})>{tol})"
    if spec.rule == "requires":
        return f"{_hit(o[0], spec.equals, numeric(spec.others[0]))}*{_empty(t)}"
    return None


class _Activities:
    """The activity table's rules, on whole columns (counts) and on the row of each cell (marks)."""

    def __init__(self, form: Form, layout: Layout, windows: dict[str, tuple[dt.date, dt.date]]) -> None:
        self.form, self.lay = form, layout
        self.sheet = quote_sheetname(layout.sheet["activities"]) + "!"  # counts sit on the first sheet
        self.first, self.last = layout.activity_first_row, layout.activity_last_input_row
        self.types = {c.id: c.type for c in form.activity_columns}
        self.windows = windows
        specs = activity_specs(form)
        self.specs = [s for s in specs if s.live]
        self.period_cols = {s.target for s in self.specs if s.window == "period"}
        self.pairs = [(s.others[0], s.target) for s in self.specs if s.rule == "date_order"]

    def letter(self, col: str) -> str:
        return get_column_letter(self.lay.activity_cols[col])

    def column(self, col: str) -> str:
        return f"{self.sheet}${self.letter(col)}${self.first}:${self.letter(col)}${self.last}"

    def row(self, col: str) -> str:
        return f"${self.letter(col)}{self.first}"

    def span(self, col: str) -> str:
        return f"{self.letter(col)}{self.first}:{self.letter(col)}{self.last}"

    def expr(self, spec: RuleSpec, r: Ref) -> str:
        found = _compare(spec, r, lambda c: self.types[c] in NUMERIC_TYPES)
        if found is not None:
            return found
        lo, hi = self.windows["period"]
        keep = "".join(f"*(1-{_outside(r(c), lo, hi)})" for c in sorted(self.period_cols))
        if spec.rule == "date_order":
            end, start = r(spec.target), r(spec.others[0])
            return f"{_num(start)}*{_num(end)}*({end}<{start}){keep}"
        if spec.window is not None:
            lo, hi = self.windows[spec.window]
            out = _outside(r(spec.target), lo, hi)
            if spec.when:
                out += "*((" + "+".join(f"({r(k)}={_text(v)})" for k, v in spec.when) + ")>0)"
            if spec.window != "period" and spec.target in self.period_cols:
                p0, p1 = self.windows["period"]
                out += f"*(1-{_outside(r(spec.target), p0, p1)})"
            return out
        raise ValueError(f"rule '{spec.rule}' has no formula")  # rulebook.LIVE lists only rules rendered here

    def filled(self, r: Ref) -> str:
        """Whether a row holds anything in the form's columns (the reader's test of a filled row)."""
        return "(LEN(TRIM(" + "&".join(r(c.id) for c in self.form.activity_columns) + "))>0)"

    def render(self, counts: dict[str, LiveCount], marks: _Marks) -> None:
        for spec in self.specs:
            line = counts.setdefault(spec.code, LiveCount("activities", spec.code, spec.severity))
            line.terms.append(self.expr(spec, self.column))
            cells = [spec.target] if spec.window or spec.rule == "requires" else list(spec.fields())
            marks.add(" ".join(self.span(c) for c in cells), self.expr(spec, self.row), spec.severity)
        lo, hi = self.windows["period"]
        for code in {s.code for s in self.specs if s.window == "period"}:
            # Both dates of a row outside the period are one finding (validation/tidy.py merges them).
            for start, end in self.pairs:
                if {start, end} <= self.period_cols:
                    counts[code].terms.append(f"-{_outside(self.column(start), lo, hi)}"
                                              f"*{_outside(self.column(end), lo, hi)}")
        required = [c.id for c in self.form.activity_columns if c.required]
        if required:
            line = counts.setdefault("required-missing", LiveCount("activities", "required-missing", "error"))
            for col in required:
                line.terms.append(f"{self.filled(self.column)}*{_empty(self.column(col))}")
                marks.add(self.span(col), f"{self.filled(self.row)}*{_empty(self.row(col))}", "error")


def _indicators(form: Form, layout: Layout, unit: Unit, period: Period, counts: dict[str, LiveCount],
                marks: _Marks) -> None:
    letter = get_column_letter(IND_COL_VALUE)
    sheet = quote_sheetname(layout.sheet["indicators"]) + "!"  # counts sit on the first sheet, marks on this one

    def cell(key: str) -> str:
        return f"${letter}${layout.indicator_rows[key].row}"

    def far(key: str) -> str:
        return sheet + cell(key)

    types = {key: irow.indicator.field(irow.field_id).type for key, irow in layout.indicator_rows.items()}
    # The rules of each indicator, then those across indicators (form.yaml `cross_checks:`): the same comparisons.
    specs = [(f"indicator {ind.code}", spec) for ind in form.indicators for spec in indicator_specs(form, ind)]
    specs += [("cross_checks", spec) for spec in cross_specs(form)]
    for where, spec in specs:
        if spec.live:
            numeric = lambda k: types[k] in NUMERIC_TYPES  # noqa: E731
            expr, count = _compare(spec, cell, numeric), _compare(spec, far, numeric)
            if expr is None or count is None:  # validation refuses date and uniqueness rules between indicators
                raise ValueError(f"{where}: rule '{spec.rule}' has no formula")
            counts.setdefault(spec.code, LiveCount("indicators", spec.code, spec.severity)).terms.append(count)
            cells = [spec.target] if spec.rule == "requires" else list(spec.fields())
            marks.add(" ".join(cell(k).replace("$", "") for k in cells), expr, spec.severity)
    # An applicable number or yes/no cell left empty: counted (a warning), not marked — the yellow input cells of a
    # blank form are all empty, and marking them would only repeat "type here".
    rows = sorted(irow.row for key, irow in layout.indicator_rows.items()
                  if types[key] != "text" and irow.indicator.applies(unit.code, unit.kind, period.kind, period.year))
    runs: list[list[int]] = []
    for row in rows:
        if runs and row == runs[-1][-1] + 1:
            runs[-1].append(row)
        else:
            runs.append([row])
    if runs:
        line = counts.setdefault("indicator-empty", LiveCount("indicators", "indicator-empty",
                                                              form.messages["indicator-empty"].severity))
        line.terms += [_empty(f"{sheet}${letter}${run[0]}:${letter}${run[-1]}") for run in runs]


def _fields(layout: Layout, sheet: str, rows: dict[str, int], col: int, required: list[str],
            counts: dict[str, LiveCount], marks: _Marks) -> None:
    """Required cells of the one-value-per-row sheets (unit information, narrative)."""
    if not required:
        return
    line = counts.setdefault("required-missing", LiveCount(sheet, "required-missing", "error"))
    for fid in required:
        a1 = ref(rows[fid], col)
        line.terms.append(_empty(quote_sheetname(layout.sheet[sheet]) + "!" + a1))
        marks.add(a1, _empty(a1), "error")


def _say(template: str, **parts: str) -> str:
    """A word with {placeholders} as a formula text: literal pieces quoted, each part a formula expression."""
    out, rest = [], template
    while rest:
        starts = [(rest.find("{" + k + "}"), k) for k in parts if "{" + k + "}" in rest]
        if not starts:
            out.append(_text(rest))
            break
        at, key = min(starts)
        if at:
            out.append(_text(rest[:at]))
        out.append(parts[key])
        rest = rest[at + len(key) + 2:]
    return "&".join(out) or '""'


def _summary(lines: list[LiveCount], w: Words, title: Callable[[str], str], home: str) -> str:
    """The text of a total: "Còn 3 lỗi cần sửa — Số nữ lớn hơn tổng số: 2 — …", or that nothing is left; `home`
    is the first sheet's name and "!" when the total sits on another sheet."""
    errors = [ln for ln in lines if ln.severity == "error"]
    if not errors:
        return _text(w("live.clean"))
    total = "(" + "+".join(home + ln.cell for ln in errors) + ")"
    items = "&".join(f'IF({home}{ln.cell}>0,'
                     f'{_say(w.node("live.item"), title=_text(title(ln.code)), n=home + ln.cell)},"")'
                     for ln in errors)
    return f'IF({total}=0,{_text(w("live.clean"))},{_say(w.node("live.errors"), n=total)}&{items})'


class LiveChecks:
    """The counts and marks of one workbook, built from the form for one unit and period."""

    def __init__(self, project: Project, layout: Layout, unit: Unit, period: Period) -> None:
        form = project.form
        self.form, self.lay = form, layout
        self.marks: dict[str, _Marks] = {k: _Marks() for k in LIVE_COUNT_CELLS}
        by_sheet: dict[str, dict[str, LiveCount]] = {k: {} for k in LIVE_COUNT_CELLS}
        _fields(layout, "unit_info", layout.unit_info_rows, UNIT_INFO_VALUE_COL,
                [c.id for c in form.unit_info if c.required and not c.stamped], by_sheet["unit_info"],
                self.marks["unit_info"])
        _indicators(form, layout, unit, period, by_sheet["indicators"], self.marks["indicators"])
        _Activities(form, layout, windows(project, period)).render(by_sheet["activities"], self.marks["activities"])
        _fields(layout, "narrative", layout.narrative_rows, NARR_COL_VALUE,
                [c.id for c in form.narrative if c.required], by_sheet["narrative"], self.marks["narrative"])
        self.counts = [line for sheet in by_sheet.values() for line in sheet.values()]

    def title(self, code: str) -> str:
        """The rule's Vietnamese title (the finding's title in messages.yaml)."""
        return self.form.messages[code].title["vi"]

    def write(self, wb: Workbook, sheets: dict[str, Worksheet], w: Words, top: int, table: int) -> None:
        """Write the count table from row `table` and the totals at row `top` of the first sheet; each data sheet
        gets its marks and its own total in its count cell. Each count is also a defined name (`count_name`), so a
        program (a test, the add-in) finds it without knowing the layout of the first sheet."""
        first = sheets["instructions"]
        home = quote_sheetname(first.title)
        first.cell(row=table, column=1, value=w("live.heading")).font = st.FONT_BOLD
        first.cell(row=table + 1, column=1, value=w("live.note")).font = st.FONT_NOTE
        row = table + 2
        for line in self.counts:
            title = w("live.line", sheet=self.form.sheet_title(line.sheet), title=self.title(line.code))
            if line.severity != "error":
                title += " " + w("live.warning_mark")
            first.cell(row=row, column=1, value=title).font = st.FONT
            count = first.cell(row=row, column=2, value="=" + line.formula())
            count.font, count.border, count.alignment = st.FONT_BOLD, st.BORDER, st.CENTER
            line.cell = f"$B${row}"
            wb.defined_names[count_name(line.sheet, line.code)] = DefinedName(
                count_name(line.sheet, line.code), attr_text=f"{home}!{line.cell}")
            fill, font = MARK["error" if line.severity == "error" else "warning"]
            first.conditional_formatting.add(f"B{row}", FormulaRule(formula=[f"B{row}>0"], fill=fill, font=font))
            row += 1
        self._total(first, f"A{top}", self.counts, w, "")
        warnings = [ln.cell for ln in self.counts if ln.severity != "error"]
        if warnings:
            n = "(" + "+".join(warnings) + ")"
            c = first.cell(row=top + 1, column=1, value=f'=IF({n}=0,"",{_say(w.node("live.warnings"), n=n)})')
            c.font = Font(name=st.FONT_NAME, size=11, bold=True, color="7F6000")
        for key, (r, col) in LIVE_COUNT_CELLS.items():
            ws = sheets[key]
            self._total(ws, ref(r, col), [ln for ln in self.counts if ln.sheet == key], w, home + "!")
            self.marks[key].apply(ws)

    def _total(self, ws: Worksheet, a1: str, lines: list[LiveCount], w: Words, home: str) -> None:
        cell = ws[a1]
        cell.value = "=" + _summary(lines, w, self.title, home)
        cell.font = FONT_COUNT
        ws.conditional_formatting.add(a1, FormulaRule(formula=[f"{a1}={_text(w('live.clean'))}"], font=FONT_CLEAN))
