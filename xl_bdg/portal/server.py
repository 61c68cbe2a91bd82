"""Serving the portal with uvicorn, and what `xl-bdg serve` prints first: the office's login and a few links."""

from __future__ import annotations

from dataclasses import dataclass

import uvicorn

from ..form.project import load_project
from ..ledger import Ledger, status
from .app import create_app
from .config import PortalConfig
from .store import PortalStore
from .tokens import Link, Tokens, link, load_secret


@dataclass(frozen=True)
class Start:
    """What the office needs to begin: where to log in, and links of units that have not sent yet."""

    url: str
    links: list[Link]
    users: int


def start_info(config: PortalConfig, url: str, period: str, few: int = 4) -> Start:
    """The portal's address and the upload links of up to `few` units still missing or with errors (issued now
    where needed), to print when the server starts."""
    project = load_project(config.schemas)
    per = project.period(period)
    store = PortalStore(config.ledger)
    tokens = Tokens(store, load_secret(config.key_path))
    with Ledger(config.ledger) as led:
        rows = [r for r in status(led, project, per) if r.status in ("missing", "invalid")][:few]
    issued = tokens.issue_all(project, per, "serve", [r.unit for r in rows])
    names = {r.unit: r.name for r in rows}
    links = [link(t, tokens.token(t), names[t.unit_code], config.base_url or url) for t in issued]
    count = store.conn.execute("SELECT COUNT(*) FROM portal_users WHERE disabled = 0").fetchone()[0]
    store.close()
    return Start(url=url, links=links, users=count)


def run_server(config: PortalConfig, host: str, port: int, forwarded_allow_ips: str = "127.0.0.1") -> None:
    """Serve until interrupted. The access log is off: upload links carry their token in the path, and every action
    is written to the audit table instead."""
    app = create_app(config)
    uv = uvicorn.Config(app, host=host, port=port, proxy_headers=True, forwarded_allow_ips=forwarded_allow_ips,
                        access_log=False, log_level="warning", timeout_keep_alive=10, server_header=False)
    uvicorn.Server(uv).run()
