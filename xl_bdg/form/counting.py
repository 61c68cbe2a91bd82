"""How the province total counts each case once: territorial totals and overlapping sources (schemas/counting.yaml).

A `Territorial` declares that units of a kind (or named units) report, over a span of dates, the territorial total
of their children (a district before 1/7/2025), and which of the two the totals above count. An `Overlap` declares
the designated sources of indicators that several kinds of unit count for the same cases (communes and the police).
The aggregation stage applies them; this module only reads and checks the declarations.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..catalogue import load_yaml
from ..text import nfc
from .definition import UNIT_KINDS, FormError

#: The parent's figures where its report was aggregated, else the sum of its children's.
PARENT_ELSE_CHILDREN = "parent_else_children"
RULES = (PARENT_ELSE_CHILDREN,)

_MIN = dt.date(1900, 1, 1)
_MAX = dt.date(9999, 12, 31)


@dataclass(frozen=True)
class Territorial:
    """Units of `kind` (or the `units` named) whose report is their children's territorial total between the dates."""

    rule: str
    kind: str | None = None
    units: tuple[str, ...] = ()
    valid_from: dt.date = _MIN
    valid_to: dt.date = _MAX

    def covers(self, code: str, kind: str, day: dt.date) -> bool:
        """Whether the unit `code` of `kind` is a territorial total on `day`."""
        named = code in self.units or (self.kind is not None and kind == self.kind)
        return named and self.valid_from <= day <= self.valid_to


@dataclass(frozen=True)
class Overlap:
    """Indicators whose cases several units count: only `count_from` (kinds or unit codes) make the totals."""

    indicators: tuple[str, ...]
    count_from: tuple[str, ...]
    note: str = ""
    note_en: str = ""

    def counts(self, code: str, kind: str) -> bool:
        """Whether a unit's figures of these indicators are added into the totals above it."""
        return code in self.count_from or kind in self.count_from


@dataclass(frozen=True)
class Counting:
    """All the declarations of counting.yaml (empty when the file is absent: every unit is added, as before)."""

    territorial: tuple[Territorial, ...] = ()
    overlaps: tuple[Overlap, ...] = ()

    def territorial_rule(self, code: str, kind: str, day: dt.date) -> str | None:
        """The rule of the first declaration that makes the unit a territorial total on `day`, else None."""
        return next((t.rule for t in self.territorial if t.covers(code, kind, day)), None)

    def overlap_of(self, indicator: str) -> Overlap | None:
        """The overlap declaration of an indicator, or None."""
        return next((o for o in self.overlaps if indicator in o.indicators), None)


def _date(value: Any, where: str, default: dt.date) -> dt.date:
    if value is None:
        return default
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise FormError(f"{where}: '{value}' is not a date (YYYY-MM-DD)") from None


def _names(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise FormError(f"{where}: expected a list of codes")
    return tuple(v.strip() for v in value)


def parse_counting(data: Any, indicators: set[str], units: set[str], file: str = "counting.yaml") -> Counting:
    """Check and build the declarations; FormError naming the entry on anything unknown."""
    if data is None:
        return Counting()
    if not isinstance(data, dict):
        raise FormError(f"{file}: expected 'territorial' and 'overlaps' lists")
    known = set(UNIT_KINDS) | units
    terr = []
    for i, item in enumerate(data.get("territorial") or []):
        where = f"{file}: territorial[{i + 1}]"
        if not isinstance(item, dict):
            raise FormError(f"{where}: expected a mapping")
        rule = item.get("rule")
        if rule not in RULES:
            raise FormError(f"{where}: rule '{rule}' is not one of {', '.join(RULES)}")
        kind = item.get("kind")
        named = _names(item["units"], f"{where}.units") if item.get("units") else ()
        if kind is None and not named:
            raise FormError(f"{where}: give a 'kind' or 'units'")
        if kind is not None and kind not in UNIT_KINDS:
            raise FormError(f"{where}: kind '{kind}' is not one of {', '.join(sorted(UNIT_KINDS))}")
        for code in named:
            if code not in units:
                raise FormError(f"{where}: unit '{code}' is not in the registry")
        terr.append(Territorial(rule=rule, kind=kind, units=named,
                                valid_from=_date(item.get("from"), f"{where}.from", _MIN),
                                valid_to=_date(item.get("to"), f"{where}.to", _MAX)))
    overlaps, seen = [], set()
    for i, item in enumerate(data.get("overlaps") or []):
        where = f"{file}: overlaps[{i + 1}]"
        if not isinstance(item, dict):
            raise FormError(f"{where}: expected a mapping")
        codes = _names(item.get("indicators"), f"{where}.indicators")
        for code in codes:
            if code not in indicators:
                raise FormError(f"{where}: indicator '{code}' is not in the form")
            if code in seen:
                raise FormError(f"{where}: indicator '{code}' is declared twice")
            seen.add(code)
        sources = _names(item.get("count_from"), f"{where}.count_from")
        for name in sources:
            if name not in known:
                raise FormError(f"{where}: count_from '{name}' is neither a unit kind nor a unit code")
        overlaps.append(Overlap(codes, sources, nfc(str(item.get("note") or "")), str(item.get("note_en") or "")))
    return Counting(tuple(terr), tuple(overlaps))


def load_counting(path: Path, indicators: set[str], units: set[str]) -> Counting:
    """counting.yaml of a schemas folder (no file: no declarations)."""
    if not path.exists():
        return Counting()
    return parse_counting(load_yaml(path.read_text(encoding="utf-8")), indicators, units, path.name)
