"""Explain an aggregated figure: which units, files (by hash), sheets and cells it came from, and how it was made.

`xl-bdg explain COMM_06.F --period 2026-FY [--scope kind:commune]` prints this trail.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from ..catalogue import words
from ..dataset import Dataset, Figure, Source
from ..findings import show_value
from ..form.definition import Form


@dataclass
class Trail:
    """An aggregated figure with the cells it came from, ready to print or serialise."""

    indicator: str
    field: str | None
    scope: str
    label: str
    agg: str
    value: float | None
    numerator: float | None
    denominator: float | None
    units: int
    sources: list[Source] = dataclasses.field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (what `explain --format json` prints)."""
        return {"indicator": self.indicator, "field": self.field, "scope": self.scope, "label": self.label,
                "agg": self.agg, "value": self.value, "numerator": self.numerator, "denominator": self.denominator,
                "units": self.units,
                "sources": [{"unit": s.unit, "sha256": s.sha256, "file": s.file, "sheet": s.sheet, "cell": s.cell,
                             "value": s.value if isinstance(s.value, (int, float, str)) or s.value is None
                             else str(s.value)} for s in self.sources]}


def parse_target(form: Form, text: str) -> tuple[str, str | None]:
    """`COMM_06.F` → ("COMM_06", "F"); `HEA_01` → ("HEA_01", None). ValueError naming what is unknown."""
    code, _, fid = text.strip().partition(".")
    try:
        ind = form.indicator(code)
    except KeyError:
        raise ValueError(f"'{code}' is not an indicator of the form (e.g. {form.indicators[0].code})") from None
    if fid:
        if fid not in {f.id for f in ind.fields}:
            have = ", ".join(f.id for f in ind.fields)
            raise ValueError(f"{code} has no field '{fid}' (fields: {have})")
        return code, fid
    return code, None


def explain(dataset: Dataset, form: Form, target: str, scope: str | None = None) -> Trail:
    """The trail of one figure (`INDICATOR[.FIELD]`, default scope: the province); ValueError if there is none."""
    code, fid = parse_target(form, target)
    where = scope or dataset.province
    fig: Figure | None = dataset.figure(code, fid, where)
    if fig is None:
        scopes = sorted({s for (c, f, s) in dataset.figures if c == code and f == fid})
        if not scopes:
            fields = sorted(f or "(headline)" for (c, f, _) in dataset.figures if c == code)
            raise ValueError(f"no figure for {target} in {dataset.period}"
                             + (f"; {code} has: {', '.join(sorted(set(fields)))}" if fields else ""))
        raise ValueError(f"no figure for {target} in scope '{where}' (scopes with one: {', '.join(scopes[:12])}"
                         + (" …" if len(scopes) > 12 else "") + ")")
    ind = form.indicator(code)
    label = ind.label if fid is None else f"{ind.label} – {ind.field(fid).label}"
    return Trail(indicator=code, field=fid, scope=where, label=label, agg=fig.agg, value=fig.value,
                 numerator=fig.numerator, denominator=fig.denominator, units=fig.units,
                 sources=sorted(fig.sources, key=lambda s: (s.unit, s.sheet, s.cell)))


def formula(trail: Trail, lang: str = "vi") -> str:
    """How the value was made, in one line (`Σ of 3 units`, `Σ numerators / Σ denominators × 100`)."""
    kind = trail.agg if trail.agg in ("ratio", "share", "pick") else "sum"
    return words(lang)(f"explain.{kind}", numerator=show_value(trail.numerator, lang),
                       denominator=show_value(trail.denominator, lang), units=trail.units)
