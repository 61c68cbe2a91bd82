"""The office's pages, behind a login: the season's grid, each unit's history and link, the units still missing
with their links, the report and letters, the audit log. Every form posts the session's CSRF token."""

from __future__ import annotations

import csv
import datetime as dt
import io
import secrets
from collections.abc import Callable
from urllib.parse import quote, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from ..catalogue import words
from ..ledger import STATUSES, status
from ..periods import Period
from ..workbook import workbook_name
from .auth import Session, check_password, csrf_ok, csrf_token, end_session, find_session, start_session
from .documents import KINDS
from .routes_unit import _attachment, annotated_response
from .tokens import link
from .views import day, default_period, file_view, filter_rows, summary, versions, when
from .web import Portal, client_ip, lang_of, message, page, page_base, portal_of

SESSION, SECURE_SESSION, LOGIN = "xl_session", "__Host-xl_session", "xl_login"
#: The grid shows this many units a page (a province has up to a few thousand communes: filter, or turn pages).
ROWS_PER_PAGE = 300


def _secure(request: Request) -> bool:
    return portal_of(request).config.secure_cookies or request.url.scheme == "https"


def _session(request: Request) -> Session | None:
    portal = portal_of(request)
    return find_session(portal.store, request.cookies.get(SECURE_SESSION) or request.cookies.get(SESSION))


def _period(request: Request, portal: Portal, value: str | None = None) -> Period:
    """The period asked for (query or form), else the default one."""
    text = value or request.query_params.get("period") or portal.config.period
    try:
        if text:
            return portal.project.period(text)
    except Exception:  # a period written wrong: show the default rather than an error
        pass
    return default_period(portal.project, portal.ledger(), dt.date.today())


def _base_url(request: Request, portal: Portal) -> str:
    return portal.config.base_url or str(request.base_url).rstrip("/")


def office(handler: Callable[[Request, Session], Response]) -> Callable[[Request], Response]:
    """A page that needs the login: no session → the login page, then back here."""

    def wrapped(request: Request) -> Response:
        sess = _session(request)
        if sess is None:
            nxt = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/office/login?next={quote(nxt)}", status_code=303)
        return handler(request, sess)

    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped


def _csrf_refused(request: Request, actor: str) -> Response:
    portal = portal_of(request)
    portal.store.audit(actor, "csrf.refused", "refused", target=request.url.path, ip=client_ip(request))
    return message(request, "refused.title", words(lang_of(request))("portal.refused.csrf"), 403, back="/office",
                   office=True)


async def _form(request: Request) -> dict[str, str]:
    form = await request.form(max_files=0, max_fields=20, max_part_size=4096)
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _base(request: Request, sess: Session, title_key: str, per: Period | None = None, **kw: object) -> object:
    portal = portal_of(request)
    return page_base(request, title_key, user=sess.username, office=True, period=per.code if per else "",
                     csrf=csrf_token(portal.tokens.secret, "session:" + sess.id), **kw)


# --- login ---------------------------------------------------------------------------------------------------------
def login_page(request: Request, failed: bool = False, status_code: int = 200) -> Response:
    """The login form; a cookie-bound token proves the post came from it (there is no session yet)."""
    portal = portal_of(request)
    nonce = request.cookies.get(LOGIN) or secrets.token_urlsafe(24)
    nxt = request.query_params.get("next", "/office")
    ctx = {"base": page_base(request, "office.login"), "csrf": csrf_token(portal.tokens.secret, "login:" + nonce),
           "next": nxt if nxt.startswith("/office") else "/office", "failed": failed,
           "needed": "next" in request.query_params}
    resp = page(request, "login", ctx, status_code)
    resp.set_cookie(LOGIN, nonce, httponly=True, samesite="strict", secure=_secure(request), max_age=3600)
    return resp


async def login(request: Request) -> Response:
    """Check the password (rate-limited per address and per name), open a session, go where the user was going."""
    portal, ip = portal_of(request), client_ip(request) or "?"
    form = await _form(request)
    user, nxt = form.get("username", "").strip()[:100], form.get("next", "/office")
    if not csrf_ok(portal.tokens.secret, "login:" + request.cookies.get(LOGIN, ""), form.get("csrf")):
        return await run_in_threadpool(_csrf_refused, request, f"login:{user}")
    for key in (f"login-ip:{ip}", f"login-user:{user}"):
        allowed, wait = portal.logins.allow(key)
        if not allowed:
            await run_in_threadpool(portal.store.audit, f"login:{user}", "login", "rate", ip=ip)
            return message(request, "refused.title", words(lang_of(request))("portal.refused.rate", seconds=wait),
                           429, back="/office/login", headers={"Retry-After": str(wait)})
    ok = await run_in_threadpool(check_password, portal.store, user, form.get("password", ""))
    await run_in_threadpool(portal.store.audit, f"login:{user}", "login", "ok" if ok else "failed", ip=ip)
    if not ok:
        return await run_in_threadpool(login_page, request, True, 401)
    sess = await run_in_threadpool(start_session, portal.store, user, portal.config.session_hours)
    resp = RedirectResponse(nxt if nxt.startswith("/office") else "/office", status_code=303)
    secure = _secure(request)
    resp.set_cookie(SECURE_SESSION if secure else SESSION, sess.id, httponly=True, samesite="lax", secure=secure,
                    max_age=int(portal.config.session_hours * 3600))
    resp.delete_cookie(LOGIN)
    return resp


async def logout(request: Request) -> Response:
    """End the session."""
    portal, sess = portal_of(request), await run_in_threadpool(_session, request)
    form = await _form(request)
    if sess is None or not csrf_ok(portal.tokens.secret, "session:" + sess.id, form.get("csrf")):
        return await run_in_threadpool(_csrf_refused, request, f"office:{sess.username if sess else '?'}")
    await run_in_threadpool(end_session, portal.store, sess.id)
    await run_in_threadpool(portal.store.audit, f"office:{sess.username}", "logout", "ok", ip=client_ip(request))
    resp = RedirectResponse("/office/login", status_code=303)
    resp.delete_cookie(SESSION)
    resp.delete_cookie(SECURE_SESSION)
    return resp


# --- pages ---------------------------------------------------------------------------------------------------------
@office
def grid(request: Request, sess: Session) -> Response:
    """The season's status grid, filterable, with completeness and timeliness."""
    portal, lang = portal_of(request), lang_of(request)
    per = _period(request, portal)
    rows = status(portal.ledger(), portal.project, per)
    q = request.query_params
    want_status = q.get("status", "") if q.get("status", "") in STATUSES else ""
    kinds = sorted({r.kind for r in rows})
    want_kind = q.get("kind", "") if q.get("kind", "") in kinds else ""
    shown = filter_rows(rows, want_status, want_kind, q.get("q", "")[:100])
    pages = max(1, -(-len(shown) // ROWS_PER_PAGE))
    at = min(pages, max(1, int(q.get("page", "1")) if q.get("page", "1").isdigit() else 1))
    here = {k: v for k, v in (("period", per.code), ("status", want_status), ("kind", want_kind),
                              ("q", q.get("q", "")[:100])) if v}
    ctx = {"base": _base(request, sess, "office.title", per), "period": per, "period_title": per.title(lang),
           "deadline": day(per.deadline), "summary": summary(rows, lang), "total": len(rows), "matched": len(shown),
           "rows": shown[(at - 1) * ROWS_PER_PAGE: at * ROWS_PER_PAGE], "page": at, "pages": pages,
           "page_url": lambda n: "/office?" + urlencode({**here, "page": n}),
           "statuses": STATUSES, "kinds": kinds, "want_status": want_status, "want_kind": want_kind,
           "want_text": q.get("q", "")[:100], "when": when, "periods": _periods(portal, per)}
    return page(request, "grid", ctx)


def _periods(portal: Portal, per: Period) -> list[str]:
    """Periods to pick from: those the ledger holds, this year's and last year's, and the one shown."""
    year = dt.date.today().year
    codes = set(portal.ledger().periods()) | {f"{y}-{k}" for y in (year - 1, year) for k in ("H1", "FY", "AM")}
    return sorted(codes | {per.code})


@office
def unit_page(request: Request, sess: Session) -> Response:
    """One unit's versions with their findings, and its upload link (issue, revoke, re-issue)."""
    portal, lang = portal_of(request), lang_of(request)
    per = _period(request, portal)
    unit = portal.project.registry.get(request.path_params["code"])
    if unit is None:
        return message(request, "error.title", words(lang)("portal.error.not_found"), 404, back="/office",
                       office=True)
    row = portal.store.active_token(unit.code, per.code)
    url = link(row, portal.tokens.token(row), unit.name, _base_url(request, portal)).url if row else None
    done = request.query_params.get("done", "")
    ctx = {"base": _base(request, sess, "office.title", per), "unit": unit, "period": per,
           "versions": versions(portal.ledger(), portal.store, unit.code, per.code), "link": url,
           "done": done if done in ("revoked", "reissued", "issued") else ""}
    return page(request, "office_unit", ctx)


async def link_action(request: Request) -> Response:
    """Issue, revoke or re-issue a unit's link (POST with the session's CSRF token)."""
    portal, sess = portal_of(request), await run_in_threadpool(_session, request)
    if sess is None:
        return RedirectResponse("/office/login", status_code=303)
    form = await _form(request)
    if not csrf_ok(portal.tokens.secret, "session:" + sess.id, form.get("csrf")):
        return await run_in_threadpool(_csrf_refused, request, f"office:{sess.username}")
    per = await run_in_threadpool(_period, request, portal, form.get("period"))
    unit, action, who = request.path_params["code"], form.get("action", ""), f"office:{sess.username}"
    if portal.project.registry.get(unit) is None or action not in ("issue", "revoke", "reissue"):
        return message(request, "error.title", words(lang_of(request))("portal.error.not_found"), 404, office=True)
    do = {"issue": portal.tokens.issue, "revoke": portal.tokens.revoke, "reissue": portal.tokens.reissue}[action]
    await run_in_threadpool(do, unit, per.code, who)
    done = {"issue": "issued", "revoke": "revoked", "reissue": "reissued"}[action]
    return RedirectResponse(f"/office/unit/{unit}?period={per.code}&done={done}", status_code=303)


@office
def office_file(request: Request, sess: Session) -> Response:
    """Any recorded file's findings, for the office."""
    portal, lang = portal_of(request), lang_of(request)
    rec = portal.ledger().get(request.path_params["sha"])
    if rec is None:
        return message(request, "error.title", words(lang)("portal.error.not_found"), 404, back="/office",
                       office=True)
    per = _period(request, portal, rec.period)
    unit = portal.project.registry.get(rec.unit_code or request.query_params.get("unit", ""))
    code = unit.code if unit else ""
    view = file_view(portal.project, portal.ledger(), portal.store, per, code, rec.sha256, lang)
    base_path = f"/office/file/{rec.sha256}"
    ctx = {"base": _base(request, sess, "file.title", per), "unit": unit, "period_title": per.title(lang),
           "view": view, "back": f"/office/unit/{code}?period={per.code}" if code else "/office", "again": None,
           "annotated_url": f"{base_path}/annotated", "office_links": {"original": f"{base_path}/original"}}
    return page(request, "file", ctx)


@office
def office_annotated(request: Request, sess: Session) -> Response:
    """The annotated copy of any recorded file."""
    portal = portal_of(request)
    rec = portal.ledger().get(request.path_params["sha"])
    if rec is None:
        return message(request, "error.title", words(lang_of(request))("portal.error.not_found"), 404, office=True)
    return annotated_response(request, rec.sha256, rec.unit_code or "unknown", rec.period or "unknown",
                              f"office:{sess.username}")


@office
def office_original(request: Request, sess: Session) -> Response:
    """The file exactly as received (from the archive), named after its unit and period."""
    portal = portal_of(request)
    rec = portal.ledger().get(request.path_params["sha"])
    if rec is None:
        return message(request, "error.title", words(lang_of(request))("portal.error.not_found"), 404, office=True)
    portal.store.audit(f"office:{sess.username}", "download.original", "ok", target=rec.unit_code,
                       sha256=rec.sha256, ip=client_ip(request))
    name = workbook_name(rec.period or "unknown", rec.unit_code or rec.sha256[:12])
    suffix = portal.ledger().archived(rec).suffix
    return _attachment(portal.ledger().archived(rec).read_bytes(), name.replace(".xlsx", suffix),
                       "application/octet-stream")


def _missing_links(request: Request, portal: Portal, per: Period, by: str) -> list[tuple[str, str, str]]:
    """(code, name, link) of the units that have sent nothing for the period; their links are issued if needed."""
    missing = [r for r in status(portal.ledger(), portal.project, per) if r.status == "missing"]
    rows = portal.tokens.issue_all(portal.project, per, by, [r.unit for r in missing])
    names = {r.unit: r.name for r in missing}
    base_url = _base_url(request, portal)
    return [(t.unit_code, names[t.unit_code], link(t, portal.tokens.token(t), names[t.unit_code], base_url).url)
            for t in rows]


@office
def missing(request: Request, sess: Session) -> Response:
    """The units still missing, with their upload links."""
    portal, lang = portal_of(request), lang_of(request)
    per = _period(request, portal)
    ctx = {"base": _base(request, sess, "office.title", per), "period": per, "period_title": per.title(lang),
           "rows": _missing_links(request, portal, per, f"office:{sess.username}"), "deadline": day(per.deadline)}
    return page(request, "missing", ctx)


@office
def missing_csv(request: Request, sess: Session) -> Response:
    """The same list as CSV (UTF-8 with BOM, so Excel reads the diacritics)."""
    portal = portal_of(request)
    per = _period(request, portal)
    buf = io.StringIO()
    out = csv.writer(buf)
    out.writerow(["unit", "name", "period", "link"])
    for code, name, url in _missing_links(request, portal, per, f"office:{sess.username}"):
        out.writerow([code, name, per.code, url])
    portal.store.audit(f"office:{sess.username}", "download.links", "ok", target=per.code, ip=client_ip(request))
    return _attachment(("\ufeff" + buf.getvalue()).encode("utf-8"), f"duong-dan_{per.code}.csv", "text/csv")


@office
def documents(request: Request, sess: Session) -> Response:
    """The report and letters built for the period, and the buttons that build them."""
    portal, lang = portal_of(request), lang_of(request)
    per = _period(request, portal)
    docs = portal.documents
    ctx = {"base": _base(request, sess, "office.title", per), "period": per, "period_title": per.title(lang),
           "runs": docs.runs(per.code), "building": docs.building.get(per.code, ""),
           "failed": docs.failed.get(per.code, ""), "when": when, "kinds": KINDS}
    return page(request, "documents", ctx)


async def build(request: Request) -> Response:
    """Start building the report or the letters (POST with the session's CSRF token)."""
    portal, sess = portal_of(request), await run_in_threadpool(_session, request)
    if sess is None:
        return RedirectResponse("/office/login", status_code=303)
    form = await _form(request)
    if not csrf_ok(portal.tokens.secret, "session:" + sess.id, form.get("csrf")):
        return await run_in_threadpool(_csrf_refused, request, f"office:{sess.username}")
    per = await run_in_threadpool(_period, request, portal, form.get("period"))
    kind = form.get("kind", "")
    started = kind in KINDS and portal.documents.start(kind, per.code, lang_of(request))
    await run_in_threadpool(portal.store.audit, f"office:{sess.username}", "build", "started" if started else "busy",
                            target=f"{kind}/{per.code}", ip=client_ip(request))
    return RedirectResponse(f"/office/documents?period={per.code}", status_code=303)


@office
def document_file(request: Request, sess: Session) -> Response:
    """Download one built file (only files the build listed)."""
    portal = portal_of(request)
    per = _period(request, portal, request.path_params["period"])
    path = portal.documents.path(per.code, request.path_params["run"], request.path_params["name"])
    if path is None or per.code != request.path_params["period"]:
        return message(request, "error.title", words(lang_of(request))("portal.error.not_found"), 404, office=True)
    portal.store.audit(f"office:{sess.username}", "download.document", "ok", target=str(request.path_params["name"]),
                       ip=client_ip(request))
    return FileResponse(path, filename=path.name, content_disposition_type="attachment")


@office
def audit(request: Request, sess: Session) -> Response:
    """The latest audited actions."""
    portal = portal_of(request)
    ctx = {"base": _base(request, sess, "office.title", _period(request, portal)),
           "rows": portal.store.audit_rows(200),
           "stamp": lambda at: dt.datetime.fromisoformat(at).strftime("%d/%m/%Y %H:%M:%S")}
    return page(request, "audit", ctx)


def home(request: Request) -> Response:
    """The portal's address alone leads to the office."""
    return RedirectResponse("/office", status_code=303)


routes = [
    Route("/", home, methods=["GET"]),
    Route("/office/login", login_page, methods=["GET"]),
    Route("/office/login", login, methods=["POST"]),
    Route("/office/logout", logout, methods=["POST"]),
    Route("/office", grid, methods=["GET"]),
    Route("/office/unit/{code}", unit_page, methods=["GET"]),
    Route("/office/unit/{code}/link", link_action, methods=["POST"]),
    Route("/office/file/{sha}", office_file, methods=["GET"]),
    Route("/office/file/{sha}/annotated", office_annotated, methods=["GET"]),
    Route("/office/file/{sha}/original", office_original, methods=["GET"]),
    Route("/office/missing", missing, methods=["GET"]),
    Route("/office/missing.csv", missing_csv, methods=["GET"]),
    Route("/office/documents", documents, methods=["GET"]),
    Route("/office/documents", build, methods=["POST"]),
    Route("/office/documents/{period}/{run}/{name:path}", document_file, methods=["GET"]),
    Route("/office/audit", audit, methods=["GET"]),
]
