"""The portal's own tables, kept in the ledger's SQLite file beside the ledger's tables (prefixed `portal_`).

Office accounts (argon2 hashes), sessions (by the hash of their id), upload links (by the hash of their token),
what each link uploaded, and the audit of every action. The ledger's tables are never touched here: files are
recorded only through `xl_bdg.ledger.intake`. One connection per thread (sqlite3 objects stay in their thread);
writes take SQLite's write lock up front (BEGIN IMMEDIATE) and wait for it as the ledger does.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..ledger.store import Ledger

_BUSY_MS = 120_000
_SCHEMA = """
CREATE TABLE IF NOT EXISTS portal_users (
    username TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS portal_sessions (
    id_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    ended_at TEXT
);
CREATE TABLE IF NOT EXISTS portal_tokens (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    unit_code TEXT NOT NULL,
    period TEXT NOT NULL,
    generation INTEGER NOT NULL,
    issued_at TEXT NOT NULL,
    issued_by TEXT NOT NULL,
    revoked_at TEXT,
    revoked_by TEXT,
    UNIQUE (unit_code, period, generation)
);
CREATE TABLE IF NOT EXISTS portal_uploads (
    id INTEGER PRIMARY KEY,
    token_id INTEGER NOT NULL REFERENCES portal_tokens (id),
    unit_code TEXT NOT NULL,
    period TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_name TEXT NOT NULL,
    size INTEGER NOT NULL,
    received_at TEXT NOT NULL,
    outcome TEXT NOT NULL,
    declared_unit TEXT,
    declared_period TEXT
);
CREATE INDEX IF NOT EXISTS portal_uploads_unit ON portal_uploads (period, unit_code);
CREATE TABLE IF NOT EXISTS portal_audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT,
    outcome TEXT NOT NULL,
    ip TEXT,
    detail TEXT
);
"""


def now() -> dt.datetime:
    """Local wall-clock time to the second, as the ledger stores times."""
    return dt.datetime.now().replace(microsecond=0)


@dataclass(frozen=True)
class TokenRow:
    """One upload link as stored (the token itself is not: only its hash)."""

    id: int
    unit_code: str
    period: str
    generation: int
    issued_at: str
    revoked_at: str | None

    @property
    def active(self) -> bool:
        """Not revoked."""
        return self.revoked_at is None


@dataclass(frozen=True)
class UploadRow:
    """One file received through a link."""

    id: int
    unit_code: str
    period: str
    sha256: str
    uploaded_name: str
    size: int
    received_at: dt.datetime
    outcome: str
    declared_unit: str | None
    declared_period: str | None


@dataclass(frozen=True)
class AuditRow:
    """One audited action."""

    at: str
    actor: str
    action: str
    target: str | None
    outcome: str
    ip: str | None
    detail: dict[str, Any]


class PortalStore:
    """The portal tables of one ledger file; safe to share between threads (each gets its own connection)."""

    def __init__(self, ledger_path: Path) -> None:
        self.path = Path(ledger_path)
        Ledger(self.path).close()  # the ledger's own tables and WAL mode first, made by the ledger itself
        self._local = threading.local()
        with self.transaction() as conn:
            for stmt in _SCHEMA.split(";"):
                if stmt.strip():
                    conn.execute(stmt)

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(str(self.path), isolation_level=None, timeout=_BUSY_MS / 1000)
            conn.execute(f"PRAGMA busy_timeout = {_BUSY_MS}")
            conn.execute("PRAGMA foreign_keys = ON")
            self._local.conn = conn
        return conn

    def close(self) -> None:
        """Close this thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any exception."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # --- audit -------------------------------------------------------------------------------------------------
    def audit(self, actor: str, action: str, outcome: str, *, target: str | None = None, ip: str | None = None,
              conn: sqlite3.Connection | None = None, **detail: Any) -> None:
        """Write one action to the audit table (inside `conn`'s open transaction when given)."""
        row = (now().isoformat(), actor, action, target, outcome, ip,
               json.dumps(detail, ensure_ascii=False, default=str) if detail else None)
        sql = "INSERT INTO portal_audit (at, actor, action, target, outcome, ip, detail) VALUES (?,?,?,?,?,?,?)"
        if conn is not None:
            conn.execute(sql, row)
            return
        with self.transaction() as own:
            own.execute(sql, row)

    def audit_rows(self, limit: int = 200, action: str | None = None) -> list[AuditRow]:
        """The latest audited actions, newest first."""
        where, args = ("WHERE action = ?", (action,)) if action else ("", ())
        rows = self.conn.execute(f"SELECT at, actor, action, target, outcome, ip, detail FROM portal_audit {where} "
                                 "ORDER BY id DESC LIMIT ?", (*args, limit)).fetchall()
        return [AuditRow(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]) if r[6] else {}) for r in rows]

    # --- uploads -----------------------------------------------------------------------------------------------
    def add_upload(self, conn: sqlite3.Connection, token: TokenRow, sha256: str, name: str, size: int,
                   received_at: dt.datetime, outcome: str, declared_unit: str | None,
                   declared_period: str | None) -> None:
        """Record what a link uploaded (inside an open transaction)."""
        conn.execute("INSERT INTO portal_uploads (token_id, unit_code, period, sha256, uploaded_name, size, "
                     "received_at, outcome, declared_unit, declared_period) VALUES (?,?,?,?,?,?,?,?,?,?)",
                     (token.id, token.unit_code, token.period, sha256, name, size, received_at.isoformat(), outcome,
                      declared_unit, declared_period))

    def uploads(self, unit: str, period: str) -> list[UploadRow]:
        """Files received through the links of a unit and period, oldest first."""
        rows = self.conn.execute(
            "SELECT id, unit_code, period, sha256, uploaded_name, size, received_at, outcome, declared_unit, "
            "declared_period FROM portal_uploads WHERE unit_code = ? AND period = ? ORDER BY id", (unit, period))
        return [UploadRow(r[0], r[1], r[2], r[3], r[4], r[5], dt.datetime.fromisoformat(r[6]), r[7], r[8], r[9])
                for r in rows]

    def upload_counts(self) -> dict[str, int]:
        """How many uploads ended how (for the benchmark and the audit page)."""
        return dict(self.conn.execute("SELECT outcome, COUNT(*) FROM portal_uploads GROUP BY outcome").fetchall())

    # --- tokens ------------------------------------------------------------------------------------------------
    def _token(self, where: str, args: tuple[Any, ...]) -> TokenRow | None:
        row = self.conn.execute("SELECT id, unit_code, period, generation, issued_at, revoked_at FROM portal_tokens "
                                f"{where}", args).fetchone()
        return TokenRow(*row) if row else None

    def token_by_hash(self, token_hash: str) -> TokenRow | None:
        """The link whose token has this hash (revoked or not), or None."""
        return self._token("WHERE token_hash = ?", (token_hash,))

    def active_token(self, unit: str, period: str) -> TokenRow | None:
        """The unit's link for the period that is in force, or None."""
        return self._token("WHERE unit_code = ? AND period = ? AND revoked_at IS NULL ORDER BY generation DESC",
                           (unit, period))

    def active_tokens(self, period: str) -> dict[str, TokenRow]:
        """Every link in force for a period, by unit."""
        rows = self.conn.execute("SELECT id, unit_code, period, generation, issued_at, revoked_at FROM portal_tokens "
                                 "WHERE period = ? AND revoked_at IS NULL", (period,)).fetchall()
        return {r[1]: TokenRow(*r) for r in rows}
