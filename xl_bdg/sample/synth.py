"""Plausible synthetic submissions for the sample province: what the demo fills in, and what tests start from.

Values are drawn from the form definition alone (types, fieldsets, checks), so a new indicator gets data with no
code change. Everything is seeded: the same unit and period always give the same data. The 6-month figures are a
share of the annual ones, so the cross-period check has something true to hold.
"""

from __future__ import annotations

import datetime as dt
import random
import zlib
from pathlib import Path
from typing import Any

from ..catalogue import read_yaml
from ..form.definition import Indicator
from ..form.project import Project
from ..form.registry import Unit
from ..periods import Period

#: The synthetic texts (titles, narratives, names): data, beside this module.
_TEXTS = read_yaml(Path(__file__).with_name("synthetic.yaml"))
_TITLES: dict[str, list[str]] = _TEXTS["titles"]
_NARRATIVE: dict[str, str] = _TEXTS["narrative"]


def _rng(unit: Unit, year: int, salt: str) -> random.Random:
    return random.Random(zlib.crc32(f"{unit.code}|{year}|{salt}".encode()))


def _scale(unit: Unit) -> int:
    return {"department": 3, "mass_org": 4, "commune": 2, "district": 6}.get(unit.kind, 2)


def _indicator_values(ind: Indicator, unit: Unit, period: Period, share: float,
                      yesno: tuple[str, str]) -> dict[str, Any]:
    """Annual-level values for one indicator (scaled by `share` for flows in shorter periods)."""
    r = _rng(unit, period.year, ind.code)
    k = _scale(unit)
    flow = share if ind.cumulative else 1.0
    out: dict[str, Any] = {}
    yes, no = yesno
    ids = [f.id for f in ind.fields]
    for f in ind.fields:  # a part that no longer exists (district bodies after 30/6/2025) is 0
        if f.until is not None and period.start > f.until:
            out[f.id] = 0
    drawn = any(f.typical is not None for f in ind.fields if f.id in (ind.numerator, ind.denominator))
    if ind.agg == "ratio" and ind.numerator and ind.denominator and not drawn:
        if ind.scale is not None:  # a "per N" ratio (sex ratio at birth): boys slightly more than girls
            girls = r.randint(80, 400) * k
            out[ind.denominator] = round(girls * flow)
            out[ind.numerator] = round(girls * r.uniform(1.02, 1.16) * flow)
        else:
            den = r.randint(20, 400) * k
            out[ind.denominator] = round(den * flow)
            out[ind.numerator] = round(den * r.uniform(0.45, 1.0) * flow)
    for f in ind.fields:
        if f.id in out:
            continue
        if f.type == "yesno":
            out[f.id] = yes if r.random() < 0.85 else no
        elif f.type == "text":
            out[f.id] = _TEXTS["document_ref"].format(n=r.randint(10, 250), unit=unit.code, day=r.randint(1, 28),
                                                      year=period.year)
        elif f.typical is not None and f.type == "count":  # whole numbers; a year's flow, scaled for shorter periods
            out[f.id] = round(r.uniform(*f.typical) * flow)
        elif f.typical is not None:  # a rate or ratio: one decimal, whatever the period
            out[f.id] = round(r.uniform(*f.typical), 1)
        elif f.type == "percent":
            out[f.id] = round(r.uniform(20, 65), 1)
        elif f.type == "number":
            out[f.id] = round(r.uniform(500, 9000) * flow, 1)
        elif f.type == "money":
            out[f.id] = r.randint(0, 40) * 500_000
        else:
            out[f.id] = round(r.randint(0, 40) * k * flow)
    if {"T", "M", "F"} <= set(ids) and ind.field("F").typical is None:
        out["F"] = round(r.randint(10, 400) * k * flow)
        out["M"] = round(r.randint(5, 300) * k * flow)
        out["T"] = out["M"] + out["F"]
        if "E" in ids:
            out["E"] = round(out["T"] * r.uniform(0.0, 0.4))
    if {"DET", "HND"} <= set(ids) and ind.field("DET").typical is None:
        out["DET"] = round(r.randint(0, 30) * flow)
        out["HND"] = round(out["DET"] * r.uniform(0.5, 1.0))
    if "YES" in ids and "DOC" in ids and out["YES"] != yes:
        out.pop("DOC")
    return _settle(ind, out)


def _settle(ind: Indicator, out: dict[str, Any]) -> dict[str, Any]:
    """Make the drawn values meet the indicator's own checks: each part at most its bound (a part's bound that is
    itself a total is left for later), each total the sum of its parts (a breakdown's parts are drawn, its totals
    follow), then every bound again."""
    totals = {c.params["total"] for c in ind.checks if c.rule == "sum_eq"}

    def bounds(first: bool) -> None:
        for c in ind.checks:
            a, b = str(c.params.get("a")), str(c.params.get("b"))
            if c.rule != "le" or (first and b in totals):
                continue
            if isinstance(out.get(a), (int, float)) and isinstance(out.get(b), (int, float)):
                out[a] = min(out[a], out[b])

    bounds(first=True)
    for c in ind.checks:
        if c.rule == "sum_eq" and all(isinstance(out.get(p), (int, float)) for p in c.params["parts"]):
            out[c.params["total"]] = sum(out[p] for p in c.params["parts"])
    bounds(first=False)
    return out


def _activities(project: Project, unit: Unit, period: Period) -> list[dict[str, Any]]:
    r = _rng(unit, period.year, f"activities-{period.kind}")
    lists = project.form.lists
    am_start, am_end = project.action_month(period.year)
    n = {"H1": r.randint(4, 14), "FY": r.randint(8, 30), "AM": r.randint(3, 8)}[period.kind]
    rows = []
    am_category = _TEXTS["action_month_category"]
    yes, no = lists["yesno"].values[:2]
    categories = [c for c in lists["categories"].values if c != am_category]
    for i in range(n):
        in_am = period.kind == "AM" or (period.kind == "FY" and am_start <= period.end and i % 5 == 0)
        if in_am:
            lo, hi = max(am_start, period.start), min(am_end, period.end)
            category = am_category if r.random() < 0.6 else r.choice(categories)
        else:
            lo, hi = period.start, min(period.end, am_start - dt.timedelta(days=1))
            category = r.choice(categories)
        start = lo + dt.timedelta(days=r.randint(0, max(0, (hi - lo).days - 2)))
        end = min(hi, start + dt.timedelta(days=r.choice([0, 0, 0, 1, 2])))
        female = r.randint(5, 180)
        male = r.randint(3, 150)
        budget = r.choice([0, 0, 1_500_000, 3_000_000, 5_000_000, 12_000_000, 20_000_000])
        row: dict[str, Any] = {
            "category": category, "title": f"{r.choice(_TITLES[category])} " + _TEXTS["batch"].format(n=i + 1),
            "start": start, "end": end, "place": unit.name if unit.kind == "commune" else project.province_name,
            "target_group": r.choice(lists["target_groups"].values), "channel": r.choice(lists["channels"].values),
            "quantity": r.randint(1, 10), "quantity_unit": _TEXTS["quantity_unit"],
            "part_t": male + female, "part_m": male, "part_f": female,
            "part_e": round((male + female) * r.uniform(0, 0.5)),
            "action_month": yes if in_am else no,
        }
        if budget:
            row["budget"] = budget
            row["source"] = r.choice(lists["budget_sources"].values)
        if r.random() < 0.5:
            row["document"] = _TEXTS["document_plan"].format(n=r.randint(1, 200), unit=unit.code)
        rows.append(row)
    return rows


def _dated(day: dt.date, period: Period, activities: list[dict[str, Any]]) -> dt.date:
    """The report date: `day`, or the last activity's start if later, so a sample file has nothing dated after it
    (activity-after-sent); the sample's late-year activities make some report dates fall after the deadline."""
    return max([day, period.start, *(a["start"] for a in activities)])


def synthesize(project: Project, unit: Unit, period: Period) -> dict[str, Any]:
    """A complete, valid submission for `unit` and `period`, in the shape `fill.fill_workbook` takes."""
    form = project.form
    share = {"H1": 0.45, "FY": 1.0, "AM": 0.2}[period.kind]
    yes_no = form.lists["yesno"].values
    yesno = (yes_no[0], yes_no[1])
    indicators: dict[str, Any] = {}
    for ind in form.indicators:
        if not ind.applies(unit.code, unit.kind, period.kind, period.year):
            continue
        for fid, value in _indicator_values(ind, unit, period, share, yesno).items():
            indicators[ind.key(fid)] = value
    if "AM_02" in {i.code for i in form.indicators} and period.kind == "AM":
        indicators["AM_02"] = 0  # replaced below by the real count of Action Month activities
    activities = _activities(project, unit, period)
    if "AM_02" in indicators:
        yes = form.lists["yesno"].values[0]
        indicators["AM_02"] = sum(1 for a in activities if a.get("action_month") == yes)
    budget: dict[str, Any] = {}
    planned_col, spent_col = (c.id for c in form.budget.columns[:2])
    for a in activities:
        if a.get("budget"):
            key = f"{a['source']}|{spent_col}"
            budget[key] = budget.get(key, 0) + a["budget"]
    for key in list(budget):
        source = key.split("|", 1)[0]
        budget[f"{source}|{planned_col}"] = round(budget[key] * 1.2, -3)
    r = _rng(unit, period.year, "info")
    people = sum(a["part_t"] for a in activities) or 1
    females = sum(a["part_f"] for a in activities)
    narrative = {k: v.format(n=len(activities), p=people, f=round(100 * females / people))
                 for k, v in _NARRATIVE.items() if k in {c.id for c in form.narrative}}
    report_day = min(period.deadline, period.end) - dt.timedelta(days=r.randint(1, 10))
    unit_info = {"reporter": r.choice(_TEXTS["reporters"]), "position": _TEXTS["position"],
                 "phone": f"0262 3{r.randint(100000, 999999)}",
                 "email": _TEXTS["email"].format(unit=unit.code.lower()),
                 "report_date": _dated(report_day, period, activities),
                 "approver": r.choice(_TEXTS["approvers"])}
    return {"unit_info": unit_info, "indicators": indicators, "activities": activities, "budget": budget,
            "narrative": narrative}
