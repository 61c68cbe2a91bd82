"""The English letters and report (`--lang en`) read as English: a count agrees with its noun ("1 activity",
"2 activities"), the place and date line is the English one, and the province and the units are called by their
English names (units.yaml `name_en`, province.yaml `place_en`) where they have one. The letters are written from the
sample season's ledger, the report from its dataset, and read back from the Word files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from docx import Document

from xl_bdg.form.project import Project
from xl_bdg.ledger.store import Ledger
from xl_bdg.report.build import load_labels
from xl_bdg.report.letters import write_letters
from xl_bdg.report.wording import compose, fill
from xl_bdg.report.write import write_report

#: A number followed by a plural noun where the number is 1: what English must never print.
ONE_PLURAL = re.compile(r"(?<![\d.,])1 (?:other )?(errors|points|figures|activities|units|targets|participants"
                        r"|communes|documents|courses)\b")


def _text(path: Path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join(parts)


@pytest.mark.parametrize(("n", "words"), [(1, "1 activity"), (2, "2 activities"), (0, "0 activities")])
def test_a_count_agrees_with_its_noun(n: int, words: str) -> None:
    doc = load_labels("en")["doc"]
    assert compose(doc["w_top_unit"], unit="X", n=str(n)).text == f"X ({words})"
    letter = load_labels("en")["letter"]
    said = fill(letter["warnings"], n=n)
    assert ("the following point " in said) == (n == 1) and (f"the following {n} points" in said) == (n != 1)
    # Vietnamese has no plural: the same blanks, the same words
    assert compose(load_labels("vi")["doc"]["w_top_unit"], unit="X", n=str(n)).text == f"X ({n} hoạt động)"


def test_the_english_letters_read_as_english(sample, project: Project, tmp_path: Path) -> None:
    en = load_labels("en")
    with Ledger(sample.out_dir / "ledger.sqlite") as ledger:
        paths = write_letters(project, ledger, sample.dataset, tmp_path, lang="en")
    letters = [p for p in paths if p.suffix == ".docx"]
    assert letters
    place = project.config["province"]["place_en"]
    date_line = en["doc"]["date_line"].format(place=place, year=sample.dataset.period.year)
    singular = 0
    for path in letters:
        text = _text(path)
        unit = project.registry.get(path.stem.rsplit("_", 1)[1])
        assert unit.name_en and f"{en['doc']['to']} {unit.name_en}." in text, path.name
        assert unit.name not in text, path.name
        assert date_line in text and project.config["province"]["place"] not in text, path.name
        assert not ONE_PLURAL.findall(text), (path.name, ONE_PLURAL.findall(text))
        singular += "found 1 error " in text
    assert singular, "a letter with one error: the singular is checked, not only the plural"


def test_the_english_report_reads_as_english(sample, project: Project, tmp_path: Path) -> None:
    en = load_labels("en")
    files = write_report(project, sample.dataset, tmp_path, lang="en")
    text = _text(files.docx)
    place = project.config["province"]["place_en"]
    assert en["doc"]["date_line"].format(place=place, year=sample.dataset.period.year) in text
    assert not ONE_PLURAL.findall(text), ONE_PLURAL.findall(text)
    assert project.target_sources["strategy_en"] in text and project.targets_source not in text
    units = [project.registry.get(s.unit) for s in sample.dataset.statuses]
    named = [u for u in units if u.name_en]
    assert named
    # what the units wrote is theirs, in their words (it may name a unit in Vietnamese): set aside
    own = {" ".join(t.split()) for texts in sample.dataset.narratives.values() for t in texts.values() if t}
    own |= {str(a.values.get(k)) for a in sample.dataset.activities for k in ("title", "document", "place")}
    ours = "\n".join(line for line in text.splitlines() if not any(t and t in line for t in own))
    for u in named:  # the appendix of submissions, the highlights, the units' texts are headed by English names
        assert u.name_en in ours, u.code
        assert u.name not in ours, u.code
    html = files.html.read_text(encoding="utf-8")
    assert all(u.name_en.replace("'", "&#39;") in html for u in named)
