"""`xl-bdg validate PATH…`: check workbooks (files or folders) and say what to fix, cell by cell."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ..catalogue import Words
from ..findings import Report
from ..form.project import Project
from ..sanitize import dumps
from ..validation.page import text_lines, write_html
from ..validation.validate import expand_paths, validate_paths
from .common import (
    LangOpt,
    QuietOpt,
    SchemasOpt,
    VerboseOpt,
    Voice,
    W,
    app,
    check_format,
    check_lang,
    check_voice,
    err,
    fail,
    open_project,
    parse_period_or_exit,
    say,
)
from .edge import os_message

STYLES = {"ok": "bold green", "warnings": "bold yellow", "errors": "bold red", "error": "red", "warning": "yellow",
          "info": "cyan", "summary": "bold"}
PROGRESS_FROM = 10  # files: below this a progress bar only flickers


def _annotate(report: Report, project: Project, dest: Path, w: Words, quiet: bool = False) -> int:
    """Write the marked copies; one copy that cannot be written does not stop the others. Exit 2 at the end, naming
    the path, when the system refused one (a full disk, a locked folder): the copies are then incomplete."""
    from ..validation.copies import copy_names
    from ..validation.marks import annotate_copy  # openpyxl writing is only needed here

    marked = [fr for fr in report.files if fr.findings]
    names = copy_names([Path(fr.file) for fr in marked])
    written, refused = 0, None
    if marked:
        dest.mkdir(parents=True, exist_ok=True)  # a folder that cannot be made is the edge's message, said once
    if marked and not quiet:
        say(w("cli.validate.annotated", out=dest), "bold")
    for fr in marked:
        try:
            copy = annotate_copy(Path(fr.file), fr, dest, project, w.lang, name=names[Path(fr.file)])
            written += 1
            if not quiet:
                say(f"  {fr.file} → {copy}")
        except OSError as exc:  # the system's refusal: said for this file, and the run ends with exit 2
            refused = os_message(exc, w) or f"{type(exc).__name__}: {exc}"
            say(w("cli.err.annotate", file=fr.file, error=refused), "yellow", to=err)
        except Exception as exc:  # one copy that cannot be written must not hide the others
            say(w("cli.err.annotate", file=fr.file, error=f"{type(exc).__name__}: {exc}"), "yellow", to=err)
    if refused is not None:
        raise fail(refused)
    return written


def _lines(report: Report, project: Project, w: Words, voice: Voice) -> list[tuple[str, str]]:
    """The terminal view: --quiet keeps the files that need a look (errors, warnings) and the summary; --verbose adds
    each file's sha256 and each finding's title."""
    messages = project.form.messages
    if voice.verbose:
        out: list[tuple[str, str]] = []
        for fr in report.files:
            part = Report([fr])
            lines = text_lines(part, messages, w.lang)[:-1]
            out.append(lines[0])
            out.append(("info", f"    sha256 {fr.sha256 or '–'}"))
            for f, (style, line) in zip(fr.sorted_findings(), lines[1:], strict=True):
                out.append((style, line.replace(f"  {f.code}  ", f"  {f.code}  {f.render(messages, w.lang)[0]}: ", 1)))
        return out + text_lines(report, messages, w.lang)[-1:]
    lines = text_lines(report, messages, w.lang)
    if not voice.quiet:
        return lines
    keep, shown = [], False
    for style, line in lines:
        if style in ("ok", "warnings", "errors"):
            shown = style != "ok"
        if style == "summary" or (shown and style != "info"):
            keep.append((style, line))
    return keep


@app.command("validate")
def validate_command(
    paths: Annotated[list[Path], typer.Argument(help=W("cli.opt.paths_validate"), exists=True)],
    period: Annotated[str | None, typer.Option("--period", "-p", help=W("cli.opt.period_asked"))] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help=W("cli.opt.format_text"))] = "text",
    html: Annotated[Path | None, typer.Option("--html", dir_okay=False, help=W("cli.opt.html"))] = None,
    annotate: Annotated[Path | None, typer.Option("--annotate", file_okay=False, help=W("cli.opt.annotate"))] = None,
    workers: Annotated[int | None, typer.Option("--workers", min=1, help=W("cli.opt.workers"))] = None,
    lang: LangOpt = "vi",
    schemas: SchemasOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Kiểm tra báo cáo của đơn vị / validate unit workbooks. Thoát 0: hợp lệ; 1: có lỗi; 2: sai cách dùng.

    Ví dụ / example: [bold]xl-bdg validate nhan-ve/ --period 2026-FY --html ket-qua.html --annotate danh-dau/[/]
    """
    w, fmt, voice = check_lang(lang), check_format(fmt, ("text", "json")), check_voice(quiet, verbose)
    project = open_project(schemas)
    per = parse_period_or_exit(project, period) if period is not None else None
    total = len(expand_paths(paths))
    if total == 0:
        raise fail(w("cli.err.no_workbook", paths=", ".join(str(p) for p in paths)))
    if fmt == "text" and total >= PROGRESS_FROM and not voice.quiet:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      console=err, transient=True) as bar:
            task = bar.add_task(w("cli.validate.progress"), total=total)
            report, _ = validate_paths(paths, project, per, workers,
                                       progress=lambda done, n: bar.update(task, completed=done, total=n))
    else:
        report, _ = validate_paths(paths, project, per, workers)
    messages = project.form.messages
    if fmt == "json":
        typer.echo(dumps(report.to_dict(messages, w.lang), indent=2))
    else:
        for style, line in _lines(report, project, w, voice):
            say(line, STYLES.get(style))
    if html is not None:
        write_html(report, project, html, w.lang)
    if annotate is not None:
        _annotate(report, project, annotate, w, voice.quiet)
    raise typer.Exit(report.exit_code)
