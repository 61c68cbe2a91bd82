"""Plausible synthetic submissions for the sample province: what the demo fills in, and what tests start from.

Figures come from the ranges of `schemas/sample.yaml` per unit kind and size (`figures`), activities from its
`activities` table and the titles of `synthetic.yaml`, narratives from sentences there filled with the unit's own
figures (`narrative`). Everything is seeded: the same unit, period and seed always give the same data. The report is
dated a few days before the deadline and every activity before it, inside the period's data window.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ..catalogue import read_yaml
from ..form.project import Project
from ..form.registry import Unit
from ..periods import Period
from .activities import activity_rows
from .figures import indicator_figures, profile, rng, sample_config
from .narrative import narrative_texts

#: The synthetic texts (titles, narratives, names): data, beside this module.
_TEXTS = read_yaml(Path(__file__).with_name("synthetic.yaml"))


def report_day(project: Project, unit: Unit, period: Period, seed: int = 0) -> dt.date:
    """The day the unit's synthetic report is dated and sent: `send.days_before_deadline` before the deadline."""
    conf = sample_config(project)
    low, high = (conf.get("send") or {}).get("days_before_deadline", [6, 14])
    day = period.deadline - dt.timedelta(days=rng(unit, period.year, f"sent-{period.kind}", seed).randint(low, high))
    return max(day, period.start + dt.timedelta(days=1))


def synthesize(project: Project, unit: Unit, period: Period, *, seed: int = 0) -> dict[str, Any]:
    """A complete, valid submission for `unit` and `period`, in the shape `fill.fill_workbook` takes; another
    `seed` gives another, equally plausible season."""
    form = project.form
    conf = sample_config(project)
    yes, no = form.lists["yesno"].values[:2]
    sent = report_day(project, unit, period, seed)
    ethnic = float(profile(conf, unit, period.year, seed).get("ethnic", 0.2))
    activities = activity_rows(project, conf, _TEXTS, unit, period, sent, ethnic,
                               rng(unit, period.year, f"activities-{period.kind}", seed))
    in_am = sum(1 for a in activities if a.get("action_month") == yes)
    figures = indicator_figures(project, unit, period, seed=seed, activities_am=in_am)
    r = rng(unit, period.year, "info", seed)
    indicators: dict[str, Any] = {}
    for ind in form.indicators:
        for f in ind.fields:
            key = ind.key(f.id)
            if key not in figures:
                continue
            if f.type == "text":  # a document reference, where the yes/no beside it says one was issued
                if figures.get(ind.key(ind.fields[0].id)) == no:
                    continue
                indicators[key] = _TEXTS["document_ref"].format(
                    n=r.randint(10, 250), unit=unit.code, day=r.randint(1, 28), year=period.year)
            else:
                indicators[key] = figures[key]
    budget: dict[str, Any] = {}
    planned_col, spent_col = (c.id for c in form.budget.columns[:2])
    for a in activities:
        if a.get("budget"):
            key = f"{a['source']}|{spent_col}"
            budget[key] = budget.get(key, 0) + a["budget"]
    for key in list(budget):
        source = key.split("|", 1)[0]
        budget[f"{source}|{planned_col}"] = round(budget[key] * r.uniform(1.0, 1.3), -5)
    narrative = narrative_texts(_TEXTS["narratives"], {c.id for c in form.narrative}, unit, period.year,
                                indicators, activities,
                                rng(unit, period.year, f"narrative-{period.kind}", seed))
    unit_info = {"reporter": r.choice(_TEXTS["reporters"]), "position": _TEXTS["position"],
                 "phone": f"0262 3{r.randint(100000, 999999)}",
                 "email": _TEXTS["email"].format(unit=unit.code.lower()),
                 "report_date": sent,
                 "approver": r.choice(_TEXTS["approvers"])}
    return {"unit_info": unit_info, "indicators": indicators, "activities": activities, "budget": budget,
            "narrative": narrative}
