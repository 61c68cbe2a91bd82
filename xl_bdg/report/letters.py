"""Feedback letters: for each unit whose latest submission has errors, a short letter (Word and HTML) listing what
to fix, cell by cell, ready to send back. The findings are the ones intake stored in the ledger, so the letter says
exactly what the office saw. Every word is in report_templates/labels.yaml (`letter`, `doc`, `col`) and
messages.yaml, in Vietnamese or English; the sentences are put together here so the Word and HTML letters say the
same; the foot follows Decree 30/2020/NĐ-CP (report.issuer: the office's authority line, signer and drafting unit).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..dataset import Dataset, UnitStatus
from ..exchange.diff import diff_versions
from ..fileio import write_text_atomic
from ..findings import FileReport, show_value
from ..form.project import Project
from ..form.unit_form import FormReference, form_reference
from ..ledger.store import Ledger
from ..text import ascii_slug
from .build import load_labels, office_from_config
from .context import Office, PeriodInfo, in_its_language
from .issuer import place_name
from .render import render_docx, render_html, template_language, template_names
from .wording import fill

#: Days a unit is given to send the corrected file, counted from the aggregation date (province.yaml may set
#: `feedback_days`).
DEFAULT_FEEDBACK_DAYS = 7


@dataclass(frozen=True)
class FindingLine:
    """One problem to fix, as the letter shows it."""

    code: str
    """Finding code (messages.yaml)."""
    severity: str
    """'error' or 'warning'."""
    where: str
    """'Sheet!Cell', or the sheet, or '' for the whole file."""
    value: str
    """The value found, written as a person would."""
    title: str
    """Short title from messages.yaml."""
    message: str
    """What is wrong and what to do, from messages.yaml."""


@dataclass(frozen=True)
class ChangeLine:
    """One figure that differs from the unit's previous version, as the letter shows it."""

    key: str
    """The figure's key (COMM_06.F)."""
    label: str
    """What the figure is, in the letter's language."""
    where: str
    """'Sheet!Cell' in the latest file ('' when the latest file left it empty)."""
    before: str
    """The previous version's value, written as a person would ('' for empty)."""
    after: str
    """The latest version's value ('' for empty)."""


@dataclass(frozen=True)
class LetterWords:
    """The letter's sentences, from labels.yaml `letter` with the unit's and the office's names filled in."""

    title: str
    """The document's title (Word properties, the HTML page title)."""
    subject: str
    """The 'V/v …' line under the number."""
    opening: str
    """What was received and how many errors it has."""
    warnings: str
    """The line above the warnings' table."""
    changes: str
    """The line above the changed figures' table."""
    request: str
    """What the unit is asked to do, and by when."""
    regards: str
    """The closing formula ('Trân trọng./.')."""


def _sentence(text: str) -> str:
    """A sentence starts with a capital even when it opens with a name written in the middle ('the Department …')."""
    return text[:1].upper() + text[1:]


def form_words(labels: dict[str, Any], ref: FormReference | None) -> str:
    """The form and its guidance letter as the opening names them (' theo Biểu số … kèm theo Công văn số …'), or ''
    when province.yaml gives no form number."""
    w = labels["letter"]
    if ref is None or not ref.number:
        return ""
    if not ref.letter:
        return str(w["form"].format(number=ref.number))
    key = "form_letter" if ref.date else "form_letter_nodate"
    return str(w[key].format(number=ref.number, letter=ref.letter, date=ref.date, issuer=ref.office))


def letter_words(labels: dict[str, Any], office: Office, unit: str, period: str, file: str, received: str,
                 errors: int, warnings: int, changes: int, resubmit_by: str,
                 form: FormReference | None = None) -> LetterWords:
    """The sentences of one letter (labels.yaml `letter`)."""
    w = labels["letter"]
    request = (w["request_by"].format(unit=unit, office=office.name, date=resubmit_by) if resubmit_by
               else w["request"].format(unit=unit, office=office.name))
    return LetterWords(
        title=w["title"], subject=w["subject"].format(period=period),
        opening=_sentence(fill(w["opening"], office=office.name, unit=unit, period=period, file=file,
                               received=received, n=errors, form=form_words(labels, form))),
        warnings=fill(w["warnings"], n=warnings), changes=fill(w["changes"], n=changes),
        request=_sentence(request), regards=w["regards"])


@dataclass(frozen=True)
class LetterContext:
    """Everything the letter templates may use."""

    lang: str
    """'vi' or 'en'."""
    labels: dict[str, Any]
    """labels.yaml for `lang`."""
    office: Office
    """The collecting office."""
    period: PeriodInfo
    """The reporting period."""
    place: str
    """Place name for the date line."""
    unit_code: str
    """The unit's code."""
    unit_name: str
    """The unit's name."""
    file: str
    """The file name the unit sent."""
    received: str
    """When it was received, dd/mm/yyyy."""
    errors: list[FindingLine]
    """Errors: must be fixed before the data are aggregated."""
    warnings: list[FindingLine]
    """Warnings: to check."""
    resubmit_by: str
    """Date to send the corrected file by, dd/mm/yyyy ('' for none)."""
    changes: list[ChangeLine] = field(default_factory=list)
    """What changed since the unit's previous version of this period, figure by figure (empty for a first file)."""
    form: FormReference | None = None
    """The form the unit filled and the guidance letter it came with (province.yaml `unit_form`)."""
    words: LetterWords | None = None
    """The letter's sentences in `lang` (filled by letter_context)."""


@in_its_language
def letter_context(project: Project, status: UnitStatus, report: FileReport, dataset: Dataset,
                   lang: str = "vi") -> LetterContext:
    """The letter to one unit from its status and the findings of its latest file."""
    labels = load_labels(lang)
    per = dataset.period
    messages = project.form.messages

    def line(f: Any) -> FindingLine:
        title, text = f.render(messages, lang)
        value = f.value if isinstance(f.value, str) else show_value(f.value, lang)
        return FindingLine(f.code, f.severity, f.where, "" if f.value is None else value, title, text)

    found = report.sorted_findings()
    days = int(project.config.get("feedback_days", DEFAULT_FEEDBACK_DAYS))
    by = dataset.generated_at.date() + dt.timedelta(days=days) if days > 0 else None
    office = office_from_config(project, lang, period=per)
    unit = project.registry.get(status.unit)
    form = form_reference(project, per)
    if lang != "vi" and form.office == project.office(per).get("name"):
        form = replace(form, office=office.name)  # the office's own guidance letter: its name in the letter's language
    return _worded(LetterContext(
        lang=lang, labels=labels, office=office, form=form,
        period=PeriodInfo(per.code, per.kind, per.year, per.title(lang), per.start.strftime("%d/%m/%Y"),
                          per.end.strftime("%d/%m/%Y"), per.deadline.strftime("%d/%m/%Y")),
        place=place_name(project, lang), unit_code=status.unit,
        unit_name=unit.label(lang) if unit else status.name, file=status.file or Path(report.file).name,
        received=status.received_at.strftime("%d/%m/%Y") if status.received_at else "",
        errors=[line(f) for f in found if f.severity == "error"],
        warnings=[line(f) for f in found if f.severity == "warning"],
        resubmit_by=by.strftime("%d/%m/%Y") if by else "",
    ))


def _worded(ctx: LetterContext) -> LetterContext:
    """`ctx` with its sentences written from its own lines (again after the changes are added)."""
    return replace(ctx, words=letter_words(ctx.labels, ctx.office, ctx.unit_name, ctx.period.title, ctx.file,
                                           ctx.received, len(ctx.errors), len(ctx.warnings), len(ctx.changes),
                                           ctx.resubmit_by, ctx.form))


def change_lines(project: Project, ledger: Any, status: UnitStatus, period: Any, lang: str = "vi") -> list[ChangeLine]:
    """The figures of the unit's latest file that differ from its previous version (exchange.diff)."""
    diff = diff_versions(project, ledger, status.unit, period)
    if diff.before is None:
        return []
    return [ChangeLine(c.key, c.label_en if lang == "en" else c.label, c.after_cell or c.before_cell,
                       "" if c.before is None else show_value(c.before, lang),
                       "" if c.after is None else show_value(c.after, lang)) for c in diff.changed()]


def units_to_write_to(dataset: Dataset) -> list[UnitStatus]:
    """Units whose latest file has errors (whatever older version may be aggregated)."""
    return [s for s in dataset.statuses if s.sha256 and s.errors > 0]


def write_letter(ctx: LetterContext, out_dir: Path) -> list[Path]:
    """Write one letter as .docx and .html into `out_dir`; return both paths."""
    stem = f"{ctx.labels['letter']['file_prefix']}_{ctx.period.code}_{ascii_slug(ctx.unit_code)}"
    html_name, docx_name = template_names("letter", ctx.lang)
    html = out_dir / f"{stem}.html"
    write_text_atomic(html, render_html(ctx, html_name))
    docx = render_docx(ctx, docx_name, out_dir / f"{stem}.docx")
    return [docx, html]


@in_its_language
def write_letters(project: Project, ledger: Ledger, dataset: Dataset, out_dir: Path, lang: str = "vi") -> list[Path]:
    """A letter for every unit whose latest file in the ledger has errors; return the files written.

    Letters are in `lang`: the common templates take every word from labels.yaml (render.LANGUAGE_NEUTRAL).
    """
    lang = template_language("letter", lang)
    written: list[Path] = []
    for status in units_to_write_to(dataset):
        rec = ledger.get(status.sha256) if status.sha256 else None
        if rec is None:
            continue  # the status came from another ledger: nothing to quote
        ctx = letter_context(project, status, ledger.file_report(rec), dataset, lang)
        ctx = _worded(replace(ctx, changes=change_lines(project, ledger, status, dataset.period, lang)))
        written.extend(write_letter(ctx, out_dir))
    return written
