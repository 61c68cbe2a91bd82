"""The three buttons of the Excel add-in, without Excel: check (validate and mark), clear the marks, prepare the file
to send. `excel.py` calls these with an `XlwingsMarker` on the live workbook; tests call them with an
`OpenpyxlMarker`. The rule engine is `validation.validate_file`, the same one `xl-bdg validate` runs.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from ..catalogue import words
from ..fileio import atomic_path
from ..findings import FileReport
from ..form.project import Project
from ..validation.marks import Marker, apply_marks, remove_marks
from ..validation.validate import validate_file
from ..workbook.template import workbook_name

#: Where the clean copy goes when its conventional name is the workbook itself (a template filled in place).
SEND_DIR = "gui-di"

@dataclass(frozen=True)
class Outcome:
    """What a button tells the user: a title, a message and whether it is bad news (a critical message box)."""

    title: str
    message: str
    critical: bool = False


def _as(report: FileReport, shown: Path | None) -> FileReport:
    """The report with the user's own file name in place of a temporary copy's."""
    if shown is None:
        return report
    name = str(shown)
    return replace(report, file=name, findings=[replace(f, file=name) for f in report.findings])


def check(path: Path, marker: Marker, project: Project, lang: str = "vi", *, shown: Path | None = None) -> FileReport:
    """Validate `path` (one rule engine with `xl-bdg validate`) and mark the findings through `marker`.

    `shown` is the workbook the user sees when `path` is a temporary copy of it.
    """
    _, report = validate_file(path, project)
    report = _as(report, shown)
    label = (shown or path).name
    apply_marks(marker, report, project.form.messages, lang, label)
    return report


def clear(marker: Marker) -> int | None:
    """Remove exactly the marks of the last check; return how many cells were given back (None: no marks)."""
    marker.begin()
    try:
        return marker.clear()
    finally:
        marker.end()


def send_target(report: FileReport, workbook: Path, out_dir: Path | None = None) -> Path | None:
    """Where the clean copy goes: `<period>_<UNIT>.xlsx` in `out_dir` (default: beside `workbook`), or in `gui-di/`
    when that name is the workbook itself; None when the file declares no unit or period."""
    if not report.unit_code or not report.period:
        return None
    target = (out_dir or workbook.parent) / workbook_name(report.period, report.unit_code)
    if target.resolve() == workbook.resolve():
        target = target.parent / SEND_DIR / target.name
    return target


def prepare_to_send(path: Path, project: Project, out_dir: Path | None = None, *,
                    shown: Path | None = None) -> tuple[FileReport, Path | None]:
    """Validate the workbook without its marks; with no errors save that clean copy as `<period>_<UNIT>.xlsx`.

    Returns the report and the copy written, or None (errors, or no unit and period): then nothing is written.
    `shown` is the user's workbook when `path` is a temporary copy of it (the name and folder come from it).
    """
    workbook = shown or path
    with tempfile.TemporaryDirectory(prefix="xlbdg-send-") as tmp:
        clean = Path(tmp) / workbook.name
        remove_marks(path, clean)
        _, report = validate_file(clean, project)
        report = _as(report, workbook)
        target = send_target(report, workbook, out_dir) if report.ok else None
        if target is None:
            return report, None
        with atomic_path(target) as out:
            out.write_bytes(clean.read_bytes())
    return report, target


def check_outcome(report: FileReport, lang: str = "vi") -> Outcome:
    """The message box after a check."""
    w = words(lang)
    errors, warnings = report.count("error"), report.count("warning")
    sheet = w("marks.sheet")
    if errors:
        return Outcome(w("excel.title"), w("excel.check_errors", errors=errors, warnings=warnings, sheet=sheet), True)
    if warnings:
        return Outcome(w("excel.title"), w("excel.check_warnings", warnings=warnings, sheet=sheet))
    return Outcome(w("excel.title"), w("excel.check_clean"))


def clear_outcome(cells: int | None, lang: str = "vi") -> Outcome:
    """The message box after clearing (`cells` as `clear` returns it)."""
    w = words(lang)
    return Outcome(w("excel.title"), w("excel.nothing_to_clear") if cells is None else w("excel.cleared", cells=cells))


def send_outcome(report: FileReport, target: Path | None, lang: str = "vi") -> Outcome:
    """The message box after preparing to send."""
    w = words(lang)
    if target is not None:
        warnings = report.count("warning")
        warn = w("excel.ready_warn", warnings=warnings) if warnings else ""
        return Outcome(w("excel.title"), w("excel.ready", path=target, warn=warn))
    if not report.ok:
        return Outcome(w("excel.title"), w("excel.not_ready", errors=report.count("error")), True)
    return Outcome(w("excel.title"), w("excel.no_identity"), True)


__all__ = ["SEND_DIR", "Outcome", "check", "check_outcome", "clear", "clear_outcome", "prepare_to_send",
           "send_outcome", "send_target"]
