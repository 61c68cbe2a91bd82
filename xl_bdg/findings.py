"""Findings and reports: every problem with a stable code, a severity, its file, sheet and cell, the value found,
and a message from the catalogue (schemas/messages.yaml) in Vietnamese or English.

A report is data: it serialises to the dict that `--format json` prints, and the exit code derives from it.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from .catalogue import Message, words
from .text import number

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


class _SafeDict(dict):
    """Leave unknown placeholders visible rather than failing: a message must always render."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def show_value(value: Any, lang: str = "vi") -> str:
    """A value as a person would write it: dates as dd/mm/yyyy, whole floats without .0, numbers in the writing of
    `lang` (1.234.567 and 45,5 in Vietnamese; 1,234,567 and 45.5 in English)."""
    if value is None:
        return words(lang)("values.empty")
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)) and math.isfinite(value):
        return number(value, lang)
    return str(value)


@dataclass(frozen=True)
class Finding:
    """One problem in one place."""

    code: str
    severity: str
    file: str
    sheet: str | None = None
    cell: str | None = None
    value: Any = None
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def where(self) -> str:
        """`Hoạt động!F12`, the sheet alone, or '' for a whole-file finding."""
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or ""

    def render(self, messages: dict[str, Message], lang: str = "vi") -> tuple[str, str]:
        """(title, message) in `lang`, from the catalogue; unknown codes render their code."""
        msg = messages.get(self.code)
        if msg is None:
            return self.code, self.code
        params = dict(self.params)
        if lang != "vi":
            # A check passes labels in both languages (label, label_en): English messages take the English ones.
            params.update({k[: -len("_en")]: v for k, v in self.params.items() if k.endswith("_en")})
        values = _SafeDict({k: v if isinstance(v, str) else show_value(v, lang) for k, v in params.items()})
        values.setdefault("value", self.value if isinstance(self.value, str) else show_value(self.value, lang))
        # Where the finding sits is a placeholder too: "the hidden sheet {sheet}" names the sheet it is about.
        values.setdefault("sheet", self.sheet or "")
        values.setdefault("cell", self.cell or "")
        return msg.title[lang], msg.message[lang].format_map(values)

    def to_dict(self, messages: dict[str, Message], lang: str = "vi") -> dict[str, Any]:
        """The finding as JSON-ready data (the schema the README documents)."""
        title, text = self.render(messages, lang)
        return {"code": self.code, "severity": self.severity, "file": self.file, "sheet": self.sheet,
                "cell": self.cell, "value": _jsonable(self.value), "title": title, "message": text}


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (int, float, str, bool)):
        return value
    return str(value)


@dataclass
class FileReport:
    """The findings for one file, with what the file declared."""

    file: str
    sha256: str | None = None
    unit_code: str | None = None
    period: str | None = None
    findings: list[Finding] = field(default_factory=list)
    #: False when the reader refused or could not open the file: nothing may parse it again (not even openpyxl for
    #: an annotated copy, which would bypass the reader's size and zip-bomb guards).
    readable: bool = True

    def count(self, severity: str) -> int:
        """How many findings of a severity."""
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def ok(self) -> bool:
        """No errors (warnings allowed): the submission may be aggregated."""
        return self.count("error") == 0

    def sorted_findings(self) -> list[Finding]:
        """Findings by severity, then sheet, then cell position."""
        return sorted(self.findings, key=lambda f: (SEVERITY_ORDER.get(f.severity, 9), f.sheet or "",
                                                    _cell_key(f.cell), f.code))

    def to_dict(self, messages: dict[str, Message], lang: str = "vi") -> dict[str, Any]:
        """JSON-ready data for this file."""
        return {"file": self.file, "sha256": self.sha256, "unit_code": self.unit_code, "period": self.period,
                "valid": self.ok, "errors": self.count("error"), "warnings": self.count("warning"),
                "infos": self.count("info"),
                "findings": [f.to_dict(messages, lang) for f in self.sorted_findings()]}


def _cell_key(cell: str | None) -> tuple[int, int]:
    if not cell:
        return (0, 0)
    letters = "".join(ch for ch in cell if ch.isalpha())
    digits = "".join(ch for ch in cell if ch.isdigit())
    col = 0
    for ch in letters.upper():
        col = col * 26 + (ord(ch) - 64)
    return (int(digits or 0), col)


@dataclass
class Report:
    """The result of validating one or more files."""

    files: list[FileReport] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 when no file has errors (warnings allowed), 1 otherwise."""
        return 0 if all(f.ok for f in self.files) else 1

    def to_dict(self, messages: dict[str, Message], lang: str = "vi") -> dict[str, Any]:
        """JSON-ready data for the whole run."""
        return {"valid": self.exit_code == 0, "files_checked": len(self.files),
                "files_with_errors": sum(1 for f in self.files if not f.ok),
                "errors": sum(f.count("error") for f in self.files),
                "warnings": sum(f.count("warning") for f in self.files),
                "files": [f.to_dict(messages, lang) for f in self.files]}
