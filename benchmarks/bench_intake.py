"""Benchmark: intake + aggregation of a national period, 4,000 workbooks (3,321 communes plus 679 departments).

A copy of schemas/ gets a registry with those 4,000 extra units under 34 provinces. A few base workbooks per kind
are written by the project's own template writer and filled with synthetic data; each unit's file is a copy of one
base with the unit's code and name replaced inside the xlsx XML (writing 4,000 workbooks with openpyxl would take
half an hour). Each unit's activity titles carry its code, but one unit in 50 keeps its base's, so that a few
activities are reported by two units, as in real data. Files are cached in benchmarks/.data/intake/; the ledger is
fresh every run.

    .venv/bin/python benchmarks/bench_intake.py [--units 4000] [--workers N]

Goals: intake + aggregate < 60 s on the 2-core CI machine (issue 4); within 2x of the raw python-calamine read of
the same files (CPU), and < 30 s wall when idle (issue 16). The corpus is stamped with a hash of what makes it and
rebuilt when that changes, then checked (exit 1, BROKEN CORPUS, when it holds no activities).
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
from xml.sax.saxutils import escape

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _corpus import corpus_stamp, is_current, seal  # noqa: E402

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
#: One unit in SHARED keeps its base's activity titles (see own_titles).
SHARED = 50


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


def relabel(base: Path, old: tuple[str, str], new: tuple[str, str], target: Path,
            titles: dict[bytes, bytes] | None = None) -> None:
    """Copy an xlsx, replacing a unit's code and name in every XML part (the metadata, the unit sheet, texts), and
    each activity title of `titles` by its new text (so that two units do not report the same activities)."""
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith(".xml"):
                for before, after in (titles or {}).items():
                    data = data.replace(before, after)
                for a, b in zip(_forms(old[0]) + _forms(old[1]), _forms(new[0]) + _forms(new[1]), strict=True):
                    data = data.replace(a, b)
            dst.writestr(info, data)


def own_titles(titles: list[str], code: str, i: int) -> dict[bytes, bytes]:
    """The XML text of each base activity title → the same title made this unit's own (its code appended).

    Units 1 in SHARED keep their base's titles, so a few activities are reported by two units, as in real data
    (a joint event); before, every unit copied its base's rows and every activity was reported by ~500 units."""
    if i % SHARED == 0:
        return {}
    return {a: b for t in titles for a, b in zip(_forms(f">{escape(t)}<"), _forms(f">{escape(t)} ({code})<"),
                                                                strict=True)}


def _forms(text: str) -> list[bytes]:
    """`text` as it can stand in the XML: UTF-8, or ASCII with character references (the writer's inline strings)."""
    return [text.encode(), text.encode("ascii", "xmlcharrefreplace")]


def make_files(project, units: list[tuple[str, str, str, str]], inbox: Path) -> list[Path]:
    """One workbook per unit, relabelled copies of BASES filled workbooks per kind, rebuilt when the stamp of what
    makes them (this script, the form, the sample data, the number of units) differs, then checked."""
    stamp = corpus_stamp(Path(__file__), units=len(units), extra=f"bases={BASES};shared={SHARED}")
    files = [inbox / f"{PERIOD}_{code}.xlsx" for code, _, _, _ in units]
    if is_current(inbox, stamp):
        return files
    shutil.rmtree(inbox, ignore_errors=True)
    shutil.rmtree(inbox.parent / "bases", ignore_errors=True)
    per = project.period(PERIOD)
    inbox.mkdir(parents=True)
    bases: dict[str, list[tuple[Path, tuple[str, str], list[str]]]] = {}
    for kind in ("commune", "department"):
        of_kind = [u for u in units if u[2] == kind][:BASES]
        for code, name, _, _ in of_kind:
            unit = project.registry.get(code)
            tpl = write_template(project, unit, per, inbox.parent / "templates")
            data = synthesize(project, unit, per)
            base = fill_workbook(project.form, tpl, data, inbox.parent / "bases" / tpl.name)
            titles = sorted({a["title"] for a in data["activities"] if a.get("title")}, key=len, reverse=True)
            bases.setdefault(kind, []).append((base, (code, name), titles))
    for i, ((code, name, kind, _), target) in enumerate(zip(units, files, strict=True)):
        base, old, titles = bases[kind][i % len(bases[kind])]
        relabel(base, old, (code, name), target, own_titles(titles, code, i))
    seal(inbox, stamp, files, len(units), project)
    return files


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the validation workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def raw_read(project, files: list[Path]) -> float:
    """CPU seconds of the floor: python-calamine opening each file and reading the form's sheets, nothing else."""
    import python_calamine as pc

    from xl_bdg.form.layout import layout_for

    titles = list(layout_for(project.form).sheet.values())
    c = time.process_time()
    for path in files:
        wb = pc.CalamineWorkbook.from_path(str(path))
        names = set(wb.sheet_names)
        for title in titles:
            if title in names:
                wb.get_sheet_by_name(title).to_python(skip_empty_area=False)
    return time.process_time() - c


def _fresh_ledger(work: Path) -> Path:
    """The ledger's path, with any previous ledger and archive removed."""
    ledger_path = work / "ledger.sqlite"
    for p in (ledger_path, work / "ledger.sqlite-wal", work / "ledger.sqlite-shm"):
        p.unlink(missing_ok=True)
    shutil.rmtree(work / "ledger-archive", ignore_errors=True)
    return ledger_path


def main() -> None:
    """Generate (or reuse) the files, then time intake, aggregation, a no-op re-intake, the raw calamine read of the
    same files (the floor) and intake with one worker (the speed-up of two), all in one run."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=4000)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--no-speedup", action="store_true", help="skip the one-worker intake")
    args = ap.parse_args()
    units = unit_codes(args.units)
    work = DATA / f"n{args.units}"
    schemas = make_schemas(units, work / "schemas")
    project = load_project(schemas)
    t0 = time.perf_counter()
    files = make_files(project, units, work / "inbox")
    print(f"files ready: {len(files)} workbooks in {time.perf_counter() - t0:.1f} s "
          f"({sum(f.stat().st_size for f in files) / 1e6:.0f} MB)")

    when = dt.datetime(2026, 11, 10, 9)
    load = os.getloadavg()
    ledger_path = _fresh_ledger(work)
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
    raw = raw_read(project, files)
    one = None
    if not args.no_speedup:
        with Ledger(_fresh_ledger(work)) as led:
            t0 = time.perf_counter()
            intake(led, [work / "inbox"], project, received_at=when, workers=1)
            one = time.perf_counter() - t0
    used = sum(1 for s in ds.statuses if s.used_sha256)
    two = sum(1 for w in ds.warnings if w.code == "activity-in-two-units")
    print(f"machine:   {os.cpu_count()} CPUs, load average {', '.join(f'{x:.2f}' for x in load)} at start, "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())} at end (other work slows every wall figure)")
    print(f"intake:    {t_intake:6.1f} s wall, {c_intake:6.1f} s CPU (all processes)  {len(result.recorded)} "
          f"recorded, {len(bad)} with errors ({1000 * t_intake / len(files):.1f} ms/file)")
    print(f"aggregate: {t_agg:6.1f} s wall, {c_agg:6.1f} s CPU  {used} units, {len(ds.figures)} figures, "
          f"{len(ds.activities)} activities, {len(ds.warnings)} cross-check warnings "
          f"({two} activity-in-two-units)")
    print(f"total:     {t_intake + t_agg:6.1f} s wall  (goal < 30 s idle), {c_intake + c_agg:6.1f} s CPU")
    print(f"floor:     raw python-calamine read of the same sheets of the same files: {raw:6.1f} s CPU; "
          f"intake + aggregate / raw = {(c_intake + c_agg) / raw:.2f}x CPU (goal <= 2x)")
    if one is not None:
        print(f"workers:   intake with 1 worker {one:6.1f} s wall; speed-up of the default over 1: "
              f"{one / t_intake:.2f}x")
    print(f"re-intake: {t_again:6.1f} s  ({sum(1 for i in again.items if i.outcome == 'known')} known, no-op)")
    print(f"ledger:    {ledger_path.stat().st_size / 1e6:.0f} MB")
    if bad:
        first = bad[0]
        print("first file with errors:", first.path, [f.code for f in (first.report.findings if first.report else [])])


if __name__ == "__main__":
    main()
