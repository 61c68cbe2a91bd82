"""Streamed table bodies for the annex's forms (issue 16). A 4,000-unit annex holds about 2 million styled cells; as
openpyxl Cell objects each costs ~20 µs and ~300 bytes, held until the workbook is saved. Here a form's heading,
column header, foot and charts stay openpyxl's, and its table body is a generator of rows that is written straight
into the sheet's XML while the workbook is saved: no cell object is made and no row is kept.

A body cell is written as openpyxl writes the same cell (inline string, number, boolean or date serial; the style
of its `Look` registered in the workbook's own style lists), so a program reading the file sees the same cells;
tests/test_annex_stream.py compares the annex with the one written cell by cell, semantically.
"""

from __future__ import annotations

import datetime as dt
import re
import weakref
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from math import isfinite
from pathlib import Path
from typing import Any
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.cell.cell import TIME_FORMATS, Cell
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.styles import Alignment, Border, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from ..sanitize import clean_text

__all__ = ["Look", "Row", "body", "save"]


@dataclass(frozen=True, eq=False)
class Look:
    """How a body cell looks: the openpyxl style objects it is given (None: not set, openpyxl's default). Compared
    by identity: make each look once and share it between rows."""

    font: Font | None
    fmt: str | None = None
    align: Alignment | None = None
    border: Border | None = None
    fill: PatternFill | None = None


#: One body row: its values and, column by column, their looks.
Row = tuple[Sequence[Any], Sequence[Look]]


@dataclass
class _Body:
    first: int
    count: int
    rows: Iterable[Row]
    fit: bool


_BODIES: weakref.WeakKeyDictionary[Worksheet, list[_Body]] = weakref.WeakKeyDictionary()


def body(ws: Worksheet, first: int, count: int, rows: Iterable[Row], fit: bool = True) -> int:
    """Put `count` rows, drawn from `rows` when the workbook is saved, at rows `first`… of `ws`; returns the row
    after them. `fit`: a row with wrapped text gets the height of its longest cell (spreadsheet programs do not grow
    a row for text another program wrote, so it would print cut). Nothing else may be written in those rows."""
    if count:
        _BODIES.setdefault(ws, []).append(_Body(first, count, rows, fit))
    return first + count


def save(wb: Workbook, target: Path) -> None:
    """`wb.save(target)`, with the sheets' bodies streamed into their XML."""
    with ZipFile(target, "w", ZIP_DEFLATED, allowZip64=True) as archive:
        wb.properties.modified = dt.datetime.now(tz=dt.UTC).replace(tzinfo=None)
        _Writer(wb, archive).save()


class _Writer(ExcelWriter):
    """openpyxl's writer; a sheet with bodies is written by openpyxl without them, then spliced."""

    def __init__(self, wb: Workbook, archive: ZipFile) -> None:
        super().__init__(wb, archive)
        self._styles = _Styles(wb)

    def write_worksheet(self, ws: Worksheet) -> None:
        bodies = _BODIES.pop(ws, None)
        if not bodies:
            super().write_worksheet(ws)
            return
        # ExcelWriter.write_worksheet, with the part written through _spliced.
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        writer = WorksheetWriter(ws)
        writer.write()
        ws._rels = writer._rels
        skeleton = Path(writer.out).read_bytes().decode("utf-8")
        with self._archive.open(ws.path[1:], "w") as part:
            for chunk in _spliced(ws, skeleton, bodies, self._styles):
                part.write(chunk.encode("utf-8"))
        self.manifest.append(ws)
        writer.cleanup()


_SHEET_DATA = re.compile(r"<sheetData>(.*)</sheetData>|<sheetData\s*/>", re.S)
_ROW = re.compile(r'<row r="(\d+)"[^>]*?(?:/>|>.*?</row>)', re.S)


def _spliced(ws: Worksheet, skeleton: str, bodies: list[_Body], styles: _Styles) -> Iterator[str]:
    """The sheet's XML: openpyxl's rows (heading, header, foot) and the bodies' rows, in row order."""
    data = _SHEET_DATA.search(skeleton)
    if data is None:
        raise ValueError(f"{ws.title}: no sheetData in the sheet's XML")
    inner = data.group(1) or ""
    rows = [(int(m.group(1)), m.group(0)) for m in _ROW.finditer(inner)]
    if "".join(text for _, text in rows) != inner:
        raise ValueError(f"{ws.title}: the sheet's rows were not all recognised")
    yield skeleton[:data.start()] + "<sheetData>"
    i = 0
    for b in sorted(bodies, key=lambda b: b.first):
        while i < len(rows) and rows[i][0] < b.first:
            yield rows[i][1]
            i += 1
        if i < len(rows) and rows[i][0] < b.first + b.count:
            raise ValueError(f"{ws.title}: row {rows[i][0]} was written inside a streamed body")
        yield from _body_xml(ws, b, styles)
    yield "".join(text for _, text in rows[i:])
    yield "</sheetData>" + skeleton[data.end():]


class _Styles:
    """A look's index in the workbook's cell styles, made once per look (and per default date format) with a probe
    cell: setting a Font, Border and Alignment registers them as openpyxl does for any cell."""

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        self.ids: dict[tuple[int, str | None], str] = {}
        self.kept: list[Look] = []  # looks alive while their ids are keys

    def sid(self, look: Look, default_fmt: str | None = None) -> str:
        key = (id(look), default_fmt)
        found = self.ids.get(key)
        if found is not None:
            return found
        cell = Cell(self.wb.worksheets[0])
        if look.font is not None:
            cell.font = look.font
        if look.border is not None:
            cell.border = look.border
        if look.align is not None:
            cell.alignment = look.align
        if look.fill is not None:
            cell.fill = look.fill
        fmt = look.fmt or default_fmt
        if fmt:
            cell.number_format = fmt
        self.kept.append(look)
        self.ids[key] = found = str(self.wb._cell_styles.add(cell._style))
        return found


_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_NEEDS_ESCAPE = re.compile("[&<>\r]")
_MAX_TEXT = 32767  # characters a cell holds (openpyxl cuts longer text)
#: Characters of XML joined into one write. A bound on characters, not rows: a row of the 4,000-unit form by unit
#: has 3,000 cells, so 2,000 such rows made 100 MiB of text at once, the report's peak (issue 16).
_CHUNK = 1 << 20


def _body_xml(ws: Worksheet, b: _Body, styles: _Styles) -> Iterator[str]:
    """The body's rows as XML, a chunk of rows at a time."""
    letters: list[str] = []
    # Characters a line of each column holds: 1.1 a unit of width (at 1.25 a code such as "Kế hoạch số 6/KH-SO-NOIVU"
    # wrapped onto a second line the row had no room for, and printed over the next row).
    per_line: list[int] = []
    epoch = ws.parent.epoch
    out: list[str] = []
    size = 0
    r = b.first - 1
    for values, looks in b.rows:
        r += 1
        if r >= b.first + b.count:
            raise ValueError(f"{ws.title}: more rows than the {b.count} announced")
        while len(letters) < len(values):
            letter = get_column_letter(len(letters) + 1)
            letters.append(letter)
            per_line.append(max(1, int((ws.column_dimensions[letter].width or 9) * 1.1)))
        rs = str(r)
        lines = 1
        cells = []
        for c, (value, look) in enumerate(zip(values, looks, strict=True)):
            ref = letters[c] + rs
            if value is None:
                cells.append(f'<c r="{ref}" s="{styles.sid(look)}" t="n"/>')
            elif isinstance(value, str):
                text = clean_text(value)[:_MAX_TEXT]
                if not text:
                    cells.append(f'<c r="{ref}" s="{styles.sid(look)}" t="inlineStr"/>')
                    continue
                if b.fit:
                    lines = max(lines, -(-len(text) // per_line[c]))
                space = ' xml:space="preserve"' if text != text.strip() else ""
                if _NEEDS_ESCAPE.search(text):
                    text = text.translate(_ESCAPE)
                cells.append(f'<c r="{ref}" s="{styles.sid(look)}" t="inlineStr"><is><t{space}>{text}</t></is></c>')
            elif isinstance(value, bool):
                cells.append(f'<c r="{ref}" s="{styles.sid(look)}" t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, (int, float, Decimal)):
                number = f"{float(value):.16g}" if isfinite(value) else ""  # openpyxl's safe_string
                cells.append(f'<c r="{ref}" s="{styles.sid(look)}" t="n"><v>{number}</v></c>')
            elif isinstance(value, (dt.date, dt.time, dt.timedelta)):
                if getattr(value, "tzinfo", None) is not None:
                    raise TypeError("Excel does not support timezones in datetimes")
                sid = styles.sid(look, TIME_FORMATS.get(type(value)))
                cells.append(f'<c r="{ref}" s="{sid}" t="n"><v>{float(to_excel(value, epoch)):.16g}</v></c>')
            else:
                raise TypeError(f"{ws.title}!{ref}: cannot write a {type(value).__name__} in a cell")
        height = f' ht="{15 * lines}" customHeight="1"' if lines > 1 else ""
        line = f'<row r="{rs}"{height}>{"".join(cells)}</row>'
        out.append(line)
        size += len(line)
        if size >= _CHUNK:
            yield "".join(out)
            out.clear()
            size = 0
    if r != b.first + b.count - 1:
        raise ValueError(f"{ws.title}: {r - b.first + 1} rows written, {b.count} announced")
    yield "".join(out)
