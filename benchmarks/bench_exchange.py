"""Benchmark: the DHIS2 exchange of a national period, 4,000 units (3,321 communes plus departments).

The dataset comes from `combine` over synthetic submissions (no workbooks: the reader and intake are measured by the
other benchmarks); then the mapping, the payload with its provenance, the metadata package and the offline check are
timed, beside their floor: serialising the payload to JSON, which any exporter has to do.

    .venv/bin/python benchmarks/bench_exchange.py [--units 4000]

No goal is set for this stage; the figure shows that checking a season offline costs about as much as writing it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_intake import DATA, PERIOD, make_schemas, unit_codes  # noqa: E402

from xl_bdg.aggregation.combine import combine  # noqa: E402
from xl_bdg.exchange.check import offline_check  # noqa: E402
from xl_bdg.exchange.mapping import build_mapping  # noqa: E402
from xl_bdg.exchange.metadata import metadata_package  # noqa: E402
from xl_bdg.exchange.payload import build_payload  # noqa: E402
from xl_bdg.form.layout import layout_for  # noqa: E402
from xl_bdg.form.project import load_project  # noqa: E402
from xl_bdg.sample.synth import synthesize  # noqa: E402
from xl_bdg.submission import CellValue, Submission  # noqa: E402


def submissions(project, codes: list[str]) -> dict[str, Submission]:
    """A submission per unit from its synthetic data, each value at its layout cell."""
    per, lay = project.period(PERIOD), layout_for(project.form)
    sheet, budget = project.form.sheet_title("indicators"), project.form.sheet_title("budget")
    out = {}
    for code in codes:
        data = synthesize(project, project.registry.get(code), per)
        sub = Submission(path=f"{PERIOD}_{code}.xlsx", sha256=f"{hash(code) & (2**64 - 1):016x}" * 4)
        sub.indicators = {k: CellValue(v, sheet, lay.indicator_cell(k)) for k, v in data["indicators"].items()}
        for key, v in (data.get("budget") or {}).items():
            source, col = key.split("|", 1)
            sub.budget[(source, col)] = CellValue(v, budget, lay.budget_cell(source, col))
        out[code] = sub
    return out


def main() -> None:
    """Build the dataset, then time each step of the exchange."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=4000)
    args = ap.parse_args()
    units = unit_codes(args.units)
    project = load_project(make_schemas(units, DATA.parent / "exchange" / f"n{args.units}" / "schemas"))
    per = project.period(PERIOD)
    ds = combine(project, per, submissions(project, [u[0] for u in units]))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    t = {}
    t0 = time.perf_counter()
    mapping = build_mapping(project)
    t["mapping"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    built = build_payload(project, ds, mapping)
    t["payload"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    package = metadata_package(project, mapping)
    t["metadata package"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    findings = offline_check(project, mapping, built.payload, package, built.origins)
    t["offline check"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    text = json.dumps(built.payload, ensure_ascii=False, indent=1)
    t["floor: payload to JSON"] = time.perf_counter() - t0
    n = len(built.payload["dataValues"])
    print(f"{args.units} units, {n:,} data values ({len(text) / 1e6:.0f} MB of JSON), {len(findings)} findings; "
          f"load average at start {load:.1f}")
    for name, seconds in t.items():
        print(f"  {name:<24} {seconds:6.2f} s")


if __name__ == "__main__":
    main()
