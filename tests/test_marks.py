"""Marks on real workbooks through openpyxl: annotated copies, the findings sheet, and clearing that gives back
exactly the user's own fills and notes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.styles.colors import Color
from openpyxl.xml.functions import tostring
from support.office import convert, resave_xlsx

from xl_bdg.catalogue import words
from xl_bdg.fileio import sha256_file
from xl_bdg.findings import FileReport, Finding
from xl_bdg.form.layout import layout_for
from xl_bdg.form.project import Project
from xl_bdg.validation.marks import (
    MARK_RGB,
    RECORD_SHEET,
    OpenpyxlMarker,
    annotate_copy,
    apply_marks,
    cell_ref,
    has_marks,
    plan_marks,
    remove_marks,
)


def _input_cells(project: Project, unit_code: str, period: str, n: int) -> list[tuple[str, str]]:
    """The first `n` indicator value cells that apply to the unit (from the form, no code named here)."""
    lay = layout_for(project.form)
    unit = project.registry.get(unit_code)
    per = project.period(period)
    out = []
    for ind in project.form.indicators:
        if ind.applies(unit.code, unit.kind, per.kind):
            for f in ind.fields:
                out.append((lay.sheet["indicators"], lay.indicator_cell(ind.key(f.id))))
    return out[:n]


def _codes(project: Project, severity: str) -> list[str]:
    return [code for code, m in project.form.messages.items() if m.severity == severity]


@pytest.fixture()
def marked_case(project: Project, make_workbook):
    """A filled workbook whose user gave some cells their own fill and notes, and a report on some of them."""
    path = make_workbook()
    cells = _input_cells(project, "XA-EAKAO", "2026-FY", 5)
    wb = load_workbook(path)
    (s0, c0), (s1, c1), (s2, c2), (s3, c3), (s4, c4) = cells
    wb[s0][c0].fill = PatternFill("solid", fgColor=Color(theme=4, tint=0.6))  # a theme colour, as Excel writes
    wb[s1][c1].comment = Comment("Số liệu của phòng Văn hóa", "Chị Lan")
    wb[s2][c2].fill = PatternFill("darkGrid", fgColor="FF0000", bgColor="00FF00")
    wb[s4][c4].comment = Comment("Ghi chú không bị đánh dấu", "Anh Minh")
    wb.save(path)
    err, warn = _codes(project, "error")[0], _codes(project, "warning")[0]
    findings = [Finding(err, "error", path.name, s0, c0, 5), Finding(err, "error", path.name, s1, c1, "=1+1"),
                Finding(warn, "warning", path.name, s1, c1, 3), Finding(warn, "warning", path.name, s2, c2, 7),
                Finding(warn, "warning", path.name, s3, c3, None),
                Finding(err, "error", path.name, "Không có sheet này", "A1", 1),
                Finding(err, "error", path.name, None, None, None)]
    return path, FileReport(file=str(path), findings=findings), cells


def _state(path: Path) -> dict[tuple[str, str], tuple[str, str | None, str | None]]:
    """Every cell's fill (exact XML) and comment, by sheet and cell."""
    wb = load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                comment = cell.comment
                out[(ws.title, cell.coordinate)] = (tostring(cell.fill.to_tree()).decode(),
                                                    comment.text if comment else None,
                                                    comment.author if comment else None)
    return out


def test_annotate_copy_marks_cells_and_lists_findings(project, marked_case, tmp_path):
    path, report, cells = marked_case
    before = sha256_file(path)
    out = annotate_copy(path, report, tmp_path / "out", project)
    assert sha256_file(path) == before, "the source must never change"
    assert out.name == f"{path.stem}_kiem-tra.xlsx" and out.name.isascii()
    wb = load_workbook(out)
    (s0, c0), (s1, c1), (s2, c2), (s3, c3), _ = cells
    assert wb[s0][c0].fill.fgColor.rgb[-6:] == MARK_RGB["error"]
    assert wb[s1][c1].fill.fgColor.rgb[-6:] == MARK_RGB["error"], "worst severity of a cell wins"
    assert wb[s2][c2].fill.fgColor.rgb[-6:] == MARK_RGB["warning"]
    assert wb[s3][c3].fill.fgColor.rgb[-6:] == MARK_RGB["warning"]
    messages = project.form.messages
    note = wb[s1][c1].comment
    assert note.text.startswith("Số liệu của phòng Văn hóa") and note.author == "Chị Lan"
    for f in report.findings[1:3]:
        title, text = f.render(messages, "vi")
        assert title in note.text and text in note.text
    # The findings sheet: first, active, one row per finding, links to the cells that exist.
    sheet = words("vi")("marks.sheet")
    assert wb.sheetnames[0] == sheet and wb.active.title == sheet
    ws = wb[sheet]
    rows = [r for r in ws.iter_rows(min_row=6, values_only=True) if r[0] is not None]
    assert len(rows) == len(report.findings)
    links = {c.hyperlink.location for c in ws["C"] if c.hyperlink is not None}
    assert links == {f"'{s}'!{c}" for s, c in cells[:4]}
    value_cells = [c for c in ws["F"] if c.value == "=1+1"]
    assert value_cells and value_cells[0].data_type == "s", "user text stays text, never a formula"
    assert wb[RECORD_SHEET].sheet_state == "hidden"
    assert has_marks(out) and not has_marks(path)


def test_clearing_gives_back_the_users_own_formatting(project, marked_case, tmp_path):
    path, report, _ = marked_case
    out = annotate_copy(path, report, tmp_path, project)
    clean = tmp_path / "clean.xlsx"
    assert remove_marks(out, clean) == 4
    assert load_workbook(clean).sheetnames == load_workbook(path).sheetnames
    assert _state(clean) == _state(path)


def test_a_second_check_does_not_record_the_first_checks_marks(project, marked_case, tmp_path):
    path, report, _ = marked_case
    once = annotate_copy(path, report, tmp_path / "1", project)
    twice = annotate_copy(once, report, tmp_path / "2", project)
    assert load_workbook(twice).sheetnames.count(words("vi")("marks.sheet")) == 1
    remove_marks(twice, tmp_path / "clean.xlsx")
    assert _state(tmp_path / "clean.xlsx") == _state(path)


def test_clear_leaves_what_the_user_changed_after_the_check(project, marked_case, tmp_path):
    path, report, cells = marked_case
    out = annotate_copy(path, report, tmp_path, project)
    (s0, c0), (s1, c1), *_ = cells
    wb = load_workbook(out)
    wb[s0][c0].fill = PatternFill("solid", fgColor="00B050")  # the user recoloured a marked cell
    wb[s1][c1].comment.text = "Đã sửa theo hướng dẫn"  # and rewrote a note
    marker = OpenpyxlMarker(wb)
    marker.begin()
    marker.clear()
    marker.end()
    assert wb[s0][c0].fill.fgColor.rgb[-6:] == "00B050"
    assert wb[s1][c1].comment.text == "Đã sửa theo hướng dẫn"
    assert RECORD_SHEET not in wb.sheetnames and words("vi")("marks.sheet") not in wb.sheetnames


def test_plan_marks_one_per_cell_skipping_what_has_no_cell(project, marked_case):
    _, report, cells = marked_case
    marks = plan_marks(report, project.form.messages, "en")
    # The plan does not know the workbook: a sheet that is not there is dropped by the marker (mark_cell → False).
    assert sorted((m.sheet, m.cell) for m in marks) == sorted([*cells[:4], ("Không có sheet này", "A1")])
    by_cell = {(m.sheet, m.cell): m for m in marks}
    assert by_cell[cells[1]].severity == "error" and by_cell[cells[2]].severity == "warning"
    assert by_cell[cells[1]].text.count("[xl-bdg]") == 2


@pytest.mark.parametrize(("text", "expected"), [("f12", "F12"), ("$F$12", "F12"), ("F0", None), ("F12:G13", None),
                                                ("", None), (None, None), ("ABCD1", None)])
def test_cell_ref(text, expected):
    assert cell_ref(text) == expected


def test_a_workbook_without_findings_gets_a_clean_findings_sheet(project, make_workbook, tmp_path):
    path = make_workbook()
    out = annotate_copy(path, FileReport(file=str(path)), tmp_path, project, lang="en")
    ws = load_workbook(out)[words("en")("marks.sheet")]
    assert words("en")("marks.clean") in [c.value for c in ws["A"]]
    remove_marks(out, tmp_path / "clean.xlsx")
    assert _state(tmp_path / "clean.xlsx") == _state(path)


def test_an_unreadable_file_gets_its_findings_listed(project, tmp_path):
    bad = tmp_path / "hong.xlsx"
    bad.write_bytes(b"not a workbook")
    report = FileReport(file=str(bad), findings=[Finding(_codes(project, "error")[0], "error", bad.name)])
    out = annotate_copy(bad, report, tmp_path / "out", project)
    wb = load_workbook(out)
    assert wb.sheetnames == [words("vi")("marks.sheet")]
    assert bad.read_bytes() == b"not a workbook"


def test_remove_marks_copies_an_unmarked_file_byte_for_byte(make_workbook, tmp_path):
    path = make_workbook()
    assert remove_marks(path, tmp_path / "copy.xlsx") == 0
    assert (tmp_path / "copy.xlsx").read_bytes() == path.read_bytes()


def test_apply_marks_returns_cells_marked(project, marked_case):
    path, report, _ = marked_case
    wb = load_workbook(path)
    assert apply_marks(OpenpyxlMarker(wb), report, project.form.messages) == 4


@pytest.mark.libreoffice
def test_annotated_copy_opens_in_libreoffice(project, marked_case, tmp_path):
    path, report, _ = marked_case
    out = annotate_copy(path, report, tmp_path, project)
    pdf = convert(out, "pdf", tmp_path / "pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert words("vi")("marks.heading") in text
    title, _ = report.findings[0].render(project.form.messages, "vi")
    assert title in text


@pytest.mark.libreoffice
def test_marks_saved_by_libreoffice_can_still_be_cleared(project, marked_case, tmp_path):
    path, report, _ = marked_case
    out = annotate_copy(path, report, tmp_path, project)
    resaved = resave_xlsx(out, tmp_path / "lo")
    assert has_marks(resaved)
    remove_marks(resaved, tmp_path / "clean.xlsx")
    wb = load_workbook(tmp_path / "clean.xlsx")
    assert RECORD_SHEET not in wb.sheetnames and words("vi")("marks.sheet") not in wb.sheetnames
    for sheet, ref in [(f.sheet, f.cell) for f in report.findings[:5]]:
        color = wb[sheet][ref].fill.fgColor
        assert color.type != "rgb" or color.rgb[-6:] not in MARK_RGB.values(), (sheet, ref)


def test_the_validator_recognises_its_own_marks(project, make_workbook, tmp_path):
    """An annotated copy sent back as is: one info finding that says so, not 'extra sheet' warnings."""
    from xl_bdg.validation.validate import validate_file

    def too_many_women(data):
        data["activities"][0]["part_f"] = data["activities"][0]["part_t"] + 1

    path = make_workbook("XA-EAKAO", "2026-FY", edit=too_many_women)
    _, report = validate_file(path, project)
    marked = annotate_copy(path, report, tmp_path / "out", project)
    _, again = validate_file(marked, project)
    codes = sorted(f.code for f in again.findings)
    assert codes == sorted(["marks-present", *(f.code for f in report.findings)])
    assert next(f for f in again.findings if f.code == "marks-present").severity == "info"
