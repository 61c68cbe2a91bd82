"""The DHIS2 mapping follows the form by the shape of its fields (indicators are found here by shape, never by
name), its identifiers are DHIS2 UIDs that a re-export keeps, and a broken dhis2.yaml is named."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from xl_bdg.errors import FormError
from xl_bdg.exchange.config import load_config
from xl_bdg.exchange.mapping import build_mapping
from xl_bdg.exchange.metadata import metadata_package, write_metadata
from xl_bdg.exchange.uids import derived_uid, is_uid
from xl_bdg.form.definition import Indicator
from xl_bdg.form.project import load_project

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"


def _sum_eq(ind: Indicator) -> tuple[list[str], str] | None:
    check = next((c for c in ind.checks if c.rule == "sum_eq"), None)
    return (list(check.params["parts"]), check.params["total"]) if check else None


def test_a_total_is_not_sent_and_its_parts_are_the_combos_of_one_element(project):
    m = build_mapping(project)
    sex = next(iter(m.categories.values()))
    found = 0
    for ind in project.form.indicators:
        shape = _sum_eq(ind)
        if shape is None or set(shape[0]) != set(sex.options) or "FY" not in ind.periods:
            continue
        parts, total = shape
        found += 1
        slots = [m.slots[("FY", ind.key(p))] for p in parts]
        assert len({s.element.obj.code for s in slots}) == 1            # one data element …
        assert {s.combo.code for s in slots} == {sex.option_combos[p].code for p in parts}  # … one combo per part
        assert ("FY", ind.key(total)) not in m.slots                      # the total is not sent …
        assert m.absorbed[("FY", ind.key(total))] is slots[0].element      # … DHIS2 adds the parts instead
        others = [f for f in ind.fields if f.id not in (*parts, total)]
        for f in others:  # ethnic minority, a yes/no, collectives…: each its own element, default combo
            slot = m.slots[("FY", ind.key(f.id))]
            assert slot.combo is None and slot.element is not slots[0].element
    assert found >= 3, "the form has sex-disaggregated indicators"


def test_a_ratio_is_two_elements_and_a_dhis2_indicator_divides_them(project):
    m = build_mapping(project)
    ratios = [i for i in project.form.indicators if i.agg == "ratio" and "FY" in i.periods]
    assert ratios
    by_code = {(r.indicator, r.kind): r for r in m.ratios}
    for ind in ratios:
        num, den = m.slots.get(("FY", ind.key(ind.numerator))), m.slots.get(("FY", ind.key(ind.denominator)))
        assert num and den
        ratio = by_code[(ind.code, "FY")]
        if num.element is den.element:  # parts of one disaggregation (boys / girls): combo operands
            assert ratio.numerator == f"#{{{num.element.obj.uid}.{num.combo.uid}}}"
        else:  # numerator and denominator: two data elements, never two combos of one
            assert num.combo is None and den.combo is None
            assert (ratio.numerator, ratio.denominator) == (f"#{{{num.element.obj.uid}}}",
                                                            f"#{{{den.element.obj.uid}}}")
        assert ratio.factor == (ind.scale if ind.scale is not None else 100)


def test_one_value_type_per_element_and_yes_no_apart_from_text(project):
    m = build_mapping(project)
    for ind in project.form.indicators:
        for f in ind.fields:
            for kind in ind.periods:
                slot = m.slots.get((kind, ind.key(f.id)))
                if slot is None:
                    continue
                expected = {"yesno": "BOOLEAN", "text": "TEXT", "count": "INTEGER_ZERO_OR_POSITIVE"}.get(f.type)
                if expected:
                    assert slot.element.value_type == expected, ind.key(f.id)
    for el in m.elements.values():  # every field an element carries has the same form type
        types = {project.form.indicator(el.indicator).field(fid).type for fid in el.fields} \
            if el.indicator != project.form.budget.code else {"money"}
        assert len(types) == 1, el.obj.code
    shares = [r for r in m.ratios if r.denominator.endswith(".aggregationType(COUNT)")]
    booleans = [el for el in m.elements.values() if el.value_type == "BOOLEAN"]
    assert booleans and len(shares) == len(booleans)


def test_each_period_kind_has_its_own_data_set_and_elements(project):
    m = build_mapping(project)
    config = load_config(project)
    assert set(m.data_sets) == set(config.periods)
    for kind, ds in m.data_sets.items():
        assert ds.period_type == config.periods[kind].period_type
        assert all(m.elements[code].kind == kind for code in ds.elements)
    fy, h1 = set(m.data_sets["FY"].elements), set(m.data_sets["H1"].elements)
    assert not fy & h1  # one element in both would make DHIS2 add the half-year to the year


def test_identifiers_are_uids_and_a_re_export_is_the_same(project, tmp_path):
    package = metadata_package(project, build_mapping(project))
    for objects in package.values():
        for obj in objects:
            assert is_uid(obj["id"])
            assert len(obj.get("shortName", "")) <= 50
    codes = [o["code"] for o in package["dataElements"]]
    assert len(set(codes)) == len(codes) and len({o["name"] for o in package["dataElements"]}) == len(codes)
    first = write_metadata(package, tmp_path / "a.json").read_bytes()
    again = write_metadata(metadata_package(project, build_mapping(project)), tmp_path / "b.json").read_bytes()
    assert first == again
    assert derived_uid("SONHA", "dataElement", "BDG_X") == derived_uid("SONHA", "dataElement", "BDG_X")
    assert derived_uid("SONHA", "dataElement", "BDG_X") != derived_uid("OTHER", "dataElement", "BDG_X")


def _schemas(tmp_path: Path) -> Path:
    target = tmp_path / "schemas"
    shutil.copytree(SCHEMAS, target)
    return target


def _edit(folder: Path, name: str, fn: Any) -> None:
    path = folder / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    fn(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_a_new_indicator_is_mapped_with_no_code_change_and_the_others_keep_their_uids(project, tmp_path):
    before = {(t, o["code"]): o["id"] for t, objs in metadata_package(project, build_mapping(project)).items()
              for o in objs if "code" in o}
    folder = _schemas(tmp_path)

    def add(data: dict[str, Any]) -> None:
        fieldsets = data["fieldsets"]
        shaped = next(k for k, v in fieldsets.items() if len(v["fields"]) == 4 and
                      any(c["rule"] == "sum_eq" for c in v.get("checks", [])))  # total, two parts and one more
        data["indicators"].append({"code": "NEW_99", "group": data["groups"][0]["id"], "label": "Chỉ tiêu mới",
                                   "label_en": "A new indicator", "fieldset": shaped, "agg": "sum",
                                   "applies_to": ["department", "commune"], "periods": ["FY"]})
        data["form"]["version"] = "2099.1"

    _edit(folder, "form.yaml", add)
    changed = load_project(folder)
    m = build_mapping(changed)
    after = {(t, o["code"]): o["id"] for t, objs in metadata_package(changed, m).items() for o in objs if "code" in o}
    assert {k: after[k] for k in before} == before  # nothing already on a server moves
    new = [el for el in m.elements.values() if el.indicator == "NEW_99"]
    assert len(new) == 2 and sum(1 for el in new if el.category is not None) == 1  # the sex breakdown, the extra
    assert {el.obj.code for el in new} <= {code for t, code in after if t == "dataElements"}
    ind = changed.form.indicator("NEW_99")
    parts, total = _sum_eq(ind)
    assert ("FY", ind.key(total)) in m.absorbed and m.slots[("FY", ind.key(parts[0]))].combo is not None


@pytest.mark.parametrize(("edit", "message"), [
    (lambda d: d["dhis2"].update(id_scheme="NAMES"), "id_scheme: 'NAMES' is not one of UID, CODE"),
    (lambda d: d["dhis2"]["periods"]["FY"].update(period_type="Annual"), "periods.FY: period_type 'Annual'"),
    (lambda d: d["dhis2"]["periods"]["FY"].update(notation="2026"), "periods.FY: notation '2026' must contain"),
    (lambda d: d["dhis2"].update(fields={"NOPE_01": {"send": False}}), "fields.NOPE_01: no indicator field"),
    (lambda d: d["dhis2"].update(org_units={"SO-YTE": {"uid": "abc"}}), "org_units.SO-YTE.uid: 'abc' is not a DHIS2"),
    (lambda d: d["dhis2"].update(org_units={"SO-NOPE": {"uid": "abcdefghijk"}}), "org_units.SO-NOPE: no unit"),
    (lambda d: d["dhis2"].update(org_units={"SO-YTE": {"code": "OU_1"}}), "org_unit_id_scheme UID needs a 'uid'"),
    (lambda d: d["dhis2"].update(org_unit_id_scheme="CODE"), "org_unit_id_scheme CODE needs the server's code"),
    (lambda d: d["dhis2"].update(uids={"BDG_NOPE": "abcdefghijk"}), "uids names codes the package does not have"),
])
def test_a_broken_dhis2_yaml_is_named(tmp_path, edit, message):
    folder = _schemas(tmp_path)
    _edit(folder, "dhis2.yaml", edit)
    with pytest.raises(FormError, match=r"dhis2\.yaml") as err:
        build_mapping(load_project(folder))
    assert message in str(err.value)


def test_overrides_of_dhis2_yaml_are_applied(project, tmp_path):
    folder = _schemas(tmp_path)
    ind = next(i for i in project.form.indicators if any(f.type == "text" for f in i.fields))
    text = next(f for f in ind.fields if f.type == "text")
    count = next(i for i in project.form.indicators if len(i.fields) == 1 and i.fields[0].type == "count")
    server_uid = "Xyz12345678"
    base = build_mapping(project)
    target = base.slots[("FY", count.key(count.fields[0].id))].element.obj.code

    def edit(d: dict[str, Any]) -> None:
        d["dhis2"]["fields"] = {ind.key(text.id): {"send": False},
                                count.key(count.fields[0].id): {"value_type": "INTEGER"}}
        d["dhis2"]["uids"] = {target: server_uid}
        d["dhis2"]["org_units"] = {"SO-YTE": {"uid": "OrgUnit0001", "code": "VN_SYT"}}

    _edit(folder, "dhis2.yaml", edit)
    m = build_mapping(load_project(folder))
    assert ("FY", ind.key(text.id)) not in m.slots
    el = m.slots[("FY", count.key(count.fields[0].id))].element
    assert el.value_type == "INTEGER" and el.obj.uid == server_uid
    assert m.org_units["SO-YTE"].uid == "OrgUnit0001" and not m.org_units["SO-YTE"].derived
    package = json.loads(json.dumps(metadata_package(load_project(folder), m)))
    assert "OrgUnit0001" not in {o["id"] for o in package["organisationUnits"]}  # referenced, never created
    assert any(ref == {"id": "OrgUnit0001"} for ds in package["dataSets"] for ref in ds["organisationUnits"])
