"""A sample ledger to start the portal on with one command: the sample province's season half-way through.

Most units have sent (a few with errors), while the late units, the unit that never sends and the corrected file
of the one that resubmits are left in the sample inbox, so that uploading them through their links plays the rest
of the season. Written once into a folder of its own and reused on the next start.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from pathlib import Path

from ..form.project import Project
from ..ledger import Ledger, intake
from ..periods import Period
from ..sample.demo import plan_roles, write_workbooks
from ..workbook import units_for
from .auth import add_user
from .store import PortalStore

MARKER = ".xl-bdg-portal-sample"
DEMO_USER = "vanphong"


@dataclass(frozen=True)
class Sample:
    """Where the sample ledger is, the files left to send, and the office's login."""

    ledger: Path
    inbox: Path
    period: str
    user: str
    password: str
    created: bool


def seed_sample(folder: Path, project: Project, per: Period, workers: int | None = None) -> Sample:
    """Make (or reuse) the sample ledger in `folder`; the office account gets a new random password each time."""
    ledger = folder / "ledger.sqlite"
    inbox = folder / "inbox" / per.code
    created = not (folder / MARKER).exists() or not ledger.exists()
    if created:
        folder.mkdir(parents=True, exist_ok=True)
        roles = plan_roles(units_for(project, per))
        written = write_workbooks(project, folder, [(per, roles)], workers)[per.code]
        sent = [p for unit, version, p in written if version == 1 and not roles[unit].late]
        with Ledger(ledger) as led:
            intake(led, sent, project, received_at=dt.datetime.combine(per.deadline - dt.timedelta(days=5),
                                                                       dt.time(9, 0)), workers=workers)
        (folder / MARKER).write_text("xl-bdg serve: sample ledger\n", encoding="utf-8")
    password = secrets.token_urlsafe(12)
    store = PortalStore(ledger)
    add_user(store, DEMO_USER, password, replace=True, by="serve")
    store.close()
    return Sample(ledger=ledger, inbox=inbox, period=per.code, user=DEMO_USER, password=password, created=created)
