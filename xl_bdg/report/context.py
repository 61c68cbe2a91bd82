"""The report's template context: `ReportContext` and the dataclasses it holds, every field documented by the
string under it (a test checks that templates use nothing else), and `Num`, the number that prints itself the
way the document's language writes it (1.234,5 in Vietnamese, 1,234.5 in English).
"""

from __future__ import annotations

import ast
import functools
import inspect
import itertools
import re
import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, ParamSpec, TypeVar

from ..dataset import Figure
from ..text import number

# --- numbers ----------------------------------------------------------------------------------------------------
#: How the document being written writes its numbers. A context variable, not an argument: a `Num` is written when a
#: template prints it, long after the context that holds it was built, and the same context feeds every template.
_WRITING: ContextVar[str] = ContextVar("xl_bdg_report_numbers", default="vi")
P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def numbers_in(lang: str) -> Iterator[None]:
    """Inside this block `fmt_num`, and every `Num` a template prints, write numbers the way `lang` does."""
    token = _WRITING.set(lang)
    try:
        yield
    finally:
        _WRITING.reset(token)


def in_its_language(fn: Callable[P, R]) -> Callable[P, R]:
    """`fn` run with numbers written in the language of its own `lang` argument (default Vietnamese)."""
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        with numbers_in(str(bound.arguments.get("lang") or "vi")):
            return fn(*args, **kwargs)
    return run


def fmt_num(value: float | None, decimals: int = 0, empty: str = "—") -> str:
    """Write a number as the document's language does (`numbers_in`): 1.234.567 and 45,6 in Vietnamese (dot for
    thousands, comma for decimals), 1,234,567 and 45.6 in English."""
    if value is None:
        return empty
    return number(value, _WRITING.get(), decimals)


def parse_num(text: str) -> float | None:
    """Read back a number written by `fmt_num` in the same language (None for the empty mark)."""
    text = text.strip().rstrip("%").strip()
    if not text or text == "—":
        return None
    if _WRITING.get() == "en":
        return float(text.replace(",", ""))
    return float(text.replace(".", "").replace(",", "."))


@dataclass(frozen=True)
class Num:
    """A number for a template: `str()` writes it the Vietnamese way, `.value` is the number (None when unknown)."""

    value: float | None
    decimals: int = 0
    empty: str = "—"
    """What is printed when there is no value: '—', or the words saying why ('không phát sinh')."""

    def __str__(self) -> str:
        return fmt_num(self.value, self.decimals, self.empty)

    def __bool__(self) -> bool:
        return self.value is not None


def _n(value: float | None, decimals: int = 0) -> Num:
    return Num(None if value is None else float(value), decimals)


def no_case(fig: Figure | None) -> bool:
    """A rate or share of 0 out of 0 from units that did report: nothing arose to count (no trafficking victim came
    back, so none to support), which is neither 0 % nor a figure missing."""
    return (fig is not None and fig.agg in ("ratio", "share") and fig.units > 0 and fig.value is None
            and not fig.numerator and not fig.denominator)


def cell_value(fig: Figure | None, no_case_text: str) -> float | str | None:
    """A figure as a spreadsheet cell holds it: the number, the words for 0 out of 0, or nothing."""
    if no_case(fig):
        return no_case_text
    return fig.value if fig is not None else None


# --- the context ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Office:
    """The body that issues and signs a document (province.yaml `report.issuers`), as Decree 30/2020/NĐ-CP wants it."""

    parent: str
    """The body above it, upper case: 'UBND TỈNH SƠN HÀ' ('' when the issuer is the People's Committee itself)."""
    name: str
    """How the text names it: 'Sở Nội vụ tỉnh Sơn Hà', 'Ủy ban nhân dân tỉnh Sơn Hà'."""
    short: str
    """Its own line in the heading, upper case: 'SỞ NỘI VỤ', 'TỈNH SƠN HÀ'."""
    doc_code: str
    """The issuer's code in the document number: 'SNV' (…/BC-SNV), 'UBND' (…/BC-UBND)."""
    signer_title: str
    """The signer's title: 'PHÓ CHỦ TỊCH', 'GIÁM ĐỐC'."""
    header: list[str] = field(default_factory=list)
    """The issuing body's name in the heading, one bold line each ('ỦY BAN NHÂN DÂN', 'TỈNH SƠN HÀ')."""
    authority: list[str] = field(default_factory=list)
    """The lines above the signer's title: 'TM. ỦY BAN NHÂN DÂN', 'KT. CHỦ TỊCH' (empty when the head signs)."""
    signer_name: str = ""
    """The signer's full name."""
    drafting: str = ""
    """The drafting unit, after 'Lưu: VT,' and in a letter's number: 'SNV', 'CTTN&BĐG'."""
    addressees: list[str] = field(default_factory=list)
    """The 'Kính gửi' lines, one per addressee."""
    copies: list[str] = field(default_factory=list)
    """The 'Nơi nhận' lines after '- Như trên;' (the addressees themselves are 'Như trên')."""
    ministry: str = ""
    """The ministry whose guidance the report follows: 'Bộ Nội vụ' from 1/3/2025, 'Bộ Lao động – Thương binh và
    Xã hội' before (the opening sentence names it)."""


@dataclass(frozen=True)
class Part:
    """A piece of a written sentence: words, or a figure the HTML report marks (data-sum, data-fig, data-target) so
    that a test can compare it with the dataset."""

    text: str
    """What is printed."""
    kind: str
    """'' for words, else 'sum', 'fig' or 'target': the data-* attribute the HTML report puts on it."""
    key: str
    """What the figure is ('units_expected', 'COMM_06|F', 'POL_01'); '' for words."""


@dataclass(frozen=True)
class Para:
    """A paragraph written from figures with a sentence of labels.yaml: the whole text and its parts."""

    text: str
    """The paragraph as printed (Word prints this)."""
    parts: list[Part]
    """The same text in pieces, figures marked (HTML prints these)."""


@dataclass(frozen=True)
class PeriodInfo:
    """The reporting period."""

    code: str
    """'2026-FY'."""
    kind: str
    """'H1', 'FY' or 'AM'."""
    year: int
    """2026."""
    title: str
    """'năm 2026', '6 tháng đầu năm 2026'."""
    start: str
    """First day, dd/mm/yyyy."""
    end: str
    """Last day, dd/mm/yyyy."""
    deadline: str
    """Units' deadline, dd/mm/yyyy."""


@dataclass(frozen=True)
class IndicatorRow:
    """One line of a section's indicator table: an indicator (level 0) or one of its fields (level 1)."""

    fig_id: str
    """'COMM_06|F' (indicator|field, field empty for the headline): what the number is."""
    code: str
    """Indicator code."""
    label: str
    """Indicator or field label."""
    unit: str
    """Unit of measure."""
    value: Num
    """The province figure."""
    units: Num
    """How many units contributed."""
    level: int
    """0 for the indicator line, 1 for a field under it."""
    heading: bool
    """True when the line only heads its fields and has no value of its own."""
    no_case: bool = False
    """A rate of 0 out of 0: the value prints 'không phát sinh' (labels.yaml `no_case`), not 0 % nor '—'."""


@dataclass(frozen=True)
class NarrativeEntry:
    """What one or more units wrote (units that wrote the same text are merged)."""

    units: str
    """Unit names, comma-separated."""
    text: str
    """The text."""


@dataclass(frozen=True)
class NarrativeBlock:
    """The units' texts for one narrative field of the form."""

    label: str
    """The narrative field's label (form.yaml narrative[].label)."""
    entries: list[NarrativeEntry]
    """Texts with their units, in registry order."""


@dataclass(frozen=True)
class Section:
    """A results section: one group of the form (communication, capacity, …)."""

    id: str
    """Group id (form.yaml groups[].id)."""
    number: int
    """1, 2, … in report order."""
    title: str
    """Group label."""
    rows: list[IndicatorRow]
    """The group's indicators for this period kind."""
    narratives: list[NarrativeBlock]
    """Units' texts whose narrative section is this group."""


@dataclass(frozen=True)
class CategoryRow:
    """Activities of one category (or the total)."""

    category: str
    """Category name (lists.yaml categories), or the total label."""
    count: Num
    """Number of activities."""
    sums: dict[str, Num]
    """Sum of each report.yaml activity_summary.sums column, by column id."""
    female_pct: Num
    """Female share of participants, %."""


@dataclass(frozen=True)
class BudgetRow:
    """Budget of one source (or the total), by budget column."""

    source: str
    """Source name (lists.yaml budget_sources), or the total label."""
    values: list[Num]
    """One value per form budget column, in order."""


@dataclass(frozen=True)
class TargetRow:
    """One National Strategy target against the province figure."""

    code: str
    """Target code (targets.yaml)."""
    indicator: str
    """Indicator code compared."""
    label: str
    """Target label."""
    unit: str
    """'%' or ''."""
    sign: str
    """'≥' or '≤'."""
    value: Num
    """The province figure."""
    t2025: Num
    """Target 2025."""
    t2030: Num
    """Target 2030."""
    target_now: Num
    """The target in force for the period's year."""
    met: bool | None
    """Met (True), not met (False), unknown (None)."""
    met_text: str
    """labels.yaml met label."""
    figure_from: str
    """Who supplies the figure."""
    goal: int = 0
    """The Strategy goal (1–6) the target belongs to; 0 for a target of another programme (QĐ 1790)."""
    baseline: Num = Num(None)
    """The baseline figure the target starts from (targets.yaml), when known."""
    baseline_year: str = ""
    """Its year ('' when unknown)."""
    previous: Num = Num(None)
    """The province figure of the same period a year before (no figure when there is no previous year)."""
    milestone_year: int = 2025
    """The year of the milestone that applies to the period (2025 or 2030)."""
    status: str = "no_data"
    """'met', 'not_met', 'no_data' (no figure this period), 'no_case' (a rate of 0 out of 0: nothing arose to
    assess) or 'not_tracked' (the province does not follow it)."""
    note: str = ""
    """Printed after the label in the target tables: why the province does not track the target (labels.yaml
    `doc.not_tracked_note` with targets.yaml `reason`); '' for a tracked one."""


@dataclass(frozen=True)
class StatusRow:
    """One unit's submission."""

    no: int
    """Row number."""
    code: str
    """Unit code."""
    name: str
    """Unit name."""
    kind: str
    """Kind of unit (labels.yaml kind)."""
    status_id: str
    """dataset status id (missing, on_time, late, invalid, accepted, …)."""
    status: str
    """Status label."""
    timely_id: str
    """'on_time', 'late' or 'missing'."""
    timeliness: str
    """On time / late / not received label."""
    received: str
    """dd/mm/yyyy HH:MM or ''."""
    aggregated: bool
    """A valid version of the unit's file is in the figures."""
    errors: Num
    """Errors in the latest submission."""
    warnings: Num
    """Warnings in the latest submission."""
    versions: Num
    """How many files the unit sent."""


@dataclass(frozen=True)
class Summary:
    """Headline counts for the opening paragraph."""

    units_expected: Num
    """Units asked to report."""
    units_received: Num
    """Units that sent a file."""
    units_on_time: Num
    """Units whose file arrived by the deadline."""
    units_late: Num
    """Units whose file arrived after the deadline."""
    units_missing: Num
    """Units that sent nothing."""
    units_invalid: Num
    """Units whose latest file has errors (an older valid version, if any, is what is aggregated)."""
    units_aggregated: Num
    """Units whose data are in the figures (a valid version was received)."""
    activities: Num
    """Activities reported."""
    participants: Num
    """Participants (total column of the activity summary)."""
    female: Num
    """Female participants."""
    female_pct: Num
    """Female share, %."""
    budget_planned: Num
    """Total of the first budget column (VND)."""
    budget_spent: Num
    """Total of the second budget column (VND)."""


@dataclass(frozen=True)
class Chart:
    """A chart picture. In the Word template the context holds a docxtpl InlineImage under the same key instead."""

    id: str
    """'targets', 'categories', 'status', 'budget'."""
    title: str
    """Caption (labels.yaml chart)."""
    file: str
    """File name beside the HTML report."""
    data_uri: str
    """data:image/png;base64,… for embedding."""


@dataclass(frozen=True)
class Topic:
    """A numbered part of the report's outline: its heading, the paragraphs written from the figures, and the
    indicator and target tables under it."""

    id: str
    """What it is: a form group id, 'goal1'…'goal6', 'documents', 'intake', 'results', 'limits', …"""
    number: str
    """'1', '2', … within its section."""
    title: str
    """The heading (labels.yaml, or the form group's label)."""
    paras: list[Para]
    """The written synthesis: figures and changes, then highlights."""
    rows: list[IndicatorRow] = field(default_factory=list)
    """The indicator table (empty for none)."""
    targets: list[TargetRow] = field(default_factory=list)
    """The targets of this goal (empty for none)."""


@dataclass(frozen=True)
class DocumentRow:
    """A document a unit says it issued (a text field of the indicator sheet, or an activity's document column)."""

    no: int
    """Row number."""
    unit: str
    """The unit's name."""
    document: str
    """The document's number and date as the unit wrote it."""
    about: str
    """What it is for: the indicator's label, or the activity's title."""


@dataclass(frozen=True)
class KindBlock:
    """The units' own texts of one kind of unit (departments, communes, …), for the appendix."""

    kind: str
    """The kind of unit, in words."""
    blocks: list[NarrativeBlock]
    """Per narrative field, the texts with the units that wrote them (identical texts once)."""


@dataclass(frozen=True)
class ReportContext:
    """Everything the report templates may use."""

    lang: str
    """'vi' or 'en'."""
    labels: dict[str, Any]
    """labels.yaml for `lang`."""
    period: PeriodInfo
    """The reporting period."""
    province: str
    """Province name."""
    place: str
    """Place name for the date line ('Sơn Hà, ngày … tháng … năm …')."""
    office: Office
    """The collecting office."""
    recipients: list[str]
    """'Kính gửi' and 'Nơi nhận' names (province.yaml recipients)."""
    generated: str
    """Date the dataset was aggregated, dd/mm/yyyy."""
    summary: Summary
    """Headline counts."""
    sections: list[Section]
    """Results by group of the form."""
    narratives: dict[str, list[NarrativeBlock]]
    """Units' texts by narrative section id (assessment, …)."""
    categories: list[CategoryRow]
    """Activities by category, categories with no activity left out."""
    categories_total: CategoryRow
    """All activities."""
    budget_columns: list[str]
    """Budget column labels (form budget columns)."""
    budget: list[BudgetRow]
    """Budget by source, for the province."""
    budget_total: BudgetRow
    """Budget total."""
    targets: list[TargetRow]
    """National Strategy targets."""
    targets_source: str
    """The resolution the targets come from."""
    targets_year: int
    """The year whose milestone the period is held to: 2025 up to 2025, then the year itself, 2030 from 2030."""
    targets_met: Num
    """How many of the Strategy's targets are met (the x of section II's and section III's x/y)."""
    targets_known: Num
    """How many of the Strategy's targets are met or not met (the y): those without a figure, with no case and
    not tracked are counted apart, as are another programme's targets (QĐ 1790)."""
    statuses: list[StatusRow]
    """Every unit's submission, in registry order."""
    charts: dict[str, Chart]
    """Charts by id (empty when charts were not drawn)."""
    province_text: str = ""
    """The province as the body text names it: 'tỉnh Sơn Hà'."""
    previous: str = ""
    """The period compared with, in words ('năm 2025'); '' when there is none."""
    next_year: int = 0
    """The year the tasks of section IV are for."""
    opening: Para = Para("", [])
    """The opening paragraph."""
    comparison: Para = Para("", [])
    """Which period the figures are compared with (the same period a year before), or that the ledger has none."""
    direction: list[Topic] = field(default_factory=list)
    """Section I: direction, documents issued, implementation (the groups that are no Strategy goal), intake."""
    goals_intro: Para = Para("", [])
    """Section II's opening: how many targets are met, off track, without data."""
    goals: list[Topic] = field(default_factory=list)
    """Section II: one topic per Strategy goal, with its targets."""
    assessment: list[Topic] = field(default_factory=list)
    """Section III: results, limits, causes."""
    tasks: list[Para] = field(default_factory=list)
    """Section IV: next year's tasks (report_templates/sections.yaml, editable)."""
    recommendations: list[Topic] = field(default_factory=list)
    """Section V: recommendations, to the Ministry and to the Government (sections.yaml, editable)."""
    documents: list[DocumentRow] = field(default_factory=list)
    """Appendix: the documents the units issued."""
    unit_texts: list[KindBlock] = field(default_factory=list)
    """Appendix: the units' own texts, by kind of unit."""


def field_docs(cls: type) -> dict[str, str]:
    """The attribute docstrings of a dataclass (the string right under each field), by field name."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    body = tree.body[0].body  # type: ignore[attr-defined]
    docs: dict[str, str] = {}
    for node, after in itertools.pairwise(body):
        if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant) and isinstance(after.value.value, str)):
            docs[node.target.id] = after.value.value
    return docs


def undocumented_fields(cls: type) -> list[str]:
    """Fields of a context dataclass (and the dataclasses it holds) without a docstring: must be empty."""
    missing = []
    docs = field_docs(cls)
    for f in fields(cls):
        if not docs.get(f.name):
            missing.append(f"{cls.__name__}.{f.name}")
        names = vars(sys.modules[cls.__module__])
        for name in re.findall(r"[A-Za-z_]\w*", str(f.type)):
            typ = names.get(name)
            if isinstance(typ, type) and is_dataclass(typ) and typ is not cls and typ is not Num:
                missing.extend(undocumented_fields(typ))
    return sorted(set(missing))
