"""The benchmarks' corpus (issue 16): stamped with what makes it, rebuilt when stale, checked after building, and
with activities of each unit's own (a corpus where every activity is in every unit measured the wrong thing)."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from xl_bdg.form.project import load_project
from xl_bdg.reading.reader import read_submission
from xl_bdg.workbook.template import write_template

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


def _bench(name: str) -> ModuleType:
    """A benchmark script loaded as a module (benchmarks/ is not a package; its scripts import _corpus)."""
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(f"bench_{name}_under_test", BENCH / f"{name}.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def intake_corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[ModuleType, object, list, Path, list[Path]]:
    """12 communes' workbooks made by bench_intake (8 bases, so units 0–3 and 8–11 share a base)."""
    bi = _bench("bench_intake")
    work = tmp_path_factory.mktemp("intake")
    units = bi.unit_codes(12)
    project = load_project(bi.make_schemas(units, work / "schemas"))
    files = bi.make_files(project, units, work / "inbox")
    return bi, project, units, work, files


def test_each_unit_reports_its_own_activities(intake_corpus) -> None:
    _, project, units, _, files = intake_corpus
    assert len(files) == len(units) == 12
    titles: dict[str, set[str]] = {}
    for path in files:
        sub, findings = read_submission(path, project)
        assert sub is not None, [f.code for f in findings]
        assert sub.activities, path.name
        titles[sub.unit_code] = {str(r.values["title"].value) for r in sub.activities}
    seen = Counter(t for ts in titles.values() for t in ts)
    shared = sum(1 for ts in titles.values() for t in ts if seen[t] > 1)
    total = sum(len(ts) for ts in titles.values())
    # Copies of a base used to carry its rows verbatim: 8 of these 12 units reported the same activities.
    assert shared < total / 4, f"{shared} of {total} activity rows are in two units"
    assert set(titles) == {code for code, _, _, _ in units}


def test_a_stale_corpus_is_rebuilt_and_a_current_one_kept(intake_corpus) -> None:
    bi, project, units, work, files = intake_corpus
    inbox = work / "inbox"
    stamp = (inbox / ".corpus-stamp").read_text(encoding="utf-8")
    kept = files[3].stat().st_mtime_ns
    assert bi.make_files(project, units, inbox) == files
    assert files[3].stat().st_mtime_ns == kept  # same stamp: reused
    # A corpus left by older code (here: a file without activities, another stamp) must not be reused.
    blank = write_template(project, project.registry.get(units[3][0]), project.period(bi.PERIOD), work / "blank")
    files[3].write_bytes(blank.read_bytes())
    (inbox / ".corpus-stamp").write_text("made-by-older-code\n", encoding="utf-8")
    bi.make_files(project, units, inbox)
    sub, _ = read_submission(files[3], project)
    assert sub is not None and sub.activities
    assert (inbox / ".corpus-stamp").read_text(encoding="utf-8") == stamp


def test_a_corpus_without_activities_stops_the_benchmark(intake_corpus, capsys: pytest.CaptureFixture[str]) -> None:
    bi, project, units, work, _ = intake_corpus
    corpus = _bench("_corpus")
    folder = work / "broken"
    blank = write_template(project, project.registry.get(units[0][0]), project.period(bi.PERIOD), folder)
    with pytest.raises(SystemExit) as stop:
        corpus.seal(folder, "abc", [blank], 1, project)
    assert stop.value.code == 1
    err = capsys.readouterr().err
    assert "BROKEN CORPUS" in err and "0 activities" in err
    assert not (folder / ".corpus-stamp").exists()
    with pytest.raises(SystemExit):
        corpus.seal(folder, "abc", [blank], 2, project)
    assert "1 files, 2 expected" in capsys.readouterr().err


def test_the_stamp_follows_what_makes_the_corpus(tmp_path: Path) -> None:
    corpus = _bench("_corpus")
    gen = tmp_path / "gen.py"
    gen.write_text("a = 1\n", encoding="utf-8")
    one = corpus.corpus_stamp(gen, units=10)
    assert one == corpus.corpus_stamp(gen, units=10)
    assert one != corpus.corpus_stamp(gen, units=11)
    assert one != corpus.corpus_stamp(gen, units=10, seed=1)
    gen.write_text("a = 2\n", encoding="utf-8")
    assert one != corpus.corpus_stamp(gen, units=10)
