"""Read and check `schemas/dhis2.yaml`, the province's DHIS2 settings; every error names the entry.

What the file may say is documented in the file itself and in the README ("DHIS2"). The names it checks against
come from DHIS2's documentation (dhis2-docs): the value types of a data element (developer/web-api/metadata.md,
"Data Element CSV Format"), the period types (developer/web-api/overview.md, "Date and period format"), the
identifier schemes of a data value import (developer/web-api/data.md, "Identifier schemes").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..catalogue import read_yaml
from ..errors import FormError
from ..form.project import Project
from ..periods import PERIOD_KINDS
from .uids import is_uid

FILE = "dhis2.yaml"
VALUE_TYPES = ("INTEGER", "NUMBER", "UNIT_INTERVAL", "PERCENTAGE", "INTEGER_POSITIVE", "INTEGER_NEGATIVE",
               "INTEGER_ZERO_OR_POSITIVE", "TEXT", "LONG_TEXT", "LETTER", "BOOLEAN", "TRUE_ONLY", "DATE", "DATETIME")
PERIOD_TYPES = ("Daily", "Weekly", "Monthly", "BiMonthly", "Quarterly", "SixMonthly", "SixMonthlyApril", "Yearly",
                "FinancialApril", "FinancialJuly", "FinancialOct")
ID_SCHEMES = ("UID", "CODE")


@dataclass(frozen=True)
class Named:
    """A code with its names in both languages (a category, an option, the data set, …)."""

    code: str
    name: str
    name_en: str


@dataclass(frozen=True)
class PeriodKind:
    """How one period kind of the form is written in DHIS2."""

    kind: str
    notation: str      # "{year}S1"
    period_type: str   # "SixMonthly"
    suffix: str        # added to the codes of this kind's data elements and indicators


@dataclass(frozen=True)
class CategoryConf:
    """A disaggregation: options keyed by the form field they stand for, and the field they add up to."""

    key: str
    named: Named
    total: str | None
    options: dict[str, Named]


@dataclass(frozen=True)
class FieldConf:
    """An override for one indicator field."""

    element: str | None = None
    value_type: str | None = None
    send: bool = True


@dataclass(frozen=True)
class OrgUnitConf:
    """A unit's identifiers on the server."""

    uid: str | None = None
    code: str | None = None


@dataclass(frozen=True)
class Config:
    """The checked content of dhis2.yaml."""

    id_scheme: str
    org_unit_id_scheme: str
    prefix: str
    default_category_combo: str
    default_combo: str
    periods: dict[str, PeriodKind]
    data_set: Named
    categories: tuple[CategoryConf, ...]
    budget_category: Named
    indicator_type: Named
    share_suffix: Named
    fields: dict[str, FieldConf] = field(default_factory=dict)
    org_units: dict[str, OrgUnitConf] = field(default_factory=dict)
    uids: dict[str, str] = field(default_factory=dict)


def _map(raw: Any, where: str) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise FormError(f"{FILE}: {where}: expected a mapping")
    for key in raw:
        if not isinstance(key, str):
            raise FormError(f"{FILE}: {where}: key {key!r} is not text: quote it (YAML reads YES, NO, ON, OFF "
                            "as true/false)")
    return raw


def _text(raw: dict[str, Any], key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise FormError(f"{FILE}: {where}: missing '{key}' (text)")
    return value.strip()


def _named(raw: Any, where: str) -> Named:
    raw = _map(raw, where)
    name = _text(raw, "name", where)
    return Named(code=_text(raw, "code", where), name=name, name_en=str(raw.get("name_en") or name))


def _choice(value: Any, choices: tuple[str, ...], where: str) -> str:
    text = str(value).upper() if value is not None else ""
    if text not in choices:
        raise FormError(f"{FILE}: {where}: '{value}' is not one of {', '.join(choices)}")
    return text


def _uid(value: Any, where: str) -> str:
    if not is_uid(value):
        raise FormError(f"{FILE}: {where}: '{value}' is not a DHIS2 UID (11 letters or digits, a letter first)")
    return str(value)


def _periods(raw: Any) -> dict[str, PeriodKind]:
    out: dict[str, PeriodKind] = {}
    for kind, entry in _map(raw, "periods").items():
        where = f"periods.{kind}"
        if kind not in PERIOD_KINDS:
            raise FormError(f"{FILE}: {where}: unknown period kind (known: {', '.join(PERIOD_KINDS)})")
        entry = _map(entry, where)
        notation = _text(entry, "notation", where)
        if "{year}" not in notation:
            raise FormError(f"{FILE}: {where}: notation '{notation}' must contain {{year}}")
        ptype = str(entry.get("period_type", ""))
        if ptype not in PERIOD_TYPES:
            raise FormError(f"{FILE}: {where}: period_type '{ptype}' is not one of {', '.join(PERIOD_TYPES)}")
        out[kind] = PeriodKind(kind, notation, ptype, str(entry.get("suffix") or ""))
    if not out:
        raise FormError(f"{FILE}: periods: name at least one period kind")
    return out


def _categories(raw: Any) -> tuple[CategoryConf, ...]:
    out = []
    for key, entry in _map(raw, "categories").items():
        where = f"categories.{key}"
        named = _named(entry, where)
        options = {fid: _named(o, f"{where}.options.{fid}") for fid, o in _map(entry.get("options"), where).items()}
        if len(options) < 2:
            raise FormError(f"{FILE}: {where}: a category needs at least two options")
        total = entry.get("total")
        out.append(CategoryConf(key, named, str(total) if total is not None else None, options))
    return tuple(out)


def _fields(raw: Any, project: Project) -> dict[str, FieldConf]:
    keys = {ind.key(f.id) for ind in project.form.indicators for f in ind.fields}
    out = {}
    for key, entry in _map(raw, "fields").items():
        where = f"fields.{key}"
        if key not in keys:
            raise FormError(f"{FILE}: {where}: no indicator field has this key (see docs/form-reference.md)")
        entry = _map(entry, where)
        unknown = set(entry) - {"element", "value_type", "send"}
        if unknown:
            raise FormError(f"{FILE}: {where}: unknown setting {sorted(unknown)} (element, value_type, send)")
        vt = _choice(entry["value_type"], VALUE_TYPES, f"{where}.value_type") if "value_type" in entry else None
        out[key] = FieldConf(element=str(entry["element"]) if entry.get("element") else None, value_type=vt,
                             send=bool(entry.get("send", True)))
    return out


def _org_units(raw: Any, project: Project) -> dict[str, OrgUnitConf]:
    out = {}
    for unit, entry in _map(raw, "org_units").items():
        where = f"org_units.{unit}"
        if project.registry.get(unit) is None:
            raise FormError(f"{FILE}: {where}: no unit with this code in the registry")
        entry = _map(entry, where)
        if not entry.get("uid") and not entry.get("code"):
            raise FormError(f"{FILE}: {where}: give the unit's 'uid' or 'code' on the server")
        out[unit] = OrgUnitConf(uid=_uid(entry["uid"], f"{where}.uid") if entry.get("uid") else None,
                                code=str(entry["code"]) if entry.get("code") else None)
    return out


def load_config(project: Project, path: Path | None = None) -> Config:
    """dhis2.yaml of the project's schemas folder (or `path`), checked; FormError names what is wrong."""
    target = path or project.schemas_dir / FILE
    if not target.exists():
        raise FormError(f"{FILE}: file not found in {target.parent}: copy the project's schemas/{FILE} there")
    raw = _map((read_yaml(target) or {}).get("dhis2"), "dhis2")
    config = Config(
        id_scheme=_choice(raw.get("id_scheme", "UID"), ID_SCHEMES, "id_scheme"),
        org_unit_id_scheme=_choice(raw.get("org_unit_id_scheme", "UID"), ID_SCHEMES, "org_unit_id_scheme"),
        prefix=str(raw.get("code_prefix") or ""),
        default_category_combo=_uid(raw.get("default_category_combo"), "default_category_combo"),
        default_combo=_uid(raw.get("default_combo"), "default_combo"),
        periods=_periods(raw.get("periods")),
        data_set=_named(raw.get("data_set"), "data_set"),
        categories=_categories(raw.get("categories")),
        budget_category=_named(raw.get("budget_category"), "budget_category"),
        indicator_type=_named(raw.get("indicator_type"), "indicator_type"),
        share_suffix=Named("", *(_text(_map(raw.get("share_suffix"), "share_suffix"), k, "share_suffix")
                                 for k in ("name", "name_en"))),
        fields=_fields(raw.get("fields"), project),
        org_units=_org_units(raw.get("org_units"), project),
        uids={str(k): _uid(v, f"uids.{k}") for k, v in _map(raw.get("uids"), "uids").items()},
    )
    by_code = [u for u, c in config.org_units.items() if not c.uid]
    if config.org_unit_id_scheme == "UID" and by_code:
        raise FormError(f"{FILE}: org_unit_id_scheme UID needs a 'uid' for every unit under org_units, or set "
                        f"org_unit_id_scheme: CODE; code only: {', '.join(by_code[:8])}")
    if config.org_unit_id_scheme == "CODE":
        missing = [u.code for u in project.registry.units.values()
                   if u.code != project.registry.root and not (config.org_units.get(u.code) or OrgUnitConf()).code]
        if missing:
            raise FormError(f"{FILE}: org_unit_id_scheme CODE needs the server's code of every unit under "
                            f"org_units; missing: {', '.join(missing[:8])}{' …' if len(missing) > 8 else ''}")
    return config
