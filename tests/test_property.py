"""Property: any values that satisfy the form (types, ranges, lists, the checks of each fieldset and of the activity
table) written into a template, read back and validated, give no finding at all.

Values are drawn from the form definition alone: field types give the draws, the form's own checks repair them
(sum_eq sets the total, le lowers the smaller side, requires fills the dependent cell), so a new indicator is covered
with no change here.
"""

from __future__ import annotations

import atexit
import datetime as dt
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xl_bdg.form.definition import Check, Indicator
from xl_bdg.form.project import Project, load_project
from xl_bdg.sample.figures import meet_cross_checks
from xl_bdg.validation.validate import validate_file
from xl_bdg.workbook.fill import fill_workbook
from xl_bdg.workbook.template import write_template

ROOT = Path(__file__).resolve().parent.parent
PROJECT = load_project(ROOT / "schemas")
CASES = [("XA-EAKAO", "2026-FY"), ("CONG-AN", "2026-H1"), ("THONG-KE", "2026-FY"), ("SO-YTE", "2026-AM")]
TEMPLATES = Path(tempfile.mkdtemp(prefix="xlbdg-prop-"))  # hypothesis and function fixtures do not mix: a module dir
atexit.register(shutil.rmtree, TEMPLATES, True)
LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ "
TEXT = st.text(alphabet=LETTERS + LETTERS.upper() + "0123456789,.()/", min_size=1, max_size=40).filter(
    lambda s: s.strip() != "")


def _number(ftype: str) -> st.SearchStrategy[Any]:
    if ftype == "count":
        return st.integers(0, 100_000)
    if ftype == "money":
        return st.integers(0, 10**10)
    if ftype == "percent":
        # a rate strictly between 0 and 1 is asked about by design (`percent-fraction`: 45% stored as 0.45)
        return st.one_of(st.just(0.0), st.floats(1, 100, allow_nan=False).map(lambda x: round(x, 1)))
    return st.floats(0, 10**6, allow_nan=False).map(lambda x: round(x, 2))


def _value(ftype: str, project: Project, list_id: str | None = None) -> st.SearchStrategy[Any]:
    if ftype in ("count", "money", "percent", "number"):
        return _number(ftype)
    if ftype in ("yesno", "list"):
        return st.sampled_from(project.form.lists[list_id or "yesno"].values)
    return TEXT


def _repair(values: dict[str, Any], checks: tuple[Check, ...], draw_text: Any) -> None:
    """Make `values` satisfy `checks`: the ≤ rules between parts, the sums, then every ≤ rule and the dependencies
    (a breakdown's parts are each at most their bound, POL_01.HC_N ≤ POL_01.HC_D, before the totals add them)."""
    totals = {c.params["total"] for c in checks if c.rule == "sum_eq"}
    for c in checks:
        p = c.params
        if c.rule == "le" and p["b"] not in totals and values.get(p["a"]) is not None \
                and values.get(p["b"]) is not None:
            values[p["a"]] = min(values[p["a"]], values[p["b"]])
    order = {"sum_eq": 0, "le": 1, "requires": 2}
    for c in sorted(checks, key=lambda c: order.get(c.rule, 9)):
        p = c.params
        if c.rule == "sum_eq" and all(values.get(x) is not None for x in p["parts"]):
            values[p["total"]] = sum(values[x] for x in p["parts"])
        elif c.rule == "le" and values.get(p["a"]) is not None and values.get(p["b"]) is not None:
            values[p["a"]] = min(values[p["a"]], values[p["b"]])
        elif c.rule == "requires":
            hit = values.get(p["if"]) == p["equals"] if "equals" in p else bool(values.get(p["if"]))
            if hit and values.get(p["then"]) is None:
                values[p["then"]] = draw_text()


@st.composite
def indicator_values(draw: Any, ind: Indicator, project: Project) -> dict[str, Any]:
    values = {f.id: draw(_value(f.type, project)) for f in ind.fields}
    _repair(values, ind.checks, lambda: draw(TEXT))
    return {ind.key(k): v for k, v in values.items() if v is not None}


@st.composite
def activity(draw: Any, project: Project, period: str, i: int) -> dict[str, Any]:
    form = project.form
    per = project.period(period)
    am_lo, am_hi = project.action_month(per.year)
    lo, hi = max(per.start, am_lo), min(per.end, am_hi)
    window = next(c for c in form.activity_checks if c.rule == "in_action_month")
    in_am = lo <= hi and draw(st.booleans())
    row: dict[str, Any] = {}
    for col in form.activity_columns:
        if col.type == "date":
            continue
        if col.required or draw(st.booleans()):
            row[col.id] = draw(_value(col.type, project, col.list))
    for key, value in window.params.get("when", {}).items():  # out of the Action Month, no condition may hold
        if not in_am and row.get(key) == value:
            others = [v for v in form.lists[form.activity_column(key).list or "yesno"].values if v != value]
            row[key] = others[0]
    start_lo, start_hi = (lo, hi) if in_am else (per.start, per.end)
    start = draw(st.dates(start_lo, start_hi))
    row["start"], row["end"] = start, draw(st.dates(start, start_hi))
    row["title"] = f"{row.get('title', 'Hoạt động')} #{i}"  # unique rows: a repeat is a warning by design
    checks = tuple(c for c in form.activity_checks if c.rule in ("sum_eq", "le", "requires"))
    _repair(row, checks, lambda: draw(_value("list", project, "budget_sources")))
    return row


@st.composite
def submission(draw: Any) -> tuple[str, str, dict[str, Any]]:
    unit_code, period = draw(st.sampled_from(CASES))
    project = PROJECT
    unit = project.registry.get(unit_code)
    assert unit is not None
    kind, year = project.period(period).kind, project.period(period).year
    indicators: dict[str, Any] = {}
    for ind in project.form.indicators:
        if ind.applies(unit.code, unit.kind, kind, year):
            indicators.update(draw(indicator_values(ind, project)))
    meet_cross_checks(project.form, indicators)  # elected ≤ candidates: rules across indicators (form.yaml)
    n = draw(st.integers(0, 6))
    activities = [draw(activity(project, period, i)) for i in range(n)]
    unit_info = {c.id: draw(_value(c.type, project, c.list)) if c.type != "date"
                 else draw(st.dates(dt.date(2026, 12, 15), dt.date(2026, 12, 31)))  # after every activity
                 for c in project.form.unit_info if not c.stamped and (c.required or draw(st.booleans()))}
    narrative = {c.id: draw(TEXT) for c in project.form.narrative if c.required or draw(st.booleans())}
    sources = project.form.lists[project.form.budget.rows_list].values
    budget = {f"{s}|{c.id}": draw(_value(c.type, project)) for s in sources for c in project.form.budget.columns
              if draw(st.booleans())}
    return unit_code, period, {"unit_info": unit_info, "indicators": indicators, "activities": activities,
                               "budget": budget, "narrative": narrative}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=submission())
def test_values_that_satisfy_the_form_validate_clean(case: tuple[str, str, dict[str, Any]]) -> None:
    unit_code, period, data = case
    project = PROJECT
    unit = project.registry.get(unit_code)
    assert unit is not None
    template = TEMPLATES / f"{period}_{unit_code}.xlsx"
    if not template.exists():
        write_template(project, unit, project.period(period), TEMPLATES)
    with tempfile.TemporaryDirectory() as tmp:
        path = fill_workbook(project.form, template, data, Path(tmp) / "filled.xlsx")
        sub, report = validate_file(path, project, expected_period=project.period(period), expected_unit=unit_code)
    assert sub is not None
    assert [(f.code, f.where, f.value) for f in report.findings] == []
