"""Office accounts and sessions: argon2 password hashes, a random session id in an HttpOnly cookie (the ledger keeps
only its hash), and CSRF tokens derived from the session so that every form posts proof it came from our page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from .store import PortalStore, now
from .tokens import sign

_HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified when the user does not exist, so a wrong name takes as long as a wrong password.
_DUMMY = _HASHER.hash(secrets.token_hex(16))
MIN_PASSWORD = 10


@dataclass(frozen=True)
class Session:
    """A logged-in office user."""

    id: str
    username: str
    expires_at: dt.datetime


def _hash_id(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("ascii", "replace")).hexdigest()


def add_user(store: PortalStore, username: str, password: str, *, replace: bool = False, by: str = "cli") -> bool:
    """Create an office account (or set a new password with `replace`); False when it exists and not `replace`."""
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"password shorter than {MIN_PASSWORD} characters")
    digest = _HASHER.hash(password)
    with store.transaction() as conn:
        exists = conn.execute("SELECT 1 FROM portal_users WHERE username = ?", (username,)).fetchone()
        if exists and not replace:
            return False
        conn.execute("INSERT INTO portal_users (username, password_hash, created_at) VALUES (?,?,?) "
                     "ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash, disabled = 0",
                     (username, digest, now().isoformat()))
        if exists:  # a new password ends the sessions opened with the old one
            conn.execute("UPDATE portal_sessions SET ended_at = ? WHERE username = ? AND ended_at IS NULL",
                         (now().isoformat(), username))
        store.audit(by, "user.password" if exists else "user.add", "ok", target=username, conn=conn)
    return True


def users(store: PortalStore) -> list[str]:
    """Names of the office accounts."""
    return [r[0] for r in store.conn.execute("SELECT username FROM portal_users WHERE disabled = 0 ORDER BY 1")]


def check_password(store: PortalStore, username: str, password: str) -> bool:
    """Whether the account exists, is enabled and `password` is its password (rehashing an old-parameter hash)."""
    row = store.conn.execute("SELECT password_hash FROM portal_users WHERE username = ? AND disabled = 0",
                             (username,)).fetchone()
    try:
        _HASHER.verify(row[0] if row else _DUMMY, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    if row is None:
        return False
    if _HASHER.check_needs_rehash(row[0]):
        with store.transaction() as conn:
            conn.execute("UPDATE portal_users SET password_hash = ? WHERE username = ?",
                         (_HASHER.hash(password), username))
    return True


def start_session(store: PortalStore, username: str, hours: float) -> Session:
    """Open a session for a user who just proved their password."""
    session_id = secrets.token_urlsafe(32)
    start = now()
    expires = start + dt.timedelta(hours=hours)
    with store.transaction() as conn:
        conn.execute("INSERT INTO portal_sessions (id_hash, username, created_at, expires_at) VALUES (?,?,?,?)",
                     (_hash_id(session_id), username, start.isoformat(), expires.isoformat()))
    return Session(session_id, username, expires)


def find_session(store: PortalStore, session_id: str | None) -> Session | None:
    """The session of a cookie, when it exists, has not ended or expired, and its user is still enabled."""
    if not session_id or len(session_id) > 100:
        return None
    row = store.conn.execute(
        "SELECT s.username, s.expires_at FROM portal_sessions s JOIN portal_users u ON u.username = s.username "
        "WHERE s.id_hash = ? AND s.ended_at IS NULL AND u.disabled = 0", (_hash_id(session_id),)).fetchone()
    if row is None:
        return None
    expires = dt.datetime.fromisoformat(row[1])
    return Session(session_id, row[0], expires) if expires > now() else None


def end_session(store: PortalStore, session_id: str) -> None:
    """Log out: the session id stops working."""
    with store.transaction() as conn:
        conn.execute("UPDATE portal_sessions SET ended_at = ? WHERE id_hash = ?", (now().isoformat(),
                                                                                   _hash_id(session_id)))


def csrf_token(secret: bytes, scope: str) -> str:
    """The form token of a scope (a session id, an upload link, the login form's cookie)."""
    return sign(secret, "xl-bdg csrf v1", scope)


def csrf_ok(secret: bytes, scope: str, given: str | None) -> bool:
    """Whether a posted form token belongs to `scope` (compared in constant time)."""
    return bool(given) and bool(scope) and hmac.compare_digest(csrf_token(secret, scope), str(given))
