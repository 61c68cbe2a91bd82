"""The three buttons without Excel: check, clear, prepare to send on real workbooks through openpyxl; and the
xlwings layer against a recording stand-in of the small xlwings surface it uses, compared with openpyxl."""

from __future__ import annotations

import shutil
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.xml.functions import tostring

from xl_bdg.catalogue import words
from xl_bdg.excel import buttons as excel
from xl_bdg.excel.actions import (
    SEND_DIR,
    check,
    check_outcome,
    clear,
    clear_outcome,
    prepare_to_send,
    send_outcome,
)
from xl_bdg.findings import FileReport, Finding
from xl_bdg.form.layout import layout_for
from xl_bdg.validation.marks import MARK_RGB, RECORD_SHEET, OpenpyxlMarker, apply_marks, has_marks
from xl_bdg.validation.validate import validate_file
from xl_bdg.workbook.template import workbook_name


def _break_totals(project):
    """An edit that makes female exceed total on the first T/M/F indicator the unit reports (form-derived)."""

    def edit(data: dict[str, Any]) -> None:
        for key in list(data["indicators"]):
            code, _, field = key.partition(".")
            if field == "F" and f"{code}.T" in data["indicators"]:
                data["indicators"][key] = data["indicators"][f"{code}.T"] + 7
                return
        raise AssertionError("no T/M/F indicator in the synthetic data")

    return edit


def _triples(report: FileReport) -> list[tuple[str, str | None, str | None]]:
    return [(f.code, f.sheet, f.cell) for f in report.sorted_findings()]


def _state(wb) -> dict:
    return {(ws.title, c.coordinate): (tostring(c.fill.to_tree()).decode(), c.comment.text if c.comment else None)
            for ws in wb.worksheets for row in ws.iter_rows() for c in row}


# --- the actions through openpyxl --------------------------------------------------------------------------------
def test_check_marks_what_validate_finds(project, make_workbook, tmp_path):
    path = make_workbook(edit=_break_totals(project))
    wb = load_workbook(path)
    report = check(path, OpenpyxlMarker(wb), project)
    _, direct = validate_file(path, project)
    assert _triples(report) == _triples(direct), "one rule engine: the buttons and xl-bdg validate agree"
    assert report.count("error") >= 1
    for f in report.findings:
        if f.severity in MARK_RGB and f.cell:
            assert wb[f.sheet][f.cell].fill.fgColor.rgb[-6:] in MARK_RGB.values()
            assert "[xl-bdg]" in wb[f.sheet][f.cell].comment.text
    assert words("vi")("marks.sheet") in wb.sheetnames and RECORD_SHEET in wb.sheetnames
    outcome = check_outcome(report)
    assert outcome.critical and str(report.count("error")) in outcome.message


def test_clear_removes_the_checks_marks_and_nothing_else(project, make_workbook, tmp_path):
    path = make_workbook(edit=_break_totals(project))
    original = _state(load_workbook(path))
    wb = load_workbook(path)
    check(path, OpenpyxlMarker(wb), project)
    wb.save(tmp_path / "marked.xlsx")
    wb = load_workbook(tmp_path / "marked.xlsx")
    cells = clear(OpenpyxlMarker(wb))
    assert cells and cells >= 1
    assert _state(wb) == original
    assert clear(OpenpyxlMarker(wb)) is None
    assert clear_outcome(None).message == clear_outcome(None, "vi").message != clear_outcome(cells).message


def test_prepare_to_send_writes_the_conventional_name_when_clean(project, make_workbook, tmp_path):
    path = make_workbook(name="bao cao cua xa.xlsx")
    report, target = prepare_to_send(path, project)
    assert report.ok and target is not None
    assert target == path.parent / workbook_name("2026-FY", "XA-EAKAO")
    assert target.read_bytes() == path.read_bytes(), "a file without marks is sent as it is"
    assert "2026-FY_XA-EAKAO.xlsx" in send_outcome(report, target).message


def test_prepare_to_send_writes_nothing_when_there_are_errors(project, make_workbook, tmp_path):
    folder = tmp_path / "in"
    path = make_workbook(edit=_break_totals(project), name="bao-cao.xlsx", out_dir=folder)
    before = sorted(p.name for p in folder.iterdir())
    report, target = prepare_to_send(path, project)
    assert target is None and not report.ok
    assert sorted(p.name for p in folder.iterdir()) == before
    assert send_outcome(report, None).critical


def test_prepare_to_send_strips_marks_from_the_copy(project, make_workbook, tmp_path):
    path = make_workbook(name="bao-cao.xlsx")
    lay = layout_for(project.form)
    key = next(iter(lay.indicator_rows))
    warning = next(c for c, m in project.form.messages.items() if m.severity == "warning")
    report = FileReport(file=str(path), findings=[Finding(warning, "warning", path.name, lay.sheet["indicators"],
                                                          lay.indicator_cell(key), 1)])
    wb = load_workbook(path)
    apply_marks(OpenpyxlMarker(wb), report, project.form.messages)
    marked = tmp_path / "marked" / "bao-cao.xlsx"
    marked.parent.mkdir()
    wb.save(marked)
    result, target = prepare_to_send(marked, project, out_dir=tmp_path / "out")
    assert result.ok and target is not None and target.parent == tmp_path / "out"
    assert has_marks(marked) and not has_marks(target)
    assert _state(load_workbook(target)) == _state(load_workbook(path))


def test_prepare_to_send_never_overwrites_the_workbook(project, make_workbook):
    path = make_workbook()  # named 2026-FY_XA-EAKAO.xlsx already, like the template it was filled from
    before = path.read_bytes()
    _, target = prepare_to_send(path, project)
    assert target == path.parent / SEND_DIR / path.name
    assert path.read_bytes() == before and target.read_bytes() == before


# --- a recording stand-in for the xlwings surface XlwingsMarker uses ---------------------------------------------
def _a1(ref: Any) -> str:
    return ref if isinstance(ref, str) else f"{get_column_letter(ref[1])}{ref[0]}"


class FakeNote:
    def __init__(self, sheet: FakeSheet, ref: str) -> None:
        self.sheet, self.ref = sheet, ref

    @property
    def text(self) -> str:
        return self.sheet.notes[self.ref]

    @text.setter
    def text(self, value: str) -> None:
        self.sheet.guard("note", self.ref, value)
        self.sheet.notes[self.ref] = value

    def delete(self) -> None:
        self.sheet.guard("delete_note", self.ref, None)
        del self.sheet.notes[self.ref]


class FakeRange:
    def __init__(self, sheet: FakeSheet, first: Any, last: Any = None) -> None:
        self.sheet, self.ref = sheet, _a1(first)
        self.first, self.last = first, last
        self.font = types.SimpleNamespace(bold=False)

    @property
    def color(self):
        return self.sheet.colors.get(self.ref)

    @color.setter
    def color(self, value):
        self.sheet.guard("color", self.ref, value)
        if isinstance(value, str):
            value = tuple(int(value[i:i + 2], 16) for i in (1, 3, 5))
        if value is None:
            self.sheet.colors.pop(self.ref, None)
        else:
            self.sheet.colors[self.ref] = value

    @property
    def note(self):
        return FakeNote(self.sheet, self.ref) if self.ref in self.sheet.notes else None

    def add_note(self, text: str) -> FakeNote:
        assert self.ref not in self.sheet.notes, "xlwings refuses a second note"
        self.sheet.guard("add_note", self.ref, text)
        self.sheet.notes[self.ref] = text
        return FakeNote(self.sheet, self.ref)

    @property
    def value(self):
        return self.sheet.table

    @value.setter
    def value(self, rows):
        # Excel drops the leading apostrophe that marks text.
        self.sheet.table = [[v[1:] if isinstance(v, str) and v.startswith("'") else v for v in row] for row in rows]

    def options(self, ndim: int) -> FakeRange:
        return self

    def add_hyperlink(self, address: str, text: str, tip: str) -> None:
        self.sheet.links[self.ref] = address

    column_width = wrap_text = None


class FakeSheetApi:
    def __init__(self, protected: bool) -> None:
        self.ProtectContents = protected
        self.Protection = types.SimpleNamespace(AllowFormattingColumns=True, AllowFormattingRows=True,
                                                AllowFormattingCells=False)
        self.calls: list[tuple] = []

    def Unprotect(self) -> None:
        self.calls.append(("Unprotect",))
        self.ProtectContents = False

    def Protect(self, **kw) -> None:
        self.calls.append(("Protect", kw))
        self.ProtectContents = True


class FakeSheet:
    def __init__(self, book: FakeBook, name: str, protected: bool = False) -> None:
        self.book, self.name, self.api = book, name, FakeSheetApi(protected)
        self.colors: dict[str, tuple] = {}
        self.notes: dict[str, str] = {}
        self.links: dict[str, str] = {}
        self.table: list[list[Any]] = []
        self.visible = True

    def guard(self, op: str, ref: str, value: Any) -> None:
        """Excel refuses to format a protected sheet: so must the stand-in."""
        if self.api.ProtectContents:
            raise RuntimeError(f"{self.name} is protected ({op} {ref})")
        self.book.log.append((op, self.name, ref, value))

    def range(self, first: Any, last: Any = None) -> FakeRange:
        return FakeRange(self, first, last)

    @property
    def used_range(self) -> FakeRange:
        return FakeRange(self, "A1")

    def activate(self) -> None:
        self.book.active = self.name

    def delete(self) -> None:
        self.book.sheets.remove(self)


class FakeSheets(list):
    def __init__(self, book: FakeBook) -> None:
        super().__init__()
        self.book = book

    def __getitem__(self, key):
        if isinstance(key, str):
            return next(s for s in self if s.name == key)
        return list.__getitem__(self, key)

    def add(self, name: str, before: FakeSheet | None = None, after: FakeSheet | None = None) -> FakeSheet:
        if self.book.api.ProtectStructure:
            raise RuntimeError("workbook structure is protected")
        sheet = FakeSheet(self.book, name)
        self.insert(self.index(before) if before is not None else self.index(after) + 1, sheet)
        return sheet

    def remove(self, sheet: FakeSheet) -> None:
        if self.book.api.ProtectStructure:
            raise RuntimeError("workbook structure is protected")
        list.remove(self, sheet)


class FakeBookApi:
    def __init__(self, book: FakeBook, source: Path | None) -> None:
        self.book, self.source, self.ProtectStructure = book, source, True

    def Unprotect(self) -> None:
        self.ProtectStructure = False

    def Protect(self, Structure: bool) -> None:
        self.ProtectStructure = Structure

    def SaveCopyAs(self, path: str) -> None:
        shutil.copyfile(self.source, path)


class FakeBook:
    """A workbook open in 'Excel', seeded from a real file: sheet names, protection, fills, notes."""

    def __init__(self, path: Path) -> None:
        self.log: list[tuple] = []
        self.name, self.fullname = path.name, str(path)
        self.api = FakeBookApi(self, path)
        self.sheets = FakeSheets(self)
        self.alerts: list[tuple] = []
        self.app = types.SimpleNamespace(alert=lambda prompt, title, mode: self.alerts.append((prompt, title, mode)))
        self.active = None
        wb = load_workbook(path)
        seed = OpenpyxlMarker(wb)
        for ws in wb.worksheets:
            sheet = FakeSheet(self, ws.title, bool(ws.protection.sheet))
            for row in ws.iter_rows():
                for cell in row:
                    rgb = seed.get_fill(ws.title, cell.coordinate)[0]
                    if rgb:
                        sheet.colors[cell.coordinate] = tuple(int(rgb[i:i + 2], 16) for i in (0, 2, 4))
                    if cell.comment:
                        sheet.notes[cell.coordinate] = cell.comment.text
            list.append(self.sheets, sheet)
        self.api.ProtectStructure = bool(wb.security and wb.security.lockStructure)

    def snapshot(self) -> dict:
        return {s.name: (dict(s.colors), dict(s.notes), s.api.ProtectContents, s.visible) for s in self.sheets}


def _hex(color) -> str:
    return "{:02X}{:02X}{:02X}".format(*color)


def test_xlwings_marker_sends_the_same_marks_as_openpyxl(project, make_workbook, tmp_path):
    path = make_workbook(edit=_break_totals(project))
    _, report = validate_file(path, project)
    wb = load_workbook(path)
    # The user took the fill off one bad cell and wrote a note on another: both must come back as they were.
    first, second = [(f.sheet, f.cell) for f in report.findings if f.cell][:2]
    wb[first[0]][first[1]].fill = PatternFill(fill_type=None)
    wb[second[0]][second[1]].comment = Comment("Đã hỏi lại phòng Y tế", "Chị Hoa")
    wb.save(path)
    wb = load_workbook(path)
    apply_marks(OpenpyxlMarker(wb), report, project.form.messages)
    book = FakeBook(path)
    assert first[1] not in book.sheets[first[0]].colors and second[1] in book.sheets[second[0]].notes
    before = book.snapshot()
    apply_marks(excel.XlwingsMarker(book), report, project.form.messages)

    marked = {(s, r) for op, s, r, _ in book.log if op == "color"}
    assert marked, "the check marked nothing"
    for sheet, ref in marked:
        assert _hex(book.sheets[sheet].colors[ref]) == wb[sheet][ref].fill.fgColor.rgb[-6:]
        assert book.sheets[sheet].notes[ref] == wb[sheet][ref].comment.text
    opx_marked = {(ws.title, c.coordinate) for ws in wb.worksheets for row in ws.iter_rows() for c in row
                  if c.comment is not None and "[xl-bdg]" in c.comment.text}
    assert marked == opx_marked
    # The same findings sheet, first, active, with the same links; the same record, hidden.
    name = words("vi")("marks.sheet")
    assert book.sheets[0].name == name == wb.sheetnames[0] and book.active == name
    ws = wb[name]
    expected = [[c.value for c in row] for row in ws.iter_rows()]
    got = [[None if v == "" else v for v in row] for row in book.sheets[name].table]
    assert [[v for v in r if v is not None] for r in got] == [[v for v in r if v is not None] for r in expected]
    assert set(book.sheets[name].links.values()) == {f"#{c.hyperlink.location}" for c in ws["C"] if c.hyperlink}
    assert book.sheets[RECORD_SHEET].visible is False
    # Protection lifted for the marks and put back, with the template's options.
    for sheet in {s for s, _ in marked}:
        calls = book.sheets[sheet].api.calls
        assert calls[0] == ("Unprotect",) and calls[-1][0] == "Protect"
        assert calls[-1][1]["AllowFormattingColumns"] is True
    assert book.api.ProtectStructure is True

    # Clearing gives back every colour and note and removes both sheets.
    assert clear(excel.XlwingsMarker(book)) == len(marked)
    assert book.snapshot() == before


def test_xlwings_record_is_cleared_by_openpyxl(project, make_workbook, tmp_path):
    """Marks made in Excel, saved, then 'Chuẩn bị gửi' on the file: the file copy reads Excel's record."""
    path = make_workbook(edit=_break_totals(project))
    _, report = validate_file(path, project)
    book = FakeBook(path)
    apply_marks(excel.XlwingsMarker(book), report, project.form.messages)
    record = book.sheets[RECORD_SHEET].table
    wb = load_workbook(path)
    original = _state(wb)
    apply_marks(OpenpyxlMarker(wb), report, project.form.messages)
    ws = wb[RECORD_SHEET]
    for r, row in enumerate(record, start=1):  # the record as Excel holds it, written into the file
        for c, value in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=value)
    clear(OpenpyxlMarker(wb))
    assert {k: v[1] for k, v in _state(wb).items()} == {k: v[1] for k, v in original.items()}


# --- the entry points, through a stand-in xlwings module ---------------------------------------------------------
@pytest.fixture()
def fake_xlwings(monkeypatch):
    holder: dict[str, FakeBook] = {}
    module = types.ModuleType("xlwings")
    module.Book = types.SimpleNamespace(caller=lambda: holder["book"])
    monkeypatch.setitem(sys.modules, "xlwings", module)
    return holder


def test_buttons_run_on_the_calling_workbook(project, make_workbook, fake_xlwings, tmp_path):
    path = make_workbook(edit=_break_totals(project), name="bao-cao.xlsx")
    book = fake_xlwings["book"] = FakeBook(path)
    before = book.snapshot()
    excel.kiem_tra()
    prompt, _title, mode = book.alerts[-1]
    assert mode == "critical" and words("vi")("marks.sheet") in prompt
    assert book.sheets[0].name == words("vi")("marks.sheet")
    excel.chuan_bi_gui()
    assert book.alerts[-1][2] == "critical"
    assert not (path.parent / workbook_name("2026-FY", "XA-EAKAO")).exists()
    excel.xoa_danh_dau()
    assert book.snapshot() == before and book.alerts[-1][2] == "info"
    excel.xoa_danh_dau()
    assert book.alerts[-1][0] == clear_outcome(None).message


def test_a_clean_workbook_is_prepared_from_excel(project, make_workbook, fake_xlwings):
    path = make_workbook(name="bao-cao.xlsx")
    book = fake_xlwings["book"] = FakeBook(path)
    excel.chuan_bi_gui()
    target = path.parent / workbook_name("2026-FY", "XA-EAKAO")
    assert target.exists() and book.alerts[-1][2] == "info" and str(target) in book.alerts[-1][0]


def test_missing_xlwings_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "xlwings", None)
    with pytest.raises(ImportError, match=r'pip install "xl-bdg\[excel\]"'):
        excel.kiem_tra()
