"""Feedback letters: one per unit whose latest file has errors, quoting exactly the findings intake stored."""

from __future__ import annotations

import subprocess
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest
from docx import Document
from support.office import convert

from xl_bdg.form.layout import layout_for
from xl_bdg.form.project import Project
from xl_bdg.ledger.store import Ledger
from xl_bdg.report.letters import letter_context, units_to_write_to, write_letter


@pytest.fixture()
def ledger(sample):
    with Ledger(sample.out_dir / "ledger.sqlite") as led:
        yield led


def test_letters_go_to_the_units_whose_latest_file_has_errors(sample):
    roles = sample.roles
    expected = {code for code, r in roles.items() if r.mistakes and not r.resubmits and not r.missing
                and any(m != "text_date" for m in r.mistakes)}  # a readable text date is only a warning
    assert expected, "the sample season must have units with errors"
    assert {s.unit for s in units_to_write_to(sample.dataset)} == expected
    written = {p.name for p in sample.letters}
    for code in expected:
        assert {f"gop-y_{sample.period}_{code}.docx", f"gop-y_{sample.period}_{code}.html"} <= written


def test_a_letter_lists_every_stored_finding_cell_by_cell(sample, ledger, project: Project):
    for status in units_to_write_to(sample.dataset):
        report = ledger.file_report(ledger.get(status.sha256))
        ctx = letter_context(project, status, report, sample.dataset)
        stored = [(f.code, f.where) for f in report.sorted_findings() if f.severity in ("error", "warning")]
        assert [(f.code, f.where) for f in ctx.errors + ctx.warnings] == stored
        assert ctx.errors and all(f.severity == "error" for f in ctx.errors)
        assert all(f.message and f.title != f.code for f in ctx.errors)  # rendered from messages.yaml
        assert ctx.unit_name == status.name and ctx.office.name == project.office(project.period(sample.period))["name"]


def test_each_mistake_is_named_in_its_letter(sample, ledger, project: Project):
    per = project.period(sample.period)
    for status in units_to_write_to(sample.dataset):
        role = sample.roles[status.unit]
        codes = {f.code for f in ledger.findings(ledger.get(status.sha256))}
        if "date_outside" in role.mistakes:  # one date, or the row's two dates together
            assert {"date-outside-period", "dates-outside-period"} & codes
        if "break_check" in role.mistakes:
            unit = project.registry.get(status.unit)
            first = next(c for ind in project.form.indicators if ind.applies(unit.code, unit.kind, per.kind)
                         for c in ind.checks if c.rule == "le")
            assert first.code in codes
        if "drop_narrative" in role.mistakes:
            required = next(c for c in project.form.narrative if c.required)
            cell = layout_for(project.form).narrative_cell(required.id)
            where = {f.where for f in ledger.findings(ledger.get(status.sha256)) if f.severity == "error"}
            assert f"{project.form.sheet_title('narrative')}!{cell}" in where


class _Rows(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.codes: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and "data-code" in a:
            self.codes.append(a["data-code"])


def test_html_and_word_letters_hold_the_same_lines(sample, ledger, project: Project, tmp_path):
    status = units_to_write_to(sample.dataset)[0]
    ctx = letter_context(project, status, ledger.file_report(ledger.get(status.sha256)), sample.dataset)
    docx, html = write_letter(ctx, tmp_path)
    rows = _Rows()
    rows.feed(html.read_text(encoding="utf-8"))
    assert rows.codes == [f.code for f in ctx.errors + ctx.warnings]
    doc = Document(str(docx))
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    text = "\n".join([p.text for p in doc.paragraphs] + cells)
    for line in ctx.errors + ctx.warnings:
        assert line.where in cells and line.message in text
    assert f"Kính gửi: {status.name}." in text and "{{" not in text


def test_a_unit_with_nothing_wrong_gets_no_letter(sample):
    clean = [s for s in sample.dataset.statuses if s.status == "accepted"]
    assert clean
    assert not {s.unit for s in clean} & {s.unit for s in units_to_write_to(sample.dataset)}


@pytest.mark.libreoffice
def test_letter_converts_to_pdf_with_diacritics(sample, tmp_path):
    status = units_to_write_to(sample.dataset)[0]
    docx = next(p for p in sample.letters if p.suffix == ".docx" and status.unit in p.name)
    pdf = convert(docx, "pdf", tmp_path)
    text = unicodedata.normalize("NFC", subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                                       text=True, check=True).stdout)
    flat = " ".join(text.split())
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in flat and f"Kính gửi: {status.name}." in flat
    assert "Trân trọng" in flat and Path(docx).exists()
