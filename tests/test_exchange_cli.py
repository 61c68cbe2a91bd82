"""`xl-bdg export` (the old invocation and its DHIS2 sub-commands): files written, the check's JSON is exactly the
library's report, exit codes 0 / 1 / 2."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from xl_bdg.cli import app
from xl_bdg.exchange.check import offline_check
from xl_bdg.exchange.mapping import build_mapping
from xl_bdg.exchange.metadata import metadata_package
from xl_bdg.exchange.payload import read_origins
from xl_bdg.findings import FileReport, Report


def test_export_writes_the_dhis2_files_and_checks_them(project, sample, tmp_path):
    runner = CliRunner()
    env = {"XL_BDG_LEDGER": str(sample.out_dir / "ledger.sqlite")}
    out = tmp_path / "xuất"
    res = runner.invoke(app, ["export", "--period", "2026-FY", "--out", str(out), "--lang", "en"], env=env)
    assert res.exit_code == 0, res.output
    assert "0 errors, 0 warnings" in res.stdout
    payload = json.loads((out / "2026-FY_dhis2.json").read_text(encoding="utf-8"))
    written = json.loads((out / "dhis2-metadata.json").read_text(encoding="utf-8"))
    assert written == json.loads(json.dumps(metadata_package(project, build_mapping(project))))
    assert read_origins(out / "2026-FY_dhis2.json", len(payload["dataValues"])) is not None

    meta = runner.invoke(app, ["export", "dhis2-metadata", "--out", str(tmp_path / "m")])
    assert meta.exit_code == 0 and (tmp_path / "m" / "dhis2-metadata.json").read_bytes() \
        == (out / "dhis2-metadata.json").read_bytes()

    check = runner.invoke(app, ["export", "dhis2-check", str(out / "2026-FY_dhis2.json")], env=env)
    assert check.exit_code == 0, check.output
    # a broken payload: the JSON printed is the library's report, and the exit code says errors
    payload["dataValues"][0]["orgUnit"] = "SO-YTE"
    payload.pop("idScheme")
    bad = out / "2026-FY_dhis2.json"
    bad.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    res = runner.invoke(app, ["export", "dhis2-check", str(bad), "--format", "json"], env=env)
    assert res.exit_code == 1
    findings = offline_check(project, build_mapping(project), payload, None,
                             read_origins(bad, len(payload["dataValues"])), str(bad))
    files: dict[str, FileReport] = {}
    for f in findings:
        files.setdefault(f.file, FileReport(file=f.file)).findings.append(f)
    expected = Report(files=list(files.values())).to_dict(project.form.messages, "vi")
    assert json.loads(res.stdout) == json.loads(json.dumps(expected, default=str))
    assert any(f["code"] == "dhis2-unknown-org-unit" and f["cell"] for file in expected["files"]
               for f in file["findings"])


def test_export_usage_problems_exit_2(sample, tmp_path):
    runner = CliRunner()
    env = {"XL_BDG_LEDGER": str(sample.out_dir / "ledger.sqlite")}
    assert runner.invoke(app, ["export"], env=env).exit_code == 2
    assert runner.invoke(app, ["export", "dhis2-check"], env=env).exit_code == 2
    junk = tmp_path / "junk.json"
    junk.write_text("{not json", encoding="utf-8")
    res = runner.invoke(app, ["export", "dhis2-check", str(junk)], env=env)
    assert res.exit_code == 2 and "JSON" in res.output
    res = runner.invoke(app, ["export", "dhis2-push", "-p", "2026-FY", "--url", "http://127.0.0.1:9",
                              "--strategy", "MERGE"], env=env)
    assert res.exit_code == 2


def test_the_exchange_commands_speak_english_and_keep_quiet(project, sample, tmp_path):
    from test_english import _not_english

    runner = CliRunner()
    led = ["--ledger", str(sample.out_dir / "ledger.sqlite")]
    per = ["--period", sample.period]
    resubmitted = next(code for code, role in sample.roles.items() if role.resubmits)
    out = str(tmp_path / "x")
    commands = [["export", *per, *led, "--out", out], ["export", "dhis2-metadata", "--out", out],
                ["export", "dhis2-check", *per, *led], ["export", "dhis2-check", f"{out}/{sample.period}_dhis2.json"],
                ["diff", resubmitted, *per, *led], ["diff", resubmitted, *per, *led, "--last-year"],
                ["diff", "NOPE", *per, *led], ["export"], ["export", "dhis2-push", *per, *led, "--url", "x"]]
    for args in commands:
        result = runner.invoke(app, [*args, "--lang", "en"], env={"XL_BDG_DHIS2_TOKEN": "t"})
        assert result.exit_code in (0, 1, 2), (args, result.output)
        assert _not_english(result.output, project) == [], args
    loud = runner.invoke(app, ["diff", resubmitted, *per, *led])
    quiet = runner.invoke(app, ["diff", resubmitted, *per, *led, "--quiet"])
    assert quiet.exit_code == loud.exit_code == 0 and len(quiet.stdout) < len(loud.stdout)
    assert runner.invoke(app, ["diff", resubmitted, *per, *led, "-q", "-v"]).exit_code == 2
