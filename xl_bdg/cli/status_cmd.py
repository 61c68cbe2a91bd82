"""`xl-bdg status`: where each unit's submission for a period stands."""

from __future__ import annotations

from pathlib import Path

import typer

from ..ledger.status import STATUSES, status
from ..ledger.store import DEFAULT_NAME
from .common import (
    EXIT_FINDINGS,
    EXIT_OK,
    FormatOpt,
    LangOpt,
    LedgerOpt,
    PeriodOpt,
    QuietOpt,
    SchemasOpt,
    VerboseOpt,
    app,
    check_format,
    check_lang,
    check_voice,
    console,
    open_ledger,
    open_project,
    parse_period_or_exit,
    print_json,
    say,
)
from .common import (
    table as make_table,
)

COLOURS = {"missing": "red", "invalid": "red", "late": "yellow", "accepted_with_warnings": "yellow",
           "accepted": "green"}
STRAY_NAMES = 5  # files named in the line about files that declare no unit (all of them with --verbose)
QUIET_SKIPS = ("accepted", "accepted_with_warnings")


@app.command("status")
def status_command(period: PeriodOpt, ledger: LedgerOpt = Path(DEFAULT_NAME), fmt: FormatOpt = "table",
                   lang: LangOpt = "vi", schemas: SchemasOpt = None, quiet: QuietOpt = False,
                   verbose: VerboseOpt = False) -> None:
    """Tình hình nộp báo cáo của từng đơn vị / where each unit's submission stands.

    Ví dụ / example: [bold]xl-bdg status --period 2026-FY[/]
    """
    project, w, fmt = open_project(schemas), check_lang(lang), check_format(fmt, ("table", "json"))
    voice = check_voice(quiet, verbose)
    per = parse_period_or_exit(project, period)
    with open_ledger(ledger, w, readonly=True) as led:
        rows = status(led, project, per)
        stray = led.unattributed(per.code)
    code = EXIT_FINDINGS if any(r.status == "invalid" for r in rows) else EXIT_OK
    if fmt == "json":
        print_json([vars(r) for r in rows])
        raise typer.Exit(code)
    words = w.section("status")
    table = make_table(w.node("cli.status.columns"), (0, 2, 3), title=per.code)
    for r in rows:
        if voice.quiet and r.status in QUIET_SKIPS:
            continue  # --quiet: only the units that need a look
        table.add_row(r.unit, r.name, f"[{COLOURS[r.status]}]{words[r.status]}[/]",
                      r.received_at.strftime("%d/%m/%Y %H:%M") if r.received_at else "", str(r.errors or ""),
                      str(r.warnings or ""), str(r.versions or ""))
    console.print(table)
    say(", ".join(f"{words[k]}: {sum(1 for r in rows if r.status == k)}" for k in STATUSES))
    if stray:
        upto = len(stray) if voice.verbose else STRAY_NAMES
        names = ", ".join(r.original_name for r in stray[:upto]) + (" …" if len(stray) > upto else "")
        say(w("cli.status.stray", n=len(stray), names=names), "yellow")
    raise typer.Exit(code)
