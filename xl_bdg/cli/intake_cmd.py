"""`xl-bdg intake`: record, archive and validate every workbook received."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from ..ledger.intake import IntakeEvent, IntakeItem, intake
from ..ledger.store import DEFAULT_NAME
from .common import (
    FormatOpt,
    LangOpt,
    LedgerOpt,
    QuietOpt,
    SchemasOpt,
    VerboseOpt,
    W,
    app,
    check_format,
    check_lang,
    check_voice,
    console,
    fail,
    open_ledger,
    open_project,
    parse_period_or_exit,
    print_json,
    say,
)
from .common import (
    table as make_table,
)

#: Above this many files the table lists only those that need a look (errors, unreadable, superseding).
FULL_TABLE_UPTO = 30


def _outcome(item: IntakeItem) -> str:
    return "superseded" if item.outcome == "recorded" and item.supersedes else item.outcome


@app.command("intake")
def intake_command(
    paths: Annotated[list[Path], typer.Argument(exists=True, help=W("cli.opt.paths_intake"))],
    period: Annotated[str | None, typer.Option("--period", "-p", help=W("cli.opt.period_asked"))] = None,
    received_at: Annotated[str | None, typer.Option("--received-at", help=W("cli.opt.received_at"))] = None,
    ledger: LedgerOpt = Path(DEFAULT_NAME), fmt: FormatOpt = "table", lang: LangOpt = "vi", schemas: SchemasOpt = None,
    quiet: QuietOpt = False, verbose: VerboseOpt = False,
) -> None:
    """Tiếp nhận, kiểm tra, lưu trữ biểu mẫu vào sổ / record received workbooks in the ledger.

    Ví dụ / example: [bold]xl-bdg intake inbox/ --period 2026-FY --received-at 2026-11-14T09:30[/]
    """
    project, w, fmt = open_project(schemas), check_lang(lang), check_format(fmt, ("table", "json"))
    voice = check_voice(quiet, verbose)
    per = parse_period_or_exit(project, period) if period else None
    try:
        when = dt.datetime.fromisoformat(received_at) if received_at else None
    except ValueError:
        raise fail(w("cli.err.received_at", value=received_at)) from None
    with open_ledger(ledger, w, create=True) as led, \
            Progress(console=console, transient=True, disable=fmt == "json" or voice.quiet) as bar:
        task = bar.add_task(w("cli.intake.progress"), total=None)

        def tick(ev: IntakeEvent) -> None:
            bar.update(task, total=ev.total, completed=ev.done)

        result = intake(led, paths, project, received_at=when, expected_period=per, progress=tick)
    if fmt == "json":
        print_json(result.to_dict(project.form.messages, w.lang))
        raise typer.Exit(result.exit_code)
    table = make_table(w.node("cli.intake.columns"), (0, 1, 2, 4, 5))
    shown = result.items if len(result.items) <= FULL_TABLE_UPTO or voice.verbose else [
        i for i in result.items if i.record is None or not i.record.valid or i.supersedes]
    for item in shown:
        rec = item.record
        table.add_row(Path(item.path).name, rec.unit_code if rec else "", rec.period if rec else "",
                      w(f"cli.intake.outcome.{_outcome(item)}"), str(rec.errors) if rec else "",
                      str(rec.warnings) if rec else "")
    if not voice.quiet or (shown and shown is not result.items):
        console.print(table)
    note = w("cli.intake.shown", shown=len(shown)) if shown is not result.items else ""
    say(w("cli.intake.summary", new=len(result.recorded), known=len(result.items) - len(result.recorded),
          ledger=ledger) + note)
    raise typer.Exit(result.exit_code)
