"""The reader on real workbooks written by the project's own writer: what was filled in comes back, typed, at its
sheet and cell; text numbers and dates are read with warnings; files re-saved by LibreOffice read the same."""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from xl_bdg.form.layout import layout_for
from xl_bdg.form.project import Project
from xl_bdg.reading.reader import read_submission
from xl_bdg.sample.synth import synthesize
from xl_bdg.submission import Submission


def _expected(project: Project, unit: str, period: str) -> dict[str, Any]:
    return synthesize(project, project.registry.get(unit), project.period(period))


def _compare(sub: Submission, data: dict[str, Any], project: Project, unit: str, period: str) -> None:
    got = sub.to_data()
    # The template stamps unit code, name and period into the unit sheet; the rest is what was filled in.
    u = project.registry.get(unit)
    stamped = {"unit_code": u.code, "unit_name": u.name, "period": period}
    assert got["unit_info"] == {**{c.id: None for c in project.form.unit_info}, **stamped, **data["unit_info"]}
    for part in ("indicators", "activities", "budget", "narrative"):
        assert got[part] == data[part], part


@pytest.mark.parametrize(("unit", "period"), [("XA-EAKAO", "2026-FY"), ("SO-YTE", "2026-H1"),
                                              ("HOI-LHPN", "2026-AM"), ("THONG-KE", "2026-FY")])
def test_round_trip(project: Project, make_workbook, unit: str, period: str) -> None:
    path = make_workbook(unit, period)
    sub, findings = read_submission(path, project)
    assert findings == []
    assert sub is not None
    _compare(sub, _expected(project, unit, period), project, unit, period)
    assert sub.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert sub.path == str(path)
    assert sub.meta["form_id"] == project.form.id and sub.unit_code == unit and sub.period == period


def test_values_are_typed(project: Project, make_workbook) -> None:
    sub, _ = read_submission(make_workbook("XA-EAKAO", "2026-FY"), project)
    assert sub is not None
    types = {"count": int, "date": dt.date, "text": str, "list": str, "yesno": str}
    for row in sub.activities:
        for col in project.form.activity_columns:
            value = row.get(col.id)
            if value is not None and col.type in types:
                assert type(value) is types[col.type], (col.id, value)
    lay = layout_for(project.form)
    for key, cv in sub.indicators.items():
        ftype = lay.indicator_rows[key].indicator.field(lay.indicator_rows[key].field_id).type
        if cv.value is not None and ftype in ("number", "percent"):
            assert type(cv.value) is float
        if cv.value is not None and ftype == "count":
            assert type(cv.value) is int


def test_positions_come_from_the_layout(project: Project, make_workbook) -> None:
    lay = layout_for(project.form)
    sub, _ = read_submission(make_workbook("XA-EAKAO", "2026-FY"), project)
    assert sub is not None
    assert set(sub.indicators) == set(lay.indicator_rows)  # every key, empty ones too: validation needs their cells
    for key, cv in sub.indicators.items():
        assert (cv.sheet, cv.cell) == (lay.sheet["indicators"], lay.indicator_cell(key))
    for i, row in enumerate(sub.activities):
        assert row.row == lay.activity_first_row + i
        for col_id, cv in row.values.items():
            assert (cv.sheet, cv.cell) == (lay.sheet["activities"], lay.activity_cell(row.row, col_id))
    for (source, col_id), cv in sub.budget.items():
        assert (cv.sheet, cv.cell) == (lay.sheet["budget"], lay.budget_cell(source, col_id))
    for fid, cv in sub.narrative.items():
        assert (cv.sheet, cv.cell) == (lay.sheet["narrative"], lay.narrative_cell(fid))
    for fid, cv in sub.unit_info.items():
        assert (cv.sheet, cv.cell) == (lay.sheet["unit_info"], lay.unit_info_cell(fid))
    assert set(sub.narrative) == {c.id for c in project.form.narrative}
    assert set(sub.unit_info) == {c.id for c in project.form.unit_info}


def test_text_numbers_and_dates_are_read_with_warnings(project: Project, make_workbook) -> None:
    lay = layout_for(project.form)
    count_key = next(k for k, r in lay.indicator_rows.items() if r.indicator.field(r.field_id).type == "count"
                     and r.indicator.applies("XA-EAKAO", "commune", "FY"))
    source = next(iter(lay.budget_rows))
    money_col = project.form.budget.columns[0].id

    def edit(data: dict) -> None:
        data["indicators"][count_key] = "1.234.567"
        data["budget"][f"{source}|{money_col}"] = "1.500.000"
        data["activities"][0]["start"] = "15.11.2026"
        data["activities"][0]["end"] = "15-11-2026"
        data["activities"][1]["start"] = "11/15/2026"
        data["activities"][1]["part_t"] = "nhiều"

    sub, findings = read_submission(make_workbook("XA-EAKAO", "2026-FY", edit=edit), project)
    assert sub is not None
    r0, r1 = lay.activity_first_row, lay.activity_first_row + 1
    act, ind, bud = lay.sheet["activities"], lay.sheet["indicators"], lay.sheet["budget"]
    assert sorted((f.code, f.severity, f.sheet, f.cell) for f in findings) == sorted([
        ("text-number", "warning", ind, lay.indicator_cell(count_key)),
        ("text-number", "warning", bud, lay.budget_cell(source, money_col)),
        ("text-date", "warning", act, lay.activity_cell(r0, "start")),
        ("text-date", "warning", act, lay.activity_cell(r0, "end")),
        ("date-month-first", "error", act, lay.activity_cell(r1, "start")),
        ("type-error", "error", act, lay.activity_cell(r1, "part_t")),
    ])
    assert sub.indicators[count_key].value == 1234567 and sub.indicators[count_key].raw == "1.234.567"
    assert sub.budget[(source, money_col)].value == 1500000
    assert sub.activities[0].get("start") == dt.date(2026, 11, 15) == sub.activities[0].get("end")
    assert sub.activities[1].get("start") is None and sub.activities[1].values["start"].raw == "11/15/2026"
    bad = next(f for f in findings if f.code == "type-error")
    title, text = bad.render(project.form.messages, "vi")
    assert "nhiều" in text and title
    assert "nhiều" in bad.render(project.form.messages, "en")[1]


def test_nfd_input_comes_back_nfc(project: Project, make_workbook) -> None:
    lay = layout_for(project.form)
    nfd = {"reporter": unicodedata.normalize("NFD", "Nguyễn Thị Hoà"),
           "category": unicodedata.normalize("NFD", "Truyền thông")}

    def edit(data: dict) -> None:
        data["unit_info"]["reporter"] = nfd["reporter"]
        data["activities"][0]["category"] = nfd["category"]

    sub, findings = read_submission(make_workbook("XA-EAKAO", "2026-FY", edit=edit), project)
    assert sub is not None
    assert sub.unit_info["reporter"].value == unicodedata.normalize("NFC", nfd["reporter"])
    assert sub.activities[0].get("category") == "Truyền thông"
    assert sorted((f.code, f.severity, f.cell) for f in findings) == sorted([
        ("text-normalized", "info", lay.unit_info_cell("reporter")),
        ("text-normalized", "info", lay.activity_cell(lay.activity_first_row, "category")),
    ])


def test_vietnamese_file_name_with_spaces(project: Project, make_workbook, tmp_path: Path) -> None:
    folder = tmp_path / "Báo cáo đơn vị"
    folder.mkdir()
    path = make_workbook("XA-EAKAO", "2026-FY", name="Báo cáo BĐG xã Ea Kao năm 2026.xlsx", out_dir=folder)
    sub, findings = read_submission(path, project)
    assert findings == [] and sub is not None and sub.path == str(path)
    _compare(sub, _expected(project, "XA-EAKAO", "2026-FY"), project, "XA-EAKAO", "2026-FY")


def test_input_file_is_never_modified(project: Project, make_workbook) -> None:
    path = make_workbook("SO-YTE", "2026-FY")
    before, mtime = path.read_bytes(), path.stat().st_mtime_ns
    read_submission(path, project)
    assert path.read_bytes() == before and path.stat().st_mtime_ns == mtime


def test_empty_workbook_reads_with_no_values(project: Project, template_dir: Path) -> None:
    """A template sent back unfilled is read (validation then reports what is missing)."""
    from xl_bdg.workbook.template import write_template

    template = write_template(project, project.registry.get("XA-EAKAO"), project.period("2026-H1"), template_dir)
    sub, findings = read_submission(template, project)
    assert findings == [] and sub is not None
    assert sub.activities == [] and sub.to_data()["indicators"] == {} and sub.to_data()["narrative"] == {}


@pytest.mark.libreoffice
def test_libreoffice_resaved_file_reads_the_same(project: Project, make_workbook, tmp_path: Path) -> None:
    from support.office import resave_xlsx

    unit, period = "XA-EAKAO", "2026-FY"
    path = make_workbook(unit, period)
    resaved = resave_xlsx(path, tmp_path / "lo")
    assert resaved.read_bytes() != path.read_bytes()
    sub, findings = read_submission(resaved, project)
    assert findings == []
    assert sub is not None
    _compare(sub, _expected(project, unit, period), project, unit, period)
