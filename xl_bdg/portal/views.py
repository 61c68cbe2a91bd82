"""What the portal's pages show, as plain rows built from the ledger and the portal tables, and the one function
that renders a page (`render`) through the project's jinja2 environment (autoescape, StrictUndefined).

Every template gets `base` (a `Base`: words, language, who is logged in, the form token) and its own documented
rows; words come from schemas/words/ (portal, status, severity, kind, timeliness) and finding texts from
schemas/messages.yaml, so a status reads the same here as in the terminal and the report.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ..catalogue import words
from ..dataset import UnitStatus
from ..findings import Finding
from ..form.project import Project
from ..ledger import STATUSES, FileRecord, Ledger
from ..periods import Period
from ..templating import environment
from ..text import number
from .store import PortalStore, UploadRow

#: Outcomes of an upload that put the file in the ledger under the link's unit.
RECORDED = ("recorded", "superseded", "known")


@dataclass
class Base:
    """What every page template receives as `base`."""

    lang: str
    t: dict[str, Any]              # schemas/words/portal.yaml in `lang`
    status: dict[str, str]         # status words
    severity: dict[str, str]
    kind: dict[str, str]
    title: str
    province: str
    lang_url: str                  # this page in the other language
    user: str | None = None        # the office user, when logged in
    csrf: str = ""
    office: bool = False           # show the office's navigation
    period: str = ""


def base(project: Project, lang: str, title: str, lang_url: str, **kw: Any) -> Base:
    """The shared part of a page's context."""
    w = words(lang)
    province = project.config.get("province", {})
    return Base(lang=lang, t=w.section("portal"), status=w.section("status"), severity=w.section("severity"),
                kind=w.section("kind"), title=title, lang_url=lang_url,
                province=str(province.get("name" if lang == "vi" else "name_en") or province.get("name", "")), **kw)


def render(name: str, **context: Any) -> str:
    """Render report_templates/portal/<name>.html.j2."""
    return environment().get_template(f"portal/{name}.html.j2").render(**context)


def when(value: dt.datetime | None) -> str:
    """A time as people write it here: 14/11/2026 09:30."""
    return value.strftime("%d/%m/%Y %H:%M") if value else ""


def day(value: dt.date) -> str:
    """A date as 15/11/2026."""
    return value.strftime("%d/%m/%Y")


def size_text(n: int, lang: str) -> str:
    """A size in MB or kB, written the way `lang` writes numbers."""
    if n >= 1024 * 1024:
        return f"{number(n / (1024 * 1024), lang, 1 if n % (1024 * 1024) else 0)} MB"
    return f"{number(max(1, round(n / 1024)), lang)} kB"


def percent(part: int, whole: int, lang: str) -> str:
    """`83,3 %` (or `83.3 %`); a dash when there is nothing to divide."""
    return f"{number(100 * part / whole, lang, 1)} %" if whole else "–"


def deadline_note(per: Period, today: dt.date, t: dict[str, Any]) -> str:
    """`còn 12 ngày` / `hôm nay là hạn cuối` / `đã quá hạn 3 ngày`."""
    days = (per.deadline - today).days
    if days > 0:
        return str(t["unit"]["days_left"]).format(n=days)
    if days == 0:
        return str(t["unit"]["today"])
    return str(t["unit"]["overdue"]).format(n=-days)


def default_period(project: Project, ledger: Ledger, today: dt.date) -> Period:
    """The period the office sees first: among this year's and last year's, the one whose deadline is nearest
    and not more than two months past, else the latest period the ledger holds files for."""
    candidates = [project.period(f"{y}-{k}") for y in (today.year - 1, today.year) for k in ("H1", "FY", "AM")]
    live = [p for p in candidates if (today - p.deadline).days <= 60]
    if live:
        return min(live, key=lambda p: abs((p.deadline - today).days))
    held = ledger.periods()
    return project.period(held[-1]) if held else candidates[-1]


def unit_status(recs: list[FileRecord], per: Period) -> str:
    """One unit's status word from its versions (oldest first), by the rule of `xl_bdg.ledger.status` (a test
    holds the two equal): computing it for the whole registry on every page a unit opens would not scale."""
    if not recs:
        return "missing"
    latest = recs[-1]
    if not latest.valid:
        return "invalid"
    if latest.received_at.date() > per.deadline:
        return "late"
    return "accepted_with_warnings" if latest.warnings else "accepted"


# --- a unit's versions ---------------------------------------------------------------------------------------------
@dataclass
class VersionRow:
    """One file received for a unit and period, newest first on the page."""

    sha256: str
    received_at: str
    name: str
    verdict: str                   # ok | warnings | errors | unreadable | refused
    outcome: str                   # what the portal did (portal.outcome words), '' for office intake
    errors: int | None
    warnings: int | None
    current: bool
    via_office: bool


def _verdict(rec: FileRecord) -> str:
    if not rec.readable:
        return "unreadable"
    if rec.errors:
        return "errors"
    return "warnings" if rec.warnings else "ok"


def versions(ledger: Ledger, store: PortalStore, unit: str, period: str) -> list[VersionRow]:
    """Every file received for the unit and period: the ledger's versions (through the portal or the office's own
    intake), and the uploads that did not become one (refused, unreadable, not recorded)."""
    uploads = store.uploads(unit, period)
    by_sha: dict[str, UploadRow] = {u.sha256: u for u in uploads}
    recs = ledger.files(period, unit)
    current = recs[-1].sha256 if recs else None
    rows: list[tuple[dt.datetime, VersionRow]] = []
    listed: set[str] = set()
    for rec in recs:
        up = by_sha.get(rec.sha256)
        rows.append((rec.received_at, VersionRow(
            rec.sha256, when(rec.received_at), up.uploaded_name if up else rec.original_name, _verdict(rec),
            up.outcome if up else "", rec.errors, rec.warnings, rec.sha256 == current, up is None)))
        listed.add(rec.sha256)
    for up in uploads:
        if up.sha256 in listed or not up.sha256:
            continue
        listed.add(up.sha256)
        other = ledger.get(up.sha256)
        verdict = _verdict(other) if other is not None and up.outcome not in ("wrong_unit", "wrong_period") \
            else "refused"
        rows.append((up.received_at, VersionRow(
            up.sha256, when(up.received_at), up.uploaded_name, verdict, up.outcome,
            other.errors if other else None, other.warnings if other else None, False, False)))
    return [r for _, r in sorted(rows, key=lambda x: x[0], reverse=True)]


def may_see(ledger: Ledger, store: PortalStore, unit: str, period: str, sha: str) -> bool:
    """Whether a file belongs to the unit and period (what a link may see): a ledger version of theirs, or a file
    uploaded through their link."""
    rec = ledger.get(sha)
    if rec is not None and rec.unit_code == unit and rec.period == period:
        return True
    return any(u.sha256 == sha for u in store.uploads(unit, period))


# --- findings ------------------------------------------------------------------------------------------------------
@dataclass
class FindingRow:
    """One finding as the page shows it."""

    where: str
    severity: str
    severity_word: str
    title: str
    message: str


def finding_rows(findings: list[Finding], project: Project, lang: str) -> list[FindingRow]:
    """Findings (already sorted) in plain words with the cell of each."""
    sev = words(lang).section("severity")
    whole = words(lang)("portal.file.whole_file")
    out = []
    for f in findings:
        title, text = f.render(project.form.messages, lang)
        out.append(FindingRow(f.where or whole, f.severity, sev.get(f.severity, f.severity), title, text))
    return out


@dataclass
class FileView:
    """The result page of one file."""

    sha256: str
    name: str
    received_at: str
    verdict: str                   # ok | warnings | errors | unreadable | refused | failed | changed
    message: str                   # the verdict in a sentence
    notes: list[str] = field(default_factory=list)
    findings: list[FindingRow] = field(default_factory=list)
    annotated: bool = False        # a marked copy can be downloaded


def file_view(project: Project, ledger: Ledger, store: PortalStore, per: Period, unit: str, sha: str,
              lang: str) -> FileView:
    """What became of one file sent for the unit and period, with its findings."""
    w = words(lang)
    t = w.section("portal")["file"]
    ups = [u for u in store.uploads(unit, per.code) if u.sha256 == sha]
    last = ups[-1] if ups else None
    rec = ledger.get(sha)
    name = last.uploaded_name if last else (rec.original_name if rec else "")
    if last is not None and last.outcome in ("wrong_unit", "wrong_period"):
        declared = last.declared_unit or ""
        found = project.registry.get(declared)
        key = last.outcome
        msg = str(t[key]).format(declared=declared if key == "wrong_unit" else (last.declared_period or ""),
                                 declared_name=found.name if found else "", unit=unit, period=per.code)
        return FileView(sha, name, when(last.received_at), "refused", msg)
    if rec is None:
        word = last.outcome if last is not None and last.outcome in ("failed", "changed") else "failed"
        return FileView(sha, name, when(last.received_at) if last else "", word, str(t[word]))
    report = ledger.file_report(rec)
    verdict = _verdict(rec)
    errors, warnings = rec.errors, rec.warnings
    msg = {"ok": t["verdict_ok"], "warnings": str(t["verdict_warn"]).format(n=warnings),
           "errors": str(t["verdict_errors"]).format(n=errors), "unreadable": t["verdict_unreadable"]}[verdict]
    notes = []
    if last is not None and last.outcome == "known" and rec.received_at < last.received_at:
        notes.append(str(t["known"]).format(at=when(rec.received_at)))
    if last is not None and last.outcome == "superseded":
        notes.append(str(t["superseded"]))
    if rec.readable and rec.received_at.date() > per.deadline:
        notes.append(str(t["late_note"]).format(deadline=day(per.deadline)))
    return FileView(sha, name, when(rec.received_at), verdict, str(msg), notes,
                    finding_rows(report.sorted_findings(), project, lang), annotated=rec.readable)


# --- the office's grid ---------------------------------------------------------------------------------------------
@dataclass
class Summary:
    """Counts of a period's grid, like the last line of `xl-bdg status`."""

    asked: int
    got: int
    on_time: int
    used: int
    counts: dict[str, int]
    completeness: str
    timeliness: str


def summary(rows: list[UnitStatus], lang: str) -> Summary:
    """Completeness (units that sent) and timeliness (of those, on time), and a count per status."""
    got = [r for r in rows if r.status != "missing"]
    on_time = sum(1 for r in got if r.on_time)
    return Summary(asked=len(rows), got=len(got), on_time=on_time, used=sum(1 for r in rows if r.used_sha256),
                   counts={s: sum(1 for r in rows if r.status == s) for s in STATUSES},
                   completeness=percent(len(got), len(rows), lang), timeliness=percent(on_time, len(got), lang))


def filter_rows(rows: list[UnitStatus], status: str, kind: str, text: str) -> list[UnitStatus]:
    """The grid's rows with a status, a kind of unit, and a code or name containing `text` (any case)."""
    needle = text.strip().casefold()
    return [r for r in rows if (not status or r.status == status) and (not kind or r.kind == kind)
            and (not needle or needle in r.unit.casefold() or needle in r.name.casefold())]
