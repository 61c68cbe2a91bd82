"""No file stops the season (issue 11): each hostile input becomes a finding for that file, the batch goes on, the
ledger records every file received, and the checks themselves stay within bounded memory.

Each test reproduces one defect found by probing the pipeline; the ones that could abort or hang a process run the
real command line in a subprocess with a time limit, so a regression fails the test instead of killing the run.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest
from support.badfiles import rewrite_zip, sheet_member, zip_members

from xl_bdg.form.layout import layout_for
from xl_bdg.form.project import Project
from xl_bdg.ledger.intake import intake
from xl_bdg.ledger.store import Ledger
from xl_bdg.reading.reader import read_submission
from xl_bdg.validation.validate import validate_paths

UNIT, PERIOD = "XA-EAKAO", "2026-FY"
CLI = [sys.executable, "-c", "from xl_bdg.cli import main; main()"]


def _cli(*args: str, timeout: float = 120, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def _json(proc: subprocess.CompletedProcess[str]) -> Any:
    """The command's JSON report, parsed strictly (no NaN, no Infinity), after checking it ended as a command."""
    assert proc.returncode in (0, 1), (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]

    def refuse(name: str) -> None:
        raise AssertionError(f"not JSON: {name}")

    return json.loads(proc.stdout, parse_constant=refuse)


def _codes(report: dict[str, Any], name: str) -> list[str]:
    [entry] = [f for f in report["files"] if Path(f["file"]).name == name]
    return [f["code"] for f in entry["findings"]]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def good(make_workbook: Any, tmp_path: Path) -> Path:
    """One valid filled workbook (the project's own writer)."""
    return make_workbook(UNIT, PERIOD, out_dir=tmp_path, name="good.xlsx")


def _far_cell(src: Path, target: Path, project: Project, cell: bytes) -> Path:
    member = sheet_member(src, layout_for(project.form).sheet["narrative"])

    def edit(members: dict[str, bytes]) -> None:
        xml = members[member]
        head = xml.index(b"<row ")
        end = xml.index(b"</row>", head)
        members[member] = xml[:end] + cell + xml[end:]

    return rewrite_zip(src, target, edit)


# --- bounds before parsing ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("cell", [b'<c r="XFD1048576"><v>1</v></c>', b"<c r='XFD1048576'><v>1</v></c>",
                                  b'<c r = "AAA900000"><v>1</v></c>'])
def test_a_far_cell_inside_a_near_row_is_refused_not_aborted(project: Project, good: Path, tmp_path: Path,
                                                              cell: bytes) -> None:
    """`<c r="XFD1048576">` inside `<row r="1">`: the extent comes from the cells, not only from the rows (it
    made calamine allocate 512 GiB and abort: exit 134, no report)."""
    bad = _far_cell(good, tmp_path / "far.xlsx", project, cell)
    before = _sha(bad)
    proc = _cli("validate", str(good), str(bad), "--format", "json")
    report = _json(proc)
    assert _codes(report, "far.xlsx") == ["sheet-too-large"] and _codes(report, "good.xlsx") == []
    assert _sha(bad) == before


@pytest.mark.parametrize("junk", [b"<row" * 120_000, b'<row r="1"><c r="XFD1048576"/>' + b"<c " * 120_000])
def test_tags_that_never_close_are_refused_in_one_pass(project: Project, good: Path, tmp_path: Path,
                                                       junk: bytes) -> None:
    """120,000 row (or cell) tags with no `>` after them, a few KB zipped: the extent scan looked for each tag's
    `r` up to the next `>`, from every tag, and took hours; now refused like any box too large (issue 16)."""
    member = sheet_member(good, layout_for(project.form).sheet["narrative"])

    def edit(members: dict[str, bytes]) -> None:
        members[member] = members[member].replace(b"</sheetData>", junk + b"</sheetData>", 1)

    bad = rewrite_zip(good, tmp_path / "unclosed.xlsx", edit)
    report = _json(_cli("validate", str(bad), "--format", "json"))
    assert _codes(report, "unclosed.xlsx") == ["sheet-too-large"]


def _unclosed_values() -> bytes:
    return b"<row/>" * 5_001 + b'<row r="9000"><c r="B9000">' + b"<v" * 200_000


def _unclosed_errors() -> bytes:
    # Letters between the cells keep the member from compressing like a bomb (it would be refused as one).
    rng = random.Random(16)
    return b'<row r="900">' + b"".join(b'<c r="B900" t="e">' + bytes(rng.choices(b"abcdefgh", k=6))
                                       for _ in range(150_000))


@pytest.mark.parametrize("sheet, junk", [("activities", _unclosed_values), ("narrative", _unclosed_errors)])
def test_value_and_error_tags_that_never_close_are_scanned_once(project: Project, good: Path, tmp_path: Path,
                                                                 sheet: str, junk: Any) -> None:
    """200,000 `<v` with no end in an activity table over its row bound (counted in the XML before parsing), or
    150,000 error cells with no `</c>` in an input sheet: each tag was scanned to the end of the XML (minutes);
    now the file is read to its findings like any broken sheet (issue 16)."""
    member = sheet_member(good, layout_for(project.form).sheet[sheet])
    tail = junk() + b"</sheetData>"

    def edit(members: dict[str, bytes]) -> None:
        members[member] = members[member].replace(b"</sheetData>", tail, 1)

    bad = rewrite_zip(good, tmp_path / "unclosed.xlsx", edit)
    report = _json(_cli("validate", str(bad), "--format", "json"))
    assert "corrupt-file" in _codes(report, "unclosed.xlsx")


def test_a_sheet_under_any_member_name_is_inspected(project: Project, good: Path, tmp_path: Path) -> None:
    """A sheet stored as `…/sheet3.dat` is still XML to the reader: its extent is checked all the same."""
    far = _far_cell(good, tmp_path / "far.xlsx", project, b'<c r="XFD1048576"><v>1</v></c>')
    member = sheet_member(good, layout_for(project.form).sheet["narrative"])
    renamed = member.replace(".xml", ".dat")

    def edit(members: dict[str, bytes]) -> None:
        members[renamed] = members.pop(member)
        for name in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
            members[name] = members[name].replace(member.split("xl/")[-1].encode(), renamed.split("xl/")[-1].encode())

    bad = rewrite_zip(far, tmp_path / "renamed.xlsx", edit)
    report = _json(_cli("validate", str(bad), "--format", "json"))
    assert "sheet-too-large" in _codes(report, "renamed.xlsx")


def _lying_zip(src: Path, target: Path, member: str, inflated: int) -> Path:
    """`src` with `member` replaced by `inflated` bytes of zeros (a few hundred KB compressed) whose zip entries
    declare 1,000 bytes: the declared sizes pass every bound."""
    members = zip_members(src)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = bytes(1024 * 1024)
    body = b"".join(comp.compress(block) for _ in range(inflated // len(block))) + comp.flush()
    # The archive built by hand: every member deflated as it was, the lying one with its new body.
    out, central = bytearray(), bytearray()
    for name, raw in members.items():
        if name == member:
            payload, crc, size = body, 0, 1000
        else:
            c = zlib.compressobj(6, zlib.DEFLATED, -15)
            payload, crc, size = c.compress(raw) + c.flush(), zlib.crc32(raw), len(raw)
        encoded, offset = name.encode(), len(out)
        out += struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(payload), size,
                           len(encoded), 0) + encoded + payload
        central += struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(payload), size,
                               len(encoded), 0, 0, 0, 0, 0, offset) + encoded
    start = len(out)
    out += central + struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(members), len(members), len(central),
                                 start, 0)
    target.write_bytes(bytes(out))
    return target


def test_a_member_lying_about_its_size_is_not_inflated_by_the_check(project: Project, good: Path,
                                                                     tmp_path: Path) -> None:
    """A member declaring 1,000 bytes that inflates to 768 MiB: the check inflated it whole (2.2 GB RSS for a
    1.1 MB file); read in bounded steps, the file is refused with the process staying small."""
    member = sheet_member(good, layout_for(project.form).sheet["narrative"])
    bad = _lying_zip(good, tmp_path / "liar.xlsx", member, 768 * 1024 * 1024)
    assert bad.stat().st_size < 5 * 1024 * 1024
    # VmHWM is this process's own peak; ru_maxrss would carry over the size of the process it was started from.
    code = ("import re, sys\nfrom pathlib import Path\nfrom xl_bdg.form.project import load_project\n"
            "from xl_bdg.reading.reader import read_submission\n"
            "sub, found = read_submission(Path(sys.argv[1]), load_project())\n"
            "peak = re.search(r'VmHWM:\\s+(\\d+)', Path('/proc/self/status').read_text())[1]\n"
            "print(sub is None, sorted({f.code for f in found}), peak)")
    proc = subprocess.run([sys.executable, "-c", code, str(bad)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    refused, peak_kib = proc.stdout.split()[0], int(proc.stdout.split()[-1])
    assert refused == "True" and ("corrupt-file" in proc.stdout or "zip-bomb" in proc.stdout), proc.stdout
    assert peak_kib < 300 * 1024, f"peak {peak_kib / 1024:.0f} MiB"


# --- not regular files, links ------------------------------------------------------------------------------------

def test_a_fifo_and_a_device_are_refused_not_waited_on(good: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)
    report = _json(_cli("validate", str(good), str(fifo), "/dev/zero", "--format", "json", timeout=120))
    assert _codes(report, "pipe.xlsx") == ["not-regular-file"] and _codes(report, "zero") == ["not-regular-file"]
    assert _codes(report, "good.xlsx") == []


def test_intake_refuses_a_fifo_instead_of_hanging(good: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)
    proc = _cli("intake", str(good), str(fifo), "--ledger", str(tmp_path / "l.sqlite"), "--format", "json",
                timeout=120)
    out = _json(proc)
    outcomes = {Path(i["path"]).name: i["outcome"] for i in out["items"]}
    assert outcomes == {"good.xlsx": "recorded", "pipe.xlsx": "refused"}


def test_links_in_a_folder(project: Project, good: Path, tmp_path: Path) -> None:
    """A link to /etc/passwd is neither read nor archived; dangling and looping links are said, not skipped; a
    link to a file inside the folder is that file (read once)."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(good, inbox / "a.xlsx")
    (inbox / "passwd.xlsx").symlink_to("/etc/passwd")
    (inbox / "gone.xlsx").symlink_to(inbox / "nowhere.xlsx")
    (inbox / "loop.xlsx").symlink_to(inbox / "loop.xlsx")
    (inbox / "same.xlsx").symlink_to(inbox / "a.xlsx")
    report, _ = validate_paths([inbox], project, project.period(PERIOD), workers=1)
    got = {Path(f.file).name: [x.code for x in f.findings] for f in report.files}
    assert got == {"a.xlsx": [], "gone.xlsx": ["broken-link"], "loop.xlsx": ["broken-link"],
                   "passwd.xlsx": ["link-outside"]}
    with Ledger(tmp_path / "l.sqlite") as led:
        result = intake(led, [inbox], project)
        outcomes = {Path(i.path).name: i.outcome for i in result.items}
        assert outcomes == {"a.xlsx": "recorded", "gone.xlsx": "refused", "loop.xlsx": "refused",
                            "passwd.xlsx": "refused"}
        archived = [p for p in led.archive_dir.rglob("*") if p.is_file()]
        assert len(archived) == 1 and _sha(archived[0]) == _sha(good)


# --- values the ledger cannot store ------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [1e19, 1e308, "10000000000000000000", "9" * 5000])
def test_a_number_too_large_for_the_ledger_is_a_finding_at_its_cell(project: Project, make_workbook: Any,
                                                                   value: object) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["activities"][0]["part_t"] = value

    path = make_workbook(UNIT, PERIOD, edit=edit)
    sub, found = read_submission(path, project)
    [hit] = [f for f in found if f.code == "number-too-large"]
    assert sub is not None and hit.cell == layout_for(project.form).activity_cell(
        layout_for(project.form).activity_first_row, "part_t")
    assert sub.activities[0].values["part_t"].value is None


def test_one_bad_number_never_stops_an_intake(project: Project, make_workbook: Any, tmp_path: Path) -> None:
    """30 good files and one with 1e19 in a count cell: all 31 recorded (the OverflowError at the insert rolled
    back the run: 0 of 31, on every re-run)."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    per = project.period(PERIOD)
    units = [u.code for u in project.registry.reporting_units(per.start, per.end)][:6]
    for n, unit in enumerate(units):
        make_workbook(unit, PERIOD, out_dir=inbox, name=f"{n:02d}.xlsx")

    def edit(data: dict[str, Any]) -> None:
        data["indicators"][next(iter(data["indicators"]))] = 1e19

    make_workbook(UNIT, PERIOD, edit=edit, out_dir=inbox, name="big.xlsx")
    with Ledger(tmp_path / "l.sqlite") as led:
        result = intake(led, [inbox], project, workers=2)
        assert len(result.recorded) == len(units) + 1 == len(led.files())
        [big] = [i for i in result.items if Path(i.path).name == "big.xlsx"]
        assert big.report is not None and "number-too-large" in [f.code for f in big.report.findings]


# --- isolation at the edges of the commands ----------------------------------------------------------------------

def test_a_file_that_takes_too_long_is_a_finding_and_the_rest_go_on(good: Path, tmp_path: Path) -> None:
    """With a time limit no file can meet, every file gets `too-slow`, and the command still ends with its
    report (exit 1), as it does when one file hangs the parser."""
    proc = _cli("validate", str(good), "--format", "json", env={"XL_BDG_FILE_TIMEOUT": "0.0001"})
    assert _codes(_json(proc), "good.xlsx") == ["too-slow"]


def test_intake_records_a_file_whose_reading_failed(project: Project, good: Path, tmp_path: Path) -> None:
    """A file whose reading is stopped is still received: recorded as unreadable, with its finding, and archived."""
    proc = _cli("intake", str(good), "--ledger", str(tmp_path / "l.sqlite"), "--format", "json",
                env={"XL_BDG_FILE_TIMEOUT": "0.0001"})
    [item] = _json(proc)["items"]
    assert item["outcome"] == "recorded" and [f["code"] for f in item["findings"]] == ["too-slow"]
    with Ledger(tmp_path / "l.sqlite") as led:
        [rec] = led.files()
        assert not rec.readable and _sha(led.archived(rec)) == _sha(good)
