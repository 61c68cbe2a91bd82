"""Render a validation Report for people: plain text lines for the terminal, and a self-contained printable HTML
page (jinja2, autoescape, StrictUndefined) that the office can send or print.

The library stays free of rich: `text_lines` returns (style, text) pairs and the CLI chooses the colours. The HTML
template receives one documented dataclass, `ValidationPage`, and nothing else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..catalogue import Message, words
from ..fileio import write_text_atomic
from ..findings import FileReport, Report, show_value
from ..form.project import Project
from ..templating import environment

TEMPLATE = "validation.html.j2"

#: A file's verdict as the status word it earns (schemas/words/status.yaml): one word everywhere.
VERDICT_STATUS = {"ok": "accepted", "warnings": "accepted_with_warnings", "errors": "invalid"}


def page_words(lang: str = "vi") -> dict[str, str]:
    """The page's words (schemas/words/page.yaml), with the verdicts' status words and the severities."""
    w = words(lang)
    status, severity = w.section("status"), w.section("severity")
    return {**w.section("page"), **{v: status[s] for v, s in VERDICT_STATUS.items()}, **severity}


def verdict(fr: FileReport) -> str:
    """`errors`, `warnings` (no errors, some warnings) or `ok`."""
    if fr.count("error"):
        return "errors"
    return "warnings" if fr.count("warning") else "ok"


def _counts(fr: FileReport, lang: str) -> str:
    w = page_words(lang)
    return ", ".join(f"{fr.count(s)} {w['count_' + s]}" for s in ("error", "warning", "info") if fr.count(s))


def text_lines(report: Report, messages: dict[str, Message], lang: str = "vi") -> list[tuple[str, str]]:
    """The terminal view as (style, text): per file a verdict line, then `Sheet!Cell  code  message` per finding.

    Styles: ok, warnings, errors (verdicts), error, warning, info (findings), summary.
    """
    w = page_words(lang)
    out: list[tuple[str, str]] = []
    for fr in report.files:
        v = verdict(fr)
        who = " ".join(x for x in (fr.unit_code, fr.period) if x)
        mark = {"ok": "✓", "warnings": "!", "errors": "✗"}[v]
        counts = _counts(fr, lang)
        out.append((v, f"{mark} {fr.file}" + (f" [{who}]" if who else "") + f" — {w[v]}"
                    + (f" ({counts})" if counts else "")))
        for f in fr.sorted_findings():
            _, text = f.render(messages, lang)
            where = f.where or w["whole_file"]
            out.append((f.severity, f"    {where}  {f.code}  {text}"))
    d = report.to_dict(messages, lang)
    out.append(("summary", f"{w['files_checked']}: {d['files_checked']} · {w['files_with_errors']}: "
                           f"{d['files_with_errors']} · {w['n_errors']}: {d['errors']} · "
                           f"{w['n_warnings']}: {d['warnings']}"))
    return out


def render_text(report: Report, messages: dict[str, Message], lang: str = "vi") -> str:
    """The terminal view as plain text."""
    return "\n".join(text for _, text in text_lines(report, messages, lang)) + "\n"


# --- HTML --------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FindingRow:
    """One finding as the page shows it."""

    severity: str          # error | warning | info (also the CSS class)
    severity_label: str
    where: str             # `Hoạt động!F12`, a sheet alone, or the whole-file word
    code: str
    title: str
    message: str
    value: str             # the value found, as a person writes it ('' when none)


@dataclass(frozen=True)
class FileSection:
    """One file's verdict and findings."""

    file: str
    unit_code: str
    unit_name: str
    period: str
    sha256: str
    verdict: str           # ok | warnings | errors (also the CSS class)
    verdict_label: str
    errors: int
    warnings: int
    infos: int
    findings: list[FindingRow] = field(default_factory=list)


@dataclass(frozen=True)
class ValidationPage:
    """Everything report_templates/validation.html.j2 may use: the template sees `page` and nothing else."""

    lang: str
    title: str
    province: str
    office: str
    generated: str         # dd/mm/yyyy HH:MM
    valid: bool
    files_checked: int
    files_with_errors: int
    errors: int
    warnings: int
    infos: int
    words: dict[str, str]
    files: list[FileSection]


def page_context(report: Report, project: Project, lang: str = "vi", now: dt.datetime | None = None) -> ValidationPage:
    """Build the page's context from a report."""
    w = page_words(lang)
    messages = project.form.messages
    files = []
    for fr in report.files:
        unit = project.registry.get(fr.unit_code) if fr.unit_code else None
        rows = []
        for f in fr.sorted_findings():
            title, text = f.render(messages, lang)
            rows.append(FindingRow(severity=f.severity, severity_label=w.get(f.severity, f.severity),
                                   where=f.where or w["whole_file"], code=f.code, title=title, message=text,
                                   value="" if f.value is None else show_value(f.value, lang)))
        v = verdict(fr)
        files.append(FileSection(file=fr.file, unit_code=fr.unit_code or "", unit_name=unit.name if unit else "",
                                 period=fr.period or "", sha256=fr.sha256 or "", verdict=v, verdict_label=w[v],
                                 errors=fr.count("error"), warnings=fr.count("warning"), infos=fr.count("info"),
                                 findings=rows))
    office = project.office()["name"]
    province = project.config.get("province", {}).get("name" if lang == "vi" else "name_en", "")
    return ValidationPage(lang=lang, title=w["title"], province=province, office=office,
                          generated=(now or dt.datetime.now()).strftime("%d/%m/%Y %H:%M"),
                          valid=report.exit_code == 0, files_checked=len(report.files),
                          files_with_errors=sum(1 for f in report.files if not f.ok),
                          errors=sum(f.count("error") for f in report.files),
                          warnings=sum(f.count("warning") for f in report.files),
                          infos=sum(f.count("info") for f in report.files), words=w, files=files)


def render_html(report: Report, project: Project, lang: str = "vi", now: dt.datetime | None = None) -> str:
    """The report as a self-contained HTML page."""
    return environment().get_template(TEMPLATE).render(page=page_context(report, project, lang, now))


def write_html(report: Report, project: Project, target: Path, lang: str = "vi") -> Path:
    """Write the HTML page to `target` through a temporary file and a rename."""
    write_text_atomic(target, render_html(report, project, lang))
    return target
