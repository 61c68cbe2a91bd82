"""What the report compares with: the same period a year before (2025-FY for 2026-FY, 2025-H1 for 2026-H1), taken
from the ledger when it holds valid files for it, and said in so many words; never the year's own half-year, even
when the ledger holds it (the demo plays 2026-H1 before 2026-FY). A real demo season on a few units, three periods
played into one ledger, the Word report read back."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from docx import Document

from xl_bdg.aggregation.combine import aggregate
from xl_bdg.form.project import Project
from xl_bdg.ledger.store import Ledger
from xl_bdg.report.build import build_context, load_labels
from xl_bdg.report.context import fmt_num
from xl_bdg.report.history import previous_dataset
from xl_bdg.report.write import write_report
from xl_bdg.sample.demo import DemoResult, run_demo

UNITS = ["SO-NOIVU", "SO-YTE", "CONG-AN", "THONG-KE", "XA-EAKAO", "XA-HOABINH"]


@pytest.fixture(scope="module")
def season(project: Project, tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    out = tmp_path_factory.mktemp("three-periods")
    periods = [project.period(code) for code in ("2025-FY", "2026-H1")]
    yield run_demo(out, project, project.period("2026-FY"), earlier=periods, units=UNITS, workers=2)
    shutil.rmtree(out, ignore_errors=True)


def _paragraphs(path: Path) -> list[str]:
    return [p.text for p in Document(str(path)).paragraphs]


def test_the_year_is_compared_with_the_year_before_not_with_its_half(season: DemoResult, project: Project) -> None:
    doc = load_labels("vi")["doc"]
    fy, h1 = project.period("2025-FY"), project.period("2026-H1")
    report = season.out_dir / "report" / "bao-cao-bdg_2026-FY.docx"
    body = _paragraphs(report)
    assert doc["compared"].format(previous=fy.title("vi")) in body
    text = "\n".join(body)
    assert f"so với {fy.title('vi')}" in text
    assert h1.title("vi") not in text, "a year is never compared with its own first half"
    # the target table's last-year column holds 2025-FY's figures, and is headed so
    with Ledger(season.out_dir / "ledger.sqlite") as ledger:
        before = aggregate(project, ledger, fy, checks=False)
        half = aggregate(project, ledger, h1, checks=False)
    tables = [[[c.text for c in r.cells] for r in t.rows] for t in Document(str(report)).tables]
    targets = [rows for rows in tables if rows[0][1] == doc["col_baseline"]]
    assert targets and all(rows[0][2] == fy.title("vi") for rows in targets)
    labels = {t.label: t for t in project.targets if t.indicator}
    compared = 0
    for rows in targets:
        for row in rows[1:]:
            t = next((t for label, t in labels.items() if row[0].startswith(label)), None)
            if t is None or before.value(t.indicator) is None:
                continue
            assert row[2] == fmt_num(before.value(t.indicator), 1), t.code
            compared += before.value(t.indicator) != half.value(t.indicator)
    assert compared, "the year before and the half-year differ somewhere: the check can fail"


def test_a_half_year_without_last_years_half_says_it_is_not_compared(season: DemoResult, project: Project,
                                                                      tmp_path: Path) -> None:
    doc = load_labels("vi")["doc"]
    h1 = project.period("2026-H1")
    with Ledger(season.out_dir / "ledger.sqlite") as ledger:
        ds = aggregate(project, ledger, h1)
        previous = previous_dataset(project, ledger, h1)  # 2025-H1: not in this ledger, though 2025-FY is
    assert previous is None
    body = _paragraphs(write_report(project, ds, tmp_path, previous=previous).docx)
    assert doc["not_compared"].format(previous=project.period("2025-H1").title("vi")) in body
    # no change is stated ('…, tăng 12,5% so với …', '…, bằng …')
    change = re.compile(r", (tăng|giảm) [\d.,]+ ?(%|điểm phần trăm) so với|, bằng (năm|6 tháng)")
    assert not [t for t in body if change.search(t)]


def test_a_year_against_its_own_half_is_refused(season: DemoResult, project: Project) -> None:
    with Ledger(season.out_dir / "ledger.sqlite") as ledger:
        fy = aggregate(project, ledger, project.period("2026-FY"), checks=False)
        h1 = aggregate(project, ledger, project.period("2026-H1"), checks=False)
    with pytest.raises(ValueError, match="2026-H1"):
        build_context(project, fy, previous=h1)
