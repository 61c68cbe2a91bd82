"""`xl-bdg docs`: the references are generated from schemas/ and from the commands' own help."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from xl_bdg.cli import app
from xl_bdg.form.layout import layout_for


def test_docs_writes_both_references(project, tmp_path) -> None:
    result = CliRunner().invoke(app, ["docs", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    form_doc = (tmp_path / "form-reference.md").read_text(encoding="utf-8")
    lay = layout_for(project.form)
    # every indicator key with its cell, every finding code, every target
    for key in lay.indicator_rows:
        assert f"`{key}`" in form_doc and f"Chỉ tiêu!{lay.indicator_cell(key)}" in form_doc
    for code in project.form.messages:
        assert f"`{code}`" in form_doc
    for target in project.targets:
        assert f"| {target.code} |" in form_doc
    # every indicator with the source of its definition
    for ind in project.form.indicators:
        assert ind.source and f"| {ind.code} | {ind.label} | {ind.source} |" in form_doc, ind.code
    cli_doc = (tmp_path / "cli-reference.md").read_text(encoding="utf-8")
    for command in ("validate", "intake", "status", "aggregate", "explain", "report", "demo", "addin build"):
        assert f"## xl-bdg {command}\n" in cli_doc, command
    assert "--period" in cli_doc and "Ví dụ / example" in cli_doc


def test_readme_names_the_current_form_version(project) -> None:
    # The README quotes the form version in prose and tables; a bump of form.yaml must not leave it stale.
    # An older version may be mentioned only as "an earlier form".
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    current = str(project.form.version)
    mentions = re.findall(r"(an earlier form, )?form (\d{4}\.\d+)", readme)
    assert mentions, "the README no longer names the form version"
    stale = [v for earlier, v in mentions if not earlier and v != current]
    assert not stale, f"README names form {stale}, form.yaml has {current}"
