"""The members the safety pass already inflated, packed again as an uncompressed (stored) zip for python-calamine.

The safety pass must inflate every XML member of a workbook to check it (entities, the cells' extent, formulas);
calamine would then inflate them all a second time. Handed the same members stored, calamine only copies them: a
sixth of its time on a filled form (issue 16). Only a plain package is repacked — every member inflated and checked,
names unique and without backslashes — so that calamine sees exactly the members it would have read from the file;
anything else is parsed from the file's own bytes, as before. Either way calamine parses the bytes that were
checked, never the file again (it may have changed since).
"""

from __future__ import annotations

import os
import struct
import zipfile
from io import BytesIO

import python_calamine as pc

_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_END = struct.Struct("<4sHHHHIIH")
_UTF8 = 0x800  # general purpose flag bit 11: the name is UTF-8
_DOS_DATE = 1 << 5 | 1  # 1 January 1980: calamine reads no dates from the package
_IOV_MAX = 512  # buffers per writev call, well under every system's limit


def stored_parts(infos: list[zipfile.ZipInfo], members: dict[str, bytes]) -> list[bytes] | None:
    """The pieces of a stored zip of `members` in the order of `infos` (each member's CRC as the zip directory gives
    it, already checked when it was inflated), or None when the package is not plain enough to repack faithfully.
    Pieces, not one joined copy: they are written out as they are (`open_stored`)."""
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        return None
    parts: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for info in infos:
        name = info.filename
        if "\\" in name:
            return None
        if info.is_dir():
            blob, crc = b"", 0
        else:
            member = members.get(name)
            if member is None or len(member) != info.file_size:
                return None  # a binary member the safety pass did not inflate: calamine reads the file itself
            blob, crc = member, info.CRC
        raw = name.encode("utf-8")
        flags = 0 if raw.isascii() else _UTF8
        size = len(blob)
        parts.append(_LOCAL.pack(b"PK\x03\x04", 20, flags, 0, 0, _DOS_DATE, crc, size, size, len(raw), 0) + raw)
        parts.append(blob)
        central.append(_CENTRAL.pack(b"PK\x01\x02", 20, 20, flags, 0, 0, _DOS_DATE, crc, size, size, len(raw), 0, 0,
                                     0, 0, 0, offset) + raw)
        offset += _LOCAL.size + len(raw) + size
    size = sum(len(c) for c in central)
    return [*parts, *central, _END.pack(b"PK\x05\x06", 0, 0, len(infos), len(infos), size, offset, 0)]


def _write_all(fd: int, parts: list[bytes]) -> None:
    for i in range(0, len(parts), _IOV_MAX):
        batch = parts[i:i + _IOV_MAX]
        done = os.writev(fd, batch)
        rest = memoryview(b"".join(batch))[done:] if done < sum(len(p) for p in batch) else memoryview(b"")
        while rest:
            rest = rest[os.write(fd, rest):]


def open_stored(parts: list[bytes]) -> pc.CalamineWorkbook:
    """Open the stored zip `parts` with calamine.

    Where the system has anonymous memory files (Linux), the parts are written into one and calamine opens it by
    path: it then streams the members through a small buffer, where a file-like object would be copied whole into a
    buffer grown by doubling (fresh memory on every file, which costs more page faults than the repack saves).
    Elsewhere, one joined copy in memory."""
    memfd = getattr(os, "memfd_create", None)
    fd = -1
    if memfd is not None:
        try:
            fd = memfd("xl-bdg-workbook", getattr(os, "MFD_CLOEXEC", 0))
        except OSError:
            fd = -1
    if fd >= 0:
        try:
            path = f"/proc/self/fd/{fd}"
            if os.path.exists(path):
                _write_all(fd, parts)
                return pc.CalamineWorkbook.from_path(path)
        except OSError:
            pass  # no room for the copy or no /proc: the copy in memory below
        finally:
            os.close(fd)
    return pc.CalamineWorkbook.from_filelike(BytesIO(b"".join(parts)))
