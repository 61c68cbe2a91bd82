"""The report's outline and its written synthesis: sections I–V in the order of the Government's reports on the
Strategy, one topic per Strategy goal with its targets, sentences instead of lists (no sentence of the body names
more than five units), the units' own texts in an appendix by kind of unit with identical texts once."""

from __future__ import annotations

import copy
import re
from pathlib import Path

from docx import Document

from xl_bdg.form.project import Project
from xl_bdg.report.build import build_context, fmt_num, load_labels
from xl_bdg.report.write import write_report


def _body(path: Path) -> tuple[list[str], list[str]]:
    """The paragraphs before the first appendix and those after it."""
    texts = [p.text for p in Document(str(path)).paragraphs]
    first = next(i for i, t in enumerate(texts) if t.startswith("PHỤ LỤC"))
    return texts[:first], texts[first:]


def test_the_outline_runs_i_to_v_then_the_appendices(sample, project: Project) -> None:
    ds = sample.dataset
    body, appendix = _body(sample.out_dir / "report" / f"bao-cao-bdg_{ds.period}.docx")
    doc = load_labels("vi")["doc"]
    ctx = build_context(project, ds)
    heads = [doc["s1"], doc["s2"], doc["s3"], doc["s4"].format(year=ds.period.year + 1), doc["s5"]]
    where = [body.index(h) for h in heads]
    assert where == sorted(where)
    goals = [t for t in body if t[:2] in {f"{n}." for n in range(1, 8)} and "Mục tiêu" in t]
    assert goals == [f"{g.number}. {g.title}" for g in ctx.goals if g.id.startswith("goal")]
    assert len(goals) == 6
    for topic in ctx.direction + ctx.goals + ctx.assessment + ctx.recommendations:
        assert f"{topic.number}. {topic.title}" in body, topic.title
    assert [t for t in appendix if t.startswith("PHỤ LỤC")] == ["PHỤ LỤC 1", "PHỤ LỤC 2", "PHỤ LỤC 3"]
    assert ctx.goals_intro.text in body and ctx.tasks and all(t.text in " ".join(body) for t in ctx.tasks)


def test_every_strategy_target_is_under_its_goal(sample, project: Project) -> None:
    ctx = build_context(project, sample.dataset)
    placed = {t.code for g in ctx.goals for t in g.targets}
    assert placed == {t.code for t in project.targets}
    for g in ctx.goals:
        for t in g.targets:
            assert (t.goal == int(g.id[4:])) if g.id.startswith("goal") else t.goal == 0
            assert t.status in ("met", "not_met", "no_data", "not_tracked") and 2025 <= t.milestone_year <= 2030


def test_no_sentence_of_the_body_lists_more_than_five_units(sample, project: Project, tmp_path: Path) -> None:
    names = sorted({u.name for u in project.registry.units.values() if u.kind != "province"}, key=len,
                   reverse=True)
    # Every unit writes the same shortcoming (as many do in a real season): the appendix names them all at once
    ds = copy.deepcopy(sample.dataset)
    for texts in ds.narratives.values():
        texts["limits"] = "Kinh phí cho công tác bình đẳng giới còn hạn chế."
    body, appendix = _body(write_report(project, ds, tmp_path).docx)

    def count(text: str) -> int:
        n = 0
        for name in names:  # longest first, so "Sở Y tế" inside a longer name is not counted twice
            n += text.count(name)
            text = text.replace(name, "")
        return n

    worst = max(body, key=count)
    assert count(worst) <= 5, worst
    assert max(count(t) for t in appendix) > 5, "the appendix does name the units: the check can fail"


def test_units_texts_go_to_the_appendix_grouped_by_kind_identical_once(sample, project: Project) -> None:
    ds = copy.deepcopy(sample.dataset)
    units = sorted(ds.narratives)[:3]
    for unit in units:
        ds.narratives[unit]["limits"] = "Nguồn kinh phí riêng cho bình đẳng giới chưa bố trí."
    # spacing and the full stop do not make it another text
    ds.narratives[units[0]]["limits"] = "Nguồn kinh phí riêng  cho bình đẳng giới chưa bố trí"
    ctx = build_context(project, ds)
    kinds = [k.kind for k in ctx.unit_texts]
    assert len(kinds) == len(set(kinds)) >= 2
    entries = [e for k in ctx.unit_texts for b in k.blocks for e in b.entries if "Nguồn kinh phí riêng" in e.text]
    by_kind = {project.registry.get(u).kind for u in units}
    assert len(entries) == len(by_kind), entries


def test_english_report_is_written_from_the_same_context(sample, project: Project, tmp_path: Path) -> None:
    files = write_report(project, sample.dataset, tmp_path, lang="en")
    html = files.html.read_text(encoding="utf-8")
    en = load_labels("en")
    for key in ("s1", "s2", "s3", "s5", "kind", "nation"):
        assert en["doc"][key] in html, key
    vi = load_labels("vi")["doc"]
    assert vi["s1"] not in html and vi["opening"][:30] not in html
    text = "\n".join(p.text for p in Document(str(files.docx)).paragraphs)
    assert en["doc"]["s3"] in text and en["goals"]["6"] in text


def test_the_body_names_indicators_and_targets_never_by_their_codes(sample, project: Project) -> None:
    # GBV_01, POL_01 … are the form's keys: an officer reading the report signs words, not codes
    path = sample.out_dir / "report" / f"bao-cao-bdg_{sample.dataset.period}.docx"
    body, _ = _body(path)
    cells = [c.text for t in Document(str(path)).tables for row in t.rows for c in row.cells]
    codes = {i.code for i in project.form.indicators} | {t.code for t in project.targets}
    found = sorted({code for text in body + cells for code in codes if code in text})
    assert not found, found
    assert any(cells) and len(body) > 50


def test_english_documents_write_numbers_the_english_way(sample, project: Project, tmp_path: Path) -> None:
    from xl_bdg.text import number

    ds = sample.dataset
    ctx = build_context(project, ds)
    attended = ctx.summary.participants.value
    assert attended is not None and attended >= 1000, "a figure with a thousands separator: the check can fail"
    files = write_report(project, ds, tmp_path / "en", lang="en")
    text = "\n".join(p.text for p in Document(str(files.docx)).paragraphs)
    html = files.html.read_text(encoding="utf-8")
    assert number(attended, "en") in text and number(attended, "en") in html  # 2,868, not 2.868
    assert number(attended, "vi") not in text
    assert re.search(r"\d\.\d%", text) and not re.search(r"\d,\d%", text)  # 59.0%, not 59,0%
    # the Vietnamese report of the same context still writes 2.868 and 59,0%
    vi = "\n".join(p.text for p in Document(str(write_report(project, ds, tmp_path / "vi").docx)).paragraphs)
    assert number(attended, "vi") in vi and re.search(r"\d,\d%", vi)


def test_a_rise_where_less_is_better_is_a_shortcoming_not_a_result(sample, project: Project) -> None:
    # the demo's 2026 report listed unpaid care hours going from 1,8 to 2,2 under "Kết quả đạt được"
    import dataclasses

    ds = sample.dataset
    srb = ds.figure("HEA_01")
    assert srb is not None and srb.value, "the sample has a sex ratio at birth: the check can fail"
    before = copy.deepcopy(ds)
    before.period = project.period("2025-FY")
    before.figures[("HEA_01", None, ds.province)] = dataclasses.replace(srb, value=srb.value - 5)
    ctx = build_context(project, ds, previous=before)
    label = project.form.indicator("HEA_01").label
    results = " ".join(p.text for t in ctx.assessment if t.id == "results" for p in t.paras)
    limits = " ".join(p.text for t in ctx.assessment if t.id == "limits" for p in t.paras)
    assert label not in results
    assert label in limits and "tăng theo hướng chưa tích cực" in limits


def test_a_field_beside_the_total_is_said_apart_from_it(sample, project: Project) -> None:
    # "Ban vì sự tiến bộ của phụ nữ được kiện toàn, có kế hoạch hoạt động: 278, trong đó nữ 139" read as 278
    # committees: 278 is their members; the share of units with a committee is CAW_01's YES field
    ctx = build_context(project, sample.dataset)
    label = project.form.indicator("CAW_01").label
    said = next(p.text for t in ctx.direction + ctx.goals for p in t.paras if p.text.startswith(label))
    share = sample.dataset.value("CAW_01", "YES")
    members = sample.dataset.value("CAW_01", "T")
    assert share is not None and members
    ind = project.form.indicator("CAW_01")
    yes, total = (next(f.label for f in ind.fields if f.id == k) for k in ("YES", "T"))
    assert said.startswith(f"{label}: {yes} {fmt_num(share, 1)}")
    assert f"; {total} {fmt_num(members)}" in said and f"{label}: {fmt_num(members)}" not in said


def test_the_form_the_assessment_cites_is_the_annex_form_of_the_checks(sample, project: Project) -> None:
    # the report said "còn 50 điểm cần xem lại (Biểu số 07)" while 07 is the intake status and 08 the checks
    from openpyxl import load_workbook

    labels = load_labels("vi")
    body = list(_body(sample.out_dir / "report" / f"bao-cao-bdg_{sample.dataset.period}.docx")[0])
    cited = [m for t in body for m in re.findall(r"\(Biểu số (\d\d)\)", t)]
    assert sample.dataset.warnings and cited, "the sample has cross-check warnings: the check can fail"
    wb = load_workbook(sample.out_dir / "report" / f"bieu-tong-hop_{sample.dataset.period}.xlsx", read_only=True)
    ws = wb[labels["annex"]["sheet_checks"]]
    heading = " ".join(str(c) for row in ws.iter_rows(max_row=4, values_only=True) for c in row if c)
    assert all(f"Biểu số {n}" in heading for n in cited), (cited, heading[:80])
