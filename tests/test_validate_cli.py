"""`xl-bdg validate` through typer's CliRunner: exit codes, every problem named at its cell, JSON equal to the
library's dict, the HTML page and the annotated copies; and the HTML template's documented context."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from pathlib import Path

import jinja2.meta
import pytest
from openpyxl import load_workbook
from support.office import resave_xlsx
from typer.testing import CliRunner

from xl_bdg.catalogue import words
from xl_bdg.cli import app
from xl_bdg.findings import FileReport, Finding, Report
from xl_bdg.form.project import Project
from xl_bdg.validation.page import (
    TEMPLATE,
    FileSection,
    FindingRow,
    ValidationPage,
    environment,
    page_words,
    render_html,
)
from xl_bdg.validation.validate import validate_paths

runner = CliRunner()


@pytest.fixture()
def folder(make_workbook: Callable[..., Path], tmp_path: Path) -> Path:
    """One clean, one broken (an indicator rule, a date, an unreadable count) and one corrupt workbook."""
    inbox = tmp_path / "nhận về"

    def broken(d: dict) -> None:
        key = next(k for k in d["indicators"] if k.endswith(".F") and k[:-1] + "T" in d["indicators"])
        d["indicators"][key] = d["indicators"][key[:-1] + "T"] + 1
        d["activities"][1]["end"] = d["activities"][1]["start"].replace(year=2027)
        d["activities"][2]["part_t"] = "nhiều"

    make_workbook(out_dir=inbox, name="sach.xlsx")
    make_workbook(edit=broken, out_dir=inbox, name="Báo cáo lỗi.xlsx")
    (inbox / "hong.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    return inbox


def test_text_output_names_every_problem_at_its_cell(project: Project, folder: Path) -> None:
    result = runner.invoke(app, ["validate", str(folder), "--period", "2026-FY"])
    assert result.exit_code == 1, result.output
    report, _ = validate_paths([folder], project, project.period("2026-FY"))
    assert [f.count("error") > 0 for f in report.files] == [True, True, False]  # sorted: Báo…, hong, sach
    for fr in report.files:
        assert fr.file in result.stdout
        for f in fr.findings:
            where = f.where or words("vi")("page.whole_file")
            assert f"{where}  {f.code}  {f.render(project.form.messages, 'vi')[1]}" in result.stdout
    codes = {f.code for fr in report.files for f in fr.findings}
    assert {"female-exceeds-total", "date-outside-period", "type-error", "corrupt-file"} <= codes


def test_json_is_exactly_the_library_dict(project: Project, folder: Path) -> None:
    result = runner.invoke(app, ["validate", str(folder), "--format", "json", "--lang", "en"])
    assert result.exit_code == 1
    report, _ = validate_paths([folder], project)
    assert json.loads(result.stdout) == report.to_dict(project.form.messages, "en")


def test_clean_file_exits_zero_and_warnings_are_allowed(make_workbook: Callable[..., Path]) -> None:
    def twice(d: dict) -> None:
        d["activities"].append(dict(d["activities"][3]))

    clean, warned = make_workbook(name="a.xlsx"), make_workbook(edit=twice, name="b.xlsx")
    result = runner.invoke(app, ["validate", str(clean), str(warned), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "duplicate-activity" in result.stdout and words("en")("status.accepted_with_warnings") in result.stdout


@pytest.mark.parametrize("args", [["--format", "xml"], ["--period", "2026-Q3"], ["--lang", "fr"]])
def test_usage_errors_exit_2(folder: Path, args: list[str]) -> None:
    assert runner.invoke(app, ["validate", str(folder), *args]).exit_code == 2


def test_missing_path_and_broken_schemas_exit_2(folder: Path, tmp_path: Path) -> None:
    assert runner.invoke(app, ["validate", str(tmp_path / "khong-co.xlsx")]).exit_code == 2
    (tmp_path / "schemas").mkdir()
    assert runner.invoke(app, ["validate", str(folder), "--schemas", str(tmp_path / "schemas")]).exit_code == 2


def test_html_page_and_annotated_copies(project: Project, folder: Path, tmp_path: Path) -> None:
    page, marked = tmp_path / "out" / "ket-qua.html", tmp_path / "danh-dau"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    result = runner.invoke(app, ["validate", str(folder), "--html", str(page), "--annotate", str(marked)])
    assert result.exit_code == 1
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before, "inputs must never change"
    html = page.read_text(encoding="utf-8")
    report, _ = validate_paths([folder], project)
    for fr in report.files:
        for f in fr.findings:
            assert f.code in html and (f.cell is None or f"{f.sheet}!{f.cell}" in html)
    assert "<script" not in html and "http" not in html.split("</head>")[0].lower()  # self-contained
    copies = sorted(p.name for p in marked.iterdir())
    assert len(copies) == 2  # the two files with findings; the clean one needs no copy
    broken = next(p for p in marked.iterdir() if "loi" in p.name)
    wb = load_workbook(broken)
    bad = next(f for fr in report.files for f in fr.findings if f.code == "female-exceeds-total")
    assert wb[bad.sheet][bad.cell].comment is not None


@pytest.mark.libreoffice
def test_annotated_copy_keeps_marks_through_libreoffice(project: Project, folder: Path, tmp_path: Path) -> None:
    marked = tmp_path / "danh-dau"
    assert runner.invoke(app, ["validate", str(folder), "--annotate", str(marked)]).exit_code == 1
    report, _ = validate_paths([folder], project)
    bad = next(f for fr in report.files for f in fr.findings if f.code == "female-exceeds-total")
    copy = next(p for p in marked.iterdir() if "loi" in p.name)
    saved = load_workbook(resave_xlsx(copy, tmp_path / "lo"))
    cell = saved[bad.sheet][bad.cell]
    assert cell.comment is not None and cell.fill.fgColor.rgb not in (None, "00000000")


# --- the page's template uses only what its context documents ----------------------------------------------------

def test_template_uses_only_the_documented_context() -> None:
    env = environment()
    source = env.loader.get_source(env, TEMPLATE)[0]  # type: ignore[union-attr]
    assert jinja2.meta.find_undeclared_variables(env.parse(source)) == {"page"}
    fields = {cls: {f.name for f in dataclasses.fields(cls)} for cls in (ValidationPage, FileSection, FindingRow)}
    used = {name: set(re.findall(rf"\b{name}\.(\w+)", source)) for name in ("page", "f", "x")}
    assert used["page"] - {"words"} <= fields[ValidationPage]
    assert used["f"] <= fields[FileSection] and used["x"] <= fields[FindingRow]
    used_words = set(re.findall(r"page\.words\.(\w+)", source))
    assert used_words <= set(page_words("vi")) and set(page_words("vi")) == set(page_words("en"))


def test_html_escapes_what_users_typed(project: Project) -> None:
    evil = "<img src=x onerror=alert(1)>"
    report = Report(files=[FileReport(file=f"{evil}.xlsx", findings=[
        Finding("value-not-in-list", "error", f"{evil}.xlsx", "Hoạt động", "B5", evil,
                {"list": "x", "choices": "y"})])])
    for lang in ("vi", "en"):
        html = render_html(report, project, lang)
        assert evil not in html and "&lt;img" in html
