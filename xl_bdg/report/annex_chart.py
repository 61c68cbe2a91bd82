"""The annex's native Excel bar charts, labelled in words: a horizontal chart grows with its categories so that
their words do not overlap, and one with more categories than a printed page holds is split into parts, each on a
page of its own (a chart cut by a page break prints in two halves, the second under the repeated column header).
"""

from __future__ import annotations

from math import ceil, floor, log10

from openpyxl.chart import BarChart, Reference
from openpyxl.chart.data_source import StrRef
from openpyxl.chart.series import SeriesLabel
from openpyxl.chart.text import RichText
from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties, RichTextProperties
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from .annex_form import CHART_PT, CM_PER_UNIT, HEADER_ROW, PAPER

__all__ = ["chart"]

#: Landscape page heights (cm) by openpyxl's paperSize code.
_PAGE_HEIGHT_CM = {PAPER["A4"]: 21.0, PAPER["A3"]: 29.7}
_ROW_CM = 15 / 72 * 2.54  # a row of the default 15 pt
_CM_PER_ROW_KEPT = 0.5  # a chart keeps height / 0.5 + 1 rows below its anchor


def _height(n: int) -> float:
    return max(9.0, 1.1 * n + 3)


def _parts(ws: Worksheet, n: int) -> list[tuple[int, int]]:
    """The categories 0…n-1 as even parts, each of which fits on a printed page under the column header."""
    setup, margins = ws.page_setup, ws.page_margins
    page = (_PAGE_HEIGHT_CM.get(int(setup.paperSize or PAPER["A4"]), 21.0) - 2.54 * (margins.top + margins.bottom))
    page = page * 100 / (setup.scale or 100) - (ws.row_dimensions[HEADER_ROW].height or 15) / 72 * 2.54
    # The rows the chart keeps (height / 0.5 + 1, a little taller than the chart) must fit on the page too.
    room = _CM_PER_ROW_KEPT * (int(page / _ROW_CM) - 1)
    most = max(1, int((room - 3) / 1.1 + 1e-9))
    count = ceil(n / most)
    size = ceil(n / count)
    return [(a, min(a + size, n)) for a in range(0, n, size)]


def chart(ws: Worksheet, title: str, cats: tuple[int, int, int], data: list[tuple[int, int, int]], anchor: str,
          part: str = "{title} ({n}/{of})", horizontal: bool = True, y_title: str | None = None,
          stacked: bool = False, number_format: str = "#,##0", top: float | None = None) -> int:
    """Native bar charts from `anchor` down, each on a page of its own; cats/data are (column, first row, last row),
    each data block with its header row above. A horizontal chart's height grows with its categories; too many for
    a page are split into parts titled `part` (labels.yaml chart.part), `top` (the largest value) giving every part
    the same scale. `number_format` is the value axis's ("#,##0,,": in millions). A chart is as wide as the form's
    columns, at most 24 cm: the print area ends there, and a wider chart would print cut. Returns how many rows
    they cover."""
    letters = "".join(ch for ch in anchor if ch.isalpha())
    row = int("".join(ch for ch in anchor if ch.isdigit()))
    n = cats[2] - cats[1] + 1
    parts = _parts(ws, n) if horizontal else [(0, n)]
    width = min(24.0, _form_width_cm(ws) - 0.5)
    rows = 0
    for i, (a, b) in enumerate(parts):
        named = title if len(parts) == 1 else part.format(title=title, n=i + 1, of=len(parts))
        rows += _one(ws, named, (cats[0], cats[1] + a, cats[1] + b - 1),
                     [(col, first + a, first + b - 1, first - 1) for col, first, _ in data],
                     f"{letters}{row + rows}", (horizontal, width, number_format), y_title, stacked)
        if len(parts) > 1 and top:
            ws._charts[-1].y_axis.scaling.min, ws._charts[-1].y_axis.scaling.max = 0, _round_up(top)
    return rows


def _round_up(value: float) -> float:
    """The axis's end for a largest value: 1, 2, 2.5 or 5 times a power of ten."""
    power = 10 ** floor(log10(value)) if value > 0 else 1
    return next(m * power for m in (1, 2, 2.5, 5, 10) if value <= m * power)


def _form_width_cm(ws: Worksheet) -> float:
    """The width of the form's columns (those with a header) as printed at 100 %."""
    last = max(c.column for c in ws[HEADER_ROW] if c.value is not None)
    return CM_PER_UNIT * sum(ws.column_dimensions[get_column_letter(c)].width or 9 for c in range(1, last + 1))


def _one(ws: Worksheet, title: str, cats: tuple[int, int, int], data: list[tuple[int, int, int, int]], anchor: str,
         shape: tuple[bool, float, str], y_title: str | None, stacked: bool) -> int:
    """One chart; data are (column, first row, last row, the header's row); shape is (horizontal, width in cm, the
    value axis's number format)."""
    horizontal, width, number_format = shape
    bars = BarChart()
    bars.type = "bar" if horizontal else "col"
    bars.title, bars.style = title, 10
    n = cats[2] - cats[1] + 1
    bars.height, bars.width = (_height(n) if horizontal else 9.0), width
    bars.y_axis.number_format = number_format  # short tick labels: a program turns long ones on their side
    if y_title:
        bars.y_axis.title = y_title
    if stacked:
        bars.grouping, bars.overlap = "stacked", 100
    for col, first, last, head in data:
        if head == first - 1:
            bars.add_data(Reference(ws, min_col=col, min_row=head, max_row=last), titles_from_data=True)
        else:  # a later part: the series is still named by the column's header
            bars.add_data(Reference(ws, min_col=col, min_row=first, max_row=last))
            name = f"{quote_sheetname(ws.title)}!${get_column_letter(col)}${head}"
            bars.series[-1].tx = SeriesLabel(strRef=StrRef(name))
    bars.set_categories(Reference(ws, min_col=cats[0], min_row=cats[1], max_row=cats[2]))
    if horizontal:
        bars.y_axis.majorGridlines = None
        bars.x_axis.scaling.orientation = "maxMin"  # first category on top, as in the table
    # Axis labels at CHART_PT, never turned: a program's default may print them smaller than the tables.
    bars.x_axis.txPr = bars.y_axis.txPr = _text_props(int(CHART_PT * 100))
    bars.x_axis.delete = bars.y_axis.delete = False
    # A chart cut by a page break prints in two halves: start it on a page of its own.
    ws.row_breaks.append(Break(id=int("".join(ch for ch in anchor if ch.isdigit())) - 1))
    ws.add_chart(bars, anchor)
    return int(bars.height / _CM_PER_ROW_KEPT) + 1  # rows of the default 15 pt (0.53 cm)


def _text_props(size: int) -> RichText:
    props = CharacterProperties(sz=size)
    return RichText(bodyPr=RichTextProperties(rot=0, vert="horz"),
                    p=[Paragraph(pPr=ParagraphProperties(defRPr=props), endParaRPr=props)])
