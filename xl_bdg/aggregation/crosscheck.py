"""Checks across submissions and periods: what no single workbook can show. All are warnings (they do not block
aggregation: the office asks the unit, and the figure may well be right).

- fy-below-h1: an annual figure that accumulates (form: `cumulative`) is below the same unit's 6-month figure;
- value-outlier: a value far outside the unit's own history (same period kind, earlier years), by a robust rule;
- activity-in-two-units: the same activity (normalised title and start date) reported by two units.
"""

from __future__ import annotations

import math
import re
import statistics
from functools import lru_cache
from typing import Any

from ..dataset import Activity
from ..findings import Finding
from ..form.definition import NUMERIC_TYPES
from ..form.layout import layout_for
from ..form.project import Project
from ..ledger.store import Ledger
from ..periods import Period
from ..submission import Submission
from ..text import strip_accents

#: Past periods needed before a value can be called unusual: with fewer, any rule mostly flags normal change.
MIN_HISTORY = 3
#: How many earlier years of the same period kind count as the unit's history (work changes over a decade).
HISTORY_YEARS = 6
#: A value is an outlier when it lies further than this many spreads from the median of its history.
THRESHOLD = 4.0
_MAD_TO_SD = 1.4826  # makes the median absolute deviation comparable to a standard deviation for normal data


def spread(history: list[float], median: float) -> float:
    """The robust spread of a unit's history.

    The median absolute deviation ignores one bad past year; √median is the natural noise of a count (3 one year,
    7 the next is ordinary for small counts, where the MAD is often 0); a fifth of the median keeps large values
    (money, attendance) from being flagged for ordinary growth when the past happened to be flat, while a drop
    to nothing from a steady figure is still caught (with THRESHOLD 4 the band is ±80 % of the median).
    """
    mad = statistics.median(abs(x - median) for x in history)
    return max(_MAD_TO_SD * mad, math.sqrt(abs(median)), 0.2 * abs(median), 1.0)


def is_outlier(value: float, history: list[float]) -> tuple[bool, float, float, float]:
    """(outlier?, median, low, high) of `value` against at least MIN_HISTORY past values."""
    med = statistics.median(history)
    width = THRESHOLD * spread(history, med)
    low, high = med - width, med + width
    return (value < low or value > high), med, max(low, 0.0), high


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _numeric_fields(project: Project, period_kind: str, unit: str, kind: str) -> list[tuple[str, str]]:
    """(key, label) of every numeric value the unit reports in a period of this kind."""
    out: list[tuple[str, str]] = []
    for ind in project.form.indicators:
        if ind.applies(unit, kind, period_kind):
            out.extend((ind.key(f.id), f"{ind.code} – {f.label}") for f in ind.fields if f.type in NUMERIC_TYPES)
    return out


def below_half_year(project: Project, annual: dict[str, Submission], half: dict[str, Submission]) -> list[Finding]:
    """FY values of cumulative indicators that are below the same unit's H1 value of the same year."""
    out: list[Finding] = []
    for code in sorted(annual):
        fy, h1 = annual[code], half.get(code)
        if h1 is None:
            continue
        for ind in project.form.indicators:
            if not (ind.cumulative and "H1" in ind.periods and "FY" in ind.periods):
                continue
            for f in ind.fields:
                if f.type not in NUMERIC_TYPES or ind.field_agg(f) not in ("sum", "ratio"):
                    continue
                a, b = fy.indicators.get(ind.key(f.id)), h1.indicators.get(ind.key(f.id))
                if a is not None and b is not None and _number(a.value) and _number(b.value) and a.value < b.value:
                    out.append(Finding("fy-below-h1", "warning", fy.path, a.sheet, a.cell, a.value,
                                       {"other": b.value, "label": f"{ind.code} – {f.label}", "unit": code}))
    return out


def outliers(project: Project, period: Period, current: dict[str, Submission],
             history: dict[str, list[dict[str, Any]]]) -> list[Finding]:
    """Values far outside the unit's own history (`history[unit]`: values by key of earlier periods)."""
    out: list[Finding] = []
    for code in sorted(current):
        past = history.get(code, [])
        unit = project.registry.get(code)
        if len(past) < MIN_HISTORY or unit is None:
            continue
        sub = current[code]
        for key, label in _numeric_fields(project, period.kind, code, unit.kind):
            cv = sub.indicators.get(key)
            values = [p[key] for p in past if _number(p.get(key))]
            if cv is None or not _number(cv.value) or len(values) < MIN_HISTORY:
                continue
            flagged, med, low, high = is_outlier(cv.value, values)
            if flagged:
                out.append(Finding("value-outlier", "warning", sub.path, cv.sheet, cv.cell, cv.value,
                                   {"label": label, "unit": code, "median": med, "min": round(low),
                                    "max": round(high), "years": len(values)}))
    return out


_PUNCT = re.compile(r"[^\w]+")


@lru_cache(maxsize=1 << 16)
def normalise_title(title: str) -> str:
    """An activity title for comparison: no case, no accents, no punctuation, single spaces."""
    plain = strip_accents(title).casefold()
    return " ".join(_PUNCT.sub(" ", plain).split())


def activity_key(title: Any, start: Any) -> tuple[str, str] | None:
    """What makes two activity rows the same event: the normalised title and the start date."""
    if not isinstance(title, str) or not title.strip() or start is None:
        return None
    return normalise_title(title), str(start)


def _others(units: list[str], me: str, names: dict[str, str], limit: int = 5) -> str:
    """The other units by name (the finding is read by the office and the unit, who know no unit codes), at most
    `limit` named (an activity copied into hundreds of files must not cost n²)."""
    named = [u for u in units[:limit + 1] if u != me][:limit]
    more = len(units) - 1 - len(named)
    return ", ".join(names.get(u, u) for u in named) + (f" (+{more})" if more > 0 else "")


def activities_in_two_units(project: Project, activities: list[Activity], files: dict[str, str]) -> list[Finding]:
    """Each row of an activity that another unit reports too (same normalised title and start date).

    `files` names the file of each sha256, for the finding."""
    lay = layout_for(project.form)
    seen: dict[tuple[str, str], list[Activity]] = {}
    for act in activities:
        key = activity_key(act.values.get("title"), act.values.get("start"))
        if key is not None:
            seen.setdefault(key, []).append(act)
    out: list[Finding] = []
    names = {code: unit.name for code, unit in project.registry.units.items()}
    for rows in seen.values():
        units = sorted({a.unit for a in rows})
        if len(units) < 2:
            continue
        for act in rows:
            others = _others(units, act.unit, names)
            out.append(Finding("activity-in-two-units", "warning", files.get(act.sha256, act.sha256), act.sheet,
                               lay.activity_cell(act.row, "title"), act.values.get("title"),
                               {"other": others, "unit": act.unit, "date": act.values.get("start")}))
    return out


def cross_checks(project: Project, ledger: Ledger, period: Period, current: dict[str, Submission],
                 activities: list[Activity]) -> list[Finding]:
    """All checks across submissions and periods for the accepted submissions of `period` (by unit) and their
    activity rows."""
    out: list[Finding] = []
    if period.kind == "FY":
        h1 = f"{period.year}-H1"
        recs = {u: r for u, r in ledger.accepted(h1).items() if u in current}
        loaded = ledger.load(list(recs.values()), project.form, activities=False)
        out.extend(below_half_year(project, current, {u: loaded[r.sha256] for u, r in recs.items()}))
    history: dict[str, list[dict[str, Any]]] = {}
    earlier = [p for p in ledger.periods() if p.endswith(f"-{period.kind}") and p < period.code]
    for code in earlier[-HISTORY_YEARS:]:
        recs = {u: r for u, r in ledger.accepted(code).items() if u in current}
        values = ledger.indicator_values(list(recs.values()))
        for u, r in recs.items():
            history.setdefault(u, []).append(values[r.sha256])
    out.extend(outliers(project, period, current, history))
    out.extend(activities_in_two_units(project, activities, {s.sha256: s.path for s in current.values()}))
    return out
