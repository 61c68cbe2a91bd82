"""xl-bdg: gender-equality (bình đẳng giới) reporting for a Vietnamese province, from workbook to province report.

The library API, one call per stage of the pipeline::

    import xl_bdg

    project = xl_bdg.load_project()                        # schemas/ → Project (form, registry, periods, targets)
    period = project.period("2026-FY")
    xl_bdg.write_template(project, project.registry.get("SO-YTE"), period, Path("workbooks"))
    report, _ = xl_bdg.validate_paths([Path("inbox")], project, period)
    with xl_bdg.Ledger(Path("ledger.sqlite")) as ledger:
        xl_bdg.intake(ledger, [Path("inbox")], project, expected_period=period)
        dataset = xl_bdg.aggregate(project, ledger, period)
        xl_bdg.write_report(project, dataset, Path("report"))

Names are loaded on first use, so `import xl_bdg` (and the command line's start-up) stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .version import __version__

#: Public name → the module that defines it.
_API = {
    "FormError": "xl_bdg.errors",
    "Project": "xl_bdg.form", "Period": "xl_bdg.form", "load_project": "xl_bdg.form",
    "write_template": "xl_bdg.workbook", "units_for": "xl_bdg.workbook",
    "read_submission": "xl_bdg.reading",
    "Report": "xl_bdg.findings", "FileReport": "xl_bdg.findings", "Finding": "xl_bdg.findings",
    "validate_paths": "xl_bdg.validation", "validate_file": "xl_bdg.validation",
    "Ledger": "xl_bdg.ledger", "intake": "xl_bdg.ledger", "status": "xl_bdg.ledger",
    "Dataset": "xl_bdg.dataset", "aggregate": "xl_bdg.aggregation", "explain": "xl_bdg.aggregation",
    "write_report": "xl_bdg.report", "write_letters": "xl_bdg.report",
}
__all__ = [
    "Dataset",
    "FileReport",
    "Finding",
    "FormError",
    "Ledger",
    "Period",
    "Project",
    "Report",
    "__version__",
    "aggregate",
    "explain",
    "intake",
    "load_project",
    "read_submission",
    "status",
    "units_for",
    "validate_file",
    "validate_paths",
    "write_letters",
    "write_report",
    "write_template",
]

if TYPE_CHECKING:
    from .aggregation import aggregate, explain
    from .dataset import Dataset
    from .errors import FormError
    from .findings import FileReport, Finding, Report
    from .form import Period, Project, load_project
    from .ledger import Ledger, intake, status
    from .reading import read_submission
    from .report import write_letters, write_report
    from .validation import validate_file, validate_paths
    from .workbook import units_for, write_template


def __getattr__(name: str) -> Any:
    """Load a public name from its stage on first use."""
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'xl_bdg' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
