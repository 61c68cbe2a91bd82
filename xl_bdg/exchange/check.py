"""The offline check of a `dataValueSets` payload against a metadata package (the generated one, or one exported
from a real server): what DHIS2's import would refuse or import wrong, found before anything is sent.

Each problem carries the DHIS2 error code the import would give (dhis2-core `ErrorCode`, the E76xx family of data
value import validation: E7610 data element not found, E7611 period not valid, E7612 org unit not found, E7613
option combo not found, E7618 no value, E7619 value does not match the value type, E7632 period type not valid for
the data element, E7633 data element not part of the data set, E7634 option combo not part of the element's
combination, E7636 element not assigned to the org unit through its data sets, E7600 data set not found). The check
is as strict as a server with every strict setting on (dhis2-docs settings-and-configuration.md:
keyDataImportStrictPeriods, …StrictCategoryOptionCombos, …StrictOrganisationUnits), so a payload it passes is
accepted by a lenient server too. Identifiers are resolved as DHIS2 does: by the scheme the payload declares, UID
when it declares none (developer/web-api/data.md, "Identifier schemes"); value types are checked as
developer/web-api/metadata.md ("Value Type and validations") and data.md ("Value type requirements") state.

Problems point at data values by index; `problem.to_findings` turns them into findings at the source cells through
the payload's provenance.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import defaultdict
from typing import Any

from ..findings import Finding
from ..form.definition import Form
from ..form.project import Project
from .mapping import Mapping
from .metadata import metadata_package
from .notation import period_type
from .overlap import double_counting, mixed_types
from .payload import Origin
from .problem import Problem, to_findings
from .uids import is_uid

TEXT_MAX = 50_000
_INT = re.compile(r"^[+-]?\d+$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")  # no thousands separators, no exponent (DHIS2 refuses both)
_BOOLEAN = {"true", "false", "1", "0", "t", "f"}
_TYPES = ("dataElements", "categoryOptionCombos", "organisationUnits", "dataSets")


def _scheme(text: Any) -> str:
    return str(text or "UID").upper()


class MetadataIndex:
    """Look-ups into a metadata package by UID, code, name or a unique attribute."""

    def __init__(self, package: dict[str, Any], default_combo: str, default_category_combo: str) -> None:
        self.by_uid: dict[str, dict[str, dict[str, Any]]] = {t: {} for t in _TYPES}
        self.by: dict[tuple[str, str], dict[str, dict[str, Any]]] = defaultdict(dict)
        for otype in _TYPES:
            for obj in package.get(otype) or []:
                if isinstance(obj, dict) and obj.get("id"):
                    self._add(otype, obj)
        if default_combo not in self.by_uid["categoryOptionCombos"]:  # the server's built-in default combo
            self._add("categoryOptionCombos", {"id": default_combo, "code": "default", "name": "default",
                                               "categoryCombo": {"id": default_category_combo}})
        self.default_combo = default_combo
        self.combos: dict[str, set[str]] = defaultdict(set)  # category combo uid → option combo uids
        for coc in self.by_uid["categoryOptionCombos"].values():
            self.combos[(coc.get("categoryCombo") or {}).get("id", "")].add(coc["id"])
        for cc in package.get("categoryCombos") or []:
            for coc in cc.get("categoryOptionCombos") or []:
                self.combos[cc.get("id", "")].add(coc.get("id", ""))
        self.data_sets_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
        # Membership as sets: a province's payload has hundreds of thousands of values, its data sets thousands of
        # org units; scanning the lists for each value would take minutes.
        self.ds_elements: dict[str, set[str]] = {}
        self.ds_units: dict[str, set[tuple[str, str]]] = {}
        for ds in self.by_uid["dataSets"].values():
            self.ds_elements[ds["id"]] = set()
            for dse in ds.get("dataSetElements") or []:
                de = (dse.get("dataElement") or {}).get("id", "")
                self.data_sets_of[de].append(ds)
                self.ds_elements[ds["id"]].add(de)
            self.ds_units[ds["id"]] = {("id", r["id"]) if r.get("id") else ("code", str(r.get("code")))
                                       for r in ds.get("organisationUnits") or [] if isinstance(r, dict)}

    def _add(self, otype: str, obj: dict[str, Any]) -> None:
        self.by_uid[otype][obj["id"]] = obj
        for key in ("code", "name"):
            if obj.get(key):
                self.by[(otype, key.upper())][str(obj[key])] = obj
        for av in obj.get("attributeValues") or []:
            attr = (av.get("attribute") or {}).get("id")
            if attr and av.get("value") is not None:
                self.by[(otype, f"ATTRIBUTE:{attr}".upper())][str(av["value"])] = obj

    def find(self, otype: str, ident: Any, scheme: str) -> dict[str, Any] | None:
        """The object named `ident` under `scheme` (UID, CODE, NAME, ATTRIBUTE:<uid>)."""
        if not isinstance(ident, str):
            return None
        return self.by_uid[otype].get(ident) if scheme == "UID" else self.by[(otype, scheme)].get(ident)

    def find_any(self, otype: str, ident: Any) -> dict[str, Any] | None:
        """The object named `ident` under any scheme (to explain a scheme the payload got wrong)."""
        for scheme in ("UID", "CODE", "NAME"):
            obj = self.find(otype, ident, scheme)
            if obj is not None:
                return obj
        return None

    def in_data_set(self, ds: dict[str, Any], ou: dict[str, Any]) -> bool:
        """Whether the data set is assigned to the org unit (by UID, or by code for a reference by code)."""
        units = self.ds_units.get(ds["id"], set())
        return ("id", ou["id"]) in units or (bool(ou.get("code")) and ("code", str(ou["code"])) in units)


def value_fits(value: str, value_type: str) -> bool:
    """Whether DHIS2 accepts `value` (text) for a data element of `value_type`."""
    v = value.strip()
    if value_type in ("INTEGER", "INTEGER_POSITIVE", "INTEGER_NEGATIVE", "INTEGER_ZERO_OR_POSITIVE"):
        if not _INT.match(v):
            return False
        n = int(v)
        return {"INTEGER": True, "INTEGER_POSITIVE": n > 0, "INTEGER_NEGATIVE": n < 0,
                "INTEGER_ZERO_OR_POSITIVE": n >= 0}[value_type]
    if value_type in ("NUMBER", "PERCENTAGE", "UNIT_INTERVAL"):
        if not _NUMBER.match(v) or len(v) > 250:
            return False
        x = float(v)
        if not math.isfinite(x):
            return False
        return {"NUMBER": True, "PERCENTAGE": 0 <= x <= 100, "UNIT_INTERVAL": 0 <= x <= 1}[value_type]
    if value_type == "BOOLEAN":
        return v.lower() in _BOOLEAN
    if value_type == "TRUE_ONLY":
        return v.lower() == "true"
    if value_type == "DATE":
        try:
            dt.date.fromisoformat(v)
        except ValueError:
            return False
        return bool(re.match(r"^\d{4}-\d{2}-\d{2}$", v))
    if value_type == "TEXT":
        return len(value) <= TEXT_MAX
    if value_type == "LETTER":
        return len(v) == 1 and v.isalpha()
    return True


class _Collect:
    """Problems about one identifier are reported once, with every data value they touch."""

    def __init__(self) -> None:
        self.groups: dict[tuple[Any, ...], list[int]] = {}
        self.info: dict[tuple[Any, ...], tuple[str, str | None, dict[str, Any]]] = {}
        self.single: list[Problem] = []

    def group(self, code: str, dhis2: str | None, key: tuple[Any, ...], index: int, **params: Any) -> None:
        k = (code, *key)
        self.groups.setdefault(k, []).append(index)
        self.info.setdefault(k, (code, dhis2, params))

    def one(self, code: str, dhis2: str | None, index: int, **params: Any) -> None:
        self.single.append(Problem(code, (index,), dhis2, params))

    def problems(self) -> list[Problem]:
        out = [Problem(c, tuple(self.groups[k]), d, {**p, "count": len(self.groups[k])})
               for k, (c, d, p) in self.info.items()]
        return out + self.single


def check_payload(payload: dict[str, Any], package: dict[str, Any], *, default_combo: str,
                  default_category_combo: str, origins: list[Origin] | None = None,
                  form: Form | None = None) -> list[Problem]:
    """Every problem DHIS2's import would find in `payload` against `package` (the form, with the origins, adds the
    double counting DHIS2 cannot see)."""
    idx = MetadataIndex(package, default_combo, default_category_combo)
    values = payload.get("dataValues")
    if not isinstance(values, list):
        return [Problem("dhis2-no-data-values")]
    declared = {k: payload.get(k) for k in ("idScheme", "dataElementIdScheme", "orgUnitIdScheme",
                                            "categoryOptionComboIdScheme", "dataSetIdScheme") if payload.get(k)}
    general = _scheme(declared.get("idScheme"))
    schemes = {"dataElements": _scheme(declared.get("dataElementIdScheme") or general),
               "organisationUnits": _scheme(declared.get("orgUnitIdScheme") or general),
               "categoryOptionCombos": _scheme(declared.get("categoryOptionComboIdScheme") or general),
               "dataSets": _scheme(declared.get("dataSetIdScheme") or general)}
    out = _Collect()
    not_uid: set[int] = set()  # data values naming something by what is not a UID, with no scheme declared

    def resolve(otype: str, ident: Any, i: int) -> dict[str, Any] | None:
        obj = idx.find(otype, ident, schemes[otype])
        if obj is not None:
            return obj
        if not declared and not is_uid(ident):
            not_uid.add(i)
        alt = idx.find_any(otype, ident)
        if alt is not None and declared:
            out.group("dhis2-id-scheme-mismatch", None, (otype,), i, object_type=otype,
                      declared=schemes[otype], ident=str(ident))
        return alt

    ds = None
    if payload.get("dataSet") is not None:
        ds = resolve("dataSets", payload["dataSet"], -1)
        if ds is None:
            out.group("dhis2-unknown-data-set", "E7600", (str(payload["dataSet"]),), -1, ident=str(payload["dataSet"]))
    seen: dict[tuple[Any, ...], int] = {}
    for i, dv in enumerate(values):
        if not isinstance(dv, dict):
            out.one("dhis2-empty-value", "E7618", i, element="?")
            continue
        de_id, ou_id, coc_id, pe = dv.get("dataElement"), dv.get("orgUnit"), dv.get("categoryOptionCombo"), \
            dv.get("period")
        de = resolve("dataElements", de_id, i)
        if de is None:
            out.group("dhis2-unknown-data-element", "E7610", (str(de_id),), i, element=str(de_id))
        ou = resolve("organisationUnits", ou_id, i)
        if ou is None:
            out.group("dhis2-unknown-org-unit", "E7612", (str(ou_id),), i, org_unit=str(ou_id))
        coc = idx.by_uid["categoryOptionCombos"][idx.default_combo] if coc_id in (None, "") \
            else resolve("categoryOptionCombos", coc_id, i)
        if coc is None:
            out.group("dhis2-unknown-combo", "E7613", (str(coc_id),), i, combo=str(coc_id))
        ptype = period_type(pe)
        if ptype is None:
            out.group("dhis2-invalid-period", "E7611", (str(pe),), i, period=str(pe))
        if de is not None and coc is not None:
            cc = (de.get("categoryCombo") or {}).get("id", default_category_combo)
            if coc["id"] not in idx.combos.get(cc, set()):
                out.group("dhis2-combo-not-in-element", "E7634", (de["id"], coc["id"]), i, element=str(de_id),
                          combo=str(coc_id or coc.get("name", "default")))
        value = dv.get("value")
        if value is None or (isinstance(value, str) and not value.strip()):
            if not dv.get("comment"):
                out.one("dhis2-empty-value", "E7618", i, element=str(de_id))
        elif de is not None and not value_fits(str(value), str(de.get("valueType", "TEXT"))):
            out.one("dhis2-value-type", "E7619", i, element=str(de_id), value_type=str(de.get("valueType")),
                    value=str(value))
        if de is not None and ptype is not None:
            _data_sets(out, idx, ds, de, ou, ptype, i, str(de_id), str(ou_id), str(pe))
        key = (de["id"] if de else de_id, coc["id"] if coc else coc_id, ou["id"] if ou else ou_id, pe,
               dv.get("attributeOptionCombo"))
        if key in seen:
            out.one("dhis2-duplicate-value", None, i, element=str(de_id), org_unit=str(ou_id), period=str(pe),
                    first=seen[key])
        else:
            seen[key] = i
    problems = out.problems()
    if not_uid:
        problems.insert(0, Problem("dhis2-id-scheme-missing", tuple(sorted(not_uid)), None, {"count": len(not_uid)}))
    # A value whose data element is known was checked against its value type; the others are compared together.
    known = {i for i, dv in enumerate(values) if isinstance(dv, dict)
             and idx.find_any("dataElements", dv.get("dataElement")) is not None}
    problems += mixed_types(values, skip=known)
    if origins is not None and form is not None and len(origins) == len(values):
        problems += double_counting(values, origins, form)
    return problems


def _data_sets(out: _Collect, idx: MetadataIndex, ds: dict[str, Any] | None, de: dict[str, Any],
               ou: dict[str, Any] | None, ptype: str, i: int, de_id: str, ou_id: str, pe: str) -> None:
    """The data set rules: period type, element membership, org unit assignment."""
    if ds is not None:
        if ds.get("periodType") != ptype:
            out.group("dhis2-period-type", "E7632", (pe, ds["id"]), i, period=pe, period_type=ptype,
                      expected=str(ds.get("periodType")), element=de_id)
        if de["id"] not in idx.ds_elements.get(ds["id"], set()):
            out.group("dhis2-not-in-data-set", "E7633", (de["id"], ds["id"]), i, element=de_id,
                      data_set=str(ds.get("code") or ds["id"]))
        if ou is not None and not idx.in_data_set(ds, ou):
            out.group("dhis2-org-unit-not-assigned", "E7636", (ou["id"], ds["id"]), i, org_unit=ou_id,
                      element=de_id, data_set=str(ds.get("code") or ds["id"]))
        return
    sets = idx.data_sets_of.get(de["id"], [])
    fitting = [d for d in sets if d.get("periodType") == ptype]
    if not fitting:
        out.group("dhis2-period-type", "E7632", (pe, de["id"]), i, period=pe, period_type=ptype,
                  expected=", ".join(sorted({str(d.get("periodType")) for d in sets})) or "–", element=de_id)
    elif ou is not None and not any(idx.in_data_set(d, ou) for d in fitting):
        out.group("dhis2-org-unit-not-assigned", "E7636", (ou["id"], ptype), i, org_unit=ou_id, element=de_id,
                  data_set=", ".join(str(d.get("code") or d["id"]) for d in fitting))


def offline_check(project: Project, mapping: Mapping, payload: dict[str, Any], package: dict[str, Any] | None = None,
                  origins: list[Origin] | None = None, name: str = "dataValueSets") -> list[Finding]:
    """The findings of `payload` against `package` (default: the package this mapping generates), at the cells the
    values came from when `origins` are given."""
    if package is None:
        package = metadata_package(project, mapping)
    problems = check_payload(payload, package, default_combo=mapping.config.default_combo,
                             default_category_combo=mapping.config.default_category_combo, origins=origins,
                             form=project.form)
    severities = {code: msg.severity for code, msg in project.form.messages.items()}
    return to_findings(problems, origins, name, severities)
