"""Marks on a workbook: each bad cell filled (error red, warning amber) and given a note, a findings sheet whose rows
link to the cells, and a hidden record of what every marked cell looked like before, so that clearing removes exactly
what the check added and gives back the user's own fill and notes.

The logic lives in `RecordingMarker`, written against a handful of primitives (read/write a fill, a note, a small
table). Two classes supply them: `OpenpyxlMarker` here (a file copy; `annotate_copy` and `prepare_to_send` use it)
and `XlwingsMarker` in `excel.py` (the live workbook in Excel). Both write the same record sheet, so marks added in
Excel can be cleared from a file copy and the other way round.
"""

from __future__ import annotations

import re
import zipfile
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.styles.fills import Fill
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.xml.functions import fromstring, tostring

from ..catalogue import Message, words
from ..fileio import atomic_path
from ..findings import SEVERITY_ORDER, FileReport, show_value
from ..form.layout import MARK_RECORD_SHEET
from ..form.project import Project
from ..sanitize import clean, clean_text
from ..text import ascii_slug, is_formula_like
from ..workbook import styles as st

RECORD_SHEET = MARK_RECORD_SHEET  # hidden: one row per marked cell, with what the cell held before
RECORD_TAG = "xl-bdg marks/1"
RECORD_HEADER = ["sheet", "cell", "fill_rgb", "fill_exact", "had_note", "note", "mark_rgb", "mark_note"]
MARK_RGB = {"error": st.FILL_ERROR.fgColor.rgb[-6:], "warning": st.FILL_WARNING.fgColor.rgb[-6:]}
NOTE_AUTHOR = "xl-bdg"
NOTE_SEPARATOR = "\n— — —\n"  # between the user's own note and ours, so both stay readable
_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")

_WIDTHS = (6, 11, 22, 38, 70, 18)


@dataclass(frozen=True)
class CellMark:
    """What to write on one cell: the worst severity of its findings and the text of all of them."""

    sheet: str
    cell: str
    severity: str
    text: str


@dataclass
class FindingsTable:
    """The findings sheet as plain rows; `links` maps (row index, column index) to the (sheet, cell) it opens."""

    title: str
    rows: list[list[Any]]
    links: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)
    bold_rows: tuple[int, ...] = ()
    widths: tuple[float, ...] = _WIDTHS
    wrap_from: int | None = None  # rows from this index on wrap their text (the heading lines above overflow)


class Marker(Protocol):
    """What the actions need from a workbook to mark it (see RecordingMarker for the contract)."""

    def begin(self) -> None:
        """Start a session (unprotect what must be)."""

    def mark_cell(self, sheet: str, cell: str, severity: str, text: str) -> bool:
        """Fill and annotate one cell; False when the sheet or cell does not exist."""

    def write_findings_sheet(self, table: FindingsTable) -> str:
        """Add the findings sheet; return its name."""

    def clear(self) -> int | None:
        """Remove the marks of the last check; return how many cells were given back (None: there were none)."""

    def end(self) -> None:
        """Write the record and protect again what was protected."""


def cell_ref(cell: str | None) -> str | None:
    """The upper-case A1 reference of a single cell (`$f$12` → `F12`), or None when `cell` is not one."""
    m = _CELL.match(cell or "")
    return f"{m.group(1).upper()}{int(m.group(2))}" if m and int(m.group(2)) > 0 else None


def _norm(text: str | None) -> str:
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


class RecordingMarker(ABC):
    """The marking logic over a few primitives; subclasses translate the primitives to one library, nothing more."""

    def __init__(self) -> None:
        self._records: list[list[str]] = []
        self._unlocked: dict[str, Any] = {}
        self._book_token: Any = None
        self._findings_name: str | None = None
        self._names: set[str] | None = None  # sheet names, cached while marking (one call each in Excel is slow)

    # --- primitives: one library call or a few each ----------------------------------------------------------
    @abstractmethod
    def sheet_names(self) -> list[str]:
        """Names of all sheets, hidden ones included."""

    @abstractmethod
    def get_fill(self, sheet: str, cell: str) -> tuple[str, str]:
        """(portable colour `RRGGBB` or '' for none, exact form this implementation can restore or '')."""

    @abstractmethod
    def set_fill(self, sheet: str, cell: str, rgb: str, exact: str = "") -> None:
        """Fill with `exact` when this implementation understands it, else the solid colour `rgb` ('' = none)."""

    @abstractmethod
    def get_note(self, sheet: str, cell: str) -> str | None:
        """The cell's note text, or None."""

    @abstractmethod
    def set_note(self, sheet: str, cell: str, text: str | None) -> None:
        """Set the note text (keeping an existing note object), or delete the note when `text` is None."""

    @abstractmethod
    def read_table(self, name: str) -> list[list[Any]]:
        """All rows of a sheet as values."""

    @abstractmethod
    def write_table(self, name: str, table: FindingsTable, *, first: bool, hidden: bool) -> None:
        """Create sheet `name` (first or last) holding `table`, with its links, bold rows and widths."""

    @abstractmethod
    def delete_sheet(self, name: str) -> None:
        """Remove a sheet."""

    @abstractmethod
    def unlock_sheet(self, sheet: str) -> Any:
        """Lift the sheet's protection if on; return what `lock_sheet` needs to put it back (None: was off)."""

    @abstractmethod
    def lock_sheet(self, sheet: str, token: Any) -> None:
        """Put back the protection `unlock_sheet` lifted."""

    @abstractmethod
    def unlock_book(self) -> Any:
        """Lift the workbook's structure protection if on (sheets are added and removed); return a token."""

    @abstractmethod
    def lock_book(self, token: Any) -> None:
        """Put back the structure protection."""

    # --- the contract ------------------------------------------------------------------------------------------
    def begin(self) -> None:
        """Start a session: the structure is unprotected until `end`."""
        self._book_token = self.unlock_book()

    def _touch(self, sheet: str) -> None:
        if sheet not in self._unlocked:
            self._unlocked[sheet] = self.unlock_sheet(sheet)

    def mark_cell(self, sheet: str, cell: str, severity: str, text: str) -> bool:
        """Fill the cell with the severity's colour and add `text` to its note, recording what was there."""
        ref = cell_ref(cell)
        if self._names is None:
            self._names = set(self.sheet_names())
        if ref is None or sheet not in self._names:
            return False
        self._touch(sheet)
        rgb, exact = self.get_fill(sheet, ref)
        note = self.get_note(sheet, ref)
        mark_rgb = MARK_RGB.get(severity, "")
        mark_note = text if note is None else f"{note}{NOTE_SEPARATOR}{text}"
        self._records.append([sheet, ref, rgb, exact, "yes" if note is not None else "no", note or "",
                              mark_rgb, mark_note])
        if mark_rgb:
            self.set_fill(sheet, ref, mark_rgb)
        self.set_note(sheet, ref, mark_note)
        return True

    def write_findings_sheet(self, table: FindingsTable) -> str:
        """Add the findings sheet in front (a free name); return the name used."""
        names = set(self.sheet_names())
        name, n = table.title, 2
        while name in names:
            name, n = f"{table.title[:27]} ({n})", n + 1
        self.write_table(name, table, first=True, hidden=False)
        self._findings_name, self._names = name, None
        return name

    def clear(self) -> int | None:
        """Give back each recorded cell's fill and note, unless the user changed them since; drop our sheets.

        Returns the number of recorded cells, or None when the workbook holds no marks.
        """
        if RECORD_SHEET not in self.sheet_names():
            return None
        rows = [["" if v is None else str(v) for v in row] for row in self.read_table(RECORD_SHEET)]
        head = rows[0] if rows else []
        names = set(self.sheet_names())
        restored = 0
        for row in reversed(rows[2:]):
            row = (row + [""] * len(RECORD_HEADER))[: len(RECORD_HEADER)]
            sheet, ref, rgb, exact, had_note, note, mark_rgb, mark_note = row
            if sheet not in names or cell_ref(ref) is None:
                continue
            self._touch(sheet)
            if mark_rgb and self.get_fill(sheet, ref)[0].upper() == mark_rgb.upper():
                self.set_fill(sheet, ref, rgb, exact)
            if _norm(self.get_note(sheet, ref)) == _norm(mark_note):
                self.set_note(sheet, ref, note if had_note == "yes" else None)
            restored += 1
        findings = head[2] if len(head) > 2 else ""
        if findings and findings in names:
            self.delete_sheet(findings)
        self.delete_sheet(RECORD_SHEET)
        self._names = None
        return restored

    def end(self) -> None:
        """Write the record of this session's marks, then protect again what `begin` and the marks unprotected."""
        try:
            if self._records or self._findings_name:
                head = [RECORD_TAG, "", self._findings_name or ""]
                table = FindingsTable(RECORD_SHEET, [head, list(RECORD_HEADER), *self._records], widths=())
                self.write_table(RECORD_SHEET, table, first=False, hidden=True)
        finally:
            for sheet, token in self._unlocked.items():
                if token is not None and sheet in self.sheet_names():
                    self.lock_sheet(sheet, token)
            self.lock_book(self._book_token)
            self._records, self._unlocked, self._findings_name, self._names = [], {}, None, None


# --- what to write, from a report ------------------------------------------------------------------------------
def plan_marks(report: FileReport, messages: Mapping[str, Message], lang: str = "vi") -> list[CellMark]:
    """One mark per cell that has errors or warnings: the worst severity, and every finding's title and message."""
    by_cell: dict[tuple[str, str], list[tuple[str, str]]] = {}
    messages = dict(messages)
    for f in report.sorted_findings():
        ref = cell_ref(f.cell)
        if not f.sheet or ref is None or f.severity not in MARK_RGB:
            continue
        title, text = f.render(messages, lang)
        by_cell.setdefault((f.sheet, ref), []).append((f.severity, f"[xl-bdg] {title}: {text}"))
    marks = []
    for (sheet, ref), items in by_cell.items():
        worst = min((sev for sev, _ in items), key=lambda s: SEVERITY_ORDER.get(s, 9))
        marks.append(CellMark(sheet, ref, worst, "\n".join(text for _, text in items)))
    return marks


def findings_table(report: FileReport, messages: Mapping[str, Message], lang: str = "vi",
                   linkable: set[tuple[str, str]] | None = None, file_label: str | None = None) -> FindingsTable:
    """The findings sheet: heading, summary, then one row per finding; places in `linkable` become links."""
    w = words(lang)
    t, severity = w.section("marks"), w.section("severity")
    messages = dict(messages)
    counts = {k: report.count(k) for k in ("error", "warning", "info")}
    summary = w("marks.summary", errors=counts["error"], warnings=counts["warning"], infos=counts["info"])
    rows: list[list[Any]] = [[t["heading"]], [f"{t['file']}: {file_label or Path(report.file).name}"],
                             [summary if report.findings else t["clean"]], [t["hint"]], list(t["header"])]
    links: dict[tuple[int, int], tuple[str, str]] = {}
    for n, f in enumerate(report.sorted_findings(), start=1):
        title, text = f.render(messages, lang)
        ref = cell_ref(f.cell)
        if ref is not None and f.sheet and (linkable is None or (f.sheet, ref) in linkable):
            links[(len(rows), 2)] = (f.sheet, ref)
        rows.append([n, severity.get(f.severity, f.severity), f.where or t["file"], title, text,
                     "" if f.value is None else show_value(f.value, lang)])
    return FindingsTable(t["sheet"], rows, links, bold_rows=(0, 4), wrap_from=4)


def apply_marks(marker: Marker, report: FileReport, messages: Mapping[str, Message], lang: str = "vi",
                file_label: str | None = None) -> int:
    """Clear the previous marks, mark each cell with errors or warnings, add the findings sheet; return cells marked."""
    marker.begin()
    try:
        marker.clear()
        marked = {(m.sheet, m.cell) for m in plan_marks(report, messages, lang)
                  if marker.mark_cell(m.sheet, m.cell, m.severity, m.text)}
        marker.write_findings_sheet(findings_table(report, messages, lang, marked, file_label))
    finally:
        marker.end()
    return len(marked)


# --- openpyxl: a file copy ---------------------------------------------------------------------------------------
class OpenpyxlMarker(RecordingMarker):
    """Marks on an openpyxl Workbook (saved by the caller). Fills are recorded exactly (their XML)."""

    def __init__(self, wb: Workbook) -> None:
        super().__init__()
        self.wb = wb

    def sheet_names(self) -> list[str]:
        """Names of all sheets."""
        return list(self.wb.sheetnames)

    def get_fill(self, sheet: str, cell: str) -> tuple[str, str]:
        """The portable colour and the fill's exact XML."""
        fill = self.wb[sheet][cell].fill  # a StyleProxy: no isinstance checks on it
        rgb = ""
        if getattr(fill, "patternType", None) == "solid" and fill.fgColor.type == "rgb":
            rgb = str(fill.fgColor.rgb)[-6:].upper()
        return rgb, tostring(fill.to_tree()).decode("utf-8")

    def set_fill(self, sheet: str, cell: str, rgb: str, exact: str = "") -> None:
        """Restore the exact fill when recorded by openpyxl, else a solid colour or none."""
        target = self.wb[sheet][cell]
        if exact.startswith("<fill"):
            target.fill = Fill.from_tree(fromstring(exact))
        else:
            target.fill = PatternFill("solid", fgColor=rgb) if rgb else PatternFill(fill_type=None)

    def get_note(self, sheet: str, cell: str) -> str | None:
        """The comment's text."""
        comment = self.wb[sheet][cell].comment
        return None if comment is None else comment.text

    def set_note(self, sheet: str, cell: str, text: str | None) -> None:
        """Change the text of the existing comment (its author stays), add one, or remove it."""
        target = self.wb[sheet][cell]
        text = None if text is None else clean_text(text)  # a finding may quote a cell's control character
        if text is None:
            target.comment = None
        elif target.comment is not None:
            target.comment.text = text
        else:
            target.comment = Comment(text, NOTE_AUTHOR, width=360, height=160)

    def read_table(self, name: str) -> list[list[Any]]:
        """All rows as values."""
        return [list(row) for row in self.wb[name].iter_rows(values_only=True)]

    def write_table(self, name: str, table: FindingsTable, *, first: bool, hidden: bool) -> None:
        """A new sheet with the rows; user text that looks like a formula stays text."""
        ws = self.wb.create_sheet(name, 0 if first else None)
        for r, row in enumerate(table.rows, start=1):
            for c, value in enumerate(row, start=1):
                cell = ws.cell(row=r, column=c, value=clean(value))
                if isinstance(value, str) and is_formula_like(value):
                    cell.data_type = "s"
                cell.font = st.FONT_BOLD if r - 1 in table.bold_rows else st.FONT
                if table.wrap_from is not None and r - 1 >= table.wrap_from:
                    cell.alignment = st.WRAP
        for (r, c), (sheet, ref) in table.links.items():
            cell = ws.cell(row=r + 1, column=c + 1)
            cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{sheet}'!{ref}", display=str(cell.value))
            cell.font = Font(name=st.FONT_NAME, size=11, color="0563C1", underline="single")
        for c, width in enumerate(table.widths, start=1):
            ws.column_dimensions[ws.cell(row=1, column=c).column_letter].width = width
        if table.wrap_from is not None:
            # openpyxl cannot measure text and LibreOffice keeps the stored height: estimate the wrapped lines.
            for r in range(table.wrap_from, len(table.rows)):
                ws.row_dimensions[r + 1].height = 15 * _lines(table.rows[r], table.widths)
        if hidden:
            ws.sheet_state = "hidden"
        else:
            # A4 (openpyxl's default is none, which Excel and LibreOffice take as US Letter), heading row repeated.
            ws.page_setup.paperSize = ws.PAPERSIZE_A4
            ws.page_setup.orientation = "landscape"
            ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
            if table.wrap_from:
                ws.print_title_rows = f"{table.wrap_from + 1}:{table.wrap_from + 1}"
            ws.sheet_properties.pageSetUpPr.fitToPage = True
            for other in self.wb.worksheets:
                other.sheet_view.tabSelected = False
            self.wb.active = ws
            ws.sheet_view.tabSelected = True

    def delete_sheet(self, name: str) -> None:
        """Remove the sheet; keep a visible sheet active."""
        del self.wb[name]
        visible = [ws for ws in self.wb.worksheets if ws.sheet_state == "visible"]
        if visible and self.wb.active not in visible:
            for ws in self.wb.worksheets:
                ws.sheet_view.tabSelected = False
            self.wb.active = visible[0]
            visible[0].sheet_view.tabSelected = True

    # openpyxl writes through protection, so there is nothing to lift.
    def unlock_sheet(self, sheet: str) -> Any:
        """Nothing to do."""
        return None

    def lock_sheet(self, sheet: str, token: Any) -> None:
        """Nothing to do."""

    def unlock_book(self) -> Any:
        """Nothing to do."""
        return None

    def lock_book(self, token: Any) -> None:
        """Nothing to do."""


def _lines(row: Sequence[Any], widths: Sequence[float]) -> int:
    """How many lines the tallest cell of `row` wraps to, at about one character per unit of column width."""
    most = 1
    for value, width in zip(row, widths, strict=False):
        per_line = max(1, int(width * 1.1))
        most = max(most, sum(-(-len(part) // per_line) or 1 for part in str(value or "").split("\n")))
    return most


# --- files -----------------------------------------------------------------------------------------------------
def annotated_name(source: Path) -> str:
    """The ASCII-safe name of the annotated copy of `source`: `<stem>_kiem-tra.xlsx`."""
    return f"{ascii_slug(source.stem)}_kiem-tra.xlsx"


def annotate_copy(source: Path, file_report: FileReport, dest_dir: Path, project: Project,
                  lang: str = "vi", name: str | None = None) -> Path:
    """Write a marked copy of `source` into `dest_dir` (the source is never touched) and return its path; `name`
    (from `copies.copy_names`, so that copies of a batch never overwrite each other) defaults to `annotated_name`.

    A file the reader refused (`file_report.readable` False) or that openpyxl cannot open gets a workbook holding
    the findings sheet alone: a refused file is never parsed again, since openpyxl has none of the reader's guards.
    """
    target = dest_dir / (name or annotated_name(source))
    messages = project.form.messages
    try:
        if not file_report.readable:
            raise ValueError("refused by the reader")
        wb = load_workbook(source)
    except Exception:  # an unreadable file is already a finding in the report: list the findings alone
        wb = Workbook()
        placeholder = wb.active
        marker = OpenpyxlMarker(wb)
        marker.write_findings_sheet(findings_table(file_report, messages, lang, set(), source.name))
        wb.remove(placeholder)
    else:
        apply_marks(OpenpyxlMarker(wb), file_report, messages, lang, source.name)
    with atomic_path(target) as tmp:
        wb.save(tmp)
    return target


def has_marks(path: Path) -> bool:
    """Whether the workbook holds a mark record (read from the zip, without loading the workbook)."""
    try:
        with zipfile.ZipFile(path) as zf:
            xml = zf.read("xl/workbook.xml").decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False
    return f'name="{RECORD_SHEET}"' in xml


def remove_marks(source: Path, dest: Path) -> int:
    """Write `source` to `dest` without marks; a file without marks is copied byte for byte. Return cells cleared."""
    if not has_marks(source):
        with atomic_path(dest) as tmp:
            tmp.write_bytes(source.read_bytes())
        return 0
    wb = load_workbook(source)
    marker = OpenpyxlMarker(wb)
    marker.begin()
    try:
        cleared = marker.clear() or 0
    finally:
        marker.end()
    with atomic_path(dest) as tmp:
        wb.save(tmp)
    return cleared


__all__ = ["MARK_RGB", "RECORD_SHEET", "CellMark", "FindingsTable", "Marker", "OpenpyxlMarker",
           "RecordingMarker", "annotate_copy", "annotated_name", "apply_marks", "cell_ref", "findings_table",
           "has_marks", "plan_marks", "remove_marks"]
