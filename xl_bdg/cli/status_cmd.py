"""`xl-bdg status`: where each unit's submission for a period stands."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from ..ledger.status import STATUSES, status
from ..ledger.store import DEFAULT_NAME
from .common import (
    EXIT_FINDINGS,
    EXIT_OK,
    FormatOpt,
    LangOpt,
    LedgerOpt,
    PeriodOpt,
    SchemasOpt,
    app,
    check_format,
    check_lang,
    console,
    open_ledger,
    open_project,
    parse_period_or_exit,
    print_json,
    say,
)

COLOURS = {"missing": "red", "invalid": "red", "late": "yellow", "accepted_with_warnings": "yellow",
           "accepted": "green"}
STRAY_NAMES = 5  # files named in the line about files that declare no unit


@app.command("status")
def status_command(period: PeriodOpt, ledger: LedgerOpt = Path(DEFAULT_NAME), fmt: FormatOpt = "table",
                   lang: LangOpt = "vi", schemas: SchemasOpt = None) -> None:
    """Tình hình nộp báo cáo của từng đơn vị / where each unit's submission stands.

    Ví dụ / example: [bold]xl-bdg status --period 2026-FY[/]
    """
    project, w, fmt = open_project(schemas), check_lang(lang), check_format(fmt, ("table", "json"))
    per = parse_period_or_exit(project, period)
    with open_ledger(ledger, w) as led:
        rows = status(led, project, per)
        stray = led.unattributed(per.code)
    code = EXIT_FINDINGS if any(r.status == "invalid" for r in rows) else EXIT_OK
    if fmt == "json":
        print_json([vars(r) for r in rows])
        raise typer.Exit(code)
    words = w.section("status")
    table = Table(*w.node("cli.status.columns"), title=per.code)
    for r in rows:
        table.add_row(r.unit, r.name, f"[{COLOURS[r.status]}]{words[r.status]}[/]",
                      r.received_at.strftime("%d/%m/%Y %H:%M") if r.received_at else "", str(r.errors or ""),
                      str(r.warnings or ""), str(r.versions or ""))
    console.print(table)
    say(", ".join(f"{words[k]}: {sum(1 for r in rows if r.status == k)}" for k in STATUSES))
    if stray:
        names = ", ".join(r.original_name for r in stray[:STRAY_NAMES]) + (" …" if len(stray) > STRAY_NAMES else "")
        say(w("cli.status.stray", n=len(stray), names=names), "yellow")
    raise typer.Exit(code)
