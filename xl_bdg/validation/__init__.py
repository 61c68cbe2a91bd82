"""The validation stage: findings for every file, at its cell, from pandera schemas built from the form.

Takes paths (files or folders) and a `Project`; returns a `Report` of `FileReport`s (`validate_paths`,
`validate_file`). The rules (`rules`) are one pandera pass per sheet over a whole batch (`batch`); `page` renders
a report for the terminal and as HTML; `marks` writes annotated copies (and is what the Excel buttons use).
"""

from __future__ import annotations

from .marks import OpenpyxlMarker, annotate_copy, apply_marks, has_marks, remove_marks
from .page import page_context, render_html, render_text, text_lines, write_html
from .validate import (
    SPREADSHEET_SUFFIXES,
    check_metadata,
    expand_paths,
    validate_file,
    validate_paths,
    validate_submission,
)

__all__ = [
    "SPREADSHEET_SUFFIXES",
    "OpenpyxlMarker",
    "annotate_copy",
    "apply_marks",
    "check_metadata",
    "expand_paths",
    "has_marks",
    "page_context",
    "remove_marks",
    "render_html",
    "render_text",
    "text_lines",
    "validate_file",
    "validate_paths",
    "validate_submission",
    "write_html",
]
