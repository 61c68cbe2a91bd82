"""Shared by the benchmark scripts: grow a small set of distinct workbooks into a corpus of N files."""

from __future__ import annotations

import hashlib
import shutil
import sys
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


STAMP = ".corpus-stamp"


def corpus_stamp(generator: Path, *, units: int, seed: int = 0, extra: str = "") -> str:
    """A hash of everything that makes a corpus: the generator's source and this module's, the form's version, the
    sample data's settings, the number of units, the seed. A corpus built by other code or data is stale."""
    from xl_bdg.form.project import load_project, schemas_dir

    h = hashlib.sha256()
    for part in (Path(generator), Path(__file__), schemas_dir() / "sample.yaml"):
        h.update(part.read_bytes())
    h.update(f"form={load_project().form.version};units={units};seed={seed};{extra}".encode())
    return h.hexdigest()[:16]


def is_current(folder: Path, stamp: str) -> bool:
    """True when `folder` was built (and checked) with the same stamp."""
    mark = folder / STAMP
    return mark.is_file() and mark.read_text(encoding="utf-8").strip() == stamp


def seal(folder: Path, stamp: str, files: list[Path], expected: int, project: Any = None) -> None:
    """Check a freshly built corpus (the file count, a sample that reads with activity rows) and stamp it; exit 1
    with "BROKEN CORPUS: …" when it is not what the benchmark needs, so no figure is printed from it."""
    from xl_bdg.form.project import load_project
    from xl_bdg.reading.reader import read_submission

    problems = []
    on_disk = [p for p in files if p.is_file()]
    if len(on_disk) != expected:
        problems.append(f"{len(on_disk)} files, {expected} expected")
    project = project or load_project()
    for p in on_disk[:: max(1, len(on_disk) // 3)][:3]:
        sub, findings = read_submission(p, project)
        if sub is None:
            problems.append(f"{p.name} does not read: {[f.code for f in findings]}")
        elif not sub.activities:
            problems.append(f"{p.name} has 0 activities")
    if problems:
        (folder / STAMP).unlink(missing_ok=True)
        print(f"BROKEN CORPUS: {folder}: " + "; ".join(problems), file=sys.stderr)
        raise SystemExit(1)
    (folder / STAMP).write_text(stamp + "\n", encoding="utf-8")
