"""Checks made before any spreadsheet parser sees a file: is it a spreadsheet at all, is it whole, is it safe.

Everything here works on the file's bytes and on the zip directory, with bounds checked before anything is
decompressed: an empty file, a PDF or Word document renamed .xlsx, a truncated zip, a password-protected workbook
(an OLE container holding 'EncryptedPackage'), a zip bomb, an XML entity declaration, a sheet whose cells would
span millions of rows. Each problem is a finding; the file itself is only read, never changed.
"""

from __future__ import annotations

import hashlib
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree import ElementTree as ET

from ..catalogue import words
from ..findings import Finding
from ..form.definition import Form
from ..text import nfc
from . import ods
from .repack import stored_parts

MAX_FILE_BYTES = 50 * 1024 * 1024  # a filled form is well under 1 MB; 50 MB is already absurd
MAX_UNCOMPRESSED = 200 * 1024 * 1024  # total declared uncompressed size of all zip members
MAX_RATIO = 200  # declared uncompressed / compressed size of one member (bombs are ~1000×)
RATIO_MIN_SIZE = 1024 * 1024  # small members may compress very well without harm
MAX_MEMBERS = 5000
MAX_BOX_CELLS = 3_000_000  # rows × columns a sheet's cells may span (the parser allocates the whole box)
# What inflating the members may actually produce, counted as it is produced (declared sizes can lie): a filled
# form's largest sheet is a few MB.
MAX_MEMBER_BYTES = 64 * 1024 * 1024
# Up to this much inflated XML, calamine is handed the checked members stored (repack.py) rather than inflating them
# again; above it the second copy would cost more memory than the inflate costs time.
MAX_REPACK_BYTES = 32 * 1024 * 1024
_CHUNK = 1024 * 1024  # inflate in steps of this much, so a lying member never costs more than one step over a cap

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
# The workbook stream's directory name in UTF-16, compared without case: some writers name it "WORKBOOK".
_OLE_WORKBOOK = re.compile(rb"(?i:w\x00o\x00r\x00k\x00)?(?i:b\x00o\x00o\x00k\x00)\x00\x00")
# The first BIFF8 record of the workbook globals (BOF, version 0x0600, type 0x0005); FILEPASS (0x002F) right after
# it means the workbook is encrypted with a password.
_BIFF8_GLOBALS_BOF = b"\x09\x08\x10\x00\x00\x06\x05\x00"
_FILEPASS = b"\x2f\x00"
# A BIFF2–4 workbook is a bare record stream, not an OLE container: it starts with its BOF record.
_BIFF_OLD_BOF = (b"\x09\x00", b"\x09\x02", b"\x09\x04")
_OLE_WORD = "WordDocument".encode("utf-16-le")
_OLE_PPT = "PowerPoint Document".encode("utf-16-le")
_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_TEXT_MEMBER = (".xml", ".rels", ".vml")
# The attribute is looked for up to the tag's end or the next row tag, whichever comes first: up to the tag's end
# alone, `<row` repeated without a `>` made each of them scan to the end of the XML (hours for 120,000, issue 16).
# The values found are the same: where another row tag comes first, the scan from it finds the same attribute.
_ROW_R = re.compile(rb"row\b(?:(?!row\b)[^>])*?\sr\s*=\s*[\"'](\d+)[\"']")  # a literal start keeps the scan fast
# Cells beyond column Z or row 9,999 matter for the extent (and they are rare), so only they send a sheet down the
# slow path; XML allows single quotes and spaces around `=`, and so does every pattern here.
# Without a literal first byte the scan of a whole sheet took ~1.3 ms; `_far_ref` checks the `\b` before `r` itself.
# The quantifiers are possessive (`*+`: neither run is followed by whitespace, so nothing to give back), which spares
# the engine its backtracking bookkeeping at each of the thousands of `r` a sheet holds: a sixth of the scan.
_FAR_REF = re.compile(rb"r\s*+=\s*+[\"'](?:[A-Za-z]{2}|[A-Za-z]?\d{5})")
_WORD_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


def _far_ref(xml: bytes) -> bool:
    """Whether an `r="..."` attribute (a whole word `r`) names a column beyond Z or a row beyond 9,999."""
    pos = 0
    while (m := _FAR_REF.search(xml, pos)) is not None:
        start = m.start()
        if start == 0 or xml[start - 1] not in _WORD_BYTES:
            return True
        pos = start + 1
    return False


_SMALL_ROWS = 100_000
# The fewest bytes a row tag `row_tags` counts takes (`<row`; `:row ` is longer, and no two counted tags overlap), so
# a sheet XML shorter than `_SMALL_ROWS` times this holds fewer than `_SMALL_ROWS` of them.
_ROW_TAG_BYTES = 4
# Likewise up to the tag's end or the next cell tag.
_CELL_REF = re.compile(rb"<(?:\w+:)?c\s(?:(?!<(?:\w+:)?c\s)[^>])*?\br\s*=\s*[\"']([A-Za-z]{1,3})(\d+)[\"']")
# A value tag's end is looked for up to the next value tag, which finds the same end if there is one: `<v` repeated
# without `/` or `>` would otherwise be scanned to the end from each of them (issue 16).
_VALUE = re.compile(rb"<(?:\w+:)?(?:v|is)\b(?:(?!<(?:\w+:)?(?:v|is)\b)[^/>])*>")


def finding(form: Form, code: str, file: str, sheet: str | None = None, cell: str | None = None, value: Any = None,
            severity: str | None = None, **params: Any) -> Finding:
    """A finding with the catalogue's default severity for `code` (unless `severity` overrides it)."""
    msg = form.messages.get(code)
    sev = severity or (msg.severity if msg else "error")
    return Finding(code=code, severity=sev, file=file, sheet=sheet, cell=cell, value=value, params=params)


@dataclass
class Inspection:
    """What the pre-open checks learnt: the bytes to parse, their hash, the sheets' XML, and the findings."""

    data: bytes = b""
    sha256: str = ""
    kind: str = ""  # "xlsx" (any OOXML workbook, .xlsm included), "xls" or "ods"
    macros: bool = False
    sheet_parts: dict[str, str] = field(default_factory=dict)  # sheet title (NFC) → zip member
    members: dict[str, bytes] = field(default_factory=dict)  # decompressed XML members
    findings: list[Finding] = field(default_factory=list)
    fatal: bool = False
    ods_sheets: dict[str, ods.OdsSheet] = field(default_factory=dict)  # .ods: each table's extent and cell facts
    stored: list[bytes] | None = None  # .xlsx: the checked members as a stored zip's pieces (repack.py), or None
    row_tags: dict[str, int] = field(default_factory=dict)  # zip member → its `<row` tags (counted for the extent)

    def sheet_xml(self, title: str) -> bytes | None:
        """The decompressed XML of a sheet, by title; None when unknown (e.g. an .xls file)."""
        part = self.sheet_parts.get(title)
        return self.members.get(part) if part else None

    def sheet_rows(self, title: str) -> int | None:
        """`row_tags` of a sheet's XML, by title, as the extent check counted them; None when unknown."""
        part = self.sheet_parts.get(title)
        return self.row_tags.get(part) if part else None


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ch - 64)
    return n


def row_tags(xml: bytes) -> int:
    """How many row tags a sheet XML holds (`<row`, or a prefixed `:row ` with attributes), over-estimated."""
    return xml.count(b"<row") + xml.count(b":row ")


def sheet_extent(xml: bytes, n_rows: int | None = None) -> tuple[int, int]:
    """(rows, columns) that the cells of a sheet XML may span, over-estimated: rows without an `r` attribute are
    counted too, at least 26 columns are assumed, and every cell reference counts, not only the rows' (a cell
    `XFD1048576` inside `<row r="7">` makes the parser allocate the box up to it). `n_rows`: `row_tags(xml)`, when
    the caller counted it already."""
    if n_rows is None:
        n_rows = row_tags(xml)
    if n_rows < _SMALL_ROWS and not _far_ref(xml):
        # No reference beyond column Z or row 9,999 and few rows: the box is small (the common case, ~0.3 ms).
        return max(n_rows, 9_999), 26
    rows = max((int(m) for m in _ROW_R.findall(xml)), default=0)
    rows = max(rows, n_rows)
    cols = 26
    for letters, row in set(_CELL_REF.findall(xml)):
        rows, cols = max(rows, int(row)), max(cols, _col_number(letters))
    return rows, cols


_ROW_SPLIT = re.compile(rb"<(?:\w+:)?row\b")
_ROW_HEAD = re.compile(rb"[^>]*?\br=\"(\d+)\"")
_CELL_VALUE = re.compile(rb"<(?:\w+:)?c\b[^>]*?\br=\"([A-Z]{1,3})\d+\"[^>]*?(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)


def filled_rows(xml: bytes, first_row: int, ignore_col: int = 1) -> int:
    """How many rows from `first_row` on hold a value outside column `ignore_col`, counted in a sheet's XML
    without parsing it (the bound on activity rows is checked before the sheet is handed to a parser)."""
    count = 0
    for index, chunk in enumerate(_ROW_SPLIT.split(xml)[1:], start=1):
        head = _ROW_HEAD.match(chunk)
        if (int(head.group(1)) if head else index) < first_row or not _VALUE.search(chunk):
            continue
        for m in _CELL_VALUE.finditer(chunk):
            if m.group(2) and _col_number(m.group(1)) != ignore_col and _VALUE.search(m.group(2)):
                count += 1
                break
    return count


# A formula's tag, `<f` or a prefixed `<x:f`: the scan looks for the literal `f` and checks what stands before it,
# which is one fast pass for both spellings (an alternation or a leading `<(?:\w+:)?` makes the scan slow).
_F_END = re.compile(rb"f[\s>/]")
_PREFIX = re.compile(rb"<(?:\w+:)?")
_C_OPEN = re.compile(rb"<(?:\w+:)?c\s[^>]*?\br=\"([A-Z]{1,3})(\d+)\"[^>]*>")
_C_CLOSE = re.compile(rb"</(?:\w+:)?c>")
_V_FILLED = re.compile(rb"<(?:\w+:)?v(?:\s[^>]*)?>[^<]+</(?:\w+:)?v>")
_V_ANY = re.compile(rb"<(?:\w+:)?v[\s>/]")


def _formula_tag(xml: bytes, pos: int) -> bool:
    """Whether the `f` at `pos` is the name of a tag: `<f` or `<prefix:f`."""
    lt = xml.rfind(b"<", 0, pos)
    return lt >= 0 and _PREFIX.fullmatch(xml, lt, pos) is not None


def uncached_formulas(xml: bytes) -> Iterable[tuple[int, int]]:
    """(row, col) of cells with a formula and no cached value, from a sheet's XML."""
    for m in _F_END.finditer(xml):
        if not _formula_tag(xml, m.start()):
            continue
        # The cell's opening tag sits just before its <f>; a short window back is enough to find it.
        heads = list(_C_OPEN.finditer(xml, max(0, m.start() - 512), m.start()))
        if not heads:
            continue
        head = heads[-1]
        close = _C_CLOSE.search(xml, m.end())
        end = close.start() if close else len(xml)
        if _V_FILLED.search(xml, m.start(), end):
            continue
        if b't="str"' in head.group(0) and _V_ANY.search(xml, m.start(), end):
            continue  # a text formula whose result is the empty string: cached, just empty
        yield int(head.group(2)), _col_number(head.group(1))


_LOCAL_HEADER = struct.Struct("<4s2sHHHHIIIHH")  # a zip member's local header (APPNOTE 4.3.7)
_FLAGS_UNREAD = 0x1 | 0x20 | 0x40  # encrypted, compressed patched data, strong encryption: zipfile's own business


def _inflate_plain(data: bytes, info: zipfile.ZipInfo) -> bytes | None:
    """A member's bytes inflated in one call, when the member is plain (stored or deflated, at most one inflate step
    of `_CHUNK`, a local header that agrees with the directory) and comes out whole (its declared size and CRC);
    None for anything else, which then goes through zipfile, whose errors name the fault.

    The same bytes zipfile gives such a member (its `ZipExtFile` inflates a member of up to one step in one call,
    then checks the size and CRC), at a third of the cost: zipfile's file object, buffers and seeks per member are
    most of the time of a small member (issue 16)."""
    size, method = info.file_size, info.compress_type
    if (size > _CHUNK or info.compress_size > _CHUNK or info.flag_bits & _FLAGS_UNREAD
            or method not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)):
        return None
    start = info.header_offset
    head = data[start:start + _LOCAL_HEADER.size]
    if len(head) != _LOCAL_HEADER.size:
        return None
    magic, _version, flags, _method, _time, _date, _crc, _csize, _usize, name_len, extra_len = \
        _LOCAL_HEADER.unpack(head)
    if magic != ZIP_MAGIC:
        return None
    begin = start + _LOCAL_HEADER.size
    try:
        name = data[begin:begin + name_len].decode("utf-8" if flags & 0x800 else "cp437")
    except UnicodeDecodeError:
        return None
    if name != info.orig_filename:
        return None
    begin += name_len + extra_len
    end = begin + info.compress_size
    limit = getattr(info, "_end_offset", None)  # newer Pythons refuse members that overlap the next one
    if end > len(data) or (limit is not None and end > limit):
        return None
    raw = memoryview(data)[begin:end]
    if method == zipfile.ZIP_STORED:
        blob = bytes(raw)
    else:
        try:
            inflater = zlib.decompressobj(-15)
            blob = inflater.decompress(raw, _CHUNK)
            if inflater.unconsumed_tail:
                return None
            blob += inflater.flush()
        except zlib.error:
            return None
    if len(blob) != size or zlib.crc32(blob) != info.CRC:
        return None
    return blob


class _Refused(Exception):
    """Internal: stop inspecting; the finding is already recorded."""


class _Inspector:
    def __init__(self, path: Path, form: Form) -> None:
        self.path, self.form, self.file = path, form, str(path)
        self.out = Inspection()

    def refuse(self, code: str, value: Any = None, **params: Any) -> None:
        self.out.findings.append(finding(self.form, code, self.file, value=value, **params))
        self.out.fatal = True
        raise _Refused

    def refuse_kind(self, kind: str) -> None:
        """A spreadsheet of a kind xl-bdg does not read: say which kind, and what the sender does about it."""
        vi, en = words("vi").section("filekinds")[kind], words("en").section("filekinds")[kind]
        self.refuse("unsupported-spreadsheet", kind=vi["name"], kind_en=en["name"], advice=vi["advice"],
                    advice_en=en["advice"])

    def run(self) -> Inspection:
        try:
            self._read()
            head = self.out.data[:8]
            if head.startswith(ZIP_MAGIC):
                self._zip()
            elif head == OLE_MAGIC:
                self._ole()
            elif head.startswith(b"%PDF"):
                self.refuse("not-spreadsheet", kind="PDF")
            elif head.startswith(b"PK"):
                self.refuse("corrupt-file", reason="zip")
            elif head[:2] in _BIFF_OLD_BOF and head[2:4] in (b"\x04\x00", b"\x06\x00"):
                self.refuse_kind("excel4")
            elif (other := _other_spreadsheet_text(self.out.data)) is not None:
                self.refuse_kind(other)
            else:
                self.refuse("not-spreadsheet", kind=_sniff_text(self.out.data))
        except _Refused:
            pass
        return self.out

    def _read(self) -> None:
        try:
            st = self.path.stat()
            if not stat.S_ISREG(st.st_mode):
                # A FIFO or a device would block the read or never end it (/dev/zero): only regular files are read.
                self.refuse("not-regular-file", kind=_file_kind(st.st_mode, "vi"),
                            kind_en=_file_kind(st.st_mode, "en"))
            size = st.st_size
            if size > MAX_FILE_BYTES:
                self.refuse("file-too-large", value=size, limit=MAX_FILE_BYTES)
            with self.path.open("rb") as fh:
                data = fh.read(MAX_FILE_BYTES + 1)  # the file may grow after the stat: never read past the bound
            if len(data) > MAX_FILE_BYTES:
                self.refuse("file-too-large", value=len(data), limit=MAX_FILE_BYTES)
        except OSError as exc:
            self.refuse("file-not-readable", value=exc.strerror or type(exc).__name__)
        if not data:
            self.refuse("empty-file")
        self.out.data = data
        self.out.sha256 = hashlib.sha256(data).hexdigest()

    def _ole(self) -> None:
        data = self.out.data
        if _ENCRYPTED in data:
            self.refuse("password-protected")
        if _OLE_WORD in data:
            self.refuse("not-spreadsheet", kind="Word (.doc)")
        if _OLE_PPT in data:
            self.refuse("not-spreadsheet", kind="PowerPoint (.ppt)")
        if not _OLE_WORKBOOK.search(data):
            self.refuse("not-spreadsheet", kind="OLE")
        bof = data.find(_BIFF8_GLOBALS_BOF)
        if bof >= 0 and data[bof + 20:bof + 22] == _FILEPASS:
            self.refuse("password-protected")
        self.out.kind = "xls"

    def _zip(self) -> None:
        try:
            zf = zipfile.ZipFile(BytesIO(self.out.data))
            infos = zf.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
            self.refuse("corrupt-file", reason="zip")
        if len(infos) > MAX_MEMBERS:
            self.refuse("zip-bomb", value=len(infos), reason="members")
        total = sum(i.file_size for i in infos)
        if total > MAX_UNCOMPRESSED:
            self.refuse("zip-bomb", value=total, reason="size")
        for info in infos:
            if info.file_size > RATIO_MIN_SIZE and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                self.refuse("zip-bomb", value=info.filename, reason="ratio")
            if info.flag_bits & 0x1:
                self.refuse("password-protected")
        # Some writers put Windows separators in member names; calamine accepts them, and so do the checks here.
        names = {i.filename.replace("\\", "/") for i in infos}
        kind = _package_kind(zf, names)
        if kind in ("ods", "numbers"):
            pass
        elif kind is not None:
            self.refuse("not-spreadsheet", kind=kind)
        if kind == "numbers":
            self.refuse_kind("numbers")
        self._inflated = 0
        for info in infos:
            # Every member that is XML, whatever its name: a sheet stored as `sheet1.bin` or `data` is parsed as
            # XML by the reader all the same, so it is inspected all the same.
            if info.filename.lower().endswith(_TEXT_MEMBER) or self._looks_xml(zf, info):
                self.out.members[info.filename.replace("\\", "/")] = self._member(zf, info)
        for name, blob in self.out.members.items():
            if _has_dtd(blob):
                self.out.findings.append(finding(self.form, "xml-entity", self.file, value=name))
                self.out.fatal = True
                raise _Refused
        if kind == "ods":
            self._ods()
            return
        self.out.macros = any(n.lower().endswith("vbaproject.bin") for n in names)
        self.out.kind = "xlsx"
        self._sheets(self._workbook_part())
        if self._inflated <= MAX_REPACK_BYTES:
            self.out.stored = stored_parts(infos, self.out.members)

    def _ods(self) -> None:
        """An OpenDocument spreadsheet: refuse it when encrypted or when a table's filled cells span too large a
        box (counted in one streaming pass that also keeps the cell facts the reader needs)."""
        manifest = self.out.members.get("META-INF/manifest.xml", b"")
        if b"encryption-data" in manifest:
            self.refuse("password-protected")
        content = self.out.members.get("content.xml")
        if content is None:
            self.refuse("corrupt-file", value="content.xml", reason="missing")
        try:
            tables = ods.scan(content or b"")
        except ET.ParseError:
            self.refuse("corrupt-file", value="content.xml", reason="xml")
        for title, table in tables.items():
            if table.rows * table.cols > MAX_BOX_CELLS:
                self.out.findings.append(finding(self.form, "sheet-too-large", self.file, sheet=title,
                                                 value=f"{table.rows:,} × {table.cols}", rows=table.rows,
                                                 cols=table.cols))
                self.out.fatal = True
                raise _Refused
        self.out.ods_sheets = tables
        self.out.kind = "ods"

    def _looks_xml(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
        """Whether a member's first bytes are XML (a BOM, `<`, or UTF-16 text): only a few bytes are inflated."""
        if info.is_dir() or info.file_size == 0:
            return False
        try:
            with zf.open(info) as fh:
                head = fh.read(64)
        except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError, NotImplementedError) as exc:
            self.refuse("corrupt-file", value=info.filename, reason=type(exc).__name__)
        head = head.lstrip(b" \t\r\n")
        return head.startswith((b"<", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) or head[1:2] == b"\x00"

    def _member(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
        """A member inflated step by step, refused as soon as it, or all members so far, pass the caps: what the
        zip directory declares is never trusted (a member declaring 1 KB may inflate to gigabytes)."""
        blob = _inflate_plain(self.out.data, info)
        if blob is not None:
            # What the loop below gives a small, well-formed member in its one step: the same accounting.
            self._inflated += len(blob)
            if self._inflated > MAX_UNCOMPRESSED:
                self.refuse("zip-bomb", value=self._inflated, reason="size")
            return blob
        parts: list[bytes] = []
        size = 0
        try:
            # zipfile stops at the declared size and checks the CRC: a member that lies about its size fails here;
            # reading in steps keeps each inflate call bounded (a single read() inflates up to 2 GiB at once).
            with zf.open(info) as fh:
                while chunk := fh.read(_CHUNK):
                    size += len(chunk)
                    self._inflated += len(chunk)
                    if size > MAX_MEMBER_BYTES:
                        self.refuse("zip-bomb", value=info.filename, reason="member")
                    if self._inflated > MAX_UNCOMPRESSED:
                        self.refuse("zip-bomb", value=self._inflated, reason="size")
                    parts.append(chunk)
        except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError, NotImplementedError) as exc:
            self.refuse("corrupt-file", value=info.filename, reason=type(exc).__name__)
        return b"".join(parts)

    def _workbook_part(self) -> str:
        part = None
        rels = self.out.members.get("_rels/.rels")
        if rels is not None:
            for rel in _relationships(rels, self):
                if rel[1].endswith("/officeDocument"):
                    part = rel[2].lstrip("/")
        part = part or "xl/workbook.xml"
        if part.endswith(".bin"):
            self.refuse_kind("xlsb")
        if part not in self.out.members:
            self.refuse("not-spreadsheet", kind="zip")
        return part

    def _sheets(self, wb_part: str) -> None:
        base = PurePosixPath(wb_part).parent
        rels_name = str(base / "_rels" / (PurePosixPath(wb_part).name + ".rels"))
        targets: dict[str, str] = {}
        if rels_name in self.out.members:
            for rid, _typ, target in _relationships(self.out.members[rels_name], self):
                targets[rid] = target.lstrip("/") if target.startswith("/") else str(base / target)
        root = _parse(self.out.members[wb_part], self)
        for el in root.iter():
            if el.tag.rsplit("}", 1)[-1] != "sheet":
                continue
            # Any namespace: transitional and strict OOXML name the relationships namespace differently.
            rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), "")
            name = nfc(el.get("name") or "")
            if rid in targets:
                self.out.sheet_parts[name] = _normpath(targets[rid])
        titles = {part: title for title, part in self.out.sheet_parts.items()}
        # Every member holding cells, named by a sheet or not: the reader may resolve a name differently.
        for part, xml in self.out.members.items():
            if part not in titles and b"sheetData" not in xml:
                continue
            most = len(xml) // _ROW_TAG_BYTES  # the most row tags the XML can hold
            if most < _SMALL_ROWS and max(most, 9_999) * 26 <= MAX_BOX_CELLS and not _far_ref(xml):
                # `sheet_extent`'s small box whatever the count, known without counting the tags (two passes over
                # the XML; the reader counts them in the one sheet it needs).
                continue
            self.out.row_tags[part] = n_rows = row_tags(xml)
            rows, cols = sheet_extent(xml, n_rows)
            if rows * cols > MAX_BOX_CELLS:
                self.out.findings.append(finding(self.form, "sheet-too-large", self.file, sheet=titles.get(part),
                                                 value=f"{rows:,} × {cols}", rows=rows, cols=cols))
                self.out.fatal = True
                raise _Refused


def _file_kind(mode: int, lang: str) -> str:
    """What a path that is not a regular file is, in the words of the catalogue."""
    kinds = words(lang).section("inputs")
    for test, key in ((stat.S_ISFIFO, "fifo"), (stat.S_ISCHR, "device"), (stat.S_ISBLK, "device"),
                      (stat.S_ISSOCK, "socket"), (stat.S_ISDIR, "folder")):
        if test(mode):
            return str(kinds[key])
    return str(kinds["other"])


def _normpath(path: str) -> str:
    parts: list[str] = []
    for p in path.split("/"):
        if p == "..":
            if parts:
                parts.pop()
        elif p and p != ".":
            parts.append(p)
    return "/".join(parts)


def _parse(blob: bytes, insp: _Inspector) -> ET.Element:
    # Only called on members already checked to carry no DOCTYPE/ENTITY, so nothing can be expanded.
    try:
        return ET.fromstring(blob)
    except ET.ParseError:
        insp.refuse("corrupt-file", reason="xml")
    raise AssertionError("unreachable")


def _relationships(blob: bytes, insp: _Inspector) -> list[tuple[str, str, str]]:
    root = _parse(blob, insp)
    return [(el.get("Id", ""), el.get("Type", ""), el.get("Target", "")) for el in root
            if el.tag.rsplit("}", 1)[-1] == "Relationship"]


def _has_dtd(blob: bytes) -> bool:
    head = blob[:4]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head:
        # UTF-16 XML would hide the declaration from a byte search: decode it first.
        enc = "utf-16" if head[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-16-le" if head[1:2] == b"\x00"
                                                                         else "utf-16-be")
        try:
            text = blob.decode(enc, errors="ignore")
        except LookupError:
            return True
        return bool(re.search(r"<!\s*(?:DOCTYPE|ENTITY)", text, re.IGNORECASE))
    return bool(_DTD.search(blob))


def _package_kind(zf: zipfile.ZipFile, names: set[str]) -> str | None:
    """What a zip that is not a workbook looks like (None when it may be one)."""
    if "word/document.xml" in names:
        return "Word (.docx)"
    if any(n.startswith("ppt/") for n in names):
        return "PowerPoint (.pptx)"
    if "mimetype" in names:
        try:
            mime = zf.read("mimetype")[:100].decode("ascii", "replace").strip()
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, KeyError):
            mime = ""
        return "ods" if mime in ods.MIME_TYPES else "OpenDocument"
    if "Index/Document.iwa" in names or any(n.startswith("Index/") and n.endswith(".iwa") for n in names):
        return "numbers"
    if "[Content_Types].xml" not in names:
        return "zip"
    return None


def _other_spreadsheet_text(data: bytes) -> str | None:
    """The kind of a spreadsheet saved as XML text (flat OpenDocument, Excel's XML Spreadsheet 2003), else None."""
    head = data[:4096]
    if b"<office:document" in head and b"opendocument.spreadsheet" in head:
        return "fods"
    if b"urn:schemas-microsoft-com:office:spreadsheet" in head or b'progid="Excel.Sheet"' in head:
        return "xml2003"
    return None


def _sniff_text(data: bytes) -> str:
    head = data[:512].lstrip().lower()
    if head.startswith(b"<") and (b"<html" in head or b"<!doctype html" in head):
        return "HTML"
    if head.startswith(b"{\\rtf"):
        return "RTF"
    return "unknown"


def inspect_file(path: Path, form: Form) -> Inspection:
    """Read `path` once and check it is a workbook that is safe to parse; `fatal` means: do not open it."""
    return _Inspector(path, form).run()
