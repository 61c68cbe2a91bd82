"""The portal's pieces without a server: links stored as hashes (issue, revoke, re-issue), argon2 accounts and
sessions, form tokens, rate limits, uploaded names, a unit's status, and the `xl-bdg portal` commands."""

from __future__ import annotations

import csv
import io
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xl_bdg.cli import app
from xl_bdg.form.project import Project
from xl_bdg.ledger import Ledger, status
from xl_bdg.portal import PortalConfig, PortalStore, Tokens, add_user, load_secret
from xl_bdg.portal.auth import check_password, csrf_ok, csrf_token, end_session, find_session, start_session
from xl_bdg.portal.config import Limit
from xl_bdg.portal.ratelimit import RateLimiter
from xl_bdg.portal.tokens import token_hash
from xl_bdg.portal.upload import safe_display_name, upload_suffix
from xl_bdg.portal.views import unit_status

PERIOD = "2026-FY"


@pytest.fixture()
def book(tmp_path: Path) -> Tokens:
    ledger = tmp_path / "ledger.sqlite"
    return Tokens(PortalStore(ledger), load_secret(PortalConfig(ledger=ledger).key_path))


def test_links_are_stored_as_hashes_and_can_be_revoked_and_reissued(book: Tokens, project: Project) -> None:
    row = book.issue("SO-YTE", PERIOD, "test")
    assert book.issue("SO-YTE", PERIOD, "test") == row  # one link in force per unit and period
    token = book.token(row)
    assert len(token) == 32 and book.lookup(token) == row
    assert book.lookup(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert book.lookup("") is None and book.lookup("x" * 500) is None
    stored = [v for t in ("portal_tokens", "portal_audit") for r in book.store.conn.execute(f"SELECT * FROM {t}")
              for v in r]
    assert token not in stored and token_hash(token) in stored  # the ledger holds only the hash

    assert book.revoke("SO-YTE", PERIOD, "test") is True
    old = book.lookup(token)
    assert old is not None and not old.active
    assert book.revoke("SO-YTE", PERIOD, "test") is False
    new = book.reissue("SO-YTE", PERIOD, "test")
    assert new.generation == row.generation + 1 and book.token(new) != token
    assert book.lookup(book.token(new)) == new and not book.lookup(token).active  # type: ignore[union-attr]
    actions = [(r.action, r.outcome) for r in book.store.audit_rows()]
    assert ("token.issue", "ok") in actions and ("token.revoke", "ok") in actions and ("token.revoke", "none") \
        in actions


def test_issue_all_gives_every_unit_asked_one_link(book: Tokens, project: Project) -> None:
    per = project.period(PERIOD)
    rows = book.issue_all(project, per, "test")
    asked = [u.code for u in project.registry.reporting_units(per.start, per.end)]
    assert [r.unit_code for r in rows] == asked
    assert book.issue_all(project, per, "test") == rows
    assert len({book.token(r) for r in rows}) == len(rows)


def test_the_secret_is_readable_by_the_server_alone(tmp_path: Path) -> None:
    path = tmp_path / "portal" / "secret.key"
    secret = load_secret(path)
    assert len(secret) == 32 and load_secret(path) == secret
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_accounts_hash_passwords_with_argon2_and_sessions_end(tmp_path: Path) -> None:
    store = PortalStore(tmp_path / "ledger.sqlite")
    assert add_user(store, "canbo", "mat-khau-dai-du") is True
    assert add_user(store, "canbo", "mot-mat-khau-khac") is False
    digest = store.conn.execute("SELECT password_hash FROM portal_users").fetchone()[0]
    assert digest.startswith("$argon2id$") and "mat-khau" not in digest
    assert check_password(store, "canbo", "mat-khau-dai-du")
    assert not check_password(store, "canbo", "sai-mat-khau-roi")
    assert not check_password(store, "khong-co", "mat-khau-dai-du")
    with pytest.raises(ValueError):
        add_user(store, "ngan", "ngan")
    sess = start_session(store, "canbo", hours=1)
    assert find_session(store, sess.id) == sess
    assert find_session(store, sess.id + "x") is None and find_session(store, None) is None
    assert find_session(store, start_session(store, "canbo", hours=-1).id) is None  # expired
    add_user(store, "canbo", "mat-khau-moi-dai-du", replace=True)  # a new password ends the old sessions
    assert find_session(store, sess.id) is None
    again = start_session(store, "canbo", hours=1)
    end_session(store, again.id)
    assert find_session(store, again.id) is None


def test_form_tokens_belong_to_their_scope() -> None:
    secret = b"k" * 32
    token = csrf_token(secret, "session:abc")
    assert csrf_ok(secret, "session:abc", token)
    assert not csrf_ok(secret, "session:abd", token)
    assert not csrf_ok(secret, "session:abc", None) and not csrf_ok(secret, "", token)


def test_a_bucket_allows_its_burst_then_refills() -> None:
    limiter = RateLimiter(Limit(burst=3, every_s=10.0))
    assert [limiter.allow("t", at=100.0)[0] for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("t", at=100.0) == (False, 10)
    assert limiter.allow("other", at=100.0)[0]
    assert limiter.allow("t", at=111.0)[0] and not limiter.allow("t", at=111.0)[0]


def test_uploaded_names_are_for_display_only() -> None:
    assert safe_display_name("../../etc/passwd") == "passwd"
    assert safe_display_name("C:\\Users\\Lan\\Báo cáo BĐG.xlsx") == "Báo cáo BĐG.xlsx"
    assert safe_display_name("a\x00b\nc.xlsx") == "abc.xlsx" and safe_display_name("") == "?"
    assert len(safe_display_name("x" * 500)) == 200
    assert upload_suffix("bao-cao.XLSM") == ".xlsm" and upload_suffix("bao-cao.pdf") == ".bin"
    assert upload_suffix("bao-cao.ods") == ".ods"


def test_a_units_status_matches_the_ledgers_status(sample, project: Project) -> None:
    per = project.period(sample.period)
    with Ledger(sample.out_dir / "ledger.sqlite") as led:
        rows = status(led, project, per)
        assert {r.unit: unit_status(led.files(per.code, r.unit), per) for r in rows} == \
            {r.unit: r.status for r in rows}
        assert {r.status for r in rows} >= {"missing", "invalid", "late", "accepted"}


# --- the commands ------------------------------------------------------------------------------------------------
def _run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), input=stdin)
    return result.exit_code, result.output


def test_portal_commands_make_accounts_write_links_and_revoke(tmp_path: Path, project: Project) -> None:
    ledger = tmp_path / "ledger.sqlite"
    code, out = _run("portal", "user", "add", "canbo", "--ledger", str(ledger), "--password-stdin",
                     stdin="mat-khau-dai-du\n")
    assert code == 0, out
    assert check_password(PortalStore(ledger), "canbo", "mat-khau-dai-du")
    assert _run("portal", "user", "add", "canbo", "--ledger", str(ledger), "--password-stdin",
                stdin="mat-khau-dai-du\n")[0] == 2  # exists: --replace to change it
    assert _run("portal", "user", "add", "b", "--ledger", str(ledger), "--password-stdin", stdin="ngan\n")[0] == 2

    target = tmp_path / "duong-dan.csv"
    code, out = _run("portal", "links", "--period", PERIOD, "--ledger", str(ledger), "--base-url",
                     "https://bdg.sonha.gov.vn/", "--csv", str(target))
    assert code == 0, out
    text = target.read_bytes().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    per = project.period(PERIOD)
    assert [r["unit"] for r in rows] == [u.code for u in project.registry.reporting_units(per.start, per.end)]
    assert rows[0]["name"] == project.registry.get(rows[0]["unit"]).name  # type: ignore[union-attr]
    assert all(r["link"].startswith("https://bdg.sonha.gov.vn/u/") for r in rows)
    code, out = _run("portal", "links", "--period", PERIOD, "--ledger", str(ledger), "--base-url",
                     "https://bdg.sonha.gov.vn")
    assert code == 0 and rows[0]["link"] in out  # printed again: the same links, derived from the secret

    first = next(r for r in rows if r["unit"] == "SO-YTE")["link"]
    code, out = _run("portal", "token", "reissue", "SO-YTE", "--period", PERIOD, "--ledger", str(ledger),
                     "--base-url", "https://bdg.sonha.gov.vn")
    assert code == 0 and "https://bdg.sonha.gov.vn/u/" in out and first not in out
    book = Tokens(PortalStore(ledger), load_secret(PortalConfig(ledger=ledger).key_path))
    assert not book.lookup(first.rsplit("/", 1)[1]).active  # type: ignore[union-attr]
    code, out = _run("portal", "token", "revoke", "SO-YTE", "--period", PERIOD, "--ledger", str(ledger))
    assert code == 0 and book.store.active_token("SO-YTE", PERIOD) is None
    assert _run("portal", "token", "revoke", "KHONG-CO", "--period", PERIOD, "--ledger", str(ledger))[0] == 2
    assert _run("portal", "links", "--period", "2026-XX", "--ledger", str(ledger))[0] == 2
    assert _run("portal", "links", "--period", PERIOD, "--ledger", str(tmp_path / "none.sqlite"))[0] == 2
