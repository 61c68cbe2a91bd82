"""`--lang en` is English everywhere: every command's output (text and JSON) on a real season holds no Vietnamese
beyond the data itself (unit names, the province, the workbook's own sheet titles), errors included; option help
follows $XL_BDG_LANG at start-up. Vietnamese output stays Vietnamese (the same commands with `--lang vi`)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xl_bdg.catalogue import words
from xl_bdg.cli import app
from xl_bdg.form.project import Project
from xl_bdg.sample.demo import DemoResult

runner = CliRunner()
VIETNAMESE = re.compile("[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹàáèéìíòóùúý]", re.IGNORECASE)


def _data(project: Project) -> list[str]:
    """Names that are data, in Vietnamese whatever the language: units, the province, the sheets' titles."""
    names = [u.name for u in project.registry.units.values()] + [project.province_name]
    names += [d.title for d in project.form.sheets.values()]
    return sorted(names, key=len, reverse=True)


def _not_english(text: str, project: Project) -> list[str]:
    for name in _data(project):
        text = text.replace(name, "")
    return [line.strip() for line in text.splitlines() if VIETNAMESE.search(line)]


def _commands(sample: DemoResult, tmp_path: Path) -> list[list[str]]:
    led = ["--ledger", str(sample.out_dir / "ledger.sqlite")]
    inbox = str(sample.out_dir / "inbox" / sample.period)
    per = ["--period", sample.period]
    return [["validate", inbox, *per], ["validate", inbox, *per, "--format", "json"],
            ["validate", inbox, *per, "--verbose"], ["validate", inbox, *per, "--quiet"],
            ["intake", inbox, *per, *led], ["status", *per, *led], ["status", *per, *led, "--format", "json"],
            ["aggregate", *per, *led], ["explain", "COMM_06", *per, *led], ["explain", "COM_01", *per, *led],
            ["explain", "COMM_99", *per, *led], ["explain", "COM_01.X", *per, *led],
            ["export", *per, *led, "--out", str(tmp_path / "export")],
            ["report", *per, *led, "--out", str(tmp_path / "report")],
            ["letters", *per, *led, "--out", str(tmp_path / "letters")],
            ["template", *per, "--unit", "SO-YTE", "--out", str(tmp_path / "wb")],
            ["docs", "--out", str(tmp_path / "docs")], ["status", "--period", "2026-Q9", *led],
            ["status", *per, "--ledger", str(tmp_path / "none.sqlite")], ["validate", inbox, "-q", "-v"]]


def test_every_command_speaks_english(project: Project, sample: DemoResult, tmp_path: Path) -> None:
    leftover: dict[str, list[str]] = {}
    for args in _commands(sample, tmp_path):
        result = runner.invoke(app, [*args, "--lang", "en"])
        assert result.exit_code in (0, 1, 2), (args, result.output)
        found = _not_english(result.output, project)
        if found:
            leftover[" ".join(args[:2])] = found[:3]
    assert leftover == {}


def test_vietnamese_stays_vietnamese(project: Project, sample: DemoResult, tmp_path: Path) -> None:
    """The check above can fail: the same commands in Vietnamese do show Vietnamese words."""
    led = ["--ledger", str(sample.out_dir / "ledger.sqlite")]
    for args in (["status", "--period", sample.period, *led], ["explain", "COMM_99", "--period", sample.period, *led]):
        assert _not_english(runner.invoke(app, [*args, "--lang", "vi"]).output, project)


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_option_help_follows_the_environment(lang: str) -> None:
    env = {**os.environ, "XL_BDG_LANG": lang, "COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}
    done = subprocess.run([sys.executable, "-c", "from xl_bdg.cli import main; main()", "status", "--help"],
                          capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    w, other = words(lang), words("vi" if lang == "en" else "en")
    help_text = " ".join(done.stdout.split())
    for key in ("cli.opt.ledger", "cli.opt.quiet", "cli.opt.verbose"):
        assert " ".join(w(key).split())[:40] in help_text, key
        assert " ".join(other(key).split())[:40] not in help_text, key
