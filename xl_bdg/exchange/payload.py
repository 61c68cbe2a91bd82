"""The DHIS2 `dataValueSets` payload of a period, with where every value came from.

Format: dhis2-docs developer/web-api/data.md, "Sending bulks of data values": one data value per reported cell,
each with its data element, option combo (left out for the default combo), org unit, period and value. The payload
declares its identifier schemes (`idScheme`, `dataElementIdScheme`, `orgUnitIdScheme`, `categoryOptionComboIdScheme`,
`dataSetIdScheme`; "Id schemes defined in the XML or JSON payload take precedence over id schemes defined as URL
query parameters"): without them DHIS2 reads every identifier as a UID. Values are text in the value type's form:
BOOLEAN `true`/`false` (the first value of the form's yes/no list is yes), numbers without thousands separators or
exponent, dates `yyyy-MM-dd`. Each value's comment names its cell, so a DHIS2 user sees where a figure came from.

The provenance (which form value and cell each data value came from) is a list beside the payload, written to
`<payload>.provenance.json` next to it: the checker and the push map their findings back to cells through it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..dataset import Dataset, Source
from ..fileio import write_text_atomic
from ..findings import Finding
from ..form.project import Project
from ..sanitize import dumps
from .mapping import Mapping, Slot, budget_key

SCHEME_KEYS = ("idScheme", "dataElementIdScheme", "categoryOptionComboIdScheme", "dataSetIdScheme")
INTEGER_TYPES = {"INTEGER", "INTEGER_POSITIVE", "INTEGER_NEGATIVE", "INTEGER_ZERO_OR_POSITIVE"}


@dataclass(frozen=True)
class Origin:
    """Where one data value came from: the form value's key (COMM_06.F, COMM_01, or BUD_01|source|column) and
    its cell."""

    key: str
    indicator: str
    field: str
    source: Source


@dataclass
class Built:
    """A payload, the origin of each of its data values (same order), and what could not be sent."""

    payload: dict[str, Any]
    origins: list[Origin]
    findings: list[Finding] = field(default_factory=list)


def dhis2_value(value: Any, value_type: str, yes: str | None = None, no: str | None = None) -> str | None:
    """A form value as DHIS2 text for `value_type`, or None when it cannot be one (an unknown yes/no answer)."""
    if value is None:
        return None
    if value_type in ("BOOLEAN", "TRUE_ONLY"):
        if isinstance(value, bool):
            return "true" if value else "false"
        text = str(value).strip()
        return "true" if text == yes else "false" if text == no else None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.date().isoformat() if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value_type in INTEGER_TYPES and float(value).is_integer():
            return str(int(value))
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")  # never an exponent: DHIS2 refuses scientific notation
    return str(value)


def _comment(src: Source) -> str:
    return f"{src.sheet}!{src.cell} {Path(src.file).name} sha256:{src.sha256[:12]}"


def build_payload(project: Project, dataset: Dataset, mapping: Mapping) -> Built:
    """The payload of every value the dataset's units reported in its period, mapped through `mapping`."""
    form, per, kind = project.form, dataset.period, dataset.period.kind
    yesno = form.lists.get("yesno")
    yes, no = (yesno.values[0], yesno.values[1]) if yesno is not None and len(yesno.values) > 1 else (None, None)
    pe = mapping.period(per)
    rows: list[tuple[tuple[str, int, str], dict[str, Any], Origin]] = []
    position = {code: i for i, code in enumerate(mapping.elements)}  # the form's order, within each org unit
    findings: list[Finding] = []

    def add(unit: str, key: str, indicator: str, fid: str, slot: Slot, src: Source) -> None:
        ou = mapping.org_unit_ident(unit)
        value = dhis2_value(src.value, slot.element.value_type, yes, no)
        if ou is None or value is None:
            return
        item: dict[str, Any] = {"dataElement": mapping.ident(slot.element.obj)}
        if slot.combo is not None:
            item["categoryOptionCombo"] = mapping.ident(slot.combo)
        item.update({"orgUnit": ou, "period": pe, "value": value, "comment": _comment(src)})
        order = (ou, position[slot.element.obj.code], slot.combo.code if slot.combo else "")
        rows.append((order, item, Origin(key, indicator, fid, src)))

    for (unit, key), src in dataset.unit_sources.items():
        code, _, fid = key.partition(".")
        fid = fid or form.indicator(code).fields[0].id
        slot = mapping.slots.get((kind, key))
        if slot is not None:
            add(unit, key, code, fid, slot, src)
        elif (kind, key) in mapping.absorbed:
            findings.extend(_total_check(dataset, mapping, unit, key, src))
    for (unit, source, col), src in dataset.budget_sources.items():
        bkey = budget_key(form.budget.code, source, col)
        slot = mapping.slots.get((kind, bkey))
        if slot is not None:
            add(unit, bkey, form.budget.code, f"{source}|{col}", slot, src)
    rows.sort(key=lambda r: r[0])
    payload: dict[str, Any] = {key: mapping.config.id_scheme for key in SCHEME_KEYS}
    payload["orgUnitIdScheme"] = mapping.config.org_unit_id_scheme
    if kind in mapping.data_sets:
        payload["dataSet"] = mapping.ident(mapping.data_sets[kind].obj)
    payload["dataValues"] = [item for _, item, _ in rows]
    return Built(payload, [origin for _, _, origin in rows], findings)


def _total_check(dataset: Dataset, mapping: Mapping, unit: str, key: str, src: Source) -> list[Finding]:
    """A total is not sent (DHIS2 adds the combos): warn when the parts sent do not add up to it."""
    element = mapping.absorbed[(dataset.period.kind, key)]
    code = key.partition(".")[0]
    parts = [dataset.unit_values.get((unit, f"{code}.{fid}")) for fid in element.fields]
    numbers = [p for p in parts if isinstance(p, (int, float)) and not isinstance(p, bool)]
    total = src.value
    if not isinstance(total, (int, float)) or (len(numbers) == len(parts) and sum(numbers) == total):
        return []
    return [Finding(code="dhis2-total-not-sent", severity="warning", file=src.file, sheet=src.sheet, cell=src.cell,
                    value=total, params={"key": key, "sent": sum(numbers), "element": element.obj.code})]


def provenance_path(payload_path: Path) -> Path:
    """Where the provenance of a payload file lives: `X_dhis2.json` → `X_dhis2.provenance.json`."""
    return payload_path.with_name(payload_path.stem + ".provenance.json")


def _origin_dict(origin: Origin) -> dict[str, Any]:
    src = {k: (v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v) for k, v in asdict(origin.source).items()}
    return {"key": origin.key, "indicator": origin.indicator, "field": origin.field, **src}


def write_payload(built: Built, target: Path) -> list[Path]:
    """The payload (UTF-8 JSON) and its provenance beside it, both written atomically; return both paths."""
    write_text_atomic(target, dumps(built.payload, indent=1) + "\n")
    side = provenance_path(target)
    write_text_atomic(side, dumps([_origin_dict(o) for o in built.origins], indent=1) + "\n")
    return [target, side]


def read_origins(payload_path: Path, count: int) -> list[Origin] | None:
    """The provenance written beside a payload file, or None when there is none or it does not fit the payload."""
    side = provenance_path(payload_path)
    if not side.exists():
        return None
    try:
        raw = json.loads(side.read_text(encoding="utf-8"))
        origins = [Origin(r["key"], r["indicator"], r["field"],
                          Source(r["unit"], r["sha256"], r["file"], r["sheet"], r["cell"], r["value"])) for r in raw]
    except (ValueError, KeyError, TypeError):
        return None
    return origins if len(origins) == count else None
