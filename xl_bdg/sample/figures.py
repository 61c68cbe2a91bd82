"""The synthetic figures of one unit's indicator sheet, drawn from the ranges of `schemas/sample.yaml`.

Every value comes from data: the unit's size (its profile), the range declared per indicator field and unit kind,
and the form's own checks, which the result always meets (parts add up to their total, a numerator is at most its
denominator). Draws are seeded by unit, year and field, not by period kind, so a half-year's flows are a share of the
same year's and the annual figures are never below them. A unit that is the territorial total of its children (a
district before 1/7/2025) reports their sums.
"""

from __future__ import annotations

import math
import random
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..catalogue import read_yaml
from ..errors import FormError
from ..form.definition import Form, Indicator
from ..form.project import DEFAULT_SCHEMAS, Project
from ..form.registry import Unit
from ..periods import Period

SAMPLE_FILE = "sample.yaml"


def sample_config(project: Project) -> dict[str, Any]:
    """The synthetic season's configuration: the project's `sample.yaml`, else the embedded sample province's."""
    path = project.schemas_dir / SAMPLE_FILE
    return _read(path if path.exists() else DEFAULT_SCHEMAS / SAMPLE_FILE)


@lru_cache(maxsize=8)
def _read(path: Path) -> dict[str, Any]:
    conf = read_yaml(path)
    if not isinstance(conf, dict) or not isinstance(conf.get("figures"), dict):
        raise FormError(f"{SAMPLE_FILE}: needs `figures` (ranges per indicator field)")
    return conf


def rng(unit: Unit, year: int, salt: str, seed: int = 0) -> random.Random:
    """A generator seeded by unit, year, purpose and the season's seed: the same inputs give the same draws."""
    text = f"{unit.code}|{year}|{salt}" + (f"|{seed}" if seed else "")
    return random.Random(zlib.crc32(text.encode()))


def spec_for(conf: dict[str, Any], key: str, unit: Unit) -> Any:
    """The declared spec of field `key` for `unit` (by unit code, then kind, then `all`), or None."""
    entry = conf["figures"].get(key)
    if not isinstance(entry, dict):
        return None
    for name in (unit.code, unit.kind, "all"):
        if name in entry:
            return entry[name]
    return None


def profile(conf: dict[str, Any], unit: Unit, year: int, seed: int = 0) -> dict[str, float]:
    """The unit's sizes (population, staff, ethnic share): drawn once per unit, the same every year."""
    r = rng(unit, 0, "profile", seed)
    sizes = (conf.get("profiles") or {}).get(unit.kind) or {}
    out: dict[str, float] = {}
    for name, (lo, hi) in sorted(sizes.items()):
        out[name] = r.uniform(lo, hi) if isinstance(lo, float) or isinstance(hi, float) else r.randint(lo, hi)
    return out


@dataclass
class _Draw:
    """Draws the annual figures of one unit and year, each field once, resolving `per` references on demand."""

    project: Project
    conf: dict[str, Any]
    unit: Unit
    period: Period
    seed: int
    sizes: dict[str, float]
    fields: dict[str, tuple[Indicator, Any]]  # key → (indicator, Field) of the fields this unit reports
    activities_am: int
    yesno: tuple[str, str]

    def __post_init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.busy: set[str] = set()

    def base(self, name: str) -> float:
        if name in self.sizes:
            return float(self.sizes[name])
        if name in self.fields:
            value = self.value(name)
            return float(value) if isinstance(value, (int, float)) else 0.0
        return 0.0  # a size or field this unit does not have: nothing to scale

    def default(self, ind: Indicator, f: Any, r: random.Random) -> Any:
        """A field with no declared range: its share of a bigger field when a check ties them, else by type."""
        d = self.conf.get("defaults") or {}
        key = ind.key(f.id)
        if f.typical is not None:  # the form's own plausible range (content indicators carry one)
            return r.uniform(*f.typical)
        for check in ind.checks:
            p = check.params
            bigger = None
            if check.rule == "le" and p.get("a") == f.id:
                bigger = p.get("b")
            elif check.rule == "sum_eq" and f.id in p.get("parts", [])[1:]:
                bigger = p.get("total")
            if bigger and ind.key(bigger) in self.fields and ind.key(bigger) != key:
                return self.base(ind.key(bigger)) * r.uniform(*d.get("share", [0.3, 0.9]))
        if ind.numerator == f.id and ind.denominator:
            return self.base(ind.key(ind.denominator)) * r.uniform(*d.get("share", [0.3, 0.9]))
        spec = d.get(f.type, [0, 10])
        if isinstance(spec, dict):
            value = r.uniform(*spec["range"])
            step = spec.get("round")
            return round(value / step) * step if step else value
        return r.uniform(*spec) if f.type in ("number", "percent") else r.randint(*spec)

    def draw(self, ind: Indicator, f: Any, spec: Any, r: random.Random) -> Any:
        if f.type == "yesno":
            p = spec.get("yes_share") if isinstance(spec, dict) else None
            p = (self.conf.get("defaults") or {}).get("yes_share", 0.85) if p is None else p
            return self.yesno[0] if r.random() < p else self.yesno[1]
        if spec is None:
            return self.default(ind, f, r)
        if isinstance(spec, list):
            lo, hi = spec
            return r.uniform(lo, hi) if f.type in ("number", "percent") else r.randint(int(lo), int(hi))
        if "registry" in spec:
            kinds = set(spec["registry"])
            units = self.project.registry.reporting_units(self.period.start, self.period.end)
            return sum(1 for u in units if u.kind in kinds)
        if "activities" in spec:
            return self.activities_am
        per = spec["per"] if isinstance(spec["per"], list) else [spec["per"]]
        value = math.prod(self.base(name) for name in per) * r.uniform(*spec["range"])
        step = spec.get("round")
        return round(value / step) * step if step else value

    def value(self, key: str) -> Any:
        if key in self.values:
            return self.values[key]
        if key in self.busy:
            raise FormError(f"{SAMPLE_FILE}: figures: {key} refers to itself through `per`")
        self.busy.add(key)
        ind, f = self.fields[key]
        r = rng(self.unit, self.period.year, key, self.seed)
        if f.type == "text":
            value: Any = None  # written by the caller (document references are words, in synthetic.yaml)
        elif f.until is not None and self.period.start > f.until:
            value = 0  # a part that no longer exists (the district level after 30/6/2025)
        else:
            value = self.draw(ind, f, spec_for(self.conf, key, self.unit), r)
            if f.type in ("count",):
                value = max(0, round(value))
            elif f.type == "money":
                value = max(0, round(value, -3))
            elif isinstance(value, float):
                value = round(value, 1)
        self.busy.discard(key)
        self.values[key] = value
        return value


def _flow(ind: Indicator, f: Any) -> bool:
    """Whether a field accumulates over the period (a flow), so a shorter period holds a share of the year's."""
    return ind.cumulative and ind.field_agg(f) not in ("stock", "pick", "share", None) and f.type != "percent"


def _scaled(value: float, share: float, kind: str, r: random.Random) -> float:
    """A flow of a shorter period: `share` of the year's. A count is rounded up or down at random in proportion,
    so small counts (one inspection a year) keep their share on average instead of all rounding to 0."""
    x = value * share
    if kind == "count":
        low = math.floor(x)
        return low + (1 if r.random() < x - low else 0)
    return round(x, -3 if kind == "money" else 1)


def meet_checks(ind: Indicator, out: dict[str, Any]) -> None:
    """Make the values of one indicator meet its checks in place: a total is the sum of its parts, a smaller part
    is at most its bigger (female ≤ total, numerator ≤ denominator, handled ≤ detected)."""
    def num(fid: str) -> float | None:
        value = out.get(ind.key(fid))
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    for _ in range(len(ind.checks) + 1):  # a total may be a part or a bound of another: settle until stable
        before = dict(out)
        for check in ind.checks:
            p = check.params
            if check.rule == "sum_eq":
                parts = [num(x) for x in p["parts"]]
                if all(v is not None for v in parts) and num(p["total"]) is not None:
                    out[ind.key(p["total"])] = sum(v for v in parts if v is not None)
        for check in ind.checks:
            p = check.params
            if check.rule == "le":
                a, b = num(p["a"]), num(p["b"])
                if a is not None and b is not None and a > b:
                    out[ind.key(p["a"])] = b
        if out == before:
            break


def meet_cross_checks(form: Form, out: dict[str, Any]) -> None:
    """Make the values meet the form's checks across indicators in place (women elected ≤ women candidates): the
    bigger side is kept and the smaller lowered to it, then the lowered indicator's own checks are met again."""
    def num(key: str) -> float | None:
        value = out.get(key)
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    for _ in range(len(form.cross_checks) + 1):
        before = dict(out)
        for check in form.cross_checks:  # only `le` crosses indicators (definition.py refuses the others)
            a, b = num(check.params["a"]), num(check.params["b"])
            if a is not None and b is not None and a > b:
                out[check.params["a"]] = b
                meet_checks(form.indicator(check.params["a"].split(".")[0]), out)
        if out == before:
            break


def _remainders(ind: Indicator, draw: _Draw, conf: dict[str, Any], unit: Unit) -> set[str]:
    """Parts with no declared range that are what remains of their total (M = T − F): drawn last, by subtraction."""
    out: set[str] = set()
    for check in ind.checks:
        if check.rule != "sum_eq":
            continue
        parts = check.params["parts"]
        free = [x for x in parts if spec_for(conf, ind.key(x), unit) is None and ind.key(x) in draw.fields]
        if len(free) == 1 and spec_for(conf, ind.key(check.params["total"]), unit) is not None:
            out.add(free[0])
    return out


def _own_figures(project: Project, conf: dict[str, Any], unit: Unit, period: Period, seed: int,
                 activities_am: int, yesno: tuple[str, str]) -> dict[str, Any]:
    form = project.form
    applies = [ind for ind in form.indicators if ind.applies(unit.code, unit.kind, period.kind, period.year)]
    fields = {ind.key(f.id): (ind, f) for ind in applies for f in ind.fields}
    draw = _Draw(project, conf, unit, period, seed, profile(conf, unit, period.year, seed), fields,
                 activities_am, yesno)
    share = float((conf.get("shares") or {}).get(period.kind, 1.0))
    out: dict[str, Any] = {}
    for ind in applies:
        rest = _remainders(ind, draw, conf, unit)
        for f in ind.fields:
            if f.id in rest:
                continue
            value = draw.value(ind.key(f.id))
            if value is not None and _flow(ind, f) and spec_for(conf, ind.key(f.id), unit) != {
                    "activities": "action_month"}:
                value = _scaled(value, share, f.type, rng(unit, period.year, f"{ind.key(f.id)}|{period.kind}", seed))
            out[ind.key(f.id)] = value
        for check in ind.checks:  # the remaining part of a breakdown: total − the others
            if check.rule == "sum_eq" and set(check.params["parts"]) & rest:
                total = out.get(ind.key(check.params["total"])) or 0
                missing = next(x for x in check.params["parts"] if x in rest)
                given = sum(out.get(ind.key(x)) or 0 for x in check.params["parts"] if x != missing)
                out[ind.key(missing)] = max(0, total - given)
        meet_checks(ind, out)
    meet_cross_checks(form, out)
    return out


def indicator_figures(project: Project, unit: Unit, period: Period, *, seed: int = 0,
                      activities_am: int = 0) -> dict[str, Any]:
    """The unit's indicator values for `period`, by field key; text fields are None (the caller words them).

    A unit of a `territorial` kind reports, for every field its children report, the sum of their figures.
    """
    conf = sample_config(project)
    yes_no = project.form.lists["yesno"].values
    yesno = (yes_no[0], yes_no[1])
    out = _own_figures(project, conf, unit, period, seed, activities_am, yesno)
    if unit.kind not in (conf.get("territorial") or []):
        return out
    children = [project.registry.get(c) for c in project.registry.children(unit.code, period.end)]
    sums: dict[str, float] = {}
    reported: set[str] = set()
    for child in children:
        if child is None:
            continue
        for key, value in indicator_figures(project, child, period, seed=seed).items():
            if key in out and isinstance(value, (int, float)) and not isinstance(value, bool):
                sums[key] = sums.get(key, 0) + value
                reported.add(key)
    for ind in project.form.indicators:
        keys = {ind.key(f.id) for f in ind.fields}
        for f in ind.fields:
            key = ind.key(f.id)
            own = spec_for(conf, key, unit)
            if isinstance(own, dict) and "activities" in own:
                continue  # counted from the unit's own activity table
            if key in reported and ind.field_agg(f) in ("sum", "ratio", "stock") and f.type != "percent":
                out[key] = round(sums[key], 1) if f.type == "number" else round(sums[key])
        if keys & reported:
            meet_checks(ind, out)
    meet_cross_checks(project.form, out)
    return out


__all__ = ["indicator_figures", "meet_checks", "meet_cross_checks", "profile", "rng", "sample_config", "spec_for"]
