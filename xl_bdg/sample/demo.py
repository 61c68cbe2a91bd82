"""The end-to-end demo: from nothing to the province report, on the sample province.

It writes every unit's template for the half-year and the year, fills them with plausible data (`synth`), and then
plays a reporting season: most units send on time, some late, some with mistakes (a broken check, a date outside the
period, a date typed as text, a required narrative left empty), one not at all, one sends a corrected file after a
first one with errors. The office's side then runs for real: intake (with validation), aggregation, the report,
the feedback letters and the exports. Which unit plays which part follows from the registry's order, not from code.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..aggregation.combine import aggregate
from ..aggregation.export import long_rows, write_csv, write_parquet
from ..dataset import Dataset
from ..exchange.season import export_season
from ..form.project import Project, load_project
from ..form.registry import Unit
from ..ledger.intake import intake
from ..ledger.store import Ledger
from ..periods import Period
from ..report.history import previous_dataset
from ..report.letters import write_letters
from ..report.write import write_report
from ..workbook.fill import fill_into
from ..workbook.template import build_workbook, save_workbook, units_for, workbook_name
from .synth import synthesize

#: What can go wrong in a demo submission (each is applied through the form definition, never by field name).
MISTAKES = ("break_check", "date_outside", "text_date", "drop_narrative")


@dataclass(frozen=True)
class Role:
    """What one unit does in the demo's reporting season of the main period."""

    unit: str
    late: bool = False
    missing: bool = False
    mistakes: tuple[str, ...] = ()
    resubmits: bool = False       # first file has `mistakes`, a corrected one follows


@dataclass
class DemoResult:
    """Where the demo wrote everything, and what happened."""

    out_dir: Path
    period: str
    outputs: list[tuple[str, Path]] = field(default_factory=list)    # (what, where)
    roles: dict[str, Role] = field(default_factory=dict)
    statuses: list[Any] = field(default_factory=list)
    letters: list[Path] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    dataset: Dataset | None = None


def plan_roles(units: list[Unit]) -> dict[str, Role]:
    """Give each unit its part, by registry order: the last commune is missing, two units are late, three send
    files with mistakes, one resubmits; a department's file has a readable text date (a warning only)."""
    depts = [u.code for u in units if u.kind != "commune"]
    communes = [u.code for u in units if u.kind == "commune"] or depts
    roles = {u.code: Role(u.code) for u in units}

    def give(pool: list[str], index: int, **kw: Any) -> None:
        free = [c for c in pool if roles[c] == Role(c)]
        if free:
            code = free[min(index, len(free) - 1)]
            roles[code] = Role(code, **kw)

    give(communes, len(communes), missing=True)
    give(depts, 1, late=True)
    give(communes, 2, late=True)
    give(communes, 0, mistakes=("break_check", "text_date"))
    give(depts, 2, mistakes=("date_outside",))
    give(communes, 3, mistakes=("drop_narrative",))
    give(depts, 0, mistakes=("break_check",), resubmits=True)
    give(depts, 3, mistakes=("text_date",))
    return roles


def apply_mistakes(project: Project, unit: Unit, period: Period, data: dict[str, Any],
                   mistakes: tuple[str, ...]) -> None:
    """Change valid synthetic data in place the way people get a form wrong."""
    form = project.form
    date_cols = [c.id for c in form.activity_columns if c.type == "date"]
    acts = data.get("activities") or []
    for mistake in mistakes:
        if mistake == "break_check":
            # The first applicable indicator with an `a ≤ b` rule gets a > b (female > total, handled > detected…).
            for ind in form.indicators:
                if not ind.applies(unit.code, unit.kind, period.kind, period.year):
                    continue
                check = next((c for c in ind.checks if c.rule == "le"), None)
                if check is not None:
                    b = data["indicators"].get(ind.key(check.params["b"]))
                    if isinstance(b, (int, float)):
                        data["indicators"][ind.key(check.params["a"])] = b + 7
                        break
        elif mistake == "date_outside" and acts and date_cols:
            day = period.start - dt.timedelta(days=40)
            for col in date_cols:
                acts[0][col] = day
        elif mistake == "text_date" and len(acts) > 1 and date_cols:
            value = acts[1].get(date_cols[0])
            if isinstance(value, dt.date):
                acts[1][date_cols[0]] = value.strftime("%d/%m/%Y")  # as typed by hand: read with a warning
        elif mistake == "drop_narrative":
            required = next((c.id for c in form.narrative if c.required), None)
            if required:
                (data.get("narrative") or {}).pop(required, None)


# --- writing workbooks (in worker processes: each file takes a few tenths of a second) ------------------------------
def _write_unit(schemas: str, unit_code: str, period: Period, out_dir: str, mistakes: tuple[str, ...],
                names: tuple[str, ...]) -> list[str]:
    """Write one unit's template and its filled copies: names[0] with `mistakes`, names[1] (if any) corrected."""
    project = load_project(Path(schemas))
    unit = project.registry.get(unit_code)
    period_code = period.code
    assert unit is not None
    # Filling the workbook still in memory saves a reload per file: writing workbooks is most of the demo's time.
    wb = build_workbook(project, unit, period)
    save_workbook(wb, Path(out_dir) / "templates" / period_code / workbook_name(period_code, unit_code))
    written = []
    for i, name in enumerate(names):
        data = synthesize(project, unit, period)
        if i == 0 and mistakes:
            apply_mistakes(project, unit, period, data, mistakes)
        if i > 0:
            wb = build_workbook(project, unit, period)  # a later version starts from a clean form
        target = Path(out_dir) / "inbox" / period_code / name
        written.append(str(save_workbook(fill_into(project.form, wb, data), target)))
    return written


def _jobs(period: Period, roles: dict[str, Role]) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    jobs = []
    for code, role in roles.items():
        base = workbook_name(period.code, code)
        if role.missing:
            names: tuple[str, ...] = ()
        elif role.resubmits:
            names = (base, base.replace(".xlsx", "_v2.xlsx"))
        else:
            names = (base,)
        jobs.append((code, role.mistakes, names))
    return jobs


def write_workbooks(project: Project, out_dir: Path, plans: list[tuple[Period, dict[str, Role]]],
                    workers: int | None = None) -> dict[str, list[tuple[str, int, Path]]]:
    """Write templates and filled workbooks for every (period, roles).

    Returns, by period code, (unit code, version number from 1, path) of every filled workbook.
    """
    tasks = [(period, code, mistakes, names) for period, roles in plans
             for code, mistakes, names in _jobs(period, roles)]
    out: dict[str, list[tuple[str, int, Path]]] = {period.code: [] for period, _ in plans}
    workers = workers or min(len(tasks), os.cpu_count() or 1)
    schemas = str(project.schemas_dir)
    args = [(schemas, code, per, str(out_dir), mistakes, names) for per, code, mistakes, names in tasks]
    if workers <= 1:
        results = [_write_unit(*a) for a in args]
    else:
        with cf.ProcessPoolExecutor(workers) as pool:
            results = list(pool.map(_write_unit, *zip(*args, strict=True), chunksize=4))
    for (per, code, _, _), paths in zip(tasks, results, strict=True):
        out[per.code].extend((code, i, Path(p)) for i, p in enumerate(paths, start=1))
    return out


MARKER = ".xl-bdg-demo"
#: What a demo run writes inside its folder (a re-run replaces exactly these).
PRODUCED = ("templates", "inbox", "report", "letters", "exports", "ledger.sqlite", "ledger.sqlite-wal",
            "ledger.sqlite-shm", "ledger-archive")


def prepare_out_dir(out_dir: Path) -> None:
    """Make `out_dir` ready: create it, or clear an earlier demo's outputs; refuse a folder the demo did not make."""
    if out_dir.exists() and any(out_dir.iterdir()) and not (out_dir / MARKER).exists():
        raise FileExistsError(f"{out_dir} is not empty and was not written by `xl-bdg demo`: choose another --out")
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in PRODUCED:
        path = out_dir / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    (out_dir / MARKER).write_text("xl-bdg demo output: `xl-bdg demo` replaces this folder's content\n",
                                  encoding="utf-8")


# --- the season -------------------------------------------------------------------------------------------------
def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0))


def run_demo(out_dir: Path, project: Project, per: Period, *, earlier: Sequence[Period] = (),
             units: list[str] | None = None, lang: str = "vi", workers: int | None = None,
             step: Callable[[str], None] | None = None) -> DemoResult:
    """Play the whole job into `out_dir` and return where everything is (`units` limits the province, for tests).

    `earlier` are seasons played before `per`, every unit on time and clean (the year before, the half-year): the
    report compares with the same period a year before when one of them is it (report.history), as
    `xl-bdg report` does; a half-year gives the year's cross-checks (fy-below-h1) and is never compared with."""
    chosen = units_for(project, per, units)
    roles = plan_roles(chosen)
    plans = [(prev, {u.code: Role(u.code) for u in units_for(project, prev, [u.code for u in chosen])})
             for prev in earlier]
    plans.append((per, roles))
    result = DemoResult(out_dir=out_dir, period=per.code, roles=roles)
    say = step or (lambda _msg: None)
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        result.seconds[name] = round(now - clock, 2)
        clock = now

    say("workbooks")
    written = write_workbooks(project, out_dir, plans, workers)
    lap("workbooks")
    say("intake")
    ledger_path = out_dir / "ledger.sqlite"
    with Ledger(ledger_path) as ledger:
        for prev in earlier:
            intake(ledger, [p for _, _, p in written[prev.code]], project,
                   received_at=_at(prev.deadline - dt.timedelta(days=3), 9), workers=workers)
        files = written[per.code]
        batches = {  # when each batch arrives: on time, the corrected versions, then the late ones
            _at(per.deadline - dt.timedelta(days=5), 9): [p for u, v, p in files if v == 1 and not roles[u].late],
            _at(per.deadline - dt.timedelta(days=1), 15): [p for _, v, p in files if v > 1],
            _at(per.deadline + dt.timedelta(days=4), 10): [p for u, _, p in files if roles[u].late],
        }
        for when, paths in batches.items():
            if paths:
                intake(ledger, paths, project, received_at=when, workers=workers)
        lap("intake")
        say("aggregate")
        ds = aggregate(project, ledger, per)
        result.dataset, result.statuses = ds, ds.statuses
        lap("aggregate")
        say("report")
        files_out = write_report(project, ds, out_dir / "report", lang=lang,
                                 previous=previous_dataset(project, ledger, per))
        lap("report")
        say("letters")
        result.letters = write_letters(project, ledger, ds, out_dir / "letters", lang=lang)
        lap("letters")
    say("exports")
    rows = long_rows(ds, project.form)
    dhis2 = export_season(project, ds, out_dir / "exports").paths  # payload, its provenance, metadata package
    exports = [("export_csv", write_csv(rows, out_dir / "exports" / f"{per.code}_long.csv")),
               ("export_parquet", write_parquet(rows, out_dir / "exports" / f"{per.code}_long.parquet")),
               *zip(("export_json", "export_dhis2_provenance", "export_dhis2_metadata"), dhis2, strict=True)]
    lap("exports")
    result.outputs = [
        ("templates", out_dir / "templates"), ("inbox", out_dir / "inbox"), ("ledger", ledger_path),
        ("report_docx", files_out.docx), ("report_html", files_out.html), ("annex", files_out.annex),
        ("charts", out_dir / "report" / "charts"), ("letters", out_dir / "letters"),
        *exports,
    ]
    return result
