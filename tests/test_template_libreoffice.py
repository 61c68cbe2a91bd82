"""A real spreadsheet program opens our templates: LibreOffice renders them to PDF with the diacritics intact and
re-saves them with the validations, the protection and the Vietnamese text still in place."""

from __future__ import annotations

import subprocess

import pytest
from openpyxl import load_workbook
from support.office import convert, resave_xlsx

from xl_bdg.form.layout import layout_for
from xl_bdg.workbook.template import write_template

pytestmark = pytest.mark.libreoffice


@pytest.fixture(scope="module")
def generated(project, tmp_path_factory):
    out = tmp_path_factory.mktemp("lo")
    path = write_template(project, project.registry.get("PH-TANLAP"), project.period("2026-FY"), out)
    return path, out


def test_pdf_shows_vietnamese_labels(project, generated) -> None:
    path, out = generated
    pdf = convert(path, "pdf", out / "pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for label in ("Phường Tân Lập", "Số lượt người tham dự các hoạt động truyền thông", "Lĩnh vực hoạt động",
                  "Ngân sách tỉnh", "Đề xuất, kiến nghị", "HƯỚNG DẪN ĐIỀN BIỂU"):
        assert label in text, label


def test_resave_keeps_validations_protection_and_text(project, generated) -> None:
    path, out = generated
    again = resave_xlsx(path, out / "resaved")
    before, after = load_workbook(path), load_workbook(again)
    lay = layout_for(project.form)
    assert [ws.title for ws in after.worksheets] == [ws.title for ws in before.worksheets]
    for sheet, cells in lay.structure().items():
        for ref, text in cells.items():
            assert after[sheet][ref].value == text, f"{sheet}!{ref}"
    ws = after["Hoạt động"]
    kinds = {}
    for dv in ws.data_validations.dataValidation:
        kinds.setdefault(dv.type, []).append(dv)
    assert {"list", "whole", "date"} <= set(kinds)
    category = lay.activity_cell(lay.activity_first_row, "category")
    dv = next(d for d in kinds["list"] if category in d.sqref)
    assert dv.showErrorMessage and "DanhMuc" in dv.formula1
    assert all(d.showErrorMessage for d in ws.data_validations.dataValidation)
    for title in ("Chỉ tiêu", "Hoạt động", "Kinh phí", "Thuyết minh", "Thông tin đơn vị"):
        assert after[title].protection.sheet, title
    assert ws[category].protection.locked is False
    assert ws.cell(row=lay.activity_first_row - 1, column=2).protection.locked
    meta = {r[0].value: r[1].value for r in after["_meta"].iter_rows(max_col=2)}
    assert meta["unit_name"] == "Phường Tân Lập" and meta["fingerprint"] == lay.fingerprint()
    assert after["_meta"].sheet_state in ("hidden", "veryHidden")


def _system_python_with_uno() -> str | None:
    """Debian's python3 carries LibreOffice's `uno` bridge (package python3-uno); the venv does not."""
    import os

    exe = "/usr/bin/python3"
    if not os.path.exists(exe):
        return None
    ok = subprocess.run([exe, "-c", "import uno"], capture_output=True, check=False).returncode == 0
    return exe if ok else None


def _probe(path, sheet: str, cells: list[str]) -> dict:
    import json
    from pathlib import Path

    exe = _system_python_with_uno()
    if exe is None:
        import os

        if os.environ.get("CI"):
            pytest.fail("python3-uno is not installed: .ci/run must install it")
        pytest.skip("python3-uno not installed")
    script = Path(__file__).parent / "support" / "uno_probe.py"
    done = subprocess.run([exe, str(script), str(path), sheet, *cells], capture_output=True, text=True, timeout=240,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_libreoffice_enforces_validations_and_locks(project, make_workbook) -> None:
    """LibreOffice itself reads our rules: its detective flags values that break them, and input cells are open."""
    lay = layout_for(project.form)
    first = lay.activity_first_row
    cells = [lay.activity_cell(first, c) for c in ("category", "start", "part_t", "title")]
    clean = make_workbook("PH-TANLAP", "2026-FY", name="clean.xlsx")
    seen = _probe(clean, "Hoạt động", [*cells, "B2"])
    assert seen["sheet_protected"] and not seen["invalid_found"]
    by_cell = seen["cells"]
    assert [by_cell[c]["validation_type"] for c in cells] == ["LIST", "DATE", "WHOLE", "ANY"]
    assert all(by_cell[c]["show_error"] and by_cell[c]["alert_style"] == "STOP" for c in cells[:3])
    assert not any(by_cell[c]["locked"] for c in cells) and by_cell["B2"]["locked"]

    def break_rules(data: dict) -> None:
        data["activities"][0]["category"] = "Phát biểu tùy hứng"  # not in the dropdown
        data["activities"][1]["part_t"] = -5                      # a negative count
        data["activities"][2]["start"] = data["activities"][2]["start"].replace(year=2019)

    broken = make_workbook("PH-TANLAP", "2026-FY", edit=break_rules, name="broken.xlsx")
    assert _probe(broken, "Hoạt động", [cells[0]])["invalid_found"]
