"""The province report's template context (`ReportContext`, documented in context.py) built from a Dataset.

Every figure the templates print comes from the dataset; every word they print comes from the templates, from
`report_templates/labels.yaml` or from the form definition, so that changing a heading never touches Python.
Numbers are `Num` objects: `str()` gives the Vietnamese writing (1.234,5), `.value` the number itself.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..catalogue import load_yaml, words
from ..dataset import Dataset, UnitStatus
from ..form.definition import Indicator
from ..form.project import Project
from ..periods import Period
from ..templating import templates_dir as _templates
from .context import (  # noqa: F401
    BudgetRow,
    CategoryRow,
    Chart,
    IndicatorRow,
    NarrativeBlock,
    NarrativeEntry,
    Num,
    Office,
    PeriodInfo,
    ReportContext,
    Section,
    StatusRow,
    Summary,
    TargetRow,
    _n,
    field_docs,
    fmt_num,
    in_its_language,
    no_case,
    parse_num,
    undocumented_fields,
)

# The context is part of the report's API: re-exported here.
from .issuer import letters_issuer, place_name, province_text, report_issuer
from .outline import fill_outline
from .targets import target_rows


# --- configuration ---------------------------------------------------------------------------------------------
@lru_cache(maxsize=8)
def _yaml(path: Path) -> dict[str, Any]:
    return load_yaml(path.read_text(encoding="utf-8")) or {}


#: Sections of the tool's words (schemas/words/) that the documents share, merged into their labels under these names.
SHARED_WORDS = ("status", "timeliness", "validity", "kind")


def load_labels(lang: str = "vi", templates_dir: Path | None = None) -> dict[str, Any]:
    """The labels of `lang`: report_templates/labels.yaml, with the shared words (status, timeliness, validity,
    kinds of unit) from the catalogue, so a status reads the same in the terminal and in the report."""
    w = words(lang)
    own = _yaml(_templates(templates_dir) / "labels.yaml")[lang]
    return {**own, **{name: w.section(name) for name in SHARED_WORDS}}


def report_config(templates_dir: Path | None = None) -> dict[str, Any]:
    """report_templates/report.yaml: which activity columns the report sums and the annex lists."""
    return _yaml(_templates(templates_dir) / "report.yaml")


def office_from_config(project: Project, lang: str = "vi", period: Period | None = None) -> Office:
    """The office that writes to the units about `period` (province.yaml `letters.issuer`); kept for the letters'
    callers."""
    return letters_issuer(project, lang, period)


# --- building -------------------------------------------------------------------------------------------------
def _decimals(ind: Indicator, fid: str | None) -> int:
    if fid is None or ind.field_agg(ind.field(fid)) == "share":
        return 1  # rates and shares
    return 0 if ind.field(fid).type in ("count", "money") else 1


def _rows(dataset: Dataset, ind: Indicator, labels: dict[str, Any], en: bool = False) -> list[IndicatorRow]:
    """An indicator's lines: one line when it has one value, else a heading (with the rate of a ratio) and a line
    per field. Values are the aggregation's figures as they are: a ratio or a share is already in % (or per scale).
    """
    agg_fields = [f for f in ind.fields if ind.field_agg(f) is not None]
    label, unit = (ind.label_en, ind.unit_en) if en else (ind.label, ind.unit)

    def line(fid: str | None, text: str, unit_text: str, level: int, heading: bool = False) -> IndicatorRow:
        fig = dataset.figure(ind.code, fid)
        none = not heading and no_case(fig)
        value = Num(None if heading or fig is None else fig.value, _decimals(ind, fid),
                    labels["no_case"] if none else "—")
        return IndicatorRow(f"{ind.code}|{fid or ''}", ind.code, text, unit_text, value,
                            _n(fig.units if fig else None), level, heading, none)

    def field_unit(fid: str) -> str:
        if ind.field_agg(ind.field(fid)) == "share":
            return labels["share_unit"]
        return "" if ";" in unit else unit  # 'vụ; đồng': the field's own label says which

    if ind.agg != "ratio" and len(agg_fields) == 1:
        return [line(agg_fields[0].id, label, field_unit(agg_fields[0].id) if ind.agg == "share" else unit, 0)]
    if ind.agg == "ratio":
        head = line(None, label, labels["rate_unit"] if ind.scale is None else f"/{fmt_num(ind.scale)}", 0)
    else:
        head = line(None, label, unit, 0, heading=True)
    return [head] + [line(f.id, f.label_en if en else f.label, field_unit(f.id), 1) for f in agg_fields]


def _narratives(project: Project, dataset: Dataset, en: bool = False) -> dict[str, list[NarrativeBlock]]:
    order = {code: i for i, code in enumerate(project.registry.units)}
    out: dict[str, list[NarrativeBlock]] = {}
    for col in project.form.narrative:
        merged: dict[str, list[str]] = {}
        for unit in sorted(dataset.narratives, key=lambda u: order.get(u, 10**6)):
            text = " ".join(str(dataset.narratives[unit].get(col.id) or "").split())
            if text:
                u = project.registry.get(unit)
                merged.setdefault(text, []).append(u.label("en" if en else "vi") if u else unit)
        if merged:
            entries = [NarrativeEntry(", ".join(names), text) for text, names in merged.items()]
            block = NarrativeBlock(col.label_en if en else col.label, entries)
            out.setdefault(col.section or col.id, []).append(block)
    return out


def _categories(project: Project, dataset: Dataset, labels: dict[str, Any],
                conf: dict[str, Any]) -> tuple[list[CategoryRow], CategoryRow]:
    summ = conf["activity_summary"]
    cat_col = project.form.activity_column(summ["category"])
    names = list(project.form.lists[cat_col.list].values) if cat_col.list else []
    acc: dict[str, dict[str, float]] = {}
    for act in dataset.activities:
        name = str(act.values.get(summ["category"]) or labels["no_data"])
        if name not in names:
            names.append(name)
        bucket = acc.setdefault(name, {"_count": 0.0})
        bucket["_count"] += 1
        for col in summ["sums"]:
            v = act.values.get(col)
            bucket[col] = bucket.get(col, 0.0) + (float(v) if isinstance(v, (int, float)) else 0.0)

    def row(name: str, b: dict[str, float]) -> CategoryRow:
        tot, fem = b.get(summ["total"], 0.0), b.get(summ["female"], 0.0)
        return CategoryRow(name, _n(b["_count"]), {c: _n(b.get(c, 0.0)) for c in summ["sums"]},
                           _n(100 * fem / tot if tot else None, 1))

    rows = [row(n, acc[n]) for n in names if n in acc]
    total = {"_count": sum(b["_count"] for b in acc.values())}
    for col in summ["sums"]:
        total[col] = sum(b.get(col, 0.0) for b in acc.values())
    return rows, row(labels["total"], total)


def _budget(project: Project, dataset: Dataset, labels: dict[str, Any]) -> tuple[list[BudgetRow], BudgetRow]:
    cols = [c.id for c in project.form.budget.columns]
    rows = []
    for source in project.form.lists[project.form.budget.rows_list].values:
        vals = [dataset.budget.get((dataset.province, source, c)) for c in cols]
        rows.append(BudgetRow(source, [_n(v) for v in vals]))
    totals = [sum(r.values[i].value or 0.0 for r in rows) for i in range(len(cols))]
    return rows, BudgetRow(labels["total"], [_n(v) for v in totals])


def _day(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _aggregated(s: UnitStatus) -> bool:
    # The aggregation uses the latest valid version (`used_sha256`), which may be older than an invalid latest one.
    return s.used_sha256 is not None


def _statuses(project: Project, dataset: Dataset, labels: dict[str, Any], lang: str = "vi") -> list[StatusRow]:
    order = {code: i for i, code in enumerate(project.registry.units)}
    rows = []
    for i, s in enumerate(sorted(dataset.statuses, key=lambda s: order.get(s.unit, 10**6)), start=1):
        timely = "missing" if s.received_at is None else ("on_time" if s.on_time else "late")
        unit = project.registry.get(s.unit)
        name = unit.label(lang) if unit is not None else s.name
        rows.append(StatusRow(i, s.unit, name, labels["kind"].get(s.kind, s.kind), s.status,
                              labels["status"].get(s.status, s.status), timely, labels["timeliness"][timely],
                              s.received_at.strftime("%d/%m/%Y %H:%M") if s.received_at else "", _aggregated(s),
                              _n(s.errors), _n(s.warnings), _n(s.versions)))
    return rows


@in_its_language
def build_context(project: Project, dataset: Dataset, lang: str = "vi", charts: dict[str, Chart] | None = None,
                  templates_dir: Path | None = None, previous: Dataset | None = None) -> ReportContext:
    """Gather everything the report templates print from the project and the dataset (and last year's, if any)."""
    labels = load_labels(lang, templates_dir)
    conf = report_config(templates_dir)
    period = dataset.period
    if previous is not None and (previous.period.kind != period.kind or previous.period.year >= period.year):
        # A year compared with its own half-year reads as growth that is only the second half: like with like only.
        raise ValueError(f"the report of {period.code} compares with the same period of an earlier year, "
                         f"not with {previous.period.code} (report.history.previous_dataset)")
    en = lang == "en"
    sections = []
    narratives = _narratives(project, dataset, en)
    for i, group in enumerate(project.form.groups, start=1):
        rows = [r for ind in project.form.indicators if ind.group == group.id and ind.asked(period.kind, period.year)
                for r in _rows(dataset, ind, labels, en)]
        sections.append(Section(group.id, i, group.label_en if en else group.label, rows,
                                narratives.get(group.id, [])))
    categories, cat_total = _categories(project, dataset, labels, conf)
    budget, budget_total = _budget(project, dataset, labels)
    targets = target_rows(project, dataset, period, labels, lang, previous, conf)
    statuses = _statuses(project, dataset, labels, lang)
    summ = conf["activity_summary"]
    received = [s for s in dataset.statuses if s.received_at is not None]
    office = report_issuer(project, lang, period)
    ctx = ReportContext(
        lang=lang, labels=labels,
        period=PeriodInfo(period.code, period.kind, period.year, period.title(lang), _day(period.start),
                          _day(period.end), _day(period.deadline)),
        province=project.config["province"].get("name_en" if en else "name", project.province_name),
        place=place_name(project, lang), office=office, recipients=list(office.addressees),
        province_text=province_text(project, lang),
        generated=_day(dataset.generated_at),
        summary=Summary(
            units_expected=_n(len(dataset.statuses)), units_received=_n(len(received)),
            units_on_time=_n(sum(1 for s in received if s.on_time)),
            units_late=_n(sum(1 for s in received if not s.on_time)),
            units_missing=_n(len(dataset.statuses) - len(received)),
            units_invalid=_n(sum(1 for s in received if s.errors)),
            units_aggregated=_n(sum(1 for s in dataset.statuses if _aggregated(s))),
            activities=cat_total.count, participants=cat_total.sums[summ["total"]],
            female=cat_total.sums[summ["female"]], female_pct=cat_total.female_pct,
            budget_planned=budget_total.values[0], budget_spent=budget_total.values[-1]),
        sections=sections, narratives=narratives, categories=categories, categories_total=cat_total,
        budget_columns=[c.label_en if en else c.label for c in project.form.budget.columns],
        budget=budget, budget_total=budget_total, targets=targets,
        targets_source=(project.target_sources.get("strategy_en") if en else None) or project.targets_source,
        targets_year=min(max(period.year, 2025), 2030),
        targets_met=_n(sum(1 for t in targets if t.goal and t.status == "met")),
        targets_known=_n(sum(1 for t in targets if t.goal and t.status in ("met", "not_met"))),
        statuses=statuses, charts=charts or {},
    )
    return fill_outline(ctx, project, dataset, conf, previous, templates_dir)
