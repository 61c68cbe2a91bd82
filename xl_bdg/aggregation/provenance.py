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
from ..form.definition import UNIT_KINDS, Form


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
    notes: list[str] = dataclasses.field(default_factory=list)
    """How the figure counted each case once: the district or its communes, a source kept beside the total."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (what `explain --format json` prints)."""
        return {"indicator": self.indicator, "field": self.field, "scope": self.scope, "label": self.label,
                "agg": self.agg, "value": self.value, "numerator": self.numerator, "denominator": self.denominator,
                "units": self.units,
                "sources": [{"unit": s.unit, "sha256": s.sha256, "file": s.file, "sheet": s.sheet, "cell": s.cell,
                             "value": s.value if isinstance(s.value, (int, float, str)) or s.value is None
                             else str(s.value)} for s in self.sources], "notes": list(self.notes)}


class TargetError(ValueError):
    """A target that names no figure; `key` and `params` give the message in either language (schemas/words)."""

    def __init__(self, key: str, **params: Any) -> None:
        self.key, self.params = key, params
        super().__init__(self.text("en"))

    def text(self, lang: str) -> str:
        """The message in `lang`."""
        return words(lang)(f"explain.err.{self.key}", **self.params)


def parse_target(form: Form, text: str) -> tuple[str, str | None]:
    """`COMM_06.F` → ("COMM_06", "F"); `HEA_01` → ("HEA_01", None). TargetError naming what is unknown."""
    code, _, fid = text.strip().partition(".")
    try:
        ind = form.indicator(code)
    except KeyError:
        raise TargetError("indicator", code=code, example=form.indicators[0].code) from None
    if fid:
        if fid not in {f.id for f in ind.fields}:
            raise TargetError("field", code=code, field=fid, fields=", ".join(f.id for f in ind.fields))
        return code, fid
    return code, None


def _trail(form: Form, code: str, fid: str | None, where: str, fig: Figure, lang: str = "vi") -> Trail:
    ind = form.indicator(code)
    name = ind.label_en if lang == "en" else ind.label
    label = name if fid is None else f"{name} – {ind.field(fid).label_en if lang == 'en' else ind.field(fid).label}"
    return Trail(indicator=code, field=fid, scope=where, label=label, agg=fig.agg, value=fig.value,
                 numerator=fig.numerator, denominator=fig.denominator, units=fig.units,
                 sources=sorted(fig.sources, key=lambda s: (s.unit, s.sheet, s.cell)))


def field_trails(dataset: Dataset, form: Form, code: str, scope: str | None = None,
                 lang: str = "vi") -> list[Trail]:
    """The figures of each field of an indicator (`COMM_06` → COMM_06.T, .M, .F, .E), for an indicator whose figure
    is its fields'; empty when none of them has one in the scope."""
    where = scope or dataset.province
    out = []
    for f in form.indicator(code).fields:
        fig = dataset.figure(code, f.id, where)
        if fig is not None:
            out.append(_trail(form, code, f.id, where, fig, lang))
    return out


def counting_notes(dataset: Dataset, code: str, scope: str, lang: str = "vi") -> list[str]:
    """The counting notes (dataset.counting) that bear on a figure of indicator `code` in `scope`: territorial
    choices for the province and for the parent itself, overlaps for the indicator."""
    say = words(lang)
    out = []
    for note in dataset.counting:
        if note.kind == "overlap":
            if code in note.indicators and scope != note.unit and not scope.startswith("kind:"):
                sources = ", ".join(say(f"kind.{u}") if u in UNIT_KINDS else u for u in note.units)
                out.append(say("explain.counted_overlap", unit=note.unit, sources=sources))
        elif scope in (dataset.province, note.unit):
            out.append(say(f"explain.counted_{note.kind}", unit=note.unit, units=", ".join(note.units)))
    return out


def explain(dataset: Dataset, form: Form, target: str, scope: str | None = None, lang: str = "vi") -> Trail:
    """The trail of one figure (`INDICATOR[.FIELD]`, default scope: the province); TargetError if there is none."""
    code, fid = parse_target(form, target)
    where = scope or dataset.province
    fig: Figure | None = dataset.figure(code, fid, where)
    if fig is None:
        scopes = sorted({s for (c, f, s) in dataset.figures if c == code and f == fid})
        if not scopes:
            fields = sorted({f for (c, f, _) in dataset.figures if c == code and f})
            if fields:
                raise TargetError("fields_only", target=target, period=dataset.period, fields=", ".join(fields))
            raise TargetError("none", target=target, period=dataset.period)
        raise TargetError("scope", target=target, scope=where,
                          scopes=", ".join(scopes[:12]) + (" …" if len(scopes) > 12 else ""))
    trail = _trail(form, code, fid, where, fig, lang)
    return dataclasses.replace(trail, notes=counting_notes(dataset, code, where, lang))


def formula(trail: Trail, lang: str = "vi") -> str:
    """How the value was made, in one line (`Σ of 3 units`, `Σ numerators / Σ denominators × 100`)."""
    kind = trail.agg if trail.agg in ("ratio", "share", "pick") else "sum"
    return words(lang)(f"explain.{kind}", numerator=show_value(trail.numerator, lang),
                       denominator=show_value(trail.denominator, lang), units=trail.units)
