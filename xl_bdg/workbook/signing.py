"""What makes the printed unit workbook a form the unit signs: the form's number and the guidance letter it is
sent with ("Biểu số 01/BĐG-ĐV — Kèm theo Công văn số … ngày … của …") above the first sheet's title and in the
printed header of every data sheet, and the signature block under the narrative sheet's table (place and date,
NGƯỜI LẬP BIỂU and THỦ TRƯỞNG ĐƠN VỊ with their names), inside the print area.

The block's place, date and names are formulas on the unit information sheet, so what the unit types there prints
here. It sits below the table, outside every input cell, so the reader (which reads the narrative sheet only at its
value cells) and the structure check do not see it. The activity sheet gets none: the reader reports anything
typed below its table.
"""

from __future__ import annotations

from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from ..form.definition import Form
from ..form.layout import NARR_COL_LABEL, NARR_COL_VALUE, Layout
from ..form.project import Project
from ..form.unit_form import form_reference, reference_words
from ..periods import Period
from . import styles as st

#: Point size of the form's number in the printed page header (small: it names the form, it is not the title).
HEADER_SIZE = 9
_TEXT_KEYS = ("form_no", "attached", "attached_nodate")


def form_lines(project: Project, period: Period) -> list[str]:
    """The lines naming the form and its guidance letter for `period` (none when province.yaml has no
    `unit_form`)."""
    form = project.form
    return reference_words(form_reference(project, period), {k: form.text(f"form_ref.{k}") for k in _TEXT_KEYS})


def _header_text(text: str) -> str:
    # "&" starts a code in Excel's header language (&P, &D…): a literal ampersand is "&&" ("CTTN&&BĐG").
    return text.replace("&", "&&")


def print_header(ws: Worksheet, lines: list[str]) -> None:
    """The form's number and its letter at the top right of every printed page of `ws`."""
    if not lines:
        return
    # One line: openpyxl writes a line break in a header as the escape _x000a_, which LibreOffice prints as is.
    ws.oddHeader.right.text = _header_text(" — ".join(lines))
    ws.oddHeader.right.size = HEADER_SIZE
    ws.oddHeader.right.font = f"{st.FONT_NAME},Italic"


def signature_block(ws: Worksheet, form: Form, layout: Layout, unit_info_title: str, place: str) -> int:
    """The signature block under the narrative sheet's table; return its last row (the print area's end).

    Place and date: '<place>, ngày dd tháng mm năm yyyy' from the report date on the unit information sheet (dots
    while it is empty); the two columns: NGƯỜI LẬP BIỂU over the reporter's name, THỦ TRƯỞNG ĐƠN VỊ over the head's.
    """
    sheet = "'" + unit_info_title.replace("'", "''") + "'"

    def at(field_id: str) -> str:
        return f"{sheet}!{layout.unit_info_cell(field_id)}"

    def name(field_id: str) -> str:
        return f'=IF({at(field_id)}="","",{at(field_id)})'  # an empty cell prints nothing, not 0

    blank = form.text("signature.blank")
    date = at("report_date")
    # DAY/MONTH/YEAR with TEXT(…,"00"): the same in every locale (TEXT's date codes differ between languages).
    parts = {"place": place, "day": f'"&TEXT(DAY({date}),"00")&"', "month": f'"&TEXT(MONTH({date}),"00")&"',
             "year": f'"&YEAR({date})&"'}
    dated = form.text("signature.place_date").replace('"', '""').format(**parts)
    undated = form.text("signature.place_date").replace('"', '""').format(place=place, day=blank, month=blank,
                                                                         year=blank)
    top = max(layout.narrative_rows.values()) + 2
    cells = [
        (top, NARR_COL_VALUE, f'=IF(ISNUMBER({date}),"{dated}","{undated}")', Font(name=st.FONT_NAME, size=11,
                                                                                     italic=True)),
        (top + 1, NARR_COL_LABEL, form.text("signature.preparer"), st.FONT_BOLD),
        (top + 1, NARR_COL_VALUE, form.text("signature.head"), st.FONT_BOLD),
        (top + 2, NARR_COL_LABEL, form.text("signature.preparer_note"), st.FONT_NOTE),
        (top + 2, NARR_COL_VALUE, form.text("signature.head_note"), st.FONT_NOTE),
        (top + 6, NARR_COL_LABEL, name("reporter"), st.FONT_BOLD),
        (top + 6, NARR_COL_VALUE, name("approver"), st.FONT_BOLD),
    ]
    for row, col, value, font in cells:
        c = ws.cell(row=row, column=col, value=value)
        c.font = font
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        c.protection = st.LOCKED
    return top + 6
