"""How long `validate_paths` takes on a folder of filled workbooks (~60 activity rows each), and `frictionless
validate` on the same folder as a peer.

    .venv/bin/python benchmarks/bench_validate.py [--files 1000] [--rows 60] [--workers 2] [--no-frictionless]
        [--frictionless-serial] [--no-speedup] [--regen]

Issue 3 asks for 1,000 workbooks in under 20 s on this 2-core machine. The corpus lives in benchmarks/.data/validate
(git-ignored) and is reused while its stamp (a hash of this script, the form, the sample data and the counts)
matches (`--regen` rebuilds it); a fresh corpus is checked, and a broken one stops the run (BROKEN CORPUS). Every
reporting unit of 2026-FY gets three variants written by the project's own template writer and filler (clean; two
rule errors; a duplicate activity), then copies under new names fill the folder up to --files.

frictionless (the `bench` extra: pip install -e '.[bench]') checks one sheet per file, the activity table, with
inferred types; it knows nothing of the form, so it does less than xl-bdg does: the ratio flatters it. It runs with
its own --parallel (one process per core), so wall times compare; xl-bdg runs with --workers and with 1 worker, and
the speed-up is printed. Issue 16's goal: xl-bdg at >= 15x less CPU than frictionless.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _corpus import corpus_stamp, is_current, pad_with_copies, seal, stretch_activities  # noqa: E402

from xl_bdg.form.project import load_project  # noqa: E402
from xl_bdg.sample.synth import synthesize  # noqa: E402
from xl_bdg.validation.batch import run as run_rules  # noqa: E402
from xl_bdg.validation.batch import stack  # noqa: E402
from xl_bdg.validation.validate import check_metadata, validate_paths  # noqa: E402
from xl_bdg.workbook.fill import fill_workbook  # noqa: E402
from xl_bdg.workbook.template import units_for, write_template  # noqa: E402

DATA = ROOT / "benchmarks" / ".data" / "validate"
PERIOD = "2026-FY"


def _variants(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The clean data, a copy with two rule errors, and a copy with a duplicated activity (a warning)."""
    import copy

    broken = copy.deepcopy(data)
    keys = [k for k in broken["indicators"] if k.endswith(".F") and k[:-1] + "T" in broken["indicators"]]
    if keys:
        broken["indicators"][keys[0]] = broken["indicators"][keys[0][:-1] + "T"] + 1
    broken["activities"][1]["end"] = dt.date(2027, 1, 5)
    dup = copy.deepcopy(data)
    dup["activities"].append(dict(dup["activities"][2]))
    return {"clean": data, "errors": broken, "warning": dup}


def make_corpus(out: Path, files: int, rows: int) -> list[Path]:
    """Write the corpus, or reuse it when its stamp (this script, the form, the sample data, the counts) matches;
    check it after building (exit 1, BROKEN CORPUS, when it is not what was asked)."""
    stamp = corpus_stamp(Path(__file__), units=files, extra=f"rows={rows}")
    if is_current(out, stamp):
        return sorted(out.glob("*.xlsx"))
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    project = load_project()
    per = project.period(PERIOD)
    made: list[Path] = []
    for unit in units_for(project, per):
        data = stretch_activities(synthesize(project, unit, per), rows)
        template = write_template(project, unit, per, out / "_templates")
        for name, variant in _variants(data).items():
            if len(made) < files:
                made.append(fill_workbook(project.form, template, variant, out / f"{template.stem}_{name}.xlsx"))
    shutil.rmtree(out / "_templates")
    paths = sorted(pad_with_copies(made, files, out))
    seal(out, stamp, paths, files, project)
    return paths


def bench_xlbdg(folder: Path, workers: int) -> dict[str, Any]:
    """Time validate_paths on the folder (pool start-up included), then the rule pass alone on the same data."""
    project = load_project()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t, c = time.perf_counter(), time.process_time()
    period = project.period(PERIOD)
    report, subs = validate_paths([folder], project, period, workers=workers, submissions=True)
    wall, cpu_main = time.perf_counter() - t, time.process_time() - c
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_workers = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    # The rule pass alone (stack + one pandera pass per sheet), on the submissions just read.
    contexts = [check_metadata(s, project, period, None)[1] for s in subs.values()]
    t = time.perf_counter()
    batch = stack(project, list(subs.values()), contexts)
    stacked = time.perf_counter() - t
    run_rules(batch)
    rules = time.perf_counter() - t
    codes = Counter(f.code for fr in report.files for f in fr.findings)
    # On a busy machine wall time lies; CPU seconds / cores is what an idle machine would take at best.
    return {"files": len(report.files), "wall_s": round(wall, 2), "cpu_main_s": round(cpu_main, 2),
            "cpu_workers_s": round(cpu_workers, 2), "idle_estimate_s": round(max(cpu_main, (cpu_main + cpu_workers)
                                                                                 / max(workers, 1)), 2),
            "stack_s": round(stacked, 2), "rules_s": round(rules, 2),
            "activity_rows": len(batch.frames["activities"]), "files_with_errors": sum(not f.ok for f in report.files),
            "findings": dict(codes.most_common())}


def bench_frictionless(folder: Path, parallel: bool = True) -> dict[str, Any] | None:
    """Time `frictionless validate` on the same files (activity sheet, header row 4), as a command, like a user;
    with `parallel`, its own `--parallel` (a process per core), so that the wall times compare too."""
    exe = Path(sys.executable).parent / "frictionless"
    if not exe.exists():
        print("frictionless is not installed (pip install -e '.[bench]'): peer skipped")
        return None
    # Relative names from inside the folder: frictionless refuses absolute paths in a multi-file run ("not safe").
    files = [p.name for p in sorted(folder.glob("*.xlsx"))]
    sheet = load_project().form.sheet_title("activities")
    cmd = [str(exe), "validate", "--sheet", sheet, "--header-rows", "4", "--skip-errors", "blank-row", "--json",
           *(["--parallel"] if parallel else []), *files]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=folder)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    try:
        result = json.loads(proc.stdout)
        tasks = len(result.get("tasks", []))
    except json.JSONDecodeError:
        tasks = None
    return {"files": len(files), "parallel": parallel, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
            "exit": proc.returncode, "tasks_validated": tasks}


def main() -> None:
    """Build or reuse the corpus, time both tools, print the figures and the ratio."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--rows", type=int, default=60)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--regen", action="store_true", help="rebuild the corpus")
    ap.add_argument("--no-frictionless", action="store_true")
    ap.add_argument("--frictionless-serial", action="store_true", help="run frictionless without --parallel")
    ap.add_argument("--no-speedup", action="store_true", help="skip the one-worker run of xl-bdg")
    args = ap.parse_args()
    folder = DATA / f"{args.files}x{args.rows}"
    if args.regen:
        shutil.rmtree(folder, ignore_errors=True)
    t = time.perf_counter()
    paths = make_corpus(folder, args.files, args.rows)
    print(f"corpus: {len(paths)} workbooks in {folder} ({time.perf_counter() - t:.1f} s to build or find)")
    load = os.getloadavg()
    ours = bench_xlbdg(folder, args.workers)
    print(f"xl-bdg validate_paths, {args.workers} workers: {json.dumps(ours, ensure_ascii=False)}")
    one = None if args.no_speedup or args.workers == 1 else bench_xlbdg(folder, 1)
    peer = None if args.no_frictionless else bench_frictionless(folder, parallel=not args.frictionless_serial)
    print(f"machine: {os.cpu_count()} CPUs, load average {', '.join(f'{x:.2f}' for x in load)} at start, "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())} at end")
    cpu = ours["cpu_main_s"] + ours["cpu_workers_s"]
    print(f"xl-bdg:       {ours['wall_s']:7.1f} s wall, {cpu:7.1f} s CPU ({args.workers} workers; goal < 20 s wall)")
    if one is not None:
        print(f"xl-bdg 1 worker: {one['wall_s']:7.1f} s wall, {one['cpu_main_s'] + one['cpu_workers_s']:7.1f} s CPU; "
              f"speed-up of {args.workers} workers over 1: {one['wall_s'] / ours['wall_s']:.2f}x wall")
    if peer:
        print(f"frictionless validate: {json.dumps(peer)}")
        print(f"frictionless: {peer['wall_s']:7.1f} s wall, {peer['cpu_s']:7.1f} s CPU "
              f"({'--parallel' if peer['parallel'] else 'serial'})")
        print(f"ratio frictionless / xl-bdg: CPU {peer['cpu_s'] / cpu:.1f}x (goal >= 15x), "
              f"wall {peer['wall_s'] / ours['wall_s']:.1f}x")


if __name__ == "__main__":
    main()
