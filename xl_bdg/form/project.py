"""Everything xl-bdg reads from `schemas/`, loaded once: form, lists, messages, registry, targets, province config."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..catalogue import load_yaml
from ..periods import Period, action_month_window, parse_period
from ..resources import data_dir
from ..text import nfc
from .definition import Form, FormError, load_form
from .registry import Registry, load_registry

#: The schemas shipped with the project (the sample province); XL_BDG_SCHEMAS or --schemas point elsewhere.
DEFAULT_SCHEMAS = data_dir("schemas")


@dataclass(frozen=True)
class Target:
    """A National Strategy 2021–2030 target compared with an indicator's aggregate."""

    code: str
    indicator: str
    label: str
    label_en: str
    unit: str
    direction: str
    t2025: float
    t2030: float
    source: str
    figure_from: str

    def met(self, value: float | None, year: int) -> bool | None:
        """Whether `value` meets the target in force for `year` (2025 until 2029, then 2030); None if unknown."""
        if value is None:
            return None
        goal = self.t2025 if year < 2030 else self.t2030
        return value >= goal if self.direction == "ge" else value <= goal


@dataclass(frozen=True)
class Project:
    """The loaded configuration of one province."""

    schemas_dir: Path
    form: Form
    registry: Registry
    targets: tuple[Target, ...]
    targets_source: str
    config: dict[str, Any]

    def period(self, code: str) -> Period:
        """Parse a period code with this province's deadlines."""
        return parse_period(code, self.config.get("periods"))

    def action_month(self, year: int) -> tuple:
        """The Action Month window of `year`."""
        return action_month_window(year, self.config.get("action_month"))

    @property
    def province_name(self) -> str:
        """The province's name."""
        return self.config["province"]["name"]


def _targets(path: Path, form: Form) -> tuple[tuple[Target, ...], str]:
    raw = load_yaml(path.read_text(encoding="utf-8")) or {}
    out = []
    codes = {i.code for i in form.indicators}
    for i, t in enumerate(raw.get("targets", [])):
        where = f"targets.yaml: targets[{i}] ({t.get('code', '?')})"
        if t.get("indicator") not in codes:
            raise FormError(f"{where}: indicator '{t.get('indicator')}' is not in form.yaml")
        if t.get("direction") not in ("ge", "le"):
            raise FormError(f"{where}: direction must be 'ge' or 'le'")
        out.append(Target(code=t["code"], indicator=t["indicator"], label=nfc(t["label"]),
                          label_en=t.get("label_en", t["label"]), unit=t.get("unit", ""), direction=t["direction"],
                          t2025=float(t["t2025"]), t2030=float(t["t2030"]), source=nfc(t.get("source", "")),
                          figure_from=nfc(t.get("figure_from", ""))))
    return tuple(out), nfc(raw.get("source", ""))


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
    registry = load_registry(base / config.get("registry", "units.yaml"))
    targets, source = _targets(base / "targets.yaml", form)
    for ind in form.indicators:
        for name in ind.applies_to:
            if name not in registry.units and name not in ("department", "mass_org", "district", "commune"):
                raise FormError(f"form.yaml: indicator {ind.code}: applies_to names '{name}', "
                                "which is neither a unit kind nor a unit code in the registry")
        if ind.pick_from and ind.pick_from not in registry.units:
            raise FormError(f"form.yaml: indicator {ind.code}: pick_from '{ind.pick_from}' is not in the registry")
    return Project(schemas_dir=base, form=form, registry=registry, targets=targets, targets_source=source,
                   config=config)
