"""Each case counted once (schemas/counting.yaml), proved on a hand-computed 2024 province: districts and their
communes, and the provincial police beside the communes for the GBV indicators. Files are written by the project's
template writer and filler, taken in with `xl-bdg intake` into a real SQLite ledger, aggregated with `xl-bdg
aggregate`, traced with `xl-bdg explain` and written up with `xl-bdg report` (its HTML read back)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from xl_bdg.cli import app
from xl_bdg.form.counting import parse_counting
from xl_bdg.form.definition import FormError
from xl_bdg.form.layout import layout_for
from xl_bdg.sample.synth import synthesize
from xl_bdg.workbook.fill import fill_workbook
from xl_bdg.workbook.template import write_template

PERIOD = "2024-FY"
WHEN = "2024-11-10T09:30"

# What each unit reports, by hand. On 31/12/2024 H-SONTAY holds XA-SONTAY and XA-EAKAO (among others) and reported
# its area's total; TP-HALONG holds PH-HALONG and XA-EATU and did not report. CONG-AN counts GBV cases the communes
# count too; SO-YTE is a department beside them all.
FIGURES: dict[str, dict[str, Any]] = {
    "H-SONTAY": {"COMM_01": 50, "COMM_02": 5, "GBV_01.NUM": 18, "GBV_01.DEN": 20, "GBV_05.DET": 21, "GBV_05.HND": 19},
    "XA-SONTAY": {"COMM_01": 20, "COMM_02": 4, "GBV_01.NUM": 6, "GBV_01.DEN": 9, "GBV_05.DET": 9, "GBV_05.HND": 8},
    "XA-EAKAO": {"COMM_01": 12, "COMM_02": 3, "GBV_01.NUM": 3, "GBV_01.DEN": 4, "GBV_05.DET": 4, "GBV_05.HND": 4},
    "PH-HALONG": {"COMM_01": 7, "GBV_01.NUM": 5, "GBV_01.DEN": 10, "GBV_05.DET": 10, "GBV_05.HND": 6},
    "XA-EATU": {"COMM_01": 9, "GBV_01.NUM": 2, "GBV_01.DEN": 2, "GBV_05.DET": 3, "GBV_05.HND": 3},
    "CONG-AN": {"COMM_01": 4, "GBV_01.NUM": 25, "GBV_01.DEN": 30, "GBV_05.DET": 30, "GBV_05.HND": 30},
    "SO-YTE": {"COMM_01": 6},
}
# The province, by hand: the district that reported stands for its area (50, not 50 + 20 + 12); the district that
# did not is its communes (7 + 9); the police and the department add their COMM_01 (4 + 6), but not their GBV cases.
PROVINCE = {("COMM_01", "N"): 50 + 7 + 9 + 4 + 6, ("GBV_05", "DET"): 21 + 10 + 3, ("GBV_05", "HND"): 19 + 6 + 3,
            ("GBV_01", "NUM"): 18 + 5 + 2, ("GBV_01", "DEN"): 20 + 10 + 2}
GBV_01 = 100 * 25 / 32  # Σ numerators / Σ denominators of the counted units, never an average of percentages


def _fill(project, code: str, base: Path) -> Path:
    per, unit = project.period(PERIOD), project.registry.get(code)
    template = write_template(project, unit, per, base / "templates")
    data = synthesize(project, unit, per)
    data["indicators"].update(FIGURES[code])
    return fill_workbook(project.form, template, data, base / "inbox" / f"{code.lower()}.xlsx")


def _run(runner: CliRunner, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.stdout


@pytest.fixture(scope="module")
def season(project, tmp_path_factory):
    """The hand-made 2024 province taken in and aggregated through the CLI."""
    base = tmp_path_factory.mktemp("territory")
    for code in FIGURES:
        _fill(project, code, base)
    ledger, runner = str(base / "ledger.sqlite"), CliRunner()
    taken = json.loads(_run(runner, "intake", str(base / "inbox"), "--ledger", ledger, "--received-at", WHEN,
                            "--period", PERIOD, "--format", "json"))
    assert taken["recorded"] == len(FIGURES) and taken["with_errors"] == 0, taken
    agg = json.loads(_run(runner, "aggregate", "--period", PERIOD, "--ledger", ledger, "--format", "json"))
    figures = {(f["indicator"], f["field"], f["scope"]): f for f in agg["figures"]}
    return {"base": base, "ledger": ledger, "runner": runner, "agg": agg, "figures": figures,
            "root": project.registry.root}


def test_province_counts_the_district_or_its_communes_never_both(season):
    figs, root = season["figures"], season["root"]
    for (code, fid), value in PROVINCE.items():
        assert figs[(code, fid, root)]["value"] == value, (code, fid)
    ratio = figs[("GBV_01", None, root)]
    assert (ratio["numerator"], ratio["denominator"]) == (25, 32)
    assert ratio["value"] == pytest.approx(GBV_01)
    # The district that reported is its own report; the one that did not is the sum of its communes.
    assert figs[("COMM_01", "N", "H-SONTAY")]["value"] == 50
    assert figs[("COMM_01", "N", "TP-HALONG")]["value"] == 7 + 9
    assert figs[("GBV_01", None, "TP-HALONG")]["numerator"] == 5 + 2
    # The communes keep their own rows and their kind's total, beside the district, for comparison.
    assert figs[("COMM_01", "N", "XA-EAKAO")]["value"] == 12
    assert figs[("COMM_01", "N", "kind:commune")]["value"] == 20 + 12 + 7 + 9
    # The police keep their GBV figures in their own row; the department total still holds them.
    assert figs[("GBV_05", "DET", "CONG-AN")]["value"] == 30
    assert figs[("GBV_05", "DET", "kind:department")]["value"] == 30


def test_an_area_total_below_its_parts_is_a_warning_at_its_cell(project, season):
    lay, sheet = layout_for(project.form), project.form.sheet_title("indicators")
    found = {(Path(w["file"]).name, w["sheet"], w["cell"]): w["value"] for w in season["agg"]["warnings"]
             if w["code"] == "area-total-below-parts"}
    # H-SONTAY's 5 broadcasts are fewer than its communes' own 4 + 3: the office checks with the district.
    assert found[("h-sontay.xlsx", sheet, lay.indicator_cell("COMM_02"))] == 5
    for key in ("COMM_01", "GBV_05.DET", "GBV_05.HND", "GBV_01.NUM", "GBV_01.DEN"):  # 50 ≥ 32, 21 ≥ 13, …
        assert ("h-sontay.xlsx", sheet, lay.indicator_cell(key)) not in found
    assert all(name == "h-sontay.xlsx" for name, _, _ in found)  # TP-HALONG sent no total to compare


def test_completeness_still_counts_every_unit_that_had_to_report(project, season):
    statuses = {s["unit"]: s for s in season["agg"]["statuses"]}
    expected = {u.code for u in project.registry.reporting_units(project.period(PERIOD).start,
                                                                 project.period(PERIOD).end)}
    assert set(statuses) == expected
    assert {"H-SONTAY", "TP-HALONG", "XA-EAKAO", "XA-SONTAY", "CONG-AN"} <= set(statuses)
    assert all(statuses[c]["used_sha256"] for c in FIGURES)  # the set-aside communes were received and accepted
    assert statuses["TP-HALONG"]["status"] == "missing"
    status = json.loads(_run(season["runner"], "status", "--period", PERIOD, "--ledger", season["ledger"],
                             "--format", "json"))
    assert {s["unit"] for s in status} == expected


def test_explain_says_which_was_counted(season):
    runner, ledger = season["runner"], season["ledger"]
    trail = json.loads(_run(runner, "explain", "GBV_05.DET", "--period", PERIOD, "--ledger", ledger,
                            "--format", "json"))
    assert trail["value"] == PROVINCE[("GBV_05", "DET")]
    assert sorted({s["unit"] for s in trail["sources"]}) == ["H-SONTAY", "PH-HALONG", "XA-EATU"]
    notes = " | ".join(trail["notes"])
    assert "H-SONTAY" in notes and "XA-EAKAO" in notes and "TP-HALONG" in notes and "CONG-AN" in notes
    shown = _run(runner, "explain", "COMM_01", "--period", PERIOD, "--ledger", ledger, "--scope", "H-SONTAY")
    assert "H-SONTAY báo cáo tổng hợp trên địa bàn" in shown and "CONG-AN" not in shown


def test_report_says_which_was_counted(season):
    out = season["base"] / "report"
    _run(season["runner"], "report", "--period", PERIOD, "--ledger", season["ledger"], "--out", str(out), "-q")
    html = next(out.glob("*.html")).read_text(encoding="utf-8")
    assert ("Báo cáo của Huyện Sơn Tây là số liệu tổng hợp trên địa bàn nên được tính vào tổng của tỉnh; số liệu "
            "riêng của 2 đơn vị cấp xã thuộc địa bàn (Xã Ea Kao và Xã Sơn Tây)") in html
    assert ("Thành phố Hà Long không có báo cáo tổng hợp được tiếp nhận, nên tổng của tỉnh cộng số liệu của 2 đơn "
            "vị cấp xã thuộc địa bàn") in html
    # the overlapping indicators by name: the report never prints the form's codes (GBV_05, GBV_01)
    assert ("Số liệu “Số vụ bạo lực gia đình, bạo lực trên cơ sở giới” và “Người bị bạo lực được phát hiện được tiếp "
            "cận ít nhất 1 dịch vụ hỗ trợ cơ bản” của Công an tỉnh được trình bày riêng") in html
    assert "GBV_05" not in re.sub(r"<[^>]+>", " ", html.split("<body", 1)[-1])  # the text read, not data-fig


def test_a_broken_declaration_names_its_entry():
    inds, units = {"GBV_05", "GBV_01"}, {"SONHA", "CONG-AN"}
    cases = [
        ({"territorial": [{"kind": "district", "rule": "both"}]}, "territorial[1]: rule 'both'"),
        ({"territorial": [{"kind": "hamlet", "rule": "parent_else_children"}]}, "kind 'hamlet'"),
        ({"territorial": [{"kind": "district", "rule": "parent_else_children", "to": "30/6/2025"}]}, "to: '30/6"),
        ({"overlaps": [{"indicators": ["GBV_09"], "count_from": ["commune"]}]}, "indicator 'GBV_09'"),
        ({"overlaps": [{"indicators": ["GBV_05"], "count_from": ["CONG-AM"]}]}, "count_from 'CONG-AM'"),
        ({"overlaps": [{"indicators": ["GBV_05"], "count_from": ["commune"]},
                       {"indicators": ["GBV_05"], "count_from": ["CONG-AN"]}]}, "overlaps[2]: indicator 'GBV_05'"),
    ]
    for data, message in cases:
        with pytest.raises(FormError, match=message.replace("[", r"\[").replace("]", r"\]")):
            parse_counting(data, inds, units)
