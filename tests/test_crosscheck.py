"""Checks across submissions and periods: annual below 6-month, a value far from the unit's history, the same
activity reported by two units."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from xl_bdg.aggregation.combine import aggregate
from xl_bdg.aggregation.crosscheck import MIN_HISTORY, activities_in_two_units, cross_checks, is_outlier, outliers
from xl_bdg.dataset import Activity
from xl_bdg.findings import FileReport
from xl_bdg.form.layout import layout_for
from xl_bdg.ledger.intake import intake
from xl_bdg.ledger.store import Ledger, Received
from xl_bdg.submission import CellValue, Submission

NEW_CODES = ("fy-below-h1", "value-outlier", "activity-in-two-units", "older-version-used")


@pytest.mark.parametrize(("value", "history", "flagged"), [
    (5, [3, 4, 6], False),            # ordinary year
    (40, [3, 4, 6], True),            # ten times the usual count
    (3, [0, 0, 0], False),            # small counts: 0 then 3 is noise, not an outlier
    (12, [0, 0, 0], True),
    (0, [100, 120, 110], True),       # a unit that stopped reporting a big figure
    (150, [100, 120, 110], False),
    (5_000_000, [4_000_000, 4_000_000, 4_000_000], False),  # money grows; a flat past is no reason to flag
    (40_000_000, [4_000_000, 4_000_000, 4_000_000], True),
    (20, [10, 11, 12, 900], False),   # one absurd past year does not widen the range for ever…
    (200, [10, 11, 12, 900], True),   # …nor hide a real jump
])
def test_outlier_rule(value, history, flagged):
    assert is_outlier(value, history)[0] is flagged


def _sub(project, unit: str, values: dict[str, Any]) -> Submission:
    lay = layout_for(project.form)
    ind = project.form.sheet_title("indicators")
    return Submission(path=f"{unit}.xlsx", sha256=f"{unit}-{sorted(values.items())}", meta={"unit_code": unit},
                      indicators={k: CellValue(v, ind, lay.indicator_cell(k)) for k, v in values.items()})


def test_annual_below_half_year_through_the_ledger(project, make_workbook, tmp_path):
    def values(comm: int, svc: int):
        kinds = {"SVC_01.TRUST": svc, "SVC_01.SHELTER": 0, "SVC_01.CLUB": 0, "SVC_01.MODEL": 0, "SVC_01.HOTLINE": 0}
        return lambda d: d["indicators"].update({"COMM_01": comm, "SVC_01.T": svc, **kinds})

    h1 = make_workbook("XA-EAKAO", "2026-H1", edit=values(50, 5), name="h1.xlsx")
    fy = make_workbook("XA-EAKAO", "2026-FY", edit=values(1, 1), name="fy.xlsx")
    with Ledger(tmp_path / "ledger.sqlite") as led:
        intake(led, [h1], project, received_at=dt.datetime(2026, 5, 10))
        intake(led, [fy], project, received_at=dt.datetime(2026, 11, 10))
        ds = aggregate(project, led, project.period("2026-FY"))
    found = [w for w in ds.warnings if w.code == "fy-below-h1"]
    cell = layout_for(project.form).indicator_cell("COMM_01")
    assert [(w.file, w.cell, w.value, w.params["other"]) for w in found if w.cell == cell] == [("fy.xlsx", cell, 1, 50)]
    stock = layout_for(project.form).indicator_cell("SVC_01.T")
    assert all(w.cell != stock for w in found)  # a stock (places in operation) may fall: not cumulative
    assert all(w.severity == "warning" for w in ds.warnings)


def test_value_far_from_history_through_the_ledger(project, tmp_path):
    with Ledger(tmp_path / "ledger.sqlite") as led:
        for year, n in ((2022, 14), (2023, 10), (2024, 12), (2025, 11)):
            sub = _sub(project, "XA-EAKAO", {"COMM_01": n, "COMM_02": n})
            rep = FileReport(file=sub.path, sha256=sub.sha256, unit_code="XA-EAKAO", period=f"{year}-FY")
            item = Received.build(name=f"{year}.xlsx", sha256=f"{year}{sub.sha256}", size=1, report=rep,
                                  submission=sub, received_at=dt.datetime(year, 11, 1))
            item.archive = led.archive_bytes(b"x" * year, item.sha256, item.name)
            with led.transaction() as conn:
                led.insert(conn, item)
        current = {"XA-EAKAO": _sub(project, "XA-EAKAO", {"COMM_01": 95, "COMM_02": 13})}
        found = cross_checks(project, led, project.period("2026-FY"), current, [])
    cells = {layout_for(project.form).indicator_cell(k): k for k in ("COMM_01", "COMM_02")}
    assert [(cells.get(f.cell), f.value, f.params["years"]) for f in found if f.code == "value-outlier"] == [
        ("COMM_01", 95, 4)]


def test_history_too_short_flags_nothing(project):
    current = {"XA-EAKAO": _sub(project, "XA-EAKAO", {"COMM_01": 10_000})}
    history = {"XA-EAKAO": [{"COMM_01": 1}] * (MIN_HISTORY - 1)}
    assert outliers(project, project.period("2026-FY"), current, history) == []
    history = {"XA-EAKAO": [{"COMM_01": 1}] * MIN_HISTORY}
    assert [f.code for f in outliers(project, project.period("2026-FY"), current, history)] == ["value-outlier"]


def test_same_activity_reported_by_two_units(project):
    day = dt.date(2026, 3, 8)
    sheet = project.form.sheet_title("activities")

    def acts(unit: str, rows: list[tuple[str, dt.date]]) -> list[Activity]:
        return [Activity(unit, {"title": t, "start": d}, f"sha-{unit}", sheet, 5 + i) for i, (t, d) in enumerate(rows)]

    rows = (acts("XA-EAKAO", [("Hội thi tìm hiểu về Bình đẳng giới", day), ("Tập huấn lồng ghép giới", day)])
            + acts("SO-YTE", [("  hội thi  tìm hiểu về bình đẳng giới!", day),
                              ("Tập huấn lồng ghép giới", day.replace(day=9))])
            + acts("XA-SONTAY", [("Hoi thi tim hieu ve binh dang gioi", day)]))
    found = activities_in_two_units(project, rows, {"sha-SO-YTE": "yte.xlsx"})
    cell = layout_for(project.form).activity_cell(5, "title")
    # the other units by name, never by code: the office and the unit read the message
    name = {c: project.registry.get(c).name for c in ("SO-YTE", "XA-EAKAO", "XA-SONTAY")}
    assert sorted((f.params["unit"], f.file, f.cell, f.params["other"]) for f in found) == [
        ("SO-YTE", "yte.xlsx", cell, f"{name['XA-EAKAO']}, {name['XA-SONTAY']}"),
        ("XA-EAKAO", "sha-XA-EAKAO", cell, f"{name['SO-YTE']}, {name['XA-SONTAY']}"),
        ("XA-SONTAY", "sha-XA-SONTAY", cell, f"{name['SO-YTE']}, {name['XA-EAKAO']}"),
    ]
    one_unit = acts("XA-EAKAO", [("A", day), ("a", day)])
    assert activities_in_two_units(project, one_unit, {}) == []  # twice in one file is validation's duplicate-activity


@pytest.mark.parametrize("code", NEW_CODES)
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_new_codes_render_without_placeholders(project, code, lang):
    from xl_bdg.findings import Finding

    params = {"label": "COMM_01 – Số lượng", "other": 5, "unit": "XA-EAKAO", "name": "Xã Ea Kao", "median": 11,
              "min": 0, "max": 30, "years": 4, "date": dt.date(2026, 3, 8)}
    title, text = Finding(code, "warning", "f.xlsx", value=7, params=params).render(project.form.messages, lang)
    assert project.form.messages[code].severity == "warning"
    assert title and "{" not in text and "}" not in text
