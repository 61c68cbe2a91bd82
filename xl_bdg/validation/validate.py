"""Validate submissions: metadata against the registry and what was asked, then the form's rules (pandera, one pass
per sheet over all files at once), merged with the reader's findings into one report per file.

    validate_submission(sub, project)      a Submission already read → findings
    validate_file(path, project)           one workbook → (Submission | None, FileReport)
    validate_paths([folder, …], project)   files and folders, read in isolated children → (Report, {path: Submission})

Bad input is a finding, never an exception: a file that cannot be read still gets a FileReport that says why.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..fileio import sha256_file
from ..findings import FileReport, Finding, Report
from ..form.layout import layout_for
from ..form.project import Project
from ..periods import Period
from ..reading.reader import read_submission
from ..submission import Submission
from .batch import Columns, Context, file_rows, run, stack
from .isolation import DEFAULT_TIMEOUT, Failure, Mark, run_isolated

#: What the reader reads (templates included), and spreadsheets of other kinds: a folder lists both, so a file of
#: another kind gets a finding that says what to do instead of being skipped without a word.
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlt", ".ods", ".ots")
OTHER_SPREADSHEET_SUFFIXES = (".xlsb", ".fods", ".numbers")
LISTED_SUFFIXES = SPREADSHEET_SUFFIXES + OTHER_SPREADSHEET_SUFFIXES
Progress = Callable[[int, int], None]
_MAX_CHUNK = 100  # files per child call (see chunk_size)


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
        add("unit-not-active", "unit_code", unit.code, period=period.code, valid=unit.validity())
    # Dates are checked against the declared period; if that is unreadable, against the one asked for.
    ctx = Context(unit=unit if unit is not None and unit.code != project.registry.root else None,
                  period=period or expected_period)
    return out, ctx


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


@dataclass(frozen=True)
class Input:
    """One file to read, as found among the paths given; `refusal` is (code, value) for a link in a folder that
    must not be followed (it leads outside the folder, or nowhere)."""

    path: Path
    refusal: tuple[str, str] | None = None


def _listed(name: str) -> bool:
    return Path(name).suffix.lower() in LISTED_SUFFIXES


def _folder_inputs(folder: Path) -> Iterator[Input]:
    """The spreadsheets inside a folder, recursively, in name order; hidden files and lock files (`~$…`,
    LibreOffice's `.~lock…#`) skipped. A link is followed only when it leads to a file inside the folder: a link
    to /etc/passwd named `a.xlsx` must be neither read nor archived, and a broken one is said, not skipped."""
    root = folder.resolve()
    for here, dirs, names in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "~$")))
        for name in sorted(names):
            if name.startswith((".", "~$")) or not _listed(name):
                continue
            path = Path(here) / name
            if not path.is_symlink():
                yield Input(path)
                continue
            try:
                target = path.resolve(strict=True)
            except (OSError, RuntimeError):  # dangling, or a loop of links
                yield Input(path, ("broken-link", os.readlink(path) if path.is_symlink() else ""))
                continue
            if not target.is_relative_to(root) or not target.is_file():
                yield Input(path, ("link-outside", str(target)))
            else:
                yield Input(path)


def list_inputs(paths: Sequence[Path]) -> list[Input]:
    """Files as given, and the spreadsheets inside folders (see `_folder_inputs`), each file once."""
    out: list[Input] = []
    seen: set[Path] = set()
    for p in paths:
        found = list(_folder_inputs(p)) if p.is_dir() else [Input(p)]
        for item in found:
            key = item.path.resolve() if item.refusal is None else item.path.absolute()
            if key not in seen:
                seen.add(key)
                out.append(item)
    return out


def expand_paths(paths: Sequence[Path]) -> list[Path]:
    """Every file `list_inputs` finds, refused links included (each gets a report that says why)."""
    return [i.path for i in list_inputs(paths)]


def refusal_report(item: Input, project: Project) -> FileReport:
    """The report of a link that was not followed."""
    code, value = item.refusal or ("broken-link", "")
    finding = Finding(code, project.form.messages[code].severity, str(item.path), value=value)
    return FileReport(file=str(item.path), sha256=None, unit_code=None, period=None, findings=[finding])


def check_files(paths: Sequence[str], project: Project, expected_period: Period | None = None,
                mark: Mark | None = None) -> list[tuple[FileReport, Submission | None]]:
    """Read and validate files in this process as one batch: each file read (`mark(i)` before file i), then one
    pandera pass per sheet over all of them (`mark(None)` before it). One report per file, in order."""
    done = []
    for i, p in enumerate(paths):
        if mark is not None:
            mark(i)
        done.append(_process(p, project, expected_period))
    if mark is not None:
        mark(None)
    ready = [r for r in done if r.sub is not None and r.ctx is not None and r.rows is not None]
    rule_findings = run(stack(project, [r.sub for r in ready if r.sub], [r.ctx for r in ready if r.ctx],
                              [r.rows for r in ready if r.rows is not None])) if ready else []
    by_path = {r.path: found for r, found in zip(ready, rule_findings, strict=True)}
    return [(_report(r.path, r.sub, r.found + r.meta + by_path.get(r.path, []), r.sha), r.sub) for r in done]


def failure_report(path: str, why: Failure) -> FileReport:
    """The report of a file whose reading crashed, aborted, ran out of memory or took too long."""
    code = "too-slow" if why.kind == "too-slow" else "reader-crashed"
    value: str | float = float(why.detail) if code == "too-slow" else why.detail
    try:
        sha: str | None = sha256_file(Path(path))
    except OSError:
        sha = None
    return FileReport(file=path, sha256=sha, unit_code=None, period=None,
                      findings=[Finding(code, "error", path, value=value)])


def file_timeout() -> float:
    """Seconds one file may take to be read and checked: `XL_BDG_FILE_TIMEOUT`, else the default."""
    try:
        value = float(os.environ.get("XL_BDG_FILE_TIMEOUT", ""))
    except ValueError:
        return DEFAULT_TIMEOUT
    return value if value > 0 else DEFAULT_TIMEOUT


def chunk_size(total: int, workers: int) -> int:
    """Files per child call: as many as spreads the files over the workers (the rules' one pandera pass has a fixed
    cost, ~0.2 s, best shared by many files), at most _MAX_CHUNK (a crash re-reads the rest of its chunk)."""
    return max(1, min(_MAX_CHUNK, -(-total // max(1, workers))))


def validate_paths(paths: Sequence[Path], project: Project, expected_period: Period | None = None,
                   workers: int | None = None, progress: Progress | None = None,
                   timeout: float | None = None, submissions: bool = False
                   ) -> tuple[Report, dict[str, Submission]]:
    """Validate files and folders: each chunk of files read and checked in a child process, where a crash, an
    abort or a time-out of one file becomes that file's finding. Only reports come back, so memory stays flat
    however many files there are; the submissions (path → Submission of each readable file) come back too only
    when `submissions` is asked for, else the dict is empty."""
    inputs = list_inputs(paths)
    total = len(inputs)
    reports: list[FileReport | None] = [None] * total
    subs: dict[str, Submission] = {}
    todo = [(n, str(i.path)) for n, i in enumerate(inputs) if i.refusal is None]
    for n, item in enumerate(inputs):
        if item.refusal is not None:
            reports[n] = refusal_report(item, project)
    done = total - len(todo)
    workers = max(1, workers if workers is not None else _cpus())

    def work(chunk: list[tuple[int, str]], mark: Mark) -> list[tuple[FileReport, Submission | None]]:
        done = check_files([p for _, p in chunk], project, expected_period, mark)
        return done if submissions else [(fr, None) for fr, _ in done]

    def failed(item: tuple[int, str], why: Failure) -> tuple[FileReport, Submission | None]:
        return failure_report(item[1], why), None

    for k, (fr, sub) in run_isolated(todo, work, failed, workers=min(workers, len(todo) or 1),
                                     chunk=chunk_size(len(todo), workers), timeout=timeout or file_timeout()):
        reports[todo[k][0]] = fr
        if sub is not None:
            subs[fr.file] = sub
        done += 1
        if progress:
            progress(done, total)
    report = Report()
    report.files.extend(r for r in reports if r is not None)
    return report, subs


# --- reading one file ----------------------------------------------------------------------------------------------

@dataclass
class Processed:
    """One file read: the submission, the reader's findings, the metadata findings and context, and its frame rows."""

    path: str
    sub: Submission | None
    found: list[Finding]
    sha: str | None = None
    meta: list[Finding] = field(default_factory=list)
    ctx: Context | None = None
    rows: dict[str, Columns] | None = None


def _process(path: str, project: Project, expected_period: Period | None,
             expected_unit: str | None = None) -> Processed:
    """Read one file and prepare its rows; an exception of the reader becomes a finding (a crash of the process
    is the isolation's to catch)."""
    try:
        sub, found = read_submission(Path(path), project)
    except Exception as exc:  # the reader's bug must not cost the other files their report
        sub, found = None, [Finding("reader-crashed", "error", path, value=f"{type(exc).__name__}: {exc}")]
    if sub is None:
        try:
            sha = sha256_file(Path(path)) if Path(path).is_file() else None
        except OSError:
            sha = None
        return Processed(path, None, list(found), sha)
    meta, ctx = check_metadata(sub, project, expected_period, expected_unit)
    return Processed(path, sub, list(found), sub.sha256, meta, ctx, file_rows(project, sub, ctx))


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
