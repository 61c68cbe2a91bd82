"""Shared fixtures: the sample project, and a factory that writes real workbooks with the project's own writer."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from xl_bdg.fill import fill_workbook
from xl_bdg.office import soffice_path
from xl_bdg.project import Project, load_project
from xl_bdg.synth import synthesize
from xl_bdg.template import write_template

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "schemas"


@pytest.fixture(scope="session")
def project() -> Project:
    """The embedded sample province."""
    return load_project(SCHEMAS)


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
