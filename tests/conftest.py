"""Shared fixtures: the sample project, and a factory that writes real workbooks with the project's own writer."""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support.office import soffice_path

from xl_bdg.form.project import Project, load_project
from xl_bdg.sample.demo import DemoResult, run_demo
from xl_bdg.sample.synth import synthesize
from xl_bdg.workbook.fill import fill_workbook
from xl_bdg.workbook.template import units_for, write_template

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "schemas"


@pytest.fixture(scope="session")
def project() -> Project:
    """The embedded sample province."""
    return load_project(SCHEMAS)


@pytest.fixture(scope="session")
def sample(project: Project, tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    """The demo season on 7 departments and 5 communes (every role is played), run once per test session: the
    report, annex, letter and demo tests read its outputs."""
    out = tmp_path_factory.mktemp("sample-season")
    units = units_for(project, project.period("2026-FY"))
    codes = [u.code for u in units if u.kind != "commune"][:7] + [u.code for u in units if u.kind == "commune"][:5]
    result = run_demo(out, project, project.period("2026-FY"), units=codes, workers=2)
    yield result
    shutil.rmtree(out, ignore_errors=True)


@pytest.fixture(scope="session")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder where session-wide templates are cached."""
    return tmp_path_factory.mktemp("templates")


@pytest.fixture()
def make_workbook(project: Project, template_dir: Path, tmp_path: Path) -> Callable[..., Path]:
    """Write a filled workbook: `make_workbook("SO-YTE", "2026-FY", edit=fn, name=...)`.

    The data start from `synthesize` (valid); `edit(data)` may change them in place before writing; `data=` replaces
    them. The template for a unit and period is written once per session.
    """

    def factory(unit: str = "XA-EAKAO", period: str = "2026-FY", *,
                edit: Callable[[dict[str, Any]], None] | None = None,
                data: dict[str, Any] | None = None, name: str | None = None, out_dir: Path | None = None) -> Path:
        per = project.period(period)
        u = project.registry.get(unit)
        assert u is not None, unit
        template = template_dir / f"{per.code}_{u.code}.xlsx"
        if not template.exists():
            write_template(project, u, per, template_dir)
        values = copy.deepcopy(data) if data is not None else synthesize(project, u, per)
        if edit is not None:
            edit(values)
        target = (out_dir or tmp_path) / (name or template.name)
        return fill_workbook(project.form, template, values, target)

    return factory


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `libreoffice` fail loudly in CI when soffice is missing, and skip on a developer machine."""
    import os

    if soffice_path() is not None:
        return
    if os.environ.get("CI"):
        return  # let them run and fail: CI must have LibreOffice
    skip = pytest.mark.skip(reason="LibreOffice (soffice) not installed")
    for item in items:
        if "libreoffice" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands run in a virtual terminal of 160 columns, whatever the developer's own terminal is, so that a
    table's cells are never folded in a test (a test that is about narrow terminals sets its own width)."""
    from xl_bdg.cli import common

    for console in (common.console, common.err):
        monkeypatch.setattr(console, "width", 160)
