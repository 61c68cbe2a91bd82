"""The Excel layer: the entry points the add-in's buttons call through xlwings' RunPython, and `XlwingsMarker`, the
marking primitives translated to xlwings calls on the live workbook. No logic lives here: the actions are in
`excel_actions.py`, the marking rules in `marks.py`.

xlwings is an optional extra (`pip install "xl-bdg[excel]"`), imported only when a button runs.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from ..catalogue import LANGS, env_lang, words
from ..form.definition import FormError
from ..form.project import Project, load_project
from ..validation.marks import FindingsTable, RecordingMarker
from . import actions

MISSING = "\n".join(words(lang)("excel.missing_xlwings") for lang in LANGS)


def _xlwings() -> Any:
    try:
        import xlwings
    except ImportError as exc:
        raise ImportError(MISSING) from exc
    return xlwings


def _hex(color: Any) -> str:
    return "" if color is None else "{:02X}{:02X}{:02X}".format(*color)


def _text(value: Any) -> Any:
    # A leading apostrophe makes Excel keep a string as typed: never a formula, number or date.
    return "'" + value if isinstance(value, str) and value else value


class XlwingsMarker(RecordingMarker):
    """Marks on a workbook open in Excel (an `xlwings.Book`). Protection uses the COM API (Excel for Windows)."""

    def __init__(self, book: Any) -> None:
        super().__init__()
        self.book = book

    def sheet_names(self) -> list[str]:
        """Names of all sheets."""
        return [s.name for s in self.book.sheets]

    def get_fill(self, sheet: str, cell: str) -> tuple[str, str]:
        """The interior colour as RRGGBB."""
        return _hex(self.book.sheets[sheet].range(cell).color), ""

    def set_fill(self, sheet: str, cell: str, rgb: str, exact: str = "") -> None:
        """Set the interior colour, or none."""
        self.book.sheets[sheet].range(cell).color = f"#{rgb}" if rgb else None

    def get_note(self, sheet: str, cell: str) -> str | None:
        """The note's text."""
        note = self.book.sheets[sheet].range(cell).note
        return None if note is None else note.text

    def set_note(self, sheet: str, cell: str, text: str | None) -> None:
        """Change, add or delete the note."""
        rng = self.book.sheets[sheet].range(cell)
        if rng.note is not None:
            if text is None:
                rng.note.delete()
            else:
                rng.note.text = text
        elif text is not None:
            rng.add_note(text)

    def read_table(self, name: str) -> list[list[Any]]:
        """The used range as rows."""
        return self.book.sheets[name].used_range.options(ndim=2).value

    def write_table(self, name: str, table: FindingsTable, *, first: bool, hidden: bool) -> None:
        """A new sheet with the rows, links, bold rows and widths."""
        sheets = self.book.sheets
        sht = sheets.add(name, before=sheets[0]) if first else sheets.add(name, after=sheets[len(sheets) - 1])
        width = max(len(r) for r in table.rows)
        sht.range("A1").value = [[_text(v) for v in row] + [None] * (width - len(row)) for row in table.rows]
        for (r, c), (sheet, ref) in table.links.items():
            sht.range((r + 1, c + 1)).add_hyperlink(f"#'{sheet}'!{ref}", str(table.rows[r][c]), f"{sheet}!{ref}")
        for r in table.bold_rows:
            sht.range((r + 1, 1), (r + 1, width)).font.bold = True
        for c, w in enumerate(table.widths, start=1):
            sht.range((1, c)).column_width = w
        if table.wrap_from is not None:
            sht.range((table.wrap_from + 1, 1), (len(table.rows), width)).wrap_text = True
        if hidden:
            sht.visible = False
        else:
            sht.activate()

    def delete_sheet(self, name: str) -> None:
        """Delete the sheet."""
        self.book.sheets[name].delete()

    def unlock_sheet(self, sheet: str) -> Any:
        """Unprotect (no password) and return the options to protect again, or None when not protected."""
        api = self.book.sheets[sheet].api
        if not api.ProtectContents:
            return None
        p = api.Protection
        token = {"AllowFormattingColumns": p.AllowFormattingColumns, "AllowFormattingRows": p.AllowFormattingRows,
                 "AllowFormattingCells": p.AllowFormattingCells}
        api.Unprotect()
        return token

    def lock_sheet(self, sheet: str, token: Any) -> None:
        """Protect again with the same options."""
        self.book.sheets[sheet].api.Protect(DrawingObjects=True, Contents=True, Scenarios=True, **token)

    def unlock_book(self) -> Any:
        """Unprotect the workbook structure when protected."""
        if not self.book.api.ProtectStructure:
            return None
        self.book.api.Unprotect()
        return True

    def lock_book(self, token: Any) -> None:
        """Protect the structure again."""
        if token:
            self.book.api.Protect(Structure=True)


def _snapshot(book: Any, folder: Path) -> Path:
    """A copy of the live workbook, unsaved edits included, for the rule engine to read."""
    name = book.name if Path(book.name).suffix else f"{book.name}.xlsx"
    target = folder / name
    try:
        book.api.SaveCopyAs(str(target))  # Windows: the live state without changing the open file's name
    except AttributeError:  # macOS' scripting has no SaveCopyAs: save the workbook, then copy it
        book.save()
        shutil.copyfile(book.fullname, target)
    return target


def _lang() -> str:
    return env_lang()


def _show(book: Any, outcome: actions.Outcome) -> None:
    book.app.alert(outcome.message, title=outcome.title, mode="critical" if outcome.critical else "info")


def _run(action: Any) -> None:
    """Run a button's action on the calling workbook; configuration problems become a message box."""
    book = _xlwings().Book.caller()
    try:
        outcome = action(book, load_project())
    except FormError as exc:
        outcome = actions.Outcome("xl-bdg", words(_lang())("excel.broken_form", error=exc), True)
    _show(book, outcome)


def _check(book: Any, project: Project) -> actions.Outcome:
    marker = XlwingsMarker(book)
    actions.clear(marker)  # the previous marks must not reach the rule engine
    with tempfile.TemporaryDirectory(prefix="xlbdg-") as tmp:
        report = actions.check(_snapshot(book, Path(tmp)), marker, project, _lang(), shown=Path(book.fullname))
    return actions.check_outcome(report, _lang())


def _clear(book: Any, project: Project) -> actions.Outcome:
    return actions.clear_outcome(actions.clear(XlwingsMarker(book)), _lang())


def _send(book: Any, project: Project) -> actions.Outcome:
    with tempfile.TemporaryDirectory(prefix="xlbdg-") as tmp:
        report, target = actions.prepare_to_send(_snapshot(book, Path(tmp)), project, shown=Path(book.fullname))
    return actions.send_outcome(report, target, _lang())


def kiem_tra() -> None:
    """Button "Kiểm tra": validate the active workbook, mark the bad cells, add the findings sheet."""
    _run(_check)


def xoa_danh_dau() -> None:
    """Button "Xóa đánh dấu": remove exactly the marks of the last check."""
    _run(_clear)


def chuan_bi_gui() -> None:
    """Button "Chuẩn bị gửi": validate, and with no errors save the clean copy `<period>_<UNIT>.xlsx` beside it."""
    _run(_send)


__all__ = ["MISSING", "XlwingsMarker", "chuan_bi_gui", "kiem_tra", "xoa_danh_dau"]
