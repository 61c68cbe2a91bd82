"""Upload links: one random-looking token per unit and period, the office can revoke and re-issue.

A token is derived from the portal's secret key (a file beside the ledger, readable by the server alone) and the
unit, period and a generation number; the ledger stores only its SHA-256. So a copy of the ledger reveals no link,
yet the office can print the links in force at any time (`xl-bdg portal links`) without keeping them anywhere.
Re-issuing bumps the generation: the old token stops working at once, the new one is different.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from ..form.project import Project
from ..periods import Period
from .store import PortalStore, TokenRow, now

_SECRET_BYTES = 32


def load_secret(path: Path) -> bytes:
    """The portal's secret key, created (random, owner-only) on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(_SECRET_BYTES) + "\n")
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


def sign(secret: bytes, *parts: str) -> str:
    """A URL-safe HMAC-SHA256 of `parts` under the secret (32 characters, 192 bits)."""
    mac = hmac.new(secret, "|".join(parts).encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:24]).decode("ascii")


def token_for(secret: bytes, unit: str, period: str, generation: int) -> str:
    """The upload token of a unit, period and generation."""
    return sign(secret, "xl-bdg upload v1", period, unit, str(generation))


def token_hash(token: str) -> str:
    """What the ledger stores for a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Link:
    """A unit's upload link for a period."""

    unit: str
    name: str
    period: str
    token: str
    url: str


class Tokens:
    """Issue, look up, revoke and re-issue upload links in a PortalStore."""

    def __init__(self, store: PortalStore, secret: bytes) -> None:
        self.store = store
        self.secret = secret

    def token(self, row: TokenRow) -> str:
        """The token of a stored link (derived again from the secret)."""
        return token_for(self.secret, row.unit_code, row.period, row.generation)

    def lookup(self, token: str) -> TokenRow | None:
        """The link of a token as presented (revoked or not); None for a token never issued."""
        if not token or len(token) > 64:
            return None
        row = self.store.token_by_hash(token_hash(token))
        # The hash found it; comparing the derived token as well guards against a key file swapped under us.
        if row is None or not hmac.compare_digest(self.token(row), token):
            return None
        return row

    def _insert(self, conn: sqlite3.Connection, unit: str, period: str, by: str) -> TokenRow:
        gen = conn.execute("SELECT COALESCE(MAX(generation), 0) + 1 FROM portal_tokens WHERE unit_code = ? AND "
                           "period = ?", (unit, period)).fetchone()[0]
        token = token_for(self.secret, unit, period, gen)
        cur = conn.execute("INSERT INTO portal_tokens (token_hash, unit_code, period, generation, issued_at, "
                           "issued_by) VALUES (?,?,?,?,?,?)", (token_hash(token), unit, period, gen,
                                                               now().isoformat(), by))
        assert cur.lastrowid is not None
        self.store.audit(by, "token.issue", "ok", target=f"{unit}/{period}", conn=conn, generation=gen)
        return TokenRow(cur.lastrowid, unit, period, gen, now().isoformat(), None)

    def issue(self, unit: str, period: str, by: str) -> TokenRow:
        """The unit's link in force for the period, issued now when it has none."""
        found = self.store.active_token(unit, period)
        if found is not None:
            return found
        with self.store.transaction() as conn:
            again = self.store.active_token(unit, period)  # another process may have issued it meanwhile
            return again or self._insert(conn, unit, period, by)

    def issue_all(self, project: Project, per: Period, by: str, units: list[str] | None = None) -> list[TokenRow]:
        """Links in force for every unit asked for the period (or those of `units`), in registry order, issued in
        one transaction where missing."""
        asked = [u.code for u in project.registry.reporting_units(per.start, per.end)]
        wanted = [c for c in asked if units is None or c in units]
        have = self.store.active_tokens(per.code)
        if any(c not in have for c in wanted):
            with self.store.transaction() as conn:
                have = self.store.active_tokens(per.code)
                for code in wanted:
                    if code not in have:
                        have[code] = self._insert(conn, code, per.code, by)
        return [have[c] for c in wanted]

    def revoke(self, unit: str, period: str, by: str) -> bool:
        """Stop the unit's link for the period from working; False when it had none in force."""
        with self.store.transaction() as conn:
            n = conn.execute("UPDATE portal_tokens SET revoked_at = ?, revoked_by = ? WHERE unit_code = ? AND "
                             "period = ? AND revoked_at IS NULL", (now().isoformat(), by, unit, period)).rowcount
            self.store.audit(by, "token.revoke", "ok" if n else "none", target=f"{unit}/{period}", conn=conn)
        return bool(n)

    def reissue(self, unit: str, period: str, by: str) -> TokenRow:
        """Revoke the unit's link for the period and issue a new one."""
        self.revoke(unit, period, by)
        with self.store.transaction() as conn:
            return self._insert(conn, unit, period, by)


def link(row: TokenRow, token: str, name: str, base_url: str) -> Link:
    """The link a unit receives: `<base>/u/<token>`."""
    return Link(unit=row.unit_code, name=name, period=row.period, token=token,
                url=f"{base_url.rstrip('/')}/u/{token}")
