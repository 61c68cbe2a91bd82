"""What python-calamine does not hand over about a cell: the error a formula ended in, and a percentage format.

calamine gives an error cell (#VALUE!, #DIV/0!, #NAME?, #N/A, #REF!, …) as an empty string, so the reader would take
it for an empty cell; and "45%" typed into a cell is stored as 0.45 with a percentage number format, which calamine
does not report. Both are read here from the file itself, per sheet:

- .xlsx: the sheet's XML (`<c t="e"><v>#DIV/0!</v>`) and the cell's style (`s=`) through styles.xml to its number
  format (built-in 9 and 10, or a format code with a `%` outside quotes);
- .ods: content.xml (`calcext:value-type="error"`, `office:value-type="percentage"`), with repeated rows and columns
  counted, never expanded;
- .xls: xlrd (BIFF error cells, and the XF record's number format).

Works on bytes the safety checks already read and bounded; anything unexpected gives no facts rather than an error
(the values themselves still come from calamine).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

from .safety import Inspection

Pos = tuple[int, int]  # 1-based (row, column)

#: What Excel and LibreOffice show for a formula that ended in an error (LibreOffice also writes "Err:502" in .ods).
ERROR_TEXTS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                         "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"})
_LO_ERROR = re.compile(r"^Err:\d{3}$")
_PERCENT_BUILTIN = frozenset({9, 10})
_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')  # literal text, escaped characters and [colour]/[condition] parts
_C_TAG = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(/?)>")
_ATTR = re.compile(rb'\b(r|s|t)="([^"]*)"')
_C_CLOSE = re.compile(rb"</(?:\w+:)?c>")
_V = re.compile(rb"<(?:\w+:)?v(?:\s[^>]*)?>([^<]*)</(?:\w+:)?v>")
_REF = re.compile(rb"^([A-Z]{1,3})(\d+)$")


@dataclass
class CellFacts:
    """Facts about a sheet's cells that calamine's values lack."""

    errors: dict[Pos, str] = field(default_factory=dict)  # cell → the error shown, e.g. "#DIV/0!"
    percent: set[Pos] = field(default_factory=set)  # cells whose number format shows a percentage


def is_error_text(text: str) -> bool:
    """Whether `text` is what a spreadsheet program shows for a formula that ended in an error."""
    return text in ERROR_TEXTS or bool(_LO_ERROR.match(text))


def percent_format(code: str) -> bool:
    """Whether a number format code shows its value as a percentage (a `%` outside quoted text and brackets)."""
    return "%" in _QUOTED.sub("", code)


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


# --- .xlsx ---------------------------------------------------------------------------------------------------------

def _percent_styles(styles: bytes | None) -> frozenset[int]:
    """The indexes of cellXfs whose number format is a percentage."""
    if not styles or (b"%" not in styles and b'numFmtId="9"' not in styles and b'numFmtId="10"' not in styles):
        return frozenset()
    try:
        root = ET.fromstring(styles)  # checked for DTDs by the safety pass: nothing to expand
    except ET.ParseError:
        return frozenset()
    codes: dict[int, str] = {}
    xfs: list[int] = []
    for el in root.iter():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "numFmt":
            try:
                codes[int(el.get("numFmtId", "-1"))] = el.get("formatCode", "")
            except ValueError:
                continue
    for el in root:
        if el.tag.rsplit("}", 1)[-1] == "cellXfs":
            for xf in el:
                try:
                    xfs.append(int(xf.get("numFmtId", "0")))
                except ValueError:
                    xfs.append(0)
    return frozenset(i for i, fid in enumerate(xfs)
                     if fid in _PERCENT_BUILTIN or (fid in codes and percent_format(codes[fid])))


def _xlsx_facts(xml: bytes, percent_styles: frozenset[int]) -> CellFacts:
    facts = CellFacts()
    wanted = {str(i).encode() for i in percent_styles}
    has_errors = b't="e"' in xml
    if not has_errors and not any(b's="' + w + b'"' in xml for w in wanted):
        return facts  # the common case: nothing to look at, one byte search
    # The cell's closing tag and the value inside it, each found once and kept while it still lies ahead: searched
    # afresh from every error cell, thousands of `<c t="e">` with no `</c>` after them meant as many scans to the
    # end (minutes; issue 16). Error cells come in order, so a search from an earlier one that found nothing, or
    # found a match at or after this cell, is this cell's answer too.
    close: re.Match[bytes] | None = None
    close_from = -1
    value: re.Match[bytes] | None = None
    value_span = (-1, -1)  # (searched from, up to) of `value`
    for m in _C_TAG.finditer(xml):
        attrs = dict(_ATTR.findall(m.group(1)))
        ref = _REF.match(attrs.get(b"r", b""))
        if ref is None:
            continue
        pos = (int(ref.group(2)), _col(ref.group(1)))
        if attrs.get(b"t") == b"e" and m.group(2) != b"/":
            start = m.end()
            if close_from < 0 or (close is not None and close.start() < start):
                close, close_from = _C_CLOSE.search(xml, start), start
            end = close.start() if close else len(xml)
            if value_span[0] < 0 or value_span[1] != end or (value is not None and value.start() < start):
                value, value_span = _V.search(xml, start, end), (start, end)
            facts.errors[pos] = value.group(1).decode("utf-8", "replace").strip() if value else "#ERROR"
        elif attrs.get(b"s") in wanted:
            facts.percent.add(pos)
    return facts


def _styles_part(insp: Inspection) -> bytes | None:
    for name in ("xl/styles.xml", *sorted(n for n in insp.members if n.lower().endswith("styles.xml"))):
        if name in insp.members:
            return insp.members[name]
    return None


# --- .xls ----------------------------------------------------------------------------------------------------------

def _xls_facts(data: bytes, titles: set[str]) -> dict[str, CellFacts]:
    try:
        import xlrd
    except ImportError:  # the values still come from calamine; only these two facts are lost
        return {}
    from ..text import nfc

    out: dict[str, CellFacts] = {}
    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True, logfile=io.StringIO())
    except Exception:  # xlrd refuses what calamine may still read: no facts, the reader goes on
        return {}
    try:
        percent_keys = {key for key, fmt in book.format_map.items() if percent_format(fmt.format_str or "")}
        for index, name in enumerate(book.sheet_names()):
            if nfc(name) not in titles:
                continue
            facts = CellFacts()
            try:
                sheet = book.sheet_by_index(index)
                for r in range(sheet.nrows):
                    for c, cell in enumerate(sheet.row(r)):
                        if cell.ctype == xlrd.XL_CELL_ERROR:
                            facts.errors[(r + 1, c + 1)] = xlrd.error_text_from_code.get(cell.value, "#ERROR")
                        elif cell.ctype == xlrd.XL_CELL_NUMBER and percent_keys:
                            xf = book.xf_list[cell.xf_index] if cell.xf_index is not None else None
                            if xf is not None and xf.format_key in percent_keys:
                                facts.percent.add((r + 1, c + 1))
            except Exception:  # one odd sheet: no facts for it
                continue
            out[nfc(name)] = facts
    finally:
        book.release_resources()
    return out


# --- public --------------------------------------------------------------------------------------------------------

def cell_facts(insp: Inspection, titles: Iterable[str]) -> dict[str, CellFacts]:
    """Error cells and percentage-formatted cells of the sheets `titles` (NFC), by title; a sheet with nothing to
    say is absent."""
    wanted = set(titles)
    if insp.kind == "xlsx":
        styles = _percent_styles(_styles_part(insp))
        out = {}
        for title in wanted:
            xml = insp.sheet_xml(title)
            if xml is not None:
                facts = _xlsx_facts(xml, styles)
                if facts.errors or facts.percent:
                    out[title] = facts
        return out
    if insp.kind == "ods":
        # The safety pass already walked content.xml once (for the extent of each table) and kept what it saw.
        return {t: CellFacts(s.errors, s.percent) for t, s in insp.ods_sheets.items()
                if t in wanted and (s.errors or s.percent)}
    if insp.kind == "xls":
        return {t: f for t, f in _xls_facts(insp.data, wanted).items() if f.errors or f.percent}
    return {}
