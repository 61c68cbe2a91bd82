"""The report's target table: each target with its baseline, last year's figure, this period's, the milestone that
applies (form.targets: 2025's up to 2025, then the straight line to 2030's) and whether it is reached. Goals come
from the target itself (targets.yaml `goal`), else from the goal its indicator reports on (report.yaml `goals`);
targets of another set (QĐ 1790, the province's own plan) are kept apart from the Strategy's (goal 0).
"""

from __future__ import annotations

from typing import Any

from ..dataset import Dataset
from ..form.project import Project, Target
from ..periods import Period
from .context import TargetRow, _n, no_case


def indicator_goals(conf: dict[str, Any]) -> dict[str, int]:
    """Indicator code → Strategy goal (1–6), from report.yaml `goals`."""
    return {code: int(goal) for goal, codes in (conf.get("goals") or {}).items() for code in codes}


def target_goal(t: Target, goals: dict[str, int]) -> int:
    """The Strategy goal of `t`: its own, else the goal its indicator reports on; 0 for another set (QĐ 1790)."""
    if t.set != "strategy":
        return 0
    return t.goal or goals.get(t.indicator or "", 0)


def milestone_year(year: int) -> int:
    """The year whose milestone a period is held to: 2025 up to 2025, the year itself after, 2030 from 2030."""
    return min(max(year, 2025), 2030)


def annex_label(t: TargetRow) -> str:
    """A target's label in the annex: its words, the direction, and why it is not tracked when it is not."""
    return f"{t.label} ({t.sign}). {t.note}" if t.note else f"{t.label} ({t.sign})"


def target_status(t: Target, met: bool | None, none: bool = False) -> str:
    """'not_tracked' for a target the province does not follow (targets.yaml `measured_by: not_tracked`: it has
    no figure by design, which is not the same as a figure missing this period); 'no_case' when its rate is 0 out
    of 0 (nothing arose to assess); else met, not met or no data."""
    if not t.tracked:
        return "not_tracked"
    if none:
        return "no_case"
    return "no_data" if met is None else ("met" if met else "not_met")


def target_rows(project: Project, dataset: Dataset, period: Period, labels: dict[str, Any],
                lang: str = "vi", previous: Dataset | None = None,
                conf: dict[str, Any] | None = None) -> list[TargetRow]:
    """Each target with the province figure, last year's, its milestone and whether it is met."""
    goals = indicator_goals(conf or {})
    out = []
    for t in project.targets:
        # the headline: a rate or share in %, a picked value as is; nothing for a target no indicator measures
        value = dataset.value(t.indicator, None) if t.indicator else None
        met = t.met(value, period.year)
        status = target_status(t, met, no_case(dataset.figure(t.indicator)) if t.indicator else False)
        before = previous.value(t.indicator, None) if previous is not None and t.indicator else None
        out.append(TargetRow(
            t.code, t.indicator or "", t.label_en if lang == "en" else t.label, t.unit,
            "≥" if t.direction == "ge" else "≤", _n(value, 1), _n(t.t2025, 1), _n(t.t2030, 1),
            _n(t.milestone(period.year), 1), met,
            labels["doc"]["status"][status], t.figure_from,
            goal=target_goal(t, goals), baseline=_n(t.baseline, 1),
            baseline_year=str(t.baseline_year) if t.baseline_year else "", previous=_n(before, 1),
            milestone_year=milestone_year(period.year), status=status,
            note="" if t.tracked else labels["doc"]["not_tracked_note"].format(
                reason=t.reason_en if lang == "en" else t.reason)))
    return out
