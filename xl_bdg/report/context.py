"""The report's template context: `ReportContext` and the dataclasses it holds, every field documented by the
string under it (a test checks that templates use nothing else), and `Num`, the number that prints itself the
Vietnamese way (1.234,5).
"""

from __future__ import annotations

import ast
import inspect
import itertools
import re
import sys
import textwrap
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

from ..text import number


# --- numbers ----------------------------------------------------------------------------------------------------
def fmt_num(value: float | None, decimals: int = 0, empty: str = "—") -> str:
    """Write a number the Vietnamese way: 1.234.567 and 45,6 (dot for thousands, comma for decimals)."""
    if value is None:
        return empty
    return number(value, "vi", decimals)


def parse_num(text: str) -> float | None:
    """Read back a number written by `fmt_num` (None for the empty mark)."""
    text = text.strip().rstrip("%").strip()
    if not text or text == "—":
        return None
    return float(text.replace(".", "").replace(",", "."))


@dataclass(frozen=True)
class Num:
    """A number for a template: `str()` writes it the Vietnamese way, `.value` is the number (None when unknown)."""

    value: float | None
    decimals: int = 0

    def __str__(self) -> str:
        return fmt_num(self.value, self.decimals)

    def __bool__(self) -> bool:
        return self.value is not None


def _n(value: float | None, decimals: int = 0) -> Num:
    return Num(None if value is None else float(value), decimals)


# --- the context ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Office:
    """The collecting office and its signer (province.yaml `collecting_office`)."""

    parent: str
    """The body above it, upper case: 'UBND TỈNH SƠN HÀ'."""
    name: str
    """Its name: 'Sở Nội vụ tỉnh Sơn Hà'."""
    short: str
    """Its short name, upper case in the header: 'SỞ NỘI VỤ'."""
    doc_code: str
    """The letters after BC- in the document number: 'SNV' (config `doc_code`, else initials)."""
    signer_title: str
    """The signer's title: 'GIÁM ĐỐC'."""


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
    """How many targets are met."""
    targets_known: Num
    """How many targets have a figure."""
    statuses: list[StatusRow]
    """Every unit's submission, in registry order."""
    charts: dict[str, Chart]
    """Charts by id (empty when charts were not drawn)."""


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
