"""Cell styles shared by the template writer and the annotated copies, so every workbook looks alike."""

from __future__ import annotations

from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side

# The font of Vietnamese administrative documents; LibreOffice maps it to Liberation Serif.
FONT_NAME = "Times New Roman"
THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
FONT = Font(name=FONT_NAME, size=11)
FONT_BOLD = Font(name=FONT_NAME, size=11, bold=True)
FONT_TITLE = Font(name=FONT_NAME, size=14, bold=True)
FONT_HEADER = Font(name=FONT_NAME, size=11, bold=True, color="FFFFFF")
FONT_NOTE = Font(name=FONT_NAME, size=10, italic=True, color="404040")
FILL_HEADER = PatternFill("solid", fgColor="1F4E78")
FILL_GROUP = PatternFill("solid", fgColor="DDEBF7")
FILL_INPUT = PatternFill("solid", fgColor="FFF2CC")   # yellow: type here
FILL_NA = PatternFill("solid", fgColor="D9D9D9")      # grey: does not apply to this unit
FILL_STAMP = PatternFill("solid", fgColor="E2EFDA")   # green: filled in by the template
FILL_ERROR = PatternFill("solid", fgColor="FF9999")   # marks on annotated copies
FILL_WARNING = PatternFill("solid", fgColor="FFD966")
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
UNLOCKED = Protection(locked=False)
LOCKED = Protection(locked=True)

NUMBER_FORMATS = {"count": "#,##0", "money": "#,##0", "number": "#,##0.0#", "percent": "0.0#", "date": "DD/MM/YYYY"}
