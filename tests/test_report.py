"""The province report: its context is documented, its templates use only that, and every number it prints is the
dataset's. The sample season (the `sample` fixture of conftest.py) is the demo pipeline for real."""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import pytest
from docx import Document
from docxtpl import DocxTemplate
from hypothesis import given
from hypothesis import strategies as st
from jinja2 import meta, nodes
from support.office import convert

from xl_bdg.aggregation.combine import combine
from xl_bdg.dataset import UnitStatus
from xl_bdg.form.project import Project
from xl_bdg.report.build import build_context, load_labels
from xl_bdg.report.context import ReportContext, field_docs, fmt_num, parse_num, undocumented_fields
from xl_bdg.report.issuer import issuer_config
from xl_bdg.report.letters import LetterContext
from xl_bdg.report.render import render_html
from xl_bdg.report.write import write_report
from xl_bdg.templating import TEMPLATES_DIR
from xl_bdg.templating import environment as jinja_env
from xl_bdg.workbook.template import units_for

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"


# --- numbers ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("value", "decimals", "text"), [(1234567, 0, "1.234.567"), (45.678, 1, "45,7"),
                                                        (0, 0, "0"), (None, 0, "—"), (1234.5, 1, "1.234,5")])
def test_numbers_are_written_the_vietnamese_way(value, decimals, text):
    assert fmt_num(value, decimals) == text


@given(st.integers(min_value=0, max_value=10**12))
def test_whole_numbers_read_back(value):
    assert parse_num(fmt_num(value)) == value


# --- the context and the templates ---------------------------------------------------------------------------------
def test_every_context_field_is_documented():
    assert undocumented_fields(ReportContext) == []
    assert undocumented_fields(LetterContext) == []


def _attribute_names() -> set[str]:
    """Every name a template may put after a dot: fields of the context dataclasses, label keys, dict keys."""
    import dataclasses

    import xl_bdg.report.build as report
    import xl_bdg.report.context as context
    import xl_bdg.report.letters as letters

    names: set[str] = {"get", "value", "format"}  # str.format fills a labels.yaml sentence
    for mod in (context, letters):
        for obj in vars(mod).values():
            if isinstance(obj, type) and dataclasses.is_dataclass(obj) and obj.__module__ == mod.__name__:
                names |= set(field_docs(obj))

    def keys(tree: object) -> None:
        if isinstance(tree, dict):
            for k, v in tree.items():
                names.add(str(k))
                keys(v)

    keys(load_labels("vi"))
    names |= set(report.report_config()["activity_summary"]["sums"])
    names |= {"targets", "categories", "status", "budget"}  # chart ids
    return names


@pytest.mark.parametrize(("template", "context"), [("report.html.j2", ReportContext),
                                                   ("letter.html.j2", LetterContext)])
def test_html_templates_use_only_documented_fields(template, context):
    source = (TEMPLATES_DIR / template).read_text(encoding="utf-8")
    ast = jinja_env().parse(source)
    assert meta.find_undeclared_variables(ast) <= set(field_docs(context))
    used = {n.attr for n in ast.find_all(nodes.Getattr)
            if not (isinstance(n.node, nodes.Name) and n.node.name == "loop")}  # jinja's own loop.index
    assert used <= _attribute_names(), used - _attribute_names()


@pytest.mark.parametrize(("template", "context"), [("report.docx", ReportContext), ("letter.docx", LetterContext)])
def test_word_templates_use_only_documented_fields(template, context):
    tpl = DocxTemplate(str(TEMPLATES_DIR / template))
    names = tpl.get_undeclared_template_variables(jinja2.Environment())
    assert names, "the template has no tags at all"
    assert names <= set(field_docs(context)), names - set(field_docs(context))


def test_labels_have_the_same_keys_in_both_languages():
    def paths(tree: object, prefix: str = "") -> set[str]:
        if not isinstance(tree, dict):
            return {prefix}
        return set().union(*(paths(v, f"{prefix}.{k}") for k, v in tree.items()))

    assert paths(load_labels("vi")) == paths(load_labels("en"))


# --- every number is the dataset's ----------------------------------------------------------------------------------
class _Cells(HTMLParser):
    """Collect the text of every element carrying one of the data-* attributes the report template sets."""

    KEYS = ("data-fig", "data-sum", "data-target", "data-cat", "data-budget")

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str, str]] = []
        self._open: list[tuple[str, str, list[str]]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        key = next((k for k in self.KEYS if k in a), None)
        if key:
            self._open.append((key, a[key] or "", []))

    def handle_data(self, data):
        for _, _, buf in self._open:
            buf.append(data)

    def handle_endtag(self, tag):
        if self._open and tag in ("td", "span"):
            key, value, buf = self._open.pop()
            self.found.append((key, value, "".join(buf).strip()))


def _close(shown: str, expected: float | None) -> bool:
    got = parse_num(shown)
    if expected is None:
        return got is None
    return got is not None and abs(got - expected) <= 0.05 + 1e-9 * abs(expected)


def test_every_number_in_the_html_report_equals_the_dataset(sample, project: Project):
    ds = sample.dataset
    html = (sample.out_dir / "report" / f"bao-cao-bdg_{ds.period}.html").read_text(encoding="utf-8")
    parser = _Cells()
    parser.feed(html)
    by_kind: dict[str, list[tuple[str, str]]] = {}
    for key, ident, text in parser.found:
        by_kind.setdefault(key, []).append((ident, text))
    assert len(by_kind["data-fig"]) > 40
    for ident, text in by_kind["data-fig"]:
        code, fid = ident.split("|")
        assert _close(text, ds.value(code, fid or None)), (ident, text, ds.value(code, fid or None))
    received = [s for s in ds.statuses if s.received_at is not None]
    acts = ds.activities
    expected = {
        "units_expected": len(ds.statuses), "units_received": len(received),
        "units_on_time": sum(1 for s in received if s.on_time), "units_late": sum(1 for s in received if not s.on_time),
        "units_missing": sum(1 for s in ds.statuses if s.status == "missing"),
        "units_invalid": sum(1 for s in ds.statuses if s.status == "invalid"),
        "units_aggregated": sum(1 for s in ds.statuses if s.used_sha256),
        "activities": len(acts), "participants": sum(a.values.get("part_t") or 0 for a in acts),
        "female": sum(a.values.get("part_f") or 0 for a in acts),
        "budget_spent": sum(v for (scope, _, col), v in ds.budget.items() if scope == ds.province and col == "spent"),
        # the Strategy's targets only (QĐ 1790's are stated apart), out of those met or not met
        "targets_met": sum(1 for t in project.targets_of("strategy")
                           if t.met(ds.value(t.indicator), ds.period.year)),
        "targets_known": sum(1 for t in project.targets_of("strategy")
                             if t.met(ds.value(t.indicator), ds.period.year) is not None),
    }
    shown: dict[str, set[str]] = {}
    for key, text in by_kind["data-sum"]:
        shown.setdefault(key, set()).add(text)
    for key, value in expected.items():
        assert {parse_num(text) for text in shown[key]} == {value}, key  # every mention of it says the same
    for ident, text in by_kind["data-target"]:
        target = next(t for t in project.targets if t.code == ident)
        assert _close(text, ds.value(target.indicator)), ident
    for ident, text in by_kind["data-cat"]:
        category, col = ident.split("|")
        rows = [a for a in acts if a.values.get("category") == category]
        value = len(rows) if col == "count" else sum(a.values.get(col) or 0 for a in rows)
        assert parse_num(text) == value, ident
    budget_cols = [c.id for c in project.form.budget.columns]
    for ident, text in by_kind["data-budget"]:
        source, i = ident.split("|")
        assert _close(text, ds.budget.get((ds.province, source, budget_cols[int(i)]))), ident


def test_the_report_quotes_each_units_narrative(sample):
    ds = sample.dataset
    html = (sample.out_dir / "report" / f"bao-cao-bdg_{ds.period}.html").read_text(encoding="utf-8")
    texts = {" ".join(t.split()) for by_id in ds.narratives.values() for t in by_id.values()}
    assert texts
    for text in texts:
        assert jinja2.utils.markupsafe.escape(text) in html


def _docx_text(path: Path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(c.text for c in row.cells)
    return "\n".join(parts)


def test_word_report_has_the_administrative_form_and_the_figures(sample, project: Project):
    ds = sample.dataset
    text = _docx_text(sample.out_dir / "report" / f"bao-cao-bdg_{ds.period}.docx")
    issuer = issuer_config(project, project.config["report"]["issuer"], ds.period)
    labels = load_labels("vi")
    for needed in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "BÁO CÁO", "Kính gửi:",
                   "Nơi nhận:", f"/BC-{issuer['code']}", issuer["name"], issuer["signer_title"],
                   issuer["signer_name"], *issuer["addressees"], *labels["goals"].values()):
        assert needed in text, needed
    assert "{{" not in text and "{%" not in text
    ctx = build_context(project, ds)
    shown = [r for t in ctx.direction + ctx.goals for r in t.rows]
    assert shown
    for row in (r for r in shown if not r.heading and r.value):
        assert fmt_num(ds.value(row.code, row.fig_id.split("|")[1] or None), row.value.decimals) in text


def test_outputs_are_complete_and_no_temporary_file_is_left(sample):
    out = sample.out_dir / "report"
    names = {p.name for p in out.rglob("*")}
    assert not [n for n in names if n.endswith(".tmp")]
    assert {p.suffix for p in out.iterdir() if p.is_file()} == {".docx", ".html", ".xlsx"}
    charts = list((out / "charts").glob("*.png"))
    assert len(charts) == 4 and all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in charts)
    html = next(out.glob("*.html")).read_text(encoding="utf-8")
    assert html.count('src="data:image/png;base64,') == 4


def test_unit_text_is_escaped_in_html_and_kept_in_word(sample, project: Project, tmp_path):
    ds = copy.deepcopy(sample.dataset)
    unit = next(iter(ds.narratives))
    ds.narratives[unit]["summary"] = "<script>alert(1)</script> & =SUM(A1)"
    files = write_report(project, ds, tmp_path)
    html = files.html.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; =SUM(A1)" in html
    assert "<script>alert(1)</script> & =SUM(A1)" in _docx_text(files.docx)


def test_a_period_with_nothing_received_still_renders(project: Project, tmp_path):
    per = project.period("2026-FY")
    statuses = [UnitStatus(u.code, u.name, u.kind, project.registry.root, "missing")
                for u in units_for(project, per)]
    ds = combine(project, per, {}, statuses)
    files = write_report(project, ds, tmp_path)
    html = files.html.read_text(encoding="utf-8")
    assert f'<span data-sum="units_missing">{len(statuses)}</span>' in html
    assert "—" in html and files.docx.exists() and files.annex.exists()


def test_changing_wording_is_a_template_edit(sample, project: Project, tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, templates)
    labels = templates / "labels.yaml"
    labels.write_text(labels.read_text(encoding="utf-8").replace('value: "Kết quả"', 'value: "Số liệu đạt được"'),
                      encoding="utf-8")
    labels.write_text(labels.read_text(encoding="utf-8").replace('s3: "III. ĐÁNH GIÁ CHUNG"',
                                                                 's3: "III. NHẬN XÉT, ĐÁNH GIÁ"'), encoding="utf-8")
    sections = templates / "sections.yaml"
    sections.write_text(sections.read_text(encoding="utf-8").replace("Tổ chức tập huấn nghiệp vụ",
                                                                     "Mở lớp bồi dưỡng nghiệp vụ"), encoding="utf-8")
    ctx = build_context(project, sample.dataset, templates_dir=templates)
    html = render_html(ctx, "report.html.j2", templates)
    assert "Số liệu đạt được" in html and "III. NHẬN XÉT, ĐÁNH GIÁ<" in html and "III. ĐÁNH GIÁ CHUNG" not in html
    assert "Mở lớp bồi dưỡng nghiệp vụ" in html and "Tổ chức tập huấn nghiệp vụ" not in html


def test_a_missing_name_in_a_template_is_an_error(sample, project: Project, tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, templates)
    page = templates / "report.html.j2"
    page.write_text(page.read_text(encoding="utf-8").replace("{{ office.name }}", "{{ office.nmae }}"),
                    encoding="utf-8")
    with pytest.raises(jinja2.UndefinedError):
        render_html(build_context(project, sample.dataset, templates_dir=templates), "report.html.j2", templates)


# --- LibreOffice: the Word report as the Ministry will print it ----------------------------------------------------
@pytest.mark.libreoffice
def test_word_report_converts_to_pdf_with_headings_figures_and_diacritics(sample, project: Project, tmp_path):
    ds = sample.dataset
    pdf = convert(sample.out_dir / "report" / f"bao-cao-bdg_{ds.period}.docx", "pdf", tmp_path)
    text = unicodedata.normalize("NFC", subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                                       text=True, check=True).stdout)
    flat = re.sub(r"\s+", " ", text)
    doc = load_labels("vi")["doc"]
    issuer = issuer_config(project, project.config["report"]["issuer"], ds.period)
    ctx = build_context(project, ds)
    for needed in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Kính gửi:", "Nơi nhận:",
                   doc["s1"], doc["s2"], doc["s3"], doc["s4"].format(year=ctx.next_year), doc["s5"],
                   "PHỤ LỤC 1", "PHỤ LỤC 2", "PHỤ LỤC 3", issuer["name"], issuer["signer_name"]):
        assert needed in flat, needed
    for title in load_labels("vi")["goals"].values():
        assert title.split(",")[0] in flat, title
    assert f"{ctx.summary.activities} hoạt động" in flat
    assert str(ctx.summary.participants) in flat and str(ctx.budget_total.values[-1]) in flat
    for row in ctx.goals[-2].rows:
        if not row.heading:
            assert str(row.value) in flat, row.fig_id
    for status in ds.statuses:
        assert status.name in flat, status.name


def test_committed_word_templates_are_what_the_build_script_makes(tmp_path):
    import importlib.util
    import zipfile

    spec = importlib.util.spec_from_file_location("build_docx_template", TEMPLATES_DIR / "build_docx_template.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build_report(tmp_path / "report.docx")
    module.build_letter(tmp_path / "letter.docx")
    for name in ("report.docx", "letter.docx"):
        with zipfile.ZipFile(TEMPLATES_DIR / name) as a, zipfile.ZipFile(tmp_path / name) as b:
            assert a.read("word/document.xml") == b.read("word/document.xml"), f"rebuild {name}"


def test_a_language_with_its_own_templates_uses_them(sample, project: Project, tmp_path):
    """The common templates write English from labels.yaml; a language may still bring its own templates."""
    files = write_report(project, sample.dataset, tmp_path / "en", lang="en")
    html = files.html.read_text(encoding="utf-8")
    assert load_labels("en")["doc"]["s1"] in html and load_labels("vi")["doc"]["s1"] not in html
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, templates)
    page = (templates / "report.html.j2").read_text(encoding="utf-8")
    (templates / "report.en.html.j2").write_text(page.replace("{{ labels.doc.to }}", "Dear"), encoding="utf-8")
    html = write_report(project, sample.dataset, tmp_path / "en2", lang="en", templates_dir=templates).html
    text = html.read_text(encoding="utf-8")
    assert "Dear" in text and load_labels("en")["doc"]["s2"] in text
