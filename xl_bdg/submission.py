"""What the reader returns: a filled unit workbook as typed values that remember their sheet and cell.

This is the contract between the reader and everything after it (validation, ledger, aggregation). Values are
already coerced (int, float, str in NFC, datetime.date, or None for empty); `raw` keeps what the cell held when
coercion changed it (a text date, a number with Vietnamese separators), so findings can show it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple


class CellValue(NamedTuple):
    """One value with its place in the workbook.

    A named tuple rather than a frozen dataclass: the reader makes one per input cell (over a thousand a workbook)
    and a tuple is built in a third of the time and pickles to half the bytes when a worker sends it back."""

    value: Any
    sheet: str
    cell: str
    raw: Any = None

    @property
    def where(self) -> str:
        """`Hoạt động!F12`."""
        return f"{self.sheet}!{self.cell}"


@dataclass
class ActivityRow:
    """One filled row of the activity table; `row` is the Excel row number."""

    row: int
    values: dict[str, CellValue]

    def get(self, col_id: str) -> Any:
        """The coerced value of a column, or None."""
        cv = self.values.get(col_id)
        return cv.value if cv else None


@dataclass
class Submission:
    """A unit workbook as read: metadata, and the values of every sheet by their form ids."""

    path: str
    sha256: str
    meta: dict[str, str] = field(default_factory=dict)
    unit_info: dict[str, CellValue] = field(default_factory=dict)
    indicators: dict[str, CellValue] = field(default_factory=dict)  # by key: COMM_01, COMM_06.F
    activities: list[ActivityRow] = field(default_factory=list)
    budget: dict[tuple[str, str], CellValue] = field(default_factory=dict)  # (source, column id)
    narrative: dict[str, CellValue] = field(default_factory=dict)

    @property
    def unit_code(self) -> str | None:
        """The unit code the workbook declares (metadata first, then the unit sheet)."""
        code = self.meta.get("unit_code")
        if not code and "unit_code" in self.unit_info:
            code = self.unit_info["unit_code"].value
        return str(code) if code else None

    @property
    def period(self) -> str | None:
        """The period code the workbook declares."""
        per = self.meta.get("period")
        if not per and "period" in self.unit_info:
            per = self.unit_info["period"].value
        return str(per) if per else None

    def to_data(self) -> dict[str, Any]:
        """Plain values in the shape `fill.fill_workbook` takes (round trip: fill → read → to_data)."""
        return {
            "unit_info": {k: v.value for k, v in self.unit_info.items()},
            "indicators": {k: v.value for k, v in self.indicators.items() if v.value is not None},
            "activities": [{k: v.value for k, v in r.values.items() if v.value is not None} for r in self.activities],
            "budget": {f"{s}|{c}": v.value for (s, c), v in self.budget.items() if v.value is not None},
            "narrative": {k: v.value for k, v in self.narrative.items() if v.value is not None},
        }
