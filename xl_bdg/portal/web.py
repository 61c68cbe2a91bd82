"""What every route shares: the portal's state (project, ledger, tables, links, queue, limits), the language of a
request, the client's address, and pages as responses (a message page for every refusal, never a traceback)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse

from ..catalogue import LANGS, words
from ..form.project import Project
from ..ledger import Ledger
from .config import PortalConfig
from .documents import Documents
from .queue import IntakeQueue
from .ratelimit import RateLimiter
from .store import PortalStore
from .tokens import Tokens
from .views import Base, base, render

LANG_COOKIE = "xl_lang"


@dataclass
class Portal:
    """The running portal, shared by every request (`request.app.state.portal`)."""

    config: PortalConfig
    project: Project
    store: PortalStore
    tokens: Tokens
    queue: IntakeQueue
    documents: Documents
    uploads: RateLimiter
    views: RateLimiter
    logins: RateLimiter
    _local: threading.local = field(default_factory=threading.local)

    def ledger(self) -> Ledger:
        """This thread's open ledger (read by the pages; intake writes it in the worker processes)."""
        led = getattr(self._local, "ledger", None)
        if led is None:
            led = self._local.ledger = Ledger(self.config.ledger)
        return led

    @property
    def incoming(self) -> Path:
        """Where uploads are streamed to before intake."""
        return self.config.state_dir / "incoming"


def portal_of(request: Request) -> Portal:
    """The portal serving this request."""
    portal: Portal = request.app.state.portal
    return portal


def lang_of(request: Request) -> str:
    """`?lang=` when given, else the language cookie, else Vietnamese."""
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or "vi"
    return asked if asked in LANGS else "vi"


def other_lang_url(request: Request, lang: str) -> str:
    """This page in the other language."""
    params = dict(request.query_params)
    params["lang"] = "en" if lang == "vi" else "vi"
    return f"{request.url.path}?{urlencode(params)}"


def client_ip(request: Request) -> str | None:
    """The client's address (the proxy's X-Forwarded-For, when uvicorn trusts the proxy)."""
    return request.client.host if request.client else None


def page_base(request: Request, title_key: str, **kw: Any) -> Base:
    """The shared context of a page whose title is the portal word at `title_key`."""
    portal, lang = portal_of(request), lang_of(request)
    return base(portal.project, lang, words(lang)(f"portal.{title_key}"), other_lang_url(request, lang), **kw)


def page(request: Request, template: str, context: dict[str, Any], status: int = 200,
         headers: dict[str, str] | None = None) -> HTMLResponse:
    """Render a page; remember a language asked for in the query."""
    resp = HTMLResponse(render(template, **context), status_code=status, headers=headers)
    asked = request.query_params.get("lang")
    if asked in LANGS:
        resp.set_cookie(LANG_COOKIE, asked, max_age=365 * 86400, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https")
    return resp


def message(request: Request, title_key: str, text: str, status: int, *, back: str | None = None,
            back_key: str = "error.home", headers: dict[str, str] | None = None, office: bool = False) -> HTMLResponse:
    """A page with one message (a refusal, a bad link, an error) and a way back."""
    lang = lang_of(request)
    ctx = {"base": page_base(request, title_key, office=office), "text": text, "back": back,
           "back_text": words(lang)(f"portal.{back_key}")}
    return page(request, "message", ctx, status, headers)
