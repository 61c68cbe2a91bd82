"""`xl-bdg export dhis2-metadata | dhis2-check | dhis2-push` and `xl-bdg diff`: the DHIS2 exchange, and a unit's
figures compared with what it sent before."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer

from ..aggregation.combine import aggregate
from ..catalogue import Words
from ..errors import FormError
from ..exchange.check import offline_check
from ..exchange.diff import Diff, DiffError, diff_versions, diff_years
from ..exchange.mapping import Mapping, build_mapping
from ..exchange.metadata import metadata_package, read_json, write_metadata
from ..exchange.payload import Built, Origin, build_payload, read_origins
from ..exchange.problem import to_findings
from ..exchange.push import STRATEGIES, PushError, push
from ..exchange.season import METADATA_NAME
from ..findings import FileReport, Finding, Report, show_value
from ..form.project import Project
from ..ledger.store import DEFAULT_NAME
from ..text import number
from ..validation.page import text_lines
from .aggregate_cmd import export_app
from .common import (
    EXIT_FINDINGS,
    EXIT_OK,
    FormatOpt,
    LangOpt,
    LedgerOpt,
    OutOpt,
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
from .common import table as make_table
from .validate_cmd import STYLES

LABEL_WIDTH = 48  # characters of a figure's label in the diff table
MetadataOpt = Annotated[Path | None, typer.Option("--metadata", "-m", dir_okay=False, exists=True,
                                                  help=W("exchange.opt.metadata"))]


def _mapping(project: Project) -> Mapping:
    try:
        return build_mapping(project)
    except FormError as exc:
        raise fail(W("cli.err.broken_form", error=exc)) from None


def _read(path: Path, w: Words) -> dict[str, Any]:
    try:
        return read_json(path)
    except (OSError, ValueError) as exc:
        raise fail(w("exchange.err.read", detail=exc)) from None


def _season(project: Project, mapping: Mapping, period: str, ledger: Path, w: Words) -> Built:
    per = parse_period_or_exit(project, period)
    with open_ledger(ledger, w, readonly=True) as led:
        ds = aggregate(project, led, per, checks=False)
    return build_payload(project, ds, mapping)


def _report(findings: list[Finding]) -> Report:
    """Findings grouped by the file they point into (each unit's workbook, or the payload)."""
    files: dict[str, FileReport] = {}
    for f in findings:
        files.setdefault(f.file, FileReport(file=f.file)).findings.append(f)
    return Report(files=list(files.values()))


def _show(report: Report, project: Project, w: Words, fmt: str, extra: dict[str, Any] | None = None) -> None:
    if fmt == "json":
        print_json({**(extra or {}), **report.to_dict(project.form.messages, w.lang)})
        return
    for style, line in text_lines(report, project.form.messages, w.lang):
        if style != "summary":
            say(line, STYLES.get(style))


@export_app.command("dhis2-metadata")
def metadata_command(out: OutOpt = Path("export"), lang: LangOpt = "vi", schemas: SchemasOpt = None,
                     quiet: QuietOpt = False, verbose: VerboseOpt = False) -> None:
    """Gói siêu dữ liệu DHIS2, nhập một lần vào máy chủ / the DHIS2 metadata package, imported once on the server.

    Ví dụ / example: [bold]xl-bdg export dhis2-metadata --out dhis2/[/]
    """
    project, w, voice = open_project(schemas), check_lang(lang), check_voice(quiet, verbose)
    mapping = _mapping(project)
    package = metadata_package(project, mapping)
    say(w("exchange.metadata.written", path=write_metadata(package, out / METADATA_NAME)))
    counts = {k: len(package.get(v, [])) for k, v in (("elements", "dataElements"), ("combos", "categoryOptionCombos"),
              ("data_sets", "dataSets"), ("indicators", "indicators"), ("org_units", "organisationUnits"))}
    if not voice.quiet:
        say(w("exchange.metadata.counts", **counts))
    if counts["org_units"] and not voice.quiet:
        say(w("exchange.metadata.derived", n=counts["org_units"]), "yellow")
    raise typer.Exit(EXIT_OK)


@export_app.command("dhis2-check")
def check_command(payload: Annotated[Path | None, typer.Argument(help=W("exchange.opt.payload"), exists=True,
                                                                  dir_okay=False)] = None,
                  period: Annotated[str | None, typer.Option("--period", "-p", help=W("cli.opt.period"))] = None,
                  metadata: MetadataOpt = None, ledger: LedgerOpt = Path(DEFAULT_NAME), fmt: FormatOpt = "table",
                  lang: LangOpt = "vi", schemas: SchemasOpt = None, quiet: QuietOpt = False,
                  verbose: VerboseOpt = False) -> None:
    """Kiểm tra ngoại tuyến dữ liệu DHIS2 với gói siêu dữ liệu / check a DHIS2 payload offline. Thoát 1 nếu có lỗi.

    Ví dụ / example: [bold]xl-bdg export dhis2-check --period 2026-FY --metadata may-chu.json[/]
    """
    project, w, fmt = open_project(schemas), check_lang(lang), check_format(fmt, ("table", "json"))
    voice = check_voice(quiet, verbose)
    mapping = _mapping(project)
    if payload is not None:
        doc = _read(payload, w)
        values = doc.get("dataValues")
        origins: list[Origin] | None = read_origins(payload, len(values) if isinstance(values, list) else -1)
        own: list[Finding] = []
    elif period is not None:
        built = _season(project, mapping, period, ledger, w)
        doc, origins, own = built.payload, built.origins, built.findings
    else:
        raise fail(w("exchange.err.no_payload"))
    package = _read(metadata, w) if metadata is not None else None
    findings = own + offline_check(project, mapping, doc, package, origins, str(payload or "dataValueSets"))
    report = _report(findings)
    _show(report, project, w, fmt)
    if fmt != "json" and not voice.quiet:
        n = len(doc.get("dataValues") or []) if isinstance(doc.get("dataValues"), list) else 0
        say(w("exchange.check.result", n=n, against=metadata or w("exchange.check.generated"),
              errors=sum(f.count("error") for f in report.files),
              warnings=sum(f.count("warning") for f in report.files)), "bold")
    raise typer.Exit(report.exit_code)


@export_app.command("dhis2-push")
def push_command(period: PeriodOpt, url: Annotated[str, typer.Option("--url", help=W("exchange.opt.url"))],
                 commit: Annotated[bool, typer.Option("--commit", help=W("exchange.opt.commit"))] = False,
                 strategy: Annotated[str, typer.Option("--strategy", help=W("exchange.opt.strategy"))]
                 = "CREATE_AND_UPDATE",
                 metadata: MetadataOpt = None, ledger: LedgerOpt = Path(DEFAULT_NAME), fmt: FormatOpt = "table",
                 lang: LangOpt = "vi", schemas: SchemasOpt = None, quiet: QuietOpt = False,
                 verbose: VerboseOpt = False) -> None:
    """Gửi dữ liệu lên máy chủ DHIS2 (mặc định chạy thử) / send the period to a DHIS2 server (a dry run by default).

    Đăng nhập / credentials: $XL_BDG_DHIS2_TOKEN, hoặc / or $XL_BDG_DHIS2_USER + $XL_BDG_DHIS2_PASSWORD.
    Ví dụ / example: [bold]xl-bdg export dhis2-push --period 2026-FY --url https://dhis2.tinh.gov.vn[/]
    """
    project, w, fmt = open_project(schemas), check_lang(lang), check_format(fmt, ("table", "json"))
    voice = check_voice(quiet, verbose)
    if strategy.upper() not in STRATEGIES:
        raise fail(w("exchange.err.strategy", choices=" / ".join(STRATEGIES), value=strategy))
    mapping = _mapping(project)
    built = _season(project, mapping, period, ledger, w)
    package = _read(metadata, w) if metadata is not None else None
    before = _report(offline_check(project, mapping, built.payload, package, built.origins))
    if before.exit_code:
        _show(before, project, w, fmt)
        say(w("exchange.push.refused"), "bold red")
        raise typer.Exit(EXIT_FINDINGS)
    try:
        result = push(built.payload, url, dry_run=not commit, strategy=strategy.upper())
    except PushError as exc:
        raise fail(w(f"exchange.err.{exc.kind}", detail=exc.detail)) from None
    severities = {code: m.severity for code, m in project.form.messages.items()}
    report = _report(to_findings(result.problems, built.origins, "dataValueSets", severities))
    _show(report, project, w, fmt, {"import": result.to_dict()})
    if fmt != "json":
        say(w("exchange.push.counts", status=result.status, problems=len(result.problems), **result.counts), "bold")
        if not voice.quiet:
            say(w("exchange.push.dry_run" if result.dry_run else "exchange.push.committed"))
    raise typer.Exit(EXIT_OK if result.ok else EXIT_FINDINGS)


def _print_diff(diff: Diff, w: Words, title: str, show_all: bool, quiet: bool) -> None:
    sides = ((w("exchange.diff.before"), diff.before), (w("exchange.diff.after"), diff.after))
    if not quiet:
        say(title, "bold")
        for label, side in sides:
            say("  " + (w("exchange.diff.side", label=label, file=side.file, period=side.period,
                          received=side.received_at.strftime("%d/%m/%Y %H:%M"), sha=side.sha256[:12])
                        if side else f"{label}: {w('exchange.diff.none')}"))
    if diff.before is None and not show_all:
        say(w("exchange.diff.nothing_before"))
        return
    # Codes and cells are copied, never folded; the labels wrap.
    table = make_table(w.node("exchange.diff.columns"), (0, 3, 5))
    en = w.lang == "en"
    for c in diff.changes if show_all else diff.changed():
        delta = "" if c.delta is None else ("+" if c.delta > 0 else "") + number(c.delta, w.lang)
        old, new = ("" if v is None else show_value(v, w.lang) for v in (c.before, c.after))
        table.add_row(c.key, (c.label_en if en else c.label)[:LABEL_WIDTH], old, c.before_cell, new, c.after_cell,
                      delta)
    console.print(table)
    counts = Counter(c.status for c in diff.changes)
    if not quiet:
        say(w("exchange.diff.summary", **{k: counts.get(k, 0) for k in ("changed", "added", "removed", "same")}))


@app.command("diff")
def diff_command(unit: Annotated[str, typer.Argument(help=W("exchange.opt.unit"))], period: PeriodOpt,
                 last_year: Annotated[bool, typer.Option("--last-year", help=W("exchange.opt.last_year"))] = False,
                 before: Annotated[str | None, typer.Option("--before", help=W("exchange.opt.before"))] = None,
                 after: Annotated[str | None, typer.Option("--after", help=W("exchange.opt.after"))] = None,
                 show_all: Annotated[bool, typer.Option("--all", help=W("exchange.opt.all"))] = False,
                 ledger: LedgerOpt = Path(DEFAULT_NAME), fmt: FormatOpt = "table", lang: LangOpt = "vi",
                 schemas: SchemasOpt = None, quiet: QuietOpt = False, verbose: VerboseOpt = False) -> None:
    """So sánh với bản đã gửi trước, từng số liệu và ô / what changed since the previous version, figure by figure.

    Ví dụ / example: [bold]xl-bdg diff SO-YTE --period 2026-FY[/] · [bold]xl-bdg diff SO-YTE --period 2026-FY
    --last-year[/]
    """
    project, w, fmt = open_project(schemas), check_lang(lang), check_format(fmt, ("table", "json"))
    per, voice = parse_period_or_exit(project, period), check_voice(quiet, verbose)
    with open_ledger(ledger, w, readonly=True) as led:
        try:
            diff = diff_years(project, led, unit, per) if last_year else \
                diff_versions(project, led, unit, per, before=before, after=after)
        except DiffError as exc:
            raise fail(w(f"exchange.err.{exc.kind}", **exc.params)) from None
    if fmt == "json":
        print_json(diff.to_dict(all_figures=show_all))
    else:
        key = "exchange.diff.years" if last_year else "exchange.diff.versions"
        _print_diff(diff, w, w(key, unit=diff.unit, name=diff.name, period=per.code), show_all or voice.verbose,
                    voice.quiet)
    raise typer.Exit(EXIT_OK)
