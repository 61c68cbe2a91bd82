"""Safe text for every writer: the one place that says which characters a document may not hold, how text that a
spreadsheet would run as a formula is kept as text, how JSON stays strict, and how a file name that is not valid
UTF-8 is shown.

Units' files are untrusted: a title may hold a control character (typed by a broken keyboard macro, or `_x0007_` in
the XML), a text indicator may start with `=HYPERLINK(…)`, a number may be NaN, a file name may be bytes that are not
UTF-8. Each writer (xlsx, docx, HTML, CSV, JSON, the terminal) passes untrusted text through here, so one of those
never stops a report after half of its files were written.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from typing import Any

#: Characters no document may hold: C0 controls but tab, newline and carriage return (XML 1.0 forbids them and
#: openpyxl and lxml refuse them), DEL and the C1 controls (invisible, never typed on purpose), lone surrogates
#: (what a non-UTF-8 file name decodes to: no UTF-8 writer can encode them) and the two non-characters.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
#: What makes a spreadsheet program read a CSV field or a cell as a formula (OWASP's CSV-injection list).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def has_control(text: str) -> bool:
    """True when `text` holds a character that `clean_text` would remove."""
    return CONTROL.search(text) is not None


def clean_text(text: str) -> str:
    """`text` without the characters no document may hold (see CONTROL); other text is returned as is."""
    return CONTROL.sub("", text) if CONTROL.search(text) else text


def clean(value: Any) -> Any:
    """`clean_text` for a string; any other value unchanged (so it can wrap every value a writer puts out)."""
    return clean_text(value) if isinstance(value, str) else value


def formula_like(text: str) -> bool:
    """True when a spreadsheet program opening `text` would run it as a formula."""
    return text.startswith(FORMULA_START)


def csv_field(value: Any) -> Any:
    """A value safe to put in a CSV field: text cleaned, and text that looks like a formula prefixed with an
    apostrophe (what Excel itself does), so `=HYPERLINK(…)` typed into a text indicator is shown, never run."""
    if not isinstance(value, str):
        return value
    text = clean_text(value)
    return "'" + text if formula_like(text) else text


def show_name(name: str | os.PathLike[str]) -> str:
    """A file name or path as text any writer can encode: bytes that are not UTF-8 (held by Python as surrogate
    escapes) are shown as `\\xff`, so two such names stay distinct and nothing fails to print."""
    text = os.fspath(name)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")  # lone surrogates that were never bytes
    return text


def show_path(path: Path | str) -> str:
    """`show_name` for a path (what the terminal, the reports and the ledger say about a file)."""
    return show_name(path)


def json_ready(value: Any, replaced: list[str] | None = None, where: str = "$") -> Any:
    """`value` with every non-finite float (NaN, ±Infinity) as None and every string encodable (see `show_name`);
    the JSON path of each replaced number is appended to `replaced` when given."""
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        if replaced is not None:
            replaced.append(where)
        return None
    if isinstance(value, str):
        return show_name(value)
    if isinstance(value, dict):
        return {show_name(str(k)) if isinstance(k, str) else k: json_ready(v, replaced, f"{where}.{k}")
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v, replaced, f"{where}[{i}]") for i, v in enumerate(value)]
    return value


def dumps(value: Any, *, indent: int | None = None, default: Any = None, sort_keys: bool = False) -> str:
    """Strict JSON (RFC 8259): non-finite numbers become null, never bare NaN/Infinity, and `allow_nan=False`
    proves it; text stays UTF-8 (ensure_ascii=False) and every string is encodable."""
    return json.dumps(json_ready(value), ensure_ascii=False, indent=indent, default=default, sort_keys=sort_keys,
                      allow_nan=False)
