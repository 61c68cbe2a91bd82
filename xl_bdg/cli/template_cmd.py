"""`xl-bdg template`: write the standard workbook for each unit of a period."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import track

from ..workbook.template import units_for, write_template
from .common import PeriodOpt, SchemasOpt, app, console, fail, open_project, parse_period_or_exit


@app.command("template")
def template_command(
    period: PeriodOpt,
    unit: Annotated[list[str] | None,
                    typer.Option("--unit", "-u", help="Mã đơn vị (lặp lại được); mặc định: tất cả.")] = None,
    out: Annotated[Path,
                   typer.Option("--out", "-o", help="Thư mục ghi biểu mẫu.", file_okay=False)] = Path("workbooks"),
    schemas: SchemasOpt = None,
) -> None:
    """Tạo biểu mẫu Excel cho từng đơn vị và kỳ báo cáo / write one workbook per unit.

    Ví dụ / example: [bold]xl-bdg template --period 2026-FY --unit SO-YTE --out workbooks/[/]
    """
    project = open_project(schemas)
    per = parse_period_or_exit(project, period)
    try:
        units = units_for(project, per, unit)
    except KeyError as exc:
        raise fail(f"mã đơn vị không có trong danh sách đơn vị báo cáo kỳ {per.code}: {exc.args[0]}") from None
    written = [write_template(project, u, per, out) for u in track(units, description="Tạo biểu mẫu…",
                                                                      console=console, transient=True)]
    console.print(f"Đã tạo {len(written)} biểu mẫu kỳ {per.code} trong [bold]{out}[/]")
    for path in written[:5]:
        console.print(f"  {path}")
    if len(written) > 5:
        console.print(f"  … và {len(written) - 5} tệp khác")
