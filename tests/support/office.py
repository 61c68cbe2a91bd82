"""LibreOffice headless as a real office program: convert or re-save files the way users' programs do.

Each call uses its own user profile, so parallel runs (tests, a helper process) do not fight over one profile lock.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path


class OfficeError(RuntimeError):
    """LibreOffice is missing or failed to convert a file."""


def soffice_path() -> str | None:
    """The soffice executable, or None when LibreOffice is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(source: Path, target_format: str, out_dir: Path, timeout: float = 180) -> Path:
    """Convert `source` with LibreOffice headless (`pdf`, `xlsx`, `xls`, `docx`, …) into `out_dir`; return the file.

    `target_format` may carry a filter: `xlsx:Calc MS Excel 2007 XML` (no shell, so no quotes).
    """
    exe = soffice_path()
    if exe is None:
        raise OfficeError("LibreOffice (soffice) is not installed: apt-get install libreoffice-calc libreoffice-writer")
    out_dir.mkdir(parents=True, exist_ok=True)
    ext = target_format.split(":", 1)[0]
    with tempfile.TemporaryDirectory(prefix="xlbdg-lo-") as profile:
        cmd = [exe, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore", "--nologo",
               "--convert-to", target_format, "--outdir", str(out_dir), str(source)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise OfficeError(f"LibreOffice timed out converting {source.name}") from exc
    result = out_dir / f"{source.stem}.{ext}"
    if proc.returncode != 0 or not result.exists():
        said = proc.stderr.strip() or proc.stdout.strip()
        raise OfficeError(f"LibreOffice could not convert {source.name} to {ext}: {said}")
    return result


def resave_xlsx(source: Path, out_dir: Path) -> Path:
    """Open `source` in LibreOffice Calc and save it again as .xlsx (what a LibreOffice user sends back)."""
    return convert(source, "xlsx:Calc MS Excel 2007 XML", out_dir)


#: LibreOffice's export filters for the formats a clerk may save in.
FILTERS = {"xlsx": "Calc MS Excel 2007 XML", "xls": "MS Excel 97", "ods": "calc8",
           "fods": "OpenDocument Spreadsheet Flat XML", "xml": "MS Excel 2003 XML"}


def system_python_with_uno() -> str | None:
    """Debian's python3 when it can import LibreOffice's `uno` module (python3-uno), else None."""
    import subprocess as sp

    exe = shutil.which("python3", path="/usr/bin:/bin") or shutil.which("python3")
    if exe is None or soffice_path() is None:
        return None
    ok = sp.run([exe, "-c", "import uno"], capture_output=True, check=False).returncode == 0
    return exe if ok else None


def type_into(source: Path | None, edits: list[dict[str, str]], out_dir: Path, stem: str = "typed",
              formats: tuple[str, ...] = ("xlsx", "xls", "ods"), locale: str = "vi-VN",
              timeout: float = 240, password: str | None = None) -> tuple[dict[str, Path], list[dict[str, object]]]:
    """Open `source` (None: a new spreadsheet) in LibreOffice, type each edit's text into its cell through Calc's
    input line as a person does ({"sheet", "cell", "text"}; "paste": true first gives the cell no validation and
    the General number format, as pasting a cell from another workbook does), save as each of `formats` (with an
    open password when `password` is given); return
    ({format: path}, what each cell held afterwards)."""
    import json

    exe = system_python_with_uno()
    if exe is None:
        raise OfficeError("LibreOffice with python3-uno is needed: apt-get install libreoffice-calc python3-uno")
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {fmt: out_dir / f"{stem}.{fmt}" for fmt in formats}
    spec = {"source": str(source) if source else None, "locale": locale, "edits": edits,
            "save": [{"path": str(p), "filter": FILTERS[fmt], "password": password} for fmt, p in paths.items()]}
    spec_path = out_dir / f"{stem}.spec.json"
    spec_path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    script = Path(__file__).parent / "uno_type.py"
    try:
        done = subprocess.run([exe, str(script), str(spec_path)], capture_output=True, text=True, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired as exc:
        raise OfficeError(f"LibreOffice timed out typing into {source}") from exc
    if done.returncode != 0 or not all(p.exists() for p in paths.values()):
        raise OfficeError(f"LibreOffice could not type into {source}: {done.stderr.strip()[-2000:]}")
    return paths, json.loads(done.stdout.strip().splitlines()[-1])


def recalculate(files: list[dict[str, object]], out_dir: Path, timeout: float = 300) -> list[dict[str, object]]:
    """Open each workbook in one LibreOffice session, recalculate it and read cells ({"path", "cells": [[sheet,
    A1], …], "pdf": optional path to print the recalculated workbook to}); return what each file's cells show."""
    import json

    exe = system_python_with_uno()
    if exe is None:
        raise OfficeError("LibreOffice with python3-uno is needed: apt-get install libreoffice-calc python3-uno")
    out_dir.mkdir(parents=True, exist_ok=True)
    spec_path = out_dir / "recalc.spec.json"
    spec_path.write_text(json.dumps({"files": files}, ensure_ascii=False, default=str), encoding="utf-8")
    script = Path(__file__).parent / "uno_recalc.py"
    try:
        done = subprocess.run([exe, str(script), str(spec_path)], capture_output=True, text=True, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired as exc:
        raise OfficeError("LibreOffice timed out recalculating") from exc
    if done.returncode != 0:
        raise OfficeError(f"LibreOffice could not recalculate: {done.stderr.strip()[-2000:]}")
    return list(json.loads(done.stdout.strip().splitlines()[-1]))
