"""The unit form's own number and the collecting office's guidance letter it is sent with, from province.yaml
(`unit_form`): "Biểu số 01/BĐG-ĐV — Kèm theo Công văn số 1530/SNV-CTTN&BĐG ngày 15/09/2026 của Sở Nội vụ tỉnh Sơn Hà".

The unit workbook prints it at the top of every page and the feedback letters quote it, so both name the same form
and the same letter. The guidance letter changes every period, so it is looked up by the period's code (2026-FY),
then by its kind (FY); a period with none configured names the form alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..periods import Period
from .project import Project


@dataclass(frozen=True)
class FormReference:
    """The form number and, when configured, the guidance letter it is attached to."""

    number: str
    """The form's number after 'Biểu số' ('01/BĐG-ĐV'); '' when the province gives none."""
    letter: str
    """The guidance letter's number ('1530/SNV-CTTN&BĐG'); '' when none is configured for the period."""
    date: str
    """The guidance letter's date, dd/mm/yyyy ('' when unknown)."""
    office: str
    """Who issued the guidance letter (the collecting office)."""


def form_reference(project: Project, period: Period) -> FormReference:
    """The unit form's number and the guidance letter of `period` (province.yaml `unit_form`)."""
    conf: dict[str, Any] = project.config.get("unit_form") or {}
    guidance: dict[str, Any] = conf.get("guidance") or {}
    letter = guidance.get(period.code) or guidance.get(period.kind) or {}
    office = project.office(period).get("name", "")
    return FormReference(number=str(conf.get("number") or ""), letter=str(letter.get("number") or ""),
                         date=str(letter.get("date") or ""), office=str(letter.get("issuer") or office))


def reference_words(ref: FormReference, texts: dict[str, str]) -> list[str]:
    """The lines that name the form: 'Biểu số …' and 'Kèm theo Công văn số … ngày … của …', each only when its
    parts are configured. `texts` holds the two sentences (`form_no`, `attached`, and `attached_nodate` for a
    letter whose date is not given) with {number}, {letter}, {date}, {office}."""
    lines = []
    if ref.number:
        lines.append(texts["form_no"].format(number=ref.number))
    if ref.letter:
        key = "attached" if ref.date else "attached_nodate"
        lines.append(texts[key].format(letter=ref.letter, date=ref.date, office=ref.office))
    return lines
