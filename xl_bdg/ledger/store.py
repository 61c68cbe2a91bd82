"""The intake ledger: an SQLite file that records every workbook the office received, and an archive beside it.

Each received file is kept under its SHA-256 in the archive and recorded with its original name, size, declared unit
and period, when it was received, its validation findings and the values it holds, so that aggregation reads the
database and never the files again. Nothing is ever deleted: a newer file for the same unit and period supersedes
the older one, which stays. The archive copy is written *before* the transaction commits, so a run killed at any
point leaves either a recorded file with its copy, or an unrecorded copy that the next intake records: never a
record without its file. Concurrent runs are serialised by SQLite's write lock (WAL, BEGIN IMMEDIATE, busy timeout).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import sqlite3
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..clock import normalise_time
from ..dataset import Activity
from ..fileio import atomic_path, sha256_file
from ..findings import FileReport, Finding
from ..form.definition import Form
from ..sanitize import show_name
from ..submission import ActivityRow, CellValue, Submission
from ..text import nfc

SCHEMA_VERSION = "1"
#: Where the ledger lives unless --ledger or $XL_BDG_LEDGER says otherwise (relative to the working folder).
DEFAULT_NAME = "ledger.sqlite"
_BUSY_MS = 120_000  # a concurrent intake may hold the write lock for a batch; wait rather than fail
_ARCHIVE_SUFFIXES = {".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlt", ".ods", ".ots", ".xlsb", ".fods", ".numbers"}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    original_name TEXT NOT NULL,
    source_path TEXT,
    size INTEGER NOT NULL,
    mtime TEXT,
    archive TEXT NOT NULL,
    unit_code TEXT,
    period TEXT,
    form_version TEXT,
    received_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    readable INTEGER NOT NULL,
    errors INTEGER NOT NULL,
    warnings INTEGER NOT NULL,
    infos INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS files_unit_period ON files (period, unit_code, received_at);
CREATE TABLE IF NOT EXISTS findings (
    file_id INTEGER NOT NULL REFERENCES files (id),
    seq INTEGER NOT NULL,
    code TEXT NOT NULL,
    severity TEXT NOT NULL,
    sheet TEXT,
    cell TEXT,
    value TEXT,
    params TEXT,
    PRIMARY KEY (file_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS cells (
    file_id INTEGER NOT NULL REFERENCES files (id),
    part TEXT NOT NULL,
    key TEXT NOT NULL,
    value,
    sheet TEXT,
    cell TEXT,
    PRIMARY KEY (file_id, part, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS activities (
    file_id INTEGER NOT NULL REFERENCES files (id),
    row INTEGER NOT NULL,
    sheet TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (file_id, row)
) WITHOUT ROWID;
"""
_PARTS = ("meta", "unit_info", "indicators", "budget", "narrative")


@dataclass(frozen=True)
class FileRecord:
    """One received file as the ledger holds it."""

    id: int
    sha256: str
    original_name: str
    source_path: str | None
    size: int
    archive: str
    unit_code: str | None
    period: str | None
    form_version: str | None
    received_at: dt.datetime
    recorded_at: dt.datetime
    readable: bool
    errors: int
    warnings: int
    infos: int
    mtime: str | None = None

    @property
    def valid(self) -> bool:
        """Readable and without errors: the file may be aggregated."""
        return self.readable and self.errors == 0

    def sort_key(self) -> tuple[str, str, str]:
        """Order of versions: received first, then file time, then hash (so the order never depends on the run)."""
        return (self.received_at.isoformat(), self.mtime or "", self.sha256)


def default_ledger_path() -> Path:
    """The ledger path: $XL_BDG_LEDGER, else `ledger.sqlite` in the working folder."""
    env = os.environ.get("XL_BDG_LEDGER")
    return Path(env) if env else Path(DEFAULT_NAME)


# --- values in and out of SQLite ---------------------------------------------------------------------------------
def _to_db(value: Any) -> Any:
    """Store ints, floats and text natively (so SQL can sum them); dates as ISO text; anything else as text."""
    if value is None or (isinstance(value, (int, float, str)) and not isinstance(value, bool)):
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_to_db)


def _from_db(value: Any, ftype: str | None) -> Any:
    """Give a date-typed value its type back (the form says which values are dates)."""
    if ftype == "date" and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    return value


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _finding_value(value: Any) -> Any:
    """A finding's stored value or parameter with its date type back: JSON keeps dates as ISO text, and a message
    must say 22/11/2026 to a Vietnamese reader whether the finding is fresh or read from the ledger."""
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


class _Shared(dict[Any, Any]):
    """One object for each distinct text or date loaded (`shared[x]` is the first x seen equal to x).

    The ledger gives every row its own copies: the sheet's name, the cell address, the key and answers such as
    "Có" repeat in hundreds of thousands of rows, and a 4,000-unit period held each of them that many times
    (issue 16: ~120 MiB of the report's peak). Only str and date are shared: 1, 1.0 and True are equal keys."""

    def __missing__(self, key: Any) -> Any:
        self[key] = key
        return key

    def value(self, value: Any) -> Any:
        """`value` itself, or its shared twin when it is a text or a date."""
        return self[value] if type(value) in (str, dt.date) else value


def _column_types(form: Form) -> dict[str, dict[str, str]]:
    """Form types of every stored key, by part, so loaded values get their Python type back."""
    ind = {i.key(f.id): f.type for i in form.indicators for f in i.fields}
    return {"indicators": ind, "unit_info": {c.id: c.type for c in form.unit_info},
            "narrative": {c.id: c.type for c in form.narrative},
            "activities": {c.id: c.type for c in form.activity_columns}}


def _uri(path: Path, query: str) -> str:
    """An SQLite `file:` URI for `path` (every character that means something in a URI escaped)."""
    return f"file:{urllib.parse.quote(os.fsencode(path.resolve()))}?{query}"


def _connect_readonly(path: Path, timeout_ms: int) -> sqlite3.Connection:
    """The ledger opened for reading only (`mode=ro`): nothing is written, not even the switch to WAL.

    A WAL database read through `mode=ro` still needs its `-shm` beside it, which SQLite must be able to create:
    on read-only storage (a folder it cannot write) the ledger is opened `immutable=1` instead, read as the file
    holds it. A ledger closed cleanly holds everything (the last connection folds the -wal back into the file)."""
    if not path.is_file():
        raise sqlite3.OperationalError(f"unable to open database file: {path}")
    queries = ["mode=ro"] if os.access(path.parent, os.W_OK) else ["mode=ro", "mode=ro&immutable=1"]
    for i, query in enumerate(queries):
        conn = sqlite3.connect(_uri(path, query), uri=True, isolation_level=None, timeout=timeout_ms / 1000)
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(timeout_ms)}")
            found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'files'").fetchone()
        except sqlite3.OperationalError:
            conn.close()
            if i == len(queries) - 1:
                raise
            continue
        if not found:
            conn.close()
            raise sqlite3.DatabaseError(f"no such table: files ({path})")
        return conn
    raise AssertionError("unreachable")


# --- the ledger --------------------------------------------------------------------------------------------------
class Ledger:
    """An open ledger file and its archive folder (`<name>-archive/` beside it)."""

    def __init__(self, path: Path, *, timeout_ms: int = _BUSY_MS, readonly: bool = False) -> None:
        self.path = Path(path)
        self.archive_dir = self.path.parent / f"{self.path.stem}-archive"
        self.readonly = readonly
        if readonly:
            self.conn = _connect_readonly(self.path, timeout_ms)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: transactions are opened explicitly (BEGIN IMMEDIATE takes the write lock up front,
        # so two intakes never interleave a read-check-insert).
        self.conn = sqlite3.connect(str(self.path), isolation_level=None, timeout=timeout_ms / 1000)
        self.conn.execute(f"PRAGMA busy_timeout = {int(timeout_ms)}")
        self._wal(timeout_ms)
        self.conn.execute("PRAGMA synchronous = FULL")
        self.conn.execute("PRAGMA foreign_keys = ON")
        if self.conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'files'").fetchone():
            return  # an existing ledger: readers must not wait for the write lock a running intake holds
        with self.transaction():
            # executescript() would commit on its own; one statement at a time keeps creation inside the lock.
            for stmt in _SCHEMA.split(";"):
                if stmt.strip():
                    self.conn.execute(stmt)
            self.conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)", (SCHEMA_VERSION,))

    def _wal(self, timeout_ms: int) -> None:
        """Switch to write-ahead logging (readers never block the writer). The switch needs an exclusive lock and
        SQLite does not wait for it, so two runs opening a new ledger at once retry here rather than fail."""
        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            try:
                if self.conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    self.conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    # context management
    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the database connection."""
        self.conn.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any exception (including KeyboardInterrupt)."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # --- look-ups ----------------------------------------------------------------------------------------------
    def _records(self, where: str = "", args: tuple[Any, ...] = ()) -> list[FileRecord]:
        rows = self.conn.execute(
            "SELECT id, sha256, original_name, source_path, size, archive, unit_code, period, form_version, "
            f"received_at, recorded_at, readable, errors, warnings, infos, mtime FROM files {where}", args).fetchall()
        return [FileRecord(id=r[0], sha256=r[1], original_name=r[2], source_path=r[3], size=r[4], archive=r[5],
                           unit_code=r[6], period=r[7], form_version=r[8],
                           received_at=dt.datetime.fromisoformat(r[9]), recorded_at=dt.datetime.fromisoformat(r[10]),
                           readable=bool(r[11]), errors=r[12], warnings=r[13], infos=r[14], mtime=r[15]) for r in rows]

    def get(self, sha256: str) -> FileRecord | None:
        """The record of the file with this hash, or None."""
        found = self._records("WHERE sha256 = ?", (sha256,))
        return found[0] if found else None

    def known(self, hashes: list[str]) -> dict[str, FileRecord]:
        """Records of those hashes that the ledger already holds."""
        out: dict[str, FileRecord] = {}
        for i in range(0, len(hashes), 500):
            chunk = hashes[i:i + 500]
            marks = ",".join("?" * len(chunk))
            for rec in self._records(f"WHERE sha256 IN ({marks})", tuple(chunk)):
                out[rec.sha256] = rec
        return out

    def files(self, period: str | None = None, unit: str | None = None) -> list[FileRecord]:
        """Every recorded file (of a period, of a unit), oldest version first."""
        clauses, args = [], []
        if period is not None:
            clauses.append("period = ?")
            args.append(period)
        if unit is not None:
            clauses.append("unit_code = ?")
            args.append(unit)
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        return sorted(self._records(where, tuple(args)), key=FileRecord.sort_key)

    def versions(self, period: str) -> dict[str, list[FileRecord]]:
        """Files of a period by declared unit, oldest first (the last one is the unit's current version)."""
        out: dict[str, list[FileRecord]] = {}
        for rec in self.files(period):
            if rec.unit_code:
                out.setdefault(rec.unit_code, []).append(rec)
        return out

    def accepted(self, period: str) -> dict[str, FileRecord]:
        """Per unit, the latest version without errors: what aggregation uses."""
        out: dict[str, FileRecord] = {}
        for unit, recs in self.versions(period).items():
            valid = [r for r in recs if r.valid]
            if valid:
                out[unit] = valid[-1]
        return out

    def unattributed(self, period: str | None = None) -> list[FileRecord]:
        """Files that declare no unit (unreadable ones, mostly), optionally only those of a period or of none."""
        recs = self._records("WHERE unit_code IS NULL")
        return [r for r in recs if period is None or r.period in (None, period)]

    def findings(self, rec: FileRecord) -> list[Finding]:
        """The stored findings of a file, in the order validation gave them."""
        rows = self.conn.execute("SELECT code, severity, sheet, cell, value, params FROM findings WHERE file_id = ? "
                                 "ORDER BY seq", (rec.id,)).fetchall()
        return [Finding(code=r[0], severity=r[1], file=rec.original_name, sheet=r[2], cell=r[3],
                        value=_finding_value(json.loads(r[4])) if r[4] is not None else None,
                        params={k: _finding_value(v) for k, v in json.loads(r[5]).items()} if r[5] else {})
                for r in rows]

    def file_report(self, rec: FileRecord) -> FileReport:
        """The stored validation result of a file, as a FileReport."""
        return FileReport(file=rec.original_name, sha256=rec.sha256, unit_code=rec.unit_code, period=rec.period,
                          findings=self.findings(rec), readable=rec.readable)

    def archived(self, rec: FileRecord) -> Path:
        """The archived copy of a recorded file."""
        return self.archive_dir / rec.archive

    # --- values --------------------------------------------------------------------------------------------------
    def _chunks(self, records: list[FileRecord], sql: str) -> Iterator[tuple[Any, ...]]:
        """Rows of `sql` (with `{marks}` for the ids) for the files of `records`, 500 ids per query."""
        ids = [r.id for r in records]
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            yield from self.conn.execute(sql.format(marks=",".join("?" * len(chunk))), chunk)

    def load(self, records: list[FileRecord], form: Form, *, activities: bool = True) -> dict[str, Submission]:
        """Rebuild the Submissions of recorded files from the database (by sha256), without opening any workbook.

        `activities=False` leaves the activity rows out (aggregation reads them with activity_rows(), lighter).
        """
        types = _column_types(form)
        subs = {r.id: Submission(path=r.original_name, sha256=r.sha256) for r in records}
        shared = _Shared()
        for fid, part, key, value, sheet, cell in self._chunks(
                records, "SELECT file_id, part, key, value, sheet, cell FROM cells WHERE file_id IN ({marks})"):
            sub = subs[fid]
            key = shared[key]
            if part == "meta":
                sub.meta[key] = shared.value(value)
            elif part == "budget":
                source, col = key.split("|", 1)
                sub.budget[(shared[source], shared[col])] = CellValue(shared.value(value), shared[sheet],
                                                                      shared[cell])
            else:
                getattr(sub, part)[key] = CellValue(shared.value(_from_db(value, types[part].get(key))),
                                                    shared[sheet], shared[cell])
        if activities:
            act_types = types["activities"]
            for fid, row, sheet, data in self._chunks(records, "SELECT file_id, row, sheet, data FROM activities "
                                                               "WHERE file_id IN ({marks}) ORDER BY file_id, row"):
                sheet = shared[sheet]
                values = {shared[col]: CellValue(shared.value(_from_db(v, act_types.get(col))), sheet, shared[c])
                          for col, (v, c) in json.loads(data).items()}
                subs[fid].activities.append(ActivityRow(row=row, values=values))
        return {r.sha256: subs[r.id] for r in records}

    def activity_rows(self, records: list[FileRecord], form: Form) -> list[Activity]:
        """The activity rows of recorded files as dataset Activities (unit, values, sha256, sheet, row)."""
        dates = {c.id for c in form.activity_columns if c.type == "date"}
        by_id = {r.id: r for r in records}
        out = []
        shared = _Shared()
        for fid, row, sheet, data in self._chunks(records, "SELECT file_id, row, sheet, data FROM activities "
                                                           "WHERE file_id IN ({marks}) ORDER BY file_id, row"):
            rec = by_id[fid]
            values = {shared[col]: shared.value(_from_db(v, "date") if col in dates else v)
                      for col, (v, _) in json.loads(data).items()}
            out.append(Activity(unit=rec.unit_code or "", values=values, sha256=rec.sha256, sheet=shared[sheet],
                                row=row))
        return out

    def indicator_values(self, records: list[FileRecord]) -> dict[str, dict[str, Any]]:
        """Only the indicator values of recorded files, by sha256 then key (cheap: for history checks)."""
        out: dict[str, dict[str, Any]] = {r.sha256: {} for r in records}
        by_id = {r.id: r.sha256 for r in records}
        for fid, key, value in self._chunks(
                records, "SELECT file_id, key, value FROM cells WHERE part = 'indicators' AND file_id IN ({marks})"):
            out[by_id[fid]][key] = value
        return out

    def periods(self) -> list[str]:
        """Every period some recorded file declares."""
        return [r[0] for r in self.conn.execute("SELECT DISTINCT period FROM files WHERE period IS NOT NULL "
                                                "ORDER BY period")]

    # --- writing -------------------------------------------------------------------------------------------------
    def archive_bytes(self, data: bytes, sha256: str, name: str, *, sync: bool = True) -> str:
        """Copy received bytes into the archive under their hash; return the path relative to the archive."""
        rel = archive_copy(self.archive_dir, data, sha256, name)
        if sync:
            flush_to_disk([self.archive_dir / rel])
        return rel

    def insert(self, conn: sqlite3.Connection, item: Received) -> FileRecord | None:
        """Record one archived file inside an open transaction; None when its hash is already there (a no-op)."""
        if conn.execute("SELECT 1 FROM files WHERE sha256 = ?", (item.sha256,)).fetchone():
            return None
        rep = item.report
        errors, warnings, infos = (rep.count(s) for s in ("error", "warning", "info"))
        received, recorded = normalise_time(item.received_at), normalise_time()
        # A name that is not valid UTF-8 (bytes on Linux, held as surrogates) cannot be stored as SQLite text:
        # it is stored as shown (`\xff.xlsx`), the archive copy keeps the bytes.
        name = show_name(item.name)
        source_path = None if item.source_path is None else show_name(item.source_path)
        cur = conn.execute(
            "INSERT INTO files (sha256, original_name, source_path, size, mtime, archive, unit_code, period, "
            "form_version, received_at, recorded_at, readable, errors, warnings, infos) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (item.sha256, name, source_path, item.size, item.mtime, item.archive, item.unit_code,
             item.period, item.form_version, received.isoformat(), recorded.isoformat(), int(item.readable),
             errors, warnings, infos))
        fid = cur.lastrowid
        assert fid is not None
        conn.executemany(
            "INSERT INTO findings (file_id, seq, code, severity, sheet, cell, value, params) VALUES (?,?,?,?,?,?,?,?)",
            [(fid, i, f.code, f.severity, f.sheet, f.cell, None if f.value is None else _json(f.value),
              _json(f.params) if f.params else None) for i, f in enumerate(rep.findings)])
        conn.executemany("INSERT INTO cells (file_id, part, key, value, sheet, cell) VALUES (?,?,?,?,?,?)",
                         [(fid, *row) for row in item.cells])
        conn.executemany("INSERT INTO activities (file_id, row, sheet, data) VALUES (?,?,?,?)",
                         [(fid, *row) for row in item.activities])
        return FileRecord(id=fid, sha256=item.sha256, original_name=name, source_path=source_path,
                          size=item.size, archive=item.archive, unit_code=item.unit_code, period=item.period,
                          form_version=item.form_version, received_at=received, recorded_at=recorded,
                          readable=item.readable, errors=errors, warnings=warnings, infos=infos, mtime=item.mtime)

    def verify(self, deep: bool = False) -> list[str]:
        """Problems that would make the ledger inconsistent (empty when all is well).

        Every record must have its archived copy (with the right hash when `deep`), every child row a file, and
        SQLite's own integrity check must pass. Archived copies without a record are not a problem: they are files
        a killed run copied but did not record, and the next intake of the same file records them.
        """
        problems = [f"sqlite: {r[0]}" for r in self.conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
        for rec in self._records():
            path = self.archived(rec)
            if not path.exists():
                problems.append(f"{rec.original_name} ({rec.sha256[:12]}): archived copy missing at {path}")
            elif deep and sha256_file(path) != rec.sha256:
                problems.append(f"{rec.original_name} ({rec.sha256[:12]}): archived copy does not match its hash")
        for table in ("findings", "cells", "activities"):
            n = self.conn.execute(f"SELECT COUNT(*) FROM {table} "
                                  "WHERE file_id NOT IN (SELECT id FROM files)").fetchone()[0]
            if n:
                problems.append(f"{table}: {n} rows belong to no recorded file")
        return problems

    def unrecorded_archive(self) -> list[Path]:
        """Archived copies with no record (left by an interrupted run; intake of the same file records them)."""
        known = {r[0] for r in self.conn.execute("SELECT archive FROM files")}
        if not self.archive_dir.exists():
            return []
        return sorted(p for p in self.archive_dir.glob("*/*") if p.is_file() and not p.name.startswith(".")
                      and f"{p.parent.name}/{p.name}" not in known)


@dataclass
class Received:
    """A validated file as rows ready for the database (plain tuples, cheap to send between processes)."""

    name: str
    source_path: str | None
    sha256: str
    size: int
    mtime: str | None
    received_at: dt.datetime
    report: FileReport
    readable: bool
    unit_code: str | None = None
    period: str | None = None
    form_version: str | None = None
    cells: list[tuple[Any, ...]] = field(default_factory=list)        # (part, key, value, sheet, cell)
    activities: list[tuple[Any, ...]] = field(default_factory=list)   # (row, sheet, JSON {col: [value, cell]})
    archive: str = ""

    @classmethod
    def build(cls, *, name: str, sha256: str, size: int, report: FileReport, submission: Submission | None,
              received_at: dt.datetime, source_path: str | None = None, mtime: str | None = None) -> Received:
        """Rows of a validation result; unit and period as the report (else the workbook) declares them."""
        sub = submission
        return cls(name=nfc(name), source_path=source_path, sha256=sha256, size=size, mtime=mtime,
                   received_at=received_at, report=report, readable=sub is not None,
                   unit_code=report.unit_code or (sub.unit_code if sub else None),
                   period=report.period or (sub.period if sub else None),
                   form_version=sub.meta.get("form_version") if sub else None,
                   cells=_cell_rows(sub) if sub else [], activities=_activity_rows(sub) if sub else [])


def _cell_rows(sub: Submission) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = [("meta", k, _to_db(v), None, None) for k, v in sub.meta.items()]
    for part in ("unit_info", "indicators", "narrative"):
        rows.extend((part, k, _to_db(cv.value), cv.sheet, cv.cell) for k, cv in getattr(sub, part).items())
    rows.extend(("budget", f"{s}|{c}", _to_db(cv.value), cv.sheet, cv.cell) for (s, c), cv in sub.budget.items())
    return rows


def _activity_rows(sub: Submission) -> list[tuple[Any, ...]]:
    return [(a.row, next(iter(a.values.values())).sheet if a.values else "",
             _json({k: [_to_db(v.value), v.cell] for k, v in a.values.items()})) for a in sub.activities]


def archive_name(sha256: str, name: str) -> str:
    """Where a file sits in the archive: `ab/abcdef….xlsx` (its hash, its original kind of file)."""
    suffix = Path(name).suffix.lower()
    return f"{sha256[:2]}/{sha256}{suffix if suffix in _ARCHIVE_SUFFIXES else '.bin'}"


def archive_copy(archive_dir: Path, data: bytes, sha256: str, name: str) -> str:
    """Write received bytes into the archive under their hash through a temporary name and a rename (a copy is
    whole or absent); an intact copy already there is kept. Returns the relative path. Call flush_to_disk()
    once for a whole batch before its commit."""
    rel = archive_name(sha256, name)
    target = archive_dir / rel
    if target.exists() and target.stat().st_size == len(data) and sha256_file(target) == sha256:
        return rel
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return rel


def flush_to_disk(paths: list[Path]) -> None:
    """Make archived copies durable before the ledger commits their records, so that even a power cut never
    leaves a record without its file; one sync() per batch costs far less than an fsync per file."""
    if hasattr(os, "sync"):
        os.sync()
        return
    for path in paths:  # Windows has no sync(): flush each file
        with path.open("rb+") as fh:
            os.fsync(fh.fileno())


def open_ledger(path: Path | None = None) -> Ledger:
    """Open (creating if needed) the ledger at `path`, or at the default place."""
    return Ledger(path or default_ledger_path())

