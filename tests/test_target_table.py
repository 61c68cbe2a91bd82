"""The target tables of section II as the office reads them in the Word report (and the HTML and the annex): a
target the province does not track reads "Không theo dõi" with its reason, never "no data"; the x/y the summary
and the assessment give is the one the tables give. Everything is read back from the rendered files."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from docx import Document
from openpyxl import load_workbook

from xl_bdg.aggregation.combine import combine
from xl_bdg.dataset import UnitStatus
from xl_bdg.form.project import Project
from xl_bdg.report.annex_form import HEADER_ROW
from xl_bdg.report.build import load_labels
from xl_bdg.report.write import write_report
from xl_bdg.validation.validate import validate_file


def _report(sample, ext: str) -> Path:
    return sample.out_dir / "report" / f"bao-cao-bdg_{sample.dataset.period}.{ext}"


def target_tables(path: Path, lang: str = "vi") -> list[list[list[str]]]:
    """The target tables of a Word report (header row first), told by their header: indicator, baseline, …,
    assessment."""
    labels = load_labels(lang)
    out = []
    for table in Document(str(path)).tables:
        rows = [[c.text for c in row.cells] for row in table.rows]
        head = rows[0] if rows else []
        if head and head[0] == labels["col"]["indicator"] and head[1] == labels["doc"]["col_baseline"] \
                and head[-1] == labels["col"]["met"]:
            out.append(rows)
    return out


def _row_of(tables: list[list[list[str]]], label: str) -> list[str]:
    found = [row for rows in tables for row in rows[1:] if row[0].startswith(label)]
    assert len(found) == 1, (label, found)
    return found[0]


def test_a_target_not_tracked_reads_not_tracked_with_its_reason(sample, project: Project) -> None:
    labels = load_labels("vi")
    status = labels["doc"]["status"]
    untracked = [t for t in project.targets if not t.tracked]
    assert {t.code for t in untracked} >= {"HEA_06"}
    tables = target_tables(_report(sample, "docx"))
    for t in untracked:
        row = _row_of(tables, t.label)
        assert row[-1] == status["not_tracked"], (t.code, row)
        assert t.reason in row[0], (t.code, row[0])
        assert status["no_data"] not in " ".join(row) and labels["met"]["unknown"] not in " ".join(row)
    # a tracked target without a figure still reads "no data": the two are told apart
    tracked = [r for rows in tables for r in rows[1:] if r[-1] == status["no_data"]]
    assert all(not any(r[0].startswith(t.label) for t in untracked) for r in tracked)

    html = _report(sample, "html").read_text(encoding="utf-8")
    for t in untracked:
        row = re.search(rf'<tr data-code="{t.code}">(.*?)</tr>', html, re.S)
        assert row is not None and status["not_tracked"] in row.group(1) and t.reason in row.group(1), t.code

    ws = load_workbook(sample.out_dir / "report" / f"bieu-tong-hop_{sample.dataset.period}.xlsx")[
        labels["annex"]["sheet_targets"]]
    rows = {r[2]: r for r in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True) if isinstance(r[0], int)}
    for t in untracked:
        row = next(r for label, r in rows.items() if str(label).startswith(t.label))
        assert row[8] == status["not_tracked"] and t.reason in row[2], t.code


def test_the_summary_counts_not_tracked_targets_apart(sample, project: Project) -> None:
    doc = load_labels("vi")["doc"]
    body = [p.text for p in Document(str(_report(sample, "docx"))).paragraphs]
    head = doc["w_goals"].split("{")[0]
    intro = next(t for t in body if t.startswith(head))
    strategy = [t for t in project.targets if t.set == "strategy"]
    n = sum(1 for t in strategy if not t.tracked)
    assert doc["w_goals_not_tracked"].format(n=n) in intro


# --- 0 out of 0 ---------------------------------------------------------------------------------------------------
def test_a_rate_of_none_out_of_none_reads_no_case(project: Project, make_workbook, tmp_path: Path) -> None:
    """A commune that detected no victim (0 reached out of 0 detected) has nothing to rate: the report, its target
    table and the annex say 'không phát sinh', not 0 % nor 'no data'."""
    unit, period = "XA-EAKAO", project.period("2026-FY")
    u = project.registry.get(unit)
    measured = {t.indicator: t for t in project.targets if t.indicator}
    ind = next(i for i in project.form.indicators if i.agg == "ratio" and i.code in measured
               and i.applies(u.code, u.kind, period.kind, period.year))

    def none_of_none(d: dict) -> None:
        d["indicators"][ind.key(ind.numerator)] = 0
        d["indicators"][ind.key(ind.denominator)] = 0

    sub, report = validate_file(make_workbook(unit, period.code, edit=none_of_none), project)
    assert sub is not None and report.ok, report.findings
    received = dt.datetime.combine(period.deadline, dt.time(9))
    status_row = UnitStatus(u.code, u.name, u.kind, project.registry.root, "accepted", received_at=received,
                            on_time=True, versions=1, used_sha256="0" * 64)
    ds = combine(project, period, {unit: sub}, [status_row])
    files = write_report(project, ds, tmp_path / "out")
    labels = load_labels("vi")
    words, status = labels["no_case"], labels["doc"]["status"]

    body = [p.text for p in Document(str(files.docx)).paragraphs]
    assert any(labels["doc"]["w_no_case"].format(label=ind.label) in t for t in body)
    tables = [[[c.text for c in r.cells] for r in t.rows] for t in Document(str(files.docx)).tables]
    lines = [r for rows in tables for r in rows if r[0] == ind.label]
    assert lines and all(r[2] == words for r in lines), lines
    target = measured[ind.code]
    assert _row_of(target_tables(files.docx), target.label)[-1] == status["no_case"]
    # an indicator no unit reported is still 'no figure', not 'no case'
    unreported = next(i for i in project.form.indicators if i.agg == "ratio" and ds.figure(i.code) is not None
                      and ds.figure(i.code).units == 0 and i.asked(period.kind, period.year))
    assert [r[2] for rows in tables for r in rows if r[0] == unreported.label][:1] == [labels["no_data"]]

    wb = load_workbook(files.annex)
    province = wb[labels["annex"]["sheet_province"]]
    row = next(r for r in province.iter_rows(min_row=HEADER_ROW + 1, values_only=True) if r[1] == ind.code)
    assert row[4] == words and row[7] == status["no_case"]
    by_kind = next(ws for ws in wb.worksheets if ws.title.startswith("02"))
    head = [c.value for c in by_kind[HEADER_ROW]]
    row = next(r for r in by_kind.iter_rows(min_row=HEADER_ROW + 1, values_only=True) if r[1] == ind.code)
    assert row[4] == words and row[head.index(u.name)] == words
    targets = wb[labels["annex"]["sheet_targets"]]
    row = next(r for r in targets.iter_rows(min_row=HEADER_ROW + 1, values_only=True)
               if str(r[2]).startswith(target.label))
    assert row[8] == status["no_case"]
    html = files.html.read_text(encoding="utf-8")
    assert labels["doc"]["w_no_case"].format(label=ind.label) in html


# --- the x/y of the summary and the assessment -------------------------------------------------------------------
def _blocks(path: Path) -> list[str | list[list[str]]]:
    """The Word body in order: a paragraph's text, or a table's rows."""
    doc = Document(str(path))
    paras = {p._p: p.text for p in doc.paragraphs}
    tables = {t._tbl: [[c.text for c in r.cells] for r in t.rows] for t in doc.tables}
    return [paras.get(el, tables.get(el, "")) for el in doc.element.body.iterchildren()]


def _pattern(sentence: str) -> re.Pattern[str]:
    """A labels.yaml sentence as a regular expression: {met}, {known}, {n} are numbers, other blanks any words."""
    out = ""
    for literal, name in re.findall(r"([^{]*)(?:\{(\w+)\})?", sentence):
        out += re.escape(literal)
        if name in ("met", "known", "n", "not_met"):
            out += rf"(?P<{name}>\d+)"
        elif name:
            out += ".*?"
    return re.compile(out)


def test_the_counts_of_targets_met_agree_with_the_target_tables(sample, project: Project) -> None:
    labels = load_labels("vi")
    doc, status = labels["doc"], labels["doc"]["status"]
    goal_titles = set(labels["goals"].values())
    heading, assessed = "", []
    paras: list[str] = []
    for block in _blocks(_report(sample, "docx")):
        if isinstance(block, str):
            paras.append(block)
            if re.match(r"\d+\. ", block):
                heading = block.split(". ", 1)[1]
            continue
        head = block[0] if block else []
        if head and head[-1] == labels["col"]["met"] and head[1] == doc["col_baseline"] and heading in goal_titles:
            assessed += [row[-1] for row in block[1:]]
    met, not_met = assessed.count(status["met"]), assessed.count(status["not_met"])
    assert met and not_met and len(assessed) == sum(1 for t in project.targets if t.set == "strategy")

    said = []
    for key in ("w_goals", "w_results_targets"):
        found = [m for p in paras if (m := _pattern(doc[key]).search(p))]
        assert len(found) == 1, key
        said.append((int(found[0]["met"]), int(found[0]["known"])))
    assert said == [(met, met + not_met)] * 2
    limits = [m for p in paras if (m := _pattern(doc["w_limits_targets"]).search(p))]
    assert [int(m["n"]) for m in limits] == [not_met]
    intro = next(m for p in paras if (m := _pattern(doc["w_goals"]).search(p)))
    assert int(intro["not_met"]) == not_met
    # the others are stated apart, each as many as the tables show
    for key in ("no_data", "no_case", "not_tracked"):
        n = assessed.count(status[key])
        clause = doc[f"w_goals_{key}"].format(n=n)
        assert (clause in intro.string) == bool(n), key
