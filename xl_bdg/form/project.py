"""Everything xl-bdg reads from `schemas/`, loaded once: form, lists, messages, registry, targets, province config."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..catalogue import load_yaml
from ..periods import Period, action_month_window, parse_period
from ..resources import data_dir
from .counting import Counting, load_counting
from .definition import Form, FormError, load_form
from .registry import Registry, load_registry
from .targets import TARGET_SETS, Target, load_targets

#: The schemas shipped with the project (the sample province); XL_BDG_SCHEMAS or --schemas point elsewhere.
DEFAULT_SCHEMAS = data_dir("schemas")


@dataclass(frozen=True)
class Project:
    """The loaded configuration of one province."""

    schemas_dir: Path
    form: Form
    registry: Registry
    targets: tuple[Target, ...]
    """Every target of every set, in the order of targets.yaml (see `targets_of`)."""
    targets_source: str
    """The Strategy's source document (NQ 28/NQ-CP)."""
    config: dict[str, Any]
    target_sources: dict[str, str] = field(default_factory=dict)
    """Each target set's source document, by set."""
    counting: Counting = field(default_factory=Counting)
    """Territorial totals and overlapping sources (counting.yaml): how the totals count each case once."""

    def targets_of(self, target_set: str) -> tuple[Target, ...]:
        """The targets of one set: "strategy" (NQ 28/NQ-CP), "qd1790" (QĐ 1790/QĐ-TTg) or "province"."""
        if target_set not in TARGET_SETS:
            raise ValueError(f"unknown target set '{target_set}' (known: {', '.join(TARGET_SETS)})")
        return tuple(t for t in self.targets if t.set == target_set)

    def period(self, code: str) -> Period:
        """Parse a period code with this province's deadlines."""
        return parse_period(code, self.config.get("periods"))

    def office(self, period: Period | None = None) -> dict[str, Any]:
        """The collecting office for `period`: the one in office on its deadline (Sở LĐTBXH until 28/02/2025, Sở Nội
        vụ from 01/03/2025 in the sample province); without a period, the latest one."""
        return in_force(collecting_offices(self.config), period, "collecting_office")

    def action_month(self, year: int) -> tuple:
        """The Action Month window of `year`."""
        return action_month_window(year, self.config.get("action_month"))

    @property
    def province_name(self) -> str:
        """The province's name."""
        return self.config["province"]["name"]

    def province_text(self, lang: str = "vi") -> str:
        """The province as a sentence names it ('tỉnh Sơn Hà'), not its display name ('Tỉnh Sơn Hà (tỉnh mẫu)')."""
        report = self.config.get("report", {})
        key = "province_text_en" if lang == "en" else "province_text"
        return report.get(key) or self.config["province"].get("name_en" if lang == "en" else "name", "")


def dated_entries(raw: Any, where: str, need: str = "name") -> list[dict[str, Any]]:
    """One entry or a list of entries with optional `valid_from` / `valid_to` (ISO dates), in the order given;
    raise FormError naming the entry when one is malformed or lacks `need`."""
    items = raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else []
    if not items:
        raise FormError(f"province.yaml: {where}: give one entry or a list of them")
    for n, entry in enumerate(items, 1):
        at = f"province.yaml: {where} {n}"
        if not isinstance(entry, dict) or not entry.get(need):
            raise FormError(f"{at}: needs a {need}")
        for key in ("valid_from", "valid_to"):
            if key in entry and not isinstance(entry[key], dt.date):
                raise FormError(f"{at}: {key} '{entry[key]}' is not a date like 2025-03-01")
    return items


def in_force(items: list[dict[str, Any]], period: Period | None, where: str) -> dict[str, Any]:
    """The entry valid on `period`'s deadline (the day the document is due); without a period, the latest one."""
    if period is None:
        return items[-1]
    day = period.deadline
    for entry in items:
        if entry.get("valid_from", dt.date.min) <= day <= entry.get("valid_to", dt.date.max):
            return entry
    raise FormError(f"province.yaml: {where}: none is valid on {day:%d/%m/%Y} (the deadline of {period.code}); "
                    "add one with valid_from/valid_to")


def collecting_offices(config: dict[str, Any]) -> list[dict[str, Any]]:
    """The province's collecting offices in the order given: `collecting_office` is one office or a list of them,
    each with a name and optional `valid_from` / `valid_to` (ISO dates); raise FormError when one is malformed."""
    if not config.get("collecting_office"):
        raise FormError("province.yaml: collecting_office: give the office's name (one office or a list of them)")
    return dated_entries(config["collecting_office"], "collecting_office")


def issuer_entries(config: dict[str, Any], which: str) -> list[dict[str, Any]]:
    """The issuers of one kind (`report.issuers.province` or `.office`) over time, like `collecting_office`: one
    mapping or a list with `valid_from` / `valid_to`; an empty list when the province configures none."""
    raw = (config.get("report") or {}).get("issuers", {}).get(which)
    return [] if raw is None else dated_entries(raw, f"report.issuers.{which}", need="header")


def schemas_dir(explicit: Path | None = None) -> Path:
    """The schemas folder: the explicit one, else $XL_BDG_SCHEMAS, else the project's own."""
    if explicit is not None:
        return explicit
    env = os.environ.get("XL_BDG_SCHEMAS")
    return Path(env) if env else DEFAULT_SCHEMAS


def load_project(path: Path | None = None) -> Project:
    """Load and check everything under the schemas folder; raise FormError naming what is broken."""
    base = schemas_dir(path)
    return _load_cached(base.resolve())


@lru_cache(maxsize=8)
def _load_cached(base: Path) -> Project:
    form = load_form(base)
    try:
        config = load_yaml((base / "province.yaml").read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise FormError(f"province.yaml: file not found in {base}") from exc
    collecting_offices(config)  # a malformed office list is named when the schemas load, not when a file is written
    for which in (config.get("report") or {}).get("issuers", {}):
        issuer_entries(config, which)
    registry = load_registry(base / config.get("registry", "units.yaml"))
    targets, sources = load_targets(base / "targets.yaml", {i.code for i in form.indicators})
    for ind in form.indicators:
        for name in ind.applies_to:
            if name not in registry.units and name not in ("department", "mass_org", "district", "commune"):
                raise FormError(f"form.yaml: indicator {ind.code}: applies_to names '{name}', "
                                "which is neither a unit kind nor a unit code in the registry")
        if ind.pick_from and ind.pick_from not in registry.units:
            raise FormError(f"form.yaml: indicator {ind.code}: pick_from '{ind.pick_from}' is not in the registry")
    counting = load_counting(base / "counting.yaml", {i.code for i in form.indicators}, set(registry.units))
    return Project(schemas_dir=base, form=form, registry=registry, targets=targets,
                   targets_source=sources.get("strategy", ""), config=config, target_sources=sources,
                   counting=counting)
