"""The Excel annex as a set of forms (Biểu số 01–09): read back semantically (values, sheets, headings, feet, print
setup, charts), never as XML; and printed by LibreOffice on the configured paper with no text under 8 pt."""

from __future__ import annotations

import copy
import html
import re
import shutil
import subprocess
import unicodedata
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, get_column_letter
from support.office import convert

from xl_bdg.form.project import Project
from xl_bdg.report.annex import HEADER_ROW, write_annex
from xl_bdg.report.annex_form import CM_PER_UNIT, PAGE_WIDTH, print_scale
from xl_bdg.report.build import load_labels
from xl_bdg.report.issuer import report_issuer
from xl_bdg.templating import TEMPLATES_DIR

CODE = re.compile(r"^[A-Z]{2,4}_\d{2}$")


@pytest.fixture(scope="module")
def annex(sample) -> Path:
    return next((sample.out_dir / "report").glob("bieu-tong-hop_*.xlsx"))


def _header(ws) -> list:
    return [c.value for c in ws[HEADER_ROW]]


def _kinds(sample) -> list[str]:
    labels = load_labels("vi")
    kinds: list[str] = []
    for s in sample.dataset.statuses:
        if s.used_sha256 and labels["kind"][s.kind] not in kinds:
            kinds.append(labels["kind"][s.kind])
    return kinds


def test_annex_is_a_set_of_forms_each_with_heading_foot_and_print_setup(annex, sample, project: Project):
    labels = load_labels("vi")
    lab = labels["annex"]
    wb = load_workbook(annex)
    by_kind = [lab["sheet_by_kind"].format(letter="abcdefgh"[i], kind=k) for i, k in enumerate(_kinds(sample))]
    assert wb.sheetnames == [lab["sheet_province"], *by_kind, *(lab[k] for k in (
        "sheet_targets", "sheet_categories", "sheet_activities", "sheet_budget", "sheet_status", "sheet_checks",
        "sheet_documents"))]
    issuer = report_issuer(project)
    numbers = []
    for ws in wb.worksheets:
        texts = [str(c.value) for row in ws.iter_rows(max_row=4) for c in row if c.value]
        assert texts[0].startswith("Biểu số ") and ws["A1"].font.b, ws.title
        numbers.append(texts[0].removeprefix("Biểu số "))
        assert lab["attached"].format(code=issuer.doc_code) in texts, ws.title
        assert lab["reporting"].format(name=issuer.name) in texts, ws.title
        assert lab["receiving"].format(name=issuer.addressees[0]) in texts, ws.title
        assert any(t.startswith("Kỳ báo cáo: " + sample.dataset.period.title("vi")) for t in texts), ws.title
        foot = [str(c.value) for row in ws.iter_rows(min_row=HEADER_ROW + 1) for c in row if c.value]
        assert lab["preparer"] in foot and lab["head"] in foot, ws.title
        assert ws.print_title_rows.replace("$", "") == f"{HEADER_ROW}:{HEADER_ROW}", ws.title
        assert ws.freeze_panes and ws.freeze_panes.endswith(str(HEADER_ROW + 1)), ws.title
        assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == "9", ws.title
        _assert_prints_readably(ws, annex)
        # Every page says which form it is and which page: the words from labels.yaml, the codes Excel's.
        form = lab["page_header"].format(form=texts[0], title=ws["A3"].value)
        assert ws.oddHeader.center.text == form.replace("&", "&&"), ws.title
        assert ws.oddFooter.center.text == lab["page_footer"].format(page="&P", pages="&N"), ws.title
    assert numbers == ["01", *(f"02{'abcdefgh'[i]}" for i in range(len(by_kind))), "03", "04", "05", "06", "07",
                       "08", "09"]


def _columns(ws) -> int:
    """The form's last column: its print area's, else its header's."""
    if ws.print_area:
        return column_index_from_string(re.sub(r"[^A-Z:]", "", ws.print_area.split("!")[-1]).split(":")[1])
    return max(c.column for c in ws[HEADER_ROW] if c.value is not None)


def _pages_across(ws) -> list[list[int]]:
    """The columns each page across prints, the repeated ones included."""
    last, breaks = _columns(ws), sorted(b.id for b in ws.col_breaks.brk)
    repeated = column_index_from_string(ws.print_title_cols.split(":")[1].strip("$")) if ws.print_title_cols else 0
    starts = [1, *(b + 1 for b in breaks)]
    ends = [*breaks, last]
    return [[*range(1, repeated + 1), *range(max(a, repeated + 1), b + 1)] if i else list(range(a, b + 1))
            for i, (a, b) in enumerate(zip(starts, ends, strict=True))]


def _chart_sizes(annex: Path) -> list[float]:
    with zipfile.ZipFile(annex) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/charts/chart"))
    return [int(sz) / 100 for sz in re.findall(r'\bsz="(\d+)"', xml)]


def _assert_prints_readably(ws, annex: Path, paper: str = "A4") -> None:
    """Printed at 80–100 %, shrunk only when the table is wider than a page at 100 %, every page across within
    the paper's width, and no text (cells, charts) under 8 pt once scaled."""
    scale = ws.page_setup.scale
    assert 80 <= scale <= 100 and not ws.sheet_properties.pageSetUpPr.fitToPage, (ws.title, scale)
    width = {c: ws.column_dimensions[get_column_letter(c)].width for c in range(1, _columns(ws) + 1)}
    page = PAGE_WIDTH[paper] * 100 / scale
    for cols in _pages_across(ws):
        assert sum(width[c] for c in cols) <= page, (ws.title, scale, cols)
    if scale < 100:
        assert sum(width.values()) > PAGE_WIDTH[paper], f"{ws.title} is shrunk to {scale} % but fits at 100 %"
    sizes = [c.font.sz for row in ws.iter_rows() for c in row if c.value is not None]
    if ws._charts or any("drawing" in str(r.Type) for r in ws._rels):
        sizes += _chart_sizes(annex)
    sizes += [part.size for part in (ws.oddHeader.center, ws.oddFooter.center) if part.text]
    assert min(sizes) * scale / 100 >= 8.0, (ws.title, scale, min(sizes))


def test_a_form_a_little_wider_than_the_page_is_shrunk_to_fit_it():
    """Shrunk as little as fits the page's width, never under 8 pt for the smallest text; a table no scale fits is
    shrunk only as far as it saves a page across."""
    page = PAGE_WIDTH["A4"]
    fits = print_scale([10.0] * 12, 1, "A4", 10)  # 120 units: one page at 120 / 104 → 86 %
    assert fits == int(100 * page / 120) and page * 100 / fits >= 120
    assert print_scale([10.0] * 10, 1, "A4", 10) == 100
    assert print_scale([10.0] * 12, 1, "A4", 11) == fits  # 11 pt × 86 % is still over 8 pt
    assert print_scale([10.0] * 12, 1, "A4", 9) == 100  # 9 pt × 86 % is not: two pages across at 100 %
    # 60 + 30 × 10 units: 4 pages across at 100 % (5, 10, 10, 6 columns), 3 from 86 % (6, 12, 12) down to 80 %.
    assert print_scale([60.0, *([10.0] * 30)], 1, "A4", 10) == 86
    # The first 3 columns (60 units) repeated: 6 pages across at 100 % (2 of the 12 others on each), 4 from 86 %.
    assert print_scale([20.0] * 15, 3, "A4", 10) == 86
    assert print_scale([20.0] * 15, 3, "A3", 10) == 83  # 150 units: 3 pages at 100 % (4 on each), 2 from 83 %


def test_heading_and_foot_lie_within_the_printed_width(annex):
    """Every merged block (the heading's, the foot's) lies within the form's printed columns and on one page across:
    a block over a page break prints in two pieces, one past the table prints on a page of its own."""
    wb = load_workbook(annex)
    for ws in wb.worksheets:
        last, breaks = _columns(ws), [b.id for b in ws.col_breaks.brk]
        merged = list(ws.merged_cells.ranges)
        assert merged, ws.title
        for m in merged:
            assert m.max_col <= last, (ws.title, str(m), last)
            assert not [b for b in breaks if m.min_col <= b < m.max_col], (ws.title, str(m), breaks)
        words = set(load_labels("vi")["annex"].values())
        blocks = [c for row in ws.iter_rows() for c in row if c.value in words or (c.row <= 4 and c.value)]
        assert len(blocks) >= 9, ws.title  # form number, report, bodies, title, period, signatures and notes
        assert max(c.column for c in blocks) <= last, ws.title


def test_a_wide_form_prints_its_heading_on_its_first_page(annex):
    """A form wider than a page is cut into pages across: its title, period and both heading blocks are merged
    within the first page, where they print whole, not centred over every page and cut at the first one's edge."""
    wb = load_workbook(annex)
    wide = [ws for ws in wb.worksheets if ws.col_breaks.brk]
    assert wide, "the demo's annex has forms wider than a page"
    for ws in wide:
        first_page_end = min(b.id for b in ws.col_breaks.brk)
        heading = [m for m in ws.merged_cells.ranges if m.min_row <= 4]
        assert heading, ws.title
        assert all(m.max_col <= first_page_end for m in heading), (ws.title, first_page_end, heading)
        assert ws.cell(row=3, column=1).value


def test_a3_is_configuration(sample, project: Project, tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, templates)
    conf = templates / "report.yaml"
    conf.write_text(conf.read_text(encoding="utf-8").replace("paper: A4", "paper: A3"), encoding="utf-8")
    target = write_annex(project, sample.dataset, tmp_path / "a3.xlsx", templates_dir=templates)
    wb = load_workbook(target)
    assert {str(ws.page_setup.paperSize) for ws in wb.worksheets} == {"8"}
    for ws in wb.worksheets:  # scaled and cut into pages across for the larger page
        _assert_prints_readably(ws, target, "A3")


def _same(shown, expected) -> bool:
    return shown is None if expected is None else shown == pytest.approx(expected)


def _indicator_rows(ws, project: Project):
    """(indicator, field, row values) of each line of an indicator form (group headings skipped)."""
    code = None
    for row in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True):
        if row[1] is None or row[2] is None or row[0] == "STT":
            continue  # a group heading, or the foot
        if isinstance(row[0], int):
            code, fid = row[1], None
            ind = project.form.indicator(code)
            agg = [f for f in ind.fields if ind.field_agg(f) is not None]
            if ind.agg != "ratio" and len(agg) == 1:
                fid = agg[0].id
        else:
            fid = row[1]
        yield code, fid, row


def test_province_form_holds_the_province_figures(annex, sample, project: Project):
    ds = sample.dataset
    ws = load_workbook(annex)[load_labels("vi")["annex"]["sheet_province"]]
    checked = 0
    for code, fid, row in _indicator_rows(ws, project):
        assert _same(row[4], ds.value(code, fid)), (code, fid)
        checked += 1
    assert checked > 40


def test_each_kind_of_unit_has_its_form_with_every_unit(annex, sample, project: Project):
    ds = sample.dataset
    lab = load_labels("vi")
    wb = load_workbook(annex)
    names = {s.name: s.unit for s in ds.statuses}
    seen: set[str] = set()
    for i, kind in enumerate(_kinds(sample)):
        ws = wb[lab["annex"]["sheet_by_kind"].format(letter="abcdefgh"[i], kind=kind)]
        head = _header(ws)
        unit_cols = {j: names[h] for j, h in enumerate(head) if h in names}
        assert {lab["kind"][project.registry.get(u).kind] for u in unit_cols.values()} == {kind}
        assert ws.print_title_cols.replace("$", "") == "A:E", "the indicator columns print again on each page across"
        kind_id = project.registry.get(next(iter(unit_cols.values()))).kind
        for code, fid, row in _indicator_rows(ws, project):
            assert _same(row[4], ds.value(code, fid, f"kind:{kind_id}")), (code, fid)
            for j, unit in unit_cols.items():
                assert _same(row[j], ds.value(code, fid, unit)), (code, fid, unit)
        seen |= set(unit_cols.values())
    assert seen == {s.unit for s in ds.statuses if s.used_sha256}


def test_targets_form_has_last_year_and_the_milestone(annex, sample, project: Project):
    ds = sample.dataset
    labels = load_labels("vi")
    ws = load_workbook(annex)[labels["annex"]["sheet_targets"]]
    rows = list(ws.iter_rows(min_row=HEADER_ROW + 1, max_row=HEADER_ROW + len(project.targets), values_only=True))
    for t, row in zip(project.targets, rows, strict=True):
        value = ds.value(t.indicator) if t.indicator else None
        assert _same(row[6], value), t.code
        assert row[7] == pytest.approx(t.milestone(ds.period.year))
        met = t.met(value, ds.period.year)
        status = "not_tracked" if not t.tracked else "no_data" if met is None else ("met" if met else "not_met")
        assert row[8] == labels["doc"]["status"][status]


def test_activities_categories_budget_and_status_add_up(annex, sample, project: Project):
    ds = sample.dataset
    labels = load_labels("vi")["annex"]
    wb = load_workbook(annex)
    acts = wb[labels["sheet_activities"]]
    listed = [r for r in acts.iter_rows(min_row=HEADER_ROW + 1, values_only=True) if isinstance(r[0], int)]
    assert len(listed) == len(ds.activities)
    assert acts.auto_filter.ref and acts.auto_filter.ref.startswith(f"A{HEADER_ROW}")
    cats = wb[labels["sheet_categories"]]
    body = [r for r in cats.iter_rows(min_row=HEADER_ROW + 1, max_row=HEADER_ROW + 1 + 40, values_only=True)
            if isinstance(r[1], int)]
    *per_category, total = body
    assert total[1] == len(ds.activities) == sum(r[1] for r in per_category)
    for r in per_category:
        assert r[1] == sum(1 for a in ds.activities if a.values.get("category") == r[0])
    budget = wb[labels["sheet_budget"]]
    sources = project.form.lists[project.form.budget.rows_list].values
    rows = [r for r in budget.iter_rows(min_row=HEADER_ROW + 1, values_only=True) if r[0] in sources]
    cols = [c.id for c in project.form.budget.columns]
    assert len(rows) == len(sources)
    for source, *values in rows:
        for shown, col in zip(values, cols, strict=False):
            assert _same(shown, ds.budget.get((ds.province, source, col))), (source, col)
    status = wb[labels["sheet_status"]]
    codes = [r[9] for r in status.iter_rows(min_row=HEADER_ROW + 1, max_row=HEADER_ROW + len(ds.statuses),
                                            values_only=True)]
    assert codes == [s.unit for s in ds.statuses]


def test_native_charts_are_labelled_in_words(annex):
    labels = load_labels("vi")["annex"]
    wb = load_workbook(annex)
    for key in ("sheet_targets", "sheet_categories", "sheet_budget", "sheet_status"):
        ws = wb[labels[key]]
        # openpyxl does not read charts back; the drawing part is what Excel and LibreOffice draw from.
        assert ws._charts or any("drawing" in str(r.Type) for r in ws._rels), key
    with zipfile.ZipFile(annex) as z:
        charts = [z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) >= 4  # a chart with more categories than a page holds is in parts
    refs = {m for xml in charts for m in re.findall(r"<(?:c:)?cat>.*?<(?:c:)?f>(.*?)</(?:c:)?f>", xml, re.S)}
    assert len(refs) == len(charts)
    for ref in refs:
        sheet, cells = ref.rsplit("!", 1)
        ws = wb[sheet.strip("'")]
        values = [c.value for row in ws[cells.replace("$", "")] for c in row]
        assert values and not [v for v in values if isinstance(v, str) and CODE.match(v)], (ref, values)
    # A chart is no wider than the form's printed columns (the print area ends there: a wider one prints cut).
    with zipfile.ZipFile(annex) as z:
        for key in ("sheet_targets", "sheet_categories", "sheet_budget", "sheet_status"):
            ws = wb[labels[key]]
            drawing = next(Path(r.Target).name for r in ws._rels if "drawing" in str(r.Type))
            xml = z.read(f"xl/drawings/{drawing}").decode("utf-8")
            widths = [int(cx) / 360000 for cx in re.findall(r'<(?:xdr:)?ext cx="(\d+)"', xml)]
            printed = CM_PER_UNIT * sum(ws.column_dimensions[get_column_letter(c)].width
                                        for c in range(1, _columns(ws) + 1))
            assert widths and max(widths) <= printed, (key, widths, printed)
    # Every series is named by its column's header, in words (a later part's too).
    for name in {m for xml in charts for m in re.findall(r"<(?:c:)?tx><(?:c:)?strRef><(?:c:)?f>(.*?)</", xml)}:
        sheet, cell = name.rsplit("!", 1)
        value = wb[sheet.strip("'")][cell.replace("$", "")].value
        assert isinstance(value, str) and not value[:1].isdigit(), (name, value)


def test_text_that_looks_like_a_formula_stays_text(sample, project: Project, tmp_path):
    ds = copy.deepcopy(sample.dataset)
    ds.activities[0].values["title"] = "=HYPERLINK(\"http://x\")"
    target = write_annex(project, ds, tmp_path / "annex.xlsx")
    ws = load_workbook(target)[load_labels("vi")["annex"]["sheet_activities"]]
    cell = next(c for row in ws.iter_rows(min_row=HEADER_ROW + 1) for c in row
                if c.value == "=HYPERLINK(\"http://x\")")
    assert cell.data_type == "s"


def test_cross_check_warnings_are_listed_one_per_row_in_words(annex, sample, project: Project):
    """What no single workbook shows (one activity in two units, FY below H1, outliers) reaches the office."""
    ds = sample.dataset
    ws = load_workbook(annex)[load_labels("vi")["annex"]["sheet_checks"]]
    rows = [r for r in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True) if isinstance(r[0], int)]
    assert ds.warnings, "the sample season must produce cross-check warnings for this test to mean anything"
    assert len(rows) == len(ds.warnings)
    messages = project.form.messages
    expected = sorted((f.where, *f.render(messages, "vi")) for f in ds.warnings)
    assert sorted((r[3], r[4], r[5]) for r in rows) == expected
    assert not [r for r in rows for v in r if isinstance(v, str) and re.fullmatch(r"[a-z]+(-[a-z0-9]+)+", v)]


def _pages(pdf: Path) -> list[tuple[float, float]]:
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "9999", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)]


@pytest.fixture(scope="module")
def printed(annex, tmp_path_factory) -> Path:
    """The annex printed to PDF by LibreOffice."""
    return convert(annex, "pdf", tmp_path_factory.mktemp("annex-pdf"))


def _page_words(pdf: Path, top: float) -> list[tuple[list[str], list[str]]]:
    """Each page's words (NFC): those above `top` points (its page header), and all."""
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for page in xml.split("<page ")[1:]:
        words = [(float(y), unicodedata.normalize("NFC", html.unescape(w)))
                 for y, w in re.findall(r'<word [^>]*yMax="([\d.]+)">([^<]*)</word>', page)]
        pages.append(([w for y, w in words if y < top], [w for _, w in words]))
    return pages


@pytest.mark.libreoffice
def test_every_printed_page_names_its_form_and_carries_whole_columns(annex, printed, sample, project: Project):
    """As LibreOffice prints the annex: the first page carries the form's heading; every page has the page header
    naming its form (the forms in order) and the column header of one page across in full — every page across
    the writer planned is printed and none is cut again by the program (its columns would be split over two pages,
    their header words on neither); every page across has the same number of pages down."""
    labels = load_labels("vi")["annex"]
    wb = load_workbook(annex)
    # The page header sits above the top margin.
    pages = _page_words(printed, top=wb.worksheets[0].page_margins.top * 72)
    issuer = report_issuer(project)
    first = " ".join(pages[0][1])
    for text in (labels["form_no"].format(n="01"), labels["attached"].format(code=issuer.doc_code),
                 labels["reporting"].format(name=issuer.name), labels["receiving"].format(name=issuer.addressees[0]),
                 labels["title_province"]):
        assert " ".join(text.split()) in first, text
    forms = [str(ws["A1"].value) for ws in wb.worksheets]
    owner = []
    for n, (header, _) in enumerate(pages, start=1):
        named = [f for f in forms if " ".join(header[:len(f.split()) + 1]) == f"{f} —"]
        assert len(named) == 1, (n, header)
        owner.append(forms.index(named[0]))
    assert owner == sorted(owner) and sorted(set(owner)) == list(range(len(forms))), owner
    for i, ws in enumerate(wb.worksheets):
        own = [set(words) for (_, words), o in zip(pages, owner, strict=True) if o == i]
        across = [{w for c in cols for w in str(ws.cell(row=HEADER_ROW, column=c).value).split()}
                  for cols in _pages_across(ws)]
        found = [next((j for j, heads in enumerate(across) if heads <= words), None) for words in own]
        assert None not in found, (ws.title, found)  # a page whose column header is not one page across in full
        assert set(found) == set(range(len(across))), (ws.title, found)
        assert len(own) % len(across) == 0, (ws.title, len(own), len(across))


@pytest.mark.libreoffice
def test_libreoffice_prints_the_annex_on_a4_with_no_text_under_8_pt(printed):
    pdf = printed
    pages = _pages(pdf)
    assert pages and all(p == pytest.approx((841.89, 595.28), abs=1) for p in pages), set(pages)
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    heights = [float(y1) - float(y0) for y0, y1 in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', xml)]
    assert heights and min(heights) >= 8.0, f"text printed at {min(heights):.1f} pt"
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    labels = load_labels("vi")["annex"]
    for key in ("title_province", "title_targets", "title_status", "preparer", "head"):
        assert labels[key] in text, key


def test_text_that_reads_as_an_error_code_stays_text(sample, project: Project, tmp_path):
    """A unit named "#N/A" or a target worded "#REF!" is text: written as it is, a program shows an error cell."""
    from dataclasses import replace

    from openpyxl.cell.cell import ERROR_CODES

    from xl_bdg.report.build import build_context

    ctx = build_context(project, sample.dataset)
    odd = sorted(ERROR_CODES)
    aggregated = [s for s in ctx.statuses if s.aggregated]
    statuses = [replace(s, name=odd[0]) if s is aggregated[0] else s for s in ctx.statuses]
    pct = next(i for i, t in enumerate(ctx.targets) if t.unit == "%")
    targets = [replace(t, label=odd[1]) if i == pct else t for i, t in enumerate(ctx.targets)]
    target = write_annex(project, sample.dataset, tmp_path / "annex.xlsx",
                         ctx=replace(ctx, statuses=statuses, targets=targets))
    cells = [c for ws in load_workbook(target).worksheets for row in ws.iter_rows() for c in row
             if c.value in odd[:2]]
    assert {c.value for c in cells} == set(odd[:2])  # the unit's name in a header, the target's in a chart's table
    assert [(c.parent.title, c.coordinate) for c in cells if c.data_type != "s"] == []
