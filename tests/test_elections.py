"""Election figures across indicators (issue 14): women elected ≤ women candidates, and all elected ≤ all candidates,
for the National Assembly, the People's Councils and the Party committees. The rule is written once in form.yaml
(`cross_checks:`); the validator, the workbook's live formula (recalculated by LibreOffice) and the form reference
come from it. Workbooks are the project's own templates, filled and read back."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from support.office import recalculate

from xl_bdg.form.layout import LIVE_COUNT_CELLS, layout_for, ref
from xl_bdg.form.project import Project
from xl_bdg.form.reference import form_reference
from xl_bdg.sample.synth import synthesize
from xl_bdg.validation.validate import validate_file
from xl_bdg.workbook.live import count_name

#: (elected, candidates) for each body: what the cross checks must cover, written out so the test does not read the
#: rule it checks.
PAIRS = [("ELE_02.NUM", "ELE_01.NUM"), ("ELE_02.DEN", "ELE_01.DEN"),  # National Assembly
         ("ELE_04.NUM", "ELE_03.NUM"), ("ELE_04.DEN", "ELE_03.DEN"),  # People's Councils
         ("ELE_06.NUM", "ELE_05.NUM"), ("ELE_06.DEN", "ELE_05.DEN")]  # Party committees


def _found(path: Path, project: Project) -> list[tuple[str, str, str | None]]:
    _, report = validate_file(path, project)
    return [(f.code, f.severity, f.cell) for f in report.findings]


def _more_elected(key: str, over: str) -> Callable[[dict[str, Any]], None]:
    """An edit: `key` (women elected) one above `over` (women candidates), kept within its own denominator."""
    def edit(d: dict[str, Any]) -> None:
        values = d["indicators"]
        values[key] = values[over] + 1
        den = key.replace(".NUM", ".DEN")
        values[den] = max(values[den], values[key])
        cand_den = over.replace(".NUM", ".DEN")
        values[cand_den] = max(values[cand_den], values[den])  # only the pair under test is wrong
    return edit


@pytest.mark.parametrize(("unit", "period", "elected", "candidates"), [
    ("SO-NOIVU", "2026-FY", "ELE_02.NUM", "ELE_01.NUM"),
    ("XA-EAKAO", "2026-FY", "ELE_04.NUM", "ELE_03.NUM"),
])
def test_more_women_elected_than_women_candidates_is_an_error_at_the_elected_cell(
        project: Project, make_workbook: Callable[..., Path], unit: str, period: str, elected: str,
        candidates: str) -> None:
    path = make_workbook(unit, period, edit=_more_elected(elected, candidates), name="elected.xlsx")
    cell = layout_for(project.form).indicator_cell(elected)
    assert _found(path, project) == [("elected-exceeds-candidates", "error", cell)]
    _, report = validate_file(path, project)
    title, message = report.findings[0].render(project.form.messages, "vi")
    assert title == "Số trúng cử lớn hơn số ứng cử"
    assert "Số đại biểu trúng cử là nữ" in message and "Số người ứng cử là nữ" in message
    _, en = report.findings[0].render(project.form.messages, "en")
    assert "Women elected" in en and "Women candidates" in en


def test_more_elected_than_candidates_in_all_is_found_and_women_above_all_stays_its_own(
        project: Project, make_workbook: Callable[..., Path]) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["indicators"]["ELE_02.DEN"] = d["indicators"]["ELE_01.DEN"] + 2  # 2 more deputies than candidates

    path = make_workbook("SO-NOIVU", "2026-FY", edit=edit, name="den.xlsx")
    cell = layout_for(project.form).indicator_cell("ELE_02.DEN")
    assert _found(path, project) == [("elected-exceeds-candidates", "error", cell)]

    def women_above_all(d: dict[str, Any]) -> None:  # elected women ≤ all elected stays the indicator's own rule
        d["indicators"]["ELE_04.NUM"] = d["indicators"]["ELE_04.DEN"] + 1
        d["indicators"]["ELE_03.NUM"] = d["indicators"]["ELE_03.DEN"] = d["indicators"]["ELE_04.NUM"] + 5

    path = make_workbook("XA-EAKAO", "2026-FY", edit=women_above_all, name="num.xlsx")
    cell = layout_for(project.form).indicator_cell("ELE_04.NUM")
    assert _found(path, project) == [("numerator-exceeds-denominator", "error", cell)]


def test_party_committee_elected_above_nominated_is_a_warning(project: Project,
                                                              make_workbook: Callable[..., Path]) -> None:
    # a congress may add nominations from the floor: the office looks at it, the file is not refused
    path = make_workbook("XA-EAKAO", "2025-FY", edit=_more_elected("ELE_06.NUM", "ELE_05.NUM"), name="party.xlsx")
    cell = layout_for(project.form).indicator_cell("ELE_06.NUM")
    assert _found(path, project) == [("elected-exceeds-nominated", "warning", cell)]


@pytest.mark.parametrize("period", ["2025-FY", "2026-FY", "2026-H1"])
def test_the_sample_figures_meet_the_election_pairs(project: Project, period: str) -> None:
    per = project.period(period)
    units = [u for u in project.registry.reporting_units(per.start, per.end) if u.kind in ("commune", "district")
             or u.code == "SO-NOIVU"]
    checked = 0
    for unit in units:
        values = synthesize(project, unit, per)["indicators"]
        for elected, candidates in PAIRS:
            if elected in values and candidates in values:
                assert values[elected] <= values[candidates], (unit.code, elected, values[elected], candidates,
                                                               values[candidates])
                checked += 1
    assert checked >= 2 * len(units)


def test_the_rule_is_written_once_and_listed_in_the_form_reference(project: Project) -> None:
    pairs = [(c.params["a"], c.params["b"]) for c in project.form.cross_checks]
    assert sorted(pairs) == sorted(PAIRS)
    ref = form_reference(project)
    for elected, candidates in PAIRS:
        assert f"| le | `{elected}`, `{candidates}` |" in ref
    docs = (Path(__file__).parent.parent / "docs" / "form-reference.md").read_text(encoding="utf-8")
    assert "elected-exceeds-candidates" in docs and "`ELE_06.NUM`, `ELE_05.NUM`" in docs


@pytest.mark.libreoffice
def test_libreoffice_shows_a_bad_pair_in_the_workbooks_own_count(project: Project,
                                                                 make_workbook: Callable[..., Path],
                                                                 tmp_path: Path) -> None:
    good = make_workbook("SO-NOIVU", "2026-FY", name="good.xlsx")
    bad = make_workbook("SO-NOIVU", "2026-FY", edit=_more_elected("ELE_02.NUM", "ELE_01.NUM"), name="bad.xlsx")
    wb = load_workbook(bad)
    sheet, a1 = wb.defined_names[count_name("indicators", "elected-exceeds-candidates")].attr_text.split("!")
    cell = [sheet.strip("'"), a1.replace("$", "")]
    formula = str(wb[cell[0]][cell[1]].value).replace("$", "")
    lay = layout_for(project.form)
    for key in ("ELE_01.NUM", "ELE_02.NUM", "ELE_03.DEN", "ELE_04.DEN"):
        assert lay.indicator_cell(key) in formula, key
    marked = " ".join(str(r.sqref) for r in wb[lay.sheet["indicators"]].conditional_formatting)
    assert lay.indicator_cell("ELE_02.NUM") in marked
    row, col = LIVE_COUNT_CELLS["indicators"]  # the indicator sheet's own total shows the error in words
    total = [lay.sheet["indicators"], ref(row, col)]
    got = recalculate([{"path": str(good), "cells": [cell, total]}, {"path": str(bad), "cells": [cell, total]}],
                      tmp_path / "lo")
    assert got[0]["cells"][0]["value"] == 0
    assert got[1]["cells"][0]["value"] == 1
    assert project.form.messages["elected-exceeds-candidates"].title["vi"] in got[1]["cells"][1]["shown"]
    shutil.rmtree(tmp_path / "lo", ignore_errors=True)
