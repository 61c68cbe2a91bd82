"""`xl-bdg intake | status | aggregate | explain | export`: the office's work after the deadline."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from ..aggregation.combine import aggregate
from ..aggregation.export import dataset_to_dict, long_rows, write_csv, write_dhis2, write_parquet
from ..aggregation.provenance import explain, formula
from ..findings import show_value
from ..ledger.intake import IntakeEvent, intake
from ..ledger.status import status
from ..ledger.store import DEFAULT_NAME, Ledger
from .common import (
    EXIT_FINDINGS,
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

FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table (bảng) hoặc json.")]
STATUS_TEXT = {"missing": ("Chưa nộp", "Missing", "red"), "invalid": ("Không hợp lệ", "Invalid", "red"),
               "late": ("Nộp muộn", "Late", "yellow"),
               "accepted_with_warnings": ("Hợp lệ, có cảnh báo", "Accepted with warnings", "yellow"),
               "accepted": ("Hợp lệ", "Accepted", "green")}


def _open(path: Path, create: bool = False) -> Ledger:
    if not create and not path.exists():
        raise fail(f"chưa có sổ tiếp nhận tại {path} / no ledger at {path}: chạy xl-bdg intake trước, "
                   "hoặc chỉ đúng tệp bằng --ledger / $XL_BDG_LEDGER")
    try:
        return Ledger(path)
    except sqlite3.DatabaseError as exc:
        raise fail(f"không mở được sổ tiếp nhận / cannot open the ledger {path}: {exc}") from None


def _fmt(fmt: str) -> str:
    if fmt not in ("table", "json"):
        raise fail(f"--format phải là table hoặc json (got '{fmt}')")
    return fmt


def _number(value: float | None) -> str:
    """Whole numbers with thousands dots, others with one decimal and a decimal comma (Vietnamese style)."""
    if value is None:
        return "–"
    if float(value).is_integer():
        return show_value(value)
    whole, _, frac = f"{value:.1f}".partition(".")
    return f"{show_value(int(whole))},{frac}"


def _print_json(data: object) -> None:
    # Plain text, not rich: rich would wrap long lines at the terminal width and break the JSON.
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@app.command("intake")
def intake_command(
    paths: Annotated[list[Path], typer.Argument(exists=True, help="Tệp hoặc thư mục biểu mẫu đã nhận.")],
    period: Annotated[str | None, typer.Option("--period", "-p",
                                               help="Kỳ báo cáo đang thu (kiểm tra kỳ khai).")] = None,
    received_at: Annotated[str | None, typer.Option("--received-at", help="Thời điểm nhận (ISO, vd 2026-11-14T09:30); "
                                                    "mặc định: bây giờ.")] = None,
    ledger: LedgerOpt = Path(DEFAULT_NAME), fmt: FormatOpt = "table", lang: LangOpt = "vi", schemas: SchemasOpt = None,
) -> None:
    """Tiếp nhận, kiểm tra, lưu trữ biểu mẫu vào sổ / record received workbooks in the ledger.

    Ví dụ / example: [bold]xl-bdg intake inbox/ --period 2026-FY --received-at 2026-11-14T09:30[/]
    """
    project, lang, fmt = open_project(schemas), check_lang(lang), _fmt(fmt)
    per = parse_period_or_exit(project, period) if period else None
    try:
        when = dt.datetime.fromisoformat(received_at) if received_at else None
    except ValueError:
        raise fail(f"--received-at phải là ngày giờ ISO, vd 2026-11-14T09:30 (got '{received_at}')") from None
    with _open(ledger, create=True) as led, Progress(console=console, transient=True, disable=fmt == "json") as bar:
        task = bar.add_task("Tiếp nhận…", total=None)

        def tick(ev: IntakeEvent) -> None:
            bar.update(task, total=ev.total, completed=ev.done)

        result = intake(led, paths, project, received_at=when, expected_period=per, progress=tick)
    if fmt == "json":
        _print_json(result.to_dict(project.form.messages, lang))
        raise typer.Exit(result.exit_code)
    table = Table("Tệp / file", "Đơn vị", "Kỳ", "Kết quả", "Lỗi", "Cảnh báo")
    shown = result.items if len(result.items) <= 30 else [  # a whole province's inbox: only what needs a look
        i for i in result.items if i.record is None or not i.record.valid or i.supersedes]
    for item in shown:
        rec = item.record
        outcome = {"recorded": "đã ghi" + (" (thay bản trước)" if item.supersedes else ""), "known": "đã có (bỏ qua)",
                   "changed": "tệp thay đổi khi đọc: nhận lại", "unreadable": "không đọc được tệp"}[item.outcome]
        table.add_row(Path(item.path).name, rec.unit_code if rec else "", rec.period if rec else "", outcome,
                      str(rec.errors) if rec else "", str(rec.warnings) if rec else "")
    console.print(table)
    console.print(f"{len(result.recorded)} tệp mới, {len(result.items) - len(result.recorded)} tệp đã có"
                  + (f" (bảng chỉ liệt kê {len(shown)} tệp cần xem)" if shown is not result.items else "")
                  + f"; sổ: [bold]{ledger}[/]")
    raise typer.Exit(result.exit_code)


@app.command("status")
def status_command(period: PeriodOpt, ledger: LedgerOpt = Path(DEFAULT_NAME), fmt: FormatOpt = "table",
                   lang: LangOpt = "vi", schemas: SchemasOpt = None) -> None:
    """Tình hình nộp báo cáo của từng đơn vị / where each unit's submission stands.

    Ví dụ / example: [bold]xl-bdg status --period 2026-FY[/]
    """
    project, lang, fmt = open_project(schemas), check_lang(lang), _fmt(fmt)
    per = parse_period_or_exit(project, period)
    with _open(ledger) as led:
        rows = status(led, project, per)
        stray = led.unattributed(per.code)
    code = EXIT_FINDINGS if any(r.status == "invalid" for r in rows) else EXIT_OK
    if fmt == "json":
        _print_json([vars(r) for r in rows])
        raise typer.Exit(code)
    table = Table("Mã", "Đơn vị", "Tình trạng", "Nhận lúc", "Lỗi", "Cảnh báo", "Số bản", title=f"{per.code}")
    for r in rows:
        vi, en, colour = STATUS_TEXT[r.status]
        table.add_row(r.unit, r.name, f"[{colour}]{vi if lang == 'vi' else en}[/]",
                      r.received_at.strftime("%d/%m/%Y %H:%M") if r.received_at else "", str(r.errors or ""),
                      str(r.warnings or ""), str(r.versions or ""))
    console.print(table)
    counts = {k: sum(1 for r in rows if r.status == k) for k in STATUS_TEXT}
    console.print(", ".join(f"{STATUS_TEXT[k][0 if lang == 'vi' else 1]}: {n}" for k, n in counts.items()))
    if stray:
        console.print(f"[yellow]{len(stray)} tệp không đọc được đơn vị khai báo[/] (xem xl-bdg intake --format json): "
                      + ", ".join(r.original_name for r in stray[:5]) + (" …" if len(stray) > 5 else ""))
    raise typer.Exit(code)


@app.command("aggregate")
def aggregate_command(period: PeriodOpt, ledger: LedgerOpt = Path(DEFAULT_NAME), fmt: FormatOpt = "table",
                      schemas: SchemasOpt = None) -> None:
    """Tổng hợp số liệu toàn tỉnh từ các bản hợp lệ / merge the valid submissions into the province dataset.

    Ví dụ / example: [bold]xl-bdg aggregate --period 2026-FY --format json[/]
    """
    project, fmt = open_project(schemas), _fmt(fmt)
    per = parse_period_or_exit(project, period)
    with _open(ledger) as led:
        ds = aggregate(project, led, per)
    if fmt == "json":
        _print_json(dataset_to_dict(ds))
        raise typer.Exit(EXIT_OK)
    table = Table("Chỉ tiêu", "Nội dung", "Giá trị", "Cách tính", "Số đơn vị",
                  title=f"{project.province_name} – {per.code}")
    for ind in project.form.indicators:
        for fid in [None] + [f.id for f in ind.fields]:
            fig = ds.figure(ind.code, fid)
            if fig is None or (fid is not None and ds.figure(ind.code, None) is not None and len(ind.fields) == 1):
                continue
            label = ind.label if fid is None else f"{ind.label[:40]}… – {ind.field(fid).label}"
            value = "" if fig.value is None else _number(fig.value)
            table.add_row(ind.key(fid) if fid else ind.code, label[:70], value, fig.agg, str(fig.units))
    console.print(table)
    used = sum(1 for s in ds.statuses if s.used_sha256)
    console.print(f"{used}/{len(ds.statuses)} đơn vị được tổng hợp; {len(ds.activities)} hoạt động; "
                  f"{len(ds.warnings)} cảnh báo đối chiếu")
    raise typer.Exit(EXIT_OK)


@app.command("explain")
def explain_command(target: Annotated[str, typer.Argument(help="Chỉ tiêu[.trường], vd COMM_06.F hoặc HEA_01.")],
                    period: PeriodOpt, scope: Annotated[str | None, typer.Option(
                        "--scope", help="Phạm vi: mã đơn vị, kind:commune, …; mặc định toàn tỉnh.")] = None,
                    ledger: LedgerOpt = Path(DEFAULT_NAME), fmt: FormatOpt = "table", lang: LangOpt = "vi",
                    schemas: SchemasOpt = None) -> None:
    """Truy nguồn một số liệu tổng hợp đến từng ô / trace an aggregated figure to its cells.

    Ví dụ / example: [bold]xl-bdg explain COMM_06.F --period 2026-FY --scope kind:commune[/]
    """
    project, fmt, lang = open_project(schemas), _fmt(fmt), check_lang(lang)
    per = parse_period_or_exit(project, period)
    with _open(ledger) as led:
        ds = aggregate(project, led, per, checks=False)
    try:
        trail = explain(ds, project.form, target, scope)
    except ValueError as exc:
        raise fail(str(exc)) from None
    if fmt == "json":
        _print_json(trail.to_dict())
        raise typer.Exit(EXIT_OK)
    console.print(f"[bold]{trail.indicator}{'.' + trail.field if trail.field else ''}[/] {trail.label}")
    console.print(f"{per.code}, {trail.scope}: [bold]{_number(trail.value)}[/] = {formula(trail, lang)}")
    table = Table("Đơn vị", "Tệp", "sha256", "Ô", "Giá trị")
    for s in trail.sources:
        table.add_row(s.unit, s.file, s.sha256[:12], f"{s.sheet}!{s.cell}", show_value(s.value))
    console.print(table)
    raise typer.Exit(EXIT_OK)


@app.command("export")
def export_command(period: PeriodOpt, out: Annotated[Path, typer.Option("--out", "-o", file_okay=False,
                                                                        help="Thư mục ghi tệp xuất.")] = Path("export"),
                   ledger: LedgerOpt = Path(DEFAULT_NAME), schemas: SchemasOpt = None) -> None:
    """Xuất số liệu: bảng dài CSV, Parquet và DHIS2 JSON / export long CSV, Parquet and DHIS2 dataValueSets.

    Ví dụ / example: [bold]xl-bdg export --period 2026-FY --out export/[/]
    """
    project = open_project(schemas)
    per = parse_period_or_exit(project, period)
    with _open(ledger) as led:
        ds = aggregate(project, led, per, checks=False)
    rows = long_rows(ds, project.form)
    written = [write_csv(rows, out / f"{per.code}_long.csv"), write_parquet(rows, out / f"{per.code}_long.parquet"),
               write_dhis2(ds, project.form, per, out / f"{per.code}_dhis2.json", project.config)]
    console.print(f"{len(rows)} giá trị của {per.code}:")
    for path in written:
        console.print(f"  {path}")
    raise typer.Exit(EXIT_OK)
