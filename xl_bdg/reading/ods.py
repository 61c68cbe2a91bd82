"""One streaming pass over an OpenDocument spreadsheet's content.xml: for each table, the box its filled cells span,
and the cells calamine reads without saying what they are (formula errors, percentages).

OpenDocument writes repeated rows and cells once with a count (`table:number-rows-repeated`,
`table:number-columns-repeated`): LibreOffice itself ends every sheet with a million empty rows written that way,
and a hostile file can repeat one filled cell over billions. The pass counts repetitions, never expands them, and
clears every row once read, so memory stays flat; the extent it returns is what a parser would have to allocate.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

from ..text import nfc

_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_T = "{" + _TABLE_NS + "}"
_TABLE, _ROW = _T + "table", _T + "table-row"
_CELLS = (_T + "table-cell", _T + "covered-table-cell")
_ROWS_REP, _COLS_REP, _NAME = _T + "number-rows-repeated", _T + "number-columns-repeated", _T + "name"
_VALUE_TYPE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}value-type"
_CALC_TYPE = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}value-type"
_P = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}p"
#: Facts are kept for at most this many cells of one repeated block (a block that large is no form's input).
MAX_FACT_CELLS = 10_000
MIME_TYPES = ("application/vnd.oasis.opendocument.spreadsheet",
              "application/vnd.oasis.opendocument.spreadsheet-template")


@dataclass
class OdsSheet:
    """One table of a content.xml: its filled extent and the facts calamine's values lack."""

    rows: int = 0  # last row holding a filled cell (1-based)
    cols: int = 0  # last column holding a filled cell
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    percent: set[tuple[int, int]] = field(default_factory=set)


def _rep(el: ET.Element, attr: str) -> int:
    try:
        return max(1, int(el.get(attr, "1")))
    except ValueError:
        return 1


def _filled(cell: ET.Element) -> bool:
    return cell.get(_VALUE_TYPE) is not None or cell.get(_CALC_TYPE) is not None or len(cell) > 0 \
        or bool((cell.text or "").strip())


def scan(content: bytes) -> dict[str, OdsSheet]:
    """Each table of `content` (a content.xml already checked to hold no DTD), by NFC name.

    Raises ET.ParseError on malformed XML (the caller reports the file as damaged)."""
    out: dict[str, OdsSheet] = {}
    sheet: OdsSheet | None = None
    row = col = 1
    row_rep = 1
    for event, el in ET.iterparse(io.BytesIO(content), events=("start", "end")):
        tag = el.tag
        if event == "start":
            if tag == _TABLE:
                sheet = out.setdefault(nfc(el.get(_NAME, "")), OdsSheet())
                row = 1
            elif tag == _ROW:
                row_rep, col = _rep(el, _ROWS_REP), 1
            continue
        if sheet is None:
            continue
        if tag in _CELLS:
            col_rep = _rep(el, _COLS_REP)
            if _filled(el):
                sheet.rows = max(sheet.rows, row + row_rep - 1)
                sheet.cols = max(sheet.cols, col + col_rep - 1)
                kind = el.get(_CALC_TYPE) or el.get(_VALUE_TYPE)
                if kind in ("error", "percentage") and row_rep * col_rep <= MAX_FACT_CELLS:
                    shown = "".join("".join(p.itertext()) for p in el.iter(_P)).strip() or "#ERROR"
                    for r in range(row, row + row_rep):
                        for c in range(col, col + col_rep):
                            if kind == "error":
                                sheet.errors[(r, c)] = shown
                            else:
                                sheet.percent.add((r, c))
            col += col_rep
        elif tag == _ROW:
            row += row_rep
            el.clear()  # a row read is a row forgotten: memory stays flat however long the sheet
        elif tag == _TABLE:
            sheet = None
    return out
