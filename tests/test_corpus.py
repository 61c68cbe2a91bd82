"""The validation corpus: real workbooks written by the project's own template writer and filler, each breaking one
rule once, validated end to end (reader + rules) and compared with the expected [code, sheet, cell] in ONE assertion
per case. Cells are found through the layout and indicators through the form (by their shape and checks), so the
corpus follows the form definition instead of repeating it."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support.badfiles import edit_with_openpyxl, minimal_docx
from support.office import resave_xlsx

from xl_bdg.form.definition import Indicator
from xl_bdg.form.layout import layout_for
from xl_bdg.form.project import Project
from xl_bdg.validation.validate import validate_file

UNIT, PERIOD = "XA-EAKAO", "2026-FY"
Triple = tuple[str, str | None, str | None]
Data = dict[str, Any]


def run(path: Path, project: Project, **kw: Any) -> list[Triple]:
    """Validate `path` and return its sorted (code, sheet, cell); the input file must not change."""
    before = path.read_bytes()
    _, report = validate_file(path, project, **kw)
    assert path.read_bytes() == before, "validation changed its input file"
    return sorted((f.code, f.sheet, f.cell) for f in report.findings)


# --- finding things in the form by shape, not by name ------------------------------------------------------------

def applicable(project: Project, unit: str = UNIT, period: str = PERIOD) -> list[Indicator]:
    """Indicators the unit reports in the period."""
    u, kind = project.registry.get(unit), project.period(period).kind
    assert u is not None
    return [i for i in project.form.indicators if i.applies(u.code, u.kind, kind)]


def with_fields(project: Project, ids: set[str], unit: str = UNIT) -> Indicator:
    """The first applicable indicator whose fields include `ids`."""
    return next(i for i in applicable(project, unit) if ids <= {f.id for f in i.fields})


def with_check(project: Project, code: str, unit: str = UNIT) -> tuple[Indicator, dict[str, Any]]:
    """The first applicable indicator with a check raising `code`, and the check's parameters."""
    for ind in applicable(project, unit):
        for c in ind.checks:
            if c.code == code:
                return ind, c.params
    raise LookupError(code)


def single_count(project: Project, unit: str = UNIT) -> str:
    """The key of the first applicable one-field count indicator."""
    ind = next(i for i in applicable(project, unit) if len(i.fields) == 1 and i.fields[0].type == "count")
    return ind.key(ind.fields[0].id)


def titles(project: Project) -> dict[str, str]:
    return layout_for(project.form).sheet


def ind_cell(project: Project, key: str) -> tuple[str, str]:
    lay = layout_for(project.form)
    return lay.sheet["indicators"], lay.indicator_cell(key)


def act_cell(project: Project, i: int, col: str) -> tuple[str, str]:
    """(sheet, A1) of column `col` of the i-th activity (0-based) as the filler writes it."""
    lay = layout_for(project.form)
    return lay.sheet["activities"], lay.activity_cell(lay.activity_first_row + i, col)


def plain_row(data: Data) -> int:
    """Index of an activity outside the Action Month (category and flag), with a budget source, to break alone."""
    for i, a in enumerate(data["activities"]):
        if a.get("action_month") != "Có" and a.get("category") != "Tháng hành động" and i > 2 and a.get("source"):
            return i
    raise LookupError("no plain activity")


def set_dates(row: dict[str, Any], start: dt.date, end: dt.date) -> None:
    row["start"], row["end"] = start, end


# --- the clean case and LibreOffice ------------------------------------------------------------------------------

def test_clean_workbook_has_no_findings(project: Project, make_workbook: Callable[..., Path]) -> None:
    assert run(make_workbook(UNIT, PERIOD), project) == []


@pytest.mark.parametrize(("unit", "period"), [("SO-YTE", "2026-FY"), ("CONG-AN", "2026-H1"), ("THONG-KE", "2026-FY"),
                                              ("HOI-LHPN", "2026-AM"), ("PH-HALONG", "2025-H1")])
def test_clean_workbooks_of_other_units_and_periods(project: Project, make_workbook: Callable[..., Path], unit: str,
                                                    period: str) -> None:
    assert run(make_workbook(unit, period), project, expected_period=project.period(period), expected_unit=unit) == []


@pytest.mark.libreoffice
@pytest.mark.slow
def test_libreoffice_resaved_workbooks_give_the_same_findings(project: Project, make_workbook: Callable[..., Path],
                                                              tmp_path: Path) -> None:
    ind, p = with_check(project, "numerator-exceeds-denominator")

    def edit(d: Data) -> None:
        d["indicators"][ind.key(p["a"])] = d["indicators"][ind.key(p["b"])] + 1
        d["activities"][plain_row(d)]["end"] = dt.date(2027, 1, 5)

    clean = make_workbook(name="clean.xlsx")
    broken = make_workbook(edit=edit, name="broken.xlsx")
    i = plain_row(_data(project))
    expected = sorted([("numerator-exceeds-denominator", *ind_cell(project, ind.key(p["a"]))),
                       ("date-outside-period", *act_cell(project, i, "end"))])
    saved = [resave_xlsx(f, tmp_path / "lo") for f in (clean, broken)]
    assert [run(saved[0], project), run(saved[1], project)] == [[], expected]


def _data(project: Project, unit: str = UNIT, period: str = PERIOD) -> Data:
    from xl_bdg.sample.synth import synthesize

    u = project.registry.get(unit)
    assert u is not None
    return synthesize(project, u, project.period(period))


# --- indicator rules ---------------------------------------------------------------------------------------------

def test_female_exceeds_total(project: Project, make_workbook: Callable[..., Path]) -> None:
    ind = with_fields(project, {"T", "M", "F"})
    k = ind.key

    def edit(d: Data) -> None:  # female above the total; male + female = total then fails as well
        d["indicators"][k("F")] = d["indicators"][k("T")] + 1

    assert run(make_workbook(edit=edit), project) == sorted([
        ("female-exceeds-total", *ind_cell(project, k("F"))), ("parts-not-equal-total", *ind_cell(project, k("T")))])


def test_parts_not_equal_total(project: Project, make_workbook: Callable[..., Path]) -> None:
    k = with_fields(project, {"T", "M", "F"}).key

    def edit(d: Data) -> None:
        d["indicators"][k("M")] += 1

    assert run(make_workbook(edit=edit), project) == [("parts-not-equal-total", *ind_cell(project, k("T")))]


@pytest.mark.parametrize("code", ["ethnic-exceeds-total", "numerator-exceeds-denominator", "handled-exceeds-detected"])
def test_le_rules(project: Project, make_workbook: Callable[..., Path], code: str) -> None:
    ind, p = with_check(project, code)
    a, b = ind.key(p["a"]), ind.key(p["b"])

    def edit(d: Data) -> None:
        d["indicators"][a] = d["indicators"][b] + 1

    assert run(make_workbook(edit=edit), project) == [(code, *ind_cell(project, a))]


def test_document_missing_when_yes(project: Project, make_workbook: Callable[..., Path]) -> None:
    ind, p = with_check(project, "document-missing")

    def edit(d: Data) -> None:
        d["indicators"][ind.key(p["if"])] = p["equals"]
        d["indicators"].pop(ind.key(p["then"]), None)

    assert run(make_workbook(edit=edit), project) == [("document-missing", *ind_cell(project, ind.key(p["then"])))]


@pytest.mark.parametrize(("value", "code"), [(-1, "negative-number"), (10**15, "number-too-large"),
                                             (2.5, "not-whole-number")])
def test_count_ranges(project: Project, make_workbook: Callable[..., Path], value: Any, code: str) -> None:
    key = single_count(project)

    def edit(d: Data) -> None:
        d["indicators"][key] = value

    assert run(make_workbook(edit=edit), project) == [(code, *ind_cell(project, key))]


def test_percent_out_of_range(project: Project, make_workbook: Callable[..., Path]) -> None:
    unit = next(u for u in ("THONG-KE", "SO-YTE") if any(f.type == "percent" for i in applicable(project, u)
                                                          for f in i.fields))
    ind = next(i for i in applicable(project, unit) if i.fields[0].type == "percent")
    key = ind.key(ind.fields[0].id)

    def edit(d: Data) -> None:
        d["indicators"][key] = 150

    assert run(make_workbook(unit, edit=edit), project) == [("percent-out-of-range", *ind_cell(project, key))]


def test_yesno_value_not_in_list(project: Project, make_workbook: Callable[..., Path]) -> None:
    ind = next(i for i in applicable(project) if any(f.type == "yesno" for f in i.fields))
    key = ind.key(next(f.id for f in ind.fields if f.type == "yesno"))

    def edit(d: Data) -> None:
        d["indicators"][key] = "Chắc chắn"

    assert run(make_workbook(edit=edit), project) == [("value-not-in-list", *ind_cell(project, key))]


def test_value_in_indicator_that_does_not_apply(project: Project, make_workbook: Callable[..., Path]) -> None:
    u = project.registry.get(UNIT)
    assert u is not None
    ind = next(i for i in project.form.indicators if not i.applies(u.code, u.kind, "FY")
               and i.fields[0].type in ("count", "percent"))
    key = ind.key(ind.fields[0].id)

    def edit(d: Data) -> None:
        d["indicators"][key] = 50

    assert run(make_workbook(edit=edit), project) == [("not-applicable-value", *ind_cell(project, key))]


def test_applicable_indicator_left_empty(project: Project, make_workbook: Callable[..., Path]) -> None:
    key = single_count(project)

    def edit(d: Data) -> None:
        del d["indicators"][key]

    assert run(make_workbook(edit=edit), project) == [("indicator-empty", *ind_cell(project, key))]


# --- activity rules ----------------------------------------------------------------------------------------------

def _activity_case(project: Project, make_workbook: Callable[..., Path],
                   change: Callable[[dict[str, Any]], None]) -> tuple[list[Triple], int]:
    i = plain_row(_data(project))

    def edit(d: Data) -> None:
        change(d["activities"][i])

    return run(make_workbook(edit=edit), project), i


def test_end_before_start(project: Project, make_workbook: Callable[..., Path]) -> None:
    got, i = _activity_case(project, make_workbook, lambda r: set_dates(r, dt.date(2026, 3, 10), dt.date(2026, 3, 9)))
    assert got == [("end-before-start", *act_cell(project, i, "end"))]


def test_date_outside_period(project: Project, make_workbook: Callable[..., Path]) -> None:
    got, i = _activity_case(project, make_workbook, lambda r: set_dates(r, dt.date(2026, 3, 10), dt.date(2027, 1, 5)))
    assert got == [("date-outside-period", *act_cell(project, i, "end"))]


def test_action_month_flag_outside_the_month(project: Project, make_workbook: Callable[..., Path]) -> None:
    def change(r: dict[str, Any]) -> None:
        set_dates(r, dt.date(2026, 3, 10), dt.date(2026, 3, 11))
        r["action_month"] = "Có"

    got, i = _activity_case(project, make_workbook, change)
    assert got == sorted([("outside-action-month", *act_cell(project, i, "start")),
                          ("outside-action-month", *act_cell(project, i, "end"))])


def test_action_month_category_outside_the_month(project: Project, make_workbook: Callable[..., Path]) -> None:
    check = next(c for c in project.form.activity_checks if c.rule == "in_action_month")
    column, value = next((k, v) for k, v in check.params["when"].items() if k != "action_month")

    def change(r: dict[str, Any]) -> None:  # the flag says no: the category alone must trigger the rule (OR)
        set_dates(r, dt.date(2026, 3, 10), dt.date(2026, 3, 10))
        r[column] = value

    got, i = _activity_case(project, make_workbook, change)
    assert got == sorted([("outside-action-month", *act_cell(project, i, "start")),
                          ("outside-action-month", *act_cell(project, i, "end"))])


def test_activity_rules_on_participants(project: Project, make_workbook: Callable[..., Path]) -> None:
    def change(r: dict[str, Any]) -> None:
        r["part_e"] = r["part_t"] + 1
        r["part_m"] += 1

    got, i = _activity_case(project, make_workbook, change)
    assert got == sorted([("ethnic-exceeds-total", *act_cell(project, i, "part_e")),
                          ("parts-not-equal-total", *act_cell(project, i, "part_t"))])


def test_budget_without_source(project: Project, make_workbook: Callable[..., Path]) -> None:
    def change(r: dict[str, Any]) -> None:
        r["budget"] = 1_000_000
        r.pop("source", None)

    got, i = _activity_case(project, make_workbook, change)
    assert got == [("budget-source-missing", *act_cell(project, i, "source"))]


def test_activity_values_out_of_list_and_range(project: Project, make_workbook: Callable[..., Path]) -> None:
    def change(r: dict[str, Any]) -> None:
        r["category"] = "Hội họp"
        r["quantity"] = -3
        r["budget"] = 2.5e13

    got, i = _activity_case(project, make_workbook, change)
    assert got == sorted([("value-not-in-list", *act_cell(project, i, "category")),
                          ("negative-number", *act_cell(project, i, "quantity")),
                          ("number-too-large", *act_cell(project, i, "budget"))])


def test_required_activity_column(project: Project, make_workbook: Callable[..., Path]) -> None:
    got, i = _activity_case(project, make_workbook, lambda r: r.pop("title"))
    assert got == [("required-missing", *act_cell(project, i, "title"))]


def test_duplicate_activity(project: Project, make_workbook: Callable[..., Path]) -> None:
    n = len(_data(project)["activities"])

    def edit(d: Data) -> None:
        d["activities"].append(dict(d["activities"][plain_row(d)]))

    assert run(make_workbook(edit=edit), project) == [("duplicate-activity", *act_cell(project, n, "category"))]


def test_text_in_a_count_is_one_type_error_only(project: Project, make_workbook: Callable[..., Path]) -> None:
    """The reader reports the unreadable cell; the rules neither call it missing nor compare it."""
    got, i = _activity_case(project, make_workbook, lambda r: r.update(part_t="nhiều"))
    assert got == [("type-error", *act_cell(project, i, "part_t"))]


# --- unit information, narrative, budget sheets ------------------------------------------------------------------

def test_required_unit_info_and_narrative(project: Project, make_workbook: Callable[..., Path]) -> None:
    lay = layout_for(project.form)
    ui = next(c.id for c in project.form.unit_info if c.required)
    nar = next(c.id for c in project.form.narrative if c.required)

    def edit(d: Data) -> None:
        d["unit_info"].pop(ui)
        d["narrative"].pop(nar)

    assert run(make_workbook(edit=edit), project) == sorted([
        ("required-missing", lay.sheet["unit_info"], lay.unit_info_cell(ui)),
        ("required-missing", lay.sheet["narrative"], lay.narrative_cell(nar))])


def test_negative_budget(project: Project, make_workbook: Callable[..., Path]) -> None:
    lay = layout_for(project.form)
    source = project.form.lists[project.form.budget.rows_list].values[0]
    col = project.form.budget.columns[0].id

    def edit(d: Data) -> None:
        d["budget"][f"{source}|{col}"] = -5

    assert run(make_workbook(edit=edit), project) == [("negative-number", lay.sheet["budget"],
                                                       lay.budget_cell(source, col))]


# --- metadata ----------------------------------------------------------------------------------------------------

def test_period_and_unit_as_asked(project: Project, make_workbook: Callable[..., Path]) -> None:
    lay = layout_for(project.form)
    s = lay.sheet["unit_info"]
    got = run(make_workbook(), project, expected_period=project.period("2026-H1"), expected_unit="SO-YTE")
    assert got == sorted([("wrong-period", s, lay.unit_info_cell("period")),
                          ("wrong-unit", s, lay.unit_info_cell("unit_code"))])


def test_stamped_cells_edited(project: Project, make_workbook: Callable[..., Path]) -> None:
    lay = layout_for(project.form)
    s = lay.sheet["unit_info"]

    def edit(d: Data) -> None:
        d["unit_info"]["unit_code"] = "XA-HOABINH"
        d["unit_info"]["period"] = "2025-FY"

    assert run(make_workbook(edit=edit), project) == sorted([("period-mismatch", s, lay.unit_info_cell("period")),
                                                             ("unit-mismatch", s, lay.unit_info_cell("unit_code"))])


def _edit_meta(project: Project, source: Path, target: Path, **values: str) -> Path:
    title = titles(project)["meta"]
    ui = titles(project)["unit_info"]
    lay = layout_for(project.form)

    def edit(wb: Any) -> None:
        ws = wb[title]
        for row in ws.iter_rows(min_col=1, max_col=2):
            if row[0].value in values:
                row[1].value = values[row[0].value]
        for key, value in values.items():  # the unit sheet says the same, so only the registry can object
            wb[ui][lay.unit_info_cell(key)].value = value

    return edit_with_openpyxl(source, target, edit)


def test_unknown_unit(project: Project, make_workbook: Callable[..., Path], tmp_path: Path) -> None:
    lay = layout_for(project.form)
    path = _edit_meta(project, make_workbook(), tmp_path / "unknown.xlsx", unit_code="XA-KHONGCO")
    assert run(path, project) == [("unknown-unit", lay.sheet["unit_info"], lay.unit_info_cell("unit_code"))]


def test_bad_period(project: Project, make_workbook: Callable[..., Path], tmp_path: Path) -> None:
    lay = layout_for(project.form)
    path = _edit_meta(project, make_workbook(), tmp_path / "q3.xlsx", period="2026-Q3")
    assert run(path, project) == [("bad-period", lay.sheet["unit_info"], lay.unit_info_cell("period"))]


def test_unit_not_active_in_the_period(project: Project, make_workbook: Callable[..., Path]) -> None:
    lay = layout_for(project.form)
    gone = next(u for u in project.registry.units.values() if u.kind == "department" and not u.active_on(
        project.period(PERIOD).end))
    assert run(make_workbook(gone.code), project) == [("unit-not-active", lay.sheet["unit_info"],
                                                       lay.unit_info_cell("unit_code"))]


# --- bad input through the whole pipeline ------------------------------------------------------------------------

def test_bad_inputs_are_findings(project: Project, make_workbook: Callable[..., Path], tmp_path: Path) -> None:
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    docx = minimal_docx(tmp_path / "letter.xlsx")
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(make_workbook().read_bytes()[:3000])
    spaced = tmp_path / "Báo cáo xã Ea Kao (bản cuối).xlsx"
    shutil.copy(make_workbook(), spaced)
    got = [[c for c, _, _ in run(p, project)] for p in (empty, docx, truncated, spaced)]
    assert got == [["empty-file"], ["not-spreadsheet"], ["corrupt-file"], []]
