"""The Strategy's targets of goals 4 and 5 found in published sources (issue 14): adolescent births, services for
gay, bisexual and transgender people, women with a master's degree and with a doctorate. Those a province measures
from statistics come in through the statistics office's workbook (THONG-KE), as ECO_01 does; the one a province
cannot measure is listed, not tracked, with its reason. The workbook is the project's own template, filled and read
back; the province figure is aggregated from real submissions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from xl_bdg.aggregation.combine import combine
from xl_bdg.form.project import Project
from xl_bdg.sample.synth import synthesize
from xl_bdg.validation.validate import validate_file

#: code → (goal, direction, 2025, 2030, measured by), as the sources give them (the report lists each source).
FOUND = {"HEA_05": (4, "le", 18, 17.9, "statistics"), "HEA_06": (4, "ge", 40, 70, "not_tracked"),
         "EDU_05": (5, "ge", 50, 50, "statistics"), "EDU_06": (5, "ge", 30, 35, "statistics")}


def test_the_targets_found_are_strategy_targets_with_their_values(project: Project) -> None:
    by_code = {t.code: t for t in project.targets_of("strategy")}
    for code, (goal, direction, t2025, t2030, measured_by) in FOUND.items():
        t = by_code[code]
        assert (t.goal, t.direction, t.t2025, t.t2030, t.measured_by) == (goal, direction, t2025, t2030,
                                                                            measured_by), code
        assert t.label and t.label_en and "28/NQ-CP" in t.source, code
    assert by_code["HEA_05"].baseline == 23
    assert not by_code["HEA_06"].tracked and "tỉnh" in by_code["HEA_06"].reason
    # 18 of the Strategy's 20 targets are listed, by goal; 17 of them measured
    strategy = project.targets_of("strategy")
    assert sorted(Counter(t.goal for t in strategy).items()) == [(1, 1), (2, 3), (3, 5), (4, 4), (5, 4), (6, 1)]
    assert sum(t.tracked for t in strategy) == 17


@pytest.mark.parametrize("code", ["HEA_05", "EDU_05", "EDU_06"])
def test_statistics_targets_come_from_the_statistics_office_alone(project: Project, code: str) -> None:
    ind = project.form.indicator(code)
    assert (ind.agg, ind.pick_from, tuple(ind.applies_to), tuple(ind.periods)) == ("pick", "THONG-KE",
                                                                                   ("THONG-KE",), ("FY",))
    period = project.period("2026-FY")
    askers = [u.code for u in project.registry.reporting_units(period.start, period.end)
              if ind.applies(u.code, u.kind, period.kind, period.year)]
    assert askers == ["THONG-KE"]


def test_the_statistics_workbook_carries_them_to_the_province_figure(project: Project,
                                                                    make_workbook: Callable[..., Path]) -> None:
    period = project.period("2026-FY")

    def figures(d: dict) -> None:
        d["indicators"].update({"HEA_05": 21.4, "EDU_05": 52.5, "EDU_06": 28.0})

    path = make_workbook("THONG-KE", "2026-FY", edit=figures, name="thong-ke.xlsx")
    sub, report = validate_file(path, project)
    assert sub is not None and report.findings == []
    other = make_workbook("SO-YTE", "2026-FY", name="so-yte.xlsx")
    sub2, _ = validate_file(other, project)
    ds = combine(project, period, {"THONG-KE": sub, "SO-YTE": sub2})
    assert (ds.value("HEA_05"), ds.value("EDU_05"), ds.value("EDU_06")) == (pytest.approx(21.4),
                                                                             pytest.approx(52.5),
                                                                             pytest.approx(28.0))
    targets = {t.code: t for t in project.targets_of("strategy")}
    # 2026 is held to the line from 2025 to 2030: doctorates 31 %, adolescent births 17,98
    assert targets["EDU_06"].milestone(2026) == pytest.approx(31.0)
    assert targets["EDU_06"].met(ds.value("EDU_06"), 2026) is False
    assert targets["EDU_05"].met(ds.value("EDU_05"), 2026) is True
    assert targets["HEA_05"].met(ds.value("HEA_05"), 2026) is False


def test_the_sample_statistics_office_reports_them(project: Project) -> None:
    values = synthesize(project, project.registry.get("THONG-KE"), project.period("2026-FY"))["indicators"]
    assert all(isinstance(values[k], (int, float)) for k in ("HEA_05", "EDU_05", "EDU_06"))
    assert 0 <= values["EDU_06"] <= 100 and 0 <= values["EDU_05"] <= 100


def test_citations_are_checked_and_only_the_unfound_keep_their_mark(project: Project) -> None:
    src = {i.code: i.source for i in project.form.indicators}
    assert "khoản 3 Điều 8" in src["ELE_01"] and "Điều 8 và 9" not in src["ELE_01"]
    assert "1132/NQ-UBTVQH13" in src["ELE_03"]
    assert "45-CT/TW ngày 14/4/2025" in src["ELE_05"] and "35-CT/TW ngày 14/6/2024" in src["ELE_06"]
    assert "khoản 2 Điều 7" in src["HEA_04"]
    assert "Chương IV (trách nhiệm của cơ quan, tổ chức, gia đình và cá nhân" in src["STAFF_01"]
    # what no source could confirm keeps its mark, and nothing else does
    marked = {code for code, text in src.items() if "chưa đối chiếu" in text}
    assert marked == {"ELE_03", "ELE_04", "ELE_05", "ELE_06", "HEA_05", "EDU_05", "EDU_06"}
    targets = {t.code: t.source for t in project.targets}
    assert "5658/QĐ-BYT" in targets["HEA_01"] and "5658/QĐ-BYT" in targets["HEA_02"]
    assert "theo báo chí)" not in targets["HEA_01"] + targets["HEA_02"]
