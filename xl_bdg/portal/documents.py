"""The office's buttons: build the province report or the feedback letters of a period from the ledger, in a
process of their own (a report takes seconds of charts and Word files), into the portal's `documents/` folder,
where the pages list them for download. A build writes into a temporary folder renamed when complete, so a listed
build is always whole.
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import datetime as dt
import multiprocessing
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

KINDS = ("report", "letters")
_RUN = re.compile(r"^(report|letters)-\d{8}-\d{6}$")


def build(kind: str, ledger: str, schemas: str | None, period: str, out_dir: str, lang: str) -> list[str]:
    """Aggregate the period from the ledger and write the report or the letters into `out_dir` (in a worker)."""
    from ..aggregation import aggregate
    from ..form.project import load_project
    from ..ledger import Ledger
    from ..report import write_letters, write_report

    project = load_project(Path(schemas) if schemas else None)
    per = project.period(period)
    target = Path(out_dir)
    tmp = target.with_name(f".{target.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with Ledger(Path(ledger)) as led:
        ds = aggregate(project, led, per)
        if kind == "report":
            write_report(project, ds, tmp, lang=lang)
        else:
            write_letters(project, led, ds, tmp, lang=lang)
    os.replace(tmp, target)
    return sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())


@dataclass
class Built:
    """One finished build, as listed on the documents page."""

    run: str
    kind: str
    at: dt.datetime
    files: list[str] = field(default_factory=list)


class Documents:
    """Builds in a one-process pool, one at a time; what is building and what failed, by period."""

    def __init__(self, root: Path, ledger: Path, schemas: Path | None) -> None:
        self.root, self.ledger, self.schemas = root, ledger, schemas
        self.building: dict[str, str] = {}   # period → kind under way
        self.failed: dict[str, str] = {}     # period → the last error
        self._pool: cf.ProcessPoolExecutor | None = None

    def folder(self, period: str) -> Path:
        """Where a period's builds are kept."""
        return self.root / period

    def start(self, kind: str, period: str, lang: str) -> bool:
        """Start a build in the background; False when one is already under way for the period."""
        if period in self.building or kind not in KINDS:
            return False
        if self._pool is None:
            self._pool = cf.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        self.building[period] = kind
        self.failed.pop(period, None)
        run = f"{kind}-{dt.datetime.now():%Y%m%d-%H%M%S}"
        fut = asyncio.get_running_loop().run_in_executor(
            self._pool, build, kind, str(self.ledger), str(self.schemas) if self.schemas else None, period,
            str(self.folder(period) / run), lang)
        fut.add_done_callback(lambda f: self._done(period, f))
        return True

    def _done(self, period: str, fut: asyncio.Future[list[str]]) -> None:
        self.building.pop(period, None)
        exc = fut.exception()
        if exc is not None:
            self.failed[period] = f"{type(exc).__name__}: {exc}"

    def runs(self, period: str) -> list[Built]:
        """Finished builds of a period, newest first."""
        folder = self.folder(period)
        if not folder.is_dir():
            return []
        out = []
        for run in sorted((p for p in folder.iterdir() if p.is_dir() and _RUN.match(p.name)), reverse=True):
            kind, stamp = run.name.split("-", 1)
            files = sorted(str(p.relative_to(run)) for p in run.rglob("*") if p.is_file())
            out.append(Built(run.name, kind, dt.datetime.strptime(stamp, "%Y%m%d-%H%M%S"), files))
        return out

    def path(self, period: str, run: str, name: str) -> Path | None:
        """A built file, only when it is listed (no path from the request is ever joined unchecked)."""
        for built in self.runs(period):
            if built.run == run and name in built.files:
                return self.folder(period) / run / name
        return None

    def close(self) -> None:
        """Stop the build process (a build under way is finished first: its folder is renamed only when whole)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
