"""The Excel annex as a set of forms: what every sheet (one Biểu số) has — the heading (form number, the report it
is attached to, the title, the reporting period, the reporting and the receiving body), the column header repeated
on each printed page, the "Người lập biểu / Thủ trưởng đơn vị" lines under the table — and its print setup: A4 or
A3 landscape as configured, printed at 100 %, or at 80–99 % when that takes a table on fewer pages across (no text
under 8 pt once shrunk: the fonts are 10–13 pt, the charts' 9 pt), a table still wider than the page continuing on
the next page across with its first columns repeated. The heading and the foot lie within the first page across
(within the repeated columns when these are wide enough to hold them: then every page across prints them whole).

Every cell of a form's heading, header and foot gets its look through `put` (font, border, alignment, number
format), so a cache of styles can sit in one place; the table bodies are annex_stream.py's.
"""

from __future__ import annotations

import weakref
from copy import copy
from dataclasses import dataclass
from math import ceil
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
#: A column-width unit as LibreOffice prints it at 100 %, in cm (measured: Biểu 01's 104 units print 25.6 cm wide).
CM_PER_UNIT = 0.2467
#: No text prints smaller than this (points, font size × print scale), and no page is shrunk below MIN_SCALE %.
MIN_PRINT_PT, MIN_SCALE = 8.0, 80
#: The smallest font of a form's cells, and of its charts' words (axis labels).
SMALLEST_PT = min(float(f.sz or 11) for f in (TITLE, HEAD, BOLD, PLAIN, ITALIC, SMALL_ITALIC))
CHART_PT = 9.0
#: A wide form's heading and foot go in its repeated columns when these are this wide (column-width units), and a
#: block of the heading is at least this wide.
HEADING_MIN_WIDTH, BLOCK_MIN_WIDTH = 60.0, 20.0
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


@dataclass(frozen=True)
class _Blocks:
    """Where a form's heading and foot lie: columns 1…`last`, the left block 1…`left`, the right `right`…`last`."""

    left: int
    right: int
    last: int
    widths: tuple[float, ...]

    def width(self, first: int, last: int) -> float:
        return sum(self.widths[first - 1:last])


#: Each form's blocks, for its foot (written after its body).
_BLOCKS: weakref.WeakKeyDictionary[Worksheet, _Blocks] = weakref.WeakKeyDictionary()


def print_scale(widths: list[float], repeat: int, paper: str, smallest: float) -> int:
    """The print scale of a form: 100 %, or less (down to what keeps `smallest` pt at MIN_PRINT_PT) when that takes
    it on fewer pages across; the largest scale that needs that few pages."""
    floor = max(MIN_SCALE, ceil(100 * MIN_PRINT_PT / smallest))
    pages = {s: len(_breaks(widths, repeat, page_width(paper, s))) for s in range(100, floor - 1, -1)}
    fewest = min(pages.values())
    return max(s for s, n in pages.items() if n == fewest)


def page_width(paper: str, scale: int) -> float:
    """The columns' width (in column-width units) a landscape page of `paper` holds at `scale` %."""
    return PAGE_WIDTH[paper] * 100 / scale


def _blocks(widths: list[float], repeat: int, breaks: list[int]) -> _Blocks:
    """The columns of the heading and the foot. They lie within the first page across (merged over a wider form,
    the title would be centred on a later page and cut at the first one's edge); a form whose repeated first
    columns are wide enough has them there, so that every page across prints them whole. The left block is the
    repeated columns when there are some (what reprints on the pages across is a whole block), else the first
    third of the width; the right block the last third."""
    last = breaks[0] if breaks else len(widths)
    if breaks and repeat > 1 and sum(widths[:repeat]) >= HEADING_MIN_WIDTH:
        last = repeat
    total = sum(widths[:last])
    left = next(k for k in range(1, last + 1) if sum(widths[:k]) >= total / 3 or k == last)
    if breaks and 1 < repeat < last and sum(widths[:repeat]) >= BLOCK_MIN_WIDTH:
        left = repeat
    right = next(j for j in range(last, 0, -1) if sum(widths[j - 1:last]) >= total / 3 or j == 1)
    right = min(max(right, left + 1), last)
    return _Blocks(left, right, last, tuple(widths))


def _height(texts: list[tuple[str, float]], font: Font) -> float | None:
    """The height of a heading or foot row whose texts (with the width they wrap in) need more than one line, else
    None (the default); at 1.1 characters a unit of width at 11 pt (headings are bold or italic)."""
    size = float(font.sz or 11)
    lines = max(-(-len(text) // max(1, int(width * 1.1 * 11 / size))) for text, width in texts)
    return None if lines <= 1 else round(lines * size * 1.35, 1)


def form_sheet(wb: Workbook, info: FormInfo, number: str, sheet: str, title: str, headers: list[str],
               widths: list[float], repeat_cols: int = 1, chart: bool = False) -> Worksheet:
    """A new form: the heading, the column header (repeated on each page), the print setup; the rows start at
    HEADER_ROW + 1. `repeat_cols` first columns are printed again on each page across. `chart`: the form holds a
    chart, whose words (CHART_PT) count among the smallest the page prints."""
    ctx, lab = info.ctx, info.ctx.labels["annex"]
    ws = wb.create_sheet(sheet[:31])
    scale = print_scale(widths, repeat_cols, info.paper, min(SMALLEST_PT, CHART_PT) if chart else SMALLEST_PT)
    breaks = _breaks(widths, repeat_cols, page_width(info.paper, scale))
    for col in breaks:
        ws.col_breaks.append(Break(id=col))
    _BLOCKS[ws] = blk = _blocks(widths, repeat_cols, breaks)
    left = [lab["form_no"].format(n=number), lab["attached"].format(code=ctx.office.doc_code)]
    right = [lab["reporting"].format(name=info.reporting), lab["receiving"].format(name=info.receiving)]
    for r, (a, b) in enumerate(zip(left, right, strict=True), start=1):
        # Each block is merged over its columns and wraps there: text running past the table's last column
        # would print on a page of its own.
        font = BOLD if r == 1 else ITALIC
        _merged(ws, r, 1, blk.left, a, font, LEFT_WRAP)
        _merged(ws, r, blk.right, blk.last, b, ITALIC, LEFT_WRAP)
        ws.row_dimensions[r].height = max(30, _height([(a, blk.width(1, blk.left)),
                                                        (b, blk.width(blk.right, blk.last))], font) or 0)
    period = lab["period_full"].format(period=ctx.period.title, start=ctx.period.start, end=ctx.period.end)
    _merged(ws, 3, 1, blk.last, title, TITLE, CENTER)
    _merged(ws, 4, 1, blk.last, period, ITALIC, CENTER)
    # Capitals in bold at 13 pt take about 1.6 times the width of 11 pt text.
    ws.row_dimensions[3].height = max(36, _height([(title, blk.width(1, blk.last) / 1.6)], TITLE) or 0)
    if (tall := _height([(period, blk.width(1, blk.last))], ITALIC)) is not None:
        ws.row_dimensions[4].height = tall
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
    # Shrunk only as far as it saves a page across, never below MIN_PRINT_PT for the smallest text.
    ws.page_setup.scale = scale
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    ws.page_margins.left = ws.page_margins.right = 0.4
    # Inches; the page's header and footer line sit in the top and bottom 0.3–0.7 (LibreOffice cuts their text at 0.6).
    ws.page_margins.top = ws.page_margins.bottom = 0.7
    ws.page_margins.header = ws.page_margins.footer = 0.3
    ws.print_options.horizontalCentered = False
    _page_header(ws, lab, lab["form_no"].format(n=number), title)
    return ws


def _page_header(ws: Worksheet, lab: dict[str, Any], form: str, title: str) -> None:
    """The form's number and title at the top of every page, "Trang 2/5" at the bottom: a page across or down that
    has no heading still says which form it belongs to."""
    def words(text: str) -> str:
        return text.replace("&", "&&")  # "&" starts a code in a header ("&P": the page's number)

    for part, text in ((ws.oddHeader.center, words(lab["page_header"].format(form=form, title=title))),
                       (ws.oddFooter.center, words(lab["page_footer"]).format(page="&P", pages="&N"))):
        part.text, part.font, part.size = text, f"{FONT},Italic", int(SMALLEST_PT)


def _breaks(widths: list[float], repeat: int, page: float) -> list[int]:
    """The last column of each page across but the last: a break before each column that would not fit, counting
    the repeated columns on every page (none when `repeat` is 1: a single first column is not repeated)."""
    fixed = sum(widths[:repeat]) if repeat > 1 else 0.0
    used, breaks = sum(widths[:repeat]), []
    for col, width in enumerate(widths[repeat:], start=repeat + 1):
        if used + width > page and used > fixed:
            breaks.append(col - 1)
            used = fixed
        used += width
    return breaks


def foot(ws: Worksheet, info: FormInfo, row: int) -> int:
    """The place and date, then 'Người lập biểu' on the left and 'Thủ trưởng đơn vị' on the right, under the table
    that ends at `row`, in the heading's columns; returns the last row used."""
    lab, ctx = info.ctx.labels["annex"], info.ctx
    blk = _BLOCKS[ws]
    left, right = blk.width(1, blk.left), blk.width(blk.right, blk.last)
    r = row + 2
    date = ctx.labels["doc"]["date_line"].format(place=ctx.place, year=ctx.period.year)
    lines = [((date, ITALIC), None), ((lab["head"], BOLD), (lab["preparer"], BOLD)),
             ((lab["head_note"], SMALL_ITALIC), (lab["preparer_note"], SMALL_ITALIC))]
    for n, (on_right, on_left) in enumerate(lines):
        _merged(ws, r + n, blk.right, blk.last, *on_right, CENTER)
        texts = [(on_right[0], right)]
        if on_left is not None:
            _merged(ws, r + n, 1, blk.left, *on_left, CENTER)
            texts.append((on_left[0], left))
        if (tall := _height(texts, on_right[1])) is not None:
            ws.row_dimensions[r + n].height = tall
    return r + 2
