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
