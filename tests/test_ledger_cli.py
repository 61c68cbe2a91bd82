"""The ledger commands through typer's CliRunner: exit codes, JSON equal to the library's data, tables, usage."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from xl_bdg.aggregation.combine import aggregate
from xl_bdg.aggregation.export import dataset_to_dict
from xl_bdg.aggregation.provenance import explain
from xl_bdg.catalogue import words
from xl_bdg.cli import app
from xl_bdg.ledger.intake import intake
from xl_bdg.ledger.status import status
from xl_bdg.ledger.store import Ledger

WHEN = "2026-11-10T09:30"


def _json(data: object) -> object:
    return json.loads(json.dumps(data, ensure_ascii=False, default=str))


@pytest.fixture()
def inbox(make_workbook, tmp_path):
    folder = tmp_path / "hộp thư đến"
    make_workbook("XA-EAKAO", "2026-FY", out_dir=folder)
    make_workbook("SO-YTE", "2026-FY", out_dir=folder,
                  edit=lambda d: d["indicators"].__setitem__("COMM_06.F", d["indicators"]["COMM_06.T"] + 1))
    (folder / "hỏng.xlsx").write_bytes(b"PK\x03\x04 truncated")
    return folder


@pytest.fixture()
def runner():
    return CliRunner()


def test_intake_then_reintake(project, inbox, tmp_path, runner):
    ledger = tmp_path / "ledger.sqlite"
    first = runner.invoke(app, ["intake", str(inbox), "--ledger", str(ledger), "--received-at", WHEN,
                                "--period", "2026-FY", "--format", "json"])
    assert first.exit_code == 1, first.output  # the broken and the corrupt file have errors
    data = json.loads(first.stdout)
    assert data["recorded"] == 3 and data["with_errors"] == 2
    assert {i["unit_code"]: i["valid"] for i in data["items"]} == {"XA-EAKAO": True, "SO-YTE": False, None: False}
    broken = next(i for i in data["items"] if i["unit_code"] == "SO-YTE")
    assert "female-exceeds-total" in {f["code"] for f in broken["findings"]}
    again = runner.invoke(app, ["intake", str(inbox), "--ledger", str(ledger), "--received-at", WHEN,
                                "--format", "json"])
    assert again.exit_code == 1
    with Ledger(ledger) as led:
        lib = intake(led, [inbox], project, received_at=dt.datetime.fromisoformat(WHEN))
    assert json.loads(again.stdout) == _json(lib.to_dict(project.form.messages, "vi"))
    table = runner.invoke(app, ["intake", str(inbox), "--ledger", str(ledger)])
    assert table.exit_code == 1 and "đã có" in table.stdout and "XA-EAKAO" in table.stdout


def test_status_aggregate_explain_export(project, inbox, tmp_path, runner):
    ledger = tmp_path / "ledger.sqlite"
    runner.invoke(app, ["intake", str(inbox), "--ledger", str(ledger), "--received-at", WHEN])
    env = {"XL_BDG_LEDGER": str(ledger)}  # the ledger comes from the environment from here on

    st = runner.invoke(app, ["status", "--period", "2026-FY", "--format", "json"], env=env)
    assert st.exit_code == 1  # SO-YTE's only file is invalid
    with Ledger(ledger) as led:
        lib_status = status(led, project, project.period("2026-FY"))
        ds = aggregate(project, led, project.period("2026-FY"))
    assert json.loads(st.stdout) == _json([vars(s) for s in lib_status])
    shown = runner.invoke(app, ["status", "-p", "2026-FY", "--lang", "en"], env=env)
    en = words("en").section("status")
    assert en["missing"] in shown.stdout and en["invalid"] in shown.stdout and "XA-EAKAO" in shown.stdout
    assert "hỏng.xlsx" in shown.stdout  # the unreadable file is named: it declares no unit to list it under

    agg = runner.invoke(app, ["aggregate", "--period", "2026-FY", "--format", "json"], env=env)
    assert agg.exit_code == 0
    got, lib = json.loads(agg.stdout), _json(dataset_to_dict(ds))
    got.pop("generated_at"), lib.pop("generated_at")
    assert got == lib
    assert "COMM_01" in runner.invoke(app, ["aggregate", "-p", "2026-FY"], env=env).stdout

    ex = runner.invoke(app, ["explain", "COMM_06.F", "--period", "2026-FY", "--format", "json"], env=env)
    assert ex.exit_code == 0
    assert json.loads(ex.stdout) == _json(explain(ds, project.form, "COMM_06.F").to_dict())
    shown = runner.invoke(app, ["explain", "COMM_06.F", "-p", "2026-FY", "--scope", "XA-EAKAO"], env=env)
    assert shown.exit_code == 0 and "XA-EAKAO" in shown.stdout and "E15" in shown.stdout

    out = tmp_path / "xuất"
    exp = runner.invoke(app, ["export", "--period", "2026-FY", "--out", str(out)], env=env)
    assert exp.exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == ["2026-FY_dhis2.json", "2026-FY_dhis2.provenance.json",
                                                     "2026-FY_long.csv", "2026-FY_long.parquet", "dhis2-metadata.json"]


@pytest.mark.parametrize("args", [
    ["intake", "{inbox}", "--received-at", "14/11/2026"],
    ["intake", "{inbox}", "--period", "2026-Q3"],
    ["status", "--period", "2026"],
    ["status", "--period", "2026-FY", "--format", "xml"],
    ["explain", "NOPE_01", "--period", "2026-FY"],
    ["explain", "COMM_06.F", "--period", "2026-FY", "--scope", "kind:nowhere"],
])
def test_usage_errors_exit_2(inbox, tmp_path, runner, args):
    ledger = tmp_path / "ledger.sqlite"
    runner.invoke(app, ["intake", str(inbox), "--ledger", str(ledger)])
    before = ledger.read_bytes()
    result = runner.invoke(app, [a.replace("{inbox}", str(inbox)) for a in args] + ["--ledger", str(ledger)])
    assert result.exit_code == 2, result.output
    assert ledger.read_bytes() == before


def test_missing_ledger_exits_2_and_creates_nothing(tmp_path, runner):
    result = runner.invoke(app, ["status", "--period", "2026-FY", "--ledger", str(tmp_path / "nowhere.sqlite")])
    assert result.exit_code == 2 and "intake" in result.output
    assert list(tmp_path.iterdir()) == []


def test_not_a_ledger_exits_2(tmp_path, runner):
    bogus = tmp_path / "ledger.sqlite"
    bogus.write_bytes(b"this is not an SQLite database, but a file someone named so" * 20)
    result = runner.invoke(app, ["status", "--period", "2026-FY", "--ledger", str(bogus)])
    assert result.exit_code == 2 and bogus.read_bytes().startswith(b"this is not")
