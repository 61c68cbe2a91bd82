"""The form checker: the shipped definition loads; each kind of broken entry is named in the error."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from xl_bdg.form.definition import FormError, load_form
from xl_bdg.form.project import load_project

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"


def test_shipped_form_loads(project) -> None:
    form = project.form
    codes = [i.code for i in form.indicators]
    assert len(codes) == len(set(codes)) > 20
    # every check's code has a message in both languages
    for ind in form.indicators:
        for check in ind.checks:
            assert set(form.messages[check.code].message) >= {"vi", "en"}
    assert form.sheets["activities"].title == "Hoạt động"


@pytest.fixture()
def schemas_copy(tmp_path: Path) -> Path:
    target = tmp_path / "schemas"
    shutil.copytree(SCHEMAS, target)
    return target


def _edit(folder: Path, name: str, fn: Callable[[Any], None]) -> None:
    path = folder / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    fn(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _ind(data: dict[str, Any], code: str) -> dict[str, Any]:
    return next(i for i in data["indicators"] if i["code"] == code)


BROKEN: list[tuple[str, str, Callable[[Any], None], str]] = [
    ("duplicate indicator code", "form.yaml",
     lambda d: d["indicators"].append(dict(_ind(d, "COMM_01"))), "duplicate code 'COMM_01'"),
    ("unknown aggregation", "form.yaml",
     lambda d: _ind(d, "COMM_02").update(agg="average"), "indicators[1] (COMM_02): unknown aggregation 'average'"),
    ("rule names a missing column", "form.yaml",
     lambda d: _ind(d, "INS_02")["checks"].append({"rule": "le", "a": "FINE", "b": "XYZ",
                                                   "code": "handled-exceeds-detected"}),
     "(INS_02).checks[1]: rule 'le' names 'XYZ', which does not exist"),
    ("ratio without denominator", "form.yaml",
     lambda d: _ind(d, "MAIN_01").pop("denominator"), "(MAIN_01): aggregation 'ratio' needs 'denominator'"),
    ("unknown rule", "form.yaml",
     lambda d: d["activities"]["checks"].append({"rule": "median", "code": "duplicate-activity"}),
     "activities.checks[9]: unknown rule 'median'"),
    ("check code without message", "form.yaml",
     lambda d: d["activities"]["checks"].append({"rule": "le", "a": "part_m", "b": "part_t", "code": "male-too-big"}),
     "code 'male-too-big' has no entry in messages.yaml"),
    ("activity column with unknown list", "form.yaml",
     lambda d: d["activities"]["columns"][0].update(list="nope"), "activities.columns[0]: unknown list 'nope'"),
    ("sheet title too long", "form.yaml",
     lambda d: d["sheets"]["budget"].update(title="Kinh phí cho công tác bình đẳng giới năm"), "sheets.budget"),
    ("unknown field type", "form.yaml",
     lambda d: _ind(d, "ECO_04")["fields"][1].update(type="currency"), "(ECO_04).fields[1]: unknown type 'currency'"),
    ("field id read as a boolean", "form.yaml",
     lambda d: _ind(d, "CAW_01")["fields"][0].update(id=True), "(CAW_01).fields[0]: id True is not text: quote it"),
    ("workbook text missing", "form.yaml",
     lambda d: d["texts"]["banners"].pop("narrative"), "form.yaml: texts.banners.narrative: missing"),
    ("text key read as a boolean", "form.yaml",
     lambda d: d["texts"]["headers"].update({False: "STT"}), "texts.headers: key False is not text: quote it"),
    ("duplicate dropdown value", "lists.yaml",
     lambda d: d["channels"]["values"].append({"value": "Khác"}), "lists.yaml: channels: duplicate code 'Khác'"),
    ("message without English", "messages.yaml",
     lambda d: d["female-exceeds-total"]["message"].pop("en"), "messages.yaml: female-exceeds-total"),
]


@pytest.mark.parametrize(("name", "file", "edit", "expected"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_entry_is_named(schemas_copy: Path, name: str, file: str, edit: Callable[[Any], None],
                               expected: str) -> None:
    _edit(schemas_copy, file, edit)
    with pytest.raises(FormError) as info:
        load_form(schemas_copy)
    assert expected in str(info.value)


def test_registry_and_targets_are_checked(schemas_copy: Path) -> None:
    _edit(schemas_copy, "form.yaml", lambda d: _ind(d, "HEA_02").update(pick_from="SO-NOPE", applies_to=["SO-NOPE"]))
    with pytest.raises(FormError, match="HEA_02: applies_to names 'SO-NOPE'"):
        load_project(schemas_copy)


def test_unit_registry_errors(schemas_copy: Path) -> None:
    _edit(schemas_copy, "units.yaml", lambda d: d["units"].append({"code": "SO-YTE", "name": "Sở Y tế 2",
                                                                     "kind": "department", "parent": "SONHA"}))
    with pytest.raises(FormError, match=r"units\[\d+\] \(SO-YTE\): duplicate code"):
        load_project(schemas_copy)
