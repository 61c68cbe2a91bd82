"""Run by Debian's python3 (which has LibreOffice's `uno` module), not by the project's venv.

Usage: python3 uno_type.py SPEC.json
Types into cells the way a clerk does, then saves the workbook in the formats asked for. SPEC holds:
  {"source": "filled.xlsx" | null (a new spreadsheet), "locale": "vi-VN",
   "edits": [{"sheet": "Chỉ tiêu", "cell": "E12", "text": "45%"}, …],
   "save": [{"path": "out.xlsx", "filter": "Calc MS Excel 2007 XML", "password": optional}, …]}
Each text goes through Calc's input line (the `.uno:EnterString` command on the selected cell), so LibreOffice
recognises what it recognises when a person types: "45%" becomes 0.45 formatted as a percentage, "=1/0" a formula
that ends in #DIV/0!, "15/11/2026" a date in a day-first locale. The profile's locale decides that recognition
(decimal comma and day-first dates in vi-VN). Prints JSON: for each edit, what the cell holds afterwards.
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

_ITEM = '<item oor:path="{path}"><prop oor:name="{name}" oor:op="fuse"><value>{value}</value></prop></item>'
_XCU = ('<?xml version="1.0" encoding="UTF-8"?>\n<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
        'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        '{items}\n</oor:items>\n')


def _profile_settings(locale: str) -> str:
    """The user profile's settings: the locale that decides how typed text is recognised; no autocompletion."""
    items = [("/org.openoffice.Setup/L10N", "ooSetupSystemLocale", locale),
             ("/org.openoffice.Setup/L10N", "ooLocale", "en-US"),
             ("/org.openoffice.Office.Linguistic/General", "DefaultLocale", locale),
             ("/org.openoffice.Office.Calc/Input", "AutoInput", "false")]
    return _XCU.format(items="\n".join(_ITEM.format(path=p, name=n, value=v) for p, n, v in items))


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
    pipe = f"xlbdg_type_{os.getpid()}"
    with tempfile.TemporaryDirectory() as profile:
        user = Path(profile) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(_profile_settings(spec.get("locale", "vi-VN")),
                                                        encoding="utf-8")
        proc = subprocess.Popen(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                                 "--nologo", f"--accept=pipe,name={pipe};urp;"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            ctx = _connect(pipe)
            smgr = ctx.ServiceManager  # type: ignore[attr-defined]
            desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
            dispatch = smgr.createInstanceWithContext("com.sun.star.frame.DispatchHelper", ctx)
            url = (uno.systemPathToFileUrl(os.path.abspath(spec["source"])) if spec.get("source")
                   else "private:factory/scalc")
            doc = desktop.loadComponentFromURL(url, "_blank", 0, (_prop("Hidden", True),))
            controller = doc.getCurrentController()
            frame = controller.getFrame()
            out = []
            for edit in spec["edits"]:
                sheets = doc.Sheets
                sheet = sheets.getByName(edit["sheet"]) if edit.get("sheet") else sheets.getByIndex(0)
                controller.setActiveSheet(sheet)
                cell = sheet.getCellRangeByName(edit["cell"])
                if edit.get("paste"):
                    # Pasting a cell brings its own (empty) validation along: the form's rule no longer applies.
                    rule = cell.Validation
                    rule.Type = uno.Enum("com.sun.star.sheet.ValidationType", "ANY")
                    rule.ShowErrorMessage = False
                    cell.Validation = rule
                    cell.NumberFormat = 0  # and the source cell's format, General, comes along too
                controller.select(cell)
                dispatch.executeDispatch(frame, ".uno:EnterString", "", 0, (_prop("StringName", edit["text"]),))
                out.append({"cell": edit["cell"], "formula": cell.getFormula(), "value": cell.getValue(),
                            "shown": cell.getString(), "error": cell.getError()})
            for target in spec["save"]:
                props = [_prop("FilterName", target["filter"])]
                if target.get("password"):
                    props.append(_prop("Password", target["password"]))
                doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(target["path"])), tuple(props))
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
