"""The template's own checks, recalculated by a real spreadsheet program: LibreOffice opens workbooks filled by the
project's own fill (values drawn from the form, about half of them breaking a rule), recalculates them through UNO,
and the counts the workbook shows equal the validator's finding counts, rule by rule, for every rule the workbook
renders as a formula. A workbook with two planted errors prints its marks and its count.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from support.office import recalculate
from test_property import PROJECT, submission

from xl_bdg.catalogue import words
from xl_bdg.form.definition import Check
from xl_bdg.form.layout import LIVE_COUNT_CELLS, layout_for, ref
from xl_bdg.form.rulebook import CELL_RULES, LIVE, activity_specs, cross_specs, indicator_specs
from xl_bdg.validation.tidy import MERGED_CODE
from xl_bdg.validation.validate import validate_file
from xl_bdg.workbook.fill import fill_workbook
from xl_bdg.workbook.live import count_name
from xl_bdg.workbook.template import write_template

BATCH = 12  # workbooks recalculated in one LibreOffice session


def _live_codes() -> dict[str, set[str]]:
    """Sheet key → the finding codes the workbook counts itself."""
    form = PROJECT.form
    out = {"activities": {s.code for s in activity_specs(form) if s.live},
           "indicators": {s.code for i in form.indicators for s in indicator_specs(form, i) if s.live}
           | {s.code for s in cross_specs(form) if s.live}}
    out["indicators"].add("indicator-empty")
    out["activities"].add("required-missing")
    out["unit_info"] = {"required-missing"}
    out["narrative"] = {"required-missing"}
    return out


def _break(values: dict[str, Any], check: Check, period: Any, am: tuple[dt.date, dt.date], k: int) -> None:
    """Make `values` (one activity row or one indicator's fields) break `check`, when it can."""
    p = check.params
    if check.rule == "le":
        values[p["b"]] = values.get(p["b"]) or k
        values[p["a"]] = values[p["b"]] + k
    elif check.rule == "sum_eq":
        parts = [values.get(x) or k for x in p["parts"]]
        values.update(dict(zip(p["parts"], parts, strict=True)))
        values[p["total"]] = sum(parts) + k
    elif check.rule == "date_order" and isinstance(values.get(p["start"]), dt.date):
        values[p["end"]] = values[p["start"]] - dt.timedelta(days=k)
    elif check.rule == "in_period":
        values[p["columns"][k % len(p["columns"])]] = period.end + dt.timedelta(days=k)
    elif check.rule == "in_action_month":
        key, value = next(iter(p["when"].items()))
        day = am[0] - dt.timedelta(days=k)
        if period.start <= day <= period.end:
            values[key] = value
            values[p["columns"][0]] = day
    elif check.rule == "requires":
        values[p["if"]] = p.get("equals", k)
        values.pop(p["then"], None)


def _break_some(draw: Any, unit_code: str, period_code: str, data: dict[str, Any]) -> None:
    """Break one to three rules of a submission (in place), each drawn among the rules that this submission can
    break: the checks of its activity rows and of its unit's indicators, and its required cells."""
    project = PROJECT
    period, form = project.period(period_code), project.form
    am = project.action_month(period.year)
    unit = project.registry.get(unit_code)
    inds = [i for i in form.indicators if i.checks and i.applies(unit.code, unit.kind, period.kind, period.year)]
    places = ["indicator", "indicator_empty", "unit_info", "narrative"]
    places += ["activity", "activity_required"] if data["activities"] else []
    for _ in range(draw(st.integers(1, 3))):
        k = draw(st.integers(1, 40))
        where = draw(st.sampled_from(places))
        if where == "activity":
            row = draw(st.sampled_from(data["activities"]))
            _break(row, draw(st.sampled_from([c for c in form.activity_checks if c.rule in LIVE])), period, am, k)
        elif where == "activity_required":
            row = draw(st.sampled_from(data["activities"]))
            row.pop(draw(st.sampled_from([c.id for c in form.activity_columns if c.required])), None)
        elif where == "indicator":
            ind = draw(st.sampled_from(inds))
            fields = {f.id: data["indicators"].pop(ind.key(f.id), None) for f in ind.fields}
            fields = {f: v for f, v in fields.items() if v is not None}
            _break(fields, draw(st.sampled_from(ind.checks)), period, am, k)
            data["indicators"].update({ind.key(f): v for f, v in fields.items()})
        elif where == "indicator_empty" and data["indicators"]:
            data["indicators"].pop(draw(st.sampled_from(sorted(data["indicators"]))))
        elif where in ("unit_info", "narrative"):
            cols = form.unit_info if where == "unit_info" else form.narrative
            data[where].pop(draw(st.sampled_from([c.id for c in cols if c.required and not c.stamped])), None)


def _cells(path: Path) -> dict[str, tuple[str, str]]:
    """Defined name → (sheet, A1) of every count the workbook holds."""
    wb = load_workbook(path)
    out = {}
    for name in wb.defined_names:
        sheet, a1 = wb.defined_names[name].attr_text.split("!")
        out[name] = (sheet.strip("'"), a1.replace("$", ""))
    return out


def _validator_counts(path: Path, unit_code: str, period_code: str) -> Counter[tuple[str, str]]:
    project = PROJECT
    _, report = validate_file(path, project, expected_period=project.period(period_code), expected_unit=unit_code)
    keys = {d.title: k for k, d in project.form.sheets.items()}
    # Both dates of a row outside the period are one finding, under its own code: the workbook counts it as one.
    return Counter((keys.get(f.sheet or "", ""), "date-outside-period" if f.code == MERGED_CODE else f.code)
                   for f in report.findings)


@pytest.mark.libreoffice
def test_libreoffice_counts_equal_the_validator() -> None:
    project = PROJECT
    live = _live_codes()
    tmp = Path(tempfile.mkdtemp(prefix="xlbdg-live-"))
    files: list[dict[str, Any]] = []
    expected: list[tuple[Any, list[tuple[str, str]], list[int]]] = []

    # Hypothesis draws the batch (its first draw is the simplest case, the others vary); LibreOffice then opens the
    # whole batch in one session, since starting it costs more than recalculating a dozen workbooks.
    @settings(max_examples=BATCH, deadline=None, phases=[Phase.generate], database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(case=submission(), more=st.data())
    def draw(case: tuple[str, str, dict[str, Any]], more: st.DataObject) -> None:
        unit_code, period_code, data = case
        if len(files) % 2:  # every other workbook breaks rules
            _break_some(more.draw, unit_code, period_code, data)
        unit = project.registry.get(unit_code)
        template = tmp / f"{period_code}_{unit_code}.xlsx"
        if not template.exists():
            write_template(project, unit, project.period(period_code), tmp)
        path = fill_workbook(project.form, template, data, tmp / f"case{len(files)}.xlsx")
        names = _cells(path)
        want = _validator_counts(path, unit_code, period_code)
        lines = [(sheet, code) for sheet, codes in live.items() for code in sorted(codes)
                 if count_name(sheet, code) in names]
        files.append({"path": str(path), "cells": [list(names[count_name(*key)]) for key in lines]})
        expected.append((case, lines, [want[key] for key in lines]))

    try:
        draw()
        got = recalculate(files, tmp / "lo")
        broken = 0
        for (case, keys, want), result in zip(expected, got, strict=True):
            shown = [int(c["value"]) if not c["error"] else f"error {c['error']}" for c in result["cells"]]
            assert dict(zip(keys, shown, strict=True)) == dict(zip(keys, want, strict=True)), case
            broken += any(n for (_, code), n in zip(keys, want, strict=True) if code != "indicator-empty")
        assert len(files) == BATCH
        assert broken >= BATCH // 3, f"only {broken} of {BATCH} workbooks broke a rule"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_every_live_count_is_named_and_locked(project, tmp_path: Path) -> None:
    unit, period = project.registry.get("SO-YTE"), project.period("2026-FY")
    path = write_template(project, unit, period, tmp_path)
    names = _cells(path)
    wb = load_workbook(path)
    assert {count_name(sheet, code) for sheet, codes in _live_codes().items() for code in codes} == set(names)
    for title, a1 in names.values():
        cell = wb[title][a1]
        assert cell.protection.locked and str(cell.value).startswith("=SUMPRODUCT("), a1
    lay = layout_for(project.form)
    for key, (row, col) in LIVE_COUNT_CELLS.items():
        cell = wb[lay.sheet[key]][ref(row, col)]
        assert cell.protection.locked and str(cell.value).startswith("=IF("), key
        assert wb[lay.sheet[key]].conditional_formatting, key
    assert set(CELL_RULES) <= set(project.form.messages)


@pytest.mark.libreoffice
def test_two_planted_errors_print_with_their_marks_and_count(project, tmp_path: Path) -> None:
    unit, period = project.registry.get("XA-EAKAO"), project.period("2026-FY")
    template = write_template(project, unit, period, tmp_path)
    form = project.form
    info = {"reporter": "Nguyễn Thị Lan", "report_date": dt.date(2026, 11, 2), "approver": "Trần Văn Bình"}
    data = {"unit_info": info,
            "narrative": {c.id: "Đã thực hiện." for c in form.narrative},
            "activities": [{"category": form.lists["categories"].values[0], "title": "Hội nghị tuyên truyền",
                            "start": dt.date(2026, 3, 2), "end": dt.date(2026, 2, 28),  # end before start
                            "part_t": 40, "part_m": 18, "part_f": 22},
                           {"category": form.lists["categories"].values[0], "title": "Tập huấn",
                            "start": dt.date(2026, 4, 1), "end": dt.date(2026, 4, 1),
                            "part_t": 30, "part_m": 20, "part_f": 10, "part_e": 31}]}  # ethnic > total
    path = fill_workbook(form, template, data, tmp_path / "planted.xlsx")
    _, report = validate_file(path, project)
    assert sorted(f.code for f in report.findings if f.severity == "error") == ["end-before-start",
                                                                              "ethnic-exceeds-total"]
    pdf = tmp_path / "planted.pdf"
    lay = layout_for(form)
    row, col = LIVE_COUNT_CELLS["activities"]
    got = recalculate([{"path": str(path), "cells": [[lay.sheet["activities"], ref(row, col)]], "pdf": str(pdf)}],
                      tmp_path / "lo")
    count = words("vi")("live.errors", n=2)
    assert got[0]["cells"][0]["shown"].startswith(count)
    assert all(got[0]["protected"][lay.sheet[k]] for k in LIVE_COUNT_CELLS)
    first = subprocess.run(["pdftotext", "-layout", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True,
                           text=True, check=True).stdout
    assert count in first and form.messages["ethnic-exceeds-total"].title["vi"] in first
    keep = os.environ.get("LIVE_PNG")  # a folder to keep the page images in, for a person to look at
    if keep:
        subprocess.run(["pdftoppm", "-r", "70", "-png", str(pdf), str(Path(keep) / "planted")], check=True)
