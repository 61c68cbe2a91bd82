"""Benchmark: the province report (Word, HTML, charts, Excel annex) of a 4,000-unit national period.

    .venv/bin/python benchmarks/bench_report.py [--units 4000 1000] [--base CHECKOUT_OF_MAIN] [--profile]

The ledger comes from bench_intake.py's corpus (the same synthetic units, files and intake; built the first time,
then reused from benchmarks/.data/intake/). Each measured run is a fresh child process that aggregates the period,
then writes the report: the figures are the report's wall and CPU seconds and the child's peak RSS (aggregation
included, since a report needs its dataset in memory). `--base DIR` runs the same child on another checkout of
xl-bdg first (e.g. main before a change, `git worktree add DIR <commit>`), so before and after share one run and one
machine load. Each size in `--units` (default 4,000 and 1,000) has its own ledger and its own lines.

Goal (issue 16): under 20 s and 500 MiB on this 2-core machine.
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
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_S, GOAL_MIB = 20.0, 500.0


def _cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    return me.ru_utime + me.ru_stime


def child(code_root: Path, work: Path, out: Path, period: str, profile: Path | None) -> None:
    """Aggregate and write the report with the xl_bdg found at `code_root`; print one JSON line of figures."""
    sys.path.insert(0, str(code_root))
    from xl_bdg.aggregation.combine import aggregate
    from xl_bdg.form.project import load_project
    from xl_bdg.ledger.store import Ledger
    from xl_bdg.report.write import write_report

    t0, c0 = time.perf_counter(), _cpu()
    project = load_project(work / "schemas")
    t_load = time.perf_counter() - t0
    with Ledger(work / "ledger.sqlite") as led:
        t1, c1 = time.perf_counter(), _cpu()
        ds = aggregate(project, led, project.period(period))
        t_agg, c_agg = time.perf_counter() - t1, _cpu() - c1
    t2, c2 = time.perf_counter(), _cpu()
    if profile is not None:
        import cProfile

        cProfile.runctx("write_report(project, ds, out)", globals(), locals(), str(profile))
    else:
        write_report(project, ds, out)
    t_rep, c_rep = time.perf_counter() - t2, _cpu() - c2
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    annex = next(out.glob("bieu-tong-hop_*.xlsx"))
    print(json.dumps({"load": t_load, "agg_wall": t_agg, "agg_cpu": c_agg, "wall": t_rep, "cpu": c_rep,
                      "rss_mib": rss, "units": sum(1 for s in ds.statuses if s.used_sha256),
                      "activities": len(ds.activities), "annex_bytes": annex.stat().st_size,
                      "xl_bdg": str(Path(sys.modules["xl_bdg"].__file__).parent)}))


def ensure_ledger(units: int) -> Path:
    """bench_intake.py's work folder for `units`, with its files and a ledger they were taken into."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    sys.path.insert(0, str(ROOT))
    import bench_intake as bi

    from xl_bdg.form.project import load_project
    from xl_bdg.ledger.intake import intake
    from xl_bdg.ledger.store import Ledger

    files = bi.DATA / f"n{units}"
    work = files / "report"  # its own ledger: bench_intake.py starts its own afresh every run
    ready = work / "ledger.ok"
    if ready.exists():
        return work
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    codes = bi.unit_codes(units)
    bi.make_schemas(codes, work / "schemas")
    project = load_project(work / "schemas")
    inbox = files / "inbox"
    bi.make_files(project, codes, inbox)
    t0 = time.perf_counter()
    with Ledger(work / "ledger.sqlite") as led:
        intake(led, [inbox], project, received_at=dt.datetime(2026, 11, 10, 9))
    ready.write_text("intake done\n", encoding="utf-8")
    print(f"ledger built in {time.perf_counter() - t0:.0f} s (reused by later runs)")
    return work


def run_child(code_root: Path, work: Path, period: str, profile: Path | None) -> dict:
    """One measured child process; its figures."""
    with tempfile.TemporaryDirectory(prefix="xlbdg-bench-report-") as tmp:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(code_root), "--work", str(work),
               "--out", str(Path(tmp) / "report"), "--period", period]
        if profile is not None:
            cmd += ["--profile"]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=tmp)
        if done.returncode != 0:
            raise SystemExit(f"child on {code_root} failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])


def _line(name: str, r: dict) -> str:
    return (f"{name:<8} report {r['wall']:6.1f} s wall {r['cpu']:6.1f} s CPU, peak RSS {r['rss_mib']:6.0f} MiB"
            f"  (aggregate {r['agg_cpu']:.1f} s CPU; {r['units']} units, {r['activities']} activities;"
            f" annex {r['annex_bytes'] / 1e6:.1f} MB)")


def main() -> None:
    """Build or reuse the ledger, then time the report in child processes."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, nargs="+", default=[4000, 1000],
                    help="sizes measured (the first is the goal's)")
    ap.add_argument("--period", default="2026-FY")
    ap.add_argument("--base", type=Path, default=None, help="another checkout of xl-bdg to measure first")
    ap.add_argument("--profile", action="store_true", help="write a cProfile of each report to /tmp")
    ap.add_argument("--child", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--work", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    prof = Path(tempfile.gettempdir()) / "bench_report_{}.prof"
    if args.child is not None:
        child(args.child, args.work, args.out, args.period,
              Path(prof.as_posix().format(args.child.name)) if args.profile else None)
        return
    works = {units: ensure_ledger(units) for units in args.units}
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs, load average {load} at start (other work slows every figure)")
    runs = []
    if args.base is not None:
        runs.append(("before", args.base.resolve()))
    runs.append(("now", ROOT))
    results: dict[tuple[int, str], dict] = {}
    for units, work in works.items():
        for name, code in runs:
            results[units, name] = run_child(code, work, args.period,
                                             Path(prof.as_posix().format(f"{code.name}_{units}"))
                                             if args.profile else None)
            print(f"{units:>5} " + _line(name, results[units, name]))
    first = args.units[0]
    now = results[first, "now"]
    before = results.get((first, "before"))
    print(f"goal:    {first} units under {GOAL_S:.0f} s and {GOAL_MIB:.0f} MiB: {now['wall']:.1f} s wall "
          f"({now['cpu']:.1f} s CPU), {now['rss_mib']:.0f} MiB"
          + (f"; {before['cpu'] / now['cpu']:.1f}× less CPU than before" if before else ""))
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine: load average {load} at the end")


if __name__ == "__main__":
    main()
