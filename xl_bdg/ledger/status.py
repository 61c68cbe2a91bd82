"""Where each unit asked for a period stands: missing, invalid, late, accepted with warnings, accepted."""

from __future__ import annotations

from ..dataset import UnitStatus
from ..form.project import Project
from ..periods import Period
from .store import Ledger

#: Status words, in the order a status table sorts them. Timeliness is also kept apart in UnitStatus.on_time.
STATUSES = ("missing", "invalid", "late", "accepted_with_warnings", "accepted")


def status(ledger: Ledger, project: Project, per: Period) -> list[UnitStatus]:
    """Where each unit asked for the period stands, in registry order.

    missing: nothing received; invalid: the latest version has errors; late: the latest version (the one that
    counts) was received after the deadline (the deadline day itself is on time); accepted_with_warnings; accepted.
    """
    versions = ledger.versions(per.code)
    out: list[UnitStatus] = []
    for unit in project.registry.reporting_units(per.start, per.end):
        recs = versions.get(unit.code, [])
        parent = project.registry.parent_on(unit.code, per.end)
        if not recs:
            out.append(UnitStatus(unit=unit.code, name=unit.name, kind=unit.kind, parent=parent, status="missing"))
            continue
        latest = recs[-1]
        used = next((r for r in reversed(recs) if r.valid), None)
        on_time = latest.received_at.date() <= per.deadline
        if not latest.valid:
            word = "invalid"
        elif not on_time:
            word = "late"
        else:
            word = "accepted_with_warnings" if latest.warnings else "accepted"
        out.append(UnitStatus(unit=unit.code, name=unit.name, kind=unit.kind, parent=parent, status=word,
                              received_at=latest.received_at, sha256=latest.sha256, file=latest.original_name,
                              errors=latest.errors, warnings=latest.warnings, on_time=on_time, versions=len(recs),
                              used_sha256=used.sha256 if used else None))
    return out
