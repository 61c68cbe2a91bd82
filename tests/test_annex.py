"""The Excel annex: read back semantically (values, sheets, charts, print setup), never as XML."""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from support.office import convert

from xl_bdg.form.project import Project
from xl_bdg.report.annex import HEADER_ROW, write_annex
from xl_bdg.report.build import load_labels


@pytest.fixture(scope="module")
def annex(sample) -> Path:
    return next((sample.out_dir / "report").glob("bieu-tong-hop_*.xlsx"))


def _header(ws) -> list:
    return [c.value for c in ws[HEADER_ROW]]


def test_annex_has_its_sheets_frozen_and_set_up_for_a4_landscape(annex):
    labels = load_labels("vi")["annex"]
    wb = load_workbook(annex)
    assert wb.sheetnames == [labels[k] for k in ("sheet_indicators", "sheet_targets", "sheet_categories",
                                                 "sheet_activities", "sheet_budget", "sheet_status",
                                                 "sheet_checks")]
    for ws in wb.worksheets:
        assert ws.freeze_panes is not None and ws.freeze_panes.endswith(str(HEADER_ROW + 1)), ws.title
        assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == "9", ws.title
        assert ws.column_dimensions["A"].width > 0
        assert ws["A1"].value and ws["A1"].font.b


def _same(shown, expected) -> bool:
    return shown is None if expected is None else shown == pytest.approx(expected)


def test_indicator_sheet_holds_every_unit_and_the_province_figure(annex, sample, project: Project):
    ds = sample.dataset
    ws = load_workbook(annex)[load_labels("vi")["annex"]["sheet_indicators"]]
    head = _header(ws)
    names = {s.name: s.unit for s in ds.statuses}
    unit_cols = {i: names[h] for i, h in enumerate(head) if h in names}
    aggregated = {s.unit for s in ds.statuses if s.used_sha256}
    assert set(unit_cols.values()) == aggregated
    checked, code = 0, None
    for row in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True):
        if row[1] is None:
            continue  # a group heading
        if isinstance(row[0], int):
            code, fid = row[1], None
            ind = project.form.indicator(code)
            agg = [f for f in ind.fields if ind.field_agg(f) is not None]
            if ind.agg != "ratio" and len(agg) == 1:
                fid = agg[0].id
        else:
            fid = row[1]
        assert _same(row[4], ds.value(code, fid)), (code, fid)
        for i, unit in unit_cols.items():
            assert _same(row[i], ds.value(code, fid, unit)), (code, fid, unit)
        checked += 1
    assert checked > 40


def test_targets_and_met_follow_the_national_strategy(annex, sample, project: Project):
    ds = sample.dataset
    labels = load_labels("vi")
    ws = load_workbook(annex)[labels["annex"]["sheet_targets"]]
    year = ds.period.year
    rows = [r for r in ws.iter_rows(min_row=HEADER_ROW + 1, max_row=HEADER_ROW + len(project.targets),
                                    values_only=True)]
    for t, row in zip(project.targets, rows, strict=True):
        assert row[1] == t.code
        assert row[4] == pytest.approx(ds.value(t.indicator))
        assert (row[5], row[6]) == (t.t2025, t.t2030)
        met = t.met(ds.value(t.indicator), year)
        assert row[8] == labels["met"]["unknown" if met is None else ("yes" if met else "no")]


def test_activities_categories_budget_and_status_add_up(annex, sample, project: Project):
    ds = sample.dataset
    labels = load_labels("vi")["annex"]
    wb = load_workbook(annex)
    acts = wb[labels["sheet_activities"]]
    listed = [r for r in acts.iter_rows(min_row=HEADER_ROW + 1, values_only=True) if r[0] is not None]
    assert len(listed) == len(ds.activities)
    assert acts.auto_filter.ref and acts.auto_filter.ref.startswith(f"A{HEADER_ROW}")
    cats = wb[labels["sheet_categories"]]
    body = [r for r in cats.iter_rows(min_row=HEADER_ROW + 1, values_only=True) if r[0] is not None]
    *per_category, total = body
    assert total[1] == len(ds.activities) == sum(r[1] for r in per_category)
    for r in per_category:
        assert r[1] == sum(1 for a in ds.activities if a.values.get("category") == r[0])
    budget = wb[labels["sheet_budget"]]
    rows = [r for r in budget.iter_rows(min_row=HEADER_ROW + 1, values_only=True) if r[0] is not None]
    cols = [c.id for c in project.form.budget.columns]
    for source, *values in rows[:-1]:
        for shown, col in zip(values, cols, strict=True):
            assert _same(shown, ds.budget.get((ds.province, source, col))), (source, col)
    status = wb[labels["sheet_status"]]
    codes = [r[1] for r in status.iter_rows(min_row=HEADER_ROW + 1, max_col=2, values_only=True) if r[1]]
    assert codes == [s.unit for s in ds.statuses]


def test_native_charts_are_in_the_workbook(annex):
    labels = load_labels("vi")["annex"]
    wb = load_workbook(annex)
    for key in ("sheet_targets", "sheet_categories", "sheet_budget", "sheet_status"):
        ws = wb[labels[key]]
        # openpyxl does not read charts back; the drawing part is what Excel and LibreOffice draw from.
        assert ws._charts or any("drawing" in str(r.Type) for r in ws._rels), key
    import zipfile

    with zipfile.ZipFile(annex) as z:
        assert len([n for n in z.namelist() if n.startswith("xl/charts/chart")]) == 4


def test_text_that_looks_like_a_formula_stays_text(sample, project: Project, tmp_path):
    ds = copy.deepcopy(sample.dataset)
    ds.activities[0].values["title"] = "=HYPERLINK(\"http://x\")"
    target = write_annex(project, ds, tmp_path / "annex.xlsx")
    ws = load_workbook(target)[load_labels("vi")["annex"]["sheet_activities"]]
    cell = next(c for row in ws.iter_rows(min_row=HEADER_ROW + 1) for c in row
                if c.value == "=HYPERLINK(\"http://x\")")
    assert cell.data_type == "s"


@pytest.mark.libreoffice
def test_libreoffice_opens_the_annex(annex, tmp_path):
    pdf = convert(annex, "pdf", tmp_path)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    labels = load_labels("vi")["annex"]
    for key in ("title_indicators", "title_targets", "title_status"):
        assert labels[key] in " ".join(text.split()), key


def test_cross_check_warnings_are_listed_one_per_row(annex, sample, project: Project):
    """What no single workbook shows (one activity in two units, FY below H1, outliers) reaches the office."""
    ds = sample.dataset
    ws = load_workbook(annex)[load_labels("vi")["annex"]["sheet_checks"]]
    rows = [r for r in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True) if r[0] is not None]
    assert ds.warnings, "the sample season must produce cross-check warnings for this test to mean anything"
    assert len(rows) == len(ds.warnings)
    messages = project.form.messages
    expected = sorted((f.code, f.where, f.render(messages, "vi")[1]) for f in ds.warnings)
    assert sorted((r[4], r[3], r[5]) for r in rows) == expected
