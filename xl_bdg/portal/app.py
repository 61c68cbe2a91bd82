"""The portal as an ASGI application (Starlette): the unit and office routes, static files, security headers, the
intake workers started and stopped with the server, and error pages in plain words for anything that goes wrong.
"""

from __future__ import annotations

import contextlib
import sys
import traceback
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..catalogue import words
from ..form.project import load_project
from ..templating import TEMPLATES_DIR
from . import routes_office, routes_unit
from .config import PortalConfig
from .documents import Documents
from .queue import IntakeQueue
from .ratelimit import RateLimiter
from .security import SecurityHeaders
from .store import PortalStore
from .tokens import Tokens, load_secret
from .web import Portal, lang_of, message


def build_portal(config: PortalConfig) -> Portal:
    """Open everything the portal serves from (the ledger and its portal tables, the secret, the project)."""
    project = load_project(config.schemas)
    store = PortalStore(config.ledger)
    config.state_dir.mkdir(parents=True, exist_ok=True)
    return Portal(config=config, project=project, store=store,
                  tokens=Tokens(store, load_secret(config.key_path)), queue=IntakeQueue(config),
                  documents=Documents(config.state_dir / "documents", config.ledger, config.schemas),
                  uploads=RateLimiter(config.upload_limit), views=RateLimiter(config.view_limit),
                  logins=RateLimiter(config.login_limit))


def _health(request: Request) -> Response:
    portal: Portal = request.app.state.portal
    return PlainTextResponse(f"ok {portal.queue.waiting}")


async def _http_error(request: Request, exc: Exception) -> Response:
    code = exc.status_code if isinstance(exc, HTTPException) else 500
    key = {404: "not_found", 405: "method"}.get(code, "server")
    return message(request, "error.title", words(lang_of(request))(f"portal.error.{key}"), code, back="/")


async def _server_error(request: Request, exc: Exception) -> Response:
    # The person sees a page in plain words; the details go to the server's log, never to the page.
    traceback.print_exception(exc, file=sys.stderr)
    try:
        return await _http_error(request, exc)
    except Exception:  # even the error page failed (the templates are broken): a line of text
        return PlainTextResponse("500", status_code=500)


def create_app(config: PortalConfig) -> Starlette:
    """The portal application over the ledger of `config`."""
    portal = build_portal(config)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await portal.queue.start()
        try:
            yield
        finally:
            await portal.queue.stop()
            portal.documents.close()

    static = StaticFiles(directory=str(TEMPLATES_DIR / "portal" / "static"))
    app = Starlette(
        routes=[*routes_unit.routes, *routes_office.routes, Route("/healthz", _health),
                Mount("/static", app=static, name="static")],
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
        lifespan=lifespan)
    app.state.portal = portal
    return app
