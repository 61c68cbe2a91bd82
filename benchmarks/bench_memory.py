"""Main-process memory of `xl-bdg validate` and `xl-bdg intake` on 1,000, 4,000 and 8,000 workbooks (issue 16:
flat memory, the main process under 300 MiB at 8,000 files: the rules run in the workers and only findings and
rows come back).

    .venv/bin/python benchmarks/bench_memory.py [--sizes 1000,4000,8000] [--workers 2] [--data /tmp/xl-bdg-memory]

The files are bench_intake.py's: one workbook per unit of a registry grown to the largest size (communes, then
departments), relabelled copies of a few filled bases, so that every file is distinct (intake skips a file whose
hash it has already seen). They are made once and kept under --data (outside the checkout: 8,000 files);
each smaller size is a folder of hard links to the first files of the largest.

Each command runs as the console script does (`xl_bdg.cli.main`, output to /dev/null) in a fresh interpreter
started from this small process, and writes at exit its own peak resident size, VmHWM from /proc/self/status:
the main process's peak alone, not its workers' and not ru_maxrss, which a child inherits over fork. Intake gets
a new ledger every run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_intake import PERIOD, make_files, make_schemas, unit_codes  # noqa: E402

from xl_bdg.form.project import load_project  # noqa: E402

GOAL_MIB = 300
#: Run in the fresh interpreter: the command as the console script runs it, then its peak and CPU on exit.
RUNNER = """
import atexit, json, resource, sys, time
out, argv = sys.argv[1], sys.argv[2:]
start = time.perf_counter()

def _peak():
    with open("/proc/self/status", encoding="ascii") as fh:
        hwm = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out, "w", encoding="ascii") as fh:
        json.dump({"hwm_kib": hwm, "wall_s": time.perf_counter() - start, "cpu_main_s": me.ru_utime + me.ru_stime,
                   "cpu_workers_s": kids.ru_utime + kids.ru_stime}, fh)

atexit.register(_peak)
sys.argv = ["xl-bdg", *argv]
from xl_bdg.cli import main
main()
"""


def corpus(data: Path, largest: int, sizes: list[int]) -> tuple[Path, dict[int, Path]]:
    """The schemas folder and, per size, a folder holding that many distinct workbooks (made once)."""
    work = data / f"n{largest}"
    units = unit_codes(largest)
    schemas = work / "schemas"
    if not (schemas / "units.yaml").exists():
        make_schemas(units, schemas)
    inbox = work / "inbox"
    files = sorted(inbox.glob("*.xlsx")) if inbox.is_dir() else []
    if len(files) < largest:
        files = make_files(load_project(schemas), units, inbox)
    files = sorted(files)
    folders = {}
    for size in sizes:
        if size == largest:
            folders[size] = inbox
            continue
        folder = work / f"first{size}"
        folder.mkdir(exist_ok=True)
        for f in files[:size]:
            link = folder / f.name
            if not link.exists():
                os.link(f, link)
        folders[size] = folder
    return schemas, folders


def measure(args: list[str]) -> dict[str, float]:
    """Run `xl-bdg ARGS` in a fresh interpreter: its main process's peak (MiB), wall and CPU seconds, exit code."""
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        out = Path(tmp) / "peak.json"
        env = {k: v for k, v in os.environ.items() if not k.startswith("XL_BDG_")}
        done = subprocess.run([sys.executable, "-c", RUNNER, str(out), *args], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, env=env, cwd=tmp)
        if not out.exists():
            raise SystemExit(f"xl-bdg {' '.join(args)} ended without a figure (exit {done.returncode}):\n"
                             f"{done.stderr[-2000:]}")
        got = json.loads(out.read_text(encoding="ascii"))
    return {"mib": got["hwm_kib"] / 1024, "wall_s": got["wall_s"], "cpu_main_s": got["cpu_main_s"],
            "cpu_workers_s": got["cpu_workers_s"], "exit": done.returncode}


def main() -> None:
    """Make or reuse the files, run both commands at each size, print the peaks beside the goal."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,4000,8000", help="numbers of files (default: 1000,4000,8000)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "xl-bdg-memory",
                    help="where the files are made once and kept (default: /tmp/xl-bdg-memory)")
    ap.add_argument("--commands", default="validate,intake")
    ap.add_argument("--corpus", type=int, default=None,
                    help="take the files from the corpus made for this many (default: the largest size)")
    opts = ap.parse_args()
    sizes = sorted(int(s) for s in opts.sizes.split(","))
    t = time.perf_counter()
    schemas, folders = corpus(opts.data, max(sizes[-1], opts.corpus or 0), sizes)
    print(f"files: {', '.join(str(s) for s in sizes)} distinct workbooks under {opts.data} "
          f"({time.perf_counter() - t:.0f} s to make or find)")
    print(f"machine: {os.cpu_count()} CPUs, load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}; "
          f"{opts.workers} workers")
    print(f"{'command':<10} {'files':>6} {'main peak MiB':>14} {'goal':>6} {'KiB/file':>9} {'wall s':>7} "
          f"{'CPU main s':>11} {'CPU workers s':>14} {'exit':>5}")
    for command in filter(None, opts.commands.split(",")):  # --commands "": make the files only
        first: tuple[int, float] | None = None
        for size in sizes:
            args = [command, str(folders[size]), "--schemas", str(schemas), "--period", PERIOD,
                    "--workers" if command == "validate" else "", str(opts.workers) if command == "validate" else ""]
            args = [a for a in args if a]
            with tempfile.TemporaryDirectory(prefix="bench-memory-ledger-") as led:
                if command == "intake":
                    args += ["--ledger", str(Path(led) / "ledger.sqlite")]
                got = measure(args)
            slope = f"{(got['mib'] - first[1]) * 1024 / (size - first[0]):9.1f}" if first else f"{'':>9}"
            first = first or (size, got["mib"])
            mark = "ok" if got["mib"] < GOAL_MIB else "OVER"
            print(f"{command:<10} {size:>6} {got['mib']:>14.0f} {'<' + str(GOAL_MIB):>6} {slope} "
                  f"{got['wall_s']:>7.1f} {got['cpu_main_s']:>11.1f} {got['cpu_workers_s']:>14.1f} "
                  f"{got['exit']:>5}  {mark}")
    print("KiB/file: the growth of the main process's peak per extra file, from the smallest size")


if __name__ == "__main__":
    main()
