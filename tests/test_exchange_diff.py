"""Compare with what was sent before, on real ledger versions: two versions of one unit's file (and the same period
last year), figure by figure with the cells; the command; and the feedback letter's section on what changed."""

from __future__ import annotations

import datetime as dt
import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from typer.testing import CliRunner

from xl_bdg.aggregation.combine import aggregate
from xl_bdg.cli import app
from xl_bdg.exchange.diff import DiffError, diff_versions, diff_years
from xl_bdg.form.layout import layout_for
from xl_bdg.ledger.intake import intake
from xl_bdg.ledger.store import Ledger
from xl_bdg.report.letters import write_letters

UNIT = "SO-YTE"


def _plain_count(project, unit, kind: str) -> str:
    """The key of the first one-field count indicator the unit reports in a period of `kind` (found by shape)."""
    u = project.registry.get(unit)
    return next(i.key(i.fields[0].id) for i in project.form.indicators
                if len(i.fields) == 1 and i.fields[0].type == "count" and i.applies(u.code, u.kind, kind))


def _parts(project, unit, kind: str) -> tuple[str, str]:
    """(female key, total key) of the first indicator with an `F ≤ T`-like check the unit reports (by shape)."""
    u = project.registry.get(unit)
    for ind in project.form.indicators:
        sum_eq = next((c for c in ind.checks if c.rule == "sum_eq"), None)
        if sum_eq and ind.applies(u.code, u.kind, kind):
            return ind.key(sum_eq.params["parts"][-1]), ind.key(sum_eq.params["total"])
    raise AssertionError("no disaggregated indicator")


@pytest.fixture()
def versions(project, make_workbook, tmp_path) -> dict[str, Any]:
    """A ledger holding a unit's 2025 file and two versions of its 2026 file (the second changes two figures)."""
    count = _plain_count(project, UNIT, "FY")
    source = project.form.lists[project.form.budget.rows_list].values[0]
    col = project.form.budget.columns[-1].id
    bkey = f"{source}|{col}"
    first = make_workbook(UNIT, "2026-FY", name="v1.xlsx")

    def edit(data: dict[str, Any]) -> None:
        data["indicators"][count] += 5
        data["budget"][bkey] = (data["budget"].get(bkey) or 0) + 1_000_000

    second = make_workbook(UNIT, "2026-FY", edit=edit, name="v2.xlsx")
    last_year = make_workbook(UNIT, "2025-FY", name="2025.xlsx")
    path = tmp_path / "ledger.sqlite"
    with Ledger(path) as led:
        intake(led, [last_year], project, received_at=dt.datetime(2025, 11, 10, 9))
        intake(led, [first], project, received_at=dt.datetime(2026, 11, 10, 9))
        intake(led, [second], project, received_at=dt.datetime(2026, 11, 12, 9))
        recs = led.files("2026-FY", UNIT)
    return {"ledger": path, "count": count, "bkey": bkey, "source": source, "col": col,
            "shas": [r.sha256 for r in recs]}


def test_two_versions_differ_in_exactly_the_edited_figures_at_their_cells(project, versions):
    per = project.period("2026-FY")
    lay = layout_for(project.form)
    with Ledger(versions["ledger"]) as led:
        diff = diff_versions(project, led, UNIT, per)
    assert diff.before.sha256 == versions["shas"][0] and diff.after.sha256 == versions["shas"][1]
    changed = {c.key: c for c in diff.changed()}
    budget = f"{project.form.budget.code}|{versions['bkey']}"
    assert set(changed) == {versions["count"], budget}
    c = changed[versions["count"]]
    sheet = project.form.sheet_title("indicators")
    assert c.status == "changed" and c.delta == 5
    assert c.before_cell == c.after_cell == f"{sheet}!{lay.indicator_cell(versions['count'])}"
    b = changed[budget]
    assert b.delta == 1_000_000 and b.after_cell.endswith(lay.budget_cell(versions["source"], versions["col"]))
    assert all(c.status == "same" for c in diff.changes if c.key not in changed)


def test_versions_by_hash_prefix_and_the_same_period_last_year(project, versions):
    per = project.period("2026-FY")
    old, new = versions["shas"]
    with Ledger(versions["ledger"]) as led:
        back = diff_versions(project, led, UNIT, per, before=new[:10], after=old[:10])
        assert back.before.sha256 == new and {c.delta for c in back.changed()} == {-5, -1_000_000}
        years = diff_years(project, led, UNIT, per)
        assert years.before.period == "2025-FY" and years.after.sha256 == new
        assert years.changed()  # synthetic data differ from year to year
        with pytest.raises(DiffError) as err:
            diff_versions(project, led, UNIT, per, before="zz")
        assert err.value.kind == "version"
        with pytest.raises(DiffError):
            diff_versions(project, led, "XA-EAKAO", per)


def test_the_diff_command(project, versions):
    runner = CliRunner()
    env = {"XL_BDG_LEDGER": str(versions["ledger"])}
    out = runner.invoke(app, ["diff", UNIT, "--period", "2026-FY", "--format", "json"], env=env)
    assert out.exit_code == 0, out.output
    with Ledger(versions["ledger"]) as led:
        expected = diff_versions(project, led, UNIT, project.period("2026-FY")).to_dict()
    assert json.loads(out.stdout) == json.loads(json.dumps(expected, default=str))
    table = runner.invoke(app, ["diff", UNIT, "--period", "2026-FY"], env=env)
    assert table.exit_code == 0 and versions["count"] in table.stdout and "+5" in table.stdout
    assert "v1.xlsx" in table.stdout and "v2.xlsx" in table.stdout
    years = runner.invoke(app, ["diff", UNIT, "-p", "2026-FY", "--last-year", "--lang", "en"], env=env)
    assert years.exit_code == 0 and "2025-FY" in years.stdout
    none = runner.invoke(app, ["diff", "XA-EAKAO", "-p", "2026-FY"], env=env)
    assert none.exit_code == 2 and "XA-EAKAO" in none.output


class _Changes(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.keys: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr" and a.get("data-change"):
            self.keys.append(str(a["data-change"]))


def test_the_letter_says_what_changed_since_the_previous_version(project, make_workbook, tmp_path):
    female, total = _parts(project, UNIT, "FY")
    first = make_workbook(UNIT, "2026-FY", name="lan-1.xlsx")

    def broken(data: dict[str, Any]) -> None:
        data["indicators"][female] = data["indicators"][total] + 3  # female > total: an error

    second = make_workbook(UNIT, "2026-FY", edit=broken, name="lan-2.xlsx")
    with Ledger(tmp_path / "l.sqlite") as led:
        intake(led, [first], project, received_at=dt.datetime(2026, 11, 10, 9))
        intake(led, [second], project, received_at=dt.datetime(2026, 11, 12, 9))
        ds = aggregate(project, led, project.period("2026-FY"))
        written = write_letters(project, led, ds, tmp_path / "thu")
    html = next(p for p in written if p.suffix == ".html")
    parser = _Changes()
    parser.feed(html.read_text(encoding="utf-8"))
    assert parser.keys == [female]
    docx = next(p for p in written if p.suffix == ".docx")
    cells = [c.text for t in Document(str(docx)).tables for row in t.rows for c in row.cells]
    assert female in cells
    lay = layout_for(project.form)
    assert f"{project.form.sheet_title('indicators')}!{lay.indicator_cell(female)}" in cells


def test_a_first_letter_has_no_change_section(sample):
    for path in sample.letters:
        if Path(path).suffix == ".html":
            parser = _Changes()
            parser.feed(Path(path).read_text(encoding="utf-8"))
            assert parser.keys == []  # each unit written to sent one file only
