"""The Excel annex as a set of forms: what every sheet (one Biểu số) has — the heading (form number, the report it
is attached to, the title, the reporting period, the reporting and the receiving body), the column header repeated
on each printed page, the "Người lập biểu / Thủ trưởng đơn vị" lines under the table — and its print setup: A4 or
A3 landscape as configured, printed at 100 % (never shrunk below the fonts' 9–13 pt), a table wider than the page
continuing on the next page across with its first columns repeated.

Every cell of a form's heading, header and foot gets its look through `put` (font, border, alignment, number
format), so a cache of styles can sit in one place; the table bodies are annex_stream.py's.
"""

from __future__ import annotations

import weakref
from copy import copy
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ERROR_CODES, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from ..text import is_formula_like
from .context import ReportContext

FONT = "Times New Roman"
TITLE = Font(name=FONT, size=13, bold=True)
HEAD = Font(name=FONT, size=11, bold=True)
BOLD = Font(name=FONT, size=11, bold=True)
PLAIN = Font(name=FONT, size=11)
ITALIC = Font(name=FONT, size=11, italic=True)
SMALL_ITALIC = Font(name=FONT, size=10, italic=True)
HEAD_FILL = PatternFill("solid", fgColor="DCE6F1")
GROUP_FILL = PatternFill("solid", fgColor="F2F2F2")
MET_FILL, NOT_MET_FILL = PatternFill("solid", fgColor="E2F0D9"), PatternFill("solid", fgColor="FBE2E2")
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
NONE = Border()
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=False)
LEFT_WRAP = Alignment(horizontal="left", vertical="center", wrap_text=True)
RIGHT_TOP = Alignment(horizontal="right", vertical="top", wrap_text=True)
INT, DEC = "#,##0", "#,##0.0"
#: The column header's row: rows 1–4 are the form's heading.
HEADER_ROW = 6
#: Printable width of a landscape page in column-width units at 100 % (margins 1 cm), by paper, as LibreOffice
#: prints it (measured: 104 units fit on A4).
PAGE_WIDTH = {"A4": 104.0, "A3": 150.0}
PAPER = {"A4": 9, "A3": 8}  # openpyxl's paperSize codes


@dataclass(frozen=True)
class FormInfo:
    """What the heading and the foot of every form of one annex say."""

    ctx: ReportContext
    paper: str
    reporting: str
    receiving: str


def form_info(ctx: ReportContext, conf: dict[str, Any]) -> FormInfo:
    """The annex's heading words: the issuer reports, the first addressee receives."""
    paper = str((conf.get("annex") or {}).get("paper", "A4")).upper()
    receiving = ctx.office.addressees[0] if ctx.office.addressees else ""
    return FormInfo(ctx, paper if paper in PAPER else "A4", ctx.office.name, receiving)


def put(ws: Worksheet, row: int, col: int, value: Any, fmt: str | None = None, font: Font = PLAIN,
        align: Alignment = WRAP, border: Border = BOX) -> None:
    """Write one cell and give it its look: the one place the annex styles a cell."""
    cell = ws._cells.get((row, col))
    if cell is None:  # what ws.cell() does, without its checks and lookups: a 4,000-unit annex has 2 million cells
        if row < 1 or col < 1:
            raise ValueError("Row or column values must be at least 1")
        cell = Cell(ws, row=row, column=col)
        ws._add_cell(cell)
    if isinstance(value, str) and (is_formula_like(value) or value in ERROR_CODES):
        # User text that looks like a formula or an error code ("#N/A" as a unit's name) stays text: openpyxl
        # would write it as a formula or an error cell.
        cell.value, cell.data_type = value, "s"
    elif value is not None:
        cell.value = value
    _styled(cell, font, fmt, align, border)


#: Per workbook: (the cell's style before, what is set) → the style array openpyxl made the first time, with the
#: objects kept alive so that their ids are never reused. Setting a Font, Border and Alignment hashes each of them
#: into the workbook's lists, cell by cell (42 % of a 4,000-unit report); copying the finished array is the same
#: style, byte for byte. The style before is part of the key: a date value has a number format already, a group
#: row's cells get their fill after their font.
_STYLES: weakref.WeakKeyDictionary[Workbook, dict[tuple[Any, ...], tuple[Any, StyleArray]]] = \
    weakref.WeakKeyDictionary()


def _cache(cell: Cell) -> dict[tuple[Any, ...], tuple[Any, StyleArray]]:
    return _STYLES.setdefault(cell.parent.parent, {})


def _styled(cell: Cell, font: Font, fmt: str | None, align: Alignment, border: Border) -> None:
    cache = _cache(cell)
    key = (tuple(cell._style) if cell.has_style else None, id(font), fmt, id(align), id(border))
    hit = cache.get(key)
    if hit is not None:
        cell._style = copy(hit[1])
        return
    cell.font, cell.border, cell.alignment = font, border, align
    if fmt:
        cell.number_format = fmt
    cache[key] = ((font, align, border), copy(cell._style))


def restyle(cell: Cell, fill: PatternFill | None = None, border: Border | None = None,
            alignment: Alignment | None = None) -> None:
    """Set a written cell's fill, border or alignment (those given), through the same cache of style arrays."""
    looks = (("fill", fill), ("border", border), ("alignment", alignment))
    cache = _cache(cell)
    key = ("restyle", tuple(cell._style) if cell.has_style else None, *(id(v) for _, v in looks))
    hit = cache.get(key)
    if hit is not None:
        cell._style = copy(hit[1])
        return
    for name, value in looks:
        if value is not None:
            setattr(cell, name, value)
    cache[key] = ((fill, border, alignment), copy(cell._style))


def _merged(ws: Worksheet, row: int, first: int, last: int, value: str, font: Font, align: Alignment) -> None:
    put(ws, row, first, value, None, font, align, NONE)
    if last > first:
        ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)


def form_sheet(wb: Workbook, info: FormInfo, number: str, sheet: str, title: str, headers: list[str],
               widths: list[float], repeat_cols: int = 1) -> Worksheet:
    """A new form: the heading, the column header (repeated on each page), the print setup; the rows start at
    HEADER_ROW + 1. `repeat_cols` first columns are printed again on each page across."""
    ctx, lab = info.ctx, info.ctx.labels["annex"]
    ws = wb.create_sheet(sheet[:31])
    breaks = _column_breaks(ws, widths, repeat_cols, PAGE_WIDTH[info.paper])
    # The heading belongs to the first page across: merged over every column of a wide form, the title would be
    # centred on a later page and print cut at the first page's edge.
    last = breaks[0] if breaks else len(headers)
    third = max(1, last // 3)
    left = [lab["form_no"].format(n=number), lab["attached"].format(code=ctx.office.doc_code)]
    right = [lab["reporting"].format(name=info.reporting), lab["receiving"].format(name=info.receiving)]
    for r, (a, b) in enumerate(zip(left, right, strict=True), start=1):
        # Each block is merged over its columns and wraps there: text running past the table's last column
        # would print on a page of its own.
        _merged(ws, r, 1, max(third, 1), a, BOLD if r == 1 else ITALIC, LEFT_WRAP)
        _merged(ws, r, max(last - third + 1, 2), last, b, ITALIC, LEFT_WRAP)
        ws.row_dimensions[r].height = 30
    _merged(ws, 3, 1, last, title, TITLE, CENTER)
    _merged(ws, 4, 1, last, lab["period_full"].format(period=ctx.period.title, start=ctx.period.start,
                                                      end=ctx.period.end), ITALIC, CENTER)
    ws.row_dimensions[3].height = 36
    for col, (text, width) in enumerate(zip(headers, widths, strict=True), start=1):
        put(ws, HEADER_ROW, col, text, None, HEAD, CENTER)
        ws.cell(row=HEADER_ROW, column=col).fill = HEAD_FILL
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.row_dimensions[HEADER_ROW].height = 45
    # A coordinate, not ws.cell(): that would make an empty cell in the body's first row (annex_stream owns it).
    ws.freeze_panes = f"{get_column_letter(repeat_cols + 1 if repeat_cols > 1 else 1)}{HEADER_ROW + 1}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    if repeat_cols > 1:
        ws.print_title_cols = f"A:{get_column_letter(repeat_cols)}"
    ws.page_setup.paperSize = PAPER[info.paper]
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.scale = 100  # never shrink: the fonts are what the page prints
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.print_options.horizontalCentered = False
    return ws


def _column_breaks(ws: Worksheet, widths: list[float], repeat: int, page: float) -> list[int]:
    """Break before each column that would not fit, counting the repeated columns on every page; returns the last
    column of each page but the last."""
    fixed = sum(widths[:repeat])
    used, breaks = fixed, []
    for col, width in enumerate(widths[repeat:], start=repeat + 1):
        if used + width > page and used > fixed:
            ws.col_breaks.append(Break(id=col - 1))
            breaks.append(col - 1)
            used = fixed
        used += width
    return breaks


def foot(ws: Worksheet, info: FormInfo, row: int, last: int | None = None) -> int:
    """The place and date, then 'Người lập biểu' on the left and 'Thủ trưởng đơn vị' on the right, under the table
    that ends at `row`; returns the last row used. `last` is the table's last column (default: the sheet's)."""
    lab, ctx = info.ctx.labels["annex"], info.ctx
    last = last or max(ws.max_column, 4)
    third = max(1, last // 3)
    right = max(last - third + 1, 3)
    left_end = min(third + 1, right - 1)
    r = row + 2
    date = ctx.labels["doc"]["date_line"].format(place=ctx.place, year=ctx.period.year)
    _merged(ws, r, right, last, date, ITALIC, CENTER)
    _merged(ws, r + 1, 1, left_end, lab["preparer"], BOLD, CENTER)
    _merged(ws, r + 1, right, last, lab["head"], BOLD, CENTER)
    _merged(ws, r + 2, 1, left_end, lab["preparer_note"], SMALL_ITALIC, CENTER)
    _merged(ws, r + 2, right, last, lab["head_note"], SMALL_ITALIC, CENTER)
    return r + 2
