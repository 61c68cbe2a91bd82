"""The demo pipeline and the `report`, `letters` and `demo` commands."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xl_bdg.cli import app, common
from xl_bdg.cli.report_cmd import next_commands
from xl_bdg.form.project import Project
from xl_bdg.sample.demo import MARKER, plan_roles, prepare_out_dir
from xl_bdg.workbook.template import units_for

runner = CliRunner()


def test_every_part_of_the_season_is_played(project: Project):
    units = units_for(project, project.period("2026-FY"))
    roles = plan_roles(units)
    assert set(roles) == {u.code for u in units}
    played = [r for r in roles.values() if r != type(r)(r.unit)]
    assert sum(r.missing for r in played) == 1 and sum(r.late for r in played) == 2
    assert sum(r.resubmits for r in played) == 1
    assert {m for r in played for m in r.mistakes} == {"break_check", "date_outside", "text_date", "drop_narrative"}
    assert plan_roles(units) == roles  # the same every run


def test_statuses_follow_the_roles(sample):
    by_unit = {s.unit: s for s in sample.dataset.statuses}
    for code, role in sample.roles.items():
        s = by_unit[code]
        if role.missing:
            assert s.status == "missing" and s.received_at is None
        elif role.resubmits:
            assert (s.status, s.versions, s.errors) == ("accepted", 2, 0)
        elif set(role.mistakes) - {"text_date"}:
            assert s.status == "invalid" and s.errors > 0
        elif role.mistakes:
            assert s.status == "accepted_with_warnings" and s.warnings > 0
        elif role.late:
            assert s.status == "late" and s.on_time is False
        else:
            assert s.status == "accepted" and s.on_time
    assert all(path.exists() for _, path in sample.outputs)


def test_out_dir_is_cleared_only_if_a_demo_made_it(tmp_path):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.docx").write_bytes(b"precious")
    with pytest.raises(FileExistsError):
        prepare_out_dir(foreign)
    assert (foreign / "thesis.docx").read_bytes() == b"precious"
    demo = tmp_path / "demo"
    prepare_out_dir(demo)
    (demo / "report").mkdir()
    (demo / "report" / "old.html").write_text("old", encoding="utf-8")
    (demo / "notes.txt").write_text("kept", encoding="utf-8")
    prepare_out_dir(demo)
    assert (demo / MARKER).exists() and not (demo / "report").exists()
    assert (demo / "notes.txt").read_text(encoding="utf-8") == "kept"


def test_report_command_writes_the_report_and_letters(sample, tmp_path):
    out = tmp_path / "bao-cao"
    result = runner.invoke(app, ["report", "--period", sample.period, "--ledger",
                                 str(sample.out_dir / "ledger.sqlite"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert {p.suffix for p in out.iterdir() if p.is_file()} == {".docx", ".html", ".xlsx"}
    letters = sorted(p.name for p in (out / "letters").iterdir())
    assert letters == sorted(p.name for p in sample.letters)


def test_letters_command(sample, tmp_path):
    result = runner.invoke(app, ["letters", "--period", sample.period, "--ledger",
                                 str(sample.out_dir / "ledger.sqlite"), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert len(list(tmp_path.glob("*.docx"))) == len(list(tmp_path.glob("*.html"))) == len(sample.letters) // 2


@pytest.mark.parametrize("args", [["report", "--period", "2026-FY", "--ledger", "{missing}"],
                                  ["letters", "--period", "2026-XX", "--ledger", "{missing}"],
                                  ["report", "--period", "2026-FY", "--lang", "fr"],
                                  ["demo", "--out", "{foreign}"]])
def test_commands_exit_2_on_bad_usage(args, tmp_path):
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "x.txt").write_text("x", encoding="utf-8")
    args = [a.format(missing=tmp_path / "none.sqlite", foreign=foreign) for a in args]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert (foreign / "x.txt").exists()


@pytest.mark.slow
def test_demo_command_runs_the_whole_job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # A narrow terminal and a long path: every output path must still print whole, to be copied.
    monkeypatch.setattr(common.console, "width", 40)
    out = tmp_path / ("a-long-folder-name-" * 6) / "demo-output"
    result = runner.invoke(app, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    for name in ("templates/2026-FY", "templates/2026-H1", "inbox/2026-FY", "ledger.sqlite", "report/charts",
                 "letters", "exports/2026-FY_long.csv", "exports/2026-FY_dhis2.json"):
        assert (out / name).exists(), name
    assert len(list((out / "report").glob("*.docx"))) == 1 and len(list((out / "letters").glob("*.docx"))) == 3
    lines = result.output.splitlines()
    assert f"    {out / 'ledger.sqlite'}" in lines
    # The commands the demo suggests run as printed: status and validate find the planted errors (exit 1).
    for command, code in zip(next_commands(out, "2026-FY"), (1, 0, 1), strict=True):
        assert f"  {command}" in lines
        tried = runner.invoke(app, shlex.split(command)[1:])
        assert tried.exit_code == code, (command, tried.output)
