"""Write the standard unit workbook for one unit and period, from the form definition.

Every sheet is protected with only the input cells open; dropdowns and number/date rules are real Excel data
validations (with error messages on), long lists sit on a hidden sheet, and a hidden metadata sheet plus document
properties carry form id, version, unit, period and the structure fingerprint that the reader checks.
"""

from __future__ import annotations

import datetime as dt
from copy import copy
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from . import __version__
from . import styles as st
from .fileio import atomic_path
from .form import MAX_BY_TYPE, Column, Form
from .layout import (
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
from .periods import Period
from .project import Project
from .registry import Unit


@dataclass(frozen=True)
class Stamp:
    """What a workbook is for: the unit and period stamped into it, and the words that fill the form's texts."""

    unit: Unit
    period: Period
    words: dict[str, str]

    def say(self, text: str) -> str:
        """`text` from the form definition with its {placeholders} filled."""
        return text.format(**self.words)


def _words(project: Project, unit: Unit, period: Period) -> dict[str, str]:
    form = project.form
    am_start, am_end = project.action_month(period.year)
    return {"unit_name": unit.name, "unit_code": unit.code, "period": period.code, "period_title": period.title(),
            "start": f"{period.start:%d/%m/%Y}", "end": f"{period.end:%d/%m/%Y}",
            "deadline": f"{period.deadline:%d/%m/%Y}", "office": project.config["collecting_office"]["name"],
            "am_start": f"{am_start:%d/%m}", "am_end": f"{am_end:%d/%m}", "form_id": form.id,
            "form_version": form.version, "generator": f"xl-bdg {__version__}",
            **{f"sheet_{key}": sheet.title for key, sheet in form.sheets.items()}}


def workbook_name(period: str, unit_code: str) -> str:
    """The ASCII-safe file name of a unit workbook: `2026-FY_SO-YTE.xlsx`."""
    return f"{period}_{unit_code}.xlsx"


def _excel_serial(day: dt.date) -> int:
    return (day - dt.date(1899, 12, 30)).days


class _Validations:
    """Per-workbook state: one DataValidation per kind of rule, shared by all its ranges (keeps the file small),
    and the input-cell style arrays already computed (they index the workbook's own style tables)."""

    def __init__(self, form: Form, period: Period) -> None:
        self.styles: dict[str, object] = {}
        self.by_key: dict[str, DataValidation] = {}
        self._form = form
        self._dates = {"start": f"{period.start:%d/%m/%Y}", "end": f"{period.end:%d/%m/%Y}"}
        self._date = (str(_excel_serial(period.start)), str(_excel_serial(period.end)))

    def _new(self, key: str, kind: str, prompt_title: str | None = None, **kw: object) -> DataValidation:
        texts = {k: str(v).format(**self._dates) for k, v in self._form.text(f"validation.{kind}").items()}
        # Excel refuses a validation whose title is over 32 characters or whose message is over 255.
        dv = DataValidation(showErrorMessage=True, showInputMessage=True, allow_blank=True, errorStyle="stop",
                            errorTitle=texts["title"][:32], error=texts["error"][:255],
                            promptTitle=(prompt_title or texts.get("prompt_title", ""))[:32],
                            prompt=texts.get("prompt", "")[:255], **kw)
        self.by_key[key] = dv
        return dv

    def for_type(self, ftype: str, list_id: str | None = None) -> DataValidation | None:
        if ftype in ("list", "yesno"):
            list_id = list_id or "yesno"
            key = f"list:{list_id}"
            if key not in self.by_key:
                values = self._form.lists[list_id].values
                col = list(self._form.lists).index(list_id) + 1
                letter = get_column_letter(col)
                sheet = quote_sheetname(self._form.sheet_title("lists"))
                self._new(key, "list", prompt_title=self._form.lists[list_id].label,
                          type="list", formula1=f"{sheet}!${letter}$2:${letter}${len(values) + 1}")
            return self.by_key[key]
        if ftype == "count":
            if "count" not in self.by_key:
                self._new("count", "count", type="whole", operator="between", formula1="0",
                          formula2=str(MAX_BY_TYPE["count"]))
            return self.by_key["count"]
        if ftype in ("money", "number"):
            if "money" not in self.by_key:
                self._new("money", "money", type="decimal", operator="greaterThanOrEqual", formula1="0")
            return self.by_key["money"]
        if ftype == "percent":
            if "percent" not in self.by_key:
                self._new("percent", "percent", type="decimal", operator="between", formula1="0", formula2="100")
            return self.by_key["percent"]
        if ftype == "date":
            if "date" not in self.by_key:
                lo, hi = self._date
                self._new("date", "date", type="date", operator="between", formula1=lo, formula2=hi)
            return self.by_key["date"]
        return None

    def attach(self, ws: Worksheet, keys: list[str]) -> None:
        for key in keys:
            dv = self.by_key.get(key)
            if dv is not None and dv.sqref:
                ws.add_data_validation(dv)
        for key in keys:
            self.by_key.pop(key, None)


def _input(ws: Worksheet, row: int, col: int, ftype: str, vals: _Validations, list_id: str | None = None,
           validate: bool = True) -> None:
    cell = ws.cell(row=row, column=col)
    cached = vals.styles.get(ftype)
    if cached is not None:
        # Copying the style array skips openpyxl's per-attribute hashing, which dominated the writing time.
        cell._style = copy(cached)
    else:
        cell.fill = st.FILL_INPUT
        cell.protection = st.UNLOCKED
        cell.border = st.BORDER
        cell.font = st.FONT
        if ftype == "text":
            cell.alignment = st.WRAP
        if ftype in st.NUMBER_FORMATS:
            cell.number_format = st.NUMBER_FORMATS[ftype]
        vals.styles[ftype] = copy(cell._style)
    dv = vals.for_type(ftype, list_id) if validate else None
    if dv is not None:
        dv.add(cell.coordinate)


def _row_height(text: str, width: float, line: float = 15.0) -> float:
    """Points needed to show `text` wrapped in a column `width` characters wide (bold text runs wider)."""
    per_line = max(10, int(width * 1.05))
    lines = max(1, -(-len(text) // per_line))
    return line * lines


def _header(ws: Worksheet, row: int, col: int, text: object) -> None:
    """A table header cell: white bold text on the dark band."""
    _label(ws, row, col, text, font=st.FONT_HEADER, fill=st.FILL_HEADER, align=st.CENTER)


def _label(ws: Worksheet, row: int, col: int, text: object, font=st.FONT, fill=None, align=st.WRAP) -> None:
    cell = ws.cell(row=row, column=col, value=text)
    cell.font = font
    cell.border = st.BORDER
    cell.alignment = align
    if fill is not None:
        cell.fill = fill


def _banner(ws: Worksheet, form: Form, key: str, stamp: Stamp, note: bool = False) -> None:
    """Rows 1–3 of a data sheet: the sheet's banner, the unit and period, and (if asked) the sheet's note."""
    ws.cell(row=1, column=1, value=stamp.say(form.text(f"banners.{key}"))).font = st.FONT_TITLE
    ws.cell(row=2, column=1, value=stamp.say(form.text("banner_unit"))).font = st.FONT_BOLD
    if note:
        ws.cell(row=3, column=1, value=stamp.say(form.text(f"notes.{key}"))).font = st.FONT_NOTE
    ws.row_dimensions[1].height = 22


def _print_setup(ws: Worksheet, landscape: bool, header_row: int) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_margins.left = ws.page_margins.right = 0.5


def _protect(ws: Worksheet) -> None:
    # Protection keeps the structure; resizing rows and columns stays allowed (False means "not protected").
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.selectLockedCells = False
    ws.protection.selectUnlockedCells = False


def _instructions(ws: Worksheet, project: Project, stamp: Stamp) -> None:
    form, say = project.form, stamp.say
    lines = [(form.title, st.FONT_TITLE)]
    lines += [(say(text), st.FONT_BOLD) for text in form.text("instructions.heading")]
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
    _print_setup(ws, landscape=False, header_row=1)
    ws.print_title_rows = None
    _protect(ws)


def _unit_info(ws: Worksheet, project: Project, layout: Layout, stamp: Stamp, vals: _Validations) -> None:
    form = project.form
    _banner(ws, form, "unit_info", stamp)
    stamped = {"unit_code": stamp.unit.code, "unit_name": stamp.unit.name, "period": stamp.period.code}
    for col in form.unit_info:
        row = layout.unit_info_rows[col.id]
        # The label stays plain (the structure check compares it); required fields are marked in column C.
        _label(ws, row, UNIT_INFO_LABEL_COL, col.label, font=st.FONT_BOLD)
        if col.stamped:
            cell = ws.cell(row=row, column=UNIT_INFO_VALUE_COL, value=stamped.get(col.id, ""))
            cell.fill, cell.font, cell.border = st.FILL_STAMP, st.FONT_BOLD, st.BORDER
        else:
            _input(ws, row, UNIT_INFO_VALUE_COL, col.type, vals, col.list)
        if col.required:
            ws.cell(row=row, column=3, value=form.text("required_note")).font = st.FONT_NOTE
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 55
    ws.column_dimensions["C"].width = 14
    vals.attach(ws, list(vals.by_key))
    _print_setup(ws, landscape=False, header_row=UNIT_INFO_LABEL_COL)
    ws.print_title_rows = None
    _protect(ws)


def _indicators(ws: Worksheet, project: Project, layout: Layout, stamp: Stamp, vals: _Validations) -> None:
    form = project.form
    _banner(ws, form, "indicators", stamp, note=True)
    heads = {IND_COL_NO: "number", IND_COL_KEY: "code", IND_COL_LABEL: "indicator", IND_COL_UNIT: "unit",
             IND_COL_VALUE: "value", IND_COL_NOTE: "note"}
    heads = {col: form.text(f"headers.{key}") for col, key in heads.items()}
    for col, text in heads.items():
        _header(ws, IND_HEADER_ROW, col, text)
    for n, group in enumerate(g for g in form.groups if g.id in layout.group_rows):
        row = layout.group_rows[group.id]
        _label(ws, row, IND_COL_NO, roman(n + 1), font=st.FONT_BOLD, fill=st.FILL_GROUP, align=st.CENTER)
        for col in range(IND_COL_KEY, IND_COL_NOTE + 1):
            _label(ws, row, col, None, fill=st.FILL_GROUP)
        ws.cell(row=row, column=IND_COL_LABEL, value=group.label).font = st.FONT_BOLD
    number = 0
    for ind in form.indicators:
        applies = ind.applies(stamp.unit.code, stamp.unit.kind, stamp.period.kind)
        if ind.code in layout.indicator_title_rows:
            number += 1
            row = layout.indicator_title_rows[ind.code]
            _label(ws, row, IND_COL_NO, number, align=st.CENTER)
            _label(ws, row, IND_COL_KEY, ind.code, font=st.FONT_BOLD)
            _label(ws, row, IND_COL_LABEL, ind.label, font=st.FONT_BOLD)
            _label(ws, row, IND_COL_UNIT, ind.unit, align=st.CENTER)
            _label(ws, row, IND_COL_VALUE, None, fill=None if applies else st.FILL_NA)
            _label(ws, row, IND_COL_NOTE, None)
        for f in ind.fields:
            irow = layout.indicator_rows[ind.key(f.id)]
            single = len(ind.fields) == 1
            if single:
                number += 1
            _label(ws, irow.row, IND_COL_NO, number if single else None, align=st.CENTER)
            _label(ws, irow.row, IND_COL_KEY, irow.key, font=st.FONT_BOLD if single else st.FONT)
            _label(ws, irow.row, IND_COL_LABEL, ind.label if single else f"- {f.label}",
                   font=st.FONT_BOLD if single else st.FONT)
            _label(ws, irow.row, IND_COL_UNIT, ind.unit, align=st.CENTER)
            if applies:
                _input(ws, irow.row, IND_COL_VALUE, f.type, vals, "yesno" if f.type == "yesno" else None)
                _input(ws, irow.row, IND_COL_NOTE, "text", vals)
            else:
                _label(ws, irow.row, IND_COL_VALUE, None, fill=st.FILL_NA)
                _label(ws, irow.row, IND_COL_NOTE, None, fill=st.FILL_NA)
    widths = {IND_COL_NO: 6, IND_COL_KEY: 13, IND_COL_LABEL: 62, IND_COL_UNIT: 15, IND_COL_VALUE: 16,
              IND_COL_NOTE: 24}
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = width
    # Neither Excel nor LibreOffice grows a row for wrapped text written by a program: size long labels here.
    for row in range(IND_HEADER_ROW + 1, ws.max_row + 1):
        text = ws.cell(row=row, column=IND_COL_LABEL).value
        if isinstance(text, str):
            ws.row_dimensions[row].height = _row_height(text, widths[IND_COL_LABEL])
    ws.freeze_panes = ws.cell(row=IND_HEADER_ROW + 1, column=IND_COL_LABEL + 1)
    vals.attach(ws, list(vals.by_key))
    _print_setup(ws, landscape=False, header_row=IND_HEADER_ROW)
    _protect(ws)


def _activities(ws: Worksheet, project: Project, layout: Layout, stamp: Stamp, vals: _Validations) -> None:
    form = project.form
    _banner(ws, form, "activities", stamp, note=True)
    _header(ws, ACT_HEADER_ROW, 1, form.text("headers.number"))
    for col in form.activity_columns:
        c = layout.activity_cols[col.id]
        _header(ws, ACT_HEADER_ROW, c, activity_header(form, col))
        ws.column_dimensions[get_column_letter(c)].width = col.width
    ws.column_dimensions["A"].width = 6
    ws.row_dimensions[ACT_HEADER_ROW].height = 45
    first, last = layout.activity_first_row, layout.activity_last_input_row
    for row in range(first, last + 1):
        _input(ws, row, 1, "text", vals)
        for col in form.activity_columns:
            _input(ws, row, layout.activity_cols[col.id], col.type, vals, col.list, validate=False)
    # One range per column: adding cells one by one to a validation is quadratic in openpyxl.
    for col in form.activity_columns:
        dv = vals.for_type(col.type, col.list)
        if dv is not None:
            letter = get_column_letter(layout.activity_cols[col.id])
            dv.add(f"{letter}{first}:{letter}{last}")
    ws.freeze_panes = ws.cell(row=layout.activity_first_row, column=layout.activity_cols["title"] + 1) \
        if "title" in layout.activity_cols else ws.cell(row=layout.activity_first_row, column=1)
    vals.attach(ws, list(vals.by_key))
    _print_setup(ws, landscape=True, header_row=ACT_HEADER_ROW)
    _protect(ws)


def _budget(ws: Worksheet, project: Project, layout: Layout, stamp: Stamp, vals: _Validations) -> None:
    form, b = project.form, project.form.budget
    _banner(ws, form, "budget", stamp)
    _header(ws, BUDGET_HEADER_ROW, BUDGET_COL_NO, form.text("headers.number"))
    _header(ws, BUDGET_HEADER_ROW, BUDGET_COL_LABEL, form.lists[b.rows_list].label)
    for col in b.columns:
        _header(ws, BUDGET_HEADER_ROW, layout.budget_cols[col.id], col.label)
    for i, (source, row) in enumerate(layout.budget_rows.items(), start=1):
        _label(ws, row, BUDGET_COL_NO, i, align=st.CENTER)
        _label(ws, row, BUDGET_COL_LABEL, source)
        for col in b.columns:
            _input(ws, row, layout.budget_cols[col.id], col.type, vals)
    total = layout.budget_total_row
    _label(ws, total, BUDGET_COL_LABEL, b.total_label, font=st.FONT_BOLD)
    _label(ws, total, BUDGET_COL_NO, None)
    first, last = min(layout.budget_rows.values()), max(layout.budget_rows.values())
    for col in b.columns:
        letter = get_column_letter(layout.budget_cols[col.id])
        # A convenience for the person filling in; the reader never reads it (it recomputes from the rows).
        _label(ws, total, layout.budget_cols[col.id], f"=SUM({letter}{first}:{letter}{last})", font=st.FONT_BOLD)
        ws.cell(row=total, column=layout.budget_cols[col.id]).number_format = st.NUMBER_FORMATS["money"]
        ws.column_dimensions[letter].width = 20
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 32
    ws.freeze_panes = ws.cell(row=BUDGET_HEADER_ROW + 1, column=1)
    vals.attach(ws, list(vals.by_key))
    _print_setup(ws, landscape=False, header_row=BUDGET_HEADER_ROW)
    _protect(ws)


def _narrative(ws: Worksheet, project: Project, layout: Layout, stamp: Stamp, vals: _Validations) -> None:
    form = project.form
    _banner(ws, form, "narrative", stamp, note=True)
    for col, key in ((NARR_COL_NO, "number"), (NARR_COL_LABEL, "topic"), (NARR_COL_VALUE, "narrative")):
        text = form.text(f"headers.{key}")
        _header(ws, NARR_HEADER_ROW, col, text)
    for i, col in enumerate(form.narrative, start=1):
        row = layout.narrative_rows[col.id]
        _label(ws, row, NARR_COL_NO, f"{i}{form.text('required_mark') if col.required else ''}", align=st.CENTER)
        _label(ws, row, NARR_COL_LABEL, col.label, font=st.FONT_BOLD)
        _input(ws, row, NARR_COL_VALUE, "text", vals)
        ws.row_dimensions[row].height = 96
    ws.column_dimensions["A"].width = 7
    ws.column_dimensions["B"].width = 34
    ws.column_dimensions["C"].width = 95
    _print_setup(ws, landscape=True, header_row=NARR_HEADER_ROW)
    _protect(ws)


def _lists(ws: Worksheet, form: Form) -> None:
    for col, (list_id, lst) in enumerate(form.lists.items(), start=1):
        ws.cell(row=1, column=col, value=list_id).font = st.FONT_BOLD
        for row, value in enumerate(lst.values, start=2):
            ws.cell(row=row, column=col, value=value)
        ws.column_dimensions[get_column_letter(col)].width = 30
    ws.sheet_state = "hidden"
    _protect(ws)


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
    _protect(ws)
    return meta


def build_workbook(project: Project, unit: Unit, period: Period) -> Workbook:
    """Build (in memory) the unit workbook for `unit` and `period`."""
    form = project.form
    layout = layout_for(form)
    stamp = Stamp(unit, period, _words(project, unit, period))
    wb = Workbook()
    wb.remove(wb.active)
    sheets = {key: wb.create_sheet(d.title) for key, d in form.sheets.items()}
    vals = _Validations(form, period)
    _instructions(sheets["instructions"], project, stamp)
    _unit_info(sheets["unit_info"], project, layout, stamp, vals)
    _indicators(sheets["indicators"], project, layout, stamp, vals)
    _activities(sheets["activities"], project, layout, stamp, vals)
    _budget(sheets["budget"], project, layout, stamp, vals)
    _narrative(sheets["narrative"], project, layout, stamp, vals)
    _lists(sheets["lists"], form)
    meta = _meta(sheets["meta"], form, layout, stamp)
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


def units_for(project: Project, period: Period, codes: list[str] | None = None) -> list[Unit]:
    """The units that report in `period` (all, or those named); raise KeyError naming an unknown code."""
    active = {u.code: u for u in project.registry.reporting_units(period.start, period.end)}
    if not codes:
        return list(active.values())
    missing = [c for c in codes if c not in active]
    if missing:
        raise KeyError(", ".join(missing))
    return [active[c] for c in codes]


__all__ = ["Column", "build_workbook", "units_for", "workbook_name", "write_template"]
