"""Merge the accepted submissions of a period into the province dataset, following each indicator's rule.

Rules come from the form definition (form.Indicator.agg, field_agg, numerator/denominator/scale, pick_from):
- sum: add the units' values; stock: add across units (one period at a time, so never across periods);
- ratio: add numerators and denominators separately, divide at the end (never average the units' percentages);
- share: units answering yes over units that answered; pick: the value of the designated unit.

Every figure exists per scope: each reporting unit itself, every level above it on the period's last day
(commune → district for old years → province), each unit kind (`kind:commune`), and the province (registry root).
Each figure lists the cells it came from (dataset.Source).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..clock import normalise_time
from ..dataset import Activity, Dataset, Figure, Source, UnitStatus
from ..findings import Finding
from ..form.definition import Indicator
from ..form.project import Project
from ..ledger.status import status
from ..ledger.store import Ledger
from ..periods import Period
from ..submission import Submission
from .crosscheck import cross_checks
from .once import area_below_parts, overlap_notes, overlap_scopes, territorial_scopes

#: A ratio without `scale` in the form is a percentage, as the national targets are stated; a form `scale` gives
#: another base (HEA_01: boys per 100 girls; a rate per 100,000 would say 100000).
PERCENT = 100.0


def ratio_scale(ind: Indicator) -> float:
    """The factor a ratio indicator's Σnumerator/Σdenominator is multiplied by."""
    return ind.scale if ind.scale is not None else PERCENT


def is_number(value: Any) -> bool:
    """A value that can be added (bool is not, though Python says it is an int)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class _Acc:
    """Running totals of one figure."""

    __slots__ = ("den", "num", "sources", "total", "units")

    def __init__(self) -> None:
        self.total: float = 0
        self.num: float = 0
        self.den: float = 0
        self.units = 0
        self.sources: list[Source] = []


@dataclass(frozen=True)
class _Slot:
    """One value a unit of some kind reports: indicator, field, key in the workbook, rule."""

    ind: Indicator
    fid: str
    key: str
    rule: str | None


class _Builder:
    def __init__(self, project: Project, period: Period) -> None:
        self.project = project
        self.period = period
        self.root = project.registry.root
        self.yes = project.form.lists["yesno"].values[0] if "yesno" in project.form.lists else None
        self.accs: dict[tuple[str, str | None, str], _Acc] = {}
        self.inds = [i for i in project.form.indicators if i.asked(period.kind, period.year)]
        # Indicators that name units (not kinds) in applies_to make those units' plans their own.
        self.named = {name for i in self.inds for name in i.applies_to}
        self.plans: dict[tuple[str, str], list[tuple[Indicator, list[_Slot]]]] = {}
        self.heads: dict[str, str] = {}  # indicator → the field whose figure is also its headline
        for ind in self.inds:
            numeric = [f for f in ind.fields if ind.field_agg(f) is not None]
            if ind.agg == "share":
                head = next((f for f in numeric if ind.field_agg(f) == "share"), None)
                if head is not None:
                    self.heads[ind.code] = head.id
            elif ind.agg != "ratio" and len(ind.fields) == 1 and numeric:
                self.heads[ind.code] = numeric[0].id
        # A unit's own figures are made directly (most scopes are single units: no running totals needed),
        # except for units others roll up into (a district in old years), whose scope is the area's total.
        self.direct: dict[tuple[str, str | None, str], Figure] = {}
        self.inner: set[str] = set()
        self.counting = project.counting
        self.aside: dict[str, set[str]] = {}  # unit → overlapping indicators whose figures stayed in its own row

    def own(self, code: str, scope: str, fid: str | None, fig: Figure) -> None:
        """A unit's own figure, and the indicator's headline when this field is it."""
        self.direct[(code, fid, scope)] = fig
        if fid is not None and self.heads.get(code) == fid:
            self.direct[(code, None, scope)] = Figure(code, None, scope, fig.value, fig.agg, fig.numerator,
                                                      fig.denominator, fig.units, fig.sources)

    def plan(self, code: str, kind: str) -> list[tuple[Indicator, list[_Slot]]]:
        """What a unit of this code and kind reports in the period (cached per kind)."""
        key = (code if code in self.named else "", kind)
        if key not in self.plans:
            # A value in a cell that does not apply to the unit is not counted (validation warns about it).
            self.plans[key] = [(ind, [_Slot(ind, f.id, ind.key(f.id), ind.field_agg(f)) for f in ind.fields])
                               for ind in self.inds if ind.applies(code, kind, self.period.kind, self.period.year)]
        return self.plans[key]

    def add(self, code: str, fid: str | None, scopes: Iterable[str], value: float, sources: list[Source],
            num: float = 0, den: float = 0) -> None:
        accs = self.accs
        for scope in scopes:
            acc = accs.get((code, fid, scope))
            if acc is None:
                acc = accs[(code, fid, scope)] = _Acc()
            acc.total += value
            acc.num += num
            acc.den += den
            acc.units += 1
            acc.sources.extend(sources)

    def unit(self, code: str, kind: str, sub: Submission, ds: Dataset, scopes: list[str]) -> None:
        """Add one unit's indicator values to every scope it belongs to (`scopes`: see once.territorial_scopes)."""
        direct = code not in self.inner
        every = scopes[1:] if direct else scopes
        values, sources = ds.unit_values, ds.unit_sources
        for ind, slots in self.plan(code, kind):
            up = overlap_scopes(self.counting, ind.code, code, kind, every)
            if up is not every and any(getattr(sub.indicators.get(s.key), "value", None) is not None
                                        for s in slots):
                self.aside.setdefault(code, set()).add(ind.code)
            cells: dict[str, tuple[Any, Source]] = {}
            for slot in slots:
                cv = sub.indicators.get(slot.key)
                if cv is None or cv.value is None:
                    continue
                value = cv.value
                src = Source(code, sub.sha256, sub.path, cv.sheet, cv.cell, value)
                at = (code, slot.key)  # one key tuple for both maps
                values[at] = value
                sources[at] = src
                cells[slot.fid] = (value, src)
                rule, number = slot.rule, type(value) in (int, float)
                if rule == "share":
                    if isinstance(value, str) and value.strip():
                        yes = int(value.strip() == self.yes)
                        self.add(ind.code, slot.fid, up, 0, [src], num=yes, den=1)
                        if direct:
                            self.own(ind.code, code, slot.fid, Figure(ind.code, slot.fid, code, PERCENT * yes,
                                                                      "share", yes, 1, 1, [src]))
                elif rule in ("sum", "stock", "ratio"):
                    if number:
                        self.add(ind.code, slot.fid, up, value, [src])
                        if direct:
                            agg = "sum" if rule == "ratio" else rule
                            self.own(ind.code, code, slot.fid, Figure(ind.code, slot.fid, code, value, agg,
                                                                      units=1, sources=[src]))
                elif rule == "pick" and number and code == ind.pick_from:
                    self.add(ind.code, slot.fid, (code, self.root), value, [src])
            if ind.agg == "ratio" and ind.numerator in cells and ind.denominator in cells:
                (n, ns), (d, dsrc) = cells[ind.numerator], cells[ind.denominator]
                if is_number(n) and is_number(d):
                    self.add(ind.code, None, up, 0, [ns, dsrc], num=n, den=d)
                    if direct:
                        self.own(ind.code, code, None, Figure(ind.code, None, code,
                                                              n / d * ratio_scale(ind) if d else None, "ratio",
                                                              n, d, 1, [ns, dsrc]))

    def figures(self) -> dict[tuple[str, str | None, str], Figure]:
        """Turn running totals into figures, with a headline (field None) where the indicator has one."""
        out: dict[tuple[str, str | None, str], Figure] = dict(self.direct)
        inds = {i.code: i for i in self.inds}
        heads = self.heads
        for ind in self.inds:
            for f in ind.fields:
                if ind.field_agg(f) is not None:
                    self.accs.setdefault((ind.code, f.id, self.root), _Acc())  # the province has every figure
            if ind.agg == "ratio":
                self.accs.setdefault((ind.code, None, self.root), _Acc())
        rules = {(i.code, f.id): i.field_agg(f) for i in inds.values() for f in i.fields}
        for (code, fid, scope), acc in self.accs.items():
            if fid is None:  # ratio headline
                ind = inds[code]
                value = acc.num / acc.den * ratio_scale(ind) if acc.den else None
                out[(code, None, scope)] = Figure(code, None, scope, value, "ratio", acc.num, acc.den, acc.units,
                                                  acc.sources)
                continue
            rule = rules[(code, fid)]
            if rule == "share":
                value = PERCENT * acc.num / acc.den if acc.den else None
                fig = Figure(code, fid, scope, value, "share", acc.num, acc.den, acc.units, acc.sources)
            else:
                agg = "sum" if rule == "ratio" else rule  # the parts of a ratio are plain sums
                fig = Figure(code, fid, scope, acc.total if acc.units else None, agg or "sum", units=acc.units,
                             sources=acc.sources)
            out[(code, fid, scope)] = fig
            if heads.get(code) == fid:
                out[(code, None, scope)] = Figure(code, None, scope, fig.value, fig.agg, fig.numerator,
                                                  fig.denominator, fig.units, fig.sources)
        return out


def combine(project: Project, per: Period, submissions: dict[str, Submission],
            statuses: Iterable[UnitStatus] = (), generated_at: dt.datetime | None = None,
            activities: list[Activity] | None = None) -> Dataset:
    """The dataset of a period from one accepted submission per unit code (pure: no ledger, no files).

    `activities`, when given, replace the submissions' own activity rows (the ledger hands them over lighter).
    """
    reg = project.registry
    ds = Dataset(period=per, province=reg.root, generated_at=normalise_time(generated_at),
                 statuses=list(statuses))
    builder = _Builder(project, per)
    # Territorial totals: a district's report is its communes' total, so one or the other goes up, never both.
    counted, ds.counting = territorial_scopes(reg, project.counting, per, set(submissions))
    builder.inner = {a for mine in counted.values() for a in mine[2:]}
    sources = set(project.form.lists[project.form.budget.rows_list].values)
    act_sheet = project.form.sheet_title("activities")
    for code in sorted(submissions):
        unit = reg.get(code)
        if unit is None:
            continue  # validation already reported an unknown unit as an error; nothing to merge
        sub = submissions[code]
        scopes = counted[code]
        builder.unit(code, unit.kind, sub, ds, scopes)
        for (source, col), cv in sub.budget.items():
            if source in sources and is_number(cv.value):
                ds.budget_sources[(code, source, col)] = Source(code, sub.sha256, sub.path, cv.sheet, cv.cell,
                                                                cv.value)
                for scope in scopes:
                    key = (scope, source, col)
                    ds.budget[key] = ds.budget.get(key, 0) + cv.value
        for row in sub.activities if activities is None else ():
            sheet = next((cv.sheet for cv in row.values.values()), act_sheet)
            ds.activities.append(Activity(unit=code, values={k: cv.value for k, cv in row.values.items()},
                                          sha256=sub.sha256, sheet=sheet, row=row.row))
        texts = {k: cv.value for k, cv in sub.narrative.items() if isinstance(cv.value, str) and cv.value.strip()}
        if texts:
            ds.narratives[code] = texts
    if activities is not None:
        ds.activities = sorted((a for a in activities if a.unit in submissions), key=lambda a: (a.unit, a.row))
    ds.figures = builder.figures()
    ds.counting += overlap_notes(project.counting, builder.aside)
    return ds


def aggregate(project: Project, ledger: Ledger, per: Period, *, checks: bool = True) -> Dataset:
    """The province dataset of a period from the ledger: the latest valid version of each unit asked for it."""
    with _gc_paused():
        return _aggregate(project, ledger, per, checks)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Aggregation allocates millions of small objects and frees almost none: the cyclic collector would scan
    them again and again for nothing (a third of the run time on 4,000 units). Reference counting still frees."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _aggregate(project: Project, ledger: Ledger, per: Period, checks: bool) -> Dataset:
    statuses = status(ledger, project, per)
    asked = {s.unit for s in statuses}
    records = {u: r for u, r in ledger.accepted(per.code).items() if u in asked}
    subs = ledger.load(list(records.values()), project.form, activities=False)
    by_unit = {u: subs[r.sha256] for u, r in records.items()}
    ds = combine(project, per, by_unit, statuses, activities=ledger.activity_rows(list(records.values()), project.form))
    ds.warnings.extend(older_versions(statuses))
    if checks:
        ds.warnings.extend(cross_checks(project, ledger, per, by_unit, ds.activities))
        ds.warnings.extend(area_below_parts(project, per, ds.counting, by_unit))
    return ds


def older_versions(statuses: Iterable[UnitStatus]) -> list[Finding]:
    """A warning for each unit whose latest file has errors while an older valid version is aggregated."""
    return [Finding(code="older-version-used", severity="warning", file=s.file or "", value=s.unit,
                    params={"unit": s.unit, "name": s.name})
            for s in statuses if s.used_sha256 and s.used_sha256 != s.sha256]
