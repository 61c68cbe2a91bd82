"""Shared pieces of the CLI: the app, common options, loading the project with a clear message on bad config."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ..form.definition import FormError
from ..form.project import Project, load_project

app = typer.Typer(
    name="xl-bdg",
    help="xl-bdg: báo cáo bình đẳng giới cấp tỉnh — biểu mẫu, kiểm tra, tổng hợp, báo cáo.\n\n"
    "Gender-equality reporting for a province: workbooks, validation, aggregation, report.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
console = Console()
err = Console(stderr=True)

SchemasOpt = Annotated[
    Path | None,
    typer.Option("--schemas", help="Thư mục định nghĩa biểu mẫu (mặc định: schemas/ của dự án hoặc $XL_BDG_SCHEMAS).",
                 file_okay=False),
]
LangOpt = Annotated[str, typer.Option("--lang", help="Ngôn ngữ thông báo: vi hoặc en.")]
PeriodOpt = Annotated[str, typer.Option("--period", "-p", help="Kỳ báo cáo, ví dụ 2026-FY, 2026-H1, 2026-AM.")]
LedgerOpt = Annotated[Path, typer.Option("--ledger", envvar="XL_BDG_LEDGER", dir_okay=False,
                                         help="Tệp sổ tiếp nhận SQLite (mặc định ledger.sqlite hoặc $XL_BDG_LEDGER).")]

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def fail(message: str) -> typer.Exit:
    """Print a usage/configuration problem and return the exit (code 2) to raise."""
    err.print(f"[bold red]Lỗi:[/] {message}")
    return typer.Exit(EXIT_USAGE)


def open_project(schemas: Path | None) -> Project:
    """Load the project configuration or exit 2 with the checker's message (which names the bad entry)."""
    try:
        return load_project(schemas)
    except FormError as exc:
        raise fail(f"định nghĩa biểu mẫu không hợp lệ / broken form definition: {exc}") from None


def check_lang(lang: str) -> str:
    """Return `lang` if supported, else exit 2."""
    if lang not in ("vi", "en"):
        raise fail(f"--lang phải là vi hoặc en (got '{lang}')")
    return lang


def parse_period_or_exit(project: Project, text: str):
    """Parse a period code or exit 2 with the reason."""
    try:
        return project.period(text)
    except ValueError as exc:
        raise fail(str(exc)) from None


def _version(value: bool) -> None:
    if value:
        from .. import __version__

        console.print(f"xl-bdg {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="In phiên bản rồi thoát.")] = False,
) -> None:
    """xl-bdg: báo cáo bình đẳng giới cấp tỉnh / gender-equality reporting for a province."""
