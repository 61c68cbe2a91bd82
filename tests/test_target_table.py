"""The target tables of section II as the office reads them in the Word report (and the HTML and the annex): a
target the province does not track reads "Không theo dõi" with its reason, never "no data"; the x/y the summary
and the assessment give is the one the tables give. Everything is read back from the rendered files."""

from __future__ import annotations

import re
from pathlib import Path

from docx import Document
from openpyxl import load_workbook

from xl_bdg.form.project import Project
from xl_bdg.report.annex_form import HEADER_ROW
from xl_bdg.report.build import load_labels


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
