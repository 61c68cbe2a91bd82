"""The Excel annex of the province report (biểu tổng hợp): a set of forms, Biểu số 01–09 — the province's indicators
with the Strategy targets, the indicators by unit (one form per kind of unit), the targets with baseline, last year
and the milestone, activities by category, the list of activities, budget by source, the submissions, the
cross-checks and the documents the units issued — with native Excel charts labelled in words.

Built from the same report context as the Word and HTML report, so the three never disagree. Headings come from
report_templates/labels.yaml; the heading, foot and print setup of every form from annex_form.py. Each form's table
body is a generator of rows (annex_stream.py), written into the file as it is saved: a 4,000-unit annex has about
2 million cells, none of them kept.
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..dataset import Dataset
from ..fileio import atomic_path
from ..form.project import Project
from ..sanitize import clean
from .annex_chart import chart
from .annex_form import (
    BOLD,
    BOX,
    DEC,
    GROUP_FILL,
    HEADER_ROW,
    INT,
    ITALIC,
    MET_FILL,
    NOT_MET_FILL,
    PLAIN,
    WRAP,
    FormInfo,
    foot,
    form_info,
    form_sheet,
    put,
    restyle,
)
from .annex_stream import Look, Row, body, save
from .build import build_context, report_config
from .context import IndicatorRow, ReportContext, TargetRow, cell_value, in_its_language
from .forms import FORM_NUMBERS
from .targets import annex_label

__all__ = ["HEADER_ROW", "write_annex"]

INDENTED = Alignment(wrap_text=True, vertical="top", indent=2)  # a field's line under its indicator
TURNED = Alignment(text_rotation=90, horizontal="center", vertical="bottom", wrap_text=True)  # units' names


def _put(ws: Worksheet, row: int, col: int, value: Any, fmt: str | None = None, font: Font = PLAIN) -> None:
    put(ws, row, col, clean(value), fmt, font)  # a control character in a unit's text would refuse the whole annex


_LOOKS: dict[tuple[int, str | None, int, int, int], Look] = {}


def look(font: Font | None = PLAIN, fmt: str | None = None, align: Alignment | None = WRAP,
         border: Border | None = BOX, fill: PatternFill | None = None) -> Look:
    """The one Look of a body cell with these styles (the annex's style objects are module constants)."""
    key = (id(font), fmt, id(align), id(border), id(fill))
    found = _LOOKS.get(key)
    if found is None:
        _LOOKS[key] = found = Look(font, fmt, align, border, fill)
    return found


def _rows(ws: Worksheet, count: int, rows: Iterable[list[Any]], fmts: list[str | None],
          start: int = HEADER_ROW + 1, font: Font = PLAIN) -> int:
    """A table body of `count` rows, every row in `font` with the columns' number formats; returns the row after."""
    looks = [look(font, fmt) for fmt in fmts]
    return body(ws, start, count, ((values, looks) for values in rows))


def _chart_data(ws: Worksheet, col: int, top: int, head: list[str], rows: list[list[Any]]) -> tuple[int, int]:
    """A chart's small table beside the form (outside its print area): the header at `top`, then `rows`; returns
    the first and last data rows."""
    for c, text in enumerate(head, start=col):
        _put(ws, top, c, text, None, BOLD)
    for r, values in enumerate(rows, start=top + 1):
        for c, value in enumerate(values, start=col):
            _put(ws, r, c, value, DEC if isinstance(value, float) else None)
    ws.column_dimensions[get_column_letter(col)].width = 40
    return top + 1, top + len(rows)


def _print_area(ws: Worksheet, last_col: int, last_row: int) -> None:
    # The form and its chart print; a chart's own small table beside it does not.
    ws.print_area = f"A1:{get_column_letter(last_col)}{last_row}"


def _group_row(number: str, title: str, width: int) -> Row:
    """A section's row across the whole table, shaded; the cells past its title have no font of their own."""
    bold, plain = look(BOLD, fill=GROUP_FILL), look(PLAIN, fill=GROUP_FILL)
    return [number, None, title, *([None] * (width - 3))], \
        [bold, plain, bold, *([look(None, align=None, fill=GROUP_FILL)] * (width - 3))]


def _line(row: IndicatorRow, no: int) -> list[Any]:
    code, _, fid = row.fig_id.partition("|")
    return [no if row.level == 0 else None, code if row.level == 0 else fid, row.label, row.unit]


def _province(wb: Workbook, info: FormInfo) -> None:
    """Biểu 01: the province's figures, indicator by indicator, with the Strategy target each one is held to."""
    ctx = info.ctx
    lab = ctx.labels
    targets: dict[str, TargetRow] = {}
    for t in ctx.targets:
        targets.setdefault(t.indicator, t)
    head = [lab["col"]["no"], lab["col"]["code"], lab["col"]["indicator"], lab["col"]["unit"],
            lab["province_total"], lab["col"]["units_reporting"], lab["col"]["target_now"], lab["col"]["met"]]
    ws = form_sheet(wb, info, "01", lab["annex"]["sheet_province"], lab["annex"]["title_province"], head,
                    [5, 9, 40, 10, 11, 8, 10, 11])
    sections = [sec for sec in ctx.sections if sec.rows]

    def rows() -> Iterator[Row]:
        no = 0
        for sec in sections:
            yield _group_row(str(sec.number), sec.title, len(head))
            for row in sec.rows:
                no += row.level == 0
                code = row.fig_id.partition("|")[0]
                tgt = targets.get(code) if row.level == 0 and not row.heading else None
                values = [*_line(row, no), None if row.heading else lab["no_case"] if row.no_case else row.value.value,
                          None if row.heading else row.units.value,
                          f"{tgt.sign} {tgt.target_now}" if tgt else None, tgt.met_text if tgt else None]
                font = ITALIC if row.level else PLAIN
                met = None if not tgt or tgt.met is None else MET_FILL if tgt.met else NOT_MET_FILL
                yield values, [look(font), look(font), look(font, align=INDENTED if row.level else WRAP), look(font),
                               look(font, INT if row.value.decimals == 0 else DEC), look(font, INT), look(font),
                               look(font, fill=met)]

    end = body(ws, HEADER_ROW + 1, sum(1 + len(sec.rows) for sec in sections), rows())
    foot(ws, info, end - 1)


def _by_kind(wb: Workbook, info: FormInfo, dataset: Dataset) -> None:
    """Biểu 02a, 02b, …: the indicators unit by unit, one form per kind of unit (a kind's total, then its units), so
    that a page holds a readable number of unit columns; wider kinds continue on the next page across."""
    ctx = info.ctx
    lab = ctx.labels
    kinds: dict[str, list[Any]] = {}
    for s in ctx.statuses:
        if s.aggregated:
            kinds.setdefault(s.kind, []).append(s)
    codes = {lab["kind"].get(k, k): k for k in lab["kind"]}
    for letter, (kind, units) in zip(string.ascii_lowercase, kinds.items(), strict=False):
        kind_id = codes.get(kind, kind)
        head = [lab["col"]["no"], lab["col"]["code"], lab["col"]["indicator"], lab["col"]["unit"],
                lab["annex"]["kind_total"].format(kind=kind.lower()), *(u.name for u in units)]
        # The code column is kept narrow: the indicator's words are what a reader reads.
        ws = form_sheet(wb, info, f"02{letter}", lab["annex"]["sheet_by_kind"].format(letter=letter, kind=kind),
                        lab["annex"]["title_by_kind"].format(kind=kind.upper()), head,
                        [5, 8, 34, 9, 11, *([10] * len(units))], repeat_cols=5)
        sections = [sec for sec in ctx.sections if sec.rows]
        end = body(ws, HEADER_ROW + 1, sum(1 + len(sec.rows) for sec in sections),
                   _by_kind_rows(sections, dataset, kind_id, [u.code for u in units], len(head), lab["no_case"]))
        for col in range(5, len(head) + 1):
            restyle(ws.cell(row=HEADER_ROW, column=col), alignment=TURNED)
        ws.row_dimensions[HEADER_ROW].height = 130
        foot(ws, info, end - 1)


def _by_kind_rows(sections: list[Any], dataset: Dataset, kind_id: str, units: list[str], width: int,
                  no_case: str) -> Iterator[Row]:
    """A form by unit's rows: each indicator's kind total, then its value in every unit (one column each); a rate
    of 0 out of 0 reads `no_case`."""
    looks: dict[tuple[int, str], list[Look]] = {}  # one list per (level, format): thousands of columns alike
    no = 0
    for sec in sections:
        yield _group_row(str(sec.number), sec.title, width)
        for row in sec.rows:
            no += row.level == 0
            code, _, fid = row.fig_id.partition("|")
            fmt = INT if row.value.decimals == 0 else DEC
            font = ITALIC if row.level else PLAIN
            key = (row.level, fmt)
            if key not in looks:
                looks[key] = [look(font)] * 4 + [look(font, fmt)] * (width - 4)
            field = fid or None
            values = [*_line(row, no),
                      None if row.heading else cell_value(dataset.figure(code, field, f"kind:{kind_id}"), no_case),
                      *((None,) * len(units) if row.heading
                        else (cell_value(dataset.figure(code, field, u), no_case) for u in units))]
            yield values, looks[key]


def _targets(wb: Workbook, info: FormInfo) -> None:
    ctx = info.ctx
    lab, doc = ctx.labels, ctx.labels["doc"]
    prev = doc["col_previous"].format(period=ctx.previous) if ctx.previous else lab["no_data"]
    head = [lab["col"]["no"], doc["col_goal"], lab["col"]["indicator"], lab["col"]["unit"], doc["col_baseline"],
            prev, doc["col_now"], lab["col"]["target_now"], lab["col"]["met"], lab["col"]["source"]]
    ws = form_sheet(wb, info, "03", lab["annex"]["sheet_targets"], lab["annex"]["title_targets"], head,
                    [5, 7, 32, 6, 8, 8, 8, 9, 10, 7], repeat_cols=3, chart=True)
    plain = [look(PLAIN, fmt) for fmt in [None, None, None, None, DEC, DEC, DEC, DEC, None, None]]
    filled = {met: [*plain[:8], look(PLAIN, fill=MET_FILL if met else NOT_MET_FILL), plain[9]] for met in (True, False)}
    end = body(ws, HEADER_ROW + 1, len(ctx.targets),
               (([i, t.goal or None, annex_label(t), t.unit, t.baseline.value, t.previous.value,
                  t.value.value, t.target_now.value, t.met_text, t.figure_from],
                 plain if t.met is None else filled[t.met]) for i, t in enumerate(ctx.targets, start=1)))
    last = foot(ws, info, end - 1)
    pct = [t for t in ctx.targets if t.unit == "%"]
    if pct:  # the chart compares like with like (targets stated in %), from a small table beside the form
        col = len(head) + 2
        data = _chart_data(ws, col, last + 2, [lab["col"]["indicator"], lab["chart"]["targets_value"],
                                                lab["col"]["target_now"]],
                           [[t.label, t.value.value, t.target_now.value] for t in pct])  # words, never a code
        first, end_row = data
        rows = chart(ws, lab["chart"]["targets_title"], (col, first, end_row),
                      [(col + 1, first, end_row), (col + 2, first, end_row)], f"A{last + 3}",
                      lab["chart"]["part"], top=max((v for t in pct for v in (t.value.value, t.target_now.value)
                                                     if v is not None), default=None))
        _print_area(ws, len(head), last + 3 + rows)
    else:
        _print_area(ws, len(head), last)


def _categories(wb: Workbook, info: FormInfo, summ: dict[str, Any]) -> None:
    ctx = info.ctx
    lab = ctx.labels
    sums = summ["sums"]
    head = [lab["col"]["category"], lab["col"]["activities"], *(lab["col"].get(c, c) for c in sums),
            lab["col"]["part_f_pct"]]
    ws = form_sheet(wb, info, "04", lab["annex"]["sheet_categories"], lab["annex"]["title_categories"], head,
                    [24, 10, *([13] * len(sums)), 10], chart=True)
    fmts = [None, INT, *([INT] * len(sums)), DEC]
    end = _rows(ws, len(ctx.categories),
                ([c.category, c.count.value, *(c.sums[s].value for s in sums), c.female_pct.value]
                 for c in ctx.categories), fmts)
    t = ctx.categories_total
    _rows(ws, 1, [[t.category, t.count.value, *(t.sums[s].value for s in sums), t.female_pct.value]], fmts, end, BOLD)
    last = foot(ws, info, end)
    rows = 0
    if ctx.categories:
        rows = chart(ws, lab["chart"]["categories_title"], (1, HEADER_ROW + 1, end - 1),
                      [(2, HEADER_ROW + 1, end - 1)], f"A{last + 3}", lab["chart"]["part"],
                      top=max((c.count.value or 0 for c in ctx.categories), default=None))
    _print_area(ws, len(head), last + 3 + rows)


def _activities(wb: Workbook, info: FormInfo, project: Project, dataset: Dataset, summ: dict[str, Any]) -> None:
    ctx = info.ctx
    lab = ctx.labels
    cols = [project.form.activity_column(c) for c in summ["list_columns"]]
    head = [lab["col"]["no"], lab["col"]["unit_name"], *(c.label_en if ctx.lang == "en" else c.label for c in cols)]
    ws = form_sheet(wb, info, "05", lab["annex"]["sheet_activities"], lab["annex"]["title_activities"], head,
                    [5, 20, *(min(max(c.width, 9), 30) for c in cols)], repeat_cols=2)
    names = {s.code: s.name for s in ctx.statuses}
    order = {s.code: i for i, s in enumerate(ctx.statuses)}
    acts = sorted(dataset.activities, key=lambda a: (order.get(a.unit, 10**6), a.row))
    fmts = [None, None, *("DD/MM/YYYY" if c.type == "date" else (INT if c.type in ("count", "money") else None)
                          for c in cols)]

    def cell(v: Any) -> Any:
        return v if isinstance(v, (int, float, str, dt.date)) or v is None else str(v)

    end = _rows(ws, len(acts), ([i, names.get(a.unit, a.unit), *(cell(a.values.get(c.id)) for c in cols)]
                                for i, a in enumerate(acts, start=1)), fmts)
    ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(head))}{max(end - 1, HEADER_ROW)}"
    foot(ws, info, end - 1)


def _budget(wb: Workbook, info: FormInfo) -> None:
    ctx = info.ctx
    lab = ctx.labels
    ws = form_sheet(wb, info, "06", lab["annex"]["sheet_budget"], lab["annex"]["title_budget"],
                    [lab["col"]["budget_source"], *ctx.budget_columns],
                    [40, *([max(20.0, 60 / len(ctx.budget_columns))] * len(ctx.budget_columns))],
                    chart=True)
    fmts = [None, *([INT] * len(ctx.budget_columns))]
    end = _rows(ws, len(ctx.budget), ([b.source, *(v.value for v in b.values)] for b in ctx.budget), fmts)
    _rows(ws, 1, [[ctx.budget_total.source, *(v.value for v in ctx.budget_total.values)]], fmts, end, BOLD)
    last = foot(ws, info, end)
    rows = chart(ws, lab["chart"]["budget_title"], (1, HEADER_ROW + 1, end - 1),
                  [(c, HEADER_ROW + 1, end - 1) for c in range(2, 2 + len(ctx.budget_columns))], f"A{last + 3}",
                  lab["chart"]["part"], number_format="#,##0,,",  # in millions, as its title says
                  top=max((v.value or 0 for b in ctx.budget for v in b.values), default=None))
    _print_area(ws, 1 + len(ctx.budget_columns), last + 3 + rows)


def _status(wb: Workbook, info: FormInfo) -> None:
    ctx = info.ctx
    lab = ctx.labels
    col = lab["col"]
    head = [col["no"], col["unit_name"], col["kind"], col["received_at"], col["on_time"], col["status"],
            col["errors"], col["warnings"], col["versions"], col["unit_code"]]
    ws = form_sheet(wb, info, "07", lab["annex"]["sheet_status"], lab["annex"]["title_status"], head,
                    [5, 24, 13, 14, 10, 14, 6, 8, 7, 13], chart=True)
    end = _rows(ws, len(ctx.statuses), ([s.no, s.name, s.kind, s.received, s.timeliness, s.status, s.errors.value,
                                          s.warnings.value, s.versions.value, s.code] for s in ctx.statuses),
                [None, None, None, None, None, None, INT, INT, INT, None])
    ws.auto_filter.ref = f"A{HEADER_ROW}:J{max(end - 1, HEADER_ROW)}"
    last = foot(ws, info, end - 1)
    # A small count table beside the form feeds the chart: units on time, late, not received.
    keys = ["on_time", "late", "missing"]
    c0 = len(head) + 2
    first, end_row = _chart_data(ws, c0, last + 2, [col["on_time"], col["count"]],
                                 [[lab["timeliness"][k], sum(1 for s in ctx.statuses if s.timely_id == k)]
                                  for k in keys])
    rows = chart(ws, lab["chart"]["status_title"], (c0, first, end_row), [(c0 + 1, first, end_row)],
                  f"B{last + 3}", horizontal=False)
    _print_area(ws, len(head), last + 3 + rows)


def _checks(wb: Workbook, info: FormInfo, project: Project, dataset: Dataset) -> None:
    """The warnings no single workbook can show (FY below H1, outliers, one activity in two units), one per row, in
    words: the finding's title and message, never its code."""
    ctx = info.ctx
    col = ctx.labels["col"]
    head = [col["no"], col["unit_name"], col["file"], col["where"], col["problem"], col["fix"]]
    # its number is cited by the report's assessment (synthesis): one constant for both
    ws = form_sheet(wb, info, FORM_NUMBERS["checks"], ctx.labels["annex"]["sheet_checks"],
                    ctx.labels["annex"]["title_checks"], head, [5, 16, 18, 11, 18, 32])
    names = {s.code: s.name for s in ctx.statuses}

    def rows() -> Iterator[list[Any]]:
        for n, f in enumerate(dataset.warnings, start=1):
            title, text = f.render(project.form.messages, ctx.lang)
            unit = f.params.get("unit") or f.value
            yield [n, names.get(str(unit), unit), f.file, f.where, title, text]

    end = _rows(ws, len(dataset.warnings), rows(), [None] * len(head))
    ws.auto_filter.ref = f"A{HEADER_ROW}:F{max(end - 1, HEADER_ROW)}"
    foot(ws, info, end - 1)


def _documents(wb: Workbook, info: FormInfo) -> None:
    ctx = info.ctx
    lab, doc = ctx.labels, ctx.labels["doc"]
    head = [lab["col"]["no"], lab["col"]["unit_name"], doc["col_document"], doc["col_about"]]
    ws = form_sheet(wb, info, "09", lab["annex"]["sheet_documents"], lab["annex"]["title_documents"], head,
                    [5, 25, 30, 40])
    end = _rows(ws, len(ctx.documents), ([d.no, d.unit, d.document, d.about] for d in ctx.documents), [None] * 4)
    foot(ws, info, end - 1)


@in_its_language
def write_annex(project: Project, dataset: Dataset, target: Path, lang: str = "vi",
                templates_dir: Path | None = None, ctx: ReportContext | None = None) -> Path:
    """Write the annex workbook to `target` (atomically) and return it."""
    ctx = ctx or build_context(project, dataset, lang, None, templates_dir)
    conf = report_config(templates_dir)
    info = form_info(ctx, conf)
    wb = Workbook()
    wb.remove(wb.active)
    _province(wb, info)
    _by_kind(wb, info, dataset)
    _targets(wb, info)
    _categories(wb, info, conf["activity_summary"])
    _activities(wb, info, project, dataset, conf["activity_summary"])
    _budget(wb, info)
    _status(wb, info)
    _checks(wb, info, project, dataset)
    _documents(wb, info)
    wb.properties.title = f"{ctx.labels['annex']['title']} — {ctx.period.title}"
    wb.properties.creator = "xl-bdg"
    with atomic_path(target) as tmp:
        save(wb, tmp)
    return target
