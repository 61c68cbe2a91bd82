"""The safety pass's one-call inflate (`_inflate_plain`) gives exactly the bytes zipfile gives, or steps aside.

The safety pass inflates a plain member itself, without zipfile's file object (issue 16); anything unusual goes back
to zipfile, whose errors are the findings. So for every member of every damaged zip the fuzz generator makes (lying
sizes, truncation, overwritten bytes, stored, bombs) and of a few zips damaged by hand, the fast path must either
decline (None) or agree with zipfile byte for byte, and decline wherever zipfile fails.
"""

from __future__ import annotations

import io
import random
import struct
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "fuzz"))

from generate import _case_bytes

from xl_bdg.reading.safety import _inflate_plain

CASES = 300
SEED = 20261204


def _compare(data: bytes) -> tuple[int, int]:
    """(members inflated by the fast path, members it declined) of one zip; fails on any disagreement."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return 0, 0  # refused before any member is read: the fast path is never asked
    fast = declined = 0
    for info in infos:
        try:
            with zf.open(info) as fh:
                expected: bytes | None = fh.read()
        except Exception:  # any failure of zipfile's is one the fast path must not hide
            expected = None
        got = _inflate_plain(data, info)
        if got is None:
            declined += 1
            continue
        fast += 1
        assert expected is not None, f"{info.filename}: zipfile fails, the fast path read {len(got)} bytes"
        assert got == expected, f"{info.filename}: the fast path read other bytes than zipfile"
    return fast, declined


def test_fuzzed_zips_read_the_same(make_workbook: Callable[..., Path]) -> None:
    """Hundreds of damaged zips: where the fast path reads a member, zipfile reads the same bytes."""
    seed = make_workbook().read_bytes()
    fast = declined = 0
    for i in range(CASES):
        data, _what = _case_bytes(random.Random(f"{SEED}:{i}"), seed)
        f, d = _compare(data)
        fast, declined = fast + f, declined + d
    # Both ways are exercised: most members are plain, the damaged ones are left to zipfile.
    assert fast > 1000 and declined > 50, (fast, declined)


def _local_edit(data: bytes, member: str, edit: Callable[[bytearray, int], None]) -> bytes:
    """`data` with `edit(bytes, offset of the member's local header)` applied."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(member)
    out = bytearray(data)
    edit(out, info.header_offset)
    return bytes(out)


def _rename_local(out: bytearray, at: int) -> None:
    out[at + 30] ^= 0x20  # the name in the local header differs from the directory's


def _flip_body(out: bytearray, at: int) -> None:
    name_len, extra_len = struct.unpack_from("<HH", out, at + 26)
    out[at + 30 + name_len + extra_len + 40] ^= 0xFF  # a byte inside the compressed data


def _bad_magic(out: bytearray, at: int) -> None:
    out[at:at + 4] = b"PK\x07\x08"


def _long_extra(out: bytearray, at: int) -> None:
    struct.pack_into("<H", out, at + 28, 60000)  # an extra field running past the end of the file


@pytest.mark.parametrize("edit", [_rename_local, _flip_body, _bad_magic, _long_extra])
def test_damaged_local_entries_go_to_zipfile(make_workbook: Callable[..., Path],
                                             edit: Callable[[bytearray, int], None]) -> None:
    """A local header that disagrees with the directory, or a damaged body: declined (zipfile names the fault)."""
    data = make_workbook().read_bytes()
    member = next(i.filename for i in zipfile.ZipFile(io.BytesIO(data)).infolist()
                  if i.filename.endswith("sheet4.xml"))
    damaged = _local_edit(data, member, edit)
    info = zipfile.ZipFile(io.BytesIO(damaged)).getinfo(member)
    assert _inflate_plain(data, zipfile.ZipFile(io.BytesIO(data)).getinfo(member)) is not None
    assert _inflate_plain(damaged, info) is None
    _compare(damaged)
