"""Exports: the long table (CSV with BOM, Parquet) and the dataset as JSON (DHIS2: tests/test_exchange_*.py)."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pyarrow.parquet as pq
import pytest

from xl_bdg.aggregation.combine import aggregate
from xl_bdg.aggregation.export import COLUMNS, dataset_to_dict, long_rows, write_csv, write_parquet
from xl_bdg.fileio import sha256_file
from xl_bdg.ledger.intake import intake
from xl_bdg.ledger.store import Ledger
from xl_bdg.reading.reader import read_submission


@pytest.fixture(scope="module")
def exported(project, tmp_path_factory):
    from xl_bdg.sample.synth import synthesize
    from xl_bdg.workbook.fill import fill_workbook
    from xl_bdg.workbook.template import write_template

    base = tmp_path_factory.mktemp("export")
    per = project.period("2026-FY")
    files = []
    for code in ("XA-EAKAO", "SO-YTE"):
        unit = project.registry.get(code)
        tpl = write_template(project, unit, per, base / "tpl")
        files.append(fill_workbook(project.form, tpl, synthesize(project, unit, per), base / "in" / tpl.name))
    with Ledger(base / "ledger.sqlite") as led:
        intake(led, files, project, received_at=dt.datetime(2026, 11, 1))
        ds = aggregate(project, led, per)
    return {"ds": ds, "files": files, "dir": base, "period": per}


def test_long_rows_are_the_values_read_from_the_files(project, exported):
    rows = long_rows(exported["ds"], project.form)
    expected = set()
    for path in exported["files"]:
        sub, _ = read_submission(path, project)
        sha = sha256_file(path)
        for key, cv in sub.indicators.items():
            if cv.value is None:
                continue
            code, _, fid = key.partition(".")
            fid = fid or project.form.indicator(code).fields[0].id
            num = cv.value if isinstance(cv.value, (int, float)) else None
            expected.add((sub.unit_code, "2026-FY", code, fid, num, None if num is not None else str(cv.value),
                          cv.sheet, cv.cell, sha))
        for (source, col), cv in sub.budget.items():
            if cv.value is not None:
                expected.add((sub.unit_code, "2026-FY", project.form.budget.code, f"{source}|{col}", cv.value, None,
                              cv.sheet, cv.cell, sha))
    assert {tuple(r[c] for c in COLUMNS) for r in rows} == expected
    assert len(rows) == len(expected)


def test_csv_has_bom_and_round_trips(project, exported, tmp_path):
    rows = long_rows(exported["ds"], project.form)
    target = write_csv(rows, tmp_path / "out" / "long.csv")
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel on Windows reads UTF-8 only with the BOM
    with target.open(encoding="utf-8-sig", newline="") as fh:
        back = list(csv.DictReader(fh))
    assert list(back[0]) == list(COLUMNS)
    assert back == [{k: "" if r[k] is None else str(r[k]) for k in COLUMNS} for r in rows]
    assert any("Số" in r["value_text"] for r in back)  # Vietnamese text intact
    assert sorted(p.name for p in target.parent.iterdir()) == ["long.csv"]  # no temporary file left


def test_parquet_round_trips(project, exported, tmp_path):
    rows = long_rows(exported["ds"], project.form)
    table = pq.read_table(write_parquet(rows, tmp_path / "long.parquet"))
    assert table.column_names == list(COLUMNS)
    assert str(table.schema.field("value").type) == "double"
    assert table.to_pylist() == [{**r, "value": None if r["value"] is None else float(r["value"])} for r in rows]


def test_dataset_to_dict_is_json(exported):
    ds = exported["ds"]
    data = json.loads(json.dumps(dataset_to_dict(ds, sources=True)))
    assert len(data["figures"]) == len(ds.figures)
    assert data["period"] == "2026-FY" and data["province"] == ds.province
    fig = next(f for f in data["figures"] if f["indicator"] == "COMM_01" and f["field"] is None
               and f["scope"] == ds.province)
    assert fig["value"] == ds.value("COMM_01") and len(fig["sources"]) == 2
