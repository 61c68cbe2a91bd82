"""The province dataset: what aggregation produces and the report consumes. Plain dataclasses, no behaviour
beyond look-ups, so that aggregation and report are tested apart.

Scopes: a unit code (the province root, a district, or a reporting unit itself) or `kind:<unit kind>`
(all departments, all communes, …). Every aggregated figure keeps the cells it came from.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from .periods import Period


# Slots on the classes a 4,000-unit period holds by the hundred thousand (issue 16: 50 MiB less at 4,000 units).
@dataclass(frozen=True, slots=True)
class Source:
    """One cell an aggregated figure came from."""

    unit: str
    sha256: str
    file: str
    sheet: str
    cell: str
    value: Any


@dataclass(slots=True)
class Figure:
    """One aggregated value of one indicator field (or the indicator's ratio) in one scope."""

    indicator: str
    field: str | None          # None for the indicator's headline value (a ratio, a share, a pick)
    scope: str
    value: float | None
    agg: str
    numerator: float | None = None
    denominator: float | None = None
    units: int = 0             # how many units contributed
    sources: list[Source] = dataclasses.field(default_factory=list)


@dataclass
class UnitStatus:
    """Where one unit's submission for the period stands."""

    unit: str
    name: str
    kind: str
    parent: str | None
    status: str                # missing | on_time | late | invalid | accepted_with_warnings | accepted
    received_at: dt.datetime | None = None
    sha256: str | None = None
    file: str | None = None
    errors: int = 0
    warnings: int = 0
    on_time: bool | None = None
    versions: int = 0
    used_sha256: str | None = None   # the version aggregation uses: the latest one without errors (may be older)


@dataclass(slots=True)
class Activity:
    """One activity row of one unit, with its origin."""

    unit: str
    values: dict[str, Any]
    sha256: str
    sheet: str
    row: int


@dataclass(frozen=True)
class CountingNote:
    """How a total avoided counting a case twice (schemas/counting.yaml), for the report and `explain`.

    kind "parent": `unit` reported its area's territorial total, which is counted; its children's own figures
    (`units`) are kept beside it, not added. kind "children": `unit` did not report; its children (`units`) are
    added instead. kind "overlap": `unit`'s figures of `indicators` are kept in its own row, not added, because the
    designated sources (`units`: kinds or codes) count the same cases."""

    kind: str
    unit: str
    units: tuple[str, ...] = ()
    indicators: tuple[str, ...] = ()


@dataclass
class Dataset:
    """The merged data of one period."""

    period: Period
    province: str
    generated_at: dt.datetime
    figures: dict[tuple[str, str | None, str], Figure] = dataclasses.field(default_factory=dict)
    unit_values: dict[tuple[str, str], Any] = dataclasses.field(default_factory=dict)   # (unit, indicator key) → value
    activities: list[Activity] = dataclasses.field(default_factory=list)
    budget: dict[tuple[str, str, str], float] = dataclasses.field(default_factory=dict)  # (scope, source, column) → VND
    narratives: dict[str, dict[str, str]] = dataclasses.field(default_factory=dict)      # unit → narrative id → text
    statuses: list[UnitStatus] = dataclasses.field(default_factory=list)
    warnings: list[Any] = dataclasses.field(default_factory=list)                        # cross-submission findings
    # (unit, indicator key) → its cell; (unit, budget source, column) → its cell
    unit_sources: dict[tuple[str, str], Source] = dataclasses.field(default_factory=dict)
    budget_sources: dict[tuple[str, str, str], Source] = dataclasses.field(default_factory=dict)
    counting: list[CountingNote] = dataclasses.field(default_factory=list)  # what was counted once, and how

    def figure(self, indicator: str, field_id: str | None = None, scope: str | None = None) -> Figure | None:
        """The figure of an indicator (field) in a scope (default: the province)."""
        return self.figures.get((indicator, field_id, scope or self.province))

    def value(self, indicator: str, field_id: str | None = None, scope: str | None = None) -> float | None:
        """The value of `figure(...)`, or None."""
        fig = self.figure(indicator, field_id, scope)
        return fig.value if fig else None
