"""`xl-bdg template`: write the standard workbook for each unit of a period."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import track

from ..workbook.template import UnitNotActive, units_for, write_template
from .common import (
    LangOpt,
    PeriodOpt,
    QuietOpt,
    SchemasOpt,
    VerboseOpt,
    W,
    app,
    check_lang,
    check_voice,
    console,
    fail,
    open_project,
    parse_period_or_exit,
    say,
)

SHOWN = 5  # files listed by name (all of them with --verbose)


@app.command("template")
def template_command(
    period: PeriodOpt,
    unit: Annotated[list[str] | None, typer.Option("--unit", "-u", help=W("cli.opt.unit"))] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help=W("cli.opt.out"), file_okay=False)] = Path("workbooks"),
    lang: LangOpt = "vi",
    schemas: SchemasOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Tạo biểu mẫu Excel cho từng đơn vị và kỳ báo cáo / write one workbook per unit.

    Ví dụ / example: [bold]xl-bdg template --period 2026-FY --unit SO-YTE --out workbooks/[/]
    """
    w, voice = check_lang(lang), check_voice(quiet, verbose)
    project = open_project(schemas)
    per = parse_period_or_exit(project, period)
    try:
        units = units_for(project, per, unit)
    except KeyError as exc:
        raise fail(w("cli.err.unknown_unit", period=per.code, unit=exc.args[0])) from None
    except UnitNotActive as exc:
        raise fail(w("cli.err.unit_not_active", period=per.code, unit=exc.unit.code, name=exc.unit.name,
                     valid=exc.unit.validity())) from None
    written = [write_template(project, u, per, out)
               for u in track(units, description=w("cli.template.progress"), console=console, transient=True,
                              disable=voice.quiet)]
    if not voice.quiet:
        say(w("cli.template.done", n=len(written), period=per.code, out=out))
    upto = len(written) if voice.verbose else SHOWN
    for path in written[:upto]:
        say(f"  {path}")
    if len(written) > upto and not voice.quiet:
        say("  " + w("cli.template.more", n=len(written) - upto))
