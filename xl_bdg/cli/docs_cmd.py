"""`xl-bdg docs`: write the form reference generated from schemas/."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..fileio import write_text_atomic
from ..formdoc import form_reference
from .common import SchemasOpt, app, console, open_project


@app.command("docs")
def docs_command(
    out: Annotated[Path, typer.Option("--out", "-o", help="Thư mục ghi tài liệu.", file_okay=False)] = Path("docs"),
    schemas: SchemasOpt = None,
) -> None:
    """Sinh tài liệu tham chiếu biểu mẫu từ schemas/ / write the form reference.

    Ví dụ / example: [bold]xl-bdg docs --out docs/[/]
    """
    project = open_project(schemas)
    target = out / "form-reference.md"
    write_text_atomic(target, form_reference(project))
    console.print(f"Đã ghi {target}")
