"""The workbook stage: the standard unit workbook, written with openpyxl from the form.

Takes a `Project`, a unit and a `Period`; returns .xlsx files (`write_template`) with Vietnamese labels, dropdowns,
in-cell validation, locked structure and the unit and period stamped in. `fill_workbook` writes values into a
template the way a clerk would (tests and the sample season use it).
"""

from __future__ import annotations

from .fill import fill_into, fill_workbook
from .template import build_workbook, save_workbook, units_for, workbook_name, write_template

__all__ = [
    "build_workbook",
    "fill_into",
    "fill_workbook",
    "save_workbook",
    "units_for",
    "workbook_name",
    "write_template",
]
