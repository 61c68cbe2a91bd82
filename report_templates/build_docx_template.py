"""Build the Word templates of the report (report.docx) and of the feedback letter (letter.docx) with python-docx.

The .docx files are committed; this script is how they are made, so that their wording is reviewable text. Their
tags are jinja2 for docxtpl: `{{ … }}` values, `{%p … %}` paragraph blocks, `{%tr … %}` table-row blocks,
`{%tc … %}` table-column blocks. Names come from xl_bdg.report.ReportContext and xl_bdg.letters.LetterContext.

Layout follows the usual Vietnamese administrative document (Nghị định 30/2020/NĐ-CP): A4, margins 20/20/30/15 mm,
Times New Roman 13–14 pt, the two-column header (issuing body and number on the left, the national emblem lines and
the place and date on the right), the signature block with "Nơi nhận:".

Run: .venv/bin/python report_templates/build_docx_template.py
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt
from docx.table import Table

HERE = Path(__file__).resolve().parent
FONT = "Times New Roman"
CENTER, RIGHT, JUSTIFY, LEFT = (WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.JUSTIFY,
                                WD_ALIGN_PARAGRAPH.LEFT)


def new_document(landscape: bool = False) -> DocumentObject:
    """An empty A4 document with Times New Roman 13 pt everywhere (East Asian slot too, so Word never swaps it)."""
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21), Cm(29.7)
    if landscape:
        sec.orientation = WD_ORIENT.LANDSCAPE
        sec.page_width, sec.page_height = sec.page_height, sec.page_width
    sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin = Mm(20), Mm(20), Mm(30), Mm(15)
    for name in ("Normal", "Table Grid"):
        style = doc.styles[name]
        style.font.name = FONT
        style.font.size = Pt(13)
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            rpr.append(fonts)
        for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(slot), FONT)
    pf = doc.styles["Normal"].paragraph_format
    pf.space_before, pf.space_after, pf.line_spacing = Pt(0), Pt(3), 1.1
    page_numbers(doc)
    return doc


def page_numbers(doc: DocumentObject) -> None:
    """The page number centred in the header from page 2 (Decree 30: the first page has none)."""
    sec = doc.sections[0]
    sec.different_first_page_header_footer = True
    sec.header_distance = Cm(1)
    p = sec.header.paragraphs[0]
    p.alignment = CENTER
    run = p.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("separate", None), (None, None), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            run._r.append(el)
        elif text:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {text} "
            run._r.append(el)
        else:
            el = OxmlElement("w:t")
            el.text = "2"
            run._r.append(el)
    sec.first_page_header.paragraphs[0].text = ""


def para(where, text: str = "", *, bold: bool = False, italic: bool = False, size: float | None = None,
         align=JUSTIFY, indent: float = 0, first: float = 0, after: float | None = None, upper: bool = False,
         before: float | None = None):
    """Add a paragraph with one run (one run keeps every jinja tag whole, which docxtpl needs)."""
    p = where.add_paragraph()
    p.alignment = align
    if before is not None:
        p.paragraph_format.space_before = Pt(before)
    if indent:
        p.paragraph_format.left_indent = Cm(indent)
    if first:
        p.paragraph_format.first_line_indent = Cm(first)
    if after is not None:
        p.paragraph_format.space_after = Pt(after)
    if text:
        run = p.add_run(text.upper() if upper else text)
        run.bold, run.italic = bold, italic
        if size:
            run.font.size = Pt(size)
    return p


def runs(where, parts: list[tuple[str, str]], *, align=JUSTIFY, first: float = 0, size: float | None = None):
    """A paragraph of several runs: parts are (style letters among 'b', 'i', text)."""
    p = where.add_paragraph()
    p.alignment = align
    if first:
        p.paragraph_format.first_line_indent = Cm(first)
    for style, text in parts:
        run = p.add_run(text)
        run.bold, run.italic = "b" in style, "i" in style
        if size:
            run.font.size = Pt(size)
    return p


def heading(where, text: str, *, italic: bool = False):
    """A section heading that stays on the page of what follows it."""
    p = para(where, text, bold=not italic, italic=italic, align=LEFT, first=1 if italic else 0)
    p.paragraph_format.keep_with_next = True
    p.paragraph_format.space_before = Pt(6)
    return p


def tag(where, text: str):
    """A paragraph holding only a docxtpl block tag (`{%p … %}`): docxtpl removes it when rendering."""
    return para(where, text, align=LEFT, after=0)


def rule(where, width_cm: float, cell_width_cm: float):
    """A short centred line (a bottom border on an empty paragraph), as under the emblem lines."""
    p = where.add_paragraph()
    side = max(0.0, (cell_width_cm - width_cm) / 2)
    p.paragraph_format.left_indent, p.paragraph_format.right_indent = Cm(side), Cm(side)
    p.paragraph_format.space_after = Pt(4)
    ppr = p._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    border.append(bottom)
    ppr.append(border)
    run = p.add_run()
    run.font.size = Pt(2)
    return p


def _no_borders(table: Table) -> None:
    tblpr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tblpr.append(borders)


def _shade(cell, fill: str = "E8EEF5") -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def _repeat_header(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def _widths(table: Table, widths) -> None:
    # LibreOffice lays a table out by its grid columns, Word by the cells: set both.
    for col, width in zip(table.columns, widths, strict=True):
        col.width = Cm(width)


def _cell_text(cell, text: str, *, bold=False, italic=False, align=LEFT, size=11.5, indent: float = 0) -> None:
    p = cell.paragraphs[0]
    p.alignment = align
    p.paragraph_format.space_after = Pt(0)
    if indent:
        p.paragraph_format.left_indent = Cm(indent)
    run = p.add_run(text)
    run.bold, run.italic = bold, italic
    run.font.size = Pt(size)


def grid(doc, headers: list[str], widths: list[float], body: list[list], *, size: float = 11.5) -> Table:
    """A bordered table: a shaded header row repeated on each page, then `body` rows.

    A body row is a list of cell specs: a string (left), or (text, options) with options among 'r' (right), 'c'
    (centre), 'b' (bold), 'i' (italic), '>' (indented). A row of one string starting with '{%tr' is a row tag.
    """
    table = doc.add_table(rows=0, cols=len(headers))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _widths(table, widths)
    row = table.add_row()
    _repeat_header(row)
    for cell, text, width in zip(row.cells, headers, widths, strict=True):
        cell.width = Cm(width)
        _shade(cell)
        _cell_text(cell, text, bold=True, align=CENTER, size=size)
    for spec in body:
        row = table.add_row()
        if len(spec) == 1 and str(spec[0]).startswith("{%t"):
            _cell_text(row.cells[0], spec[0], size=size)
            for cell, width in zip(row.cells, widths, strict=True):
                cell.width = Cm(width)
            continue
        for cell, item, width in zip(row.cells, spec, widths, strict=True):
            text, opts = (item, "") if isinstance(item, str) else item
            cell.width = Cm(width)
            align = RIGHT if "r" in opts else (CENTER if "c" in opts else LEFT)
            _cell_text(cell, text, bold="b" in opts, italic="i" in opts, align=align, size=size,
                       indent=0.4 if ">" in opts else 0)
    return table


def header_block(doc, left: list[tuple[str, str]], right: list[tuple[str, str]], widths=(6.0, 10.5)) -> None:
    """The two-column heading of an administrative document; items are (style, text), style '-' draws the rule."""
    table = doc.add_table(rows=1, cols=2)
    table.autofit = False
    _widths(table, widths)
    _no_borders(table)
    for cell, items, width in zip(table.rows[0].cells, (left, right), widths, strict=True):
        cell.width = Cm(width)
        cell.paragraphs[0]._p.getparent().remove(cell.paragraphs[0]._p)
        for style, text in items:
            if style == "-":
                rule(cell, float(text), width)
                continue
            if style == "tag":
                tag(cell, text)
                continue
            para(cell, text, bold="b" in style, italic="i" in style, size=12 if "s" in style else 13,
                 align=RIGHT if "r" in style else CENTER, after=0)


def signature_block(doc, copies: str | None = "office.copies") -> None:
    """Decree 30's foot: 'Nơi nhận:' on the left (12/11 pt) with '- Như trên;', the copies and '- Lưu: VT, <drafting
    unit>.'; on the right the authority lines (TM., KT., …), the signer's title, room to sign, the full name."""
    table = doc.add_table(rows=1, cols=2)
    table.autofit = False
    _widths(table, (8, 8.5))
    _no_borders(table)
    left, right = table.rows[0].cells
    left.width, right.width = Cm(8), Cm(8.5)
    left.paragraphs[0]._p.getparent().remove(left.paragraphs[0]._p)
    para(left, "{{ labels.doc.received }}", bold=True, italic=True, size=12, align=LEFT, after=0)
    para(left, "{{ labels.doc.as_above }}", size=11, align=LEFT, after=0)
    if copies:
        tag(left, f"{{%p for c in {copies} %}}")
        para(left, "- {{ c }};", size=11, align=LEFT, after=0)
        tag(left, "{%p endfor %}")
    para(left, "{{ labels.doc.archive.format(drafting=office.drafting) }}", size=11, align=LEFT, after=0)
    right.paragraphs[0]._p.getparent().remove(right.paragraphs[0]._p)
    tag(right, "{%p for a in office.authority %}")
    para(right, "{{ a }}", bold=True, align=CENTER, after=0)
    tag(right, "{%p endfor %}")
    para(right, "{{ office.signer_title }}", bold=True, align=CENTER, after=0)
    para(right, "", align=CENTER, after=60)
    para(right, "{{ office.signer_name }}", bold=True, align=CENTER, after=0)


def issuer_header(doc, number: str, extra_left: list[tuple[str, str]] | None = None) -> None:
    """The two-column heading: the issuing body (its parent plain, its name bold), the number; the national
    emblem lines, the place and date."""
    left: list[tuple[str, str]] = [("tag", "{%p if office.parent %}"), ("s", "{{ office.parent }}"),
                                   ("tag", "{%p endif %}"), ("tag", "{%p for h in office.header %}"),
                                   ("b", "{{ h }}"), ("tag", "{%p endfor %}"), ("-", "2.2"), ("", number)]
    header_block(doc, left + (extra_left or []),
                 [("bs", "{{ labels.doc.nation }}"), ("b", "{{ labels.doc.motto }}"), ("-", "5.6"),
                  ("i", "{{ labels.doc.date_line.format(place=place, year=period.year) }}")])


def addressees(doc, names: str = "office.addressees") -> None:
    """'Kính gửi:' with one addressee on the line, or one dashed line per addressee when there are several."""
    tag(doc, f"{{%p if {names}|length == 1 %}}")
    para(doc, f"{{{{ labels.doc.to }}}} {{{{ {names}[0] }}}}.", align=CENTER, after=12)
    tag(doc, "{%p else %}")
    para(doc, "{{ labels.doc.to }}", align=CENTER, after=0)
    tag(doc, f"{{%p for a in {names} %}}")
    para(doc, "- {{ a }}{{ '.' if loop.last else ';' }}", align=LEFT, indent=4.5, after=0)
    tag(doc, "{%p endfor %}")
    para(doc, "", after=6)
    tag(doc, "{%p endif %}")


def chart(doc, key: str, caption: str) -> None:
    """A chart picture (a docxtpl InlineImage) with its caption, only if the chart was drawn."""
    tag(doc, f"{{%p if charts.{key} is defined %}}")
    para(doc, f"{{{{ charts.{key} }}}}", align=CENTER, after=0, before=6)
    para(doc, f"{caption} {{{{ labels.chart.{key}_title }}}}", italic=True, size=11, align=CENTER, after=6)
    tag(doc, "{%p endif %}")


def narrative_blocks(doc, expr: str, numbered_from: str | None = None) -> None:
    """The units' texts of a list of NarrativeBlock: the block's label, then 'Units: text' per entry."""
    tag(doc, f"{{%p for block in {expr} %}}")
    if numbered_from:
        heading(doc, f"{{{{ loop.index + {numbered_from} }}}}. {{{{ block.label }}}}")
    else:
        heading(doc, "{{ block.label }}", italic=True)
    tag(doc, "{%p for e in block.entries %}")
    runs(doc, [("b", "{{ e.units }}: "), ("", "{{ e.text }}")], first=1)
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endfor %}")


def _stamp(doc) -> None:
    # Fixed properties: rebuilding an unchanged template gives the same file (no spurious diff to commit).
    props = doc.core_properties
    props.author = props.last_modified_by = "xl-bdg"
    props.created = props.modified = dt.datetime(2026, 1, 1)
    props.revision = 1


def indicator_table(doc, rows: str) -> None:
    """An indicator table: label, unit, the province figure, the units that reported it."""
    grid(doc, ["{{ labels.col.indicator }}", "{{ labels.col.unit }}", "{{ labels.col.value }}",
               "{{ labels.col.units_reporting }}"], [9.0, 2.6, 2.6, 2.3], [
        [f"{{%tr for r in {rows} %}}"],
        ["{%tr if r.level %}"],
        [("{{ r.label }}", "i>"), ("{{ r.unit }}", "i"), ("{{ r.value }}", "r"), ("{{ r.units }}", "r")],
        ["{%tr else %}"],
        ["{{ r.label }}", "{{ r.unit }}", ("{{ '' if r.heading else r.value }}", "r"),
         ("{{ '' if r.heading else r.units }}", "r")],
        ["{%tr endif %}"],
        ["{%tr endfor %}"],
    ])


def target_table(doc, targets: str) -> None:
    """The target table of a goal: baseline, last year, this period, the milestone that applies, reached or not."""
    grid(doc, ["{{ labels.col.indicator }}", "{{ labels.doc.col_baseline }}",
               "{{ labels.doc.col_previous.format(period=previous) if previous else labels.no_data }}",
               "{{ labels.doc.col_now }}", "{{ labels.col.target_now }}", "{{ labels.col.met }}"],
         [6.0, 1.7, 1.8, 1.8, 2.4, 2.8], [
        [f"{{%tr for t in {targets} %}}"],
        ["{{ t.label }}{% if t.unit %} ({{ t.unit }}){% endif %}{% if t.note %}. {{ t.note }}{% endif %}",
         ("{{ t.baseline }}", "r"),
         ("{{ t.previous }}", "r"), ("{{ t.value }}", "r"),
         ("{{ t.sign }} {{ t.target_now }} ({{ t.milestone_year }})", "r"),
         ("{{ labels.doc.status[t.status] }}", "c")],
        ["{%tr endfor %}"],
    ], size=11)


def paragraphs(doc, expr: str, prefix: str = "") -> None:
    """The written paragraphs of a list of Para."""
    tag(doc, f"{{%p for p in {expr} %}}")
    para(doc, prefix + "{{ p.text }}", first=1)
    tag(doc, "{%p endfor %}")


def build_report(target: Path) -> None:
    """report.docx: the province report, in either language: every word comes from labels.yaml and the context."""
    doc = new_document()
    issuer_header(doc, "{{ labels.doc.number.format(code=office.doc_code) }}")
    para(doc, "{{ labels.doc.kind }}", bold=True, size=14, align=CENTER, after=0).paragraph_format.space_before = Pt(18)
    para(doc, "{{ labels.doc.title.format(period=period.title) }}", bold=True, size=14, align=CENTER, after=0)
    rule(doc, 3, 16.5)
    addressees(doc)
    para(doc, "{{ opening.text }}", first=1)
    para(doc, "{{ comparison.text }}", first=1)

    heading(doc, "{{ labels.doc.s1 }}")
    tag(doc, "{%p for t in direction %}")
    heading(doc, "{{ t.number }}. {{ t.title }}")
    paragraphs(doc, "t.paras")
    tag(doc, "{%p if t.rows %}")
    indicator_table(doc, "t.rows")
    tag(doc, "{%p endif %}")
    tag(doc, '{%p if t.id == "activities" and categories %}')
    grid(doc, ["{{ labels.col.category }}", "{{ labels.col.activities }}", "{{ labels.col.part_t }}",
               "{{ labels.col.part_f }}", "{{ labels.col.part_f_pct }}", "{{ labels.col.budget }}"],
         [4.3, 2.0, 2.6, 2.3, 2.0, 3.3], [
        ["{%tr for c in categories %}"],
        ["{{ c.category }}", ("{{ c.count }}", "r"), ("{{ c.sums.part_t }}", "r"), ("{{ c.sums.part_f }}", "r"),
         ("{{ c.female_pct }}", "r"), ("{{ c.sums.budget }}", "r")],
        ["{%tr endfor %}"],
        [("{{ categories_total.category }}", "b"), ("{{ categories_total.count }}", "rb"),
         ("{{ categories_total.sums.part_t }}", "rb"), ("{{ categories_total.sums.part_f }}", "rb"),
         ("{{ categories_total.female_pct }}", "rb"), ("{{ categories_total.sums.budget }}", "rb")],
    ])
    chart(doc, "categories", "{{ labels.doc.chart.format(n=2) }}")
    # `{%tc %}` cells vanish when rendered and the middle cell repeats once per budget column of the form; the
    # rendered cells take the grid's widths by position, so the grid is laid out for the two usual columns.
    grid(doc, ["{{ labels.col.budget_source }}", "{%tc for c in budget_columns %}", "{{ c }}", "{%tc endfor %}"],
         [7.0, 4.75, 4.75, 0.02], [
        ["{%tr for b in budget %}"],
        ["{{ b.source }}", "{%tc for v in b.values %}", ("{{ v }}", "r"), "{%tc endfor %}"],
        ["{%tr endfor %}"],
        [("{{ budget_total.source }}", "b"), "{%tc for v in budget_total.values %}", ("{{ v }}", "rb"),
         "{%tc endfor %}"],
    ])
    chart(doc, "budget", "{{ labels.doc.chart.format(n=3) }}")
    tag(doc, "{%p endif %}")
    tag(doc, '{%p if t.id == "intake" %}')
    chart(doc, "status", "{{ labels.doc.chart.format(n=1) }}")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endfor %}")

    heading(doc, "{{ labels.doc.s2 }}")
    para(doc, "{{ goals_intro.text }}", first=1)
    tag(doc, "{%p for g in goals %}")
    heading(doc, "{{ g.number }}. {{ g.title }}")
    paragraphs(doc, "g.paras")
    tag(doc, "{%p if g.rows %}")
    indicator_table(doc, "g.rows")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p if g.targets %}")
    para(doc, "", after=0, size=6)
    target_table(doc, "g.targets")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endfor %}")
    chart(doc, "targets", "{{ labels.doc.chart.format(n=4) }}")

    heading(doc, "{{ labels.doc.s3 }}")
    tag(doc, "{%p for t in assessment %}")
    heading(doc, "{{ t.number }}. {{ t.title }}")
    paragraphs(doc, "t.paras")
    tag(doc, "{%p endfor %}")

    heading(doc, "{{ labels.doc.s4.format(year=next_year) }}")
    paragraphs(doc, "tasks", "- ")

    heading(doc, "{{ labels.doc.s5 }}")
    tag(doc, "{%p for t in recommendations %}")
    heading(doc, "{{ t.number }}. {{ t.title }}")
    paragraphs(doc, "t.paras", "- ")
    tag(doc, "{%p endfor %}")
    para(doc, "{{ labels.doc.closing.format(period=period.title, issuer=office.name) }}", first=1, after=12)
    signature_block(doc)

    def appendix(n: int, title: str) -> None:
        doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        para(doc, f"{{{{ labels.doc.appendix.format(n={n}) }}}}", bold=True, align=CENTER, after=0)
        para(doc, title, bold=True, align=CENTER, after=2)
        para(doc, "{{ labels.doc.appendix_of.format(code=office.doc_code, issuer=office.name) }}", italic=True,
             size=12, align=CENTER, after=8)

    appendix(1, "{{ labels.doc.a_status.format(period=period.title) }}")
    grid(doc, ["{{ labels.col.no }}", "{{ labels.col.unit_name }}", "{{ labels.col.received_at }}",
               "{{ labels.col.on_time }}", "{{ labels.col.status }}", "{{ labels.col.errors }}"],
         [1.3, 5.1, 3.2, 2.0, 3.6, 1.3], [
        ["{%tr for s in statuses %}"],
        [("{{ s.no }}", "c"), "{{ s.name }}", "{{ s.received }}", "{{ s.timeliness }}", "{{ s.status }}",
         ("{{ s.errors }}", "r")],
        ["{%tr endfor %}"],
    ], size=11)
    para(doc, "{{ labels.doc.generated.format(date=generated) }}", italic=True, size=11, align=LEFT)
    para(doc, "{{ labels.doc.a_annex.format(last='09') }}", italic=True, size=11, align=LEFT)

    appendix(2, "{{ labels.doc.a_documents.format(period=period.title) }}")
    tag(doc, "{%p if documents %}")
    grid(doc, ["{{ labels.col.no }}", "{{ labels.col.unit_name }}", "{{ labels.doc.col_document }}",
               "{{ labels.doc.col_about }}"], [1.3, 4.4, 5.2, 5.6], [
        ["{%tr for d in documents %}"],
        [("{{ d.no }}", "c"), "{{ d.unit }}", "{{ d.document }}", "{{ d.about }}"],
        ["{%tr endfor %}"],
    ], size=11)
    tag(doc, "{%p else %}")
    para(doc, "{{ labels.doc.w_no_documents }}", first=1)
    tag(doc, "{%p endif %}")

    appendix(3, "{{ labels.doc.a_texts.format(period=period.title) }}")
    para(doc, "{{ labels.doc.a_texts_note }}", italic=True, size=12, align=LEFT)
    tag(doc, "{%p for k in unit_texts %}")
    heading(doc, "{{ loop.index }}. {{ k.kind }}")
    tag(doc, "{%p for block in k.blocks %}")
    heading(doc, "{{ block.label }}", italic=True)
    tag(doc, "{%p for e in block.entries %}")
    runs(doc, [("b", "{{ e.units }}: "), ("", "{{ e.text }}")], first=1)
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endfor %}")
    doc.core_properties.title = "xl-bdg report"
    _stamp(doc)
    doc.save(str(target))


def build_letter(target: Path) -> None:
    """letter.docx: the office's letter asking a unit to correct its submission, cell by cell. Every word comes from
    the context (LetterContext.words, labels.yaml `letter`, `doc`, `col`), so one template writes every language."""
    doc = new_document()
    issuer_header(doc, "{{ labels.doc.letter_number.format(code=office.doc_code, drafting=office.drafting) }}",
                  [("s", "{{ words.subject }}")])
    para(doc, "{{ labels.doc.to }} {{ unit_name }}.", align=CENTER, after=12).paragraph_format.space_before = Pt(18)
    para(doc, "{{ words.opening }}", first=1)
    grid(doc, ["{{ labels.col.no }}", "{{ labels.col.where }}", "{{ labels.col.value_found }}",
               "{{ labels.col.problem }}"], [1.3, 3.5, 2.9, 8.8], [
        ["{%tr for f in errors %}"],
        [("{{ loop.index }}", "c"), "{{ f.where }}", "{{ f.value }}", "{{ f.title }}: {{ f.message }}"],
        ["{%tr endfor %}"],
    ], size=11)
    tag(doc, "{%p if warnings %}")
    para(doc, "{{ words.warnings }}", first=1, before=6)
    grid(doc, ["{{ labels.col.no }}", "{{ labels.col.where }}", "{{ labels.col.value_found }}",
               "{{ labels.col.problem }}"], [1.3, 3.5, 2.9, 8.8], [
        ["{%tr for f in warnings %}"],
        [("{{ loop.index }}", "c"), "{{ f.where }}", "{{ f.value }}", "{{ f.title }}: {{ f.message }}"],
        ["{%tr endfor %}"],
    ], size=11)
    tag(doc, "{%p endif %}")
    tag(doc, "{%p if changes %}")
    para(doc, "{{ words.changes }}", first=1, before=6)
    grid(doc, ["{{ labels.col.no }}", "{{ labels.col.code }}", "{{ labels.col.indicator }}", "{{ labels.col.where }}",
               "{{ labels.letter.before }}", "{{ labels.letter.after }}"], [1.1, 2.7, 5.7, 3.3, 1.85, 1.85], [
        ["{%tr for c in changes %}"],
        [("{{ loop.index }}", "c"), "{{ c.key }}", "{{ c.label }}", "{{ c.where }}", ("{{ c.before }}", "r"),
         ("{{ c.after }}", "r")],
        ["{%tr endfor %}"],
    ], size=10.5)
    tag(doc, "{%p endif %}")
    para(doc, "{{ words.request }}", first=1, before=6)
    para(doc, "{{ words.regards }}", first=1, after=12)
    signature_block(doc, None)
    doc.core_properties.title = "xl-bdg letter"
    _stamp(doc)
    doc.save(str(target))


def main() -> None:
    """Write report.docx and letter.docx next to this script."""
    build_report(HERE / "report.docx")
    build_letter(HERE / "letter.docx")
    print(f"wrote {HERE / 'report.docx'} and {HERE / 'letter.docx'}")


if __name__ == "__main__":
    main()
