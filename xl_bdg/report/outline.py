"""The report's outline, as Government reports on the Strategy run it: I. direction, documents issued and
implementation → II. results per Strategy goal with the target table → III. assessment (results, limits, causes)
→ IV. next year's tasks → V. recommendations, then the appendices. Fills the outline fields of a `ReportContext`
from the figures (synthesis.py) and from the editable sections (report_templates/sections.yaml).
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..catalogue import load_yaml
from ..dataset import Dataset
from ..form.project import Project
from ..templating import templates_dir as _templates
from .appendix import documents, unit_texts
from .context import DocumentRow, IndicatorRow, Para, ReportContext, Topic
from .history import previous_period
from .synthesis import (
    Writer,
    activity_highlights,
    assessment_topics,
    goal_topics,
    plain,
    split_lines,
    targets_summary,
)
from .wording import compose, join, mark, sentences


@lru_cache(maxsize=8)
def _sections(path: Path) -> dict[str, Any]:
    return load_yaml(path.read_text(encoding="utf-8")) or {}


def editable_sections(lang: str, templates_dir: Path | None = None) -> dict[str, list[str]]:
    """report_templates/sections.yaml in `lang`: causes, tasks, to_ministry, to_government (one paragraph a line)."""
    data = _sections(_templates(templates_dir) / "sections.yaml")
    return data.get(lang) or data.get("vi") or {}


def _rows_by_indicator(ctx: ReportContext) -> dict[str, list[IndicatorRow]]:
    return {rows[0].code: rows for sec in ctx.sections for rows in split_lines(sec.rows)}


def _intake(w: Writer, ctx: ReportContext) -> Para:
    s = ctx.summary
    blanks = {k: mark("sum", k, getattr(s, k)) for k in ("units_expected", "units_received", "units_on_time",
                                                           "units_late", "units_missing", "units_aggregated",
                                                           "units_invalid")}
    return w.say("w_intake", deadline=ctx.period.deadline, **blanks)


def _label(project: Project, code: str, en: bool) -> str:
    """An indicator's name in the report's language; its code if the form no longer has it."""
    try:
        ind = project.form.indicator(code)
    except KeyError:
        return code
    return ind.label_en if en else ind.label


def _counting(w: Writer, project: Project, dataset: Dataset, en: bool) -> list[Para]:
    """How the totals counted each case once (schemas/counting.yaml): which of a district and its communes were
    counted, and whose figures of an overlapping indicator were kept beside the total."""
    reg = project.registry

    def name(code: str) -> str:
        unit = reg.get(code)
        return unit.label("en" if en else "vi") if unit is not None else code

    paras = []
    for note in dataset.counting:
        units = w.join([name(u) for u in note.units], "w_units_more")
        if note.kind == "overlap":
            overlap = project.counting.overlap_of(note.indicators[0])
            text = "" if overlap is None else (overlap.note_en if en else overlap.note)
            # the indicators by name, never by code: the report is read by people who do not know the form's codes
            named = [w.say("w_quoted", text=_label(project, code, en)) for code in note.indicators]
            paras.append(w.say("w_counted_overlap", unit=name(note.unit), indicators=w.join(named), note=text))
        else:
            paras.append(w.say(f"w_counted_{note.kind}", unit=name(note.unit), units=units, n=len(note.units)))
    return paras


def _activities(w: Writer, ctx: ReportContext, project: Project, dataset: Dataset, conf: dict[str, Any]) -> list[Para]:
    s = ctx.summary
    change = Para("", [])
    if w.previous is not None:
        moved = w.change(s.activities.value, float(len(w.previous.activities)), False)
        if moved.text:
            change = w.say("w_activities_change", previous=ctx.previous, change=compose(moved.text.lstrip(", ")))
    first = w.say("w_activities", activities=mark("sum", "activities", s.activities),
                  participants=mark("sum", "participants", s.participants), female=mark("sum", "female", s.female),
                  female_pct=s.female_pct, budget_spent=mark("sum", "budget_spent", s.budget_spent), change=change)
    return [first, *activity_highlights(w, project, dataset, conf["activity_summary"])]


def _documents(w: Writer, ctx: ReportContext, project: Project) -> list[Para]:
    docs = ctx.documents
    if not docs:
        return [w.say("w_no_documents")]
    paras = [w.say("w_documents", n=len(docs), units=len({d.unit for d in docs}))]
    provincial = {u.label(ctx.lang) for u in project.registry.units.values() if u.kind == "department"}
    first: dict[str, DocumentRow] = {}
    for d in docs:  # one document per provincial unit: the highlights name different units
        if d.unit in provincial:
            first.setdefault(d.unit, d)
    examples = list(first.values())[: w.top]
    if examples:
        paras.append(w.say("w_documents_examples", items=join(
            [w.say("w_document", document=d.document, unit=d.unit) for d in examples], w.doc, len(examples))))
    return paras


def fill_outline(ctx: ReportContext, project: Project, dataset: Dataset, conf: dict[str, Any],
                 previous: Dataset | None, templates_dir: Path | None = None) -> ReportContext:
    """The outline fields of `ctx` (sections I–V and the appendices), written from its figures."""
    lang, labels = ctx.lang, ctx.labels
    doc = labels["doc"]
    prev_title = ""
    if previous is not None:
        prev_title = previous.period.title(lang)
    same_period = previous_period(project, dataset.period).title(lang)
    comparison = compose(doc["compared" if previous is not None else "not_compared"], previous=same_period)
    # a target with a ceiling (`direction: le`) says of its indicator that less is better
    lower = frozenset(t.indicator for t in project.targets if t.indicator and t.direction == "le")
    w = Writer(labels, conf, previous, prev_title, lang, lower | frozenset(conf.get("lower_is_better") or ()))
    by_code = _rows_by_indicator(ctx)
    goals: dict[str, list[str]] = {str(k): list(v) for k, v in (conf.get("goals") or {}).items()}
    in_goals = {c for codes in goals.values() for c in codes}
    en = lang == "en"
    ctx = replace(ctx, previous=prev_title, documents=documents(project, dataset, en),
                  unit_texts=unit_texts(project, dataset, labels["kind"], en))

    direction = [Topic("documents", "1", doc["t_documents"], _documents(w, ctx, project))]
    for sec in ctx.sections:
        lines = [rows for rows in split_lines(sec.rows) if rows[0].code not in in_goals]
        if lines:
            direction.append(Topic(sec.id, str(len(direction) + 1), sec.title,
                                   [sentences([w.indicator(rows) for rows in lines])],
                                   [r for rows in lines for r in rows]))
    direction.append(Topic("activities", str(len(direction) + 1), doc["t_activities"],
                           _activities(w, ctx, project, dataset, conf)))
    direction.append(Topic("intake", str(len(direction) + 1), doc["t_intake"],
                           [_intake(w, ctx), *_counting(w, project, dataset, en)]))

    goal_list = goal_topics(w, by_code, goals, ctx.targets, ctx.period.year)
    strategy = [t for t in ctx.targets if t.goal]
    year = strategy[0].milestone_year if strategy else ctx.targets_year
    goals_intro = targets_summary(w, strategy, year, ctx.targets_source)
    edit = editable_sections(lang, templates_dir)
    lines = [by_code[c] for codes in goals.values() for c in codes if c in by_code]
    lines += [rows for sec in ctx.sections for rows in split_lines(sec.rows) if rows[0].code not in in_goals]
    assessment = assessment_topics(w, ctx, lines, list(edit.get("causes", [])), dataset)
    next_year = ctx.period.year + 1
    tasks = [plain(t.replace("{year}", str(next_year)).replace("{milestone}", str(year)))
             for t in edit.get("tasks", [])]
    recs = [Topic("to_ministry", "1", doc["t_to_ministry"], [plain(t) for t in edit.get("to_ministry", [])]),
            Topic("to_government", "2", doc["t_to_government"], [plain(t) for t in edit.get("to_government", [])])]
    opening = compose(doc["opening"], issuer=ctx.office.name, ministry=ctx.office.ministry, period=ctx.period.title,
                      start=ctx.period.start,
                      end=ctx.period.end, province=ctx.province_text)
    return replace(ctx, opening=opening, comparison=comparison, direction=direction, goals_intro=goals_intro,
                   goals=goal_list, assessment=assessment, tasks=tasks, recommendations=[r for r in recs if r.paras],
                   next_year=next_year)

