"""How long the reader takes per filled workbook (~60 activity rows), beside raw python-calamine, and in a pool.

    .venv/bin/python benchmarks/bench_read.py [--files 200] [--rows 60] [--workers 2] [--keep DIR]

Issue 3 asks for 1,000 workbooks validated in < 20 s on 2 cores, so the read must stay near 20–30 ms a file.
Workbooks are written by the project's own template writer and filler (one per unit, copied to reach --files).
Issue 16 asks for the reader within 1.5x of raw python-calamine reading the same sheets: each file is read both ways,
interleaved in one run, and the ratio of CPU time is printed; then the speed-up of --workers processes over one.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import python_calamine as pc
from _corpus import pad_with_copies, stretch_activities

from xl_bdg.form.layout import layout_for
from xl_bdg.form.project import load_project
from xl_bdg.reading.reader import read_submission
from xl_bdg.sample.synth import synthesize
from xl_bdg.workbook.fill import fill_workbook
from xl_bdg.workbook.template import units_for, write_template


def make_corpus(out: Path, files: int, rows: int, period: str = "2026-FY") -> list[Path]:
    """Write one filled workbook per unit (activities repeated up to `rows`), then copies up to `files`."""
    project = load_project()
    per = project.period(period)
    tpl_dir = out / "_templates"
    made: list[Path] = []
    for unit in units_for(project, per):
        data = stretch_activities(synthesize(project, unit, per), rows)
        template = write_template(project, unit, per, tpl_dir)
        made.append(fill_workbook(project.form, template, data, out / template.name))
        if len(made) >= files:
            break
    return pad_with_copies(made, files, out)


def _read(path: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of one read; CPU time stays meaningful when other work shares the machine."""
    project = load_project()
    t, c = time.perf_counter(), time.process_time()
    sub, findings = read_submission(path, project)
    elapsed, cpu = time.perf_counter() - t, time.process_time() - c
    if sub is None or any(f.severity == "error" for f in findings):
        raise SystemExit(f"{path.name}: unexpected findings {[f.code for f in findings]}")
    return elapsed, cpu


def _raw(path: Path) -> float:
    """CPU seconds of the floor: python-calamine opening the file and reading the form's sheets, nothing else."""
    titles = list(layout_for(load_project().form).sheet.values())
    c = time.process_time()
    wb = pc.CalamineWorkbook.from_path(str(path))
    names = set(wb.sheet_names)
    for title in titles:
        if title in names:
            wb.get_sheet_by_name(title).to_python(skip_empty_area=False)
    return time.process_time() - c


def _pool_wall(paths: list[Path], workers: int) -> float:
    """Wall seconds for a pool of `workers` processes to read every file (start-up included)."""
    t = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_read, paths, chunksize=16))
    return time.perf_counter() - t


def main() -> None:
    """Build the corpus, then time the reads."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=200)
    ap.add_argument("--rows", type=int, default=60)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--keep", type=Path, default=None, help="write the corpus here and keep it")
    args = ap.parse_args()
    tmp = None if args.keep else tempfile.TemporaryDirectory(prefix="xlbdg-bench-read-")
    out = args.keep or Path(tmp.name)  # type: ignore[union-attr]
    out.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    paths = make_corpus(out, args.files, args.rows)
    print(f"corpus: {len(paths)} workbooks, {args.rows} activity rows each, written in {time.perf_counter() - t:.1f} s")

    _read(paths[0])  # warm up imports and the cached project
    _raw(paths[0])
    pairs, raws = [], []
    for p in paths:  # interleaved, so both see the same load on the machine
        raws.append(_raw(p))
        pairs.append(_read(p))
    times, cpus = [w for w, _ in pairs], [c for _, c in pairs]
    print(f"one process: median {statistics.median(times) * 1000:.1f} ms/file, mean {statistics.mean(times) * 1000:.1f}"
          f" ms/file, p95 {sorted(times)[int(len(times) * 0.95)] * 1000:.1f} ms; CPU median"
          f" {statistics.median(cpus) * 1000:.1f} ms/file")
    ratio = sum(cpus) / sum(raws)
    print(f"raw python-calamine, same sheets: CPU median {statistics.median(raws) * 1000:.1f} ms/file;"
          f" reader / raw CPU = {ratio:.2f}x (goal <= 1.5x)")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average now: {load} (other work on the machine skews wall time)")

    one = _pool_wall(paths, 1)
    many = _pool_wall(paths, args.workers)
    print(f"{args.workers} processes: {many:.2f} s wall for {len(paths)} files = {many / len(paths) * 1000:.1f} ms/file"
          f" (pool start-up included); 1 process: {one:.2f} s; speed-up of {args.workers} workers over 1:"
          f" {one / many:.2f}x")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
