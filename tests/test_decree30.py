"""Decree 30/2020/NĐ-CP on the .docx itself (python-docx), for the report and for a letter: A4 and its margins,
Times New Roman 13–14, page numbers centred in the header from page 2, the heading block (issuing body, number with
the issuer's code, national emblem lines, place and date), one dashed line per addressee, "Nơi nhận" with
"- Như trên;" and "- Lưu: VT, <drafting unit>.", the authority line with the signer's title and full name from
province.yaml. The issuer (UBND tỉnh or the Sở) is configuration: both are rendered and checked. Letters: the same
checks in Vietnamese and English, the HTML letter's heading and foot equal to the Word letter's, and a letter long
enough for two pages numbered from page 2 on paper (LibreOffice → PDF)."""

from __future__ import annotations

import copy
import re
import subprocess
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from docx import Document
from support.office import convert

from xl_bdg.form.project import Project
from xl_bdg.ledger.store import Ledger
from xl_bdg.report.build import load_labels
from xl_bdg.report.issuer import issuer_config, letters_issuer, report_issuer
from xl_bdg.report.letters import letter_context, units_to_write_to, write_letter
from xl_bdg.report.write import write_report

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _issuer_conf(project: Project, which: str) -> dict:
    conf = issuer_config(project, which)  # the sample season is 2026's: the latest issuer
    assert conf is not None
    return conf


def _with_issuer(project: Project, which: str) -> Project:
    config = copy.deepcopy(project.config)
    config["report"]["issuer"] = which
    return replace(project, config=config)


@pytest.fixture(scope="module", params=["province", "office"])
def report_docx(request, sample, project: Project, tmp_path_factory) -> tuple[Path, Project]:
    proj = _with_issuer(project, request.param)
    out = tmp_path_factory.mktemp(f"decree30-{request.param}")
    return write_report(proj, sample.dataset, out).docx, proj


def _letter(sample, project: Project, lang: str = "vi"):
    status = units_to_write_to(sample.dataset)[0]
    with Ledger(sample.out_dir / "ledger.sqlite") as led:
        return letter_context(project, status, led.file_report(led.get(status.sha256)), sample.dataset, lang)


@pytest.fixture(scope="module")
def letter_docx(sample, project: Project, tmp_path_factory) -> Path:
    docx, _ = write_letter(_letter(sample, project), tmp_path_factory.mktemp("decree30-letter"))
    return docx


def _cell_lines(cell) -> list[str]:
    return [p.text for p in cell.paragraphs if p.text.strip()]


def _check_page(doc) -> None:
    sec = doc.sections[0]
    assert (round(sec.page_width.mm), round(sec.page_height.mm)) == (210, 297)
    mm = {k: round(getattr(sec, f"{k}_margin").mm, 1) for k in ("top", "bottom", "left", "right")}
    assert 20 <= mm["top"] <= 25 and 20 <= mm["bottom"] <= 25, mm
    assert 30 <= mm["left"] <= 35 and 15 <= mm["right"] <= 20, mm
    normal = doc.styles["Normal"]
    assert normal.font.name == "Times New Roman" and 13 <= normal.font.size.pt <= 14
    fonts = normal.element.rPr.find(f"{W}rFonts")
    assert {fonts.get(f"{W}{slot}") for slot in ("ascii", "hAnsi", "eastAsia", "cs")} == {"Times New Roman"}
    for p in doc.paragraphs:  # body text: no run set outside 13–14 pt (tables and the foot may be smaller)
        if p.style.name == "Normal" and len(p.text) > 80 and not p.text.startswith("(") and p.runs:
            sizes = {r.font.size.pt for r in p.runs if r.font.size is not None}
            assert sizes <= {13.0, 14.0}, (p.text[:60], sizes)


def _check_page_numbers(doc) -> None:
    sec = doc.sections[0]
    assert sec.different_first_page_header_footer, "page 1 must have no number"
    assert not sec.first_page_header.paragraphs[0].text.strip()
    xml = sec.header._element.xml
    assert "PAGE" in xml and 'w:fldCharType="begin"' in xml
    assert sec.header.paragraphs[0].alignment == 1  # centred


def _check_foot(doc, issuer, copies: bool, lang: str = "vi") -> None:
    labels = load_labels(lang)["doc"]
    foot = doc.tables[-1] if not copies else next(t for t in doc.tables
                                                   if t.rows[0].cells[0].text.startswith(labels["received"]))
    left, right = foot.rows[0].cells
    lines = _cell_lines(left)
    assert lines[0] == labels["received"] and lines[1] == labels["as_above"]
    assert lines[-1] == labels["archive"].format(drafting=issuer.drafting)
    if copies:
        assert lines[2:-1] == [f"- {c};" for c in issuer.copies]
    signed = _cell_lines(right)
    assert signed == [*issuer.authority, issuer.signer_title, issuer.signer_name]
    bold = [r.bold for p in right.paragraphs for r in p.runs if r.text.strip()]
    assert all(bold), "the authority line, title and name are bold"


def test_report_follows_decree_30(report_docx) -> None:
    path, proj = report_docx
    doc = Document(str(path))
    conf = _issuer_conf(proj, proj.config["report"]["issuer"])
    issuer = report_issuer(proj)
    _check_page(doc)
    _check_page_numbers(doc)
    left, right = doc.tables[0].rows[0].cells
    lines = _cell_lines(left)
    expected_head = ([conf["parent"]] if conf.get("parent") else []) + conf["header"]
    assert lines[: len(expected_head)] == expected_head
    assert lines[-1].replace(" ", "") == f"Số:/BC-{conf['code']}"
    assert _cell_lines(right)[:2] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert _cell_lines(right)[2].startswith(f"{proj.config['province']['place']}, ngày")
    texts = [p.text for p in doc.paragraphs]
    to = next(i for i, t in enumerate(texts) if t.startswith("Kính gửi:"))
    names = conf["addressees"]
    if len(names) == 1:
        assert texts[to] == f"Kính gửi: {names[0]}."
    else:  # one dashed line per addressee, the last ending with a full stop
        assert texts[to] == "Kính gửi:"
        assert texts[to + 1: to + 1 + len(names)] == [f"- {n};" for n in names[:-1]] + [f"- {names[-1]}."]
    body = "\n".join(texts)
    assert "(tỉnh mẫu)" not in body, "the body names the province as a sentence does"
    assert proj.config["report"]["province_text"] in body
    _check_foot(doc, issuer, copies=True)


def test_the_issuer_is_configuration(report_docx) -> None:
    path, proj = report_docx
    doc = Document(str(path))
    conf = _issuer_conf(proj, proj.config["report"]["issuer"])
    text = "\n".join(p.text for p in doc.paragraphs)
    assert f"{conf['name']} báo cáo kết quả" in text
    other = "office" if proj.config["report"]["issuer"] == "province" else "province"
    assert _issuer_conf(proj, other)["signer_name"] not in _cell_lines(doc.tables[-1].rows[0].cells[1]) + [
        c.text for t in doc.tables for c in t.rows[0].cells]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_letter_follows_decree_30(sample, project: Project, lang: str, tmp_path) -> None:
    ctx = _letter(sample, project, lang)
    doc = Document(str(write_letter(ctx, tmp_path)[0]))
    labels = load_labels(lang)["doc"]
    issuer = letters_issuer(project, lang)
    _check_page(doc)
    _check_page_numbers(doc)
    left, right = (_cell_lines(c) for c in doc.tables[0].rows[0].cells)
    assert left[0] == issuer.parent and issuer.header[0] in left
    number = next(t for t in left if t.startswith(labels["letter_number"].split()[0]))
    assert number.replace(" ", "") == labels["letter_number"].format(code=issuer.doc_code,
                                                                     drafting=issuer.drafting).replace(" ", "")
    assert left[-1] == load_labels(lang)["letter"]["subject"].format(period=ctx.period.title)
    assert right[:2] == [labels["nation"], labels["motto"]]
    assert right[2].startswith(f"{ctx.place}, ")
    texts = [p.text for p in doc.paragraphs]
    assert texts.count(f"{labels['to']} {ctx.unit_name}.") == 1, "one addressee: the unit, on the 'Kính gửi' line"
    _check_foot(doc, issuer, copies=False, lang=lang)


#: Vietnamese letters (ă â đ ê ô ơ ư and the tone marks): none may be left in an English letter but the data's.
VIETNAMESE = re.compile("[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹàáèéìíòóùúý]", re.IGNORECASE)


def test_english_letter_is_english_but_its_data(sample, project: Project, tmp_path) -> None:
    ctx = _letter(sample, project, "en")
    doc = Document(str(write_letter(ctx, tmp_path)[0]))
    cells = [p.text for t in doc.tables for r in t.rows for c in r.cells for p in c.paragraphs]
    text = "\n".join([p.text for p in doc.paragraphs] + cells)
    data = [ctx.unit_name, ctx.place, ctx.office.drafting, ctx.office.signer_name, ctx.file]
    data += [ctx.form.number, ctx.form.letter] if ctx.form else []
    for line in ctx.errors + ctx.warnings:
        data += [line.where, line.value]
    for c in ctx.changes:
        data += [c.where, c.before, c.after]
    for name in sorted(filter(None, data), key=len, reverse=True):
        text = text.replace(name, "")
    assert [t for t in text.splitlines() if VIETNAMESE.search(t)] == []
    assert load_labels("en")["letter"]["regards"] in text


def test_letter_names_the_form_and_its_guidance_letter(sample, project: Project, tmp_path) -> None:
    conf = project.config["unit_form"]
    guidance = conf["guidance"][sample.period]
    office = project.office(project.period(sample.period))["name"]
    expected = (f"theo Biểu số {conf['number']} kèm theo Công văn số {guidance['number']} ngày {guidance['date']} "
                f"của {office} (tệp")
    docx, html = write_letter(_letter(sample, project), tmp_path)
    assert any(expected in p.text for p in Document(str(docx)).paragraphs)
    assert expected.replace("&", "&amp;") in html.read_text(encoding="utf-8")
    en = _letter(sample, project, "en")
    assert f"on form {conf['number']} sent with letter No. {guidance['number']}" in en.words.opening


class _Blocks(HTMLParser):
    """The text lines of the HTML letter's heading columns and foot, by the class of the block they are in."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.lines: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        cls = dict(attrs).get("class") or ""
        self.stack.append(cls if cls in ("header", "recv", "sign") else (self.stack[-1] if self.stack else ""))

    def handle_endtag(self, tag):
        if self.stack:
            self.stack.pop()

    def handle_data(self, data):
        where = self.stack[-1] if self.stack else ""
        if where and data.strip():
            self.lines.setdefault(where, []).append(" ".join(data.split()))


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_html_letter_has_the_word_letters_heading_and_foot(sample, project: Project, lang: str, tmp_path) -> None:
    docx, html = write_letter(_letter(sample, project, lang), tmp_path)
    doc = Document(str(docx))
    blocks = _Blocks()
    blocks.feed(html.read_text(encoding="utf-8"))
    head = [c for cell in doc.tables[0].rows[0].cells for c in _cell_lines(cell)]
    assert [" ".join(t.split()) for t in head] == blocks.lines["header"]
    left, right = doc.tables[-1].rows[0].cells
    assert _cell_lines(left) == blocks.lines["recv"]
    assert _cell_lines(right) == blocks.lines["sign"]


@pytest.mark.libreoffice
def test_a_long_letter_is_numbered_from_page_two(sample, project: Project, tmp_path) -> None:
    ctx = _letter(sample, project)
    ctx = replace(ctx, errors=ctx.errors * 30)  # enough lines for a second page
    pdf = convert(write_letter(ctx, tmp_path)[0], "pdf", tmp_path / "pdf")
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) >= 2
    firsts = [p.strip().splitlines()[0].strip() for p in pages]
    assert not firsts[0].isdigit(), "page 1 carries no number"
    assert firsts[1:] == [str(n) for n in range(2, len(pages) + 1)]


def test_english_report_has_the_same_form(sample, project: Project, tmp_path) -> None:
    doc = Document(str(write_report(project, sample.dataset, tmp_path, lang="en").docx))
    labels = load_labels("en")["doc"]
    issuer = report_issuer(project, "en")
    _check_page_numbers(doc)
    right = _cell_lines(doc.tables[0].rows[0].cells[1])
    assert right[:2] == [labels["nation"], labels["motto"]]
    foot = next(t for t in doc.tables if t.rows[0].cells[0].text.startswith(labels["received"]))
    assert _cell_lines(foot.rows[0].cells[1]) == [*issuer.authority, issuer.signer_title, issuer.signer_name]
