"""The intake ledger: recording, archive, no-op re-intake, versions, unreadable files, kills and concurrent runs."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import unicodedata
from pathlib import Path

import pytest
from support.ledger import snapshot

from xl_bdg.fileio import sha256_file
from xl_bdg.ledger.intake import IntakeEvent, intake
from xl_bdg.ledger.status import status
from xl_bdg.ledger.store import Ledger, default_ledger_path
from xl_bdg.reading.reader import read_submission

ROOT = Path(__file__).resolve().parent.parent
ON_TIME = dt.datetime(2026, 11, 10, 9, 0)


def test_intake_records_values_findings_and_archive(project, make_workbook, tmp_path):
    src = make_workbook("XA-EAKAO", "2026-FY")
    before = sha256_file(src)
    with Ledger(tmp_path / "l" / "ledger.sqlite") as led:
        result = intake(led, [src], project, received_at=ON_TIME)
        [item] = result.items
        assert item.outcome == "recorded" and result.exit_code == 0
        rec = item.record
        assert rec.sha256 == before and rec.unit_code == "XA-EAKAO" and rec.period == "2026-FY"
        assert rec.original_name == src.name and rec.size == src.stat().st_size and rec.received_at == ON_TIME
        assert sha256_file(led.archived(rec)) == before
        # Aggregation reads the database: the stored values equal what the reader reads from the file.
        stored = led.load([rec], project.form)[rec.sha256]
        read, _ = read_submission(src, project)
        assert stored.to_data() == read.to_data()
        assert stored.indicators == read.indicators
        assert [a.values for a in stored.activities] == [a.values for a in read.activities]
        assert led.verify(deep=True) == []
    assert sha256_file(src) == before  # the input file is never modified


def test_reintake_is_a_noop(project, make_workbook, tmp_path):
    files = [make_workbook(u, "2026-FY") for u in ("XA-EAKAO", "SO-YTE")]
    path = tmp_path / "ledger.sqlite"
    with Ledger(path) as led:
        intake(led, files, project, received_at=ON_TIME)
    first = snapshot(path)
    with Ledger(path) as led:
        again = intake(led, [*files, tmp_path], project, received_at=ON_TIME + dt.timedelta(days=3))
    assert {i.outcome for i in again.items} == {"known"}
    assert snapshot(path) == first


def test_newer_file_supersedes_older_and_both_stay(project, make_workbook, tmp_path):
    old = make_workbook("XA-EAKAO", "2026-FY", name="v1.xlsx")
    new = make_workbook("XA-EAKAO", "2026-FY", name="v2.xlsx",
                        edit=lambda d: d["indicators"].__setitem__("COMM_01", 999))
    with Ledger(tmp_path / "ledger.sqlite") as led:
        intake(led, [old], project, received_at=ON_TIME)
        second = intake(led, [new], project, received_at=ON_TIME + dt.timedelta(days=1))
        [item] = second.items
        assert item.supersedes == sha256_file(old)
        versions = led.versions("2026-FY")["XA-EAKAO"]
        assert [v.original_name for v in versions] == ["v1.xlsx", "v2.xlsx"]
        assert led.accepted("2026-FY")["XA-EAKAO"].sha256 == sha256_file(new)
        assert all(led.archived(v).exists() for v in versions)


def test_versions_of_one_run_do_not_depend_on_order(project, make_workbook, tmp_path):
    old = make_workbook("XA-EAKAO", "2026-FY", name="a.xlsx")
    new = make_workbook("XA-EAKAO", "2026-FY", name="b.xlsx", edit=lambda d: d["indicators"].__setitem__("COMM_01", 7))
    os.utime(old, (1_790_000_000, 1_790_000_000))
    os.utime(new, (1_790_000_600, 1_790_000_600))  # saved ten minutes later
    chosen = []
    for i, order in enumerate(([old, new], [new, old])):
        with Ledger(tmp_path / f"l{i}" / "ledger.sqlite") as led:
            intake(led, order, project, received_at=ON_TIME)
            chosen.append(led.accepted("2026-FY")["XA-EAKAO"].sha256)
    assert chosen == [sha256_file(new)] * 2


def test_unreadable_file_is_recorded_and_archived(project, tmp_path):
    bad = tmp_path / "in" / unicodedata.normalize("NFD", "Báo cáo xã.xlsx")  # as a Mac names it
    bad.parent.mkdir()
    bad.write_bytes(b"%PDF-1.4 not a workbook at all")
    with Ledger(tmp_path / "ledger.sqlite") as led:
        result = intake(led, [bad.parent], project, received_at=ON_TIME)
        [item] = result.items
        assert item.outcome == "recorded" and result.exit_code == 1
        rec = item.record
        assert not rec.readable and rec.errors >= 1 and rec.unit_code is None
        assert rec.original_name == unicodedata.normalize("NFC", "Báo cáo xã.xlsx")
        assert led.archived(rec).read_bytes() == bad.read_bytes()
        assert [f.code for f in led.findings(rec)] == [f.code for f in item.report.findings]
        assert led.unattributed() == [rec]


def test_interrupted_run_keeps_archive_and_ledger_consistent(project, make_workbook, tmp_path):
    files = [make_workbook(u, "2026-FY") for u in ("XA-EAKAO", "SO-YTE", "THONG-KE")]
    path = tmp_path / "ledger.sqlite"

    archived: list[Path] = []

    def stop_after_archive(ev: IntakeEvent) -> None:
        if ev.stage == "archived":
            archived.append(ev.path)
            if ev.path == files[1]:
                raise KeyboardInterrupt  # Ctrl-C after the copy, before the commit

    with Ledger(path) as led, pytest.raises(KeyboardInterrupt):
        intake(led, files, project, received_at=ON_TIME, progress=stop_after_archive)
    with Ledger(path) as led:
        assert led.files() == [] and led.verify(deep=True) == []
        copies = {p.name.split(".")[0] for p in led.unrecorded_archive()}
        assert copies >= {sha256_file(f) for f in archived} and archived[-1] == files[1]  # nothing received is lost
        result = intake(led, files, project, received_at=ON_TIME)
        assert [i.outcome for i in result.items] == ["recorded"] * 3
        assert led.verify(deep=True) == [] and led.unrecorded_archive() == []


_KILLED_RUN = textwrap.dedent("""
    import datetime as dt, sys, time
    from pathlib import Path
    from xl_bdg.ledger.intake import intake
    from xl_bdg.ledger.store import Ledger
    from xl_bdg.form.project import load_project

    def hook(ev):
        if ev.stage == "archived" and ev.path.name == sys.argv[3]:
            print("ARCHIVED", flush=True)
            time.sleep(60)  # killed here: after the archive copy, before the commit

    with Ledger(Path(sys.argv[1])) as led:
        intake(led, [Path(sys.argv[2])], load_project(), received_at=dt.datetime(2026, 11, 10, 9), workers=1,
               batch_size=1, progress=hook)
""")


def test_killed_intake_leaves_consistent_ledger(project, make_workbook, tmp_path):
    inbox = tmp_path / "in"
    files = [make_workbook(u, "2026-FY", out_dir=inbox) for u in ("SO-YTE", "THONG-KE", "XA-EAKAO")]
    path = tmp_path / "ledger.sqlite"
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_RUN, str(path), str(inbox), files[1].name],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert proc.stdout.readline().strip() == "ARCHIVED"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    with Ledger(path) as led:
        assert led.verify(deep=True) == []
        assert [r.original_name for r in led.files()] == [files[0].name]  # batch 1 committed, batch 2 killed
        assert sha256_file(files[1]) in {p.name.split(".")[0] for p in led.unrecorded_archive()}
        intake(led, [inbox], project, received_at=ON_TIME)
        assert sorted(r.sha256 for r in led.files()) == sorted(sha256_file(f) for f in files)
        assert led.verify(deep=True) == [] and led.unrecorded_archive() == []


_CONCURRENT_RUN = textwrap.dedent("""
    import datetime as dt, sys
    from pathlib import Path
    from xl_bdg.ledger.intake import intake
    from xl_bdg.ledger.store import Ledger
    from xl_bdg.form.project import load_project

    with Ledger(Path(sys.argv[1])) as led:
        r = intake(led, [Path(sys.argv[2])], load_project(), received_at=dt.datetime(2026, 11, 10, 9), workers=1,
                   batch_size=1)
    print(sum(1 for i in r.items if i.outcome == "recorded"))
""")


def test_concurrent_intakes_do_not_corrupt(project, make_workbook, tmp_path):
    inbox = tmp_path / "in"
    files = [make_workbook(u, "2026-FY", out_dir=inbox) for u in ("SO-YTE", "THONG-KE", "XA-EAKAO", "XA-SONTAY")]
    path = tmp_path / "ledger.sqlite"
    procs = [subprocess.Popen([sys.executable, "-c", _CONCURRENT_RUN, str(path), str(inbox)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1][-2000:] for o in outs]
    assert sum(int(o[0].strip()) for o in outs) == len(files)  # each file recorded by exactly one run
    with Ledger(path) as led:
        assert sorted(r.sha256 for r in led.files()) == sorted(sha256_file(f) for f in files)
        assert led.verify(deep=True) == []


def test_readers_do_not_wait_for_a_running_intake(project, make_workbook, tmp_path):
    path = tmp_path / "ledger.sqlite"
    with Ledger(path) as led:
        intake(led, [make_workbook("SO-YTE", "2026-FY")], project, received_at=ON_TIME)
    with Ledger(path) as writer, writer.transaction():  # an intake holding the write lock
        with Ledger(path, timeout_ms=200) as reader:
            rows = status(reader, project, project.period("2026-FY"))
            assert [s.status for s in rows if s.unit == "SO-YTE"] == ["accepted"]
        with (pytest.raises(sqlite3.OperationalError, match="locked"), Ledger(path, timeout_ms=200) as other,
              other.transaction()):
            pass  # a second writer waits, then gives up: never interleaves


def test_verify_reports_a_missing_archive_copy(project, make_workbook, tmp_path):
    with Ledger(tmp_path / "ledger.sqlite") as led:
        [item] = intake(led, [make_workbook("SO-YTE", "2026-FY")], project, received_at=ON_TIME).items
        led.archived(item.record).unlink()
        [problem] = led.verify()
        assert item.record.original_name in problem and "missing" in problem


def test_stored_findings_keep_code_cell_and_value(project, make_workbook, tmp_path):
    def female_over_total(data):
        data["indicators"]["COMM_06.F"] = data["indicators"]["COMM_06.T"] + 5

    src = make_workbook("XA-EAKAO", "2026-FY", edit=female_over_total)
    with Ledger(tmp_path / "ledger.sqlite") as led:
        [item] = intake(led, [src], project, received_at=ON_TIME).items
        stored = led.findings(item.record)
        assert [(f.code, f.severity, f.sheet, f.cell, f.value, json.dumps(f.params, default=str)) for f in stored] == \
            [(f.code, f.severity, f.sheet, f.cell, f.value, json.dumps(f.params, default=str))
             for f in item.report.findings]
        assert "female-exceeds-total" in {f.code for f in stored}
        assert not item.record.valid and led.accepted("2026-FY") == {}


def test_default_ledger_path(monkeypatch, tmp_path):
    monkeypatch.delenv("XL_BDG_LEDGER", raising=False)
    assert default_ledger_path() == Path("ledger.sqlite")
    monkeypatch.setenv("XL_BDG_LEDGER", str(tmp_path / "x.sqlite"))
    assert default_ledger_path() == tmp_path / "x.sqlite"


def test_stored_findings_render_dates_as_fresh_ones_do(project, make_workbook, tmp_path):
    """A finding read back from the ledger (the portal, letters and status show these) says its dates as
    dd/mm/yyyy, exactly as the fresh finding does, not in the ISO text JSON keeps them in."""
    def before_the_period(data):
        data["activities"][0]["start"] = dt.date(2020, 3, 4)
        data["activities"][0]["end"] = dt.date(2020, 3, 5)

    src = make_workbook("XA-EAKAO", "2026-FY", edit=before_the_period)
    with Ledger(tmp_path / "ledger.sqlite") as led:
        [item] = intake(led, [src], project, received_at=ON_TIME).items
        fresh = [f.render(project.form.messages, "vi") for f in item.report.findings]
        stored = [f.render(project.form.messages, "vi") for f in led.findings(item.record)]
    dated = [text for _, text in fresh if "04/03/2020" in text]
    assert dated, fresh
    assert stored == fresh
    assert not any("2020-03-04" in text for _, text in stored)
