"""Cells of the unit workbook: input cells, labels and headers, Excel's in-cell validations, print setup and
sheet protection. The template writer (template.py) lays sheets out with these."""

from __future__ import annotations

import datetime as dt
from copy import copy

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ..form.definition import MAX_BY_TYPE, Form
from ..periods import Period
from . import styles as st


def excel_serial(day: dt.date) -> int:
    """The Excel serial number of a date (days since 30/12/1899), as validations take it."""
    return (day - dt.date(1899, 12, 30)).days


class Validations:
    """Per-workbook state: one DataValidation per kind of rule, shared by all its ranges (keeps the file small),
    and the input-cell style arrays already computed (they index the workbook's own style tables)."""

    def __init__(self, form: Form, period: Period) -> None:
        self.styles: dict[str, object] = {}
        self.by_key: dict[str, DataValidation] = {}
        self._form = form
        self._dates = {"start": f"{period.start:%d/%m/%Y}", "end": f"{period.end:%d/%m/%Y}"}
        self._date = (str(excel_serial(period.start)), str(excel_serial(period.end)))

    def _new(self, key: str, kind: str, prompt_title: str | None = None, **kw: object) -> DataValidation:
        texts = {k: str(v).format(**self._dates) for k, v in self._form.text(f"validation.{kind}").items()}
        # Excel refuses a validation whose title is over 32 characters or whose message is over 255.
        dv = DataValidation(showErrorMessage=True, showInputMessage=True, allow_blank=True, errorStyle="stop",
                            errorTitle=texts["title"][:32], error=texts["error"][:255],
                            promptTitle=(prompt_title or texts.get("prompt_title", ""))[:32],
                            prompt=texts.get("prompt", "")[:255], **kw)
        self.by_key[key] = dv
        return dv

    def for_type(self, ftype: str, list_id: str | None = None) -> DataValidation | None:
        """The shared validation for a field type (a list validation per dropdown list), or None for text."""
        if ftype in ("list", "yesno"):
            list_id = list_id or "yesno"
            key = f"list:{list_id}"
            if key not in self.by_key:
                values = self._form.lists[list_id].values
                col = list(self._form.lists).index(list_id) + 1
                letter = get_column_letter(col)
                sheet = quote_sheetname(self._form.sheet_title("lists"))
                self._new(key, "list", prompt_title=self._form.lists[list_id].label,
                          type="list", formula1=f"{sheet}!${letter}$2:${letter}${len(values) + 1}")
            return self.by_key[key]
        if ftype == "count":
            if "count" not in self.by_key:
                self._new("count", "count", type="whole", operator="between", formula1="0",
                          formula2=str(MAX_BY_TYPE["count"]))
            return self.by_key["count"]
        if ftype in ("money", "number"):
            if "money" not in self.by_key:
                self._new("money", "money", type="decimal", operator="greaterThanOrEqual", formula1="0")
            return self.by_key["money"]
        if ftype == "percent":
            if "percent" not in self.by_key:
                self._new("percent", "percent", type="decimal", operator="between", formula1="0", formula2="100")
            return self.by_key["percent"]
        if ftype == "date":
            if "date" not in self.by_key:
                lo, hi = self._date
                self._new("date", "date", type="date", operator="between", formula1=lo, formula2=hi)
            return self.by_key["date"]
        return None

    def attach(self, ws: Worksheet, keys: list[str]) -> None:
        """Add the validations named by `keys` to `ws` and forget them (each sheet gets its own)."""
        for key in keys:
            dv = self.by_key.get(key)
            if dv is not None and dv.sqref:
                ws.add_data_validation(dv)
        for key in keys:
            self.by_key.pop(key, None)


def input_cell(ws: Worksheet, row: int, col: int, ftype: str, vals: Validations, list_id: str | None = None,
               validate: bool = True) -> None:
    """An open (unlocked, yellow) input cell, formatted for its type and, if `validate`, under its validation."""
    cell = ws.cell(row=row, column=col)
    cached = vals.styles.get(ftype)
    if cached is not None:
        # Copying the style array skips openpyxl's per-attribute hashing, which dominated the writing time.
        cell._style = copy(cached)
    else:
        cell.fill = st.FILL_INPUT
        cell.protection = st.UNLOCKED
        cell.border = st.BORDER
        cell.font = st.FONT
        if ftype == "text":
            cell.alignment = st.WRAP
        if ftype in st.NUMBER_FORMATS:
            cell.number_format = st.NUMBER_FORMATS[ftype]
        vals.styles[ftype] = copy(cell._style)
    dv = vals.for_type(ftype, list_id) if validate else None
    if dv is not None:
        dv.add(cell.coordinate)


def row_height(text: str, width: float, line: float = 15.0) -> float:
    """Points needed to show `text` wrapped in a column `width` characters wide (bold text runs wider)."""
    per_line = max(10, int(width * 1.05))
    lines = max(1, -(-len(text) // per_line))
    return line * lines


def header(ws: Worksheet, row: int, col: int, text: object) -> None:
    """A table header cell: white bold text on the dark band."""
    label(ws, row, col, text, font=st.FONT_HEADER, fill=st.FILL_HEADER, align=st.CENTER)


def label(ws: Worksheet, row: int, col: int, text: object, font: Font = st.FONT, fill: PatternFill | None = None,
          align: Alignment = st.WRAP) -> None:
    """A locked text cell with a border (labels, codes, units)."""
    cell = ws.cell(row=row, column=col, value=text)
    cell.font = font
    cell.border = st.BORDER
    cell.alignment = align
    if fill is not None:
        cell.fill = fill


def print_setup(ws: Worksheet, landscape: bool, header_row: int, pages_wide: int = 1) -> None:
    """A4, fit to `pages_wide` pages across, the header row repeated on every printed page.

    A table too wide for one page at a readable size (the activity list: about 300 characters) prints on two pages
    across, left half then right half of the same rows (over, then down)."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = pages_wide
    if pages_wide > 1:
        ws.page_setup.pageOrder = "overThenDown"
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_margins.left = ws.page_margins.right = 0.5


def protect(ws: Worksheet) -> None:
    """Protect the sheet so only unlocked (input) cells take typing."""
    # Protection keeps the structure; resizing rows and columns stays allowed (False means "not protected").
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.selectLockedCells = False
    ws.protection.selectUnlockedCells = False
