"""`xl-bdg addin bundle`: one zip a clerk unpacks and double-clicks, installing the add-in with no network.

The zip holds, in one folder:
- `xl-bdg.xlam`, built by `addin.build_addin`;
- `wheels/`: the project's own wheel and every dependency of `xl-bdg[excel]` as binary wheels, for Windows
  (win_amd64) and each supported Python version, plus any other platform asked for (`native`: this machine's);
- `cai-dat.cmd` / `go-cai-dat.cmd` (Windows install / remove) and `cai-dat.sh` (macOS, Linux): create a private venv
  in the user's profile, `pip install --no-index` from `wheels/`, write the interpreter into the add-in's settings
  file (xlwings reads `"INTERPRETER_WIN","…"` from `%USERPROFILE%\\.xlbdg\\xlbdg.conf`), and copy the add-in into
  Excel's start-up folder through `xl-bdg addin install` (one implementation of where that folder is).

What the scripts say comes from `schemas/words/bundle.yaml` (Vietnamese), written into them when the bundle is built.
`pip download --platform` evaluates environment markers for *this* machine, so Windows-only dependencies (pywin32
for xlwings, colorama for click) would be left out: the wheelhouse is completed by reading each wheel's metadata
under a Windows environment (`missing_for`) until nothing is missing.
"""

from __future__ import annotations

import email.parser
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..catalogue import words
from ..fileio import atomic_path
from ..version import __version__
from .addin import ADDIN_NAME, SETTINGS_NAME, AddinError, build_addin

#: Python versions the Windows wheelhouse carries by default (requires-python >= 3.11).
PYTHONS = ("3.11", "3.12", "3.13")
WINDOWS = "win_amd64"
NATIVE = "native"
REQUIREMENT = "xl-bdg[excel]"
ROOT = Path(__file__).resolve().parent.parent.parent
#: Keys of schemas/words/bundle.yaml the scripts print, and the script variables their placeholders name.
SCRIPT_KEYS = ("start", "python_found", "python_missing", "venv", "venv_failed", "installing", "install_failed",
               "config", "addin", "addin_failed", "no_excel", "done", "press_key", "remove_start", "removed")
PLACEHOLDERS = ("venv", "conf", "addin_dir", "here", "versions")


def _name(text: str) -> str:
    """A distribution name normalised as PEP 503 does (`Python_Calamine` → `python-calamine`)."""
    return re.sub(r"[-_.]+", "-", text).lower()


def wheel_names(folder: Path) -> set[str]:
    """The normalised distribution names of the wheels in `folder`."""
    return {_name(p.name.split("-")[0]) for p in folder.glob("*.whl")}


def _requires(wheel: Path) -> tuple[str, list[str]]:
    """A wheel's distribution name and its `Requires-Dist` lines (read from its METADATA)."""
    with zipfile.ZipFile(wheel) as zf:
        meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        msg = email.parser.Parser().parsestr(zf.read(meta).decode("utf-8"))
    return _name(msg["Name"]), msg.get_all("Requires-Dist") or []


def missing_for(folder: Path, python: str, extras: dict[str, set[str]] | None = None) -> set[str]:
    """Requirements of the wheels in `folder` that apply on Windows with Python `python` and that no wheel there
    satisfies by name (the ones `pip download --platform` skipped because this machine is not Windows)."""
    from packaging.requirements import Requirement  # pip's own dependency; only needed when building a bundle

    env = {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt", "platform_machine": "AMD64",
           "python_version": python, "python_full_version": f"{python}.0", "implementation_name": "cpython",
           "platform_python_implementation": "CPython"}
    have, out = wheel_names(folder), set()
    for wheel in folder.glob("*.whl"):
        name, lines = _requires(wheel)
        for line in lines:
            req = Requirement(line)
            wanted = (extras or {}).get(name, set()) | {""}
            applies = req.marker is None or any(req.marker.evaluate({**env, "extra": e}) for e in wanted)
            if applies and _name(req.name) not in have:
                out.add(str(req).split(";")[0].strip())
    return out


def _pip_download(dest: Path, requirements: Sequence[str], target: str, python: str | None) -> None:
    """`pip download` binary wheels of `requirements` (and their dependencies) for one platform into `dest`."""
    cmd = [sys.executable, "-m", "pip", "download", "-q", "--only-binary=:all:", "-d", str(dest)]
    if target != NATIVE:
        cmd += ["--platform", target, "--implementation", "cp"]
        if python:
            cmd += ["--python-version", python]
    done = subprocess.run([*cmd, *requirements], capture_output=True, text=True)
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["?"])[-1]
        raise AddinError(words("vi")("bundle.download_failed", target=f"{target} {python or ''}".strip(),
                                     error=tail))


#: What the project's own wheel is built from (pyproject.toml's packages, package data and readme).
_WHEEL_SOURCES = ("pyproject.toml", "README.md", "xl_bdg", "schemas", "report_templates")


def build_wheel(dest: Path, root: Path = ROOT) -> Path:
    """The project's own wheel, built from its source folder into `dest`."""
    if not (root / "pyproject.toml").is_file():
        raise AddinError(words("vi")("bundle.no_source", root=root))
    with tempfile.TemporaryDirectory(prefix="xl-bdg-src-") as tmp:
        # pip builds a local folder in place and setuptools keeps `build/lib` there between runs: a module deleted
        # from the source would still ship. A fresh copy of only what the wheel is made of builds from nothing.
        src = Path(tmp)
        for name in _WHEEL_SOURCES:
            item = root / name
            if item.is_dir():
                shutil.copytree(item, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            elif item.is_file():
                shutil.copy2(item, src / name)
        done = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dest), str(src)],
                              capture_output=True, text=True)
    if done.returncode != 0:
        raise AddinError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "pip wheel failed")
    return next(dest.glob("xl_bdg-*.whl"))


def wheelhouse(dest: Path, own: Path, pythons: Iterable[str] = PYTHONS, natives: bool = False) -> None:
    """Fill `dest` with `own[excel]` and every dependency: win_amd64 for each of `pythons`, and this machine's when
    `natives`. Windows-only dependencies the markers hid are added until none is missing."""
    req = f"{own}[excel]"
    for python in pythons:
        _pip_download(dest, [req], WINDOWS, python)
        for _ in range(5):  # each round may bring wheels with Windows-only requirements of their own
            missing = missing_for(dest, python, {"xl-bdg": {"excel"}})
            if not missing:
                break
            _pip_download(dest, sorted(missing), WINDOWS, python)
    if natives:
        _pip_download(dest, [req], NATIVE, None)


# --- the scripts -------------------------------------------------------------------------------------------------
def _cmd_text(text: str) -> str:
    """`text` safe after `echo` in a batch file, its placeholders as %VARIABLES%."""
    for ch in "^&|<>":
        text = text.replace(ch, "^" + ch)
    text = text.replace("%", "%%")
    for key in PLACEHOLDERS:
        text = text.replace("{" + key + "}", f"%{key.upper()}%")
    return text


def _sh_text(text: str) -> str:
    """`text` as a double-quoted shell word, its placeholders as ${VARIABLES}."""
    for ch in '\\"$`':
        text = text.replace(ch, "\\" + ch)
    for key in PLACEHOLDERS:
        text = text.replace("{" + key + "}", "${" + key.upper() + "}")
    return f'"{text}"'


def _say(lang: str) -> dict[str, str]:
    """The scripts' texts in `lang`, by key."""
    w = words(lang)
    return {k: w(f"bundle.{k}") for k in SCRIPT_KEYS}


def _versions(pythons: Sequence[str]) -> tuple[str, str]:
    """The versions as the message shows them (`3.11–3.13`) and as a Python tuple list for the check."""
    shown = pythons[0] if len(pythons) == 1 else f"{pythons[0]}–{pythons[-1]}"
    return shown, "[" + ",".join(f"({v.replace('.', ',')})" for v in pythons) + "]"


def install_cmd(pythons: Sequence[str], lang: str = "vi") -> str:
    """`cai-dat.cmd`: venv under %LOCALAPPDATA%, offline install, settings file, add-in into XLSTART (CRLF)."""
    m = {k: _cmd_text(v) for k, v in _say(lang).items()}
    shown, tuples = _versions(pythons)
    finds = "\n".join(f'if not defined PY (py -{v} -c "pass" >nul 2>nul && set "PY=py -{v}")'
                      for v in reversed(pythons))
    text = f"""@echo off
rem xl-bdg {__version__}: installs the Excel add-in from this folder, with no network. Double-click to run.
setlocal
chcp 65001 >nul
set "PYTHONUTF8=1"
set "HERE=%~dp0"
set "VERSIONS={shown}"
set "VENV=%LOCALAPPDATA%\\xl-bdg\\venv"
set "CONFDIR=%USERPROFILE%\\.{SETTINGS_NAME}"
set "CONF=%CONFDIR%\\{SETTINGS_NAME}.conf"
set "ADDIN_DIR=%APPDATA%\\Microsoft\\Excel\\XLSTART"
echo {m['start']}
echo.
set "PY="
{finds}
set "CHECK=import sys; sys.exit(0 if sys.version_info[:2] in {tuples} else 1)"
if not defined PY (python -c "%CHECK%" >nul 2>nul && set "PY=python")
if not defined PY goto nopython
echo {m['python_found']}
echo {m['venv']}
if exist "%VENV%\\Scripts\\python.exe" goto haveenv
%PY% -m venv "%VENV%"
if errorlevel 1 goto novenv
:haveenv
echo {m['installing']}
"%VENV%\\Scripts\\python.exe" -m pip install -q --disable-pip-version-check --no-index ^
  --find-links "%HERE%wheels" --upgrade "{REQUIREMENT}=={__version__}"
if errorlevel 1 goto nopip
if not exist "%CONFDIR%" mkdir "%CONFDIR%"
> "%CONF%" echo "INTERPRETER_WIN","%VENV%\\Scripts\\pythonw.exe"
echo {m['config']}
echo {m['addin']}
"%VENV%\\Scripts\\xl-bdg.exe" addin install --from "%HERE%{ADDIN_NAME}"
if errorlevel 1 goto noaddin
rem A file unpacked from a downloaded zip carries the Mark of the Web, and Office blocks its macros: remove it.
powershell -NoProfile -Command "Unblock-File -LiteralPath (Join-Path $env:ADDIN_DIR '{ADDIN_NAME}')" >nul 2>nul
echo.
echo {m['done']}
goto end
:nopython
echo {m['python_missing']}
goto end
:novenv
echo {m['venv_failed']}
goto end
:nopip
echo {m['install_failed']}
goto end
:noaddin
echo {m['addin_failed']}
:end
echo.
if not defined XL_BDG_NO_PAUSE (echo {m['press_key']} & pause >nul)
endlocal
"""
    return text.replace("\n", "\r\n")


def uninstall_cmd(lang: str = "vi") -> str:
    """`go-cai-dat.cmd`: removes the add-in from XLSTART, the settings file and the private venv (CRLF)."""
    m = {k: _cmd_text(v) for k, v in _say(lang).items()}
    text = f"""@echo off
rem xl-bdg {__version__}: removes the Excel add-in, its settings and its Python environment. Double-click to run.
setlocal
chcp 65001 >nul
set "VENV=%LOCALAPPDATA%\\xl-bdg\\venv"
set "CONFDIR=%USERPROFILE%\\.{SETTINGS_NAME}"
set "ADDIN_DIR=%APPDATA%\\Microsoft\\Excel\\XLSTART"
echo {m['remove_start']}
if exist "%ADDIN_DIR%\\{ADDIN_NAME}" del /f /q "%ADDIN_DIR%\\{ADDIN_NAME}"
if exist "%CONFDIR%" rmdir /s /q "%CONFDIR%"
if exist "%LOCALAPPDATA%\\xl-bdg" rmdir /s /q "%LOCALAPPDATA%\\xl-bdg"
echo {m['removed']}
echo.
if not defined XL_BDG_NO_PAUSE (echo {m['press_key']} & pause >nul)
endlocal
"""
    return text.replace("\n", "\r\n")


def install_sh(pythons: Sequence[str], lang: str = "vi") -> str:
    """`cai-dat.sh`: the same steps for macOS and Linux (on Linux, where there is no Excel, the add-in stays put)."""
    m = {k: _sh_text(v) for k, v in _say(lang).items()}
    shown, tuples = _versions(pythons)
    return f"""#!/bin/sh
# xl-bdg {__version__}: installs the Excel add-in from this folder, with no network. Run: sh cai-dat.sh
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
VERSIONS="{shown}"
PY="${{PYTHON:-python3}}"
if [ "$(uname)" = "Darwin" ]; then
  VENV="$HOME/Library/Application Support/xl-bdg/venv"
  CONFDIR="$HOME/Library/Containers/com.microsoft.Excel/Data"
  KEY=INTERPRETER_MAC
  ADDIN_DIR="$HOME/Library/Group Containers/UBF8T346G9.Office/User Content.localized/Startup.localized/Excel"
else
  VENV="${{XDG_DATA_HOME:-$HOME/.local/share}}/xl-bdg/venv"
  CONFDIR="$HOME/.{SETTINGS_NAME}"
  KEY=INTERPRETER
  ADDIN_DIR=""
fi
CONF="$CONFDIR/{SETTINGS_NAME}.conf"
echo {m['start']}
if ! "$PY" -c "import sys; sys.exit(0 if sys.version_info[:2] in {tuples} else 1)" 2>/dev/null; then
  echo {m['python_missing']}; exit 2
fi
echo {m['python_found']}
echo {m['venv']}
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV" || {{ echo {m['venv_failed']}; exit 2; }}
fi
echo {m['installing']}
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-index --find-links "$HERE/wheels" \\
  --upgrade "{REQUIREMENT}=={__version__}" || {{ echo {m['install_failed']}; exit 2; }}
mkdir -p "$CONFDIR"
printf '"%s","%s"\\n' "$KEY" "$VENV/bin/python" > "$CONF"
echo {m['config']}
if [ -n "$ADDIN_DIR" ]; then
  echo {m['addin']}
  "$VENV/bin/xl-bdg" addin install --from "$HERE/{ADDIN_NAME}" || {{ echo {m['addin_failed']}; exit 2; }}
  echo {m['done']}
else
  echo {m['no_excel']}
fi
"""


def _add(zf: zipfile.ZipFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


def build_bundle(out_dir: Path, pythons: Sequence[str] = PYTHONS, natives: bool = False,
                 cache: Path | None = None) -> Path:
    """Write `xl-bdg-<version>-cai-dat.zip` into `out_dir` (atomically) and return its path. `cache`, when given,
    is a folder of wheels already downloaded (kept and reused: pip skips a wheel that is already there)."""
    folder = f"xl-bdg-{__version__}"
    target = out_dir / f"{folder}-cai-dat.zip"
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="xlbdg-bundle-") as tmp:
        work = Path(tmp)
        wheels = cache or work / "wheels"
        wheels.mkdir(parents=True, exist_ok=True)
        for old in wheels.glob("xl_bdg-*.whl"):  # the project's own wheel is always this checkout's
            old.unlink()
        own = build_wheel(wheels)
        wheelhouse(wheels, own, pythons, natives)
        addin = build_addin(work)
        with atomic_path(target) as part, zipfile.ZipFile(part, "w") as zf:
            _add(zf, f"{folder}/{ADDIN_NAME}", addin.read_bytes())
            _add(zf, f"{folder}/cai-dat.cmd", install_cmd(pythons).encode("utf-8"))
            _add(zf, f"{folder}/go-cai-dat.cmd", uninstall_cmd().encode("utf-8"))
            _add(zf, f"{folder}/cai-dat.sh", install_sh(pythons).encode("utf-8"), 0o755)
            for wheel in sorted(wheels.glob("*.whl")):
                _add(zf, f"{folder}/wheels/{wheel.name}", wheel.read_bytes())
    return target


def unpack(bundle: Path, dest: Path) -> Path:
    """Unpack a bundle into `dest` keeping the scripts' modes; the bundle's folder."""
    with zipfile.ZipFile(bundle) as zf:
        zf.extractall(dest)
        for info in zf.infolist():
            mode = info.external_attr >> 16 & 0o777
            if mode:
                (dest / info.filename).chmod(mode)
    return dest / bundle.name.removesuffix("-cai-dat.zip")


__all__ = ["NATIVE", "PYTHONS", "WINDOWS", "build_bundle", "build_wheel", "install_cmd", "install_sh",
           "missing_for", "uninstall_cmd", "unpack", "wheel_names", "wheelhouse"]
