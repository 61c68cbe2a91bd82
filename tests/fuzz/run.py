"""Run mutated workbooks through the real commands and check what each run must always hold.

    python tests/fuzz/run.py --cases 3000 --seed 1 [--batch 200] [--no-intake] [--keep DIR]

Cases are written into folders of `--batch` files; each folder goes through `xl-bdg validate --format json` and
`xl-bdg intake --format json` as real subprocesses. Checked for every folder: exit status 0 or 1 (never a signal,
never 2), a strict JSON report (no NaN, no Infinity), no traceback on stderr, one report entry per file, every
input byte-for-byte unchanged, the largest process (the command or any of its children) under the memory bound,
the command done within the time limit, and for intake that every file was recorded (or is known by content).
A failing case is reproduced by its number alone (`generate.cases(seed_files, seed, 1, start=number)`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import cases, seeds

CLI = [sys.executable, "-c", "from xl_bdg.cli import main; main()"]
MEMORY_BOUND_MIB = 300
PEAK = Path(__file__).resolve().parent / "peak.py"
TIME_LIMIT = 900.0


@dataclass
class Stats:
    """What a fuzz run found: every problem names its case file."""

    cases: int = 0
    batches: int = 0
    tracebacks: list[str] = field(default_factory=list)
    aborts: list[str] = field(default_factory=list)      # exit by a signal or an unexpected status
    hangs: list[str] = field(default_factory=list)
    bad_json: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)     # files without a report entry
    changed: list[str] = field(default_factory=list)     # inputs modified
    not_recorded: list[str] = field(default_factory=list)
    peak_mib: float = 0.0
    seconds: float = 0.0
    findings: dict[str, int] = field(default_factory=dict)

    def problems(self) -> list[str]:
        """Every problem found, as one line each (empty: the run passed)."""
        out = [f"{k}: {v}" for k, v in (("traceback", self.tracebacks), ("abort", self.aborts), ("hang", self.hangs),
                                        ("bad json", self.bad_json), ("missing", self.missing),
                                        ("changed", self.changed), ("not recorded", self.not_recorded)) if v]
        if self.peak_mib > MEMORY_BOUND_MIB:
            out.append(f"peak memory {self.peak_mib:.0f} MiB > {MEMORY_BOUND_MIB} MiB")
        return out

    def summary(self) -> str:
        """One paragraph for a person."""
        top = sorted(self.findings.items(), key=lambda kv: -kv[1])[:12]
        return (f"cases {self.cases} in {self.batches} batches, {self.seconds:.0f} s; "
                f"tracebacks {len(self.tracebacks)}, aborts {len(self.aborts)}, hangs {len(self.hangs)}, "
                f"bad JSON {len(self.bad_json)}, "
                f"missing reports {len(self.missing)}, inputs changed {len(self.changed)}, "
                f"not recorded {len(self.not_recorded)}; peak memory of any process {self.peak_mib:.0f} MiB\n"
                f"most frequent findings: {', '.join(f'{k} {v}' for k, v in top)}")


def _strict(text: str) -> Any:
    def refuse(name: str) -> None:
        raise ValueError(f"non-JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


def _run(args: list[str], env: dict[str, str], timeout: float) -> tuple[int | None, str, str, float]:
    """Run a command; (exit status or None on a hang, stdout, stderr, peak MiB of the largest process among it and
    its children). The peak is measured by `peak.py`, a small parent, so that this process's own size (pytest's,
    in the CI run) is not counted as the command's."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.TemporaryDirectory() as tmp:
        peak_file = Path(tmp) / "peak"
        proc = subprocess.Popen([sys.executable, str(PEAK), str(peak_file), *args], stdout=out, stderr=err, env=env,
                                start_new_session=True)
        try:
            code: int | None = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)   # the wrapper and the command it runs, with its workers
            proc.wait()
            code = None
        out.seek(0)
        err.seek(0)
        peak = int(peak_file.read_text()) / 1024 if peak_file.exists() else 0.0
        return code, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"), peak


def _command(args: list[str], label: str, stats: Stats, env: dict[str, str]) -> tuple[int, str] | None:
    code, stdout, stderr, peak = _run([*CLI, *args], env, TIME_LIMIT)
    stats.peak_mib = max(stats.peak_mib, peak)
    if code is None:
        stats.hangs.append(label)
        return None
    if "Traceback" in stderr:
        stats.tracebacks.append(f"{label}: {stderr.strip().splitlines()[-1][:200]}")
    if code not in (0, 1):
        stats.aborts.append(f"{label}: exit {code}: {stderr.strip()[-300:]}")
    return code, stdout


def run_batch(folder: Path, names: list[str], stats: Stats, intake: bool, ledger: Path) -> None:
    """Validate (and intake) one folder of cases, recording every problem in `stats`."""
    env = {**os.environ, "PYTHONFAULTHANDLER": ""}
    before = {n: hashlib.sha256((folder / n).read_bytes()).hexdigest() for n in names}
    label = f"{folder.name} ({names[0]}…{names[-1]})"
    done = _command(["validate", str(folder), "--format", "json"], f"validate {label}", stats, env)
    if done is not None and done[0] in (0, 1):
        try:
            report = _strict(done[1])
        except ValueError as exc:
            stats.bad_json.append(f"validate {label}: {exc}")
        else:
            seen = {Path(f["file"]).name for f in report["files"]}
            stats.missing.extend(sorted(set(names) - seen))
            for entry in report["files"]:
                for f in entry["findings"]:
                    stats.findings[f["code"]] = stats.findings.get(f["code"], 0) + 1
    if intake:
        done = _command(["intake", str(folder), "--ledger", str(ledger), "--format", "json"], f"intake {label}",
                        stats, env)
        if done is not None and done[0] in (0, 1):
            try:
                result = _strict(done[1])
            except ValueError as exc:
                stats.bad_json.append(f"intake {label}: {exc}")
            else:
                outcomes = {Path(i["path"]).name: i["outcome"] for i in result["items"]}
                stats.not_recorded.extend(sorted(n for n in names if outcomes.get(n) not in ("recorded", "known")))
    for n in names:
        if hashlib.sha256((folder / n).read_bytes()).hexdigest() != before[n]:
            stats.changed.append(n)


def fuzz(total: int, seed: int, batch: int, intake: bool, work: Path, progress: bool = False) -> Stats:
    """Generate `total` cases of `seed` under `work` and run them; returns what was found."""
    started = time.monotonic()
    stats = Stats()
    seed_files = seeds(work / "seeds")
    ledger = work / "ledger.sqlite"
    for first in range(0, total, batch):
        folder = work / f"batch{first // batch:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        names = []
        for case in cases(seed_files, seed, min(batch, total - first), start=first):
            (folder / case.name).write_bytes(case.data)
            names.append(case.name)
        run_batch(folder, names, stats, intake, ledger)
        stats.cases += len(names)
        stats.batches += 1
        if progress:
            print(f"{stats.cases}/{total} cases, {len(stats.problems())} kinds of problem, "
                  f"peak {stats.peak_mib:.0f} MiB, {time.monotonic() - started:.0f} s", flush=True)
    stats.seconds = time.monotonic() - started
    return stats


def main() -> None:
    """The command line of a long run (`make fuzz`)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=200)
    ap.add_argument("--no-intake", action="store_true")
    ap.add_argument("--keep", type=Path, default=None, help="write the cases here and keep them")
    args = ap.parse_args()
    if args.keep is not None:
        stats = fuzz(args.cases, args.seed, args.batch, not args.no_intake, args.keep, progress=True)
    else:
        with tempfile.TemporaryDirectory(prefix="xl-bdg-fuzz-") as tmp:
            stats = fuzz(args.cases, args.seed, args.batch, not args.no_intake, Path(tmp), progress=True)
    print(stats.summary())
    for line in stats.problems():
        print("PROBLEM", line[:2000])
    sys.exit(1 if stats.problems() else 0)


if __name__ == "__main__":
    main()
