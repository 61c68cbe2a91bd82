"""Spreadsheets of every kind a unit may send: .ods is read like .xlsx and listed in folders (so `status` sees the
unit's file); a spreadsheet of a kind xl-bdg does not read gets a finding that names the kind and says what to do;
real files from real programs are never called "not a spreadsheet".

Files come from LibreOffice itself where it can write the kind (.xlsx, .xls, .ods, flat .fods, XML 2003, the same
with an open password); .xlsb, Excel 4 and Numbers files, which it cannot write, are built to their published layout.
`XL_BDG_CORPUS=folder` runs the reader over a folder of real workbooks (e.g. the test files of a spreadsheet library).
"""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from support.office import type_into
from typer.testing import CliRunner

from xl_bdg.cli import app
from xl_bdg.form.project import Project
from xl_bdg.reading.cellinfo import cell_facts
from xl_bdg.reading.reader import read_submission
from xl_bdg.reading.safety import inspect_file
from xl_bdg.validation.validate import expand_paths, validate_file

UNIT, PERIOD = "XA-EAKAO", "2026-FY"


def codes(path: Path, project: Project) -> list[str]:
    """The finding codes of one file (validated), sorted."""
    _, report = validate_file(path, project)
    return sorted(f.code for f in report.findings)


@pytest.fixture(scope="module")
def saved(project: Project, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A filled form saved by LibreOffice as every kind it writes, and once more with an open password."""
    from xl_bdg.sample.synth import synthesize
    from xl_bdg.workbook.fill import fill_workbook
    from xl_bdg.workbook.template import write_template

    out = tmp_path_factory.mktemp("kinds")
    u, per = project.registry.get(UNIT), project.period(PERIOD)
    assert u is not None
    source = fill_workbook(project.form, write_template(project, u, per, out), synthesize(project, u, per),
                           out / "filled.xlsx")
    plain, _ = type_into(source, [], out / "plain", stem=f"{PERIOD}_{UNIT}",
                         formats=("xlsx", "xls", "ods", "fods"))
    locked, _ = type_into(source, [], out / "locked", stem="locked", formats=("xls", "ods"), password="mk")
    return {**plain, **{f"locked.{k}": v for k, v in locked.items()}}


@pytest.mark.libreoffice
@pytest.mark.parametrize("kind", ["xlsx", "xls", "ods"])
def test_libreoffice_files_of_each_readable_kind_read_clean(project: Project, saved: dict[str, Path],
                                                            kind: str) -> None:
    assert codes(saved[kind], project) == (["old-xls-format"] if kind == "xls" else [])


@pytest.mark.libreoffice
def test_flat_opendocument_says_which_kind_and_what_to_do(project: Project, saved: dict[str, Path]) -> None:
    _, report = validate_file(saved["fods"], project)
    assert [f.code for f in report.findings] == ["unsupported-spreadsheet"]
    vi = report.findings[0].render(project.form.messages, "vi")[1]
    en = report.findings[0].render(project.form.messages, "en")[1]
    assert ".fods" in vi and ".fods" in en and "LibreOffice Calc" in vi and ".xlsx" in en


@pytest.mark.libreoffice
@pytest.mark.parametrize("kind", ["xls", "ods"])  # LibreOffice saves .xlsx without it: see test_bad_input
def test_an_open_password_is_named_as_such(project: Project, saved: dict[str, Path], kind: str) -> None:
    assert codes(saved[f"locked.{kind}"], project) == ["password-protected"]


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _xlsb(path: Path) -> Path:
    """The package of an Excel binary workbook: its officeDocument relationship points at xl/workbook.bin."""
    rels = (b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            b'officeDocument" Target="xl/workbook.bin"/></Relationships>')
    types = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
    return _zip(path, {"[Content_Types].xml": types, "_rels/.rels": rels, "xl/workbook.bin": b"\x83\x01\x00"})


def _excel4(path: Path) -> Path:
    """A BIFF4 worksheet: a bare record stream (BOF 0x0409, one number, EOF), as Excel 4.0 saved it."""
    bof = b"\x09\x04\x06\x00\x00\x00\x10\x00\x00\x00"
    number = b"\x03\x02\x0e\x00\x00\x00\x00\x00\x0f\x00" + b"\x00" * 6 + b"\xf0\x3f"  # 1.0 at A1
    path.write_bytes(bof + number + b"\x0a\x00\x00\x00")
    return path


def _xml2003(path: Path) -> Path:
    """Excel's XML Spreadsheet 2003, as Excel writes it when "XML Spreadsheet" is chosen under Save As."""
    path.write_text('<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
                    '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">'
                    '<Worksheet ss:Name="Chỉ tiêu" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Table>'
                    '<Row><Cell><Data ss:Type="Number">1</Data></Cell></Row></Table></Worksheet></Workbook>\n',
                    encoding="utf-8")
    return path


def _numbers(path: Path) -> Path:
    return _zip(path, {"Index/Document.iwa": b"\x00" * 16, "Metadata/Properties.plist": b"<plist/>"})


@pytest.mark.parametrize(("make", "suffix", "kind_vi", "kind_en"), [
    (_xlsb, ".xlsb", "Excel nhị phân (.xlsb)", "Excel binary (.xlsb)"),
    (_excel4, ".xls", "Excel 2.x – 4.0", "Excel 2.x – 4.0"),
    (_numbers, ".numbers", "Apple Numbers", "Apple Numbers"),
    (_xml2003, ".xml", "XML 2003", "XML Spreadsheet 2003"),
])
def test_built_files_of_other_kinds(project: Project, tmp_path: Path, make: Any, suffix: str, kind_vi: str,
                                    kind_en: str) -> None:
    path = make(tmp_path / f"BaoCao{suffix}")
    sub, found = read_submission(path, project)
    assert sub is None and [f.code for f in found] == ["unsupported-spreadsheet"]
    assert kind_vi in found[0].render(project.form.messages, "vi")[1]
    assert kind_en in found[0].render(project.form.messages, "en")[1]


@pytest.mark.libreoffice
def test_odd_but_real_files_are_read(project: Project, saved: dict[str, Path], tmp_path: Path) -> None:
    """A workbook stream named in capitals (some writers do), and zip members named with Windows separators."""
    data = saved["xls"].read_bytes()
    shouting = tmp_path / "caps.xls"
    shouting.write_bytes(data.replace("Workbook".encode("utf-16-le"), "WORKBOOK".encode("utf-16-le"), 1))
    assert "WORKBOOK".encode("utf-16-le") in shouting.read_bytes()
    assert codes(shouting, project) == ["old-xls-format"]
    windows = tmp_path / "windows.xlsx"
    with zipfile.ZipFile(saved["xlsx"]) as src, zipfile.ZipFile(windows, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename.replace("/", "\\"), src.read(info))
    assert inspect_file(windows, project.form).fatal is False


@pytest.mark.libreoffice
def test_folders_list_every_kind_and_intake_records_the_ods(project: Project, saved: dict[str, Path],
                                                            tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(saved["ods"], inbox / f"{PERIOD}_{UNIT}.ods")
    _xlsb(inbox / "BaoCao.xlsb")
    (inbox / ".~lock.BaoCao.ods#").write_text("lock")
    assert sorted(p.name for p in expand_paths([inbox])) == sorted([f"{PERIOD}_{UNIT}.ods", "BaoCao.xlsb"])
    runner = CliRunner()
    ledger = tmp_path / "ledger.sqlite"
    done = runner.invoke(app, ["intake", str(inbox), "--period", PERIOD, "--ledger", str(ledger), "--lang", "en"])
    assert done.exit_code == 1, done.output  # the .xlsb cannot be read: an error, said at the file
    status = runner.invoke(app, ["status", "--period", PERIOD, "--ledger", str(ledger), "--format", "json"])
    rows = {r["unit"]: r["status"] for r in __import__("json").loads(status.output)}
    assert rows[UNIT] != "missing"
    shown = runner.invoke(app, ["validate", str(inbox), "--lang", "en"])
    assert "BaoCao.xlsb" in shown.output and "Excel binary (.xlsb)" in shown.output


def _calamine_names(data: bytes) -> list[str]:
    import io

    import python_calamine as pc

    try:
        return list(pc.CalamineWorkbook.from_filelike(io.BytesIO(data)).sheet_names)
    except Exception:  # what calamine cannot open, the reader has reported already
        return []


@pytest.mark.libreoffice
def test_a_corpus_of_real_workbooks(project: Project, saved: dict[str, Path], tmp_path: Path) -> None:
    """Nothing crashes, and only a file that is really no spreadsheet is called one. The corpus is $XL_BDG_CORPUS
    when set (e.g. a spreadsheet library's test files), else every kind this module makes."""
    if os.environ.get("XL_BDG_CORPUS"):
        folder = Path(os.environ["XL_BDG_CORPUS"])
    else:
        folder = tmp_path / "corpus"
        folder.mkdir()
        for name, path in saved.items():
            shutil.copy(path, folder / f"{name}{path.suffix}")
        for make, suffix in ((_xlsb, ".xlsb"), (_excel4, ".xls"), (_numbers, ".numbers"), (_xml2003, ".xml")):
            make(folder / f"built{suffix}")
    called_not: list[str] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        _, report = validate_file(path, project)
        assert not [f for f in report.findings if f.code in ("reader-crashed", "unreadable")], path
        if any(f.code == "not-spreadsheet" for f in report.findings):
            called_not.append(path.name)
        insp = inspect_file(path, project.form)
        if not insp.fatal:
            names = list(insp.sheet_parts) or list(insp.ods_sheets) or _calamine_names(insp.data)
            cell_facts(insp, names)  # the side reader must not fail on any real file either
    allowed = {n for n in os.environ.get("XL_BDG_CORPUS_NOT_SPREADSHEETS", "").split(",") if n}
    assert set(called_not) <= allowed, called_not


@pytest.mark.libreoffice
def test_visible_sheets_copied_into_a_new_workbook(project: Project, saved: dict[str, Path], tmp_path: Path) -> None:
    """What a clerk gets by copying the visible sheets into a new file: the hidden sheet is named in the message."""
    from openpyxl import load_workbook
    from support.office import resave_xlsx

    wb = load_workbook(saved["xlsx"])
    hidden = [ws.title for ws in wb.worksheets if ws.sheet_state != "visible"]
    for title in hidden:
        del wb[title]
    wb.save(tmp_path / "copied.xlsx")
    copied = resave_xlsx(tmp_path / "copied.xlsx", tmp_path / "lo")
    _, report = validate_file(copied, project)
    meta = next(f for f in report.findings if f.code == "meta-missing")
    for lang in ("vi", "en"):
        text = meta.render(project.form.messages, lang)[1]
        assert "{" not in text and f'"{project.form.sheets["meta"].title}"' in text, text
