"""What comes out of the printer, as LibreOffice prints it: the blank activity list is a grid of numbered rows to fill
by hand, at a readable size; the findings sheet of an annotated copy prints on A4; the indicator sheet gives a
sub-row its indicator's unit only where the unit means something (a document number has none)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from support.office import convert

from xl_bdg.form.layout import IND_COL_UNIT, layout_for
from xl_bdg.form.project import Project
from xl_bdg.validation.marks import annotate_copy
from xl_bdg.validation.validate import validate_file
from xl_bdg.workbook.template import PRINT_BLANK_ROWS, write_template

UNIT, PERIOD = "XA-EAKAO", "2026-FY"
A4_LANDSCAPE = (841.89, 595.28)


def _pages(pdf: Path) -> list[tuple[float, float]]:
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "999", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)]


def _words(pdf: Path, page: int) -> list[tuple[str, float]]:
    """(word, height in points) of a page."""
    xml = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    return [(w, float(y1) - float(y0)) for y0, y1, w in
            re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)<', xml)]


@pytest.mark.libreoffice
def test_blank_activity_list_prints_a_readable_grid(project: Project, tmp_path: Path) -> None:
    blank = write_template(project, project.registry.get(UNIT), project.period(PERIOD), tmp_path)
    pdf = convert(blank, "pdf", tmp_path / "pdf")
    title = project.form.sheets["activities"].title
    text_pages = [subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"],
                                 capture_output=True, text=True, check=True).stdout
                  for n in range(1, len(_pages(pdf)) + 1)]
    first_col = project.form.activity_columns[0].label
    pages = [n for n, t in enumerate(text_pages, start=1) if first_col in t]
    assert pages, f"the header of {title} is not printed"
    words = _words(pdf, pages[0])
    after = [w for w, _ in words][[w for w, _ in words].index("STT"):]
    numbers = [w for w in after if w.isdigit()]
    assert [str(n) for n in range(1, PRINT_BLANK_ROWS + 1)] == numbers[:PRINT_BLANK_ROWS], "no numbered grid"
    header = [h for w, h in words if w == "STT"]
    assert header and min(header) >= 8.0, f"header printed at {header} pt: too small to read"
    # The right half of the table prints on the next page across, with the row numbers again.
    right = project.form.activity_columns[-1].label
    assert right in text_pages[pages[0]] and "20" in text_pages[pages[0]]


@pytest.mark.libreoffice
def test_findings_sheet_prints_on_a4(project: Project, make_workbook, tmp_path: Path) -> None:
    def broken(d: dict) -> None:
        d["activities"][1]["end"] = d["activities"][1]["start"].replace(year=2027)

    path = make_workbook(UNIT, PERIOD, edit=broken)
    _, report = validate_file(path, project)
    copy = annotate_copy(path, report, tmp_path / "marked", project)
    ws = load_workbook(copy).worksheets[0]
    assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
    pdf = convert(copy, "pdf", tmp_path / "pdf")
    first = _pages(pdf)[0]
    assert first == pytest.approx(A4_LANDSCAPE, abs=1), f"findings sheet printed on {first}"


def test_sub_rows_show_a_unit_only_where_it_means_something(project: Project, tmp_path: Path) -> None:
    blank = write_template(project, project.registry.get(UNIT), project.period(PERIOD), tmp_path)
    ws = load_workbook(blank)[project.form.sheets["indicators"].title]
    lay = layout_for(project.form)
    seen = 0
    for key, irow in lay.indicator_rows.items():
        ind, field = irow.indicator, irow.indicator.field(irow.field_id)
        unit = ws.cell(row=irow.row, column=IND_COL_UNIT).value
        if len(ind.fields) > 1 and field.type == "text":
            assert unit is None, f"{key}: a text sub-row repeats its indicator's unit '{unit}'"
            seen += 1
        else:
            assert unit == ind.unit, key
    assert seen, "the form has no text sub-row: the test tests nothing"
