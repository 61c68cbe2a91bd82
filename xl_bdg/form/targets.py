"""Targets (chỉ tiêu) from `schemas/targets.yaml`: the National Strategy's, QĐ 1790's and the province plan's own.

Each target says what it asks (wording, unit, direction, 2025 and 2030 values, baseline), where the figure comes from
(`measured_by`: the units' reports, the statistics office's workbook, or not tracked, with the reason) and which
form indicator measures it. `milestone(year)` is the value a year is held to; `met(value, year)` compares with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..catalogue import load_yaml
from ..errors import FormError
from ..text import nfc

#: The target sets kept apart (DOMAIN.md §7): the Strategy's (NQ 28/NQ-CP), the communication programme's
#: (QĐ 1790/QĐ-TTg) and the province plan's own. Only "strategy" counts towards the Strategy's ~20 targets.
TARGET_SETS = ("strategy", "qd1790", "province")

#: Where a target's figure comes from: the units' reports (an indicator they fill), the statistics office's workbook
#: (a figure from statistics or a survey that the statistics unit types in), or nowhere yet (`reason` says why).
MEASURED_BY = ("units", "statistics", "not_tracked")

#: The Strategy's milestone years: the 2025 values hold up to 2025, the 2030 values from 2030.
MID_YEAR = 2025
END_YEAR = 2030
#: The digits after the decimal separator a target's figure and milestone are printed with, and judged at.
PRINTED_DECIMALS = 1


@dataclass(frozen=True)
class Target:
    """One target: what it asks, by when, measured by which indicator (None when nothing measures it yet)."""

    code: str
    set: str
    goal: int | None
    label: str
    label_en: str
    unit: str
    direction: str
    baseline: float | None
    baseline_year: int | None
    t2025: float | None
    t2030: float | None
    source: str
    figure_from: str
    indicator: str | None
    measured_by: str
    reason: str = ""
    reason_en: str = ""
    wording: str = ""
    """The target's full text where it is longer than its label (which is what the report prints)."""
    wording_en: str = ""

    def milestone(self, year: int) -> float | None:
        """The value `year` is held to: the 2025 value up to 2025; after it, the straight line from the 2025 value
        (at 2025) to the 2030 value (at 2030); the 2030 value from 2030. None when the target states neither."""
        if self.t2025 is None and self.t2030 is None:
            return None
        if self.t2025 is None:  # only a 2030 value: held to it throughout (nothing says how to get there)
            return self.t2030
        if self.t2030 is None or year <= MID_YEAR:
            return self.t2025
        if year >= END_YEAR:
            return self.t2030
        # A straight path, so that a 2026 result is not judged against the 2030 value nor excused by the 2025 one.
        step = (self.t2030 - self.t2025) * (year - MID_YEAR) / (END_YEAR - MID_YEAR)
        return round(self.t2025 + step, 4)

    def met(self, value: float | None, year: int) -> bool | None:
        """Whether `value` meets this target's milestone for `year`, both taken as the report prints them (to
        `PRINTED_DECIMALS`); None when the value or the milestone is unknown."""
        goal = self.milestone(year)
        if value is None or goal is None:
            return None
        # Judged on the printed figures: 63,96 % printed "64,0" beside "≥ 64,0" and marked "not reached" reads as an
        # error to whoever signs the report, and the province reports 64,0 %, not 63,96 %.
        shown, goal = round(value, PRINTED_DECIMALS), round(goal, PRINTED_DECIMALS)
        return shown >= goal if self.direction == "ge" else shown <= goal

    @property
    def tracked(self) -> bool:
        """Whether a form indicator measures this target."""
        return self.measured_by != "not_tracked" and self.indicator is not None


def _num(raw: Any, key: str, where: str) -> float | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FormError(f"{where}: '{key}' must be a number, not {value!r}")
    return float(value)


def _target(raw: dict[str, Any], where: str, indicators: set[str]) -> Target:
    code = raw.get("code")
    if not code:
        raise FormError(f"{where}: a target needs a 'code'")
    tset = raw.get("set", "strategy")
    if tset not in TARGET_SETS:
        raise FormError(f"{where}: set must be one of {', '.join(TARGET_SETS)}, not '{tset}'")
    goal = raw.get("goal")
    if tset == "strategy" and (not isinstance(goal, int) or not 1 <= goal <= 6):
        raise FormError(f"{where}: a Strategy target needs 'goal' 1–6 (NQ 28/NQ-CP has six goals)")
    if tset != "strategy" and goal is not None:
        raise FormError(f"{where}: only Strategy targets have a 'goal'")
    if raw.get("direction") not in ("ge", "le"):
        raise FormError(f"{where}: direction must be 'ge' or 'le'")
    measured_by = raw.get("measured_by", "units")
    if measured_by not in MEASURED_BY:
        raise FormError(f"{where}: measured_by must be one of {', '.join(MEASURED_BY)}, not '{measured_by}'")
    indicator = raw.get("indicator")
    if measured_by == "not_tracked":
        if indicator is not None:
            raise FormError(f"{where}: a target that is not tracked names no indicator")
        if not raw.get("reason"):
            raise FormError(f"{where}: a target that is not tracked needs a 'reason'")
    elif indicator not in indicators:
        raise FormError(f"{where}: indicator '{indicator}' is not in form.yaml")
    baseline_year = raw.get("baseline_year")
    if baseline_year is not None and not isinstance(baseline_year, int):
        raise FormError(f"{where}: baseline_year must be a year")
    t2025, t2030 = _num(raw, "t2025", where), _num(raw, "t2030", where)
    if t2025 is None and t2030 is None:
        raise FormError(f"{where}: a target needs t2025 or t2030")
    return Target(code=code, set=tset, goal=goal, label=nfc(raw["label"]), label_en=raw.get("label_en", raw["label"]),
                  unit=raw.get("unit", ""), direction=raw["direction"], baseline=_num(raw, "baseline", where),
                  baseline_year=baseline_year, t2025=t2025, t2030=t2030, source=nfc(raw.get("source", "")),
                  figure_from=nfc(raw.get("figure_from", "")), indicator=indicator, measured_by=measured_by,
                  reason=nfc(raw.get("reason", "")), reason_en=raw.get("reason_en", raw.get("reason", "")),
                  wording=nfc(raw.get("wording", raw["label"])),
                  wording_en=raw.get("wording_en", raw.get("label_en", raw["label"])))


def load_targets(path: Path, indicators: set[str]) -> tuple[tuple[Target, ...], dict[str, str]]:
    """The targets of `targets.yaml` and each set's source document (`strategy`, and `strategy_en` for English
    documents when `sources_en` gives it); raise FormError naming a broken entry."""
    raw = load_yaml(path.read_text(encoding="utf-8")) or {}
    sources = {k: nfc(str(v)) for k, v in (raw.get("sources") or {}).items()}
    if "source" in raw:  # the older one-set file named only the Strategy's source
        sources.setdefault("strategy", nfc(raw["source"]))
    english = {k: str(v) for k, v in (raw.get("sources_en") or {}).items()}
    unknown = (set(sources) | set(english)) - set(TARGET_SETS)
    if unknown:
        raise FormError(f"targets.yaml: sources: unknown set(s) {', '.join(sorted(unknown))}")
    sources.update({f"{k}_en": v for k, v in english.items()})  # 'strategy_en': what an English document cites
    out: list[Target] = []
    seen: set[str] = set()
    for i, t in enumerate(raw.get("targets", [])):
        where = f"targets.yaml: targets[{i}] ({t.get('code', '?')})"
        target = _target(t, where, indicators)
        if target.code in seen:
            raise FormError(f"{where}: code '{target.code}' appears twice")
        seen.add(target.code)
        out.append(target)
    return tuple(out), sources
