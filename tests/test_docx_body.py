"""The Word report as docxtpl writes it, made cheaper twice over (issue 16), part for part and byte for byte the
same file: its body goes into the document by one parse (report/docx_body.py) instead of docxtpl's node-by-node
move, and its long lists (the appendices' rows per unit, per document, per text) are rendered once and written row
by row into the saved file (report/docx_stream.py). A template that does more with a streamed list than print its
items' fields is rendered the plain way."""

from __future__ import annotations

import zipfile

import pytest
from docx import Document
from docxtpl import DocxTemplate

import xl_bdg.report.docx_body as docx_body
import xl_bdg.report.docx_stream as docx_stream
from xl_bdg.report.build import build_context
from xl_bdg.report.render import render_docx, template_names
from xl_bdg.report.write import STREAMED


def _parts(path):
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _expanded(monkeypatch) -> list[int]:
    """Counts the rows docx_stream writes, list by list."""
    rows: list[int] = []
    expand = docx_stream.Streams.expand

    def spy(self, docx, part="word/document.xml"):
        rows.extend(len(self.lists[lid]) for lid in sorted(self.kept))
        return expand(self, docx, part)

    monkeypatch.setattr(docx_stream.Streams, "expand", spy)
    return rows


def test_streamed_report_is_byte_for_byte_docxtpls(sample, project, tmp_path, monkeypatch):
    charts = {p.stem.split("_")[0]: p for p in (sample.out_dir / "report" / "charts").glob("*.png")}
    assert charts  # the report's images are part of the body
    ctx = build_context(project, sample.dataset, "vi")
    _, name = template_names("report", "vi")
    rows = _expanded(monkeypatch)
    fast = render_docx(ctx, name, tmp_path / "fast.docx", images=charts, streamed=STREAMED)
    # Every streamed list was written row by row: units, documents and the texts of each narrative block.
    entries = sum(len(b.entries) for k in ctx.unit_texts for b in k.blocks)
    assert sum(rows) == len(ctx.statuses) + len(ctx.documents) + entries and len(rows) >= 3
    monkeypatch.setattr(docx_body, "template_class", lambda: DocxTemplate)
    plain = render_docx(ctx, name, tmp_path / "plain.docx", images=charts)
    a, b = _parts(fast), _parts(plain)
    assert list(a) == list(b)
    assert [n for n in a if a[n] != b[n]] == []
    assert len(a["word/document.xml"]) > 100_000


def _template(tmp_path, cells: list[str]):
    """A one-table template looping over `statuses`, each cell holding one of `cells`."""
    doc = Document()
    doc.add_paragraph("{%p if statuses %}")
    table = doc.add_table(rows=3, cols=len(cells))
    table.rows[0].cells[0].text = "{%tr for s in statuses %}"
    for cell, text in zip(table.rows[1].cells, cells, strict=True):
        cell.text = text
    table.rows[2].cells[0].text = "{%tr endfor %}"
    doc.add_paragraph("{%p endif %}")
    path = tmp_path / "t.docx"
    doc.save(str(path))
    return path


@pytest.mark.parametrize("cells", [
    ["{{ s.name }}", "{{ s.errors }} & {{ s.status }}"],   # streamed
    ["{{ loop.index }}", "{{ s.name }}"],                  # the loop's counter
    ["{% if s.errors %}x{% endif %}{{ s.name }}", "-"],    # a test on a field
    ["{{ s.name|upper }}", "{{ statuses|length }}"],       # a filter, a count
    ["{{ s|replace('S', 's') }}", "{{ s.name }}"],         # a filter on the whole item
])
def test_any_template_renders_as_docxtpl_renders_it(sample, project, tmp_path, monkeypatch, cells):
    ctx = build_context(project, sample.dataset, "vi")
    tpl = _template(tmp_path, cells)
    rows = _expanded(monkeypatch)
    fast = render_docx(ctx, tpl.name, tmp_path / "fast.docx", tpl.parent, streamed=STREAMED)
    assert rows == ([len(ctx.statuses)] if cells[0] == "{{ s.name }}" else [])
    monkeypatch.setattr(docx_body, "template_class", lambda: DocxTemplate)
    plain = render_docx(ctx, tpl.name, tmp_path / "plain.docx", tpl.parent)
    a, b = _parts(fast), _parts(plain)
    assert [n for n in a if a[n] != b[n]] == []
    assert a["word/document.xml"].count(b"<w:tr>") == len(ctx.statuses) > 1  # a row per unit, either way
