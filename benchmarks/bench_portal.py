"""Benchmark: the deadline afternoon on the portal. 4,000 units upload their workbook through their own link, 200 at
a time, to a real `xl-bdg serve` on 127.0.0.1, while an office user keeps reloading the status grid.

The files are bench_intake.py's (one relabelled copy of a few filled bases per unit: each upload is a distinct file
with a distinct hash). Each client opens the unit's page (for its form token), posts the file, follows the redirect
to the findings page. Reported: uploads per second, p50/p95/p99 time from the post to the findings page, the
server's peak memory (its process and its intake workers), the office pages' latency during the run; then proof
that the ledger holds every file exactly once (count and hashes) and that Ledger.verify(deep=True) passes.
Side by side, the floor: `intake()` of the same files straight from disk, in one call.

    .venv/bin/python benchmarks/bench_portal.py [--units 4000] [--clients 200] [--workers 2] [--no-floor]

Needs the `bench` extra (httpx).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import hashlib
import os
import re
import shutil
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

from bench_intake import DATA, PERIOD, make_files, make_schemas, unit_codes  # noqa: E402
from support.portal_server import OFFICE_PASSWORD, OFFICE_USER, start_server  # noqa: E402

from xl_bdg.form.project import load_project  # noqa: E402
from xl_bdg.ledger import Ledger, intake  # noqa: E402
from xl_bdg.portal import PortalConfig, PortalStore, Tokens, add_user, load_secret  # noqa: E402

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes (from /proc)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) * 1024  # type: ignore[union-attr]
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, AttributeError):
            continue
    return total


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and all its live descendants (from /proc)."""
    total, todo, tick = 0.0, [pid], os.sysconf("SC_CLK_TCK")
    while todo:
        p = todo.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, IndexError, ValueError):
            continue
    return total


class Peak(threading.Thread):
    """Samples the server tree's memory every 0.2 s."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, tree_rss(self.pid))
            time.sleep(0.2)


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


async def upload_all(base: str, jobs: list[tuple[str, Path]], clients: int) -> tuple[list[float], list[str]]:
    """Upload every (token, file) with `clients` concurrent clients; (seconds post→findings page, problems)."""
    queue: asyncio.Queue[tuple[str, Path]] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    times: list[float] = []
    problems: list[str] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=900, limits=limits) as client:

        async def worker() -> None:
            while not queue.empty():
                token, path = queue.get_nowait()
                page = await client.get(f"/u/{token}")
                csrf = CSRF.search(page.text)
                t0 = time.perf_counter()
                resp = await client.post(f"/u/{token}/upload", data={"csrf": csrf.group(1) if csrf else ""},
                                         files={"file": (path.name, path.read_bytes(), "application/octet-stream")},
                                         follow_redirects=True)
                times.append(time.perf_counter() - t0)
                if resp.status_code != 200 or "/file/" not in str(resp.url) or 'class="verdict v-' not in resp.text:
                    problems.append(f"{path.name}: {resp.status_code} {resp.url}")

        await asyncio.gather(*(worker() for _ in range(clients)))
    return times, problems


async def office_probe(base: str, stop: asyncio.Event, units: list[str]) -> list[float]:
    """An office user reloading the grid (and a unit's page) once a second; the latency of each page."""
    out: list[float] = []
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        page = await client.get("/office/login")
        csrf = CSRF.search(page.text)
        await client.post("/office/login", data={"csrf": csrf.group(1) if csrf else "", "username": OFFICE_USER,
                                                 "password": OFFICE_PASSWORD, "next": "/office"})
        i = 0
        while not stop.is_set():
            t0 = time.perf_counter()
            url = f"/office?period={PERIOD}" if i % 2 == 0 else f"/office/unit/{units[i % len(units)]}?period={PERIOD}"
            resp = await client.get(url)
            if resp.status_code == 200 and "/office/login" not in str(resp.url):
                out.append(time.perf_counter() - t0)
            i += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=1.0)
    return out


async def run(base: str, jobs: list[tuple[str, Path]], clients: int, units: list[str]) -> tuple[
        list[float], list[str], list[float], float]:
    stop = asyncio.Event()
    probe = asyncio.create_task(office_probe(base, stop, units))
    t0 = time.perf_counter()
    times, problems = await upload_all(base, jobs, clients)
    wall = time.perf_counter() - t0
    stop.set()
    return times, problems, await probe, wall


def main() -> None:
    """Generate (or reuse) the files, serve a fresh ledger, upload everything, check the ledger, then the floor."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=4000)
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-floor", action="store_true", help="skip intake() of the same files for comparison")
    args = ap.parse_args()
    units = unit_codes(args.units)
    work = DATA / f"n{args.units}"
    schemas = make_schemas(units, work / "schemas")
    project = load_project(schemas)
    files = make_files(project, units, work / "inbox")
    hashes = {hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
    assert len(hashes) == len(files), "every upload must be a distinct file"
    print(f"files:   {len(files)} workbooks, {sum(f.stat().st_size for f in files) / 1e6:.0f} MB, "
          f"{len(hashes)} distinct hashes")

    run_dir = DATA.parent / "portal"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    ledger = run_dir / "ledger.sqlite"
    store = PortalStore(ledger)
    add_user(store, OFFICE_USER, OFFICE_PASSWORD)
    tokens = Tokens(store, load_secret(PortalConfig(ledger=ledger).key_path))
    per = project.period(PERIOD)
    links = {r.unit_code: tokens.token(r) for r in tokens.issue_all(project, per, "bench")}
    jobs = [(links[code], path) for (code, *_), path in zip(units, files, strict=True)]
    load = os.getloadavg()
    server = start_server(ledger, PERIOD, "--schemas", str(schemas), "--workers", str(args.workers))
    peak = Peak(server.proc.pid)
    peak.start()
    idle = tree_rss(server.proc.pid)
    cpu0, me0 = tree_cpu(server.proc.pid), time.process_time()
    try:
        times, problems, office, wall = asyncio.run(run(server.url, jobs, args.clients, [u[0] for u in units[:50]]))
        cpu, me = tree_cpu(server.proc.pid) - cpu0, time.process_time() - me0
    finally:
        peak.stop.set()
        peak.join()
        server.stop()
    load_after = os.getloadavg()
    with Ledger(ledger) as led:
        recs = led.files(PERIOD)
        problems_ledger = led.verify(deep=True)
    got = [r.sha256 for r in recs]
    counts = PortalStore(ledger).upload_counts()
    print(f"machine: {os.cpu_count()} CPUs; load average {load[0]:.1f} before, {load_after[0]:.1f} after "
          "(client, server and workers share the cores; other work slows every figure)")
    print(f"portal:  {len(times)} uploads by {args.clients} clients in {wall:.1f} s = {len(times) / wall:.1f} "
          f"uploads/s; post → findings page p50 {pct(times, 50):.2f} s, p95 {pct(times, 95):.2f} s, "
          f"p99 {pct(times, 99):.2f} s, max {max(times):.2f} s")
    print(f"cpu:     server + workers {cpu:.0f} s ({1000 * cpu / len(times):.0f} ms per upload), the clients "
          f"{me:.0f} s; {2 * wall:.0f} core-seconds were there, the rest went to other work on the machine")
    print(f"memory:  server + {args.workers} intake workers: {idle / 2**20:.0f} MB idle, "
          f"peak {peak.peak / 2**20:.0f} MB")
    if office:
        print(f"office:  {len(office)} grid/unit pages during the run: p50 {pct(office, 50) * 1000:.0f} ms, "
              f"p95 {pct(office, 95) * 1000:.0f} ms, max {max(office) * 1000:.0f} ms")
    print(f"ledger:  {len(recs)} files for {PERIOD}, {len(set(got))} distinct; every upload's hash there once: "
          f"{sorted(got) == sorted(hashes)}; Ledger.verify(deep=True): {problems_ledger or 'ok'}; "
          f"portal uploads by outcome: {counts}")
    if problems:
        print(f"problems: {len(problems)}, first: {problems[:3]}")

    if not args.no_floor:
        floor = run_dir / "floor" / "ledger.sqlite"
        with Ledger(floor) as led:
            t0 = time.perf_counter()
            result = intake(led, files, project, received_at=dt.datetime.now(), workers=args.workers)
            t_floor = time.perf_counter() - t0
        print(f"floor:   intake() of the same {len(result.recorded)} files from disk in one call: {t_floor:.1f} s "
              f"= {len(files) / t_floor:.1f} files/s")


if __name__ == "__main__":
    main()
