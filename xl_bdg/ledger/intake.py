"""Intake of received workbooks into the ledger, and where each unit stands for a period.

intake(): read each file once, hash it, skip what the ledger already holds, validate the rest (in chunks, in
isolated children), archive each copy under its hash, then record each batch in one transaction (one per file when
the database refuses a file's rows). status(): per unit asked for a period: missing, invalid, late, accepted with
warnings, accepted.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import sqlite3
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..clock import normalise_time
from ..fileio import sha256_file
from ..findings import FileReport, Finding
from ..form.project import Project
from ..periods import Period
from ..submission import Submission
from .store import FileRecord, Ledger, Received, archive_copy, flush_to_disk

if TYPE_CHECKING:  # validation imports pandera: at run time only intake() needs it, so it is imported there
    from ..validation.isolation import Failure, Mark

# Files per validation call: the rules' one pandera pass per sheet has a fixed cost (~0.2 s), so a call on 100
# files costs 16 ms/file and one on 10 files 25 ms/file.
_MAX_CHUNK = 100


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
    not recorded, take it again) | unreadable (could not be read from disk: nothing was received) | refused (a
    link leading outside its folder or nowhere, or not a regular file: neither read nor archived).
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


# --- preparing files: read and validate in isolated children, archive and record here -------------------------
def _rows(jobs: list[tuple[str, str]], mark: Mark, project: Project, expected_period: Period | None,
          when: dt.datetime) -> list[Received | None]:
    """In a child: validate a chunk of files as one batch and turn each into rows (None: the file changed while it
    was read). Only rows come back, never Submission objects: the parent holds no file's cells."""
    from ..validation.validate import check_files  # late: validation imports pandera, which only intake needs

    results = check_files([p for p, _ in jobs], project, expected_period, mark)
    return [_received(path, sha, report, sub, when) for (path, sha), (report, sub) in zip(jobs, results, strict=True)]


def _received(path: str, sha: str, report: FileReport, sub: Submission | None,
              when: dt.datetime) -> Received | None:
    if sub is not None and sub.sha256 and sub.sha256 != sha:
        return None  # edited between the hash and the read: not recorded now, taken whole next run
    try:
        st = Path(path).stat()
    except OSError:
        return None
    return Received.build(name=Path(path).name, sha256=sha, size=st.st_size, received_at=when, report=report,
                          submission=sub, source_path=str(Path(path).resolve()),
                          mtime=dt.datetime.fromtimestamp(st.st_mtime).isoformat(timespec="seconds"))


def _prepared(jobs: list[tuple[str, str]], project: Project, expected_period: Period | None, archive_dir: Path,
              when: dt.datetime, workers: int | None) -> Iterator[tuple[str, Received | None]]:
    """Files validated and archived, as they become ready. Reading and checking run in children where a crash, an
    abort or a time-out of one file becomes its finding (`reader-crashed`, `too-slow`): that file is still
    recorded, as unreadable. The copy into the archive is made here, from the bytes whose hash was taken."""
    from ..validation.isolation import run_isolated
    from ..validation.validate import chunk_size, failure_report, file_timeout

    workers = max(1, workers if workers is not None else _cpus())

    def work(chunk: list[tuple[str, str]], mark: Mark) -> list[Received | None]:
        return _rows(chunk, mark, project, expected_period, when)

    def failed(job: tuple[str, str], why: Failure) -> Received | None:
        return _received(job[0], job[1], failure_report(job[0], why), None, when)

    size = min(chunk_size(len(jobs), workers), _MAX_CHUNK)
    results = run_isolated(jobs, work, failed, workers=min(workers, len(jobs) or 1), chunk=size,
                           timeout=file_timeout())
    try:
        for k, item in results:
            path, sha = jobs[k]
            if item is None:
                yield path, None
                continue
            try:
                data = Path(path).read_bytes()
            except OSError:
                yield path, None
                continue
            if hashlib.sha256(data).hexdigest() != sha:
                yield path, None  # edited while we read it: not recorded now, taken whole next run
                continue
            item.archive = archive_copy(archive_dir, data, sha, item.name)  # BEFORE the commit: nothing is lost
            yield path, item
    finally:
        close = getattr(results, "close", None)
        if close is not None:
            close()  # stop the children now, also when the run is aborted


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
    from ..validation.validate import list_inputs, refusal_report

    when = normalise_time(received_at)
    inputs = list_inputs(list(paths))
    files = [i.path for i in inputs]
    order = {str(p): i for i, p in enumerate(files)}
    items: list[IntakeItem] = []
    jobs: list[tuple[str, str]] = []
    seen: set[str] = set()
    repeats: list[tuple[str, str]] = []
    done = 0

    def emit(stage: str, path: str) -> None:
        if progress is not None:
            progress(IntakeEvent(stage, Path(path), done, len(files)))

    for entry in inputs:
        file = entry.path
        if entry.refusal is not None:  # a link out of the folder, or to nowhere: neither read nor archived
            items.append(IntakeItem(str(file), "", "refused", None, report=refusal_report(entry, project)))
            continue
        try:
            if not stat.S_ISREG(file.stat().st_mode):  # a FIFO or /dev/zero would hang the hash
                items.append(IntakeItem(str(file), "", "refused", None,
                                        report=_not_regular(file, project)))
                continue
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

    def record(conn: sqlite3.Connection, path: str, item: Received) -> IntakeItem:
        current = _current(conn, item)
        rec = ledger.insert(conn, item)
        if rec is None:  # a concurrent run recorded the same content first
            return IntakeItem(path, item.sha256, "known", ledger.get(item.sha256), report=item.report)
        newer = current is None or rec.sort_key() > current[1]
        return IntakeItem(path, rec.sha256, "recorded", rec, report=item.report,
                          supersedes=current[0] if current is not None and newer else None)

    def commit() -> None:
        nonlocal done
        flush_to_disk([ledger.archive_dir / item.archive for _, item in batch])
        try:
            with ledger.transaction() as conn:
                made = [record(conn, path, item) for path, item in batch]
        except _ROW_ERRORS:
            # One file's rows the database refuses must not roll back the others: one transaction per file, and
            # a file whose rows are still refused is recorded without them, as unreadable, saying why.
            made = [_record_alone(ledger, record, path, item) for path, item in batch]
        items.extend(made)
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


# What the database raises for a row it cannot store (a value out of range, a type it cannot bind, a constraint):
# the file's fault, not the disk's. OperationalError (disk full, locked, read-only) is not among them.
_ROW_ERRORS = (OverflowError, ValueError, TypeError, sqlite3.InterfaceError, sqlite3.IntegrityError,
               sqlite3.DataError, sqlite3.ProgrammingError)


def _record_alone(ledger: Ledger, record: Callable[[sqlite3.Connection, str, Received], IntakeItem], path: str,
                  item: Received) -> IntakeItem:
    """Record one file in its own transaction; if its rows are refused, record it without them."""
    try:
        with ledger.transaction() as conn:
            return record(conn, path, item)
    except _ROW_ERRORS as exc:
        bare = dataclasses.replace(
            item, readable=False, cells=[], activities=[],
            report=dataclasses.replace(item.report, findings=[*item.report.findings, Finding(
                "record-failed", "error", path, value=f"{type(exc).__name__}: {exc}"[:300])]))
        with ledger.transaction() as conn:
            return record(conn, path, bare)


def _not_regular(path: Path, project: Project) -> FileReport:
    """The report of a path that is not a regular file (the reader's own check says what it is)."""
    from ..reading.safety import inspect_file

    return FileReport(file=str(path), sha256=None, unit_code=None, period=None,
                      findings=inspect_file(path, project.form).findings)


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
