"""The reading stage: a received file, whatever it holds, becomes typed values or findings.

Takes a path and a `Project`; returns `(Submission | None, findings)` (`read_submission`). Safety checks run on the
bytes before any parser sees them (`safety`), python-calamine reads the values, and `coerce` turns what people
type ("1.234.567", "15/11/2026") into the form's types, each change with a finding. Never raises on bad input and
never changes the file.
"""

from __future__ import annotations

from .coerce import Coerced, coerce, parse_date_text, parse_number
from .reader import read_submission
from .safety import Inspection, inspect_file

__all__ = ["Coerced", "Inspection", "coerce", "inspect_file", "parse_date_text", "parse_number", "read_submission"]
