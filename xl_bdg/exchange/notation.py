"""DHIS2 period notations: which period type a period identifier is, or None when DHIS2 would refuse it.

The formats are those of dhis2-docs developer/web-api/overview.md, "Date and period format" (`20040315`, `2004W10`,
`2015WedW5`, `2015BiW1`, `200403`, `200401B`, `2004Q1`, `2004S1`, `2004AprilS1`, `2004`, `2004April`, `2004July`,
`2004Oct`). Bi-months are numbered 01 to 06 (`200401B` is January–February).
"""

from __future__ import annotations

import datetime as dt
import re

_PATTERNS: tuple[tuple[str, re.Pattern[str], tuple[int, int] | None], ...] = (
    ("Yearly", re.compile(r"^(\d{4})$"), None),
    ("SixMonthly", re.compile(r"^(\d{4})S(\d)$"), (1, 2)),
    ("SixMonthlyApril", re.compile(r"^(\d{4})AprilS(\d)$"), (1, 2)),
    ("Quarterly", re.compile(r"^(\d{4})Q(\d)$"), (1, 4)),
    ("BiMonthly", re.compile(r"^(\d{4})(\d{2})B$"), (1, 6)),
    ("Monthly", re.compile(r"^(\d{4})(\d{2})$"), (1, 12)),
    ("BiWeekly", re.compile(r"^(\d{4})BiW(\d{1,2})$"), (1, 27)),
    ("WeeklyWednesday", re.compile(r"^(\d{4})WedW(\d{1,2})$"), (1, 53)),
    ("WeeklyThursday", re.compile(r"^(\d{4})ThuW(\d{1,2})$"), (1, 53)),
    ("WeeklySaturday", re.compile(r"^(\d{4})SatW(\d{1,2})$"), (1, 53)),
    ("WeeklySunday", re.compile(r"^(\d{4})SunW(\d{1,2})$"), (1, 53)),
    ("Weekly", re.compile(r"^(\d{4})W(\d{1,2})$"), (1, 53)),
    ("FinancialApril", re.compile(r"^(\d{4})April$"), None),
    ("FinancialJuly", re.compile(r"^(\d{4})July$"), None),
    ("FinancialOct", re.compile(r"^(\d{4})Oct$"), None),
)
_DAILY = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def period_type(text: object) -> str | None:
    """The DHIS2 period type of a period identifier (`2026S1` → SixMonthly), or None if it is not a valid one."""
    if not isinstance(text, str):
        return None
    m = _DAILY.match(text)
    if m:
        try:
            dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
        return "Daily"
    for name, pattern, bounds in _PATTERNS:
        m = pattern.match(text)
        if m:
            if bounds is not None and not bounds[0] <= int(m.group(2)) <= bounds[1]:
                return None
            return name
    return None
