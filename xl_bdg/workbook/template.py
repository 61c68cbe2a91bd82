"""Write the standard unit workbook for one unit and period, from the form definition.

Every sheet is protected with only the input cells open; dropdowns and number/date rules are real Excel data
validations (with error messages on), long lists sit on a hidden sheet, and a hidden metadata sheet plus document
properties carry form id, version, unit, period and the structure fingerprint that the reader checks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.worksheet import Worksheet

from ..catalogue import words
from ..fileio import atomic_path
from ..form.definition import Column, Form
from ..form.layout import (
    ACT_HEADER_ROW,
    BUDGET_COL_LABEL,
    BUDGET_COL_NO,
    BUDGET_HEADER_ROW,
    IND_COL_KEY,
    IND_COL_LABEL,
    IND_COL_NO,
    IND_COL_NOTE,
    IND_COL_UNIT,
    IND_COL_VALUE,
    IND_HEADER_ROW,
    NARR_COL_LABEL,
    NARR_COL_NO,
    NARR_COL_VALUE,
    NARR_HEADER_ROW,
    UNIT_INFO_LABEL_COL,
    UNIT_INFO_VALUE_COL,
    Layout,
    activity_header,
    layout_for,
    roman,
)
from ..form.project import Project
from ..form.registry import Unit
from ..periods import Period
from ..version import __version__
from . import cells
from . import styles as st
from .live import LiveChecks
from .signing import form_lines, print_header, signature_block

#: Rows of the activity list numbered in the blank form: one printed page of grid to fill by hand.
PRINT_BLANK_ROWS = 20
PRINT_ROW_HEIGHT = 21  # points


@dataclass(frozen=True)
class Stamp:
    """What a workbook is for: the unit and period stamped into it, and the words that fill the form's texts."""

    unit: Unit
    period: Period
    words: dict[str, str]

    def say(self, text: str) -> str:
        """`text` from the form definition with its {placeholders} filled."""
        return text.format(**self.words)


#: Days (day, month) the instructions' date example may show, in order of preference: a day people recognise
#: (Vietnamese Women's Day, International Women's Day, the Action Month's launch week).
_EXAMPLE_DAYS = ((20, 10), (8, 3), (25, 11))


def _example_date(period: Period) -> dt.date:
    """A date to show as the example of a date entry: inside the period's data window and, where it can be, on or
    before the deadline (an activity dated after the file was sent is a finding, so the example must not be one)."""
    latest = min(period.end, period.deadline) if period.deadline >= period.start else period.end
    for bound in (latest, period.end):
        for year in (period.year, period.year - 1):
            for day, month in _EXAMPLE_DAYS:
                when = dt.date(year, month, day)
                if period.start <= when <= bound:
                    return when
    return period.start


def _words(project: Project, unit: Unit, period: Period) -> dict[str, str]:
    form = project.form
    am_start, am_end = project.action_month(period.year)
    end = f"{period.end:%d/%m/%Y}"
    # due before the data window closes: the figures to the window's end are estimates ("ước thực hiện")
    estimate = form.text("estimate").format(end=end) if period.estimate else ""
    return {"estimate": estimate,
            "unit_name": unit.name, "unit_code": unit.code, "period": period.code, "period_title": period.title(),
            "start": f"{period.start:%d/%m/%Y}", "end": end,
            "deadline": f"{period.deadline:%d/%m/%Y}", "example_date": f"{_example_date(period):%d/%m/%Y}",
            "office": project.office(period)["name"],
            "am_start": f"{am_start:%d/%m}", "am_end": f"{am_end:%d/%m}", "form_id": form.id,
            "form_version": form.version, "generator": f"xl-bdg {__version__}",
            **{f"sheet_{key}": sheet.title for key, sheet in form.sheets.items()}}


def workbook_name(period: str, unit_code: str) -> str:
    """The ASCII-safe file name of a unit workbook: `2026-FY_SO-YTE.xlsx`."""
    return f"{period}_{unit_code}.xlsx"


def _banner(ws: Worksheet, form: Form, key: str, stamp: Stamp, note: bool = False) -> None:
    """Rows 1–3 of a data sheet: the sheet's banner, the unit and period, and (if asked) the sheet's note."""
    ws.cell(row=1, column=1, value=stamp.say(form.text(f"banners.{key}"))).font = st.FONT_TITLE
    ws.cell(row=2, column=1, value=stamp.say(form.text("banner_unit"))).font = st.FONT_BOLD
    if note:
        ws.cell(row=3, column=1, value=stamp.say(form.text(f"notes.{key}"))).font = st.FONT_NOTE
    ws.row_dimensions[1].height = 22


def _instructions(ws: Worksheet, project: Project, stamp: Stamp) -> tuple[int, int]:
    """The first sheet; return the row of the workbook's own totals (under the heading, seen first) and the row
    where its table of counts starts (under the footer). `live.py` fills both."""
    form, say = project.form, stamp.say
    # The form's number and its guidance letter above the title, as on the paper form.
    lines = [(text, st.FONT_NOTE) for text in form_lines(project, stamp.period)]
    lines += [(form.title, st.FONT_TITLE)]
    lines += [(say(text), st.FONT_BOLD) for text in form.text("instructions.heading")]
    top = len(lines) + 2
    lines += [("", st.FONT)] * 3  # a blank line, then the two totals
    lines += [("", st.FONT), (say(form.text("instructions.title")), st.FONT_BOLD)]
    lines += [(say(text), st.FONT) for text in form.text("instructions.steps")]
    lines += [("", st.FONT), (say(form.text("instructions.legend_title")), st.FONT_BOLD)]
    for i, (text, font) in enumerate(lines, start=1):
        c = ws.cell(row=i, column=1, value=text)
        c.font = font
        c.alignment = st.WRAP
    legend = [(st.FILL_INPUT, "input"), (st.FILL_NA, "na"), (st.FILL_STAMP, "stamp")]
    row = len(lines) + 1
    for fill, key in legend:
        ws.cell(row=row, column=1, value=say(form.text(f"instructions.legend.{key}"))).font = st.FONT
        ws.cell(row=row, column=2).fill = fill
        ws.cell(row=row, column=2).border = st.BORDER
        row += 1
    ws.cell(row=row + 1, column=1, value=say(form.text("instructions.footer"))).font = st.FONT_NOTE
    ws.column_dimensions["A"].width = 110
    ws.column_dimensions["B"].width = 8
    cells.print_setup(ws, landscape=False, header_row=1)
    ws.print_title_rows = None
    cells.protect(ws)
    return top, row + 3


def _unit_info(ws: Worksheet, project: Project, layout: Layout, stamp: Stamp, vals: cells.Validations) -> None:
    form = project.form
    _banner(ws, form, "unit_info", stamp)
    stamped = {"unit_code": stamp.unit.code, "unit_name": stamp.unit.name, "period": stamp.period.code}
    for col in form.unit_info:
        row = layout.unit_info_rows[col.id]
        # The label stays plain (the structure check compares it); required fields are marked in column C.
        cells.label(ws, row, UNIT_INFO_LABEL_COL, col.label, font=st.FONT_BOLD)
        if col.stamped:
            cell = ws.cell(row=row, column=UNIT_INFO_VALUE_COL, value=stamped.get(col.id, ""))
            cell.fill, cell.font, cell.border = st.FILL_STAMP, st.FONT_BOLD, st.BORDER
        else:
            cells.input_cell(ws, row, UNIT_INFO_VALUE_COL, col.type, vals, col.list)
        if col.required:
            ws.cell(row=row, column=3, value=form.text("required_note")).font = st.FONT_NOTE
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 55
    ws.column_dimensions["C"].width = 14
    vals.attach(ws, list(vals.by_key))
    cells.print_setup(ws, landscape=False, header_row=UNIT_INFO_LABEL_COL)
    ws.print_title_rows = None
    cells.protect(ws)


def _indicators(ws: Worksheet, project: Project, layout: Layout, stamp: Stamp, vals: cells.Validations) -> None:
    form = project.form
    _banner(ws, form, "indicators", stamp, note=True)
    heads = {IND_COL_NO: "number", IND_COL_KEY: "code", IND_COL_LABEL: "indicator", IND_COL_UNIT: "unit",
             IND_COL_VALUE: "value", IND_COL_NOTE: "note"}
    heads = {col: form.text(f"headers.{key}") for col, key in heads.items()}
    for col, text in heads.items():
        cells.header(ws, IND_HEADER_ROW, col, text)
    for n, group in enumerate(g for g in form.groups if g.id in layout.group_rows):
        row = layout.group_rows[group.id]
        cells.label(ws, row, IND_COL_NO, roman(n + 1), font=st.FONT_BOLD, fill=st.FILL_GROUP, align=st.CENTER)
        for col in range(IND_COL_KEY, IND_COL_NOTE + 1):
            cells.label(ws, row, col, None, fill=st.FILL_GROUP)
        ws.cell(row=row, column=IND_COL_LABEL, value=group.label).font = st.FONT_BOLD
    number = 0
    for ind in form.indicators:
        applies = ind.applies(stamp.unit.code, stamp.unit.kind, stamp.period.kind, stamp.period.year)
        if ind.code in layout.indicator_title_rows:
            number += 1
            row = layout.indicator_title_rows[ind.code]
            cells.label(ws, row, IND_COL_NO, number, align=st.CENTER)
            cells.label(ws, row, IND_COL_KEY, ind.code, font=st.FONT_BOLD)
            cells.label(ws, row, IND_COL_LABEL, ind.label, font=st.FONT_BOLD)
            cells.label(ws, row, IND_COL_UNIT, ind.unit, align=st.CENTER)
            cells.label(ws, row, IND_COL_VALUE, None, fill=None if applies else st.FILL_NA)
            cells.label(ws, row, IND_COL_NOTE, None)
        for f in ind.fields:
            irow = layout.indicator_rows[ind.key(f.id)]
            single = len(ind.fields) == 1
            if single:
                number += 1
            cells.label(ws, irow.row, IND_COL_NO, number if single else None, align=st.CENTER)
            cells.label(ws, irow.row, IND_COL_KEY, irow.key, font=st.FONT_BOLD if single else st.FONT)
            cells.label(ws, irow.row, IND_COL_LABEL, ind.label if single else f"- {f.label}",
                   font=st.FONT_BOLD if single else st.FONT)
            # A sub-row takes its indicator's unit, except a text field (a document number has no unit).
            cells.label(ws, irow.row, IND_COL_UNIT, None if f.type == "text" and not single else ind.unit,
                        align=st.CENTER)
            if applies and f.ended(stamp.period.start):
                # A part that no longer exists in the period (district bodies after 30/6/2025): a locked 0, so the
                # breakdown still adds up and nobody types a figure the validator would refuse (`row-ended`).
                cells.label(ws, irow.row, IND_COL_VALUE, 0, fill=st.FILL_NA, align=st.CENTER)
                cells.label(ws, irow.row, IND_COL_NOTE, None, fill=st.FILL_NA)
            elif applies:
                cells.input_cell(ws, irow.row, IND_COL_VALUE, f.type, vals, "yesno" if f.type == "yesno" else None)
                cells.input_cell(ws, irow.row, IND_COL_NOTE, "text", vals)
            else:
                cells.label(ws, irow.row, IND_COL_VALUE, None, fill=st.FILL_NA)
                cells.label(ws, irow.row, IND_COL_NOTE, None, fill=st.FILL_NA)
    widths = {IND_COL_NO: 6, IND_COL_KEY: 13, IND_COL_LABEL: 62, IND_COL_UNIT: 15, IND_COL_VALUE: 16,
              IND_COL_NOTE: 24}
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = width
    # Neither Excel nor LibreOffice grows a row for wrapped text written by a program: size long labels here.
    for row in range(IND_HEADER_ROW + 1, ws.max_row + 1):
        text = ws.cell(row=row, column=IND_COL_LABEL).value
        if isinstance(text, str):
            ws.row_dimensions[row].height = cells.row_height(text, widths[IND_COL_LABEL])
    ws.freeze_panes = ws.cell(row=IND_HEADER_ROW + 1, column=IND_COL_LABEL + 1)
    vals.attach(ws, list(vals.by_key))
    cells.print_setup(ws, landscape=False, header_row=IND_HEADER_ROW)
    cells.protect(ws)


def _activities(ws: Worksheet, project: Project, layout: Layout, stamp: Stamp, vals: cells.Validations) -> None:
    form = project.form
    _banner(ws, form, "activities", stamp, note=True)
    cells.header(ws, ACT_HEADER_ROW, 1, form.text("headers.number"))
    for col in form.activity_columns:
        c = layout.activity_cols[col.id]
        cells.header(ws, ACT_HEADER_ROW, c, activity_header(form, col))
        ws.column_dimensions[get_column_letter(c)].width = col.width
    ws.column_dimensions["A"].width = 6
    ws.row_dimensions[ACT_HEADER_ROW].height = 45
    first, last = layout.activity_first_row, layout.activity_last_input_row
    for row in range(first, last + 1):
        cells.input_cell(ws, row, 1, "text", vals)
        if row < first + PRINT_BLANK_ROWS:
            # Numbered rows are content: a spreadsheet program prints them, so the blank form prints a grid to
            # fill by hand (empty formatted cells alone print nothing in LibreOffice).
            ws.cell(row=row, column=1, value=row - first + 1)
            ws.row_dimensions[row].height = PRINT_ROW_HEIGHT  # room to write by hand
        for col in form.activity_columns:
            cells.input_cell(ws, row, layout.activity_cols[col.id], col.type, vals, col.list, validate=False)
    # One range per column: adding cells one by one to a validation is quadratic in openpyxl.
    for col in form.activity_columns:
        dv = vals.for_type(col.type, col.list)
        if dv is not None:
            letter = get_column_letter(layout.activity_cols[col.id])
            dv.add(f"{letter}{first}:{letter}{last}")
    ws.freeze_panes = ws.cell(row=layout.activity_first_row, column=layout.activity_cols["title"] + 1) \
        if "title" in layout.activity_cols else ws.cell(row=layout.activity_first_row, column=1)
    vals.attach(ws, list(vals.by_key))
    cells.print_setup(ws, landscape=True, header_row=ACT_HEADER_ROW, pages_wide=2)
    ws.print_title_cols = "A:A"  # the row number on both halves of a printed row
    cells.protect(ws)


def _budget(ws: Worksheet, project: Project, layout: Layout, stamp: Stamp, vals: cells.Validations) -> None:
    form, b = project.form, project.form.budget
    _banner(ws, form, "budget", stamp)
    cells.header(ws, BUDGET_HEADER_ROW, BUDGET_COL_NO, form.text("headers.number"))
    cells.header(ws, BUDGET_HEADER_ROW, BUDGET_COL_LABEL, form.lists[b.rows_list].label)
    for col in b.columns:
        cells.header(ws, BUDGET_HEADER_ROW, layout.budget_cols[col.id], col.label)
    for i, (source, row) in enumerate(layout.budget_rows.items(), start=1):
        cells.label(ws, row, BUDGET_COL_NO, i, align=st.CENTER)
        cells.label(ws, row, BUDGET_COL_LABEL, source)
        for col in b.columns:
            cells.input_cell(ws, row, layout.budget_cols[col.id], col.type, vals)
    total = layout.budget_total_row
    cells.label(ws, total, BUDGET_COL_LABEL, b.total_label, font=st.FONT_BOLD)
    cells.label(ws, total, BUDGET_COL_NO, None)
    first, last = min(layout.budget_rows.values()), max(layout.budget_rows.values())
    for col in b.columns:
        letter = get_column_letter(layout.budget_cols[col.id])
        # A convenience for the person filling in; the reader never reads it (it recomputes from the rows).
        cells.label(ws, total, layout.budget_cols[col.id], f"=SUM({letter}{first}:{letter}{last})", font=st.FONT_BOLD)
        ws.cell(row=total, column=layout.budget_cols[col.id]).number_format = st.NUMBER_FORMATS["money"]
        ws.column_dimensions[letter].width = 20
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 32
    ws.freeze_panes = ws.cell(row=BUDGET_HEADER_ROW + 1, column=1)
    vals.attach(ws, list(vals.by_key))
    cells.print_setup(ws, landscape=False, header_row=BUDGET_HEADER_ROW)
    cells.protect(ws)


def _narrative(ws: Worksheet, project: Project, layout: Layout, stamp: Stamp, vals: cells.Validations) -> None:
    form = project.form
    _banner(ws, form, "narrative", stamp, note=True)
    for number, key in ((NARR_COL_NO, "number"), (NARR_COL_LABEL, "topic"), (NARR_COL_VALUE, "narrative")):
        cells.header(ws, NARR_HEADER_ROW, number, form.text(f"headers.{key}"))
    for i, col in enumerate(form.narrative, start=1):
        row = layout.narrative_rows[col.id]
        cells.label(ws, row, NARR_COL_NO, f"{i}{form.text('required_mark') if col.required else ''}", align=st.CENTER)
        cells.label(ws, row, NARR_COL_LABEL, col.label, font=st.FONT_BOLD)
        cells.input_cell(ws, row, NARR_COL_VALUE, "text", vals)
        ws.row_dimensions[row].height = 96
    ws.column_dimensions["A"].width = 7
    ws.column_dimensions["B"].width = 34
    ws.column_dimensions["C"].width = 95
    cells.print_setup(ws, landscape=True, header_row=NARR_HEADER_ROW)
    place = project.config["province"].get("place", project.province_name)
    last = signature_block(ws, form, layout, form.sheets["unit_info"].title, place)
    ws.print_area = f"A1:{get_column_letter(NARR_COL_VALUE)}{last}"
    cells.protect(ws)


def _lists(ws: Worksheet, form: Form) -> None:
    for col, (list_id, lst) in enumerate(form.lists.items(), start=1):
        ws.cell(row=1, column=col, value=list_id).font = st.FONT_BOLD
        for row, value in enumerate(lst.values, start=2):
            ws.cell(row=row, column=col, value=value)
        ws.column_dimensions[get_column_letter(col)].width = 30
    ws.sheet_state = "hidden"
    cells.protect(ws)


def _meta(ws: Worksheet, form: Form, layout: Layout, stamp: Stamp) -> dict[str, str]:
    meta = {"form_id": form.id, "form_version": form.version, "unit_code": stamp.unit.code,
            "unit_name": stamp.unit.name, "period": stamp.period.code, "fingerprint": layout.fingerprint(),
            "generated_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "generator": f"xl-bdg {__version__}"}
    for row, key in enumerate(meta):
        ws.cell(row=row + 1, column=1, value=key)
        ws.cell(row=row + 1, column=2, value=meta[key])
    # veryHidden: not listed in Excel's "Unhide" dialog, so staff do not stumble on it.
    ws.sheet_state = "veryHidden"
    cells.protect(ws)
    return meta


def build_workbook(project: Project, unit: Unit, period: Period) -> Workbook:
    """Build (in memory) the unit workbook for `unit` and `period`."""
    form = project.form
    layout = layout_for(form)
    stamp = Stamp(unit, period, _words(project, unit, period))
    wb = Workbook()
    wb.remove(wb.active)
    sheets = {key: wb.create_sheet(d.title) for key, d in form.sheets.items()}
    vals = cells.Validations(form, period)
    top, table = _instructions(sheets["instructions"], project, stamp)
    _unit_info(sheets["unit_info"], project, layout, stamp, vals)
    _indicators(sheets["indicators"], project, layout, stamp, vals)
    _activities(sheets["activities"], project, layout, stamp, vals)
    _budget(sheets["budget"], project, layout, stamp, vals)
    _narrative(sheets["narrative"], project, layout, stamp, vals)
    _lists(sheets["lists"], form)
    LiveChecks(project, layout, unit, period).write(
        wb, sheets, words("vi", project.schemas_dir), top, table)
    meta = _meta(sheets["meta"], form, layout, stamp)
    reference = form_lines(project, period)
    for key in ("unit_info", "indicators", "activities", "budget", "narrative"):
        print_header(sheets[key], reference)
    for ws in sheets.values():
        ws.sheet_view.zoomScale = 100
    wb.active = 0
    wb.security = WorkbookProtection(lockStructure=True)
    props = wb.properties
    props.title = f"{form.title} — {unit.name} — {period.code}"
    props.subject = form.text("properties_subject")
    props.creator = "xl-bdg"
    props.keywords = f"{form.id} {form.version} {unit.code} {period.code}"
    for key in ("form_id", "form_version", "unit_code", "period", "fingerprint"):
        wb.custom_doc_props.append(StringProperty(name=f"xlbdg_{key}", value=meta[key]))
    return wb


def write_template(project: Project, unit: Unit, period: Period, out_dir: Path) -> Path:
    """Write the unit workbook into `out_dir` (atomically) and return its path."""
    target = out_dir / workbook_name(period.code, unit.code)
    save_workbook(build_workbook(project, unit, period), target)
    return target


def save_workbook(wb: Workbook, target: Path) -> Path:
    """Save `wb` to `target` through a temporary name and a rename."""
    with atomic_path(target) as tmp:
        wb.save(tmp)
    return target


class UnitNotActive(LookupError):
    """A unit of the registry asked for a period it does not report in (it ended before the period's end, or began
    after it): a district after 30/6/2025, a department merged on 1/3/2025."""

    def __init__(self, unit: Unit, period: Period) -> None:
        super().__init__(unit.code)
        self.unit, self.period = unit, period


def units_for(project: Project, period: Period, codes: list[str] | None = None) -> list[Unit]:
    """The units that report in `period` (all, or those named); raise KeyError naming codes the registry does not
    know, and UnitNotActive for a known unit outside its validity (a template for it would be refused on return)."""
    active = {u.code: u for u in project.registry.reporting_units(period.start, period.end)}
    if not codes:
        return list(active.values())
    missing = [c for c in codes if c not in active and project.registry.get(c) in (None, project.registry.get(
        project.registry.root))]
    if missing:
        raise KeyError(", ".join(missing))
    for c in codes:
        unit = project.registry.get(c)
        if c not in active and unit is not None:
            raise UnitNotActive(unit, period)
    return [active[c] for c in codes]


__all__ = ["Column", "UnitNotActive", "build_workbook", "units_for", "workbook_name", "write_template"]
