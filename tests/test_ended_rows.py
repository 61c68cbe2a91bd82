"""Rows and units that no longer exist in a period (issue 14): the district level ended on 1/7/2025 (NQ 202/2025/QH15,
Law 72/2025/QH15). POL_01's district rows (`until: 2025-06-30` in form.yaml) are a locked 0 in templates of later
periods and a figure typed there anyway is an error at its cell; a template for a district after its `valid_to` is
refused by the CLI. Workbooks are the project's own templates, filled and read back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from xl_bdg.cli import app
from xl_bdg.form.layout import layout_for
from xl_bdg.form.project import Project
from xl_bdg.validation.validate import validate_file
from xl_bdg.workbook.template import write_template

DISTRICT_ROWS = ("POL_01.HD_N", "POL_01.HD_D", "POL_01.UD_N", "POL_01.UD_D")


def _found(path: Path, project: Project) -> list[tuple[str, str, str | None]]:
    _, report = validate_file(path, project)
    return [(f.code, f.severity, f.cell) for f in report.findings]


def _two_district_councils(d: dict[str, Any]) -> None:
    """Two district People's Councils counted, and the total raised with them (so only the row itself is wrong)."""
    d["indicators"]["POL_01.HD_D"] = 2
    d["indicators"]["POL_01.DEN"] = sum(d["indicators"][f"POL_01.{p}_D"]
                                        for p in ("AG", "HP", "UP", "HD", "UD", "HC", "UC"))


def test_a_district_figure_after_the_district_level_ended_is_an_error_at_its_cell(
        project: Project, make_workbook: Callable[..., Path]) -> None:
    path = make_workbook("SO-NOIVU", "2026-FY", edit=_two_district_councils, name="district-2026.xlsx")
    cell = layout_for(project.form).indicator_cell("POL_01.HD_D")
    assert _found(path, project) == [("row-ended", "error", cell)]
    _, report = validate_file(path, project)
    title, message = report.findings[0].render(project.form.messages, "vi")
    assert title == "Số liệu ở dòng đã hết hiệu lực"
    assert "HĐND cấp huyện" in message and "30/06/2025" in message and "giá trị 2" in message
    _, en = report.findings[0].render(project.form.messages, "en")
    assert "District People's Councils" in en and "30/06/2025" in en
    # the same figure before the reorganisation is fine
    path = make_workbook("SO-NOIVU", "2024-FY", edit=_two_district_councils, name="district-2024.xlsx")
    assert _found(path, project) == []


def test_the_template_writes_a_locked_zero_in_ended_rows_only(project: Project, tmp_path: Path) -> None:
    lay = layout_for(project.form)
    unit = project.registry.get("SO-NOIVU")
    # 2025-FY starts before 1/7/2025, so its district rows stay open (the brief: "a period that starts after")
    for code, ended in (("2026-FY", True), ("2027-FY", True), ("2025-FY", False), ("2024-FY", False)):
        wb = load_workbook(write_template(project, unit, project.period(code), tmp_path / code))
        ws = wb[lay.sheet["indicators"]]
        for key in DISTRICT_ROWS:
            cell = ws[lay.indicator_cell(key)]
            assert (cell.value, cell.protection.locked) == ((0, True) if ended else (None, False)), (code, key)
        assert ws[lay.indicator_cell("POL_01.HC_D")].protection.locked is False  # the communes' rows stay open


def test_ended_rows_left_empty_ask_for_nothing_and_the_breakdown_still_adds_up(
        project: Project, make_workbook: Callable[..., Path]) -> None:
    def clear(d: dict[str, Any]) -> None:  # an older workbook, or a clerk who deleted the zeros
        for key in DISTRICT_ROWS:
            d["indicators"][key] = None

    assert _found(make_workbook("SO-NOIVU", "2026-FY", edit=clear, name="empty.xlsx"), project) == []

    def clear_and_break(d: dict[str, Any]) -> None:
        clear(d)
        d["indicators"]["POL_01.DEN"] += 1

    cell = layout_for(project.form).indicator_cell("POL_01.DEN")
    assert _found(make_workbook("SO-NOIVU", "2026-FY", edit=clear_and_break, name="off.xlsx"), project) == [
        ("breakdown-not-equal-total", "error", cell)]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_template_command_refuses_a_district_after_it_ended(project: Project, make_workbook: Callable[..., Path],
                                                               tmp_path: Path, lang: str) -> None:
    runner = CliRunner()
    out = tmp_path / "out"
    gone = runner.invoke(app, ["template", "-p", "2026-FY", "-u", "H-SONTAY", "--out", str(out), "--lang", lang])
    assert gone.exit_code == 2, gone.output
    said = " ".join(gone.output.split())
    assert "H-SONTAY" in said and "Huyện Sơn Tây" in said and "30/06/2025" in said and "2026-FY" in said
    assert ("không báo cáo kỳ" if lang == "vi" else "does not report for") in said
    assert not list(out.glob("*.xlsx"))
    alive = runner.invoke(app, ["template", "-p", "2025-H1", "-u", "H-SONTAY", "--out", str(out)])
    assert alive.exit_code == 0, alive.output
    assert [p.name for p in out.glob("*.xlsx")] == ["2025-H1_H-SONTAY.xlsx"]
    # a file made for it anyway (by an older program, by hand) is refused at the office (`unit-not-active`)
    path = make_workbook("H-SONTAY", "2025-FY", name="gone.xlsx")
    assert ("unit-not-active", "error", layout_for(project.form).unit_info_cell("unit_code")) in _found(path, project)
