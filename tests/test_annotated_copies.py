"""Annotated copies never overwrite each other: two `BaoCao.xlsx` from different folders and `X.xls` beside `X.xlsx`
(all saved by LibreOffice) give four copies, each marked with its own input's findings, and the command says which
copy belongs to which input."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook
from support.office import convert, resave_xlsx
from typer.testing import CliRunner

from xl_bdg.cli import app
from xl_bdg.form.project import Project
from xl_bdg.validation.copies import copy_names
from xl_bdg.validation.validate import validate_file

runner = CliRunner()


def test_names_grow_only_as_far_as_needed(tmp_path: Path) -> None:
    a, b = tmp_path / "phuong-a" / "BaoCao.xlsx", tmp_path / "phuong-b" / "BaoCao.xlsx"
    x, xs, alone = tmp_path / "X.xls", tmp_path / "X.xlsx", tmp_path / "Sở Y tế.xlsx"
    names = copy_names([a, b, x, xs, alone])
    assert names == {a: "phuong-a_BaoCao_kiem-tra.xlsx", b: "phuong-b_BaoCao_kiem-tra.xlsx",
                     x: "X-xls_kiem-tra.xlsx", xs: "X-xlsx_kiem-tra.xlsx", alone: "So-Y-te_kiem-tra.xlsx"}
    # Folders that differ only in case still give two names; a name that meets a grown one is numbered.
    c, d = tmp_path / "A" / "baocao.xlsx", tmp_path / "a_BaoCao.xlsx"
    names = copy_names([a, c, d])
    assert len({n.lower() for n in names.values()}) == 3


@pytest.mark.libreoffice
@pytest.mark.slow
def test_clashing_inputs_keep_their_own_copies(project: Project, make_workbook: Callable[..., Path],
                                               tmp_path: Path) -> None:
    def female(d: dict) -> None:
        key = next(k for k in d["indicators"] if k.endswith(".F") and k[:-1] + "T" in d["indicators"])
        d["indicators"][key] = d["indicators"][key[:-1] + "T"] + 1

    def late_end(d: dict) -> None:
        d["activities"][1]["end"] = d["activities"][1]["start"].replace(year=2027)

    inbox = tmp_path / "inbox"
    lo = tmp_path / "lo"
    sources = {"phuong-a/BaoCao.xlsx": female, "phuong-b/BaoCao.xlsx": late_end, "X.xlsx": female}
    for rel, edit in sources.items():
        saved = resave_xlsx(make_workbook(edit=edit, name=f"{Path(rel).parent.name or 'x'}.xlsx"), lo / rel)
        (inbox / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(saved, inbox / rel)
    shutil.copy(convert(make_workbook(edit=late_end, name="X.xlsx", out_dir=tmp_path / "x"), "xls", lo / "xls"),
                inbox / "X.xls")
    marked = tmp_path / "danh-dau"
    done = runner.invoke(app, ["validate", str(inbox), "--annotate", str(marked), "--lang", "en"])
    assert done.exit_code == 1, done.output
    copies = sorted(p.name for p in marked.iterdir())
    assert copies == ["X-xls_kiem-tra.xlsx", "X-xlsx_kiem-tra.xlsx", "phuong-a_BaoCao_kiem-tra.xlsx",
                      "phuong-b_BaoCao_kiem-tra.xlsx"]
    lines = [line for line in done.output.splitlines() if "→" in line]
    for rel in (*sources, "X.xls"):
        source = inbox / rel
        copy = marked / copy_names(list(inbox.rglob("*.xls*")))[source]
        assert any(line.strip() == f"{source} → {copy}" for line in lines), (rel, lines)
        _, report = validate_file(source, project)
        if source.suffix == ".xlsx":  # the marks sit on the input's own bad cells
            wb = load_workbook(copy)
            for f in report.findings:
                if f.cell and f.severity == "error":
                    assert wb[f.sheet][f.cell].comment is not None, (rel, f.code)
