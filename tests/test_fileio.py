"""Atomic writes: the target appears whole or not at all, with ordinary permissions."""

from __future__ import annotations

import os
import stat

import pytest

from xl_bdg.fileio import atomic_path, write_text_atomic


def test_written_file_has_ordinary_permissions(tmp_path) -> None:
    mask = os.umask(0o022)
    try:
        target = tmp_path / "bao-cao.html"
        write_text_atomic(target, "Báo cáo bình đẳng giới")
        assert stat.S_IMODE(target.stat().st_mode) == 0o644
        assert target.read_text(encoding="utf-8") == "Báo cáo bình đẳng giới"
    finally:
        os.umask(mask)


def test_failure_leaves_no_file_and_no_temporary(tmp_path) -> None:
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("crash while writing")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.xlsx"]
