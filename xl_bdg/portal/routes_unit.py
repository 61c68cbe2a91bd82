"""A unit's pages, reached through its upload link `/u/<token>`: the upload page, the result of each file with its
findings, the annotated copy and the blank template. A link sees only its own unit and period."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..catalogue import words
from ..fileio import write_bytes_atomic
from ..validation import annotate_copy
from ..validation.marks import annotated_name
from ..workbook import workbook_name, write_template
from .auth import csrf_ok, csrf_token
from .queue import QueueFull
from .store import TokenRow
from .tokens import token_hash
from .upload import UploadRefused, receive_upload
from .views import day, deadline_note, file_view, may_see, size_text, unit_status, versions
from .web import client_ip, lang_of, message, page, page_base, portal_of
from .worker import Job

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _scope(token: str) -> str:
    return "upload:" + token_hash(token)


def _link(request: Request) -> TokenRow | Response:
    """The link of the request's token, or the page that says what is wrong with it (audited)."""
    portal, token = portal_of(request), request.path_params["token"]
    row = portal.tokens.lookup(token)
    lang = lang_of(request)
    w = words(lang)
    if row is None or not row.active:
        key = "unknown" if row is None else "revoked"
        ip = client_ip(request) or "?"
        # Every refusal is audited, but at most as often as the view limit allows per address (no flooding).
        if portal.views.allow(f"bad:{ip}")[0]:
            portal.store.audit(f"ip:{ip}", "token.refused", key, ip=ip, target=row.unit_code if row else None)
        return message(request, "token.title", w(f"portal.token.{key}"), 404 if row is None else 410)
    allowed, wait = portal.views.allow(f"view:{row.id}")
    if not allowed:
        return message(request, "refused.title", w("portal.refused.rate", seconds=wait), 429,
                       headers={"Retry-After": str(wait)})
    return row


def _q(request: Request) -> str:
    lang = request.query_params.get("lang")
    return f"?lang={lang}" if lang in ("vi", "en") else ""


def unit_page(request: Request) -> Response:
    """The upload page: who, which period, the deadline, the form, the blank template, what was received."""
    row = _link(request)
    if isinstance(row, Response):
        return row
    portal, lang, token = portal_of(request), lang_of(request), request.path_params["token"]
    project, led = portal.project, portal.ledger()
    per, unit = project.period(row.period), project.registry.get(row.unit_code)
    assert unit is not None
    b = page_base(request, "unit.title", period=per.code)
    ctx = {"base": b, "unit": unit, "period_title": per.title(lang), "period": per.code,
           "deadline": day(per.deadline), "deadline_note": deadline_note(per, dt.date.today(), b.t),
           "status": unit_status(led.files(per.code, unit.code), per),
           "versions": versions(led, portal.store, unit.code, per.code),
           "token": token, "q": _q(request), "csrf": csrf_token(portal.tokens.secret, _scope(token)),
           "max_bytes": portal.config.max_upload_bytes, "max_size": size_text(portal.config.max_upload_bytes, lang)}
    return page(request, "unit", ctx)


async def upload(request: Request) -> Response:
    """Receive one file (streamed, size-limited), check the form token, queue it for intake, then show its result."""
    row = await run_in_threadpool(_link, request)
    if isinstance(row, Response):
        return row
    portal, lang, token = portal_of(request), lang_of(request), request.path_params["token"]
    w, ip, cfg = words(lang), client_ip(request), portal.config
    actor, target = f"unit:{row.unit_code}", f"{row.unit_code}/{row.period}"
    back = f"/u/{token}{_q(request)}"

    def refuse(reason: str, code: int, *, close: bool = False, **params: object) -> Response:
        portal.store.audit(actor, "upload.refused", reason, target=target, ip=ip)
        headers = {"Connection": "close"} if close else {}
        if reason == "rate":
            headers["Retry-After"] = str(params["seconds"])
        return message(request, "refused.title", w(f"portal.refused.{reason}", **params), code, back=back,
                       back_key="refused.try_again", headers=headers)

    allowed, wait = portal.uploads.allow(f"upload:{row.id}")
    if not allowed:
        return await run_in_threadpool(refuse, "rate", 429, seconds=wait, close=True)
    try:
        up = await receive_upload(request, portal.incoming, cfg.max_upload_bytes, cfg.drain_bytes)
    except UploadRefused as exc:
        code = {"too_large": 413, "no_file": 400, "bad_form": 400}[exc.reason]
        return await run_in_threadpool(refuse, exc.reason, code, close=not exc.drained,
                                       limit=size_text(cfg.max_upload_bytes, lang))
    if not csrf_ok(portal.tokens.secret, _scope(token), up.fields.get("csrf")):
        up.path.unlink(missing_ok=True)
        return await run_in_threadpool(refuse, "csrf", 403)
    try:
        outcome = await portal.queue.submit(Job(str(up.path), row, up.name, up.size, ip))
    except QueueFull:
        up.path.unlink(missing_ok=True)
        return await run_in_threadpool(refuse, "busy", 503)
    if not outcome.sha256:  # the worker itself failed: the upload stays in incoming/, nothing is lost
        return message(request, "refused.title", w("portal.file.failed"), 503, back=back,
                       back_key="refused.try_again")
    return RedirectResponse(f"/u/{token}/file/{outcome.sha256}{_q(request)}", status_code=303)


def _file_for(request: Request) -> tuple[TokenRow, str] | Response:
    row = _link(request)
    if isinstance(row, Response):
        return row
    portal, sha = portal_of(request), request.path_params["sha"]
    if not (len(sha) == 64 and all(c in "0123456789abcdef" for c in sha)) \
            or not may_see(portal.ledger(), portal.store, row.unit_code, row.period, sha):
        return message(request, "token.title", words(lang_of(request))("portal.token.not_yours"), 404,
                       back=f"/u/{request.path_params['token']}{_q(request)}", back_key="file.back")
    return row, sha


def file_page(request: Request) -> Response:
    """The result of one file: verdict, findings with their cells, the annotated copy, the way to send again."""
    found = _file_for(request)
    if isinstance(found, Response):
        return found
    row, sha = found
    portal, lang, token = portal_of(request), lang_of(request), request.path_params["token"]
    per = portal.project.period(row.period)
    unit = portal.project.registry.get(row.unit_code)
    view = file_view(portal.project, portal.ledger(), portal.store, per, row.unit_code, sha, lang)
    ctx = {"base": page_base(request, "file.title", period=per.code), "unit": unit, "period_title": per.title(lang),
           "view": view, "back": f"/u/{token}{_q(request)}", "again": f"/u/{token}{_q(request)}#send",
           "annotated_url": f"/u/{token}/file/{sha}/annotated{_q(request)}", "office_links": None}
    return page(request, "file", ctx)


def annotated_response(portal_request: Request, sha: str, unit: str, period: str, actor: str) -> Response:
    """The marked copy of a recorded file, named after its unit and period (never after the uploaded name)."""
    portal, lang = portal_of(portal_request), lang_of(portal_request)
    led = portal.ledger()
    rec = led.get(sha)
    if rec is None:
        return message(portal_request, "token.title", words(lang)("portal.token.not_yours"), 404)
    source_name = workbook_name(period, unit)
    # Marking a workbook takes openpyxl a second: each copy is made once per file and language, then kept.
    cached = portal.config.state_dir / "annotated" / f"{sha}.{lang}.xlsx"
    if not cached.exists():
        with tempfile.TemporaryDirectory(prefix="xl-bdg-annot-") as tmp:
            source = Path(tmp) / source_name
            shutil.copyfile(led.archived(rec), source)
            out = annotate_copy(source, led.file_report(rec), Path(tmp) / "out", portal.project, lang)
            cached.parent.mkdir(parents=True, exist_ok=True)
            write_bytes_atomic(cached, out.read_bytes())
    data = cached.read_bytes()
    portal.store.audit(actor, "download.annotated", "ok", target=f"{unit}/{period}", sha256=sha,
                       ip=client_ip(portal_request))
    return _attachment(data, annotated_name(Path(source_name)))


def _attachment(data: bytes, name: str, media: str = XLSX) -> Response:
    return Response(data, media_type=media, headers={"Content-Disposition": f"attachment; filename=\"{name}\"; "
                                                                             f"filename*=UTF-8''{quote(name)}"})


def annotated(request: Request) -> Response:
    """Download the annotated copy of one of the unit's files."""
    found = _file_for(request)
    if isinstance(found, Response):
        return found
    row, sha = found
    return annotated_response(request, sha, row.unit_code, row.period, f"unit:{row.unit_code}")


def template(request: Request) -> Response:
    """Download the unit's blank workbook for the period (written once, then kept)."""
    row = _link(request)
    if isinstance(row, Response):
        return row
    portal = portal_of(request)
    per, unit = portal.project.period(row.period), portal.project.registry.get(row.unit_code)
    assert unit is not None
    folder = portal.config.state_dir / "templates" / per.code
    path = folder / workbook_name(per.code, unit.code)
    if not path.exists():
        write_template(portal.project, unit, per, folder)
    portal.store.audit(f"unit:{unit.code}", "download.template", "ok", target=f"{unit.code}/{per.code}",
                       ip=client_ip(request))
    return _attachment(path.read_bytes(), path.name)


routes = [
    Route("/u/{token}", unit_page, methods=["GET"]),
    Route("/u/{token}/upload", upload, methods=["POST"]),
    Route("/u/{token}/file/{sha}", file_page, methods=["GET"]),
    Route("/u/{token}/file/{sha}/annotated", annotated, methods=["GET"]),
    Route("/u/{token}/template", template, methods=["GET"]),
]
