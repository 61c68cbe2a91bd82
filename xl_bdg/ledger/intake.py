"""Intake of received workbooks into the ledger, and where each unit stands for a period.

intake(): read each file once, hash it, skip what the ledger already holds, validate the rest (in batches, in
parallel), archive each copy under its hash, then record the batch in one transaction. status(): per unit asked for
a period: missing, invalid, late, accepted with warnings, accepted.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import hashlib
import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..clock import normalise_time
from ..fileio import sha256_file
from ..findings import FileReport
from ..form.project import Project
from ..periods import Period
from .store import FileRecord, Ledger, Received, archive_copy, flush_to_disk

# Files per validation call: the rules' one pandera pass per sheet has a fixed cost (~0.2 s), so a call on 100
# files costs 16 ms/file and one on 10 files 25 ms/file; chunks still leave the workers enough to balance.
_MIN_CHUNK, _MAX_CHUNK = 8, 100


# --- intake ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class IntakeEvent:
    """Progress of an intake run: `stage` is read | known | archived (copied, not yet committed) | recorded."""

    stage: str
    path: Path
    done: int
    total: int


@dataclass
class IntakeItem:
    """What intake did with one file.

    `outcome`: recorded | known (same content already in the ledger: a no-op) | changed (edited while being read:
    not recorded, take it again) | unreadable (could not be read from disk: nothing was received).
    """

    path: str
    sha256: str
    outcome: str
    record: FileRecord | None
    supersedes: str | None = None   # sha256 of the version this file replaced as its unit's current one
    report: FileReport | None = None  # the validation result (stored findings for a known file)

    def to_dict(self, messages: dict[str, Any], lang: str = "vi") -> dict[str, Any]:
        """JSON-ready data for this file."""
        rec = self.record
        return {"path": self.path, "sha256": self.sha256, "outcome": self.outcome, "supersedes": self.supersedes,
                "unit_code": rec.unit_code if rec else None, "period": rec.period if rec else None,
                "received_at": rec.received_at.isoformat() if rec else None,
                "valid": rec.valid if rec else False, "errors": rec.errors if rec else None,
                "warnings": rec.warnings if rec else None,
                "findings": self.report.to_dict(messages, lang)["findings"] if self.report else []}


@dataclass
class IntakeResult:
    """All files of one intake run."""

    items: list[IntakeItem]
    received_at: dt.datetime

    @property
    def recorded(self) -> list[IntakeItem]:
        """Files newly recorded by this run."""
        return [i for i in self.items if i.outcome == "recorded"]

    @property
    def exit_code(self) -> int:
        """1 when any file of the run (new or known) has errors or could not be taken, else 0."""
        return 1 if any(i.record is None or not i.record.valid for i in self.items) else 0

    def to_dict(self, messages: dict[str, Any], lang: str = "vi") -> dict[str, Any]:
        """JSON-ready data for the run (what `intake --format json` prints)."""
        return {"received_at": self.received_at.isoformat(), "files": len(self.items),
                "recorded": len(self.recorded), "known": sum(1 for i in self.items if i.outcome == "known"),
                "with_errors": sum(1 for i in self.items if i.record is not None and not i.record.valid),
                "items": [i.to_dict(messages, lang) for i in self.items]}


# --- preparing files: read, validate, archive, turn into rows (in worker processes when there are many) ---------
_WORKER: dict[str, Any] = {}


def _worker_init(schemas: str) -> None:
    from ..form.project import load_project

    _WORKER["project"] = load_project(Path(schemas))


def _prepare(jobs: list[tuple[str, str]], project: Project | None, expected_period: Period | None, archive_dir: str,
             when: dt.datetime) -> list[tuple[str, Received | None]]:
    """Validate a chunk of files as one batch, archive each copy, and return their rows (None: file changed)."""
    from ..validation.validate import validate_paths  # late: validation imports pandera, which only intake needs

    project = project or _WORKER["project"]
    paths = [Path(p) for p, _ in jobs]
    report, subs = validate_paths(paths, project, expected_period=expected_period, workers=1)
    reports = {fr.file: fr for fr in report.files}
    out: list[tuple[str, Received | None]] = []
    for path, sha in jobs:
        try:
            data = Path(path).read_bytes()
        except OSError:
            out.append((path, None))
            continue
        sub = subs.get(path)
        if hashlib.sha256(data).hexdigest() != sha or (sub is not None and sub.sha256 and sub.sha256 != sha):
            out.append((path, None))  # edited while we read it: not recorded now, taken whole next run
            continue
        st = Path(path).stat()
        item = Received.build(name=Path(path).name, sha256=sha, size=len(data), received_at=when,
                              report=reports.get(path) or FileReport(file=path, sha256=sha), submission=sub,
                              source_path=str(Path(path).resolve()),
                              mtime=dt.datetime.fromtimestamp(st.st_mtime).isoformat(timespec="seconds"))
        item.archive = archive_copy(Path(archive_dir), data, sha, item.name)  # BEFORE the commit: nothing is lost
        out.append((path, item))
    return out


def _prepared(jobs: list[tuple[str, str]], project: Project, expected_period: Period | None, archive_dir: Path,
              when: dt.datetime, workers: int | None) -> Iterator[tuple[str, Received | None]]:
    """Prepared files as they become ready: in this process for a few files, else in a process pool.

    Workers send back plain rows, never Submission objects: pickling thousands of cell objects per file would
    cost as much as reading the file.
    """
    workers = max(1, workers if workers is not None else _cpus())
    if workers == 1 or len(jobs) < 2 * _MIN_CHUNK:
        for i in range(0, len(jobs), _MAX_CHUNK):
            yield from _prepare(jobs[i:i + _MAX_CHUNK], project, expected_period, str(archive_dir), when)
        return
    size = max(_MIN_CHUNK, min(_MAX_CHUNK, len(jobs) // (workers * 3)))
    chunks = [jobs[i:i + size] for i in range(0, len(jobs), size)]
    with cf.ProcessPoolExecutor(workers, initializer=_worker_init, initargs=(str(project.schemas_dir),)) as pool:
        futures = [pool.submit(_prepare, c, None, expected_period, str(archive_dir), when) for c in chunks]
        try:
            for fut in cf.as_completed(futures):
                yield from fut.result()
        finally:
            for fut in futures:
                fut.cancel()


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def intake(ledger: Ledger, paths: list[Path], project: Project, *, received_at: dt.datetime | None = None,
           expected_period: Period | None = None, workers: int | None = None, batch_size: int = 200,
           progress: Callable[[IntakeEvent], None] | None = None) -> IntakeResult:
    """Validate, archive and record received files and folders; files already recorded are a no-op.

    All files of one run share `received_at` (default: now), so which of two versions is current never depends on
    the order they were given in; within one run the file's modification time, then its hash, break the tie.
    Each file is copied into the archive before the transaction that records it commits (`batch_size` files per
    transaction). `progress(IntakeEvent)` is called at each stage; an exception it raises aborts the run as a
    kill would: what was committed stays, what was archived but not committed is recorded by the next run.
    """
    from ..validation.validate import expand_paths

    when = normalise_time(received_at)
    files = expand_paths(list(paths))
    order = {str(p): i for i, p in enumerate(files)}
    items: list[IntakeItem] = []
    jobs: list[tuple[str, str]] = []
    seen: set[str] = set()
    repeats: list[tuple[str, str]] = []
    done = 0

    def emit(stage: str, path: str) -> None:
        if progress is not None:
            progress(IntakeEvent(stage, Path(path), done, len(files)))

    for file in files:
        try:
            sha = sha256_file(file)
        except OSError:  # vanished or not readable by us: nothing was received, say so and go on
            items.append(IntakeItem(str(file), "", "unreadable", None))
            continue
        emit("read", str(file))
        if sha in seen:
            repeats.append((str(file), sha))
        else:
            seen.add(sha)
            jobs.append((str(file), sha))
    known = ledger.known([sha for _, sha in jobs])
    for path, sha in jobs:
        if sha in known:
            items.append(IntakeItem(path, sha, "known", known[sha], report=ledger.file_report(known[sha])))
            done += 1
            emit("known", path)
    jobs = [(p, s) for p, s in jobs if s not in known]

    batch: list[tuple[str, Received]] = []

    def commit() -> None:
        nonlocal done
        flush_to_disk([ledger.archive_dir / item.archive for _, item in batch])
        with ledger.transaction() as conn:
            for path, item in batch:
                current = _current(conn, item)
                rec = ledger.insert(conn, item)
                if rec is None:  # a concurrent run recorded the same content first
                    items.append(IntakeItem(path, item.sha256, "known", ledger.get(item.sha256), report=item.report))
                    continue
                newer = current is None or rec.sort_key() > current[1]
                items.append(IntakeItem(path, rec.sha256, "recorded", rec, report=item.report,
                                        supersedes=current[0] if current is not None and newer else None))
        for path, _ in batch:
            done += 1
            emit("recorded", path)
        batch.clear()

    hashes = dict(jobs)
    for path, item in _prepared(jobs, project, expected_period, ledger.archive_dir, when, workers):
        if item is None:
            items.append(IntakeItem(path, hashes[path], "changed", None))
            continue
        emit("archived", path)
        batch.append((path, item))
        if len(batch) >= batch_size:
            commit()
    if batch:
        commit()
    for path, sha in repeats:
        rec = ledger.get(sha)
        items.append(IntakeItem(path, sha, "known", rec, report=ledger.file_report(rec) if rec else None))
    items.sort(key=lambda i: order.get(i.path, len(order)))
    return IntakeResult(items=items, received_at=when)


def _current(conn: sqlite3.Connection, item: Received) -> tuple[str, tuple[str, str, str]] | None:
    """(sha256, sort key) of the unit's current version of the declared period, before `item` is recorded."""
    unit, period = item.unit_code, item.period
    if not unit or not period:
        return None
    rows = conn.execute("SELECT sha256, received_at, mtime FROM files WHERE unit_code = ? AND period = ?",
                        (unit, period)).fetchall()
    if not rows:
        return None
    best = max(rows, key=lambda r: (r[1], r[2] or "", r[0]))
    return best[0], (best[1], best[2] or "", best[0])
