"""Compare with what was sent before: two versions of one unit's submission, or this period and the same period
last year, figure by figure, with the cell of each figure on both sides.

The versions come from the ledger (every file ever received is kept, oldest first); a period's "used" version is the
one aggregation takes (the latest without errors), else the latest. Indicator values are compared by their key
(COMM_06.F), budget values by source and column, so a change of form layout between two years still lines up; the
cells shown are each file's own. Numbers compare as numbers (12 and 12.0 are the same figure).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ..form.project import Project
from ..ledger.store import FileRecord, Ledger
from ..periods import Period
from ..submission import CellValue, Submission
from .mapping import budget_key

STATUSES = ("changed", "added", "removed", "same")


class DiffError(LookupError):
    """Nothing to compare: `kind` is no_file (the unit sent nothing for the period) or version (a hash prefix does
    not name exactly one version); `params` fill the message."""

    def __init__(self, kind: str, **params: Any) -> None:
        super().__init__(f"{kind}: {params}")
        self.kind = kind
        self.params = params


@dataclass(frozen=True)
class Change:
    """One figure on both sides."""

    key: str
    label: str
    label_en: str
    before: Any
    after: Any
    before_cell: str
    after_cell: str
    status: str

    @property
    def delta(self) -> float | None:
        """after − before when both are numbers."""
        if _number(self.before) and _number(self.after):
            return float(self.after) - float(self.before)
        return None


@dataclass(frozen=True)
class Side:
    """One version: its period, file, hash, when it was received and how many errors it had."""

    period: str
    sha256: str
    file: str
    received_at: dt.datetime
    errors: int


@dataclass
class Diff:
    """What changed for one unit between two versions."""

    unit: str
    name: str
    before: Side | None
    after: Side | None
    changes: list[Change] = field(default_factory=list)

    def changed(self) -> list[Change]:
        """The figures that differ (changed, added or removed)."""
        return [c for c in self.changes if c.status != "same"]

    def to_dict(self, *, all_figures: bool = False) -> dict[str, Any]:
        """JSON-ready data (what `xl-bdg diff --format json` prints)."""
        def side(s: Side | None) -> dict[str, Any] | None:
            return None if s is None else {"period": s.period, "sha256": s.sha256, "file": s.file,
                                           "received_at": s.received_at.isoformat(), "errors": s.errors}

        return {"unit": self.unit, "name": self.name, "before": side(self.before), "after": side(self.after),
                "changes": [{"key": c.key, "label": c.label, "status": c.status, "before": _plain(c.before),
                             "after": _plain(c.after), "delta": c.delta, "before_cell": c.before_cell,
                             "after_cell": c.after_cell}
                            for c in (self.changes if all_figures else self.changed())]}


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


def _same(a: Any, b: Any) -> bool:
    if _number(a) and _number(b):
        return float(a) == float(b)
    return a == b


def _labels(project: Project) -> list[tuple[str, str, str]]:
    """(key, label, label_en) of every figure of the form, in the form's order."""
    form = project.form
    out = []
    for ind in form.indicators:
        for f in ind.fields:
            one = len(ind.fields) == 1
            out.append((ind.key(f.id), ind.label if one else f"{ind.label} – {f.label}",
                        ind.label_en if one else f"{ind.label_en} – {f.label_en}"))
    sources = form.lists[form.budget.rows_list]
    for src, src_en in zip(sources.values, sources.values_en, strict=True):
        for col in form.budget.columns:
            out.append((budget_key(form.budget.code, src, col.id), f"{form.budget.label} – {src} – {col.label}",
                        f"{form.budget.label_en} – {src_en} – {col.label_en}"))
    return out


def _cells(project: Project, sub: Submission | None) -> dict[str, CellValue]:
    if sub is None:
        return {}
    out = {k: v for k, v in sub.indicators.items() if v.value is not None}
    out.update({budget_key(project.form.budget.code, s, c): v for (s, c), v in sub.budget.items()
                if v.value is not None})
    return out


def compare(project: Project, before: Submission | None, after: Submission | None) -> list[Change]:
    """Every figure of the form that either side has, in the form's order, with its status."""
    old, new = _cells(project, before), _cells(project, after)
    out = []
    for key, label, label_en in _labels(project):
        a, b = old.get(key), new.get(key)
        if a is None and b is None:
            continue
        status = "added" if a is None else "removed" if b is None else "same" if _same(a.value, b.value) \
            else "changed"
        out.append(Change(key, label, label_en, a.value if a else None, b.value if b else None,
                          a.where if a else "", b.where if b else "", status))
    return out


def _side(rec: FileRecord) -> Side:
    return Side(str(rec.period), rec.sha256, rec.original_name, rec.received_at, rec.errors)


def _pick(records: list[FileRecord], prefix: str | None, what: str) -> FileRecord | None:
    if prefix is None:
        return None
    found = [r for r in records if r.sha256.startswith(prefix.lower())]
    if len(found) != 1:
        raise DiffError("version", which=what, prefix=prefix, n=len(found))
    return found[0]


def _diff(project: Project, ledger: Ledger, unit: str, before: FileRecord | None, after: FileRecord | None) -> Diff:
    recs = [r for r in (before, after) if r is not None]
    subs = ledger.load(recs, project.form, activities=False) if recs else {}
    reg = project.registry.get(unit)
    return Diff(unit, reg.name if reg else unit, _side(before) if before else None, _side(after) if after else None,
                compare(project, subs.get(before.sha256) if before else None,
                        subs.get(after.sha256) if after else None))


def diff_versions(project: Project, ledger: Ledger, unit: str, period: Period, *, before: str | None = None,
                  after: str | None = None) -> Diff:
    """Two versions of one unit's submission for a period (hash prefixes; by default the latest and the one before
    it). DiffError when the unit sent nothing or a prefix does not name exactly one version."""
    records = ledger.files(period.code, unit)
    if not records:
        raise DiffError("no_file", unit=unit, period=period.code)
    new = _pick(records, after, "after") or records[-1]
    old = _pick(records, before, "before")
    if old is None and before is None:
        earlier = [r for r in records if r.sort_key() < new.sort_key()]
        old = earlier[-1] if earlier else None
    return _diff(project, ledger, unit, old, new)


def used_version(ledger: Ledger, unit: str, period: str) -> FileRecord | None:
    """The version aggregation uses (the latest without errors), else the latest, else None."""
    records = ledger.files(period, unit)
    valid = [r for r in records if r.valid]
    return valid[-1] if valid else (records[-1] if records else None)


def diff_years(project: Project, ledger: Ledger, unit: str, period: Period) -> Diff:
    """The unit's used version of `period` against that of the same period a year earlier."""
    now = used_version(ledger, unit, period.code)
    if now is None:
        raise DiffError("no_file", unit=unit, period=period.code)
    return _diff(project, ledger, unit, used_version(ledger, unit, f"{period.year - 1}-{period.kind}"), now)
