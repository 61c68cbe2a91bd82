"""A problem of a DHIS2 payload: a finding code, the data values it concerns (indexes into `dataValues`) and the
DHIS2 error code the import would give; and how problems become findings at the cells the values came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..findings import Finding
from .payload import Origin

#: What every finding made from a problem provides to its message, besides the problem's own parameters: how many
#: data values it concerns, and the form key and unit of the first one.
ADDED = ("count", "key", "unit")


@dataclass(frozen=True)
class Problem:
    """One thing DHIS2 would refuse or add up wrong, at some data values (indexes) or at the whole payload."""

    code: str
    indexes: tuple[int, ...] = ()
    dhis2: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


def to_findings(problems: list[Problem], origins: list[Origin] | None, name: str,
                severities: dict[str, str]) -> list[Finding]:
    """Findings at the source cells of each problem's first data value (through the origins), else at the payload's
    data value index; `severities` gives each code's default severity (messages.yaml)."""
    out = []
    for p in problems:
        first = next((i for i in p.indexes if i >= 0), None)
        origin = origins[first] if origins is not None and first is not None and first < len(origins) else None
        params = {"count": len(p.indexes), **p.params}
        params.setdefault("key", origin.key if origin else (f"dataValues[{first}]" if first is not None else ""))
        params.setdefault("unit", origin.source.unit if origin else params.get("org_unit", ""))
        sev = severities.get(p.code, "error")
        if origin is not None:
            src = origin.source
            out.append(Finding(p.code, sev, src.file, src.sheet, src.cell, src.value, params))
        else:
            out.append(Finding(p.code, sev, name, f"dataValues[{first}]" if first is not None else None, None,
                               params.get("value"), params))
    return out
