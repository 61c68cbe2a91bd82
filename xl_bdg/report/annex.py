"""The Excel annex of the province report (biểu tổng hợp): indicators by unit with the national targets, activities
by category, the list of all activities, budget by source and the submission status, with native Excel charts.

Built from the same report context as the Word and HTML report, so the three never disagree. Headings come from
report_templates/labels.yaml. Sheets are frozen under their headers, sized, and set up for A4 landscape.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Iterable
from copy import copy
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from ..dataset import Dataset
from ..fileio import atomic_path
from ..form.project import Project
from ..sanitize import clean
from ..text import is_formula_like
from .build import build_context, report_config
from .context import ReportContext, TargetRow

TITLE = Font(name="Times New Roman", size=13, bold=True)
BOLD = Font(name="Times New Roman", size=11, bold=True)
PLAIN = Font(name="Times New Roman", size=11)
ITALIC = Font(name="Times New Roman", size=11, italic=True)
HEAD_FILL = PatternFill("solid", fgColor="DCE6F1")
GROUP_FILL = PatternFill("solid", fgColor="F2F2F2")
MET_FILL, NOT_MET_FILL = PatternFill("solid", fgColor="E2F0D9"), PatternFill("solid", fgColor="FBE2E2")
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
ROTATED = Alignment(text_rotation=90, horizontal="center", vertical="bottom", wrap_text=True)
INT, DEC = "#,##0", "#,##0.0"
HEADER_ROW = 4


def _sheet(wb: Workbook, title: str, heading: str, period_line: str, headers: list[str],
           widths: list[float]) -> Worksheet:
    ws = wb.create_sheet(title[:31])
    ws["A1"], ws["A2"] = heading, period_line
    ws["A1"].font, ws["A2"].font = TITLE, ITALIC
    for col, (text, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = ws.cell(row=HEADER_ROW, column=col, value=text)
        cell.font, cell.fill, cell.alignment, cell.border = BOLD, HEAD_FILL, CENTER, BOX
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.row_dimensions[HEADER_ROW].height = 45
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=1)
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    return ws


def _put(ws: Worksheet, row: int, col: int, value: Any, fmt: str | None = None, font: Font = PLAIN) -> None:
    value = clean(value)  # a control character in a unit's text would make openpyxl refuse the whole annex
    if isinstance(value, str) and is_formula_like(value):
        cell = ws.cell(row=row, column=col)
        cell.value, cell.data_type = value, "s"  # user text that looks like a formula stays text
    else:
        cell = ws.cell(row=row, column=col, value=value)
    _boxed(cell, font, fmt)


#: Per workbook: (font, number format) → the style array openpyxl made the first time, with the font kept alive so
#: that its id is never reused. Setting a Font, Border and Alignment hashes each of them into the workbook's lists,
#: cell by cell (42 % of a 4,000-unit report); copying the finished array is the same style, byte for byte.
_BOXED: weakref.WeakKeyDictionary[Workbook, dict[tuple[int, str | None], tuple[Font, StyleArray]]] = \
    weakref.WeakKeyDictionary()


def _boxed(cell: Cell, font: Font, fmt: str | None) -> None:
    """Give `cell` the annex's boxed, wrapped style with `font` and number format `fmt`."""
    cache = _BOXED.setdefault(cell.parent.parent, {})
    key = (id(font), fmt)
    clean = not cell.has_style  # a cell styled before (a fill) keeps the rest of its style: the slow way
    hit = cache.get(key) if clean else None
    if hit is not None:
        cell._style = copy(hit[1])
        return
    cell.font, cell.border = font, BOX
    cell.alignment = WRAP
    if fmt:
        cell.number_format = fmt
    if clean:
        cache[key] = (font, copy(cell._style))


def _rows(ws: Worksheet, rows: Iterable[list[Any]], fmts: list[str | None], start: int = HEADER_ROW + 1,
          font: Font = PLAIN) -> int:
    r = start
    for values in rows:
        for c, (value, fmt) in enumerate(zip(values, fmts, strict=True), start=1):
            _put(ws, r, c, value, fmt, font)
        r += 1
    return r


def _chart(ws: Worksheet, title: str, cats: tuple[int, int, int], data: list[tuple[int, int, int]], anchor: str,
           horizontal: bool = True, y_title: str | None = None, stacked: bool = False) -> None:
    """A native bar chart; cats/data are (column, first row, last row), each data block with its header row above."""
    chart = BarChart()
    chart.type = "bar" if horizontal else "col"
    chart.title, chart.style = title, 10
    chart.height, chart.width = 9, 18
    if y_title:
        chart.y_axis.title = y_title
    if stacked:
        chart.grouping, chart.overlap = "stacked", 100
    for col, first, last in data:
        chart.add_data(Reference(ws, min_col=col, min_row=first - 1, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=cats[0], min_row=cats[1], max_row=cats[2]))
    if horizontal:
        chart.y_axis.majorGridlines = None
        chart.x_axis.scaling.orientation = "maxMin"  # first category on top, as in the table
    # A chart cut by a page break prints in two halves: start it on a page of its own.
    row = int("".join(ch for ch in anchor if ch.isdigit()))
    ws.row_breaks.append(Break(id=row - 1))
    ws.add_chart(chart, anchor)


def _indicators(wb: Workbook, ctx: ReportContext, project: Project, dataset: Dataset, line: str) -> None:
    lab = ctx.labels
    units = [s for s in ctx.statuses if s.aggregated]
    targets: dict[str, TargetRow] = {}
    for t in ctx.targets:
        targets.setdefault(t.indicator, t)
    head = [lab["col"]["no"], lab["col"]["code"], lab["col"]["indicator"], lab["col"]["unit"],
            lab["province_total"], lab["col"]["units_reporting"], lab["col"]["target_2025"],
            lab["col"]["target_2030"], lab["col"]["met"], *(u.name for u in units)]
    ws = _sheet(wb, lab["annex"]["sheet_indicators"], lab["annex"]["title_indicators"], line, head,
                [5, 12, 48, 11, 13, 9, 10, 10, 12, *([13] * len(units))])
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=6)
    # One column per unit is too wide for one page: print across a few pages, the indicator columns on each.
    ws.page_setup.fitToWidth = max(1, -(-len(units) // 12))
    ws.print_title_cols = "A:E"
    r, no = HEADER_ROW + 1, 0
    for sec in ctx.sections:
        if not sec.rows:
            continue
        _put(ws, r, 1, f"{sec.number}", None, BOLD)
        _put(ws, r, 2, None)
        _put(ws, r, 3, sec.title, None, BOLD)
        for c in range(1, len(head) + 1):
            ws.cell(row=r, column=c).fill = GROUP_FILL
            ws.cell(row=r, column=c).border = BOX
        r += 1
        for row in sec.rows:
            code, _, fid = row.fig_id.partition("|")
            no += row.level == 0
            fmt = INT if row.value.decimals == 0 else DEC
            tgt = targets.get(code) if row.level == 0 and not row.heading else None
            values = [no if row.level == 0 else None, code if row.level == 0 else fid, row.label, row.unit,
                      None if row.heading else row.value.value, None if row.heading else row.units.value,
                      tgt.t2025.value if tgt else None, tgt.t2030.value if tgt else None,
                      tgt.met_text if tgt else None]
            values += [None if row.heading else dataset.value(code, fid or None, u.code) for u in units]
            _rows(ws, [values], [None, None, None, None, fmt, INT, DEC, DEC, None, *([fmt] * len(units))], r,
                  ITALIC if row.level else PLAIN)
            if row.level:
                ws.cell(row=r, column=3).alignment = Alignment(wrap_text=True, vertical="top", indent=2)
            if tgt and tgt.met is not None:
                ws.cell(row=r, column=9).fill = MET_FILL if tgt.met else NOT_MET_FILL
            r += 1
    for col in range(10, len(head) + 1):
        ws.cell(row=HEADER_ROW, column=col).alignment = ROTATED
    ws.row_dimensions[HEADER_ROW].height = 130


def _targets(wb: Workbook, ctx: ReportContext, line: str) -> None:
    lab = ctx.labels
    head = [lab["col"]["no"], lab["col"]["code"], lab["col"]["indicator"], lab["col"]["unit"], lab["col"]["value"],
            lab["col"]["target_2025"], lab["col"]["target_2030"], lab["col"]["target_now"], lab["col"]["met"],
            lab["col"]["source"]]
    ws = _sheet(wb, lab["annex"]["sheet_targets"], lab["annex"]["title_targets"], line, head,
                [5, 9, 55, 7, 11, 11, 11, 11, 14, 24])
    end = _rows(ws, ([i, t.code, f"{t.label} ({t.sign})", t.unit, t.value.value, t.t2025.value, t.t2030.value,
                      t.target_now.value, t.met_text, t.figure_from] for i, t in enumerate(ctx.targets, start=1)),
                [None, None, None, None, DEC, DEC, DEC, DEC, None, None])
    for r, t in enumerate(ctx.targets, start=HEADER_ROW + 1):
        if t.met is not None:
            ws.cell(row=r, column=9).fill = MET_FILL if t.met else NOT_MET_FILL
    pct = [t for t in ctx.targets if t.unit == "%"]
    if pct:  # the chart compares like with like (targets stated in %), from a small table under the list
        top = end + 2
        for c, text in enumerate([lab["col"]["code"], lab["chart"]["targets_value"], lab["chart"]["targets_2025"],
                                  lab["chart"]["targets_2030"]], start=2):
            _put(ws, top, c, text, None, BOLD)
        _rows(ws, ([None, t.code, t.value.value, t.t2025.value, t.t2030.value] for t in pct),
              [None, None, DEC, DEC, DEC], top + 1)
        first, last = top + 1, top + len(pct)
        _chart(ws, lab["chart"]["targets_title"], (2, first, last), [(3, first, last), (4, first, last),
                                                                     (5, first, last)], f"G{top}")


def _categories(wb: Workbook, ctx: ReportContext, line: str, summ: dict[str, Any]) -> None:
    lab = ctx.labels
    sums = summ["sums"]
    head = [lab["col"]["category"], lab["col"]["activities"], *(lab["col"].get(c, c) for c in sums),
            lab["col"]["part_f_pct"]]
    ws = _sheet(wb, lab["annex"]["sheet_categories"], lab["annex"]["title_categories"], line, head,
                [30, 12, *([15] * len(sums)), 12])
    fmts = [None, INT, *([INT] * len(sums)), DEC]
    end = _rows(ws, ([c.category, c.count.value, *(c.sums[s].value for s in sums), c.female_pct.value]
                     for c in ctx.categories), fmts)
    t = ctx.categories_total
    _rows(ws, [[t.category, t.count.value, *(t.sums[s].value for s in sums), t.female_pct.value]], fmts, end, BOLD)
    if ctx.categories:
        _chart(ws, lab["chart"]["categories_title"], (1, HEADER_ROW + 1, end - 1), [(2, HEADER_ROW + 1, end - 1)],
               f"A{end + 3}")


def _activities(wb: Workbook, ctx: ReportContext, project: Project, dataset: Dataset, line: str,
                summ: dict[str, Any]) -> None:
    lab = ctx.labels
    cols = [project.form.activity_column(c) for c in summ["list_columns"]]
    head = [lab["col"]["no"], lab["col"]["unit_code"], lab["col"]["unit_name"],
            *(c.label_en if ctx.lang == "en" else c.label for c in cols)]
    ws = _sheet(wb, lab["annex"]["sheet_activities"], lab["annex"]["title_activities"], line, head,
                [6, 14, 24, *(min(max(c.width, 9), 40) for c in cols)])
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=4)
    names = {s.code: s.name for s in ctx.statuses}
    order = {s.code: i for i, s in enumerate(ctx.statuses)}
    acts = sorted(dataset.activities, key=lambda a: (order.get(a.unit, 10**6), a.row))
    fmts = [None, None, None, *("DD/MM/YYYY" if c.type == "date" else (INT if c.type in ("count", "money") else None)
                                for c in cols)]

    def cell(v: Any) -> Any:
        return v if isinstance(v, (int, float, str, dt.date)) or v is None else str(v)

    end = _rows(ws, ([i, a.unit, names.get(a.unit, a.unit), *(cell(a.values.get(c.id)) for c in cols)]
                     for i, a in enumerate(acts, start=1)), fmts)
    ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(head))}{max(end - 1, HEADER_ROW)}"


def _budget(wb: Workbook, ctx: ReportContext, line: str) -> None:
    lab = ctx.labels
    ws = _sheet(wb, lab["annex"]["sheet_budget"], lab["annex"]["title_budget"], line,
                [lab["col"]["budget_source"], *ctx.budget_columns], [32, *([20] * len(ctx.budget_columns))])
    fmts = [None, *([INT] * len(ctx.budget_columns))]
    end = _rows(ws, ([b.source, *(v.value for v in b.values)] for b in ctx.budget), fmts)
    _rows(ws, [[ctx.budget_total.source, *(v.value for v in ctx.budget_total.values)]], fmts, end, BOLD)
    _chart(ws, lab["annex"]["sheet_budget"], (1, HEADER_ROW + 1, end - 1),
           [(c, HEADER_ROW + 1, end - 1) for c in range(2, 2 + len(ctx.budget_columns))], f"A{end + 3}")


def _status(wb: Workbook, ctx: ReportContext, line: str) -> None:
    lab = ctx.labels
    col = lab["col"]
    head = [col["no"], col["unit_code"], col["unit_name"], col["kind"], col["received_at"], col["on_time"],
            col["status"], col["errors"], col["warnings"], col["versions"]]
    ws = _sheet(wb, lab["annex"]["sheet_status"], lab["annex"]["title_status"], line, head,
                [6, 15, 38, 22, 17, 13, 26, 9, 11, 10])
    end = _rows(ws, ([s.no, s.code, s.name, s.kind, s.received, s.timeliness, s.status, s.errors.value,
                      s.warnings.value, s.versions.value] for s in ctx.statuses),
                [None, None, None, None, None, None, None, INT, INT, INT])
    ws.auto_filter.ref = f"A{HEADER_ROW}:J{max(end - 1, HEADER_ROW)}"
    # A small count table beside the list feeds the chart: units on time, late, not received.
    keys = ["on_time", "late", "missing"]
    _put(ws, HEADER_ROW, 12, col["on_time"], None, BOLD)
    _put(ws, HEADER_ROW, 13, col["count"], None, BOLD)
    for i, key in enumerate(keys, start=HEADER_ROW + 1):
        _put(ws, i, 12, lab["timeliness"][key])
        _put(ws, i, 13, sum(1 for s in ctx.statuses if s.timely_id == key), INT)
    ws.column_dimensions["L"].width, ws.column_dimensions["M"].width = 16, 10
    last = HEADER_ROW + len(keys)
    _chart(ws, lab["chart"]["status_title"], (12, HEADER_ROW + 1, last), [(13, HEADER_ROW + 1, last)],
           f"B{max(end, last) + 2}", horizontal=False)


def _checks(wb: Workbook, ctx: ReportContext, project: Project, dataset: Dataset, line: str) -> None:
    """The warnings no single workbook can show (FY below H1, outliers, one activity in two units), one per row."""
    lab = ctx.labels
    col = lab["col"]
    head = [col["no"], col["unit_code"], col["file"], col["where"], col["code"], col["problem"]]
    ws = _sheet(wb, lab["annex"]["sheet_checks"], lab["annex"]["title_checks"], line, head, [6, 15, 30, 18, 24, 90])
    rows = []
    for n, f in enumerate(dataset.warnings, start=1):
        _, text = f.render(project.form.messages, ctx.lang)
        rows.append([n, f.params.get("unit") or f.value, f.file, f.where, f.code, text])
    end = _rows(ws, rows, [None] * len(head))
    ws.auto_filter.ref = f"A{HEADER_ROW}:F{max(end - 1, HEADER_ROW)}"
    width = ws.column_dimensions["F"].width
    for row in ws.iter_rows(min_row=HEADER_ROW + 1, min_col=6, max_col=6):
        # The cell is wrapped already (WRAP, by _put).
        # Spreadsheet programs do not grow a row for wrapped text written by another program: size it here.
        lines = -(-len(str(row[0].value or "")) // int(width * 1.1))
        ws.row_dimensions[row[0].row].height = 15 * max(1, lines)


def write_annex(project: Project, dataset: Dataset, target: Path, lang: str = "vi",
                templates_dir: Path | None = None, ctx: ReportContext | None = None) -> Path:
    """Write the annex workbook to `target` (atomically) and return it."""
    ctx = ctx or build_context(project, dataset, lang, None, templates_dir)
    conf = report_config(templates_dir)
    line = ctx.labels["annex"]["period_line"].format(period=ctx.period.title, generated=ctx.generated)
    wb = Workbook()
    wb.remove(wb.active)
    _indicators(wb, ctx, project, dataset, line)
    _targets(wb, ctx, line)
    _categories(wb, ctx, line, conf["activity_summary"])
    _activities(wb, ctx, project, dataset, line, conf["activity_summary"])
    _budget(wb, ctx, line)
    _status(wb, ctx, line)
    _checks(wb, ctx, project, dataset, line)
    wb.properties.title = f"{ctx.labels['annex']['title']} — {ctx.period.title}"
    wb.properties.creator = "xl-bdg"
    with atomic_path(target) as tmp:
        wb.save(tmp)
    return target
