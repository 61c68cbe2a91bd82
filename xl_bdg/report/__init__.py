"""The report stage: the documents the office signs, built from a `Dataset`.

Takes a `Project` and a `Dataset`; `write_report` writes the narrative report (Word through docxtpl, HTML through
jinja2) with its charts and the Excel annex, and `write_letters` the feedback letters to units whose file has
errors. Every template sees one documented context dataclass (`ReportContext`, `LetterContext`).
"""

from __future__ import annotations

from .annex import write_annex
from .build import build_context, load_labels
from .charts import write_charts
from .context import ReportContext
from .letters import LetterContext, write_letters
from .write import ReportFiles, write_report

__all__ = [
    "LetterContext",
    "ReportContext",
    "ReportFiles",
    "build_context",
    "load_labels",
    "write_annex",
    "write_charts",
    "write_letters",
    "write_report",
]
