"""`xl-bdg report | letters | demo`: the province report, the feedback letters, and the whole job on sample data."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ..ledger.store import DEFAULT_NAME, Ledger
from .common import (
    EXIT_OK,
    LangOpt,
    LedgerOpt,
    PeriodOpt,
    SchemasOpt,
    app,
    check_lang,
    console,
    fail,
    open_project,
    parse_period_or_exit,
)

#: The season `xl-bdg demo` plays: the year, after its half-year.
DEMO_PERIOD, DEMO_PREVIOUS = "2026-FY", "2026-H1"
OutOpt = Annotated[Path, typer.Option("--out", "-o", file_okay=False, help="Thư mục ghi kết quả.")]


def _dataset(schemas: Path | None, period: str, ledger: Path):
    project = open_project(schemas)
    per = parse_period_or_exit(project, period)
    if not ledger.exists():
        raise fail(f"không thấy sổ tiếp nhận / no ledger at {ledger}: chạy `xl-bdg intake` trước")
    from ..aggregation.combine import aggregate

    try:
        led = Ledger(ledger)
    except sqlite3.DatabaseError as exc:
        raise fail(f"không mở được sổ tiếp nhận / cannot open the ledger {ledger}: {exc}") from None
    return project, per, led, aggregate(project, led, per)


@app.command("report")
def report_command(period: PeriodOpt, ledger: LedgerOpt = Path(DEFAULT_NAME), out: OutOpt = Path("report"),
                   lang: LangOpt = "vi", schemas: SchemasOpt = None) -> None:
    """Viết báo cáo của tỉnh (Word, HTML, biểu Excel, biểu đồ) và thư góp ý / write the province report.

    Ví dụ / example: [bold]xl-bdg report --period 2026-FY --ledger ledger.sqlite --out report/[/]
    """
    check_lang(lang)
    from ..report.letters import write_letters
    from ..report.write import write_report

    project, per, led, ds = _dataset(schemas, period, ledger)
    with led:
        files = write_report(project, ds, out, lang=lang)
        letters = write_letters(project, led, ds, out / "letters", lang=lang)
    console.print(f"Báo cáo kỳ {per.code}:")
    for path in (files.docx, files.html, files.annex, *files.charts.values()):
        console.print(f"  {path}")
    console.print(f"Thư góp ý: {len(letters) // 2} đơn vị, trong {out / 'letters'}")
    raise typer.Exit(EXIT_OK)


@app.command("letters")
def letters_command(period: PeriodOpt, ledger: LedgerOpt = Path(DEFAULT_NAME), out: OutOpt = Path("letters"),
                    lang: LangOpt = "vi", schemas: SchemasOpt = None) -> None:
    """Viết thư đề nghị sửa cho đơn vị có báo cáo còn lỗi / write feedback letters to units whose file has errors.

    Ví dụ / example: [bold]xl-bdg letters --period 2026-FY --out letters/[/]
    """
    check_lang(lang)
    from ..report.letters import write_letters

    project, per, led, ds = _dataset(schemas, period, ledger)
    with led:
        written = write_letters(project, led, ds, out, lang=lang)
    console.print(f"Thư góp ý kỳ {per.code}: {len(written) // 2} đơn vị")
    for path in written:
        console.print(f"  {path}")
    raise typer.Exit(EXIT_OK)


@app.command("demo")
def demo_command(out: OutOpt = Path("demo-output"), lang: LangOpt = "vi", schemas: SchemasOpt = None) -> None:
    """Chạy thử toàn bộ quy trình trên tỉnh mẫu / run the whole job on the sample province.

    Tạo biểu mẫu, điền số liệu giả lập (có đơn vị nộp muộn, có lỗi, thiếu, nộp lại), tiếp nhận, kiểm tra, tổng
    hợp, viết báo cáo, thư góp ý và tệp xuất. Ví dụ / example: [bold]xl-bdg demo --out demo-output/[/]
    """
    check_lang(lang)
    from ..report.build import load_labels
    from ..sample.demo import prepare_out_dir, run_demo

    project = open_project(schemas)
    try:
        prepare_out_dir(out)
    except FileExistsError as exc:
        raise fail(str(exc)) from None
    start = time.perf_counter()
    with console.status("Đang chạy thử…") as spin:
        result = run_demo(out, project, project.period(DEMO_PERIOD), previous=project.period(DEMO_PREVIOUS), lang=lang,
                          step=lambda name: spin.update(f"Đang chạy thử: {name}…"))
    labels = load_labels(lang)
    table = Table(title=f"{labels['demo']['title']} — {result.period}")
    table.add_column(labels["demo"]["what"])
    table.add_column(labels["demo"]["where"], overflow="fold")
    for what, path in result.outputs:
        table.add_row(labels["demo"]["outputs"].get(what, what), str(path))
    console.print(table)
    counts: dict[str, int] = {}
    for s in result.statuses:
        counts[s.status] = counts.get(s.status, 0) + 1
    console.print("  " + " · ".join(f"{labels['status'].get(k, k)}: {n}" for k, n in counts.items()))
    console.print(f"  {labels['demo']['letters']}: {len(result.letters) // 2} · "
                  f"{labels['demo']['seconds']}: {time.perf_counter() - start:.1f}")
    raise typer.Exit(EXIT_OK)
