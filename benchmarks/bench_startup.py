"""What a click and the first commands cost in CPU: one button action (validate the active workbook through the
entry point's core, `xl_bdg.excel.actions.check` with the file marker, no Excel), `xl-bdg --help` and
`xl-bdg --version`, each in a fresh interpreter as the add-in's RunPython starts one, before and after side by side.

    .venv/bin/python benchmarks/bench_startup.py [--before COMMIT] [--runs 5]

"before" is a `git worktree` of COMMIT (default: the commit this work started from, fa6e8aa) checked out under
benchmarks/.data/ and put first on PYTHONPATH, so both sides run in the same interpreter and the same run; "after"
is this checkout. Each figure is the median over --runs of the child's user + system CPU time (getrusage), with the
number of modules it imported and whether any of the office's extras was among them. "base" is this checkout
as the bundle installs it, without the office's extras (`ABSENT`). `python -c pass`, timed the same way in the same
run, is the floor (issue 16's goal: `--help` and `--version` under 0.25 s CPU).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / ".data"
OFFICE = ("docxtpl", "docx", "matplotlib", "pyarrow", "starlette", "uvicorn", "argon2")
#: The base install (`pip install xl-bdg[excel]`, as the bundle installs it) has none of the office's extras; in this
#: checkout's venv they are installed, and pandas imports pyarrow whenever it can. A None in sys.modules makes an
#: import fail as if the package were absent, which is what the clerk's computer has.
ABSENT = f"import sys; sys.modules.update(dict.fromkeys({OFFICE!r}))\n"

CLICK = """
import sys
import xl_bdg.excel  # what the add-in's VBA runs first: RunPython "import xl_bdg.excel; xl_bdg.excel.kiem_tra()"
from pathlib import Path
from openpyxl import load_workbook
from xl_bdg.excel import actions
from xl_bdg.form.project import load_project
from xl_bdg.validation.marks import OpenpyxlMarker
path = Path(sys.argv[1])
wb = load_workbook(path)
report = actions.check(path, OpenpyxlMarker(wb), load_project())
actions.check_outcome(report)
"""
CLI = ("import sys; sys.argv = ['xl-bdg', *[{arg!r}]]\nfrom xl_bdg.cli import main\n"
       "try:\n    main()\nexcept SystemExit:\n    pass\n")
TAIL = ("\nimport json, sys as _s\nprint('@@' + json.dumps([sum(v is not None for v in _s.modules.values()),"
        " [m for m in {office!r} if _s.modules.get(m) is not None], __import__('xl_bdg').__file__]))\n")


def _cpu(code: str, args: list[str], pythonpath: Path | None) -> tuple[float, int, list[str], str]:
    """Run `code` in a fresh interpreter: its CPU seconds, modules imported, the office's among them, xl_bdg's file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("XL_BDG_")}
    env.update(COLUMNS="100", NO_COLOR="1")
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-c", code + TAIL.format(office=OFFICE), *args], capture_output=True,
                          text=True, env=env, cwd=tempfile.gettempdir())
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    line = next(x for x in done.stdout.splitlines() if x.startswith("@@"))
    count, office, where = json.loads(line[2:])
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), count, office, where


def _floor(runs: int) -> float:
    """Median CPU seconds of `python -c pass` in the same interpreter: what no command can go below."""
    cpus = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-c", "pass"], check=True, cwd=tempfile.gettempdir())
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return statistics.median(cpus)


def _worktree(commit: str) -> Path:
    """A checkout of `commit` under benchmarks/.data (made once)."""
    target = DATA / f"before-{commit[:12]}"
    if not (target / "xl_bdg").is_dir():
        DATA.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(target), commit], check=True,
                       capture_output=True)
    return target


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", default="fa6e8aa", help="the commit to compare with (default: fa6e8aa)")
    parser.add_argument("--runs", type=int, default=5)
    opts = parser.parse_args()
    before = _worktree(opts.before)
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        made = subprocess.run([sys.executable, "-c", CLI.replace("[{arg!r}]", str(
            ["template", "--period", "2026-FY", "--unit", "XA-EAKAO", "--out", tmp]))], capture_output=True, text=True)
        book = next(Path(tmp).glob("*.xlsx"), None)
        if book is None:
            raise SystemExit(made.stderr)
        cases = {"button: Kiểm tra (validate + mark)": (CLICK, [str(book)]),
                 "xl-bdg --help": (CLI.format(arg="--help"), []),
                 "xl-bdg --version": (CLI.format(arg="--version"), [])}
        print(f"machine: {os.cpu_count()} CPUs, load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(f"{'CPU s (median of ' + str(opts.runs) + ')':<40} {'before':>8} {'after':>8} {'base':>8}"
              "   modules before → after → base")
        floor = _floor(opts.runs)
        print(f"{'python -c pass (the floor)':<40} {floor:>8.2f} {floor:>8.2f} {floor:>8.2f}")
        for name, (code, args) in cases.items():
            row = {}
            for side, path, prefix in (("before", before, ""), ("after", None, ""), ("base", None, ABSENT)):
                runs = [_cpu(prefix + code, args, path) for _ in range(opts.runs)]
                row[side] = (statistics.median(r[0] for r in runs), runs[0][1], runs[0][2], runs[0][3])
            b, a, c = row["before"], row["after"], row["base"]
            assert Path(b[3]).is_relative_to(before) and not Path(a[3]).is_relative_to(before)
            loaded = "; ".join(f"{side} loads {','.join(r[2])}" for side, r in row.items() if r[2])
            print(f"{name:<40} {b[0]:>8.2f} {a[0]:>8.2f} {c[0]:>8.2f}   {b[1]} → {a[1]} → {c[1]}"
                  f"{'   (' + loaded + ')' if loaded else ''}")
            if name.startswith("xl-bdg"):
                print(f"{'':<40} after = {a[0] / floor:.1f}x the floor, {a[0] - floor:+.2f} s "
                      f"({'goal < 0.25 s met' if a[0] < 0.25 else 'goal < 0.25 s NOT met'})")


if __name__ == "__main__":
    main()
