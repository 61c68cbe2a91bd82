"""Exports of the province dataset: a long table (CSV, Parquet), DHIS2 dataValueSets JSON, and the dataset as JSON.

The long table has one row per value a unit reported (indicators, then budget), with where it came from:
unit, period, indicator, field, value (numbers), value_text (yes/no, text, dates), sheet, cell, sha256.
CSV is UTF-8 with a BOM, so Excel on Vietnamese Windows opens it with the diacritics intact.

DHIS2 (`dataValueSets`): dataElement = indicator code (budget: the budget code), categoryOptionCombo = field id
(budget: `<source slug>.<column>`), orgUnit = unit code, all meant for import with idScheme=CODE. Periods in DHIS2
notation: FY → `2026` (Yearly), H1 → `2026S1` (SixMonthly), AM → `202606B` (BiMonthly, bi-month 6 = Nov–Dec: DHIS2 has
no 15/11–15/12 period, and the Action Month lies wholly inside that bi-month). province.yaml may override with
`dhis2: {periods: {AM: "{year}11"}, data_set: CODE}`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

from ..dataset import Dataset, Source
from ..fileio import atomic_path, write_text_atomic
from ..form.definition import Form
from ..periods import Period
from ..text import ascii_slug

COLUMNS = ("unit", "period", "indicator", "field", "value", "value_text", "sheet", "cell", "sha256")
DHIS2_PERIODS = {"FY": "{year}", "H1": "{year}S1", "AM": "{year}06B"}


def _split(value: Any) -> tuple[float | None, str | None]:
    if isinstance(value, bool):
        return None, str(value)
    if isinstance(value, (int, float)):
        return value, None
    if isinstance(value, (dt.date, dt.datetime)):
        return None, value.isoformat()
    return None, None if value is None else str(value)


def long_rows(dataset: Dataset, form: Form) -> list[dict[str, Any]]:
    """One row per reported value, sorted by unit then indicator key (budget rows after the indicators)."""
    rows: list[dict[str, Any]] = []
    for (unit, key), src in sorted(dataset.unit_sources.items()):
        code, _, fid = key.partition(".")
        if not fid:
            fid = form.indicator(code).fields[0].id
        rows.append(_row(dataset.period.code, unit, code, fid, src))
    for (unit, source, col), src in sorted(dataset.budget_sources.items()):
        rows.append(_row(dataset.period.code, unit, form.budget.code, f"{source}|{col}", src))
    return rows


def _row(period: str, unit: str, indicator: str, fid: str, src: Source) -> dict[str, Any]:
    value, text = _split(src.value)
    return {"unit": unit, "period": period, "indicator": indicator, "field": fid, "value": value,
            "value_text": text, "sheet": src.sheet, "cell": src.cell, "sha256": src.sha256}


def write_csv(rows: list[dict[str, Any]], target: Path) -> Path:
    """The long table as CSV (UTF-8 with BOM, comma-separated, header row), written atomically."""
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row[k] is None else row[k]) for k in COLUMNS})
    with atomic_path(target) as tmp:
        tmp.write_bytes(buf.getvalue().encode("utf-8-sig"))
    return target


def write_parquet(rows: list[dict[str, Any]], target: Path) -> Path:
    """The long table as Parquet (value as float64, the rest as strings), written atomically."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([(c, pa.float64() if c == "value" else pa.string()) for c in COLUMNS])
    table = pa.Table.from_pylist([{k: (float(r[k]) if k == "value" and r[k] is not None else r[k]) for k in COLUMNS}
                                  for r in rows], schema=schema)
    with atomic_path(target) as tmp:
        pq.write_table(table, tmp)
    return target


def dhis2_period(period: Period, config: dict[str, Any] | None = None) -> str:
    """The period in DHIS2 notation (see the module docstring); province.yaml `dhis2.periods` may override."""
    pattern = {**DHIS2_PERIODS, **(((config or {}).get("dhis2") or {}).get("periods") or {})}[period.kind]
    return pattern.format(year=period.year)


def _dhis2_value(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def dhis2_payload(dataset: Dataset, form: Form, period: Period, config: dict[str, Any] | None = None
                  ) -> dict[str, Any]:
    """A DHIS2 `dataValueSets` document of every value the units reported (codes as identifiers)."""
    yesno = form.lists.get("yesno")
    bool_keys = {i.key(f.id) for i in form.indicators for f in i.fields if f.type == "yesno"}
    pe = dhis2_period(period, config)
    values: list[dict[str, Any]] = []
    for (unit, key), src in sorted(dataset.unit_sources.items()):
        code, _, fid = key.partition(".")
        fid = fid or form.indicator(code).fields[0].id
        if key in bool_keys and yesno is not None:  # DHIS2 BOOLEAN: the first value of the yes/no list is yes
            value: str | None = "true" if src.value == yesno.values[0] else "false"
        else:
            value = _dhis2_value(src.value)
        values.append({"dataElement": code, "categoryOptionCombo": fid, "orgUnit": unit, "period": pe,
                       "value": value, "comment": f"{src.sheet}!{src.cell} sha256:{src.sha256[:12]}"})
    for (unit, source, col), src in sorted(dataset.budget_sources.items()):
        values.append({"dataElement": form.budget.code, "categoryOptionCombo": f"{ascii_slug(source)}.{col}",
                       "orgUnit": unit, "period": pe, "value": _dhis2_value(src.value),
                       "comment": f"{src.sheet}!{src.cell} sha256:{src.sha256[:12]}"})
    doc: dict[str, Any] = {"dataValues": values}
    data_set = ((config or {}).get("dhis2") or {}).get("data_set")
    if data_set:
        doc = {"dataSet": data_set, **doc}
    return doc


def write_dhis2(dataset: Dataset, form: Form, period: Period, target: Path,
                config: dict[str, Any] | None = None) -> Path:
    """The DHIS2 dataValueSets JSON, written atomically."""
    write_text_atomic(target, json.dumps(dhis2_payload(dataset, form, period, config), ensure_ascii=False, indent=1))
    return target


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (int, float, str, bool)):
        return value
    return str(value)


def dataset_to_dict(dataset: Dataset, *, sources: bool = False) -> dict[str, Any]:
    """The dataset as JSON-ready data (what `aggregate --format json` prints); cell sources only when asked."""
    figures = []
    for fig in dataset.figures.values():
        item: dict[str, Any] = {"indicator": fig.indicator, "field": fig.field, "scope": fig.scope, "value": fig.value,
                "agg": fig.agg, "numerator": fig.numerator, "denominator": fig.denominator, "units": fig.units}
        if sources:
            item["sources"] = [{k: _plain(getattr(s, k)) for k in ("unit", "sha256", "file", "sheet", "cell",
                                                                   "value")} for s in fig.sources]
        figures.append(item)
    return {
        "period": dataset.period.code, "province": dataset.province, "generated_at": dataset.generated_at.isoformat(),
        "figures": figures,
        "budget": [{"scope": s, "source": src, "column": c, "value": v} for (s, src, c), v in dataset.budget.items()],
        "statuses": [{k: _plain(v) for k, v in vars(s).items()} for s in dataset.statuses],
        "activities": len(dataset.activities),
        "warnings": [{"code": w.code, "severity": w.severity, "file": w.file, "sheet": w.sheet, "cell": w.cell,
                      "value": _plain(w.value)} for w in dataset.warnings],
    }
