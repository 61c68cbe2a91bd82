"""The unit registry: reporting units with stable codes, kinds, parents over time and validity dates.

Units and their parents carry dates, so that a 2024 report (with districts) and a 2026 report (without) both resolve
to the right hierarchy. Any depth aggregates: commune → district → province.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..catalogue import load_yaml
from ..text import nfc
from .definition import UNIT_KINDS, FormError

_MIN = dt.date(1900, 1, 1)
_MAX = dt.date(9999, 12, 31)


@dataclass(frozen=True)
class ParentLink:
    """A unit's parent over a span of dates (inclusive)."""

    unit: str
    valid_from: dt.date = _MIN
    valid_to: dt.date = _MAX


@dataclass(frozen=True)
class Unit:
    """A reporting unit (or the province itself)."""

    code: str
    name: str
    kind: str
    parents: tuple[ParentLink, ...] = ()
    valid_from: dt.date = _MIN
    valid_to: dt.date = _MAX
    level: str | None = None
    note: str | None = None
    name_en: str = ""

    def label(self, lang: str = "vi") -> str:
        """The unit's name in `lang`: its English name (units.yaml `name_en`) in English when it has one."""
        return self.name_en if lang == "en" and self.name_en else self.name

    def active_on(self, day: dt.date) -> bool:
        """Whether the unit exists on `day`."""
        return self.valid_from <= day <= self.valid_to

    def active_during(self, start: dt.date, end: dt.date) -> bool:
        """Whether the unit exists on any day of [start, end]."""
        return self.valid_from <= end and self.valid_to >= start

    def validity(self) -> str:
        """When the unit exists, as people write it: `01/07/2025 –`, `– 28/02/2025` or both dates."""
        def day(d: dt.date) -> str:
            return "" if d in (_MIN, _MAX) else d.strftime("%d/%m/%Y")  # an open end stays blank
        return f"{day(self.valid_from)} – {day(self.valid_to)}".strip()

    def parent_on(self, day: dt.date) -> str | None:
        """The code of the parent on `day`, or None for the root."""
        for link in self.parents:
            if link.valid_from <= day <= link.valid_to:
                return link.unit
        return None


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise FormError(f"{where}: '{value}' is not a date (YYYY-MM-DD)") from exc


@dataclass(frozen=True)
class Registry:
    """All units of the province, by code."""

    units: dict[str, Unit]
    root: str

    def get(self, code: str) -> Unit | None:
        """The unit with this code, or None."""
        return self.units.get(code)

    def reporting_units(self, start: dt.date, end: dt.date) -> list[Unit]:
        """Units that report in a period [start, end]: every unit but the root, existing on the period's last day.

        A unit that ended inside the period (a department merged in March) reports through its successor, so only
        units alive at the period's end are asked; for a period wholly before a reorganisation that is the old set.
        """
        return [u for u in self.units.values() if u.code != self.root and u.active_on(end) and u.kind != "province"]

    def parent_on(self, code: str, day: dt.date) -> str | None:
        """The parent code of unit `code` on `day`."""
        unit = self.units.get(code)
        return unit.parent_on(day) if unit else None

    def ancestors(self, code: str, day: dt.date) -> list[str]:
        """The chain of parents of `code` on `day`, nearest first, up to the root."""
        chain: list[str] = []
        current = self.parent_on(code, day)
        while current is not None and current not in chain:
            chain.append(current)
            current = self.parent_on(current, day)
        return chain

    def children(self, code: str, day: dt.date) -> list[str]:
        """Codes of units whose parent on `day` is `code` and that exist on `day`."""
        return [u.code for u in self.units.values() if u.active_on(day) and u.parent_on(day) == code]


def load_registry(path: Path) -> Registry:
    """Load and check a unit registry file; raise FormError naming the bad entry."""
    try:
        raw = load_yaml(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise FormError(f"{path.name}: file not found at {path}") from exc
    except yaml.YAMLError as exc:
        raise FormError(f"{path.name}: not valid YAML: {exc}") from exc
    units: dict[str, Unit] = {}
    roots: list[str] = []
    for i, entry in enumerate((raw or {}).get("units", [])):
        where = f"{path.name}: units[{i}] ({entry.get('code', '?') if isinstance(entry, dict) else '?'})"
        if not isinstance(entry, dict) or not entry.get("code") or not entry.get("name"):
            raise FormError(f"{where}: needs 'code' and 'name'")
        code = str(entry["code"])
        if not code.isascii() or " " in code:
            raise FormError(f"{where}: code must be ASCII without spaces")
        if code in units:
            raise FormError(f"{where}: duplicate code '{code}'")
        kind = entry.get("kind")
        if kind not in UNIT_KINDS:
            raise FormError(f"{where}: unknown kind '{kind}' (known: {', '.join(sorted(UNIT_KINDS))})")
        if "parents" in entry:
            parents = tuple(ParentLink(unit=str(p["unit"]), valid_from=_date(p.get("from", _MIN), where),
                                       valid_to=_date(p.get("to", _MAX), where)) for p in entry["parents"])
        elif entry.get("parent"):
            parents = (ParentLink(unit=str(entry["parent"])),)
        else:
            parents = ()
            roots.append(code)
        units[code] = Unit(code=code, name=nfc(str(entry["name"])), kind=kind, parents=parents,
                           valid_from=_date(entry.get("valid_from", _MIN), where),
                           valid_to=_date(entry.get("valid_to", _MAX), where),
                           level=nfc(entry["level"]) if entry.get("level") else None,
                           note=nfc(entry["note"]) if entry.get("note") else None,
                           name_en=str(entry.get("name_en") or ""))
    if len(roots) != 1:
        raise FormError(f"{path.name}: expected exactly one unit without a parent (the province), found {roots}")
    for unit in units.values():
        for link in unit.parents:
            if link.unit not in units:
                raise FormError(f"{path.name}: unit {unit.code} names parent '{link.unit}', "
                                "which is not in the registry")
    return Registry(units=units, root=roots[0])
