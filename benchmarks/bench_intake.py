"""Benchmark: intake + aggregation of a national period, 4,000 workbooks (3,321 communes plus 679 departments).

A copy of schemas/ gets a registry with those 4,000 extra units under 34 provinces. A few base workbooks per kind
are written by the project's own template writer and filled with synthetic data; each unit's file is a copy of one
base with the unit's code and name replaced inside the xlsx XML (writing 4,000 workbooks with openpyxl would take
half an hour). Files are cached in benchmarks/.data/intake/; the ledger is fresh every run.

    .venv/bin/python benchmarks/bench_intake.py [--units 4000] [--workers N]

Target (issue 4): intake + aggregate < 60 s on the 2-core CI machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import sys
import time
import zipfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from xl_bdg.aggregation.combine import aggregate  # noqa: E402
from xl_bdg.form.project import load_project  # noqa: E402
from xl_bdg.ledger.intake import intake  # noqa: E402
from xl_bdg.ledger.store import Ledger  # noqa: E402
from xl_bdg.sample.synth import synthesize  # noqa: E402
from xl_bdg.workbook.fill import fill_workbook  # noqa: E402
from xl_bdg.workbook.template import write_template  # noqa: E402

DATA = ROOT / "benchmarks" / ".data" / "intake"
PERIOD = "2026-FY"
COMMUNES, PROVINCES, BASES = 3321, 34, 8


def unit_codes(total: int) -> list[tuple[str, str, str, str]]:
    """(code, name, kind, parent) of the synthetic units: communes first, then departments."""
    communes = min(COMMUNES, total)
    out = []
    for i in range(total):
        prov = f"TINH-{i % PROVINCES + 1:02d}"
        if i < communes:
            out.append((f"XB-{i + 1:05d}", f"Xã Thử Nghiệm {i + 1:05d}", "commune", prov))
        else:
            out.append((f"SB-{i + 1:05d}", f"Sở Thử Nghiệm {i + 1:05d}", "department", prov))
    return out


def make_schemas(units: list[tuple[str, str, str, str]], target: Path) -> Path:
    """A copy of the project's schemas whose registry also holds the synthetic units."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(ROOT / "schemas", target)
    reg_path = target / "units.yaml"
    reg = yaml.safe_load(reg_path.read_text(encoding="utf-8"))
    root = next(u["code"] for u in reg["units"] if not u.get("parent") and not u.get("parents"))
    reg["units"] += [{"code": f"TINH-{p + 1:02d}", "name": f"Tỉnh Thử Nghiệm {p + 1:02d}", "kind": "province",
                      "parent": root} for p in range(PROVINCES)]
    reg["units"] += [{"code": c, "name": n, "kind": k, "parent": par} for c, n, k, par in units]
    reg_path.write_text(yaml.safe_dump(reg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def relabel(base: Path, old: tuple[str, str], new: tuple[str, str], target: Path) -> None:
    """Copy an xlsx, replacing a unit's code and name in every XML part (the metadata, the unit sheet, texts)."""
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith(".xml"):
                data = data.replace(old[0].encode(), new[0].encode()).replace(old[1].encode(), new[1].encode())
            dst.writestr(info, data)


def make_files(project, units: list[tuple[str, str, str, str]], inbox: Path) -> list[Path]:
    """One workbook per unit, relabelled copies of BASES filled workbooks per kind."""
    per = project.period(PERIOD)
    inbox.mkdir(parents=True, exist_ok=True)
    bases: dict[str, list[tuple[Path, tuple[str, str]]]] = {}
    for kind in ("commune", "department"):
        of_kind = [u for u in units if u[2] == kind][:BASES]
        for code, name, _, _ in of_kind:
            unit = project.registry.get(code)
            tpl = write_template(project, unit, per, inbox.parent / "templates")
            base = fill_workbook(project.form, tpl, synthesize(project, unit, per), inbox.parent / "bases" / tpl.name)
            bases.setdefault(kind, []).append((base, (code, name)))
    files = []
    for i, (code, name, kind, _) in enumerate(units):
        base, old = bases[kind][i % len(bases[kind])]
        target = inbox / f"{PERIOD}_{code}.xlsx"
        if not target.exists():
            relabel(base, old, (code, name), target)
        files.append(target)
    return files


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the validation workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    """Generate (or reuse) the files, then time intake, a no-op re-intake and aggregation."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=4000)
    ap.add_argument("--workers", type=int, default=None)
    args = ap.parse_args()
    units = unit_codes(args.units)
    work = DATA / f"n{args.units}"
    schemas = make_schemas(units, work / "schemas")
    project = load_project(schemas)
    t0 = time.perf_counter()
    files = make_files(project, units, work / "inbox")
    print(f"files ready: {len(files)} workbooks in {time.perf_counter() - t0:.1f} s "
          f"({sum(f.stat().st_size for f in files) / 1e6:.0f} MB)")

    ledger_path = work / "ledger.sqlite"
    for p in (ledger_path, work / "ledger.sqlite-wal", work / "ledger.sqlite-shm"):
        p.unlink(missing_ok=True)
    shutil.rmtree(work / "ledger-archive", ignore_errors=True)
    when = dt.datetime(2026, 11, 10, 9)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    with Ledger(ledger_path) as led:
        t0, c0 = time.perf_counter(), _cpu()
        result = intake(led, [work / "inbox"], project, received_at=when, workers=args.workers)
        t_intake, c_intake = time.perf_counter() - t0, _cpu() - c0
        bad = [i for i in result.items if i.record is None or not i.record.valid]
        t0, c0 = time.perf_counter(), _cpu()
        ds = aggregate(project, led, project.period(PERIOD))
        t_agg, c_agg = time.perf_counter() - t0, _cpu() - c0
        t0 = time.perf_counter()
        again = intake(led, [work / "inbox"], project, received_at=when)
        t_again = time.perf_counter() - t0
    used = sum(1 for s in ds.statuses if s.used_sha256)
    print(f"machine:   {os.cpu_count()} CPUs, load average {load:.1f} at start (other work slows every figure)")
    print(f"intake:    {t_intake:6.1f} s wall, {c_intake:6.1f} s CPU (all processes)  {len(result.recorded)} "
          f"recorded, {len(bad)} with errors ({1000 * t_intake / len(files):.1f} ms/file)")
    print(f"aggregate: {t_agg:6.1f} s wall, {c_agg:6.1f} s CPU  {used} units, {len(ds.figures)} figures, "
          f"{len(ds.activities)} activities, {len(ds.warnings)} cross-check warnings")
    print(f"total:     {t_intake + t_agg:6.1f} s wall  (target < 60 s)")
    print(f"re-intake: {t_again:6.1f} s  ({sum(1 for i in again.items if i.outcome == 'known')} known, no-op)")
    print(f"ledger:    {ledger_path.stat().st_size / 1e6:.0f} MB")
    if bad:
        first = bad[0]
        print("first file with errors:", first.path, [f.code for f in (first.report.findings if first.report else [])])


if __name__ == "__main__":
    main()
