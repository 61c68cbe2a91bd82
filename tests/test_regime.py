"""The reporting regime (issue 14): data windows and deadlines from province.yaml (Nghị định 09/2019/NĐ-CP art. 12),
the collecting office by validity dates, the unit registry before and after 1/3/2025, and the finding for an activity
dated after its report was made. Templates are written by the real CLI and read back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from xl_bdg.cli import app
from xl_bdg.errors import FormError
from xl_bdg.form.layout import layout_for
from xl_bdg.form.project import Project
from xl_bdg.periods import parse_period
from xl_bdg.validation.validate import validate_file

D = dt.date
LDTBXH = "Sở Lao động – Thương binh và Xã hội tỉnh Sơn Hà"
NOIVU = "Sở Nội vụ tỉnh Sơn Hà"
PRE_2025 = {"SO-LDTBXH", "SO-NNPTNT", "SO-TNMT", "SO-GTVT", "BAN-DANTOC", "SO-KHDT", "SO-TTTT"}
AFTER_2025 = {"SO-NNMT", "SO-DTTG"}
ALWAYS = {"THANH-TRA", "VP-UBND", "HOI-CCB"}


# --- windows and deadlines ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("code", "start", "end", "deadline", "estimate"), [
    ("2024-FY", D(2023, 12, 15), D(2024, 12, 14), D(2024, 11, 15), True),
    ("2025-H1", D(2024, 12, 15), D(2025, 6, 14), D(2025, 5, 15), True),
    ("2026-FY", D(2025, 12, 15), D(2026, 12, 14), D(2026, 11, 15), True),
    ("2026-AM", D(2026, 11, 15), D(2026, 12, 15), D(2026, 12, 25), False),
])
def test_window_and_deadline_come_from_the_configuration(project: Project, code: str, start: dt.date,
                                                         end: dt.date, deadline: dt.date, estimate: bool) -> None:
    p = project.period(code)
    assert (p.start, p.end, p.deadline, p.estimate) == (start, end, deadline, estimate)


def test_a_province_sets_its_own_window_and_the_estimate_follows_the_deadline() -> None:
    conf: dict[str, Any] = {"FY": {"label": "năm", "start": "01/01", "end": "31/12", "deadline": "20/01"}}
    p = parse_period("2027-FY", conf)
    assert (p.start, p.end, p.deadline, p.estimate) == (D(2027, 1, 1), D(2027, 12, 31), D(2027, 1, 20), True)
    conf["FY"]["deadline"] = "31/12"
    assert not parse_period("2027-FY", conf).estimate  # due when the window closes: actual figures
    conf["FY"]["estimate"] = "yes"
    with pytest.raises(FormError, match=r"periods.FY: estimate must be true or false"):
        parse_period("2027-FY", conf)


@pytest.mark.parametrize(("code", "office"), [("2024-FY", LDTBXH), ("2024-AM", LDTBXH), ("2025-H1", NOIVU),
                                              ("2026-FY", NOIVU)])
def test_the_collecting_office_is_the_one_in_office_on_the_deadline(project: Project, code: str,
                                                                    office: str) -> None:
    assert project.office(project.period(code))["name"] == office


# --- an activity after the report date ---------------------------------------------------------------------------

def _codes(path: Path, project: Project) -> list[tuple[str, str, str | None]]:
    _, report = validate_file(path, project)
    return [(f.code, f.severity, f.cell) for f in report.findings]


def _before(d: dict[str, Any], day: dt.date) -> None:
    """Date the report `day` and every activity on a day of its own up to it, outside the Action Month."""
    d["unit_info"]["report_date"] = day
    for n, a in enumerate(d["activities"]):  # each on its own day (the duplicate rule keys on the start)
        a["start"] = a["end"] = day - dt.timedelta(days=n)
        a["action_month"], a["category"] = "Không", "Truyền thông"


def test_an_activity_dated_after_the_report_date_is_a_finding(project: Project,
                                                              make_workbook: Callable[..., Path]) -> None:
    def sent_early(d: dict[str, Any]) -> None:
        _before(d, D(2026, 9, 30))
        d["activities"][0]["start"] = d["activities"][0]["end"] = D(2026, 10, 20)  # inside the window, after sending

    clean = make_workbook("SO-YTE", "2026-FY", name="clean.xlsx")
    assert _codes(clean, project) == []
    path = make_workbook("SO-YTE", "2026-FY", edit=sent_early, name="sent.xlsx")
    lay = layout_for(project.form)
    cell = lay.activity_cell(lay.activity_first_row, "start")
    assert _codes(path, project) == [("activity-after-sent", "warning", cell)]
    _, report = validate_file(path, project)
    title, message = report.findings[0].render(project.form.messages, "vi")
    assert "20/10/2026" in message and "30/09/2026" in message and title == "Hoạt động diễn ra sau ngày lập báo cáo"
    assert "30/09/2026" in report.findings[0].render(project.form.messages, "en")[1]


def test_a_date_outside_the_window_is_not_also_reported_as_after_sending(
        project: Project, make_workbook: Callable[..., Path]) -> None:
    def late(d: dict[str, Any]) -> None:
        _before(d, D(2026, 11, 10))
        d["activities"][0]["start"] = d["activities"][0]["end"] = D(2026, 12, 20)  # past 14/12: outside the window
        d["activities"][1]["start"] = d["activities"][1]["end"] = D(2025, 12, 20)  # in last December: inside it

    codes = {c for c, _, _ in _codes(make_workbook("SO-YTE", "2026-FY", edit=late, name="late.xlsx"), project)}
    assert codes == {"dates-outside-period"}


# --- templates for three periods, from the CLI -------------------------------------------------------------------

def _instructions(path: Path) -> str:
    ws = load_workbook(path, read_only=True).worksheets[0]
    return "\n".join(str(v) for row in ws.iter_rows(max_row=6, max_col=1, values_only=True) for v in row if v)


@pytest.mark.parametrize(("code", "count", "window", "deadline", "office"), [
    ("2024-FY", 41, "từ 15/12/2023 đến 14/12/2024", "Hạn gửi: 15/11/2024", LDTBXH),
    ("2025-H1", 36, "từ 15/12/2024 đến 14/06/2025", "Hạn gửi: 15/05/2025", NOIVU),
    ("2026-FY", 39, "từ 15/12/2025 đến 14/12/2026", "Hạn gửi: 15/11/2026", NOIVU),
])
def test_templates_print_window_deadline_office_and_the_units_of_their_time(
        tmp_path: Path, code: str, count: int, window: str, deadline: str, office: str) -> None:
    result = CliRunner().invoke(app, ["template", "--period", code, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    files = sorted(tmp_path.glob("*.xlsx"))
    units = {p.stem.split("_", 1)[1] for p in files}
    assert len(files) == count
    assert units >= ALWAYS
    if code == "2024-FY":
        assert units >= PRE_2025 and not AFTER_2025 & units
    else:
        assert units >= AFTER_2025 and not PRE_2025 & units
    for path in (tmp_path / f"{code}_SO-YTE.xlsx", tmp_path / f"{code}_HOI-CCB.xlsx"):
        text = _instructions(path)
        assert window in text and f"{deadline} — gửi về {office}" in text
        assert "ước thực hiện" in text  # the province asks before the window closes
        if code == "2024-FY":
            assert "Sở Nội vụ" not in text


@pytest.mark.parametrize(("code", "example"), [("2024-FY", "20/10/2024"), ("2025-H1", "08/03/2025"),
                                               ("2026-AM", "25/11/2026")])
def test_the_instructions_date_example_lies_inside_the_window(tmp_path: Path, project: Project, code: str,
                                                              example: str) -> None:
    # the example of how to write a date was 20/10/2026 in every template: outside a 2024 or half-year window, it
    # showed a date the validator itself would refuse
    result = CliRunner().invoke(app, ["template", "--period", code, "--unit", "SO-YTE", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    ws = load_workbook(tmp_path / f"{code}_SO-YTE.xlsx", read_only=True).worksheets[0]
    text = "\n".join(str(v) for row in ws.iter_rows(max_col=1, values_only=True) for v in row if v)
    assert f"(ví dụ {example})" in text
    period = project.period(code)
    shown = dt.datetime.strptime(example, "%d/%m/%Y").date()
    assert period.start <= shown <= min(period.end, period.deadline)
