"""The 2026 content of the form (issue 14, part 5): plans issued, gender-equality staff and collaborators, and the
issuer of the report and the letters by validity dates. Workbooks are the project's own templates, filled and read
back; the report context is built from a real (combined) dataset."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from xl_bdg.aggregation.combine import combine
from xl_bdg.form.layout import layout_for
from xl_bdg.form.project import Project
from xl_bdg.report.build import build_context
from xl_bdg.report.issuer import letters_issuer, report_issuer
from xl_bdg.sample.synth import synthesize
from xl_bdg.validation.validate import validate_file

NEW_KEYS = ("STAFF_01.FT_T", "STAFF_01.FT_M", "STAFF_01.FT_F", "STAFF_01.PT_T", "STAFF_01.PT_M", "STAFF_01.PT_F",
            "STAFF_02.T", "STAFF_02.M", "STAFF_02.F", "PLAN_01.YES", "PLAN_01.DOC", "PLAN_02.YES", "PLAN_02.DOC")


def _codes(path: Path, project: Project) -> list[tuple[str, str | None]]:
    _, report = validate_file(path, project)
    return [(f.code, f.cell) for f in report.findings]


# --- the issuer by year ------------------------------------------------------------------------------------------

def _words(office: Any) -> str:
    return " ".join([office.parent, office.name, office.short, office.doc_code, office.drafting, office.ministry,
                     *office.header, *office.addressees, *office.copies])


@pytest.mark.parametrize("code", ["2024-FY", "2024-AM", "2025-H1", "2026-FY"])
def test_the_report_and_letters_issuer_is_the_one_in_office_on_the_deadline(project: Project, code: str) -> None:
    period = project.period(code)
    report, letters = report_issuer(project, period=period), letters_issuer(project, period=period)
    if period.deadline.year < 2025:  # Sở LĐTBXH and Bộ LĐTBXH until 28/02/2025 (NQ 176/2025/QH15)
        for office in (report, letters):
            assert "Nội vụ" not in _words(office), _words(office)
            assert "Lao động – Thương binh và Xã hội" in office.ministry
        assert letters.name == "Sở Lao động – Thương binh và Xã hội tỉnh Sơn Hà"
        assert report.drafting == "SLĐTBXH" and report.addressees == ["Bộ Lao động – Thương binh và Xã hội"]
    else:
        assert letters.name == "Sở Nội vụ tỉnh Sơn Hà" and report.drafting == "SNV"
        assert report.addressees == ["Bộ Nội vụ"] and report.ministry == "Bộ Nội vụ"
    assert report.name == "Ủy ban nhân dân tỉnh Sơn Hà"  # the province issues the report in every year


def test_a_2024_report_names_the_labour_ministry_and_not_home_affairs(project: Project) -> None:
    for code, ministry in (("2024-FY", "Bộ Lao động – Thương binh và Xã hội"), ("2026-FY", "Bộ Nội vụ")):
        ctx = build_context(project, combine(project, project.period(code), {}))
        assert f"hướng dẫn của {ministry}, Ủy ban nhân dân tỉnh Sơn Hà báo cáo" in ctx.opening.text
        assert ctx.recipients == list(report_issuer(project, period=project.period(code)).addressees)
    ctx = build_context(project, combine(project, project.period("2024-FY"), {}))
    assert "Nội vụ" not in ctx.opening.text + " ".join(ctx.recipients)
    en = build_context(project, combine(project, project.period("2024-FY"), {}), lang="en")
    assert "the guidance of the Ministry of Labour, Invalids and Social Affairs" in en.opening.text


# --- plans issued, staff and collaborators -----------------------------------------------------------------------

@pytest.mark.parametrize(("unit", "keys"), [
    ("XA-EAKAO", NEW_KEYS),
    ("SO-YTE", [k for k in NEW_KEYS if not k.startswith("STAFF_02")]),  # collaborators: communes and the Union
])
def test_the_new_indicators_are_read_back_from_a_generated_template(project: Project, unit: str,
                                                                   keys: Any,
                                                                   make_workbook: Callable[..., Path]) -> None:
    def planned(d: dict[str, Any]) -> None:
        d["indicators"].update({"PLAN_01.YES": "Có", "PLAN_01.DOC": "Số 12/KH-UBND ngày 20/01/2026",
                                "PLAN_02.YES": "Có", "PLAN_02.DOC": "Số 85/KH-UBND ngày 10/6/2021"})

    path = make_workbook(unit, "2026-FY", edit=planned, name=f"{unit}.xlsx")
    sub, report = validate_file(path, project)
    assert sub is not None and report.findings == []
    expected = synthesize(project, project.registry.get(unit), project.period("2026-FY"))
    planned(expected)
    got = {k: sub.indicators[k].value for k in keys}
    assert got == {k: expected["indicators"][k] for k in keys}
    lay = layout_for(project.form)
    assert sub.indicators["STAFF_01.PT_F"].cell == lay.indicator_cell("STAFF_01.PT_F")
    assert got["STAFF_01.FT_T"] == got["STAFF_01.FT_M"] + got["STAFF_01.FT_F"]


def test_staff_parts_that_do_not_add_up_are_found_at_the_total(project: Project,
                                                               make_workbook: Callable[..., Path]) -> None:
    def wrong(d: dict[str, Any]) -> None:
        ind = d["indicators"]
        ind["STAFF_01.PT_M"], ind["STAFF_01.PT_F"], ind["STAFF_01.PT_T"] = 1, 2, 5

    cell = layout_for(project.form).indicator_cell("STAFF_01.PT_T")
    assert _codes(make_workbook("XA-EAKAO", "2026-FY", edit=wrong, name="staff.xlsx"), project) == [
        ("parts-not-equal-total", cell)]


def test_a_plan_marked_issued_without_its_number_is_a_warning(project: Project,
                                                              make_workbook: Callable[..., Path]) -> None:
    def no_number(d: dict[str, Any]) -> None:
        d["indicators"]["PLAN_01.YES"] = "Có"
        d["indicators"].pop("PLAN_01.DOC", None)

    cell = layout_for(project.form).indicator_cell("PLAN_01.DOC")
    assert _codes(make_workbook("SO-YTE", "2026-FY", edit=no_number, name="plan.xlsx"), project) == [
        ("document-missing", cell)]
