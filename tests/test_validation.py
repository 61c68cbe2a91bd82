"""The validation engine: rules on submissions read from real workbooks, then changed in memory; the batch run over
folders (parallel reading, one pandera pass, failures mapped back to the right file and cell)."""

from __future__ import annotations

import copy
import datetime as dt
import shutil
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from xl_bdg.findings import Finding
from xl_bdg.form.project import Project, load_project
from xl_bdg.reading.reader import read_submission
from xl_bdg.submission import CellValue, Submission
from xl_bdg.validation.validate import expand_paths, validate_file, validate_paths, validate_submission

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def sub(project: Project, make_workbook: Callable[..., Path]) -> Submission:
    """A clean submission read back from a real workbook."""
    s, found = read_submission(make_workbook(), project)
    assert s is not None and found == []
    return s


def codes(findings: list[Finding]) -> list[tuple[str, str | None]]:
    return sorted((f.code, f.cell) for f in findings)


def test_clean_submission(project: Project, sub: Submission) -> None:
    per = project.period(sub.period)
    assert validate_submission(sub, project, expected_period=per, expected_unit=sub.unit_code) == []


def test_list_values_compare_in_nfc(project: Project, sub: Submission) -> None:
    row = sub.activities[0]
    cv = row.values["category"]
    accented = next(v for v in project.form.lists["categories"].values if not v.isascii())
    nfd = unicodedata.normalize("NFD", accented)
    assert nfd != accented
    row.values["category"] = CellValue(nfd, cv.sheet, cv.cell)
    assert validate_submission(sub, project) == []


def test_unknown_unit_says_nothing_about_applicability(project: Project, sub: Submission) -> None:
    sub.meta["unit_code"] = "KHONG-CO"
    sub.unit_info.pop("unit_code")
    sub.indicators = {k: CellValue(None, v.sheet, v.cell) for k, v in sub.indicators.items()}
    assert [f.code for f in validate_submission(sub, project)] == ["unknown-unit"]


def test_sheet_the_reader_could_not_read_is_not_empty(project: Project, sub: Submission) -> None:
    """A missing sheet is the reader's finding; its required cells must not be reported as empty too."""
    sub.narrative, sub.indicators = {}, {}
    assert validate_submission(sub, project) == []


def test_unreadable_value_is_not_missing(project: Project, sub: Submission) -> None:
    """The reader keeps the raw text of a cell it could not read; that cell is not 'required-missing'."""
    row = sub.activities[0]
    cv = row.values["start"]
    row.values["start"] = CellValue(None, cv.sheet, cv.cell, raw="ngày mai")
    assert validate_submission(sub, project) == []
    row.values["start"] = CellValue(None, cv.sheet, cv.cell)
    assert codes(validate_submission(sub, project)) == [("required-missing", cv.cell)]


def test_findings_carry_file_severity_and_params(project: Project, sub: Submission) -> None:
    key = next(k for k, v in sub.indicators.items() if isinstance(v.value, int) and v.value > 0)
    cv = sub.indicators[key]
    sub.indicators[key] = CellValue(-7, cv.sheet, cv.cell)
    (f,) = validate_submission(sub, project)
    assert (f.code, f.severity, f.file, f.sheet, f.cell, f.value) == ("negative-number", "error", sub.path, cv.sheet,
                                                                     cv.cell, -7)
    assert "-7" in f.render(project.form.messages, "vi")[1] and "-7" in f.render(project.form.messages, "en")[1]


def _project_with(tmp_path: Path, change: Callable[[dict], None]) -> Project:
    """A copy of the sample schemas with form.yaml changed by `change`."""
    dest = tmp_path / "schemas"
    shutil.copytree(ROOT / "schemas", dest)
    form = yaml.safe_load((dest / "form.yaml").read_text(encoding="utf-8"))
    change(form)
    (dest / "form.yaml").write_text(yaml.safe_dump(form, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_project(dest)


def test_rules_and_severities_come_from_the_form(tmp_path: Path, project: Project, sub: Submission) -> None:
    """Severity overrides and new rules are data edits: a check marked `info` in form.yaml reports as info."""

    def change(form: dict) -> None:
        for c in form["activities"]["checks"]:
            if c["code"] == "end-before-start":
                c["severity"] = "info"

    edited = _project_with(tmp_path, change)
    am = {v for c in project.form.activity_checks for v in c.params.get("when", {}).values()}
    row = next(r for r in sub.activities if not am & {r.get(k) for k in r.values})
    for col, day in (("start", dt.date(2026, 3, 10)), ("end", dt.date(2026, 3, 9))):
        cv = row.values[col]
        row.values[col] = CellValue(day, cv.sheet, cv.cell)
    assert [(f.code, f.severity) for f in validate_submission(sub, edited)] == [("end-before-start", "info")]
    assert [(f.code, f.severity) for f in validate_submission(sub, project)] == [("end-before-start", "error")]


# --- batches -----------------------------------------------------------------------------------------------------

def test_expand_paths_skips_lock_and_hidden_files(tmp_path: Path, make_workbook: Callable[..., Path]) -> None:
    good = make_workbook(out_dir=tmp_path / "in")
    nested = make_workbook(out_dir=tmp_path / "in" / "xa", name="b.xlsm")
    for name in ("~$lock.xlsx", ".hidden.xlsx", "notes.txt"):
        (tmp_path / "in" / name).write_bytes(b"x")
    (tmp_path / "in" / ".git").mkdir()
    (tmp_path / "in" / ".git" / "c.xlsx").write_bytes(b"x")
    explicit = tmp_path / "in" / "notes.txt"
    assert expand_paths([tmp_path / "in", explicit, good]) == [good, nested, explicit]


def test_batch_equals_file_by_file(project: Project, make_workbook: Callable[..., Path], tmp_path: Path) -> None:
    """Stacking files into one frame per sheet maps every failure back to its own file and cell."""
    folder = tmp_path / "batch"

    def female(d: dict) -> None:
        key = next(k for k in d["indicators"] if k.endswith(".F"))
        d["indicators"][key] += 10_000

    def dates(d: dict) -> None:
        d["activities"][-1]["end"] = d["activities"][-1]["start"].replace(year=2020)

    def empty(d: dict) -> None:
        d["narrative"].clear()

    files = [make_workbook("XA-EAKAO", out_dir=folder, name="a.xlsx"),
             make_workbook("SO-YTE", edit=female, out_dir=folder, name="b.xlsx"),
             make_workbook("XA-HOABINH", edit=dates, out_dir=folder, name="c.xlsx"),
             make_workbook("HOI-LHPN", edit=empty, out_dir=folder, name="d.xlsx")]
    (folder / "e.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    # The same workbook twice: its activities are not duplicates of each other across files.
    shutil.copy(files[0], folder / "f.xlsx")
    seen: list[tuple[int, int]] = []
    report, subs = validate_paths([folder], project, project.period("2026-FY"), workers=2,
                                  progress=lambda a, b: seen.append((a, b)), submissions=True)
    names = [Path(f.file).name for f in report.files]
    assert names == ["a.xlsx", "b.xlsx", "c.xlsx", "d.xlsx", "e.xlsx", "f.xlsx"]
    alone = [validate_file(Path(fr.file), project, project.period("2026-FY"))[1] for fr in report.files]
    one_by_one = [sorted((f.code, f.sheet, f.cell) for f in fr.findings) for fr in alone]
    batch = [sorted((f.code, f.sheet, f.cell) for f in fr.findings) for fr in report.files]
    assert batch == one_by_one
    assert [bool(b) for b in batch] == [False, True, True, True, True, False]
    assert sorted(subs) == sorted(str(folder / n) for n in ("a.xlsx", "b.xlsx", "c.xlsx", "d.xlsx", "f.xlsx"))
    assert seen[-1] == (6, 6) and [a for a, _ in seen] == sorted(a for a, _ in seen)
    assert report.exit_code == 1 and report.files[0].sha256 == subs[str(folder / "a.xlsx")].sha256


def test_batch_in_process_gives_the_same_report(project: Project, make_workbook: Callable[..., Path],
                                                tmp_path: Path) -> None:
    def twice(d: dict) -> None:
        d["activities"].append(copy.deepcopy(d["activities"][0]))

    files = [make_workbook(out_dir=tmp_path, name=f"{i}.xlsx", edit=twice if i % 2 else None) for i in range(4)]
    messages = project.form.messages
    serial, _ = validate_paths(files, project, workers=1)
    parallel, _ = validate_paths(files, project, workers=2)
    assert serial.to_dict(messages) == parallel.to_dict(messages)
    assert [f.count("warning") for f in serial.files] == [0, 1, 0, 1]
