"""What users' programs really put in a workbook: a clerk types into the form in LibreOffice Calc (through Calc's own
input line, so LibreOffice recognises "45%", "=1/0" or "20/11/2025" as it would for a person) and saves it as .xlsx,
.xls and .ods. Each file must give exactly the findings listed, at the right cells, in both languages.

Cells that a real form's validation would refuse when typed are pasted (the cell's validation goes with the paste),
which is how such values reach a form in practice.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from support.office import type_into
from test_corpus import act_cell, applicable, ind_cell

from xl_bdg.findings import FileReport
from xl_bdg.form.layout import layout_for
from xl_bdg.form.project import Project
from xl_bdg.reading.reader import read_submission
from xl_bdg.sample.synth import synthesize
from xl_bdg.validation.validate import validate_file

pytestmark = [pytest.mark.libreoffice, pytest.mark.slow]
FORMATS = ("xlsx", "xls", "ods")
Triple = tuple[str, str | None, str | None]


def _counts(project: Project, unit: str) -> list[str]:
    """Keys of applicable one-field count indicators, in sheet order."""
    return [i.key(i.fields[0].id) for i in applicable(project, unit) if len(i.fields) == 1
            and i.fields[0].type == "count"]


def _plain_and_am_rows(data: dict[str, Any]) -> tuple[int, int]:
    acts = data["activities"]
    # A year's sample has no Action Month activity (the Action Month comes after the year's deadline): then the
    # first row stands for the one whose year the clerk mistypes
    am = next((i for i, a in enumerate(acts) if a.get("action_month") == "Có"
               or a.get("category") == "Tháng hành động"), 0)
    plain = next(i for i, a in enumerate(acts) if i > am and a.get("action_month") != "Có"
                 and a.get("category") != "Tháng hành động")
    return plain, am


def _edit(sheet: str, cell: str, text: str, paste: bool = False) -> dict[str, Any]:
    return {"sheet": sheet, "cell": cell, "text": text, "paste": paste}


def _findings(path: Path, project: Project) -> tuple[list[Triple], FileReport]:
    before = path.read_bytes()
    _, report = validate_file(path, project)
    assert path.read_bytes() == before
    return sorted((f.code, f.sheet, f.cell) for f in report.findings), report


@pytest.fixture(scope="module")
def commune(project: Project, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A commune's filled form, typed into by a clerk in a Vietnamese LibreOffice, saved in three formats."""
    from xl_bdg.workbook.fill import fill_workbook
    from xl_bdg.workbook.template import write_template

    unit, period = "XA-EAKAO", "2026-FY"
    out = tmp_path_factory.mktemp("typed-commune")
    u, per = project.registry.get(unit), project.period(period)
    assert u is not None
    data = synthesize(project, u, per)
    source = fill_workbook(project.form, write_template(project, u, per, out), data, out / "filled.xlsx")
    lay = layout_for(project.form)
    counts = _counts(project, unit)
    plain, am = _plain_and_am_rows(data)
    after = len(data["activities"])  # the first row below the last activity
    narrative = next(c.id for c in project.form.narrative if c.required)
    cases: dict[str, tuple[list[dict[str, Any]], list[Triple]]] = {
        "div0": ([_edit(*ind_cell(project, counts[0]), "=1/0", paste=True)],
                 [("formula-error", *ind_cell(project, counts[0]))]),
        "value": ([_edit(*ind_cell(project, counts[1]), '="a"+1', paste=True)],
                  [("formula-error", *ind_cell(project, counts[1]))]),
        "name": ([_edit(*ind_cell(project, counts[2]), "=FOOBAR()", paste=True)],
                 [("formula-error", *ind_cell(project, counts[2]))]),
        "decimal": ([_edit(*ind_cell(project, counts[3]), "45,5", paste=True)],
                    [("not-whole-number", *ind_cell(project, counts[3]))]),
        "na_end": ([_edit(*act_cell(project, plain, "end"), "=NA()", paste=True)],
                   [("formula-error", *act_cell(project, plain, "end"))]),
        "ref_narrative": ([_edit(lay.sheet["narrative"], lay.narrative_cell(narrative), "=#REF!", paste=True)],
                          [("formula-error", lay.sheet["narrative"], lay.narrative_cell(narrative))]),
        "dates_wrong_year": ([_edit(*act_cell(project, am, "start"), "20/11/2025"),
                              _edit(*act_cell(project, am, "end"), "25/11/2025")],
                             [("dates-outside-period", *act_cell(project, am, "start"))]),
        "copied_down": ([_edit(*act_cell(project, after + i, "note"), "=NA()", paste=True) for i in range(3)],
                        [("formula-error-rows", *act_cell(project, after, "note"))]),
    }
    edits = [e for case in cases.values() for e in case[0]]
    paths, seen = type_into(source, edits, out, stem="typed", formats=FORMATS, locale="vi-VN")
    return {"paths": paths, "seen": seen, "expected": sorted(t for case in cases.values() for t in case[1]),
            "cases": cases, "counts": counts}


def test_libreoffice_took_what_was_typed(commune: dict[str, Any]) -> None:
    """The helper really typed as a person: the formulas ended in errors, the dates became dates."""
    shown = [s["shown"] for s in commune["seen"]]
    assert {"#DIV/0!", "#VALUE!", "#NAME?", "#N/A", "#REF!"} <= set(shown)
    assert "20/11/2025" in shown and all(s["error"] == 0 for s in commune["seen"] if s["shown"] == "20/11/2025")


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_case_gets_its_finding(project: Project, commune: dict[str, Any], fmt: str) -> None:
    got, _ = _findings(commune["paths"][fmt], project)
    extra = [("old-xls-format", None, None)] if fmt == "xls" else []
    assert got == sorted(commune["expected"] + extra)


@pytest.mark.parametrize("fmt", FORMATS)
def test_messages_show_the_value_found_in_both_languages(project: Project, commune: dict[str, Any],
                                                         fmt: str) -> None:
    _, report = _findings(commune["paths"][fmt], project)
    messages = project.form.messages
    by_code: dict[str, list[str]] = {}
    for lang in ("vi", "en"):
        for f in report.findings:
            title, text = f.render(messages, lang)
            assert "{" not in text and "{" not in title, text
            by_code.setdefault(f"{f.code}/{lang}", []).append(text)
    errors = " ".join(by_code["formula-error/vi"])
    assert all(e in errors for e in ("#DIV/0!", "#VALUE!", "#NAME?", "#N/A", "#REF!"))
    assert "45,5" in by_code["not-whole-number/vi"][0] and "45.5" in by_code["not-whole-number/en"][0]
    assert "20/11/2025" in by_code["dates-outside-period/vi"][0]
    assert "25/11/2025" in by_code["dates-outside-period/en"][0]
    assert "3" in by_code["formula-error-rows/en"][0]


def test_error_cells_are_not_read_as_empty_or_zero(project: Project, commune: dict[str, Any]) -> None:
    sub, _ = read_submission(commune["paths"]["ods"], project)
    assert sub is not None
    cv = sub.indicators[commune["counts"][0]]
    assert cv.value is None and cv.raw == "#DIV/0!"


@pytest.fixture(scope="module")
def statistics(project: Project, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The statistics office's form (it reports the percentage indicators), typed in an English LibreOffice."""
    from xl_bdg.workbook.fill import fill_workbook
    from xl_bdg.workbook.template import write_template

    unit, period = "THONG-KE", "2026-FY"
    out = tmp_path_factory.mktemp("typed-statistics")
    u, per = project.registry.get(unit), project.period(period)
    assert u is not None
    source = fill_workbook(project.form, write_template(project, u, per, out), synthesize(project, u, per),
                           out / "filled.xlsx")
    percents = [i.key(i.fields[0].id) for i in applicable(project, unit) if i.fields[0].type == "percent"]
    # Pasted (General format): LibreOffice stores 0.45 with a percentage format, as Excel does when it formats the
    # cell. Typed into the form's own cell: LibreOffice keeps the form's number format and stores a bare 0.45.
    edits = [_edit(*ind_cell(project, percents[0]), "45%", paste=True), _edit(*ind_cell(project, percents[1]), "45%")]
    paths, seen = type_into(source, edits, out, stem="typed", formats=FORMATS, locale="en-US")
    return {"paths": paths, "seen": seen, "percents": percents}


@pytest.mark.parametrize("fmt", FORMATS)
def test_percent_typed_with_its_sign_reads_as_the_percentage(project: Project, statistics: dict[str, Any],
                                                             fmt: str) -> None:
    assert [s["value"] for s in statistics["seen"]] == [pytest.approx(0.45)] * 2  # what LibreOffice stored
    assert statistics["seen"][0]["shown"] == "45.00%" and statistics["seen"][1]["shown"] != "45.00%"
    got, report = _findings(statistics["paths"][fmt], project)
    formatted, bare = statistics["percents"][:2]  # the two cells edited above
    extra = [("old-xls-format", None, None)] if fmt == "xls" else []
    assert got == sorted([("percent-format", *ind_cell(project, formatted)),
                          ("percent-fraction", *ind_cell(project, bare)), *extra])
    sub, _ = read_submission(statistics["paths"][fmt], project)
    assert sub is not None
    assert sub.indicators[formatted].value == pytest.approx(45.0) and sub.indicators[bare].value == pytest.approx(0.45)
    for code in ("percent-format", "percent-fraction"):
        found = next(f for f in report.findings if f.code == code)
        for lang in ("vi", "en"):
            assert "45" in found.render(project.form.messages, lang)[1]


def test_dates_typed_in_a_vietnamese_libreoffice_are_dates(project: Project, commune: dict[str, Any]) -> None:
    """In a day-first locale "20/11/2025" is a date, not text: no text-date warning, only the real problem."""
    sub, findings = read_submission(commune["paths"]["xlsx"], project)
    assert sub is not None and not [f for f in findings if f.code == "text-date"]
    _, am = _plain_and_am_rows(synthesize(project, project.registry.get("XA-EAKAO"), project.period("2026-FY")))
    assert sub.activities[am].values["start"].value == dt.date(2025, 11, 20)


