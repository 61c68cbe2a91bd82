"""The two-step install bundle (`xl-bdg addin bundle`), built for real once per session (wheels from PyPI, pip's own
cache makes later runs quick): its parts, its Windows wheelhouse resolving with no index, and `cai-dat.sh` installing
offline into a fresh venv from the wheelhouse alone, after which the buttons' core runs on a workbook there, with
the light core (no office extra installed, and a command that needs one says what to install)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xl_bdg.catalogue import words
from xl_bdg.cli import OFFICE, app
from xl_bdg.excel.addin import ADDIN_NAME
from xl_bdg.excel.bundle import missing_for, unpack, wheel_names
from xl_bdg.form.project import load_project
from xl_bdg.validation.validate import validate_file
from xl_bdg.version import __version__

PY = f"{sys.version_info.major}.{sys.version_info.minor}"
FOLDER = f"xl-bdg-{__version__}"
#: pip with no configuration file and no PIP_* settings: the wheelhouse is the only place it can look.
CLEAN = {**{k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "XL_BDG_", "VIRTUAL_ENV", "PYTHON"))},
         "PIP_CONFIG_FILE": os.devnull}
W = words("vi")


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundle for Windows with this Python's version, plus this machine's wheels for cai-dat.sh."""
    out = tmp_path_factory.mktemp("bundle")
    done = CliRunner().invoke(app, ["addin", "bundle", "--out", str(out), "--python", PY, "--native",
                                    "--cache", str(out / "cache")])
    assert done.exit_code == 0, done.output
    return next(out.glob("*-cai-dat.zip"))


@pytest.fixture(scope="session")
def unpacked(bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return unpack(bundle, tmp_path_factory.mktemp("unpacked"))


@pytest.mark.slow
def test_the_bundle_holds_the_addin_the_scripts_and_the_wheels(bundle: Path) -> None:
    with zipfile.ZipFile(bundle) as zf:
        names = set(zf.namelist())
        for part in (ADDIN_NAME, "cai-dat.cmd", "go-cai-dat.cmd", "cai-dat.sh"):
            assert f"{FOLDER}/{part}" in names, part
        assert any(n.startswith(f"{FOLDER}/wheels/xl_bdg-{__version__}-") for n in names)
        cmd = zf.read(f"{FOLDER}/cai-dat.cmd").decode("utf-8")
        remove = zf.read(f"{FOLDER}/go-cai-dat.cmd").decode("utf-8")
        mode = zf.getinfo(f"{FOLDER}/cai-dat.sh").external_attr >> 16 & 0o777
    assert "\n" not in cmd.replace("\r\n", "") and "\n" not in remove.replace("\r\n", "")  # cmd.exe wants CRLF
    assert mode == 0o755
    # What the clerk reads is the catalogue's Vietnamese, placeholders turned into the script's variables.
    assert W("bundle.done") in cmd
    assert W("bundle.venv").replace("{venv}", "%VENV%") in cmd
    assert "--no-index" in cmd and '"INTERPRETER_WIN"' in cmd and "%LOCALAPPDATA%" in cmd
    assert "Unblock-File" in cmd
    assert W("bundle.removed") in remove and "XLSTART" in remove


@pytest.mark.slow
def test_the_windows_wheelhouse_resolves_with_no_index(unpacked: Path, tmp_path: Path) -> None:
    wheels = unpacked / "wheels"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--no-index", "--find-links", str(wheels),
                           "--dry-run", "--platform", "win_amd64", "--python-version", PY, "--only-binary=:all:",
                           "--target", str(tmp_path / "t"), f"xl-bdg[excel]=={__version__}"],
                          capture_output=True, text=True, env=CLEAN, timeout=300)
    assert done.returncode == 0, done.stderr
    # pip's dry run judges markers on this machine; read under Windows, nothing is missing (pywin32 for xlwings,
    # colorama for click), and the office's extras are not carried (the light core).
    assert missing_for(wheels, PY, {"xl-bdg": {"excel"}}) == set()
    names = wheel_names(wheels)
    assert {"pywin32", "colorama", "xlwings", "pandas", "openpyxl"} <= names
    assert not names & {"matplotlib", "pyarrow", "docxtpl", "starlette", "uvicorn"}
    assert any(p.name.endswith("win_amd64.whl") and p.name.startswith("pandas-") for p in wheels.iterdir())


BUTTONS = """
import json, sys
from pathlib import Path
from openpyxl import load_workbook
from xl_bdg.excel import actions
from xl_bdg.form.project import load_project
from xl_bdg.validation.marks import OpenpyxlMarker
path, project = Path(sys.argv[1]), load_project()
wb = load_workbook(path)
report = actions.check(path, OpenpyxlMarker(wb), project)
wb.save(path)
shown = actions.check_outcome(report)
sent, target = actions.prepare_to_send(path, project)
wb = load_workbook(path)
cells = actions.clear(OpenpyxlMarker(wb))
print(json.dumps({"errors": report.count("error"), "critical": shown.critical, "message": shown.message,
                  "sent": target is not None, "cleared": cells, "where": __import__("xl_bdg").__file__,
                  "office": [m for m in sys.argv[2].split(",") if m in sys.modules]}))
"""


@pytest.mark.slow
def test_cai_dat_sh_installs_offline_and_the_buttons_run(unpacked: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {**CLEAN, "HOME": str(home), "PYTHON": sys._base_executable, "XDG_DATA_HOME": str(home / "data")}
    done = subprocess.run(["sh", str(unpacked / "cai-dat.sh")], capture_output=True, text=True, env=env,
                          timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    venv = home / "data" / "xl-bdg" / "venv"
    assert W("bundle.installing") in done.stdout
    assert W("bundle.no_excel").replace("{venv}", str(venv)) in done.stdout
    conf = (home / ".xlbdg" / "xlbdg.conf").read_text(encoding="utf-8")
    assert conf == f'"INTERPRETER","{venv}/bin/python"\n'

    work = tmp_path / "work"
    work.mkdir()
    run_env = {**env, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(args), cwd=work, env=run_env, capture_output=True, text=True, timeout=300)

    made = run(str(venv / "bin" / "xl-bdg"), "template", "--period", "2026-FY", "--unit", "XA-EAKAO", "--out", "wb")
    assert made.returncode == 0, made.stderr
    book = next((work / "wb").glob("*.xlsx"))
    expected = validate_file(book, load_project())[1].count("error")  # this checkout's engine, before any mark
    clicked = run(str(venv / "bin" / "python"), "-c", BUTTONS, str(book), ",".join(sorted(OFFICE)))
    assert clicked.returncode == 0, clicked.stderr
    seen = json.loads(clicked.stdout)
    assert Path(seen["where"]).is_relative_to(venv)  # the installed package, not this checkout
    assert seen["errors"] == expected > 0
    assert seen["critical"] and not seen["sent"] and seen["cleared"]
    assert seen["office"] == []  # a click imports none of the office's extras (none is installed, either)

    # The light core: a command that needs an extra says what to install, and exits 2 with no traceback.
    report = run(str(venv / "bin" / "xl-bdg"), "report", "--period", "2026-FY", "--ledger", "x.sqlite",
                 "--out", "r")
    assert report.returncode == 2, report.stderr
    assert 'pip install "xl-bdg[office]"' in report.stderr and "Traceback" not in report.stderr


def test_the_own_wheel_is_built_from_the_source_alone(tmp_path: Path) -> None:
    """A module left in a source folder's `build/lib` by an earlier build (say, one deleted since) does not ship, and
    building leaves nothing new in the source folder."""
    import shutil

    from xl_bdg.excel.bundle import build_wheel

    root = Path(__file__).resolve().parents[1]
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "xl_bdg", "schemas", "report_templates"):
        (shutil.copytree if (root / name).is_dir() else shutil.copy2)(root / name, src / name)
    stale = src / "build" / "lib" / "xl_bdg" / "stale_module.py"
    stale.parent.mkdir(parents=True)
    stale.write_text("GONE = True\n", encoding="utf-8")
    before = sorted(p.relative_to(src) for p in src.rglob("*"))
    wheel = build_wheel(tmp_path / "out", root=src)
    names = zipfile.ZipFile(wheel).namelist()
    assert "xl_bdg/excel/bundle.py" in names and "xl_bdg/schemas/form.yaml" in names
    assert "xl_bdg/stale_module.py" not in names
    assert sorted(p.relative_to(src) for p in src.rglob("*")) == before
