"""The DHIS2 payload against its metadata package: the demo's passes the offline check; one built with the old
mistakes fails it with a finding per problem, at the cells; and what DHIS2 would add up equals the dataset."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from xl_bdg.dataset import Dataset
from xl_bdg.exchange.check import check_payload, offline_check, value_fits
from xl_bdg.exchange.mapping import build_mapping
from xl_bdg.exchange.metadata import metadata_package
from xl_bdg.exchange.notation import period_type
from xl_bdg.exchange.payload import Origin, build_payload, read_origins, write_payload
from xl_bdg.form.layout import layout_for
from xl_bdg.form.project import Project


@pytest.fixture(scope="module")
def season(project: Project, sample) -> dict[str, Any]:
    mapping = build_mapping(project)
    return {"mapping": mapping, "built": build_payload(project, sample.dataset, mapping),
            "package": metadata_package(project, mapping), "ds": sample.dataset}


def test_the_demo_payload_passes_the_offline_check(project, season):
    built = season["built"]
    assert built.payload["dataValues"] and built.findings == []
    assert {built.payload[k] for k in ("idScheme", "dataElementIdScheme", "orgUnitIdScheme",
                                       "categoryOptionComboIdScheme")} == {"UID"}
    assert offline_check(project, season["mapping"], built.payload, season["package"], built.origins) == []
    assert len(built.origins) == len(built.payload["dataValues"])
    # every value is the dataset's cell value, and its comment names that cell
    for dv, origin in zip(built.payload["dataValues"], built.origins, strict=True):
        assert f"{origin.source.sheet}!{origin.source.cell}" in dv["comment"]
        assert season["ds"].unit_sources.get((origin.source.unit, origin.key), origin.source) == origin.source


def _numeric(package: dict[str, Any]) -> dict[str, str]:
    return {de["id"]: de["valueType"] for de in package["dataElements"]}


def _dhis2_sums(payload: dict[str, Any], package: dict[str, Any]) -> dict[tuple[str, str, str], float]:
    """What DHIS2 shows for a data element in an org unit: every option combo added; also per combo."""
    types = _numeric(package)
    sums: dict[tuple[str, str, str], float] = defaultdict(float)
    for dv in payload["dataValues"]:
        vt = types[dv["dataElement"]]
        if vt == "BOOLEAN":
            value = 1.0 if dv["value"] == "true" else 0.0
        elif vt in ("TEXT", "DATE"):
            continue
        else:
            value = float(dv["value"])
        sums[(dv["dataElement"], dv["orgUnit"], "")] += value
        sums[(dv["dataElement"], dv["orgUnit"], dv.get("categoryOptionCombo", "default"))] += value
    return sums


def test_what_dhis2_adds_up_per_org_unit_equals_the_dataset(project, season):
    """For each unit: the total DHIS2 makes of a data element (all its combos added) is the form's own figure — the
    total of a sum_eq check for the element of its parts, the field itself for any other element."""
    m, ds, package = season["mapping"], season["ds"], season["package"]
    sums = _dhis2_sums(season["built"].payload, package)
    checked = 0
    for unit in {u for u, _ in ds.unit_sources}:
        ou = m.org_unit_ident(unit)
        for ind in project.form.indicators:
            for f in ind.fields:
                slot = m.slots.get((ds.period.kind, ind.key(f.id)))
                fig = ds.figure(ind.code, f.id, unit)
                if slot is None or fig is None or slot.element.value_type in ("TEXT", "DATE", "BOOLEAN"):
                    continue
                shape = next((c for c in ind.checks if c.rule == "sum_eq" and f.id in c.params["parts"]), None)
                if shape is not None and slot.combo is not None:  # an option: DHIS2's element total is the form's
                    # total (a part that is no category's option, STAFF_01.FT_M, is an element of its own)
                    expected = ds.figure(ind.code, shape.params["total"], unit)
                    assert expected is not None
                    assert sums[(slot.element.obj.uid, ou, "")] == pytest.approx(expected.value), (unit, ind.code)
                    assert sums[(slot.element.obj.uid, ou, slot.combo.uid)] == pytest.approx(fig.value)
                elif slot.combo is None:
                    assert sums[(slot.element.obj.uid, ou, "")] == pytest.approx(fig.value), (unit, ind.key(f.id))
                checked += 1
        for (scope, source, col), value in ds.budget.items():
            if scope == unit:
                slot = m.slots[(ds.period.kind, f"{project.form.budget.code}|{source}|{col}")]
                assert sums[(slot.element.obj.uid, ou, slot.combo.uid)] == pytest.approx(value)
    assert checked > 100


def _value(expr: str, sums: dict[tuple[str, str, str], float], units: list[str]) -> float:
    """An indicator expression `#{de}` or `#{de.coc}` over the given org units (as DHIS2 aggregates up the tree)."""
    de, _, coc = re.fullmatch(r"#\{([^}]+)\}", expr).group(1).partition(".")  # type: ignore[union-attr]
    return sum(sums.get((de, ou, coc), 0.0) for ou in units)


def test_at_the_province_the_elements_and_the_indicators_give_the_dataset_figures(project, season):
    m, ds, package = season["mapping"], season["ds"], season["package"]
    sums = _dhis2_sums(season["built"].payload, package)
    units = sorted({m.org_unit_ident(u) for u, _ in ds.unit_sources})
    for ind in project.form.indicators:
        for f in ind.fields:
            slot = m.slots.get((ds.period.kind, ind.key(f.id)))
            fig = ds.figure(ind.code, f.id)
            if slot is None or fig is None or fig.value is None:
                continue
            coc = slot.combo.uid if slot.combo else "default"
            total = sum(sums.get((slot.element.obj.uid, ou, coc), 0.0) for ou in units)
            if fig.agg in ("sum", "stock"):
                assert total == pytest.approx(fig.value), ind.key(f.id)
            elif fig.agg == "share":  # true counts 1: the sum is the units answering yes
                assert total == fig.numerator
    for ratio in m.ratios:
        fig = ds.figure(ratio.indicator)
        if ratio.kind != ds.period.kind or fig is None or fig.value is None or fig.agg != "ratio":
            continue
        num, den = _value(ratio.numerator, sums, units), _value(ratio.denominator, sums, units)
        assert num / den * ratio.factor == pytest.approx(fig.value), ratio.indicator


def old_payload(ds: Dataset, project: Project) -> tuple[dict[str, Any], list[Origin]]:
    """What the first export wrote (before this stage existed): codes without idScheme, the form's field ids as
    option combos, every field of an indicator in one data element, the project's unit mnemonics as org units."""
    form = project.form
    yes = form.lists["yesno"].values[0]
    bool_keys = {i.key(f.id) for i in form.indicators for f in i.fields if f.type == "yesno"}
    pe = {"FY": "{year}", "H1": "{year}S1", "AM": "{year}06B"}[ds.period.kind].format(year=ds.period.year)
    values, origins = [], []
    for (unit, key), src in sorted(ds.unit_sources.items()):
        code, _, fid = key.partition(".")
        fid = fid or form.indicator(code).fields[0].id
        value = ("true" if src.value == yes else "false") if key in bool_keys else \
            str(int(src.value)) if isinstance(src.value, float) and src.value.is_integer() else str(src.value)
        values.append({"dataElement": code, "categoryOptionCombo": fid, "orgUnit": unit, "period": pe,
                       "value": value, "comment": f"{src.sheet}!{src.cell}"})
        origins.append(Origin(key, code, fid, src))
    return {"dataValues": values}, origins


def test_the_old_payload_fails_with_a_finding_per_problem_at_its_cells(project, season):
    ds = season["ds"]
    payload, origins = old_payload(ds, project)
    findings = offline_check(project, season["mapping"], payload, season["package"], origins)
    codes = {f.code for f in findings}
    assert {"dhis2-id-scheme-missing", "dhis2-unknown-org-unit", "dhis2-unknown-data-element", "dhis2-unknown-combo",
            "dhis2-total-beside-parts", "dhis2-overlapping-combos", "dhis2-numerator-beside-denominator",
            "dhis2-mixed-value-types"} <= codes
    assert all(f.severity == "error" for f in findings)
    lay, sheet = layout_for(project.form), project.form.sheet_title("indicators")
    units = {u for u, _ in ds.unit_sources}
    # one finding per unit and indicator whose total was sent beside its parts, at the total's cell
    expected = set()
    for unit in units:
        for ind in project.form.indicators:
            for c in ind.checks:
                have = {fid for fid in (c.params.get("total"), *c.params.get("parts", ()))
                        if (unit, ind.key(fid)) in ds.unit_sources}
                if c.rule == "sum_eq" and c.params["total"] in have and len(have) > 1:
                    expected.add((unit, ind.key(c.params["total"])))
    got = {(f.params["total"], f.cell) for f in findings if f.code == "dhis2-total-beside-parts"}
    assert {(key, lay.indicator_cell(key)) for _, key in expected} == got
    assert len([f for f in findings if f.code == "dhis2-total-beside-parts"]) == len(expected)
    for f in findings:
        if f.code in ("dhis2-overlapping-combos", "dhis2-numerator-beside-denominator"):
            assert f.sheet == sheet and f.cell == lay.indicator_cell(f.params["part"])
    # every unit mnemonic is named once as an unknown org unit
    assert {f.params["org_unit"] for f in findings if f.code == "dhis2-unknown-org-unit"} == units
    # one data element mixing yes/no with numbers or text: named by the indicators with such fields
    mixed = {f.params["element"] for f in findings if f.code == "dhis2-mixed-value-types"}
    assert mixed == {i.code for i in project.form.indicators if any(f.type == "yesno" for f in i.fields)
                     and len(i.fields) > 1 and any((u, i.key(i.fields[0].id)) in ds.unit_sources for u in units)}
    scheme = next(f for f in findings if f.code == "dhis2-id-scheme-missing")
    assert scheme.params["count"] == len(payload["dataValues"])


def test_each_thing_dhis2_would_refuse_is_a_problem_with_its_code(project, season):
    built, package, m = season["built"], season["package"], season["mapping"]
    good = built.payload
    cfg = m.config
    idx = next(i for i, dv in enumerate(good["dataValues"]) if "categoryOptionCombo" in dv)
    num = next(i for i, dv in enumerate(good["dataValues"]) if dv["value"].isdigit() and i != idx)
    other_de = next(dv["dataElement"] for dv in good["dataValues"] if "categoryOptionCombo" not in dv)

    def broken(changes: dict[tuple[int, str], Any]) -> dict[str, Any]:
        doc = json.loads(json.dumps(good))
        for (i, key), value in changes.items():
            doc["dataValues"][i][key] = value
        return doc

    cases = [
        ({(num, "value"): "1.234"}, "dhis2-value-type", "E7619"),
        ({(num, "value"): "-3"}, "dhis2-value-type", "E7619"),
        ({(num, "value"): ""}, "dhis2-empty-value", None),  # has a comment: DHIS2 keeps it (a comment only)
        ({(num, "period"): "2026Q5"}, "dhis2-invalid-period", "E7611"),
        ({(num, "period"): "2026S1"}, "dhis2-period-type", "E7632"),
        ({(num, "orgUnit"): "Abcdefghij1"}, "dhis2-unknown-org-unit", "E7612"),
        ({(num, "dataElement"): "Abcdefghij1"}, "dhis2-unknown-data-element", "E7610"),
        ({(idx, "categoryOptionCombo"): "Abcdefghij1"}, "dhis2-unknown-combo", "E7613"),
        ({(idx, "dataElement"): other_de}, "dhis2-combo-not-in-element", "E7634"),
    ]
    for change, code, dhis2 in cases:
        problems = check_payload(broken(change), package, default_combo=cfg.default_combo,
                                 default_category_combo=cfg.default_category_combo)
        if dhis2 is None:
            assert not any(p.code == code for p in problems)
            continue
        hit = [p for p in problems if p.code == code]
        assert hit and hit[0].dhis2 == dhis2, (change, problems)
    twice = json.loads(json.dumps(good))
    twice["dataValues"].append(dict(twice["dataValues"][num]))
    found = check_payload(twice, package, default_combo=cfg.default_combo,
                          default_category_combo=cfg.default_category_combo)
    assert [p.code for p in found] == ["dhis2-duplicate-value"]
    codes = json.loads(json.dumps(good))
    codes["idScheme"] = "CODE"
    for k in ("dataElementIdScheme", "categoryOptionComboIdScheme", "dataSetIdScheme"):
        codes.pop(k)
    assert {p.code for p in check_payload(codes, package, default_combo=cfg.default_combo,
                                          default_category_combo=cfg.default_category_combo)} \
        == {"dhis2-id-scheme-mismatch"}


def test_a_payload_file_is_checked_with_its_provenance_or_at_its_indexes(project, season, tmp_path):
    built = season["built"]
    types = _numeric(season["package"])
    doc = json.loads(json.dumps(built.payload))
    i = next(i for i, dv in enumerate(doc["dataValues"]) if types[dv["dataElement"]] == "INTEGER_ZERO_OR_POSITIVE")
    doc["dataValues"][i]["value"] = "không phải số"
    path = write_payload(built, tmp_path / "p.json")[0]
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    origins = read_origins(path, len(doc["dataValues"]))
    assert origins == built.origins
    found = offline_check(project, season["mapping"], doc, season["package"], origins, str(path))
    src = built.origins[i].source
    assert [(f.code, f.file, f.sheet, f.cell) for f in found] == [("dhis2-value-type", src.file, src.sheet, src.cell)]
    Path(str(path).replace(".json", ".provenance.json")).unlink()
    assert read_origins(path, len(doc["dataValues"])) is None
    bare = offline_check(project, season["mapping"], doc, season["package"], None, str(path))
    assert all(f.file == str(path) and (f.sheet or "").startswith("dataValues[") for f in bare)


@pytest.mark.parametrize(("value", "vt", "ok"), [
    ("12", "INTEGER_ZERO_OR_POSITIVE", True), ("0", "INTEGER_ZERO_OR_POSITIVE", True),
    ("-1", "INTEGER_ZERO_OR_POSITIVE", False), ("1.5", "INTEGER_ZERO_OR_POSITIVE", False),
    ("1.234.567", "NUMBER", False), ("1e5", "NUMBER", False), ("1234567.5", "NUMBER", True),
    ("true", "BOOLEAN", True), ("FALSE", "BOOLEAN", True), ("Có", "BOOLEAN", False), ("0", "BOOLEAN", True),
    ("2026-11-15", "DATE", True), ("15/11/2026", "DATE", False), ("2026-02-30", "DATE", False),
    ("100", "PERCENTAGE", True), ("101", "PERCENTAGE", False), ("Số 12/KH", "TEXT", True),
])
def test_value_types_as_dhis2_documents_them(value, vt, ok):
    assert value_fits(value, vt) is ok


@pytest.mark.parametrize(("text", "kind"), [
    ("2026", "Yearly"), ("2026S1", "SixMonthly"), ("202606B", "BiMonthly"), ("202607B", None), ("2026Q4", "Quarterly"),
    ("202611", "Monthly"), ("202613", None), ("20261115", "Daily"), ("20260230", None), ("2026W53", "Weekly"),
    ("2026April", "FinancialApril"), ("2026AprilS2", "SixMonthlyApril"), ("2026-FY", None), ("2026BiW3", "BiWeekly"),
])
def test_period_notations(text, kind):
    assert period_type(text) == kind


def test_a_total_whose_parts_are_missing_is_a_warning_at_its_cell(project, make_workbook, tmp_path):
    import datetime as dt

    from xl_bdg.aggregation.combine import aggregate
    from xl_bdg.ledger.intake import intake
    from xl_bdg.ledger.store import Ledger

    unit = project.registry.get("SO-YTE")
    ind = next(i for i in project.form.indicators if any(c.rule == "sum_eq" for c in i.checks)
               and i.applies(unit.code, unit.kind, "FY"))
    check = next(c for c in ind.checks if c.rule == "sum_eq")
    total, part = ind.key(check.params["total"]), ind.key(check.params["parts"][-1])

    def edit(data: dict[str, Any]) -> None:
        data["indicators"].pop(part)  # the total is there, one of its parts is not: validation cannot add them up

    path = make_workbook(unit.code, "2026-FY", edit=edit)
    with Ledger(tmp_path / "l.sqlite") as led:
        intake(led, [path], project, received_at=dt.datetime(2026, 11, 1))
        ds = aggregate(project, led, project.period("2026-FY"))
    built = build_payload(project, ds, build_mapping(project))
    lay = layout_for(project.form)
    warn = [f for f in built.findings if f.code == "dhis2-total-not-sent"]
    assert [(f.severity, f.cell, f.params["key"]) for f in warn] == [("warning", lay.indicator_cell(total), total)]
    others = [ind.key(p) for p in check.params["parts"] if ind.key(p) != part]
    assert warn[0].params["sent"] == sum(ds.unit_values[(unit.code, k)] for k in others)
