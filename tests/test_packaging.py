"""The built wheel, installed into a fresh virtual environment outside the checkout, runs the commands a new user
runs first: it carries schemas/ (with words/), report_templates/ and the sample texts, and finds them itself."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheels")
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(out)], check=True,
                   capture_output=True)
    return next(out.glob("xl_bdg-*.whl"))


def test_the_wheel_carries_the_data_and_every_stage(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in ("schemas/form.yaml", "schemas/units.yaml", "schemas/messages.yaml", "schemas/words/status.yaml",
                    "schemas/words/cli.yaml", "report_templates/validation.html.j2", "report_templates/report.docx",
                    "sample/synthetic.yaml", "schemas/sample.yaml", "py.typed"):
        assert f"xl_bdg/{shipped}" in names, shipped
    stages = {p.parent.name for p in (ROOT / "xl_bdg").glob("*/__init__.py")}
    assert {f"xl_bdg/{s}/__init__.py" for s in stages} <= names


@pytest.mark.slow
def test_installed_in_a_fresh_venv_it_runs_template_validate_and_report(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "-q", "--prefer-binary", f"{wheel}[office]"],
                   check=True, capture_output=True, timeout=900)
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XL_BDG_", "PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(bin_dir / "xl-bdg"), *args], cwd=work, env=env, capture_output=True, text=True,
                              timeout=600)

    where = subprocess.run([str(bin_dir / "python"), "-c", "import xl_bdg, sys; print(xl_bdg.__file__)"], cwd=work,
                           env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert Path(where).resolve().is_relative_to(env_dir.resolve())  # the checkout plays no part
    made = run("template", "--period", "2026-FY", "--unit", "SO-YTE", "--unit", "XA-EAKAO", "--out", "wb")
    assert made.returncode == 0, made.stderr
    checked = run("validate", "wb", "--period", "2026-FY", "--html", "ket-qua.html")
    assert checked.returncode == 1, checked.stderr  # blank workbooks: required parts are empty
    assert "Kết quả kiểm tra" in (work / "ket-qua.html").read_text(encoding="utf-8")
    recorded = run("intake", "wb", "--period", "2026-FY", "--ledger", "so.sqlite")
    assert recorded.returncode == 1, recorded.stderr
    report = run("report", "--period", "2026-FY", "--ledger", "so.sqlite", "--out", "bao-cao")
    assert report.returncode == 0, report.stderr
    assert {p.suffix for p in (work / "bao-cao").iterdir() if p.is_file()} == {".docx", ".html", ".xlsx"}
