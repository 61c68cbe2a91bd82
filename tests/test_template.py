"""The generated unit workbook, read back semantically: sheets, validations, locked cells, metadata."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook
from typer.testing import CliRunner

from xl_bdg.cli import app
from xl_bdg.form.layout import IND_COL_VALUE, layout_for
from xl_bdg.form.project import load_project
from xl_bdg.workbook.template import write_template

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"


def _validations(ws) -> list[tuple[str, str, str | None, bool]]:
    return [(dv.type, str(dv.sqref), dv.formula1, bool(dv.showErrorMessage))
            for dv in ws.data_validations.dataValidation]


def _covering(ws, coordinate: str):
    return [dv for dv in ws.data_validations.dataValidation if coordinate in dv.sqref]


@pytest.fixture(scope="module")
def commune_wb(project, tmp_path_factory):
    out = tmp_path_factory.mktemp("tpl")
    path = write_template(project, project.registry.get("XA-EAKAO"), project.period("2026-FY"), out)
    return path, load_workbook(path)


def test_sheets_and_states(project, commune_wb) -> None:
    path, wb = commune_wb
    assert path.name == "2026-FY_XA-EAKAO.xlsx"
    assert wb.sheetnames == [d.title for d in project.form.sheets.values()]
    states = {ws.title: ws.sheet_state for ws in wb.worksheets}
    assert states["DanhMuc"] == "hidden" and states["_meta"] == "veryHidden"
    assert states["Hoạt động"] == "visible"
    assert wb.security.lockStructure
    for ws in wb.worksheets:
        assert ws.protection.sheet, ws.title


def test_metadata_sheet_and_properties(project, commune_wb) -> None:
    _, wb = commune_wb
    meta = {r[0].value: r[1].value for r in wb["_meta"].iter_rows(max_col=2)}
    assert meta["form_id"] == project.form.id and meta["form_version"] == project.form.version
    assert meta["unit_code"] == "XA-EAKAO" and meta["period"] == "2026-FY"
    assert meta["unit_name"] == "Xã Ea Kao"
    assert meta["fingerprint"] == layout_for(project.form).fingerprint()
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props["xlbdg_unit_code"] == "XA-EAKAO" and props["xlbdg_fingerprint"] == meta["fingerprint"]


def test_unit_info_is_stamped_and_locked(project, commune_wb) -> None:
    _, wb = commune_wb
    lay = layout_for(project.form)
    ws = wb["Thông tin đơn vị"]
    code = ws[lay.unit_info_cell("unit_code")]
    assert code.value == "XA-EAKAO" and code.protection.locked
    assert ws[lay.unit_info_cell("period")].value == "2026-FY"
    assert not ws[lay.unit_info_cell("reporter")].protection.locked
    date_cell = lay.unit_info_cell("report_date")
    assert [dv.type for dv in _covering(ws, date_cell)] == ["date"]


def test_activity_dropdowns_and_rules(project, commune_wb) -> None:
    _, wb = commune_wb
    lay = layout_for(project.form)
    ws = wb["Hoạt động"]
    first = lay.activity_first_row
    for col in project.form.activity_columns:
        cell = lay.activity_cell(first, col.id)
        last = lay.activity_cell(lay.activity_last_input_row, col.id)
        assert not ws[cell].protection.locked and not ws[last].protection.locked
        dvs = _covering(ws, cell)
        if col.type == "list":
            assert len(dvs) == 1 and dvs[0].type == "list" and dvs[0].showErrorMessage
            lst = project.form.lists[col.list]
            # the dropdown points at the hidden list sheet and covers exactly the list's values
            sheet_ref, rng = dvs[0].formula1.split("!")
            assert sheet_ref.strip("'") == "DanhMuc"
            col_letter = rng.split("$")[1]
            values = [c.value for c in wb["DanhMuc"][col_letter][1:] if c.value is not None]
            assert values == list(lst.values)
        elif col.type == "count":
            assert dvs[0].type == "whole" and dvs[0].formula1 == "0" and dvs[0].showErrorMessage
        elif col.type == "date":
            assert dvs[0].type == "date" and dvs[0].operator == "between"
    # the header is locked; required columns say so in their header, as the sheet's note promises
    assert ws.cell(row=lay.activity_first_row - 1, column=2).protection.locked
    mark = project.form.text("required_mark")
    for col in project.form.activity_columns:
        header = ws.cell(row=lay.activity_first_row - 1, column=lay.activity_cols[col.id]).value
        assert header.endswith(mark) == col.required, header


def test_indicators_open_only_where_they_apply(project, commune_wb, tmp_path) -> None:
    lay = layout_for(project.form)
    period = project.period("2026-FY")
    dept = load_workbook(write_template(project, project.registry.get("SO-YTE"), period, tmp_path))
    _, commune = commune_wb
    for key, irow in lay.indicator_rows.items():
        ind = irow.indicator
        for wb, code in ((commune, "XA-EAKAO"), (dept, "SO-YTE")):
            unit = project.registry.get(code)
            cell = wb["Chỉ tiêu"].cell(row=irow.row, column=IND_COL_VALUE)
            applies = ind.applies(unit.code, unit.kind, period.kind, period.year)
            assert cell.protection.locked != applies, (code, key)
            if not applies:
                assert cell.fill.fgColor.rgb.endswith("D9D9D9"), (code, key)
    # a sanity anchor in the data: HEA_02 is Sở Y tế's own; COM_01 belongs to communes
    assert not dept["Chỉ tiêu"][lay.indicator_cell("HEA_02")].protection.locked
    assert commune["Chỉ tiêu"][lay.indicator_cell("HEA_02")].protection.locked
    assert not commune["Chỉ tiêu"][lay.indicator_cell("COM_01.NUM")].protection.locked


def test_structure_texts_are_where_layout_says(project, commune_wb) -> None:
    _, wb = commune_wb
    for sheet, cells in layout_for(project.form).structure().items():
        for ref, text in cells.items():
            assert wb[sheet][ref].value == text, f"{sheet}!{ref}"


def test_cli_writes_every_unit(project, tmp_path) -> None:
    result = CliRunner().invoke(app, ["template", "--period", "2026-FY", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    period = project.period("2026-FY")
    expected = {f"2026-FY_{u.code}.xlsx" for u in project.registry.reporting_units(period.start, period.end)}
    names = {p.name for p in tmp_path.glob("*.xlsx")}
    assert names == expected and len(names) >= 35
    assert all(n.isascii() and " " not in n for n in names)
    assert not list(tmp_path.glob("*.tmp"))


def test_cli_rejects_unknown_unit_and_period(tmp_path) -> None:
    runner = CliRunner()
    bad_unit = runner.invoke(app, ["template", "-p", "2026-FY", "-u", "SO-NOPE", "--out", str(tmp_path)])
    assert bad_unit.exit_code == 2 and "SO-NOPE" in bad_unit.output
    bad_period = runner.invoke(app, ["template", "-p", "2026-Q3", "--out", str(tmp_path)])
    assert bad_period.exit_code == 2 and "YYYY-H1" in bad_period.output


def test_new_indicator_and_dropdown_value_are_data_edits_only(tmp_path) -> None:
    """Adding an indicator or a dropdown value changes files under schemas/ only; the workbook follows."""
    schemas = tmp_path / "schemas"
    shutil.copytree(SCHEMAS, schemas)
    form_path = schemas / "form.yaml"
    form = yaml.safe_load(form_path.read_text(encoding="utf-8"))
    form["indicators"].append({
        "code": "TST_01", "group": "communication", "label": "Số buổi phát thanh tiếng dân tộc",
        "label_en": "Broadcasts in minority languages", "unit": "buổi", "fieldset": "TMF", "agg": "sum",
        "applies_to": ["commune"], "periods": ["FY"]})
    form_path.write_text(yaml.safe_dump(form, allow_unicode=True, sort_keys=False), encoding="utf-8")
    lists_path = schemas / "lists.yaml"
    lists = yaml.safe_load(lists_path.read_text(encoding="utf-8"))
    lists["channels"]["values"].append({"value": "Sân khấu hóa", "en": "Stage performance"})
    lists_path.write_text(yaml.safe_dump(lists, allow_unicode=True, sort_keys=False), encoding="utf-8")

    project = load_project(schemas)
    path = write_template(project, project.registry.get("XA-EAKAO"), project.period("2026-FY"), tmp_path)
    wb = load_workbook(path)
    lay = layout_for(project.form)
    keys = [c.value for c in wb["Chỉ tiêu"]["B"] if isinstance(c.value, str)]
    assert {"TST_01", "TST_01.T", "TST_01.M", "TST_01.F"} <= set(keys)
    cell = wb["Chỉ tiêu"][lay.indicator_cell("TST_01.F")]
    assert not cell.protection.locked
    col = list(project.form.lists).index("channels") + 1
    values = [r[0].value for r in wb["DanhMuc"].iter_rows(min_row=2, min_col=col, max_col=col) if r[0].value]
    assert values[-1] == "Sân khấu hóa"
    ws = wb["Hoạt động"]
    dv = _covering(ws, lay.activity_cell(lay.activity_first_row, "channel"))[0]
    assert dv.formula1.endswith(f"${len(values) + 1}")
