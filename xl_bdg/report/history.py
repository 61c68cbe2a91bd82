"""The previous year: the same period a year before (2025-FY for 2026-FY), aggregated from the same ledger when it
holds files for it, so that the report can say what rose or fell and the target table has last year's column."""

from __future__ import annotations

from ..aggregation.combine import aggregate
from ..dataset import Dataset
from ..form.project import Project
from ..ledger.store import Ledger
from ..periods import Period


def previous_period(project: Project, period: Period) -> Period:
    """The same kind of period one year earlier: 2025-FY for 2026-FY, 2025-H1 for 2026-H1 (never 2026-H1 for
    2026-FY: a year against its own first half is no change)."""
    return project.period(f"{period.year - 1}-{period.kind}")


def previous_dataset(project: Project, ledger: Ledger, period: Period) -> Dataset | None:
    """Last year's dataset of the same period kind, or None when the ledger has no valid file for it."""
    prev = previous_period(project, period)
    if not ledger.accepted(prev.code):
        return None
    return aggregate(project, ledger, prev, checks=False)
