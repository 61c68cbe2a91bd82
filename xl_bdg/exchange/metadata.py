"""The DHIS2 metadata package: what an administrator imports once (POST /api/metadata, or the Import/Export app)
so that the server knows every data element, category, data set and indicator the payloads name.

The format is DHIS2's metadata import JSON (dhis2-docs developer/web-api/metadata.md, "Metadata import"): one list
per object type, references as `{"id": uid}`. Category option combos are listed with their combination and options,
as the server would generate them (same document, "Category Option Combo – Import Validation": one per combination
of the categories' options). Data elements are AGGREGATE with one value type and aggregation type each, and keep
zeros (`zeroIsSignificant`): a unit that reports 0 articles has reported, one that leaves the cell empty has not.
Indicators divide `#{uid}` or `#{uid.combo}` operands; their type carries the factor (dhis2-docs
user/configure-metadata.md, "indicator type"). Names and short names start with the code, so they are unique, as
DHIS2 requires; English names travel as translations (`locale: en`). Org units are created only for the units
dhis2.yaml does not map (a new instance); an existing server's units are referenced, never redefined.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from ..fileio import write_text_atomic
from ..form.project import Project
from ..sanitize import dumps
from .mapping import NUMERIC_VALUE_TYPES, SHORT_NAME_MAX, Category, Mapping, Obj

#: An org unit needs an opening date; a unit valid since the registry's beginning of time gets this one.
OPENING_DATE = dt.date(2000, 1, 1)
_REGISTRY_MIN = dt.date(1900, 1, 1)


def _ref(uid: str) -> dict[str, str]:
    return {"id": uid}


def _named(obj: Obj, short: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": obj.uid, "code": obj.code, "name": obj.name,
                           "shortName": (short or obj.name)[:SHORT_NAME_MAX]}
    if obj.name_en != obj.name:
        out["translations"] = [{"property": "NAME", "locale": "en", "value": obj.name_en}]
    return out


def _categories(cats: list[Category]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {"categoryOptions": [], "categories": [], "categoryCombos": [],
                                            "categoryOptionCombos": []}
    for cat in cats:
        out["categoryOptions"] += [_named(o) for o in cat.options.values()]
        out["categories"].append({**_named(cat.obj), "dataDimensionType": "DISAGGREGATION", "dataDimension": True,
                                  "categoryOptions": [_ref(o.uid) for o in cat.options.values()]})
        combo = _named(cat.combo)
        combo.pop("shortName")
        out["categoryCombos"].append({**combo, "dataDimensionType": "DISAGGREGATION",
                                      "categories": [_ref(cat.obj.uid)]})
        for key, coc in cat.option_combos.items():
            item = _named(coc)
            item.pop("shortName")
            out["categoryOptionCombos"].append({**item, "categoryCombo": _ref(cat.combo.uid),
                                                "categoryOptions": [_ref(cat.options[key].uid)]})
    return out


def _org_unit_ref(mapping: Mapping, unit: str) -> dict[str, str]:
    ou = mapping.org_units[unit]
    # A unit dhis2.yaml names by its code only is referenced by code (import with identifier=AUTO or CODE).
    return _ref(ou.uid) if ou.uid else {"code": ou.code or unit}


def _org_units(project: Project, mapping: Mapping, today: dt.date) -> list[dict[str, Any]]:
    reg = project.registry
    out = []
    for unit in sorted(reg.units.values(), key=lambda u: (len(reg.ancestors(u.code, min(u.valid_to, today))),
                                                          u.code)):
        if not mapping.org_units[unit.code].derived:
            continue
        day = min(unit.valid_to, today)
        item: dict[str, Any] = {"id": str(mapping.org_units[unit.code].uid), "name": unit.name,
                                "shortName": unit.name[:SHORT_NAME_MAX],
                                "openingDate": (unit.valid_from if unit.valid_from > _REGISTRY_MIN
                                                else OPENING_DATE).isoformat()}
        if unit.valid_to < dt.date(9999, 12, 31):
            item["closedDate"] = unit.valid_to.isoformat()
        parent = unit.parent_on(day)
        if parent is not None:
            item["parent"] = _org_unit_ref(mapping, parent)
        out.append(item)
    return out


def metadata_package(project: Project, mapping: Mapping, today: dt.date | None = None) -> dict[str, Any]:
    """The package as JSON-ready data (deterministic: the same form and dhis2.yaml give the same package)."""
    c = mapping.config
    used = {el.category.key for el in mapping.elements.values() if el.category is not None}
    cats = [cat for cat in [*mapping.categories.values(), *([mapping.budget] if mapping.budget else [])]
            if cat.key in used]
    package: dict[str, Any] = _categories(cats)
    package["dataElements"] = []
    for el in mapping.elements.values():
        item = {**_named(el.obj, el.short_name), "formName": el.form_name, "domainType": "AGGREGATE",
                "valueType": el.value_type, "aggregationType": el.aggregation_type,
                "zeroIsSignificant": el.value_type in NUMERIC_VALUE_TYPES,
                "categoryCombo": _ref(el.category.combo.uid if el.category else c.default_category_combo)}
        if el.form_name_en != el.form_name:
            item.setdefault("translations", []).append({"property": "FORM_NAME", "locale": "en",
                                                        "value": el.form_name_en})
        package["dataElements"].append(item)
    reporting = [u.code for u in project.registry.units.values()
                 if u.code != project.registry.root and u.kind != "province"]
    package["dataSets"] = [{**_named(ds.obj), "periodType": ds.period_type,
                            "categoryCombo": _ref(c.default_category_combo),
                            "dataSetElements": [{"dataElement": _ref(mapping.elements[code].obj.uid),
                                                 "dataSet": _ref(ds.obj.uid)} for code in ds.elements],
                            "organisationUnits": [_org_unit_ref(mapping, u) for u in reporting]}
                           for ds in mapping.data_sets.values()]
    package["indicatorTypes"] = [{**{k: v for k, v in _named(t).items() if k != "shortName"},
                                  "factor": int(f) if float(f).is_integer() else f, "number": False}
                                 for f, t in mapping.indicator_types.items()]
    types = mapping.indicator_types
    package["indicators"] = [{**_named(r.obj, r.short_name), "indicatorType": _ref(types[r.factor].uid),
                              "numerator": r.numerator, "numeratorDescription": r.numerator_text,
                              "denominator": r.denominator, "denominatorDescription": r.denominator_text,
                              "annualized": False} for r in mapping.ratios]
    units = _org_units(project, mapping, today or dt.date.today())
    if units:
        package["organisationUnits"] = units
    return package


def write_metadata(package: dict[str, Any], target: Path) -> Path:
    """The package as UTF-8 JSON, written atomically."""
    write_text_atomic(target, dumps(package, indent=1) + "\n")
    return target


def read_json(path: Path) -> dict[str, Any]:
    """A JSON document (a payload or a metadata package); ValueError with the reason when it is not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object, found {type(data).__name__}")
    return data
