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


# --- elections, sector tasks, models by kind, POL_01's breakdown (form 2026.3) -------------------------------------

PART2 = {
    "SO-NOIVU": ("ELE_01", "ELE_02", "ELE_03", "ELE_04", "POL_01"),
    "SO-GDDT": ("EDU_02", "EDU_03", "EDU_04"),
    "SO-YTE": ("HEA_03", "HEA_04", "SVC_01"),
    "XA-EAKAO": ("ELE_03", "ELE_04", "SVC_01"),
}


@pytest.mark.parametrize("unit", sorted(PART2))
def test_the_sector_and_election_indicators_are_read_back(project: Project, unit: str,
                                                          make_workbook: Callable[..., Path]) -> None:
    path = make_workbook(unit, "2026-FY", name=f"{unit}-2.xlsx")
    sub, report = validate_file(path, project)
    assert sub is not None and report.findings == []
    expected = synthesize(project, project.registry.get(unit), project.period("2026-FY"))["indicators"]
    keys = [project.form.indicator(c).key(f.id) for c in PART2[unit] for f in project.form.indicator(c).fields]
    got = {k: sub.indicators[k].value for k in keys}
    assert got == {k: expected[k] for k in keys}
    assert all(isinstance(v, int) for v in got.values())  # counts, drawn as whole numbers
    if unit == "SO-NOIVU":  # the parts add up, and no district body is left after 30/6/2025
        pol = project.form.indicator("POL_01")
        for total, suffix in (("NUM", "_N"), ("DEN", "_D")):
            parts = [f.id for f in pol.fields if f.id.endswith(suffix)]
            assert got[f"POL_01.{total}"] == sum(got[f"POL_01.{p}"] for p in parts) > 0
        assert got["POL_01.HD_D"] == got["POL_01.UD_D"] == 0


def test_district_bodies_count_before_the_reorganisation(project: Project) -> None:
    old = synthesize(project, project.registry.get("SO-NOIVU"), project.period("2024-FY"))["indicators"]
    assert old["POL_01.HD_D"] == old["POL_01.UD_D"] == 2
    assert old["POL_01.DEN"] == sum(old[f"POL_01.{p}_D"] for p in ("AG", "HP", "UP", "HD", "UD", "HC", "UC"))


@pytest.mark.parametrize(("key", "total"), [("POL_01.HC_D", "POL_01.DEN"), ("POL_01.AG_N", "POL_01.NUM"),
                                            ("SVC_01.CLUB", "SVC_01.T")])
def test_a_breakdown_that_does_not_add_up_is_found_at_its_total(project: Project, key: str, total: str,
                                                               make_workbook: Callable[..., Path]) -> None:
    unit = "SO-NOIVU" if key.startswith("POL") else "XA-EAKAO"

    def off(d: dict[str, Any]) -> None:
        d["indicators"][key] += 1  # one body or one club more in a part than in the total

    path = make_workbook(unit, "2026-FY", edit=off, name="parts.xlsx")
    _, report = validate_file(path, project)
    cell = layout_for(project.form).indicator_cell(total)
    assert [(f.code, f.cell) for f in report.findings] == [("breakdown-not-equal-total", cell)]
    title, message = report.findings[0].render(project.form.messages, "vi")
    assert title == "Tổng các phần khác số tổng" and "cộng lại" in message


def test_the_breakdown_rule_is_a_formula_in_the_workbook(project: Project, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from xl_bdg.workbook.live import count_name
    from xl_bdg.workbook.template import write_template

    path = write_template(project, project.registry.get("SO-NOIVU"), project.period("2026-FY"), tmp_path)
    wb = load_workbook(path)
    sheet, a1 = wb.defined_names[count_name("indicators", "breakdown-not-equal-total")].attr_text.split("!")
    formula = str(wb[sheet.strip("'")][a1.replace("$", "")].value)
    lay = layout_for(project.form)
    for key in ("POL_01.DEN", "POL_01.HC_D", "POL_01.UC_D", "POL_01.NUM", "SVC_01.T", "SVC_01.HOTLINE"):
        assert lay.indicator_cell(key) in formula.replace("$", ""), key
    marked = {str(r.sqref) for rng in wb[lay.sheet["indicators"]].conditional_formatting for r in [rng]}
    assert any(lay.indicator_cell("POL_01.DEN") in m for m in marked)


def _sub(unit: str, values: dict[str, Any], project: Project) -> Any:
    from xl_bdg.submission import CellValue, Submission

    lay, sheet = layout_for(project.form), project.form.sheet_title("indicators")
    return Submission(path=f"{unit}.xlsx", sha256=unit, meta={"unit_code": unit},
                      indicators={k: CellValue(v, sheet, lay.indicator_cell(k)) for k, v in values.items()})


def test_election_ratios_are_recomputed_from_numerators_and_denominators(project: Project) -> None:
    period = project.period("2026-FY")
    subs = {"XA-EAKAO": _sub("XA-EAKAO", {"ELE_04.NUM": 10, "ELE_04.DEN": 30}, project),
            "XA-SONTAY": _sub("XA-SONTAY", {"ELE_04.NUM": 2, "ELE_04.DEN": 20}, project),
            "SO-NOIVU": _sub("SO-NOIVU", {"ELE_04.NUM": 20, "ELE_04.DEN": 50, "ELE_02.NUM": 3,
                                          "ELE_02.DEN": 8}, project)}
    ds = combine(project, period, subs)
    fig = ds.figure("ELE_04")
    assert (fig.numerator, fig.denominator) == (32, 100) and fig.value == pytest.approx(32.0)  # not the mean 28.9
    assert ds.value("ELE_04", scope="kind:commune") == pytest.approx(100 * 12 / 50)
    assert ds.value("ELE_02") == pytest.approx(37.5)


def test_election_indicators_are_asked_in_election_years_only(project: Project) -> None:
    noivu = project.registry.get("SO-NOIVU")
    asked = {code: [y for y in (2024, 2025, 2026) if project.form.indicator(code).applies(
        noivu.code, noivu.kind, "FY", y)] for code in ("ELE_01", "ELE_04", "ELE_06", "POL_01")}
    assert asked == {"ELE_01": [2026], "ELE_04": [2026], "ELE_06": [2025], "POL_01": [2024, 2025, 2026]}
    old = synthesize(project, noivu, project.period("2024-FY"))["indicators"]
    assert not any(k.startswith("ELE_") for k in old)
    ctx = build_context(project, combine(project, project.period("2024-FY"), {}))
    assert not any(r.code.startswith("ELE_") for s in ctx.sections for r in s.rows)
    ctx = build_context(project, combine(project, project.period("2026-FY"), {}))
    assert {r.code for s in ctx.sections for r in s.rows} >= {"ELE_01", "ELE_04", "PLAN_01", "STAFF_01"}


def test_the_curriculum_target_is_measured_by_the_education_department(project: Project) -> None:
    target = next(t for t in project.targets if t.code == "EDU_02")
    assert target.measured_by == "units" and target.indicator == "EDU_02"
    assert project.form.indicator("EDU_02").applies_to == ("SO-GDDT",)


def test_the_plans_issued_are_listed_among_the_documents_and_in_the_programmes_table(project: Project) -> None:
    period = project.period("2026-FY")
    sub = _sub("SO-YTE", {"PLAN_01.YES": "Có", "PLAN_01.DOC": "Số 15/KH-SYT ngày 22/01/2026",
                          "PLAN_02.YES": "Không"}, project)
    ctx = build_context(project, combine(project, period, {"SO-YTE": sub}))
    docs = [(d.unit, d.document, d.about) for d in ctx.documents]
    assert ("Sở Y tế", "Số 15/KH-SYT ngày 22/01/2026", project.form.indicator("PLAN_01").label) in docs
    rows = {r.code: r for s in ctx.sections if s.id == "programmes" for r in s.rows}
    assert rows["PLAN_01"].value.value == pytest.approx(100.0) and rows["PLAN_02"].value.value == pytest.approx(0.0)


def test_an_indicator_without_an_overall_total_is_written_with_its_figures(project: Project) -> None:
    values = {"HEA_04.ACT": 12, "HEA_04.DET": 2, "HEA_04.HND": 1, "STAFF_01.FT_T": 1, "STAFF_01.FT_M": 0,
              "STAFF_01.FT_F": 1, "STAFF_01.PT_T": 3, "STAFF_01.PT_M": 1, "STAFF_01.PT_F": 2}
    ctx = build_context(project, combine(project, project.period("2026-FY"), {"SO-YTE": _sub("SO-YTE", values,
                                                                                            project)}))
    texts = [p.text for g in ctx.goals for p in g.paras] + [p.text for t in ctx.direction for p in t.paras]
    assert "Kiểm soát mất cân bằng giới tính khi sinh: Số hoạt động truyền thông, can thiệp 12; Số vụ vi phạm " \
           "lựa chọn giới tính thai nhi phát hiện 2; Số vụ đã xử lý 1." in " ".join(texts)
    assert any("Cán bộ, công chức làm công tác bình đẳng giới: Chuyên trách: tổng số 1 người; Kiêm nhiệm: tổng "
               "số 3 người." in t for t in texts)
