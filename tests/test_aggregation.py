"""Aggregation of a sample province: statuses, every figure against an independent expectation, designed figures
by hand (a ratio that averaging would get wrong), the provenance trail down to the cells, and the invariants
(province total = sum over units, intake order does not matter, re-running intake changes nothing)."""

from __future__ import annotations

import copy
import datetime as dt
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from support.ledger import snapshot

from xl_bdg.aggregation.combine import aggregate, combine, ratio_scale
from xl_bdg.aggregation.provenance import explain
from xl_bdg.fileio import sha256_file
from xl_bdg.form.layout import layout_for
from xl_bdg.ledger.intake import intake
from xl_bdg.ledger.status import status
from xl_bdg.ledger.store import Ledger
from xl_bdg.sample.synth import synthesize
from xl_bdg.submission import CellValue, Submission
from xl_bdg.workbook.fill import fill_workbook
from xl_bdg.workbook.template import write_template

PERIOD = "2026-FY"
T = dt.datetime(2026, 11, 1, 9, 0)
SRC0 = "Ngân sách tỉnh"  # a budget source of lists.yaml (checked below), used only as test data


def _designed(unit: str, values: dict[str, Any], budget: dict[str, int] | None = None):
    def edit(data: dict[str, Any]) -> None:
        data["indicators"].update(values)
        if values.get("AM_01.YES") == "Không":
            data["indicators"].pop("AM_01.DOC", None)
        elif values.get("AM_01.YES"):
            data["indicators"].setdefault("AM_01.DOC", f"Số 12/KH-{unit} ngày 01/10/2026")
        data["budget"] = dict(budget or {})
        for a in data["activities"]:  # budgets live in the budget table here, so the figures are by hand
            a.pop("budget", None)
            a.pop("source", None)
    return edit


def _no_doc(data: dict[str, Any]) -> None:
    data["indicators"].pop("AM_01.DOC", None)  # "Có" without a document number: a warning


def _female_over_total(data: dict[str, Any]) -> None:
    data["indicators"]["COMM_06.F"] = data["indicators"]["COMM_06.T"] + 1


def _svc(n: int) -> dict[str, int]:
    """SVC_01 by kind: `n` places in operation, all of them trusted addresses (the kinds add up to the total)."""
    return {"SVC_01.T": n, "SVC_01.TRUST": n, "SVC_01.SHELTER": 0, "SVC_01.CLUB": 0, "SVC_01.MODEL": 0,
            "SVC_01.HOTLINE": 0}


# (file name, unit, received_at, designed values, budget, extra edit)
SUBMISSIONS = [
    ("eakao.xlsx", "XA-EAKAO", T + dt.timedelta(days=9),
     {"COMM_01": 12, "COM_01.NUM": 90, "COM_01.DEN": 100, "HEA_01.M": 110, "HEA_01.F": 100, "AM_01.YES": "Có",
      **_svc(2)}, {f"{SRC0}|planned": 10_000_000, f"{SRC0}|spent": 8_000_000}, None),
    ("sontay-late.xlsx", "XA-SONTAY", T + dt.timedelta(days=19),
     {"COMM_01": 30, "COM_01.NUM": 60, "COM_01.DEN": 1000, "HEA_01.M": 220, "HEA_01.F": 200, "AM_01.YES": "Không",
      **_svc(3)}, None, None),
    ("hoabinh-invalid.xlsx", "XA-HOABINH", T + dt.timedelta(days=5),
     {"COMM_01": 1000, "COM_01.NUM": 1, "COM_01.DEN": 1, "AM_01.YES": "Có", **_svc(50)}, None, _female_over_total),
    ("cuebur-v1.xlsx", "XA-CUEBUR", T + dt.timedelta(days=4),
     {"COMM_01": 500, "COM_01.NUM": 500, "COM_01.DEN": 500, "AM_01.YES": "Không", **_svc(40)}, None, None),
    ("cuebur-v2.xlsx", "XA-CUEBUR", T + dt.timedelta(days=11),
     {"COMM_01": 8, "COM_01.NUM": 45, "COM_01.DEN": 50, "HEA_01.M": 105, "HEA_01.F": 100, "AM_01.YES": "Có",
      **_svc(1)}, None, None),
    ("halong-v1.xlsx", "PH-HALONG", T + dt.timedelta(days=4),
     {"COMM_01": 40, "COM_01.NUM": 5, "COM_01.DEN": 50, "HEA_01.M": 115, "HEA_01.F": 100, "AM_01.YES": "Có",
      **_svc(0)}, None, None),
    ("halong-v2-broken.xlsx", "PH-HALONG", T + dt.timedelta(days=13),
     {"COMM_01": 77, "COM_01.NUM": 5, "COM_01.DEN": 50, "AM_01.YES": "Có", **_svc(9)}, None, _female_over_total),
    ("soyte-warn.xlsx", "SO-YTE", T + dt.timedelta(days=8),
     {"COMM_01": 5, "AM_01.YES": "Có", **_svc(4)}, {f"{SRC0}|spent": 2_000_000}, _no_doc),
    ("thongke.xlsx", "THONG-KE", T + dt.timedelta(days=2),
     {"COMM_01": 3, "AM_01.YES": "Không", **_svc(0), "ECO_01": 48.5, "FAM_01": 1.6}, None, None),
]
USED = {"XA-EAKAO": "eakao.xlsx", "XA-SONTAY": "sontay-late.xlsx", "XA-CUEBUR": "cuebur-v2.xlsx",
        "PH-HALONG": "halong-v1.xlsx", "SO-YTE": "soyte-warn.xlsx", "THONG-KE": "thongke.xlsx"}


@pytest.fixture(scope="module")
def province(project, tmp_path_factory):
    """The sample province's files (written by the project's writer), their data, and a ledger fed with them."""
    base = tmp_path_factory.mktemp("province")
    per = project.period(PERIOD)
    assert SRC0 in project.form.lists[project.form.budget.rows_list].values
    files: dict[str, Path] = {}
    data: dict[str, dict[str, Any]] = {}
    for name, code, _, values, budget, extra in SUBMISSIONS:
        unit = project.registry.get(code)
        template = base / "templates" / f"{per.code}_{code}.xlsx"
        if not template.exists():
            write_template(project, unit, per, base / "templates")
        d = synthesize(project, unit, per)
        _designed(code, values, budget)(d)
        if extra:
            extra(d)
        files[name] = fill_workbook(project.form, template, d, base / "inbox" / name)
        data[name] = d
    ledger_path = base / "ledger.sqlite"
    with Ledger(ledger_path) as led:
        for name, _, when, *_ in SUBMISSIONS:
            intake(led, [files[name]], project, received_at=when, expected_period=project.period(PERIOD))
        ds = aggregate(project, led, project.period(PERIOD))
    return {"files": files, "data": data, "ledger": ledger_path, "ds": ds, "dir": base}


def test_status_table(project, province):
    rows = {s.unit: s for s in province["ds"].statuses}
    got = {u: (s.status, s.versions, s.on_time) for u, s in rows.items() if s.status != "missing"}
    assert got == {"XA-EAKAO": ("accepted", 1, True), "XA-SONTAY": ("late", 1, False),
                   "XA-HOABINH": ("invalid", 1, True), "XA-CUEBUR": ("accepted", 2, True),
                   "PH-HALONG": ("invalid", 2, True), "SO-YTE": ("accepted_with_warnings", 1, True),
                   "THONG-KE": ("accepted", 1, True)}
    per = project.period(PERIOD)
    asked = {u.code for u in project.registry.reporting_units(per.start, per.end)}
    assert set(rows) == asked
    assert {u for u, s in rows.items() if s.status == "missing"} == asked - {s[1] for s in SUBMISSIONS}
    used = {u: s.used_sha256 for u, s in rows.items() if s.used_sha256}
    assert used == {u: sha256_file(province["files"][f]) for u, f in USED.items()}
    older = [w for w in province["ds"].warnings if w.code == "older-version-used"]
    assert [(w.value, w.file) for w in older] == [("PH-HALONG", "halong-v2-broken.xlsx")]


def test_designed_figures_by_hand(province):
    ds = province["ds"]
    assert ds.value("COMM_01") == 12 + 30 + 8 + 40 + 5 + 3
    assert ds.value("COMM_01", "N", "kind:commune") == 12 + 30 + 8 + 40
    assert ds.value("COMM_01", "N", "kind:department") == 5 + 3
    # Ratio: Σ numerators / Σ denominators. The units' own rates are 90 %, 6 %, 90 %, 10 %: their mean (49 %)
    # is what averaging percentages would wrongly report.
    com = ds.figure("COM_01")
    assert (com.numerator, com.denominator, com.units) == (90 + 60 + 45 + 5, 100 + 1000 + 50 + 50, 4)
    assert com.value == pytest.approx(100 * 200 / 1200)
    assert com.value != pytest.approx((90 + 6 + 90 + 10) / 4)
    assert ds.value("HEA_01") == pytest.approx(100 * (110 + 220 + 105 + 115) / (100 + 200 + 100 + 100))
    share = ds.figure("AM_01")
    assert (share.numerator, share.denominator) == (4, 6) and share.value == pytest.approx(400 / 6)
    assert ds.value("AM_01", "YES", "kind:commune") == pytest.approx(75.0)
    assert ds.value("SVC_01", "T") == 2 + 3 + 1 + 0 + 4 + 0
    assert ds.value("ECO_01") == 48.5 and ds.value("FAM_01") == 1.6
    assert ds.figure("ECO_01", None, "kind:department") is None  # a picked figure is the province's, not a kind's
    assert ds.budget[(ds.province, SRC0, "spent")] == 8_000_000 + 2_000_000
    assert ds.budget[(ds.province, SRC0, "planned")] == 10_000_000
    assert ds.budget[("kind:department", SRC0, "spent")] == 2_000_000


def _expected(project, data: dict[str, dict[str, Any]], units: list[str]) -> dict[tuple[str, str | None], Any]:
    """What each province figure must be, computed straight from the data written into the accepted files."""
    yes = project.form.lists["yesno"].values[0]
    out: dict[tuple[str, str | None], Any] = {}
    for ind in project.form.indicators:
        if not ind.asked("FY", project.period(PERIOD).year):  # elections: their years only
            continue
        vals = {f.id: [data[u]["indicators"].get(ind.key(f.id)) for u in units] for f in ind.fields}
        for f in ind.fields:
            rule, got = ind.field_agg(f), [v for v in vals[f.id] if v is not None]
            if rule in ("sum", "stock", "ratio"):
                out[(ind.code, f.id)] = sum(got) if got else None
            elif rule == "share":
                out[(ind.code, f.id)] = 100 * sum(v == yes for v in got) / len(got) if got else None
            elif rule == "pick":
                picked = [data[u]["indicators"].get(ind.key(f.id)) for u in units if u == ind.pick_from]
                out[(ind.code, f.id)] = picked[0] if picked else None
        if ind.agg == "ratio":
            pairs = [(n, d) for n, d in zip(vals[ind.numerator], vals[ind.denominator], strict=True)
                     if n is not None and d is not None]
            den = sum(d for _, d in pairs)
            out[(ind.code, None)] = sum(n for n, _ in pairs) / den * ratio_scale(ind) if den else None
    return out


def test_every_province_figure_matches_the_data(project, province):
    ds, data = province["ds"], province["data"]
    expected = _expected(project, {u: data[f] for u, f in USED.items()}, sorted(USED))
    for (code, fid), value in expected.items():
        fig = ds.figure(code, fid)
        assert fig is not None, (code, fid)
        assert fig.value == pytest.approx(value), (code, fid)
    for scope, kind in (("kind:commune", "commune"), ("kind:department", "department")):
        units = sorted(u for u in USED if project.registry.get(u).kind == kind)
        for (code, fid), value in _expected(project, {u: data[USED[u]] for u in units}, units).items():
            fig = ds.figure(code, fid, scope)
            if project.form.indicator(code).agg == "pick":
                continue  # picked figures exist for the province only
            assert (fig.value if fig else None) == pytest.approx(value), (scope, code, fid)
    assert len(ds.activities) == sum(len(data[f]["activities"]) for f in USED.values())
    assert {a.unit for a in ds.activities} == set(USED)
    assert ds.narratives == {u: data[f]["narrative"] for u, f in USED.items()}


def test_provenance_trail_down_to_cells(project, province):
    ds, files = province["ds"], province["files"]
    lay = layout_for(project.form)
    sheet = project.form.sheet_title("indicators")
    trail = explain(ds, project.form, "COM_01")
    assert trail.value == pytest.approx(100 * 200 / 1200)
    expected = sorted(
        (u, sha256_file(files[f]), f, sheet, lay.indicator_cell(k), province["data"][f]["indicators"][k])
        for u, f in USED.items() if project.registry.get(u).kind == "commune" for k in ("COM_01.NUM", "COM_01.DEN"))
    assert sorted((s.unit, s.sha256, s.file, s.sheet, s.cell, s.value) for s in trail.sources) == expected
    with Ledger(province["ledger"]) as led:  # each cell, opened in the archived copy, holds the value
        for s in trail.sources:
            ws = load_workbook(led.archived(led.get(s.sha256)), read_only=True)[s.sheet]
            assert ws[s.cell].value == s.value
    with pytest.raises(ValueError, match="no field"):
        explain(ds, project.form, "COM_01.X")


def test_province_total_is_the_sum_over_units(project, province):
    ds = province["ds"]
    kinds = {project.registry.get(u).kind for u in USED}
    for (code, fid, scope), fig in ds.figures.items():
        if scope != ds.province or fig.agg not in ("sum", "stock") or fid is None:
            continue
        parts = [ds.figure(code, fid, u) for u in USED]
        assert fig.value == sum(p.value for p in parts if p is not None and p.value is not None) or (
            fig.value is None and all(p is None for p in parts)), (code, fid)
        by_kind = [ds.value(code, fid, f"kind:{k}") for k in kinds]
        assert fig.value == (sum(v for v in by_kind if v is not None) if any(v is not None for v in by_kind) else None)


def _signature(ds) -> dict:
    figs = {k: (f.value, f.numerator, f.denominator, f.units,
                sorted((s.unit, s.sha256, s.cell, repr(s.value)) for s in f.sources)) for k, f in ds.figures.items()}
    return {"figures": figs, "budget": ds.budget, "statuses": [(s.unit, s.status, s.used_sha256) for s in ds.statuses],
            "activities": sorted((a.unit, a.row, a.sha256) for a in ds.activities),
            "warnings": sorted((w.code, w.file, w.cell) for w in ds.warnings)}


def test_intake_order_does_not_change_the_result(project, province, tmp_path):
    files = province["files"]
    reference = _signature(province["ds"])
    orders = [list(reversed(SUBMISSIONS)), random.Random(4).sample(SUBMISSIONS, len(SUBMISSIONS))]
    for i, order in enumerate(orders):
        with Ledger(tmp_path / f"l{i}.sqlite") as led:
            for name, _, when, *_ in order:
                intake(led, [files[name]], project, received_at=when, expected_period=project.period(PERIOD))
            assert _signature(aggregate(project, led, project.period(PERIOD))) == reference


def test_rerunning_intake_changes_nothing(project, province, tmp_path):
    import shutil

    path = tmp_path / "ledger.sqlite"
    shutil.copy(province["ledger"], path)
    shutil.copytree(province["dir"] / "ledger-archive", tmp_path / "ledger-archive")
    before = snapshot(path)
    with Ledger(path) as led:
        result = intake(led, [province["dir"] / "inbox"], project, received_at=T + dt.timedelta(days=40))
        assert {i.outcome for i in result.items} == {"known"}
        assert _signature(aggregate(project, led, project.period(PERIOD))) == _signature(province["ds"])
    assert snapshot(path) == before


def test_status_reads_the_ledger_alone(project, province):
    with Ledger(province["ledger"]) as led:
        got = status(led, project, project.period(PERIOD))
        assert [vars(s) for s in got] == [vars(s) for s in province["ds"].statuses]


# --- pure aggregation: hierarchy over time, and properties on constructed submissions ----------------------------
def _sub(project, unit: str, values: dict[str, Any]) -> Submission:
    lay = layout_for(project.form)
    sheet = project.form.sheet_title("indicators")
    return Submission(path=f"{unit}.xlsx", sha256=f"sha-{unit}",
                      indicators={k: CellValue(v, sheet, lay.indicator_cell(k)) for k, v in values.items()})


def test_old_years_aggregate_through_districts(project):
    subs = {"XA-EAKAO": _sub(project, "XA-EAKAO", {"COMM_01": 4}), "XA-EATU": _sub(project, "XA-EATU", {"COMM_01": 7}),
            "H-SONTAY": _sub(project, "H-SONTAY", {"COMM_01": 100})}
    old = combine(project, project.period("2024-FY"), subs)
    # The district's report is its area's total (schemas/counting.yaml): it is counted, its commune set aside;
    # a district that did not report is the sum of its communes.
    assert old.value("COMM_01", "N", "H-SONTAY") == 100
    assert old.value("COMM_01", "N", "TP-HALONG") == 7
    assert old.value("COMM_01", "N", "kind:district") == 100
    assert old.value("COMM_01", "N", "kind:commune") == 11
    assert old.value("COMM_01") == 107
    new = combine(project, project.period("2026-FY"), {"XA-EAKAO": subs["XA-EAKAO"]})
    assert new.figure("COMM_01", "N", "H-SONTAY") is None and new.value("COMM_01") == 4


COMMUNES = ["XA-EAKAO", "XA-SONTAY", "XA-HOABINH", "XA-CUEBUR", "PH-HALONG", "PH-TANLAP", "DK-HONMAT"]
_counts = st.integers(min_value=0, max_value=10_000)


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(st.sampled_from(COMMUNES), st.tuples(_counts, _counts, _counts), min_size=1),
       st.randoms(use_true_random=False))
def test_property_total_equals_sum_and_order_is_irrelevant(project, values, rnd):
    subs = {u: _sub(project, u, {"COMM_01": a, "COM_01.NUM": min(b, c), "COM_01.DEN": max(b, c)})
            for u, (a, b, c) in values.items()}
    ds = combine(project, project.period(PERIOD), subs)
    assert ds.value("COMM_01") == sum(a for a, _, _ in values.values())
    assert ds.value("COMM_01") == sum(ds.value("COMM_01", "N", u) for u in values)
    fig = ds.figure("COM_01")
    assert fig.numerator == sum(min(b, c) for _, b, c in values.values())
    assert fig.denominator == sum(max(b, c) for _, b, c in values.values())
    items = list(subs.items())
    rnd.shuffle(items)
    again = combine(project, project.period(PERIOD), copy.deepcopy(dict(items)), generated_at=ds.generated_at)
    assert again.figures.keys() == ds.figures.keys()
    assert all((again.figures[k].value, again.figures[k].sources) == (f.value, f.sources)
               for k, f in ds.figures.items())
