"""The unit workbook as a form the unit signs: the form's number and its guidance letter (province.yaml
`unit_form`) above the first sheet's title and in the printed header of every data sheet ("&" written "&&", so
Excel prints it), and a signature block under the narrative sheet's table inside the print area, whose place, date
and names come from the unit information sheet. A filled workbook still reads without a finding, and on paper
(LibreOffice → PDF) the block shows the date and the names the unit typed."""

from __future__ import annotations

import subprocess
import unicodedata
from pathlib import Path

import pytest
from openpyxl import load_workbook
from support.office import convert

from xl_bdg.form.layout import NARR_COL_LABEL, NARR_COL_VALUE, layout_for
from xl_bdg.form.project import Project
from xl_bdg.form.unit_form import form_reference
from xl_bdg.reading.reader import read_submission
from xl_bdg.workbook.template import write_template

UNIT, PERIOD = "SO-YTE", "2026-FY"


def _expected_lines(project: Project) -> list[str]:
    ref = form_reference(project, project.period(PERIOD))
    conf = project.config["unit_form"]
    letter = conf["guidance"][PERIOD]
    assert (ref.number, ref.letter, ref.date) == (conf["number"], letter["number"], letter["date"])
    office = project.office(project.period(PERIOD))["name"]
    return [f"Biểu số {conf['number']}", f"Kèm theo Công văn số {letter['number']} ngày {letter['date']} của {office}"]


@pytest.fixture(scope="module")
def template(project: Project, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("signing")
    return write_template(project, project.registry.get(UNIT), project.period(PERIOD), out)


def test_the_form_is_named_above_the_title_and_on_every_printed_page(project: Project, template: Path) -> None:
    wb = load_workbook(template)
    lines = _expected_lines(project)
    first = wb[project.form.sheets["instructions"].title]
    assert [first.cell(row=i, column=1).value for i in range(1, len(lines) + 2)] == [*lines, project.form.title]
    assert "&" in lines[1], "the sample letter's number has an ampersand: the escape is tested"
    for key in ("unit_info", "indicators", "activities", "budget", "narrative"):
        header = wb[project.form.sheets[key].title].oddHeader.right.text
        assert header == " — ".join(lines).replace("&", "&&"), key


def test_a_period_without_a_letter_names_the_form_alone(project: Project) -> None:
    ref = form_reference(project, project.period("2026-AM"))
    assert ref.number and not ref.letter


def test_signature_block_is_printed_under_the_narrative(project: Project, template: Path) -> None:
    wb = load_workbook(template)
    form, layout = project.form, layout_for(project.form)
    ws = wb[form.sheets["narrative"].title]
    info = "'" + form.sheets["unit_info"].title + "'!"
    below = {(c.row, c.column): c.value for row in ws.iter_rows(min_row=max(layout.narrative_rows.values()) + 1)
             for c in row if c.value is not None}
    texts = set(below.values())
    assert {"NGƯỜI LẬP BIỂU", "THỦ TRƯỞNG ĐƠN VỊ", "(Ký, ghi rõ họ tên)", "(Ký, ghi rõ họ tên, đóng dấu)"} <= texts
    formulas = [v for v in texts if str(v).startswith("=")]
    date_cell = info + layout.unit_info_cell("report_date")
    assert any(date_cell in f and "DAY(" in f and "YEAR(" in f for f in formulas)
    for field, col in (("reporter", NARR_COL_LABEL), ("approver", NARR_COL_VALUE)):
        cell = info + layout.unit_info_cell(field)
        assert any(cell in str(v) for (r, c), v in below.items() if c == col), field
    last = max(r for r, _ in below)
    assert ws.print_area == f"'{ws.title}'!$A$1:$C${last}"
    assert all(ws.cell(row=r, column=c).protection.locked for r, c in below)
    assert ws.protection.sheet


@pytest.mark.libreoffice
def test_a_filled_workbook_reads_clean_and_signs_on_paper(project: Project, make_workbook, tmp_path: Path) -> None:
    def edit(data):
        data["unit_info"].update(reporter="Lê Thị Hoa", approver="Phạm Văn Đức")

    path = make_workbook(UNIT, PERIOD, edit=edit)
    sub, findings = read_submission(path, project)
    assert sub is not None and [f for f in findings if f.severity == "error"] == []
    assert sub.unit_info["reporter"].value == "Lê Thị Hoa"
    date = sub.unit_info["report_date"].value
    pdf = convert(path, "pdf", tmp_path / "pdf")
    text = unicodedata.normalize("NFC", subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                                       check=True).stdout)
    flat = " ".join(text.split())
    place = project.config["province"]["place"]
    assert f"{place}, ngày {date:%d} tháng {date:%m} năm {date:%Y}" in flat
    assert "Lê Thị Hoa" in flat and "Phạm Văn Đức" in flat and "THỦ TRƯỞNG ĐƠN VỊ" in flat
    assert "Biểu số 01/BĐG-ĐV — Kèm theo Công văn số 1530/SNV-CTTN&BĐG" in flat
