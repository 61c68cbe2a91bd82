"""`xl-bdg validate PATH…`: check workbooks (files or folders) and say what to fix, cell by cell."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.text import Text

from ..findings import Report
from ..form.project import Project
from ..validation.page import text_lines, write_html
from ..validation.validate import expand_paths, validate_paths
from .common import LangOpt, SchemasOpt, app, check_lang, console, err, fail, open_project, parse_period_or_exit

STYLES = {"ok": "bold green", "warnings": "bold yellow", "errors": "bold red", "error": "red", "warning": "yellow",
          "info": "cyan", "summary": "bold"}
PROGRESS_FROM = 10  # files: below this a progress bar only flickers


def _annotate(report: Report, project: Project, dest: Path, lang: str) -> int:
    from ..validation.marks import annotate_copy  # openpyxl writing is only needed here

    written = 0
    for fr in report.files:
        if not fr.findings:
            continue
        try:
            annotate_copy(Path(fr.file), fr, dest, project, lang)
            written += 1
        except Exception as exc:  # one copy that cannot be written must not hide the others
            err.print(Text(f"! {fr.file}: {type(exc).__name__}: {exc}", style="yellow"))
    return written


@app.command("validate")
def validate_command(
    paths: Annotated[list[Path], typer.Argument(help="Tệp .xlsx/.xlsm/.xls hoặc thư mục chứa chúng.", exists=True)],
    period: Annotated[str | None, typer.Option("--period", "-p", help="Kỳ phải báo cáo, ví dụ 2026-FY.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text (mặc định) hoặc json.")] = "text",
    html: Annotated[Path | None, typer.Option("--html", dir_okay=False, help="Ghi trang HTML để gửi hoặc in.")] = None,
    annotate: Annotated[Path | None, typer.Option("--annotate", file_okay=False,
                                                  help="Ghi bản sao có đánh dấu ô lỗi vào thư mục này.")] = None,
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="Số tiến trình đọc song song.")] = None,
    lang: LangOpt = "vi",
    schemas: SchemasOpt = None,
) -> None:
    """Kiểm tra báo cáo của đơn vị / validate unit workbooks. Thoát 0: hợp lệ; 1: có lỗi; 2: sai cách dùng.

    Ví dụ / example: [bold]xl-bdg validate nhan-ve/ --period 2026-FY --html ket-qua.html --annotate danh-dau/[/]
    """
    lang = check_lang(lang)
    if fmt not in ("text", "json"):
        raise fail(f"--format phải là text hoặc json (got '{fmt}')")
    project = open_project(schemas)
    per = parse_period_or_exit(project, period) if period is not None else None
    total = len(expand_paths(paths))
    if total == 0:
        raise fail("không tìm thấy tệp .xlsx, .xlsm hoặc .xls nào / no workbook found in "
                   + ", ".join(str(p) for p in paths))
    if fmt == "text" and total >= PROGRESS_FROM:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      console=err, transient=True) as bar:
            task = bar.add_task("Đang kiểm tra…" if lang == "vi" else "Validating…", total=total)
            report, _ = validate_paths(paths, project, per, workers,
                                       progress=lambda done, n: bar.update(task, completed=done, total=n))
    else:
        report, _ = validate_paths(paths, project, per, workers)
    messages = project.form.messages
    if fmt == "json":
        typer.echo(json.dumps(report.to_dict(messages, lang), ensure_ascii=False, indent=2))
    else:
        for style, line in text_lines(report, messages, lang):
            console.print(Text(line, style=STYLES.get(style, "")), soft_wrap=True)
    if html is not None:
        write_html(report, project, html, lang)
    if annotate is not None:
        _annotate(report, project, annotate, lang)
    raise typer.Exit(report.exit_code)
