"""Shared by the benchmark scripts: grow a small set of distinct workbooks into a corpus of N files."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any


def pad_with_copies(made: list[Path], files: int, out: Path) -> list[Path]:
    """`made` plus byte copies of them (named `<stem>_0001.xlsx`, …) in `out`, up to `files` paths in all."""
    paths = list(made)
    i = 0
    while len(paths) < files:
        src = made[i % len(made)]
        dst = out / f"{src.stem}_{i:04d}.xlsx"
        shutil.copyfile(src, dst)
        paths.append(dst)
        i += 1
    return paths


def stretch_activities(data: dict[str, Any], rows: int) -> dict[str, Any]:
    """`data` with its activity list repeated to `rows` rows, each title numbered so no two rows are duplicates."""
    acts = data["activities"]
    data["activities"] = [dict(acts[i % len(acts)], title=f"{acts[i % len(acts)]['title']} #{i}")
                          for i in range(rows)]
    return data
