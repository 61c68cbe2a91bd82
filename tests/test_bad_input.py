"""Bad input: every broken, foreign or hostile file gives its own finding (code, sheet, cell), never a traceback,
and the input file is never changed."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from support.badfiles import (
    edit_with_openpyxl,
    encrypted_ooxml,
    many_rows_sheet,
    minimal_docx,
    real_pdf,
    rewrite_zip,
    sheet_member,
    write_zip,
    zip_members,
)

from xl_bdg.form.layout import IND_COL_VALUE, layout_for, ref
from xl_bdg.form.project import Project
from xl_bdg.reading.reader import EMPTY_RUN, read_submission
from xl_bdg.sample.synth import synthesize
from xl_bdg.submission import Submission
from xl_bdg.workbook.fill import fill_workbook
from xl_bdg.workbook.template import write_template

UNIT, PERIOD = "XA-EAKAO", "2026-FY"


@pytest.fixture(scope="module")
def clean(project: Project, template_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One clean filled workbook for the module; each test derives its bad file from it."""
    per, unit = project.period(PERIOD), project.registry.get(UNIT)
    template = template_dir / f"{per.code}_{unit.code}.xlsx"
    if not template.exists():
        write_template(project, unit, per, template_dir)
    out = tmp_path_factory.mktemp("clean") / template.name
    return fill_workbook(project.form, template, synthesize(project, unit, per), out)


def _sha(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def read(path: Path, project: Project) -> tuple[Submission | None, list[tuple[str, str | None, str | None]]]:
    """Read `path`, check it was not modified, and return the submission and sorted (code, sheet, cell)."""
    before = _sha(path)
    sub, findings = read_submission(path, project)
    assert _sha(path) == before, "the reader changed its input file"
    assert all(f.file == str(path) for f in findings)
    return sub, sorted((f.code, f.sheet, f.cell) for f in findings)


def _titles(project: Project) -> dict[str, str]:
    return layout_for(project.form).sheet


# --- not a workbook at all ------------------------------------------------------------------------------------
def test_empty_file(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    assert read(path, project) == (None, [("empty-file", None, None)])


def test_missing_file(project: Project, tmp_path: Path) -> None:
    assert read(tmp_path / "nowhere.xlsx", project) == (None, [("file-not-readable", None, None)])


@pytest.mark.parametrize(("maker", "kind"), [(minimal_docx, "Word (.docx)"), (real_pdf, "PDF")])
def test_other_document_renamed_xlsx(project: Project, tmp_path: Path, maker, kind: str) -> None:
    path = maker(tmp_path / "bao cao.xlsx")
    sub, found = read(path, project)
    assert (sub, found) == (None, [("not-spreadsheet", None, None)])
    assert read_submission(path, project)[1][0].params["kind"] == kind


def test_html_saved_as_xls(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "export.xls"
    path.write_text("<html><body><table><tr><td>1</td></tr></table></body></html>", encoding="utf-8")
    assert read(path, project) == (None, [("not-spreadsheet", None, None)])


def test_truncated_zip(project: Project, clean: Path, tmp_path: Path) -> None:
    path = tmp_path / "truncated.xlsx"
    data = clean.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert read(path, project) == (None, [("corrupt-file", None, None)])


def test_corrupted_member(project: Project, clean: Path, tmp_path: Path) -> None:
    """Bytes damaged inside a compressed sheet: the CRC (or inflate) check catches it before any parser."""
    data = bytearray(clean.read_bytes())
    with zipfile.ZipFile(clean) as zf:
        info = zf.getinfo(sheet_member(clean, _titles(project)["activities"]))
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 200, start + 260):
        data[i] ^= 0x5A
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(bytes(data))
    assert read(path, project) == (None, [("corrupt-file", None, None)])


def test_password_protected(project: Project, tmp_path: Path) -> None:
    import python_calamine as pc

    path = encrypted_ooxml(tmp_path / "mat khau.xlsx")
    # A control: calamine itself takes the hand-built container for a password-protected workbook.
    with pytest.raises(pc.PasswordError):
        pc.CalamineWorkbook.from_path(str(path))
    assert read(path, project) == (None, [("password-protected", None, None)])


def test_hand_built_encrypted_container_is_a_real_compound_file(tmp_path: Path) -> None:
    olefile = pytest.importorskip("olefile")
    path = encrypted_ooxml(tmp_path / "enc.xlsx")
    assert sorted(olefile.OleFileIO(str(path)).listdir()) == [["EncryptedPackage"], ["EncryptionInfo"]]


# --- a workbook, but not this form ---------------------------------------------------------------------------------
def test_workbook_of_another_form(project: Project, tmp_path: Path) -> None:
    wb = Workbook()
    wb.active["A1"] = "Báo cáo khác"
    path = tmp_path / "other.xlsx"
    wb.save(path)
    assert read(path, project) == (None, [("wrong-form", None, None)])


def test_meta_of_another_form(project: Project, clean: Path, tmp_path: Path) -> None:
    meta = _titles(project)["meta"]

    def edit(wb: Workbook) -> None:
        wb[meta]["B1"] = "BDG-KHAC"

    path = edit_with_openpyxl(clean, tmp_path / "khac.xlsx", edit)
    assert read(path, project) == (None, [("wrong-form", meta, None)])


def test_old_form_version(project: Project, clean: Path, tmp_path: Path) -> None:
    meta = _titles(project)["meta"]

    def edit(wb: Workbook) -> None:
        wb[meta]["B2"] = "2025.1"

    path = edit_with_openpyxl(clean, tmp_path / "old.xlsx", edit)
    sub, found = read(path, project)
    assert found == [("form-version", meta, None)]
    assert sub is not None and sub.meta["form_version"] == "2025.1" and sub.activities


# --- sheets and fixed tables changed --------------------------------------------------------------------------------
def test_sheet_renamed(project: Project, clean: Path, tmp_path: Path) -> None:
    title = _titles(project)["activities"]

    def edit(wb: Workbook) -> None:
        wb[title].title = "Hoat dong 2026"

    sub, found = read(edit_with_openpyxl(clean, tmp_path / "renamed.xlsx", edit), project)
    assert found == [("sheet-renamed", "Hoat dong 2026", None)]
    assert sub is not None and sub.activities == [] and sub.indicators


def test_sheet_deleted(project: Project, clean: Path, tmp_path: Path) -> None:
    title = _titles(project)["budget"]

    def edit(wb: Workbook) -> None:
        del wb[title]

    sub, found = read(edit_with_openpyxl(clean, tmp_path / "deleted.xlsx", edit), project)
    assert found == [("sheet-missing", title, None)]
    assert sub is not None and sub.budget == {} and sub.activities


def _first_structure_cell(project: Project, key: str, min_row: int = 1, min_col: int = 1) -> str:
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    lay = layout_for(project.form)
    cells = []
    for a1 in lay.structure()[lay.sheet[key]]:
        letters, row = coordinate_from_string(a1)
        if row >= min_row and column_index_from_string(letters) >= min_col:
            cells.append((row, column_index_from_string(letters), a1))
    return min(cells)[2]


@pytest.mark.parametrize(("action", "code"), [("insert", "rows-inserted"), ("delete", "rows-deleted")])
def test_rows_inserted_or_deleted_in_indicator_table(project: Project, clean: Path, tmp_path: Path, action: str,
                                                     code: str) -> None:
    title = _titles(project)["indicators"]

    def edit(wb: Workbook) -> None:
        ws = wb[title]
        ws.insert_rows(10, 2) if action == "insert" else ws.delete_rows(10, 1)

    sub, found = read(edit_with_openpyxl(clean, tmp_path / f"{action}.xlsx", edit), project)
    assert found == [(code, title, _first_structure_cell(project, "indicators", min_row=10))]
    assert sub is not None and sub.indicators == {}, "a shifted table must not be read at the wrong rows"


def test_column_inserted_in_activity_table(project: Project, clean: Path, tmp_path: Path) -> None:
    title = _titles(project)["activities"]

    def edit(wb: Workbook) -> None:
        wb[title].insert_cols(4)

    sub, found = read(edit_with_openpyxl(clean, tmp_path / "col.xlsx", edit), project)
    assert found == [("structure-changed", title, _first_structure_cell(project, "activities", min_col=4))]
    assert sub is not None and sub.activities == []


def test_merged_cells_over_inputs(project: Project, clean: Path, tmp_path: Path) -> None:
    lay = layout_for(project.form)
    title = lay.sheet["indicators"]
    first = lay.indicator_rows["COMM_06.T"].row if "COMM_06.T" in lay.indicator_rows else \
        min(r.row for r in lay.indicator_rows.values())
    rng = f"{ref(first, IND_COL_VALUE)}:{ref(first + 1, IND_COL_VALUE)}"

    def edit(wb: Workbook) -> None:
        wb[title].merge_cells(rng)

    path = edit_with_openpyxl(clean, tmp_path / "merged.xlsx", edit)
    _, found = read(path, project)
    assert found == [("merged-cells", title, ref(first, IND_COL_VALUE))]
    assert read_submission(path, project)[1][0].value == rng


def test_formula_without_cached_value(project: Project, clean: Path, tmp_path: Path) -> None:
    lay = layout_for(project.form)
    key = next(iter(lay.indicator_rows))
    cell = lay.indicator_cell(key)
    act_cell = lay.activity_cell(lay.activity_first_row, project.form.activity_columns[-1].id)

    def edit(wb: Workbook) -> None:
        wb[lay.sheet["indicators"]][cell] = "=2+3"
        wb[lay.sheet["activities"]][act_cell] = '="ghi chú"'

    sub, found = read(edit_with_openpyxl(clean, tmp_path / "formula.xlsx", edit), project)
    assert found == sorted([("formula-no-value", lay.sheet["indicators"], cell),
                            ("formula-no-value", lay.sheet["activities"], act_cell)])
    assert sub is not None and sub.indicators[key].value is None


@pytest.mark.libreoffice
def test_formula_cached_after_libreoffice_save(project: Project, clean: Path, tmp_path: Path) -> None:
    from support.office import resave_xlsx

    lay = layout_for(project.form)
    key = next(k for k, r in lay.indicator_rows.items() if r.indicator.field(r.field_id).type == "count")
    cell = lay.indicator_cell(key)

    def edit(wb: Workbook) -> None:
        wb[lay.sheet["indicators"]][cell] = "=2+3"

    path = resave_xlsx(edit_with_openpyxl(clean, tmp_path / "formula.xlsx", edit), tmp_path / "lo")
    sub, found = read(path, project)
    assert found == []
    assert sub is not None and sub.indicators[key].value == 5


def test_absurd_and_negative_counts_are_read_for_the_range_checks(project: Project, make_workbook) -> None:
    """-1 and 10^15 are numbers: the reader reads them (types); the validation stage reports the ranges."""
    lay = layout_for(project.form)
    keys = [k for k, r in lay.indicator_rows.items() if r.indicator.field(r.field_id).type == "count"]

    def edit(data: dict) -> None:
        data["indicators"][keys[0]] = -1
        data["indicators"][keys[1]] = 10**15
        data["indicators"][keys[2]] = "\u22121"

    sub, found = read(make_workbook(UNIT, PERIOD, edit=edit), project)
    assert found == [("text-number", lay.sheet["indicators"], lay.indicator_cell(keys[2]))]
    assert sub is not None
    assert [sub.indicators[k].value for k in keys[:3]] == [-1, 10**15, -1]


# --- bounds and hostile files ----------------------------------------------------------------------------------------
def test_hundred_thousand_rows_refused_before_parsing(project: Project, clean: Path, tmp_path: Path) -> None:
    lay = layout_for(project.form)
    member = sheet_member(clean, lay.sheet["activities"])

    def edit(members: dict[str, bytes]) -> None:
        members[member] = many_rows_sheet(members[member], 100_000, lay.activity_first_row)

    path = rewrite_zip(clean, tmp_path / "huge.xlsx", edit)
    assert read(path, project) == (None, [("too-many-rows", lay.sheet["activities"], None)])


def test_rows_beyond_the_form_bound(project: Project, clean: Path, tmp_path: Path) -> None:
    lay = layout_for(project.form)
    member = sheet_member(clean, lay.sheet["activities"])

    def edit(members: dict[str, bytes]) -> None:
        members[member] = many_rows_sheet(members[member], project.form.activity_max_rows + 1, lay.activity_first_row)

    path = rewrite_zip(clean, tmp_path / "over.xlsx", edit)
    sub, found = read(path, project)
    assert (sub, found) == (None, [("too-many-rows", lay.sheet["activities"], None)])
    assert read_submission(path, project)[1][0].value == project.form.activity_max_rows + 1


def test_zip_bomb(project: Project, clean: Path, tmp_path: Path) -> None:
    def edit(members: dict[str, bytes]) -> None:
        members["xl/media/image1.png"] = bytes(30 * 1024 * 1024)

    path = rewrite_zip(clean, tmp_path / "bomb.xlsx", edit)
    assert path.stat().st_size < 1024 * 1024
    assert read(path, project) == (None, [("zip-bomb", None, None)])


def _doctype(members: dict[str, bytes], name: str) -> None:
    xml = members[name]
    decl_end = xml.index(b"?>") + 2 if xml.startswith(b"<?xml") else 0
    members[name] = (xml[:decl_end] + b'<!DOCTYPE lol [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
                     + xml[decl_end:].replace(b"</sheetData>", b"<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>&lol2;"
                                                b"</t></is></c></row></sheetData>", 1))


@pytest.mark.parametrize("target", ["sheet", "styles", "utf16"])
def test_xml_entity_attack_never_expanded(project: Project, clean: Path, tmp_path: Path, target: str) -> None:
    lay = layout_for(project.form)
    name = "xl/styles.xml" if target == "styles" else sheet_member(clean, lay.sheet["narrative"])

    def edit(members: dict[str, bytes]) -> None:
        _doctype(members, name)
        if target == "utf16":
            text = members[name].decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
            members[name] = text.encode("utf-16")

    path = rewrite_zip(clean, tmp_path / "xxe.xlsx", edit)
    sub, findings = read_submission(path, project)
    assert (sub, [(f.code, f.value) for f in findings]) == (None, [("xml-entity", name)])


def test_far_away_cell_refused(project: Project, clean: Path, tmp_path: Path) -> None:
    """One value at XFD1048576 would make the parser allocate the whole sheet: refused before parsing."""
    lay = layout_for(project.form)
    member = sheet_member(clean, lay.sheet["narrative"])

    def edit(members: dict[str, bytes]) -> None:
        members[member] = members[member].replace(
            b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>', 1)

    path = rewrite_zip(clean, tmp_path / "far.xlsx", edit)
    assert read(path, project) == (None, [("sheet-too-large", lay.sheet["narrative"], None)])


def test_row_tags_alone_past_the_box_refused(project: Project, clean: Path, tmp_path: Path) -> None:
    """120,000 empty row tags and no far reference: the box (rows × 26 columns) is over the cap, refused before
    parsing (the safety pass skips counting the tags only in XML too short to hold that many, issue 16)."""
    lay = layout_for(project.form)
    member = sheet_member(clean, lay.sheet["narrative"])
    rows = zip_members(clean)[member].count(b"<row") + 120_000

    def edit(members: dict[str, bytes]) -> None:
        members[member] = members[member].replace(b"</sheetData>", b"<row/>" * 120_000 + b"</sheetData>", 1)

    path = rewrite_zip(clean, tmp_path / "rows.xlsx", edit)
    sub, findings = read_submission(path, project)
    assert (sub, [(f.code, f.sheet, f.value) for f in findings]) == (
        None, [("sheet-too-large", lay.sheet["narrative"], f"{rows:,} × 26")])


def test_values_after_a_long_gap_are_reported(project: Project, make_workbook) -> None:
    lay = layout_for(project.form)

    def edit(data: dict) -> None:
        gap = [{} for _ in range(EMPTY_RUN + 5)]
        data["activities"] = data["activities"] + gap + [dict(data["activities"][0])]

    path = make_workbook(UNIT, PERIOD, edit=edit)
    n = len(synthesize(project, project.registry.get(UNIT), project.period(PERIOD))["activities"])
    row = lay.activity_first_row + n + EMPTY_RUN + 5
    sub, found = read(path, project)
    first_col = project.form.activity_columns[0].id
    assert found == [("rows-after-gap", lay.sheet["activities"], lay.activity_cell(row, first_col))]
    assert sub is not None and len(sub.activities) == n


def test_xlsm_read_and_macros_never_run(project: Project, clean: Path, tmp_path: Path) -> None:
    def edit(members: dict[str, bytes]) -> None:
        members["xl/vbaProject.bin"] = b"\xd0\xcf\x11\xe0 not a real macro project"

    path = rewrite_zip(clean, tmp_path / "báo cáo có macro.xlsm", edit)
    sub, found = read(path, project)
    assert found == [("macros-ignored", None, None)]
    assert sub is not None and sub.to_data() == read_submission(clean, project)[0].to_data()


@pytest.mark.libreoffice
def test_old_xls_is_read(project: Project, clean: Path, tmp_path: Path) -> None:
    from support.office import convert

    path = convert(clean, "xls", tmp_path / "xls")
    sub, found = read(path, project)
    assert found == [("old-xls-format", None, None)]
    assert sub is not None and sub.to_data() == read_submission(clean, project)[0].to_data()


def test_zip_without_workbook(project: Project, tmp_path: Path) -> None:
    path = write_zip(tmp_path / "notes.xlsx", {"readme.txt": b"hello"})
    assert read(path, project) == (None, [("not-spreadsheet", None, None)])


def test_members_survive_a_plain_rezip(project: Project, clean: Path, tmp_path: Path) -> None:
    """The zip tools the tests use do not themselves break a workbook (a control for the cases above)."""
    path = write_zip(tmp_path / "rezip.xlsx", zip_members(clean))
    sub, found = read(path, project)
    assert found == [] and sub is not None


def test_malformed_sheet_xml(project: Project, clean: Path, tmp_path: Path) -> None:
    """A sheet whose XML is broken (the zip itself is sound): reported at that sheet, the rest still read."""
    lay = layout_for(project.form)
    member = sheet_member(clean, lay.sheet["narrative"])

    def edit(members: dict[str, bytes]) -> None:
        members[member] = members[member].replace(b"</sheetData>", b"<row r=\"40\"><c r=\"A40\"><v>1</c></row>"
                                                  b"</sheetData>", 1)

    sub, found = read(rewrite_zip(clean, tmp_path / "malformed.xlsx", edit), project)
    assert found == [("corrupt-file", lay.sheet["narrative"], None)]
    assert sub is not None and sub.narrative == {} and sub.activities


@pytest.mark.parametrize("case", ["fingerprint", "meta-deleted", "extra-sheet", "instructions-deleted"])
def test_template_identity_changed(project: Project, clean: Path, tmp_path: Path, case: str) -> None:
    titles = _titles(project)

    def edit(wb: Workbook) -> None:
        if case == "fingerprint":
            meta = wb[titles["meta"]]
            row = next(c.row for c in meta["A"] if c.value == "fingerprint")
            meta.cell(row=row, column=2, value="0000000000000000")
        elif case == "meta-deleted":
            del wb[titles["meta"]]
        elif case == "extra-sheet":
            wb.create_sheet("Ghi chú của tôi")
        else:
            del wb[titles["instructions"]]

    sub, found = read(edit_with_openpyxl(clean, tmp_path / f"{case}.xlsx", edit), project)
    expected = {"fingerprint": [("fingerprint-mismatch", titles["meta"], None)],
                "meta-deleted": [("meta-missing", titles["meta"], None)],
                "extra-sheet": [("sheet-extra", "Ghi chú của tôi", None)],
                "instructions-deleted": [("sheet-missing", titles["instructions"], None)]}[case]
    assert found == expected
    assert sub is not None and sub.activities and sub.indicators
    severities = {f.code: f.severity for f in read_submission(tmp_path / f"{case}.xlsx", project)[1]}
    assert all(sev == "warning" for sev in severities.values()) or case == "meta-deleted"


@pytest.mark.parametrize(
    ("xml", "expected"),
    [
        (b'<c r="B2"><f>1/0</f><v></v></c>', [(2, 2)]),  # openpyxl: formula written, never calculated
        (b'<c r="B2"><f>1/0</f></c>', [(2, 2)]),
        (b'<c r="D4"><f>1+1</f><v>2</v></c>', []),
        (b'<c r="C3" t="str"><f>IF(1,"","")</f><v></v></c>', []),  # a cached empty text result
        (b'<x:c r="AA10"><x:f>1</x:f></x:c>', [(10, 27)]),  # namespace-prefixed tags
        (b'<c r="E5"><f t="shared" si="0"/></c><c r="E6"><f t="shared" si="0"/><v>3</v></c>', [(5, 5)]),
        (b'<dataValidation><formula1>0</formula1></dataValidation>', []),
    ],
)
def test_uncached_formula_scan(xml: bytes, expected: list[tuple[int, int]]) -> None:
    from xl_bdg.reading.safety import uncached_formulas

    assert list(uncached_formulas(xml)) == expected
