"""Reporting periods `YYYY-H1`, `YYYY-FY`, `YYYY-AM`: their data windows and deadlines from configuration.

A period's `start`–`end` is its data window (Nghị định 09/2019/NĐ-CP art. 12: the year's data from 15/12 of the
previous year to 14/12); the deadline is when the province asks for the report, which may fall before the window
closes: such a report carries estimates to the end of the period ("ước thực hiện", `Period.estimate`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from .errors import FormError

#: The period kinds: the half-year, the year, the Action Month (15/11–15/12).
PERIOD_KINDS = ("H1", "FY", "AM")
_PERIOD = re.compile(r"^(\d{4})-(H1|FY|AM)$")


@dataclass(frozen=True)
class Period:
    """One reporting period with its window and deadline."""

    year: int
    kind: str
    start: dt.date
    end: dt.date
    deadline: dt.date
    label: str
    label_en: str
    estimate: bool = False
    """Whether the report is due before the data window closes, so its figures to the window's end are estimates."""

    @property
    def code(self) -> str:
        """The period as written everywhere: `2026-FY`."""
        return f"{self.year}-{self.kind}"

    def title(self, lang: str = "vi") -> str:
        """A readable name: `năm 2026`, `6 tháng đầu năm 2026`."""
        return f"{self.label if lang == 'vi' else self.label_en} {self.year}"

    def __str__(self) -> str:
        return self.code


def _day_month(text: str, year: int, where: str) -> dt.date:
    try:
        day, month = (int(x) for x in str(text).split("/"))
        return dt.date(year, month, day)
    except (ValueError, TypeError) as exc:
        raise FormError(f"{where}: '{text}' is not a day/month like 15/11") from exc


def is_period_code(text: str) -> bool:
    """Whether `text` is written like a period code (`2026-FY`)."""
    return bool(_PERIOD.match(text.strip()))


def parse_period(text: str, config: dict[str, Any] | None = None) -> Period:
    """Parse `2026-FY` into a Period using the province's `periods` configuration (province.yaml); raise ValueError
    when the text is not a period code, FormError when the configuration lacks the period kind.

    A window whose start day falls after its end day in the calendar begins in the previous year (15/12 → 14/12).
    `estimate` may be given; by default it is true when the deadline falls before the window's end.
    """
    m = _PERIOD.match(text.strip())
    if not m:
        raise ValueError(f"'{text}' is not a period: write YYYY-H1, YYYY-FY or YYYY-AM (e.g. 2026-FY)")
    year, kind = int(m.group(1)), m.group(2)
    where = f"province.yaml: periods.{kind}"
    conf = (config or {}).get(kind)
    if not isinstance(conf, dict) or any(k not in conf for k in ("label", "start", "end", "deadline")):
        raise FormError(f"{where}: needs label, start, end and deadline (day/month)")
    end = _day_month(conf["end"], year, where)
    start = _day_month(conf["start"], year, where)
    if start > end:  # the window opens in the previous year (the year's data from 15/12 of the year before)
        start = _day_month(conf["start"], year - 1, where)
    deadline = _day_month(conf["deadline"], year, where)
    estimate = conf.get("estimate", deadline < end)
    if not isinstance(estimate, bool):
        raise FormError(f"{where}: estimate must be true or false, not '{estimate}'")
    return Period(year=year, kind=kind, start=start, end=end, deadline=deadline, label=str(conf["label"]),
                  label_en=str(conf.get("label_en") or conf["label"]), estimate=estimate)


def action_month_window(year: int, config: dict[str, Any] | None) -> tuple[dt.date, dt.date]:
    """The Action Month window of `year` from province.yaml `action_month` (start and end as day/month)."""
    where = "province.yaml: action_month"
    conf = config or {}
    if "start" not in conf or "end" not in conf:
        raise FormError(f"{where}: needs start and end (day/month)")
    return _day_month(conf["start"], year, where), _day_month(conf["end"], year, where)


__all__ = ["PERIOD_KINDS", "Period", "action_month_window", "is_period_code", "parse_period"]
