"""The Word report's body goes into the document by one parse (report/docx_body.py, issue 16) instead of docxtpl's
node-by-node move: the demo's report, rendered both ways, is the same file part for part, byte for byte."""

from __future__ import annotations

import zipfile

from docxtpl import DocxTemplate

import xl_bdg.report.docx_body as docx_body
from xl_bdg.report.build import build_context
from xl_bdg.report.render import render_docx, template_names


def _parts(path):
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_spliced_body_is_byte_for_byte_docxtpls(sample, project, tmp_path, monkeypatch):
    charts = {p.stem.split("_")[0]: p for p in (sample.out_dir / "report" / "charts").glob("*.png")}
    assert charts  # the report's images are part of the body
    ctx = build_context(project, sample.dataset, "vi")
    _, name = template_names("report", "vi")
    fast = render_docx(ctx, name, tmp_path / "fast.docx", images=charts)
    monkeypatch.setattr(docx_body, "template_class", lambda: DocxTemplate)
    plain = render_docx(ctx, name, tmp_path / "plain.docx", images=charts)
    a, b = _parts(fast), _parts(plain)
    assert list(a) == list(b)
    assert [n for n in a if a[n] != b[n]] == []
    assert len(a["word/document.xml"]) > 100_000

