"""Exports of the province dataset: a long table (CSV, Parquet) and the dataset as JSON (DHIS2: xl_bdg.exchange).

The long table has one row per value a unit reported (indicators, then budget), with where it came from:
unit, period, indicator, field, value (numbers), value_text (yes/no, text, dates), sheet, cell, sha256.
CSV is UTF-8 with a BOM, so Excel on Vietnamese Windows opens it with the diacritics intact.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

from ..dataset import Dataset, Source
from ..fileio import atomic_path
from ..form.definition import Form
from ..sanitize import csv_field

COLUMNS = ("unit", "period", "indicator", "field", "value", "value_text", "sheet", "cell", "sha256")


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
    """The long table as CSV (UTF-8 with BOM, comma-separated, header row), written atomically; text that a
    spreadsheet would run as a formula starts with an apostrophe, as in the annex, and control characters are
    dropped."""
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        # Text from units' files is untrusted: `=HYPERLINK(…)` typed into a text indicator must open as text.
        writer.writerow({k: ("" if row[k] is None else csv_field(row[k])) for k in COLUMNS})
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
