"""One finding per real problem in an activity's dates.

The date rules are independent checks, so one slip sets off several: a year typed 2025 instead of 2026 in both dates
of an Action Month activity fails "inside the period" and "inside the Action Month" on each cell (four errors); an
end date typed in the wrong year also fails "end after start". Here, per activity row:

- a date outside the period is not also reported outside the Action Month (the period finding says it all);
- a date outside the period is not also reported as after the report date (the period finding says it all);
- "end before start" is not reported when either date is outside the period (the slip explains the order);
- both dates outside the period make one finding on the row (`dates-outside-period`), at the start date.

Which rules are which is read from the form's activity checks, not from column names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from openpyxl.utils import get_column_letter

from ..findings import Finding
from ..form.definition import Form
from ..form.layout import layout_for

_ROW = re.compile(r"^([A-Z]{1,3})(\d+)$")
MERGED_CODE = "dates-outside-period"


@dataclass(frozen=True)
class _DateRules:
    period: frozenset[str]  # codes of in_period checks
    month: frozenset[str]  # codes of in_action_month checks
    order: frozenset[str]  # codes of date_order checks
    pairs: tuple[tuple[str, str], ...]  # (start letter, end letter) of each date_order check
    sent: frozenset[str]  # codes of not_after_sent checks


@lru_cache(maxsize=8)
def _rules(form: Form) -> _DateRules:
    cols = layout_for(form).activity_cols

    def codes(rule: str) -> frozenset[str]:
        return frozenset(c.code for c in form.activity_checks if c.rule == rule)

    pairs = tuple((get_column_letter(cols[c.params["start"]]), get_column_letter(cols[c.params["end"]]))
                  for c in form.activity_checks if c.rule == "date_order")
    return _DateRules(codes("in_period"), codes("in_action_month"), codes("date_order"), pairs, codes("not_after_sent"))


def _split(cell: str | None) -> tuple[str, int] | None:
    m = _ROW.match(cell or "")
    return (m.group(1), int(m.group(2))) if m else None


def tidy_dates(findings: list[Finding], form: Form, sheet: str) -> list[Finding]:
    """The findings of one file with the date findings of each activity row reduced to one per real problem."""
    rules = _rules(form)
    if not rules.period:
        return findings
    outside: dict[int, dict[str, Finding]] = {}  # row → letter → its period finding
    for f in findings:
        pos = _split(f.cell)
        if f.sheet == sheet and f.code in rules.period and pos:
            outside.setdefault(pos[1], {})[pos[0]] = f
    if not outside:
        return findings
    merged: dict[int, Finding] = {}
    for row, by_letter in outside.items():
        for start, end in rules.pairs:
            if start in by_letter and end in by_letter:
                first, second = by_letter[start], by_letter[end]
                merged[row] = replace(first, code=MERGED_CODE, params={
                    "label": first.params.get("label"), "label_en": first.params.get("label_en"),
                    "min": first.params.get("min"), "max": first.params.get("max"), "end": second.value})
    out: list[Finding] = []
    emitted: set[int] = set()
    for f in findings:
        pos = _split(f.cell)
        if f.sheet != sheet or pos is None or pos[1] not in outside:
            out.append(f)
            continue
        letter, row = pos
        if (f.code in rules.month or f.code in rules.sent) and letter in outside[row]:
            continue  # already outside the period: the Action Month window adds nothing
        if f.code in rules.order:
            continue  # a date outside the period explains the order
        if f.code in rules.period and row in merged:
            if row not in emitted:
                out.append(merged[row])
                emitted.add(row)
            continue
        out.append(f)
    return out
