"""Run by Debian's python3 (which has LibreOffice's `uno` module), not by the project's venv.

Usage: python3 uno_recalc.py SPEC.json
Opens each workbook in one headless LibreOffice session, recalculates every formula (`calculateAll`, what opening a
file written without cached values does in a spreadsheet program) and reads the cells asked for. SPEC holds:
  {"files": [{"path": "a.xlsx", "cells": [["Hướng dẫn", "B30"], …], "pdf": "a.pdf" (optional)}, …]}
Prints JSON: one entry per file, {"cells": [{"value", "shown", "error", "formula"}, …], "protected": {sheet: bool}}.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]


def _prop(name: str, value: object) -> PropertyValue:
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def _connect(pipe: str) -> object:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(240):
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except Exception:  # LibreOffice is still starting: retry
            time.sleep(0.25)
    raise SystemExit("could not connect to LibreOffice")


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    pipe = f"xlbdg_recalc_{os.getpid()}"
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.Popen(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                                 "--nologo", f"--accept=pipe,name={pipe};urp;"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            ctx = _connect(pipe)
            desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)  # type: ignore[attr-defined]
            out = []
            for entry in spec["files"]:
                doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(entry["path"])), "_blank",
                                                   0, (_prop("Hidden", True),))
                doc.calculateAll()
                cells = []
                for sheet_name, ref in entry["cells"]:
                    cell = doc.Sheets.getByName(sheet_name).getCellRangeByName(ref)
                    cells.append({"value": cell.getValue(), "shown": cell.getString(), "error": cell.getError(),
                                  "formula": cell.getFormula()})
                protected = {doc.Sheets.getByIndex(i).Name: bool(doc.Sheets.getByIndex(i).isProtected())
                             for i in range(doc.Sheets.getCount())}
                if entry.get("pdf"):
                    doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(entry["pdf"])),
                                   (_prop("FilterName", "calc_pdf_Export"),))
                doc.close(True)
                out.append({"cells": cells, "protected": protected})
            print(json.dumps(out, ensure_ascii=False))
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
