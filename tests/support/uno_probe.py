"""Run by Debian's python3 (which has LibreOffice's `uno` module), not by the project's venv.

Usage: python3 uno_probe.py FILE.xlsx SHEET CELL [CELL ...]
Opens FILE in a headless LibreOffice, and prints JSON: for the sheet, whether it is protected and whether
LibreOffice's detective finds invalid data (`showInvalid`); for each cell, its lock flag and validation settings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]


def _prop(name: str, value: object) -> PropertyValue:
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def main() -> None:
    path, sheet_name, cells = sys.argv[1], sys.argv[2], sys.argv[3:]
    pipe = f"xlbdg_probe_{os.getpid()}"
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.Popen(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                                 "--nologo", f"--accept=pipe,name={pipe};urp;"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            local = uno.getComponentContext()
            resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
            ctx = None
            for _ in range(120):
                try:
                    ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                    break
                except Exception:  # LibreOffice is still starting: retry
                    time.sleep(0.5)
            if ctx is None:
                raise SystemExit("could not connect to LibreOffice")
            desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
            doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(path)), "_blank", 0,
                                               (_prop("Hidden", True),))
            sheet = doc.Sheets.getByName(sheet_name)
            out = {"sheet_protected": bool(sheet.isProtected()), "invalid_found": bool(sheet.showInvalid()),
                   "cells": {}}
            for ref in cells:
                cell = sheet.getCellRangeByName(ref)
                v = cell.Validation
                out["cells"][ref] = {
                    "locked": bool(cell.CellProtection.IsLocked),
                    "validation_type": v.Type.value, "show_error": bool(v.ShowErrorMessage),
                    "alert_style": v.ErrorAlertStyle.value, "formula1": v.getFormula1(),
                }
            doc.close(True)
            print(json.dumps(out, ensure_ascii=False))
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
