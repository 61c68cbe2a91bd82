"""`xl-bdg serve` and `xl-bdg portal links | user add | token revoke | token reissue`: the intake portal.

The portal's modules are imported inside the commands: they bring in the web framework, which the other commands
do not need at start-up.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated

import typer

from ..catalogue import Words
from ..form.project import Project
from ..ledger.store import DEFAULT_NAME
from ..periods import Period
from .common import (
    EXIT_OK,
    LangOpt,
    LedgerOpt,
    PeriodOpt,
    SchemasOpt,
    W,
    app,
    check_lang,
    fail,
    open_ledger,
    open_project,
    parse_period_or_exit,
    say,
)

portal_app = typer.Typer(help=W("portal.cli.help.portal"), no_args_is_help=True)
user_app = typer.Typer(help=W("portal.cli.help.user"), no_args_is_help=True)
token_app = typer.Typer(help=W("portal.cli.help.token"), no_args_is_help=True)
portal_app.add_typer(user_app, name="user")
portal_app.add_typer(token_app, name="token")
app.add_typer(portal_app, name="portal")

#: Where `xl-bdg serve` without --ledger makes its sample ledger (in the working folder).
SAMPLE_DIR = Path("xl-bdg-portal-demo")
MB = 1024 * 1024
BaseUrlOpt = Annotated[str | None, typer.Option("--base-url", help=W("portal.cli.opt.base_url"))]
UnitArg = Annotated[str, typer.Argument(help=W("portal.cli.opt.unit"))]


def _period(project: Project, ledger: Path, text: str | None) -> Period:
    from ..ledger import Ledger
    from ..portal.views import default_period

    if text:
        return parse_period_or_exit(project, text)
    with Ledger(ledger) as led:
        return default_period(project, led, dt.date.today())


@app.command("serve")
def serve_command(
    ledger: Annotated[Path | None, typer.Option("--ledger", envvar="XL_BDG_LEDGER", dir_okay=False,
                                                help=W("portal.cli.opt.ledger_serve"))] = None,
    host: Annotated[str, typer.Option("--host", help=W("portal.cli.opt.host"))] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help=W("portal.cli.opt.port"))] = 8000,
    period: Annotated[str | None, typer.Option("--period", "-p", help=W("portal.cli.opt.period_serve"))] = None,
    base_url: BaseUrlOpt = None,
    max_mb: Annotated[float, typer.Option("--max-mb", help=W("portal.cli.opt.max_mb"))] = 10.0,
    workers: Annotated[int, typer.Option("--workers", help=W("portal.cli.opt.workers"))] = 2,
    secure: Annotated[bool, typer.Option("--secure-cookies", help=W("portal.cli.opt.secure"))] = False,
    forwarded: Annotated[str, typer.Option("--forwarded-allow-ips", help=W("portal.cli.opt.forwarded"))] = "127.0.0.1",
    lang: LangOpt = "vi", schemas: SchemasOpt = None,
) -> None:
    """Chạy cổng tiếp nhận trên trình duyệt / serve the intake portal.

    Không có --ledger: tạo sổ mẫu của tỉnh mẫu. Ví dụ / example: [bold]xl-bdg serve[/] ·
    [bold]xl-bdg serve --ledger /srv/bdg/ledger.sqlite --base-url https://bdg.sonha.gov.vn --secure-cookies[/]
    """
    from ..portal.config import PortalConfig
    from ..portal.seed import seed_sample
    from ..portal.server import run_server, start_info

    w, project = check_lang(lang), open_project(schemas)
    sample = None
    if ledger is None:
        ledger = SAMPLE_DIR / DEFAULT_NAME
        open_ledger(ledger, w, create=True).close()
        sample = seed_sample(SAMPLE_DIR, project, _period(project, ledger, period))
        say(w("portal.cli.seeded", period=sample.period, path=SAMPLE_DIR))
    open_ledger(ledger, w).close()
    per = _period(project, ledger, period or (sample.period if sample else None))
    config = PortalConfig(ledger=ledger, schemas=schemas, period=per.code, base_url=base_url, secure_cookies=secure,
                          max_upload_bytes=int(max_mb * MB), workers=max(1, workers))
    url = f"http://{host}:{port}"
    info = start_info(config, url, per.code)
    say(w("portal.cli.serve", url=url), "bold")
    say(w("portal.cli.ledger", path=ledger))
    if sample is not None:
        say(w("portal.cli.office_login", url=f"{url}/office", user=sample.user, password=sample.password))
    elif not info.users:
        say(w("portal.cli.no_user", ledger=ledger), "yellow")
    if info.links:
        say(w("portal.cli.sample_links", period=per.code))
        for item in info.links:
            say(f"  {item.unit:<12} {item.url}")
    if sample is not None:
        say(w("portal.cli.sample_files", path=sample.inbox))
    say(w("portal.cli.stop"))
    run_server(config, host, port, forwarded)


@portal_app.command("links")
def links_command(period: PeriodOpt, ledger: LedgerOpt = Path(DEFAULT_NAME), base_url: BaseUrlOpt = None,
                  csv_path: Annotated[Path | None, typer.Option("--csv", dir_okay=False,
                                                                help=W("portal.cli.opt.csv"))] = None,
                  lang: LangOpt = "vi", schemas: SchemasOpt = None) -> None:
    """In hoặc ghi đường dẫn gửi báo cáo của các đơn vị / print or write the units' upload links.

    Ví dụ / example: [bold]xl-bdg portal links --period 2026-FY --base-url https://bdg.sonha.gov.vn --csv links.csv[/]
    """
    from ..portal.config import PortalConfig
    from ..portal.links import period_links, write_links_csv

    w, project = check_lang(lang), open_project(schemas)
    per = parse_period_or_exit(project, period)
    open_ledger(ledger, w).close()
    links = period_links(PortalConfig(ledger=ledger, schemas=schemas), project, per, base_url, "cli")
    if csv_path is not None:
        write_links_csv(links, csv_path)
        say(w("portal.cli.links_written", n=len(links), period=per.code, path=csv_path))
    else:
        for item in links:
            say(f"{item.unit}\t{item.name}\t{item.url}")
    raise typer.Exit(EXIT_OK)


@user_app.command("add")
def user_add_command(username: Annotated[str, typer.Argument(help=W("portal.cli.opt.user"))],
                     ledger: LedgerOpt = Path(DEFAULT_NAME),
                     replace: Annotated[bool, typer.Option("--replace", help=W("portal.cli.opt.replace"))] = False,
                     stdin: Annotated[bool, typer.Option("--password-stdin",
                                                         help=W("portal.cli.opt.password_stdin"))] = False,
                     lang: LangOpt = "vi") -> None:
    """Tạo tài khoản văn phòng (mật khẩu băm argon2) / make an office account.

    Ví dụ / example: [bold]xl-bdg portal user add nguyenvana --ledger ledger.sqlite[/]
    """
    from ..portal.auth import MIN_PASSWORD, add_user
    from ..portal.store import PortalStore

    w = check_lang(lang)
    open_ledger(ledger, w, create=True).close()
    password = sys.stdin.readline().rstrip("\r\n") if stdin else \
        typer.prompt(w("portal.cli.password_prompt"), hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD:
        raise fail(w("portal.cli.password_short", n=MIN_PASSWORD))
    if not add_user(PortalStore(ledger), username, password, replace=replace):
        raise fail(w("portal.cli.user_exists", user=username))
    say(w("portal.cli.user_updated" if replace else "portal.cli.user_added", user=username))
    raise typer.Exit(EXIT_OK)


def _unit_period(w: Words, ledger: Path, schemas: Path | None, unit: str, period: str) -> Period:
    """The period, when `unit` is asked for it (else exit 2); the ledger must exist."""
    project = open_project(schemas)
    per = parse_period_or_exit(project, period)
    if unit not in {u.code for u in project.registry.reporting_units(per.start, per.end)}:
        raise fail(w("portal.cli.unknown_unit", period=per.code, unit=unit))
    open_ledger(ledger, w).close()
    return per


@token_app.command("revoke")
def token_revoke_command(unit: UnitArg, period: PeriodOpt, ledger: LedgerOpt = Path(DEFAULT_NAME),
                         lang: LangOpt = "vi", schemas: SchemasOpt = None) -> None:
    """Thu hồi đường dẫn gửi của một đơn vị / revoke a unit's upload link.

    Ví dụ / example: [bold]xl-bdg portal token revoke SO-YTE --period 2026-FY[/]
    """
    from ..portal.config import PortalConfig
    from ..portal.links import portal_tokens

    w = check_lang(lang)
    per = _unit_period(w, ledger, schemas, unit, period)
    done = portal_tokens(PortalConfig(ledger=ledger)).revoke(unit, per.code, "cli")
    say(w("portal.cli.revoked" if done else "portal.cli.not_revoked", unit=unit, period=per.code))
    raise typer.Exit(EXIT_OK)


@token_app.command("reissue")
def token_reissue_command(unit: UnitArg, period: PeriodOpt, ledger: LedgerOpt = Path(DEFAULT_NAME),
                          base_url: BaseUrlOpt = None, lang: LangOpt = "vi", schemas: SchemasOpt = None) -> None:
    """Cấp đường dẫn mới (đường dẫn cũ ngừng hoạt động) / issue a new upload link, revoking the old one.

    Ví dụ / example: [bold]xl-bdg portal token reissue SO-YTE --period 2026-FY --base-url https://bdg.sonha.gov.vn[/]
    """
    from ..portal.config import PortalConfig
    from ..portal.links import DEFAULT_BASE, portal_tokens
    from ..portal.tokens import link

    w = check_lang(lang)
    per = _unit_period(w, ledger, schemas, unit, period)
    tokens = portal_tokens(PortalConfig(ledger=ledger))
    row = tokens.reissue(unit, per.code, "cli")
    say(w("portal.cli.reissued", unit=unit, period=per.code, url=link(row, tokens.token(row), unit,
                                                                       base_url or DEFAULT_BASE).url))
    raise typer.Exit(EXIT_OK)
