"""The report's target table: each target with its baseline, last year's figure, this period's, the milestone that
applies (2025 until 2029, then 2030) and whether it is reached. Goals come from the target itself when the form
stage gives one, else from the goal its indicator reports on (report.yaml `goals`); targets of another set (QĐ 1790,
the province's own plan) are kept apart from the Strategy's (goal 0).
"""

from __future__ import annotations

from typing import Any

from ..dataset import Dataset
from ..form.project import Project, Target
from ..periods import Period
from .context import Num, TargetRow, _n


def indicator_goals(conf: dict[str, Any]) -> dict[str, int]:
    """Indicator code → Strategy goal (1–6), from report.yaml `goals`."""
    return {code: int(goal) for goal, codes in (conf.get("goals") or {}).items() for code in codes}


def target_set(t: Target) -> str:
    """'strategy', 'qd1790' or 'province': which set of targets `t` belongs to."""
    explicit = getattr(t, "set", None)
    if isinstance(explicit, str) and explicit:
        return explicit
    return "qd1790" if "1790" in t.source else "strategy"


def target_goal(t: Target, goals: dict[str, int]) -> int:
    """The Strategy goal of `t` (0 when it is not a Strategy target)."""
    if target_set(t) != "strategy":
        return 0
    explicit = getattr(t, "goal", None)
    return int(explicit) if isinstance(explicit, int) and explicit else goals.get(t.indicator, 0)


def milestone(t: Target, year: int) -> tuple[int, float | None]:
    """(year, value) of the milestone that applies to `year`."""
    own = getattr(t, "milestone", None)
    if callable(own):
        got = own(year)
        if isinstance(got, tuple) and len(got) == 2:
            return int(got[0]), got[1]
        if isinstance(got, (int, float)):
            return (2025 if year < 2030 else 2030), float(got)
    return (2025, t.t2025) if year < 2030 else (2030, t.t2030)


def target_rows(project: Project, dataset: Dataset, period: Period, labels: dict[str, Any],
                lang: str = "vi", previous: Dataset | None = None,
                conf: dict[str, Any] | None = None) -> list[TargetRow]:
    """Each target with the province figure, last year's, its milestone and whether it is met."""
    goals = indicator_goals(conf or {})
    out = []
    for t in project.targets:
        value = dataset.value(t.indicator, None)  # the headline: a rate or share in %, a picked value as is
        met = t.met(value, period.year)
        year, target_now = milestone(t, period.year)
        base = getattr(t, "baseline", None)
        base_year = getattr(t, "baseline_year", None)
        status = "no_data" if met is None else ("met" if met else "not_met")
        out.append(TargetRow(
            t.code, t.indicator, t.label_en if lang == "en" else t.label, t.unit,
            "≥" if t.direction == "ge" else "≤", _n(value, 1), _n(t.t2025, 1), _n(t.t2030, 1),
            _n(target_now, 1), met, labels["met"]["unknown" if met is None else ("yes" if met else "no")],
            t.figure_from, goal=target_goal(t, goals),
            baseline=_n(base, 1) if isinstance(base, (int, float)) else Num(None),
            baseline_year=str(base_year) if base_year else "",
            previous=_n(previous.value(t.indicator, None), 1) if previous is not None else Num(None),
            milestone_year=year, status=status))
    return out
