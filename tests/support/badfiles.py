"""Generators of broken and hostile input files for the reader's tests, built in code (no committed binaries).

Most start from a real workbook written by the project's own template writer and change its zip members, which is
what a broken download, a careless program or an attacker does to a file.
"""

from __future__ import annotations

import re
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook, load_workbook


def zip_members(path: Path) -> dict[str, bytes]:
    """Every member of a zip, by name, in order."""
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def write_zip(target: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    """Write `members` as a zip at `target`."""
    with zipfile.ZipFile(target, "w", method) as zf:
        for name, blob in members.items():
            zf.writestr(name, blob)
    return target


def rewrite_zip(source: Path, target: Path, edit: Callable[[dict[str, bytes]], None]) -> Path:
    """Copy the zip `source` to `target` with `edit(members)` applied to its members."""
    members = zip_members(source)
    edit(members)
    return write_zip(target, members)


def sheet_member(path: Path, title: str) -> str:
    """The zip member holding the sheet `title` (via openpyxl's own reading of the workbook)."""
    wb = load_workbook(path, read_only=True)
    index = wb.sheetnames.index(title) + 1
    wb.close()
    return f"xl/worksheets/sheet{index}.xml"


def edit_with_openpyxl(source: Path, target: Path, edit: Callable[[Workbook], None]) -> Path:
    """Open `source` in openpyxl, apply `edit(wb)` and save to `target` (what a user's program does)."""
    wb = load_workbook(source)
    edit(wb)
    wb.save(target)
    return target


def minimal_docx(target: Path) -> Path:
    """A small but well-formed Word document (.docx package)."""
    ct = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
          b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
          b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/'
          b'document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.'
          b'main+xml"/></Types>')
    rels = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            b'relationships/officeDocument" Target="word/document.xml"/></Relationships>')
    doc = ('<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
           'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Báo cáo bình đẳng giới</w:t></w:r></w:p></w:body>'
           '</w:document>').encode()
    return write_zip(target, {"[Content_Types].xml": ct, "_rels/.rels": rels, "word/document.xml": doc})


def real_pdf(target: Path) -> Path:
    """A real one-page PDF (drawn by matplotlib)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 2))
    ax.text(0.1, 0.5, "BDG")
    fig.savefig(target, format="pdf")
    plt.close(fig)
    return target


# --- an encrypted OOXML package: an OLE compound file holding EncryptionInfo and EncryptedPackage ----------------
_SECTOR = 512
_FREE, _END, _FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def _dir_entry(name: str, kind: int, start: int, size: int, child: int = 0xFFFFFFFF,
               right: int = 0xFFFFFFFF) -> bytes:
    raw = name.encode("utf-16-le") + b"\x00\x00"
    return (raw.ljust(64, b"\x00") + struct.pack("<HBB", len(raw), kind, 1)
            + struct.pack("<III", 0xFFFFFFFF, right, child) + b"\x00" * 16 + struct.pack("<I", 0) + b"\x00" * 16
            + struct.pack("<IIHH", start, size, 0, 0)[:8] + b"\x00" * 4)


def encrypted_ooxml(target: Path) -> Path:
    """How Excel stores a workbook with an open password: a compound file (v3) with 'EncryptionInfo' and
    'EncryptedPackage' streams. Both streams are 4 KiB or more, so they live in ordinary sectors (no mini stream)."""
    info = struct.pack("<HHI", 4, 4, 0x40) + b"<?xml version=\"1.0\"?><encryption/>".ljust(4096 - 8, b" ")
    package = struct.pack("<Q", 20000) + bytes((i * 7 + 3) % 256 for i in range(8192 - 8))
    n_info, n_pkg = len(info) // _SECTOR, len(package) // _SECTOR
    # sector 0: FAT, sector 1: directory, then the two streams
    fat = [_FATSECT, _END]
    first_info = 2
    fat += [first_info + i + 1 for i in range(n_info - 1)] + [_END]
    first_pkg = first_info + n_info
    fat += [first_pkg + i + 1 for i in range(n_pkg - 1)] + [_END]
    fat += [_FREE] * (_SECTOR // 4 - len(fat))
    root = _dir_entry("Root Entry", 5, _END, 0, child=1)
    d_info = _dir_entry("EncryptionInfo", 2, first_info, len(info), right=2)
    d_pkg = _dir_entry("EncryptedPackage", 2, first_pkg, len(package))
    directory = root + d_info + d_pkg + b"\x00" * 128
    header = (bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\x00" * 6 + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, _END, 0, _END, 0)
              + struct.pack("<I", 0) + struct.pack("<I", _FREE) * 108)
    assert len(header) == _SECTOR
    body = struct.pack(f"<{_SECTOR // 4}I", *fat) + directory + info + package
    target.write_bytes(header + body)
    return target


def many_rows_sheet(original: bytes, rows: int, first_row: int, col: str = "C") -> bytes:
    """The sheet XML `original` with its rows from `first_row` on replaced by `rows` rows, each holding one
    inline-string value in column `col` (the rows above, the table's header, are kept)."""
    head, rest = original.split(b"<sheetData>", 1)
    body, tail = rest.split(b"</sheetData>", 1)
    kept = [chunk for chunk in re.findall(rb"<row\b.*?</row>|<row\b[^>]*/>", body, re.S)
            if int(re.search(rb'\br="(\d+)"', chunk).group(1)) < first_row]
    new = [f'<row r="{r}"><c r="{col}{r}" t="inlineStr"><is><t>x</t></is></c></row>'.encode()
           for r in range(first_row, first_row + rows)]
    return head + b"<sheetData>" + b"".join(kept + new) + b"</sheetData>" + tail
