"""What an intake worker process does with a batch of uploads: check each file is for the link's unit and period,
record the rest exactly as `xl-bdg intake` does (`xl_bdg.ledger.intake`), then note what each link uploaded.

A file that declares another unit or period is refused before intake, so a link can never add a version to
another unit's submission; its bytes are kept (by hash) in the portal's `refused/` folder, so nothing received is
lost. A file that cannot be read at all is recorded by intake like any other, with its findings.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..form.project import Project, load_project
from ..ledger import Ledger, intake
from ..reading import read_submission
from .store import PortalStore, TokenRow


@dataclass(frozen=True)
class Job:
    """One received file waiting for intake."""

    path: str
    token: TokenRow
    name: str
    size: int
    ip: str | None


@dataclass(frozen=True)
class Outcome:
    """What became of one upload.

    `outcome`: recorded | superseded (recorded, replacing the unit's earlier version) | known (the same content was
    already in the ledger) | wrong_unit | wrong_period (refused before intake) | changed | unreadable | failed.
    """

    sha256: str
    outcome: str
    declared_unit: str | None = None
    declared_period: str | None = None
    errors: int | None = None
    warnings: int | None = None


_STATE: dict[str, Any] = {}


def init_worker(ledger: str, schemas: str | None, state_dir: str) -> None:
    """Open the ledger, the portal tables and the project once per worker process.

    Workers run at a lower priority than the server process: checking files can wait a little, while a page the
    office or a unit is looking at should not."""
    if hasattr(os, "nice"):
        os.nice(5)
    _STATE["project"] = load_project(Path(schemas) if schemas else None)
    _STATE["ledger"] = Ledger(Path(ledger))
    _STATE["store"] = PortalStore(Path(ledger))
    _STATE["state_dir"] = Path(state_dir)


def warm_up() -> int:
    """Load what intake needs (validation imports pandera) before the first upload waits for it."""
    from ..validation import validate_paths  # noqa: F401  (imported for its start-up cost)

    return os.getpid()


def _sha(path: str) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _keep(path: str, sha: str, folder: Path) -> None:
    """Move refused or unrecorded bytes into `folder` under their hash (never under the uploaded name)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{sha}.bin"
    if target.exists():
        os.unlink(path)
    else:
        shutil.move(path, target)


def _declared(path: str, project: Project) -> tuple[str | None, str | None, bool]:
    """(unit, period, readable) as the workbook declares them; the reader runs its safety checks first."""
    sub, _ = read_submission(Path(path), project)
    if sub is None:
        return None, None, False
    return sub.unit_code, sub.period, True


def run_batch(jobs: list[Job], received_at: dt.datetime) -> list[Outcome]:
    """Take a batch of uploads (each for its own unit and period) into the ledger; one Outcome per job."""
    project: Project = _STATE["project"]
    ledger: Ledger = _STATE["ledger"]
    store: PortalStore = _STATE["store"]
    state: Path = _STATE["state_dir"]
    out: dict[str, Outcome] = {}
    problems: dict[str, str] = {}
    by_period: dict[str, list[Job]] = {}
    for job in jobs:
        sha = _sha(job.path)
        unit, period, readable = _declared(job.path, project)
        if readable and (unit != job.token.unit_code or period != job.token.period):
            word = "wrong_unit" if unit != job.token.unit_code else "wrong_period"
            out[job.path] = Outcome(sha, word, unit, period)
            _keep(job.path, sha, state / "refused")
            continue
        out[job.path] = Outcome(sha, "pending", unit, period)
        by_period.setdefault(job.token.period, []).append(job)
    for period, group in by_period.items():
        try:
            result = intake(ledger, [Path(j.path) for j in group], project, received_at=received_at,
                            expected_period=project.period(period), workers=1)
            items = {i.path: i for i in result.items}
        except Exception as exc:  # the ledger could not be written (disk full, lock held too long): say so
            items = {}
            problems.update({j.path: f"{type(exc).__name__}: {exc}" for j in group})
        for job in group:
            before = out[job.path]
            item = items.get(job.path)
            if item is None or item.outcome in ("changed", "unreadable"):
                word = item.outcome if item is not None else "failed"
                out[job.path] = Outcome(before.sha256, word, before.declared_unit, before.declared_period)
                _keep(job.path, before.sha256, state / "unrecorded")
                continue
            rec = item.record
            word = "superseded" if item.outcome == "recorded" and item.supersedes else item.outcome
            out[job.path] = Outcome(item.sha256, word, before.declared_unit, before.declared_period,
                                    rec.errors if rec else None, rec.warnings if rec else None)
            os.unlink(job.path)  # intake archived the bytes under their hash
    with store.transaction() as conn:
        for job in jobs:
            o = out[job.path]
            store.add_upload(conn, job.token, o.sha256, job.name, job.size, received_at, o.outcome,
                             o.declared_unit, o.declared_period)
            store.audit(f"unit:{job.token.unit_code}", "upload", o.outcome, ip=job.ip, conn=conn,
                        target=f"{job.token.unit_code}/{job.token.period}", sha256=o.sha256, name=job.name,
                        size=job.size, errors=o.errors, warnings=o.warnings,
                        **({"error": problems[job.path]} if job.path in problems else {}))
    return [out[j.path] for j in jobs]
