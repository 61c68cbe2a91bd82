"""Validate submissions: metadata against the registry and what was asked, then the form's rules (pandera, one pass
per sheet over all files at once), merged with the reader's findings into one report per file.

    validate_submission(sub, project)      a Submission already read → findings
    validate_file(path, project)           one workbook → (Submission | None, FileReport)
    validate_paths([folder, …], project)   files and folders, read in parallel → (Report, {path: Submission})

Bad input is a finding, never an exception: a file that cannot be read still gets a FileReport that says why.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import os
from collections.abc import Callable, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from ..fileio import sha256_file
from ..findings import FileReport, Finding, Report
from ..form.layout import layout_for
from ..form.project import Project, load_project
from ..periods import Period
from ..reading.reader import read_submission
from ..submission import Submission
from .batch import Columns, Context, file_rows, run, stack

#: What the reader reads (templates included), and spreadsheets of other kinds: a folder lists both, so a file of
#: another kind gets a finding that says what to do instead of being skipped without a word.
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlt", ".ods", ".ots")
OTHER_SPREADSHEET_SUFFIXES = (".xlsb", ".fods", ".numbers")
LISTED_SUFFIXES = SPREADSHEET_SUFFIXES + OTHER_SPREADSHEET_SUFFIXES
Progress = Callable[[int, int], None]


# --- metadata ----------------------------------------------------------------------------------------------------

def _period(project: Project, code: str | None) -> Period | None:
    if not code:
        return None
    try:
        return project.period(code)
    except ValueError:
        return None


def check_metadata(sub: Submission, project: Project, expected_period: Period | None = None,
                   expected_unit: str | None = None) -> tuple[list[Finding], Context]:
    """Unit and period as declared: known, consistent between the hidden metadata and the unit sheet, as asked.

    Also returns the Context the rules need: the unit (None if unknown) and the period the dates are checked against.
    """
    lay = layout_for(project.form)
    sheet = lay.sheet["unit_info"]
    out: list[Finding] = []

    def add(code: str, field_id: str, value: object, **params: object) -> None:
        cv = sub.unit_info.get(field_id)
        out.append(Finding(code, project.form.messages[code].severity, sub.path, sheet,
                           cv.cell if cv else lay.unit_info_cell(field_id), value, dict(params)))

    declared = {k: (str(sub.unit_info[k].value).strip() if k in sub.unit_info and sub.unit_info[k].value is not None
                    else None) for k in ("unit_code", "period")}
    for key, code in (("unit_code", "unit-mismatch"), ("period", "period-mismatch")):
        stamped = sub.meta.get(key)
        if stamped and declared[key] and str(stamped).strip() != declared[key]:
            add(code, key, declared[key], other=str(stamped).strip())

    unit = project.registry.get(sub.unit_code) if sub.unit_code else None
    if unit is None or unit.code == project.registry.root:
        add("unknown-unit", "unit_code", sub.unit_code)
    if expected_unit and sub.unit_code != expected_unit:
        add("wrong-unit", "unit_code", sub.unit_code, expected=expected_unit)

    period = _period(project, sub.period)
    if period is None:
        add("bad-period", "period", sub.period)
    if expected_period is not None and sub.period != expected_period.code:
        add("wrong-period", "period", sub.period, expected=expected_period.code)
    if unit is not None and period is not None and unit.code != project.registry.root \
            and not unit.active_on(period.end):
        add("unit-not-active", "unit_code", unit.code, period=period.code, valid=_span(unit.valid_from, unit.valid_to))
    # Dates are checked against the declared period; if that is unreadable, against the one asked for.
    ctx = Context(unit=unit if unit is not None and unit.code != project.registry.root else None,
                  period=period or expected_period)
    return out, ctx


def _day(d: dt.date) -> str:
    return "" if d.year in (1900, 9999) else d.strftime("%d/%m/%Y")  # the registry's open ends stay blank


def _span(start: dt.date, end: dt.date) -> str:
    """`01/07/2025 –` or `– 28/02/2025` or both dates: when a unit exists."""
    return f"{_day(start)} – {_day(end)}".strip()


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """One finding per code and cell (the reader and the rules may both see, say, a duplicated narrative)."""
    seen: set[tuple[str, str | None, str | None]] = set()
    out = []
    for f in findings:
        key = (f.code, f.sheet, f.cell)
        if f.cell is None or key not in seen:
            out.append(f)
            seen.add(key)
    return out


# --- public API --------------------------------------------------------------------------------------------------

def validate_submission(sub: Submission, project: Project, expected_period: Period | None = None,
                        expected_unit: str | None = None) -> list[Finding]:
    """The metadata and rule findings of one submission (the reader's own findings are not repeated here)."""
    meta, ctx = check_metadata(sub, project, expected_period, expected_unit)
    return meta + run(stack(project, [sub], [ctx]))[0]


def _report(path: str, sub: Submission | None, findings: list[Finding], sha: str | None) -> FileReport:
    return FileReport(file=path, sha256=sub.sha256 if sub else sha, unit_code=sub.unit_code if sub else None,
                      period=sub.period if sub else None, findings=_dedupe(findings), readable=sub is not None)


def validate_file(path: Path, project: Project, expected_period: Period | None = None,
                  expected_unit: str | None = None) -> tuple[Submission | None, FileReport]:
    """Read and validate one workbook; the report holds the reader's findings and the rules' findings."""
    done = _process(str(path), project, expected_period, expected_unit)
    found = done.found
    if done.sub is not None and done.ctx is not None:
        found = found + done.meta + run(stack(project, [done.sub], [done.ctx], [done.rows or {}]))[0]
    return done.sub, _report(done.path, done.sub, found, done.sha)


def expand_paths(paths: Sequence[Path]) -> list[Path]:
    """Files as given, and the spreadsheets inside folders, of every kind (recursively; lock files `~$…`, LibreOffice's
    `.~lock…#` and hidden ones skipped)."""
    out: list[Path] = []
    seen: set[Path] = set()
    for p in paths:
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in LISTED_SUFFIXES
                           and not any(part.startswith((".", "~$")) for part in f.relative_to(p).parts))
        else:
            found = [p]
        for f in found:
            key = f.resolve()
            if key not in seen:
                seen.add(key)
                out.append(f)
    return out


def validate_paths(paths: Sequence[Path], project: Project, expected_period: Period | None = None,
                   workers: int | None = None, progress: Progress | None = None
                   ) -> tuple[Report, dict[str, Submission]]:
    """Validate files and folders as one batch: read in parallel, one pandera pass per sheet over all of them."""
    results = _read_all([str(f) for f in expand_paths(paths)], project, expected_period, workers, progress)
    ready = [(r, r.sub, r.ctx, r.rows) for r in results if r.sub is not None and r.ctx is not None
             and r.rows is not None]
    subs = [sub for _, sub, _, _ in ready]
    contexts, rows = [c for _, _, c, _ in ready], [rows for *_, rows in ready]
    rule_findings = run(stack(project, subs, contexts, rows)) if ready else []
    by_path = {r.path: found for (r, *_), found in zip(ready, rule_findings, strict=True)}
    report = Report()
    for r in results:
        report.files.append(_report(r.path, r.sub, r.found + r.meta + by_path.get(r.path, []), r.sha))
    return report, {r.path: sub for r, sub, _, _ in ready}


# --- reading, in parallel ----------------------------------------------------------------------------------------

@dataclass
class Processed:
    """One file read where it was read (a worker, in batch mode): the submission, the reader's findings, the
    metadata findings and context, and its frame rows, so the main process only concatenates."""

    path: str
    sub: Submission | None
    found: list[Finding]
    sha: str | None = None
    meta: list[Finding] = field(default_factory=list)
    ctx: Context | None = None
    rows: dict[str, Columns] | None = None


_WORKER_PROJECT: Project | None = None


def _process(path: str, project: Project, expected_period: Period | None,
             expected_unit: str | None = None) -> Processed:
    """Read one file and prepare its rows; a crash of the reader becomes a finding, so one bad file never stops a
    folder run."""
    try:
        sub, found = read_submission(Path(path), project)
    except Exception as exc:  # the reader's bug must not cost the other files their report
        sub, found = None, [Finding("reader-crashed", "error", path, value=f"{type(exc).__name__}: {exc}")]
    if sub is None:
        try:
            sha = sha256_file(Path(path))
        except OSError:
            sha = None
        return Processed(path, None, list(found), sha)
    meta, ctx = check_metadata(sub, project, expected_period, expected_unit)
    return Processed(path, sub, list(found), sub.sha256, meta, ctx, file_rows(project, sub, ctx))


def _worker_init(schemas: str) -> None:
    global _WORKER_PROJECT
    _WORKER_PROJECT = load_project(Path(schemas))


def _worker_read(paths: list[str], expected_period: Period | None) -> list[Processed]:
    assert _WORKER_PROJECT is not None
    return [_process(p, _WORKER_PROJECT, expected_period) for p in paths]


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _read_all(paths: list[str], project: Project, expected_period: Period | None, workers: int | None,
              progress: Progress | None) -> list[Processed]:
    total = len(paths)
    workers = max(1, workers if workers is not None else _cpus())
    done: dict[str, Processed] = {}

    def tick() -> None:
        if progress:
            progress(len(done), total)

    if workers == 1 or total < 4:  # starting processes costs more than it saves on a handful of files
        for p in paths:
            done[p] = _process(p, project, expected_period)
            tick()
        return [done[p] for p in paths]
    size = max(1, min(16, total // (workers * 8)))
    chunks = [paths[i:i + size] for i in range(0, total, size)]
    init = (str(project.schemas_dir),)
    try:
        with cf.ProcessPoolExecutor(workers, initializer=_worker_init, initargs=init) as pool:
            futures = [pool.submit(_worker_read, c, expected_period) for c in chunks]
            for fut in cf.as_completed(futures):
                for res in fut.result():
                    done[res.path] = res
                tick()
    except BrokenProcessPool:
        # A worker died (out of memory, a crash in a C library): retry the rest one file per process, so the one
        # that kills its process is named and the others are still read.
        for p in (p for p in paths if p not in done):
            done[p] = _read_isolated(p, project, expected_period)
            tick()
    return [done[p] for p in paths]


def _read_isolated(path: str, project: Project, expected_period: Period | None) -> Processed:
    try:
        with cf.ProcessPoolExecutor(1, initializer=_worker_init, initargs=(str(project.schemas_dir),)) as pool:
            return pool.submit(_worker_read, [path], expected_period).result()[0]
    except BrokenProcessPool:
        return Processed(path, None, [Finding("reader-crashed", "error", path, value="the reading process died")])
