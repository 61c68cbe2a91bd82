"""`xl-bdg aggregate | explain | export`: the province dataset, where a figure comes from, and the exports (the
`export` group's DHIS2 sub-commands live in exchange_cmd.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..aggregation.combine import aggregate
from ..aggregation.export import dataset_to_dict, long_rows, write_csv, write_parquet
from ..aggregation.provenance import TargetError, Trail, explain, field_trails, formula, parse_target
from ..catalogue import Words
from ..errors import FormError
from ..exchange.season import export_season
from ..findings import show_value
from ..ledger.store import DEFAULT_NAME
from ..text import number
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

LABEL_WIDTH = 70  # characters of an indicator's label in the aggregate table


def _value(value: float | None, lang: str) -> str:
    return "–" if value is None else number(value, lang, None if float(value).is_integer() else 1)


@app.command("aggregate")
def aggregate_command(period: PeriodOpt, ledger: LedgerOpt = Path(DEFAULT_NAME), fmt: FormatOpt = "table",
                      lang: LangOpt = "vi", schemas: SchemasOpt = None, quiet: QuietOpt = False,
                      verbose: VerboseOpt = False) -> None:
    """Tổng hợp số liệu toàn tỉnh từ các bản hợp lệ / merge the valid submissions into the province dataset.

    Ví dụ / example: [bold]xl-bdg aggregate --period 2026-FY --format json[/]
    """
    project, w, fmt = open_project(schemas), check_lang(lang), check_format(fmt, ("table", "json"))
    per, voice = parse_period_or_exit(project, period), check_voice(quiet, verbose)
    with open_ledger(ledger, w, readonly=True) as led:
        ds = aggregate(project, led, per)
    if fmt == "json":
        print_json(dataset_to_dict(ds))
        raise typer.Exit(EXIT_OK)
    en, width = w.lang == "en", None if voice.verbose else LABEL_WIDTH
    table = make_table(w.node("cli.aggregate.columns"), (0, 2), title=f"{project.province_name} – {per.code}")
    for ind in project.form.indicators:
        for fid in [None] + [f.id for f in ind.fields]:
            fig = ds.figure(ind.code, fid)
            if fig is None or (fid is not None and ds.figure(ind.code, None) is not None and len(ind.fields) == 1):
                continue
            name = ind.label_en if en else ind.label
            label = name if fid is None else f"{name[:40]}… – {ind.field(fid).label_en if en else ind.field(fid).label}"
            table.add_row(ind.key(fid) if fid else ind.code, label[:width],
                          "" if fig.value is None else _value(fig.value, w.lang), fig.agg, str(fig.units))
    if not voice.quiet:
        console.print(table)
    say(w("cli.aggregate.summary", used=sum(1 for s in ds.statuses if s.used_sha256), total=len(ds.statuses),
          activities=len(ds.activities), warnings=len(ds.warnings)))
    raise typer.Exit(EXIT_OK)


@app.command("explain")
def explain_command(target: Annotated[str, typer.Argument(help=W("cli.opt.target"))], period: PeriodOpt,
                    scope: Annotated[str | None, typer.Option("--scope", help=W("cli.opt.scope"))] = None,
                    ledger: LedgerOpt = Path(DEFAULT_NAME), fmt: FormatOpt = "table", lang: LangOpt = "vi",
                    schemas: SchemasOpt = None, quiet: QuietOpt = False, verbose: VerboseOpt = False) -> None:
    """Truy nguồn một số liệu tổng hợp đến từng ô / trace an aggregated figure to its cells.

    Ví dụ / example: [bold]xl-bdg explain COMM_06.F --period 2026-FY --scope kind:commune[/]
    """
    project, w, fmt = open_project(schemas), check_lang(lang), check_format(fmt, ("table", "json"))
    per, voice = parse_period_or_exit(project, period), check_voice(quiet, verbose)
    with open_ledger(ledger, w, readonly=True) as led:
        ds = aggregate(project, led, per, checks=False)
    try:
        code, fid = parse_target(project.form, target)
        fields = field_trails(ds, project.form, code, scope, w.lang) if fid is None and \
            ds.figure(code, None, scope or ds.province) is None else []
        if fields:  # an indicator whose figure is its fields' (T/M/F/E): show each field, then how to go deeper
            _print_fields(fields, code, per.code, fmt, w)
            raise typer.Exit(EXIT_OK)
        trail = explain(ds, project.form, target, scope, w.lang)
    except TargetError as exc:
        raise fail(exc.text(w.lang)) from None
    if fmt == "json":
        print_json(trail.to_dict())
        raise typer.Exit(EXIT_OK)
    say(f"{trail.indicator}{'.' + trail.field if trail.field else ''} {trail.label}", "bold")
    say(f"{per.code}, {trail.scope}: {_value(trail.value, w.lang)} = {formula(trail, w.lang)}")
    for note in trail.notes:
        say(f"  {note}")
    if voice.quiet:
        raise typer.Exit(EXIT_OK)
    table = make_table(w.node("cli.explain.columns"), (0, 1, 2, 3, 4))
    for s in trail.sources:
        table.add_row(s.unit, s.file, s.sha256 if voice.verbose else s.sha256[:8], f"{s.sheet}!{s.cell}",
                      show_value(s.value, w.lang))
    console.print(table)
    raise typer.Exit(EXIT_OK)


def _print_fields(fields: list[Trail], code: str, period: str, fmt: str, w: Words) -> None:
    if fmt == "json":
        print_json({"indicator": code, "fields": [t.to_dict() for t in fields]})
        return
    say(w("explain.fields", code=code), "bold")
    table = make_table(w.node("explain.fields_columns"), (0, 2), title=f"{period}, {fields[0].scope}")
    for t in fields:
        table.add_row(f"{code}.{t.field}", t.label, _value(t.value, w.lang), formula(t, w.lang))
    console.print(table)
    say(w("explain.fields_hint", example=f"xl-bdg explain {code}.{fields[0].field} --period {period}"))


#: `xl-bdg export` writes every export of a period; its sub-commands (cli/exchange_cmd.py) are the DHIS2 steps.
export_app = typer.Typer(rich_markup_mode="rich")
app.add_typer(export_app, name="export")


@export_app.callback(invoke_without_command=True)
def export_command(ctx: typer.Context,
                   period: Annotated[str | None, typer.Option("--period", "-p", help=W("cli.opt.period"))] = None,
                   out: Annotated[Path, typer.Option("--out", "-o", file_okay=False,
                                                     help=W("cli.opt.out"))] = Path("export"),
                   ledger: LedgerOpt = Path(DEFAULT_NAME), lang: LangOpt = "vi", schemas: SchemasOpt = None,
                   quiet: QuietOpt = False, verbose: VerboseOpt = False) -> None:
    """Xuất số liệu: bảng dài CSV, Parquet và DHIS2 / export long CSV, Parquet and DHIS2 (data values, metadata).

    Ví dụ / example: [bold]xl-bdg export --period 2026-FY --out export/[/]
    """
    if ctx.invoked_subcommand is not None:
        return
    project, w = open_project(schemas), check_lang(lang)
    if period is None:
        raise fail(w("exchange.export.period_needed"))
    per, voice = parse_period_or_exit(project, period), check_voice(quiet, verbose)
    with open_ledger(ledger, w, readonly=True) as led:
        ds = aggregate(project, led, per, checks=False)
    rows = long_rows(ds, project.form)
    written = [write_csv(rows, out / f"{per.code}_long.csv"), write_parquet(rows, out / f"{per.code}_long.parquet")]
    try:
        season = export_season(project, ds, out)
    except FormError as exc:
        raise fail(w("cli.err.broken_form", error=exc)) from None
    if not voice.quiet:
        say(w("cli.export.summary", n=len(rows), period=per.code))
    for path in written + season.paths:
        say(f"  {path}")
    errors = sum(1 for f in season.findings if f.severity == "error")
    say(w("exchange.export.dhis2", n=len(season.built.payload["dataValues"]), errors=errors,
          warnings=sum(1 for f in season.findings if f.severity == "warning"), period=per.code))
    raise typer.Exit(EXIT_FINDINGS if errors else EXIT_OK)
