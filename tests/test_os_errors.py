"""OS errors are messages (issue 11, part 4): what the system refuses — a file where a folder should be, a locked
(immutable) folder, a full disk, a ledger on read-only storage — ends every command with one message naming the
path and what to do, exit 2, never a traceback; a ledger on read-only storage is still read; a killed report leaves
no temporary file.

Real processes: the command line runs in a subprocess. The tests may run as root, who may write anywhere by
permission bits, so a refusal is made by what even root cannot get past: a path under a regular *file* (ENOTDIR), a
file-size limit (RLIMIT_FSIZE, as on a full disk: EFBIG) and `chattr +i` (skipped, saying why, where it fails).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from xl_bdg.form.project import Project
from xl_bdg.ledger.intake import intake
from xl_bdg.ledger.store import Ledger
from xl_bdg.sample.synth import synthesize
from xl_bdg.validation.isolation import Failure, fork_available, run_isolated
from xl_bdg.workbook.fill import fill_workbook
from xl_bdg.workbook.template import write_template

PERIOD = "2026-FY"
CLI = [sys.executable, "-c", "from xl_bdg.cli import main; main()"]


@dataclass(frozen=True)
class Season:
    """A small season: two workbooks received (one with errors, so --annotate has a copy to write), a ledger."""

    root: Path
    inbox: Path
    ledger: Path


def _broken(d: dict[str, Any]) -> None:
    key = next(k for k in d["indicators"] if k.endswith(".F") and k[:-1] + "T" in d["indicators"])
    d["indicators"][key] = d["indicators"][key[:-1] + "T"] + 1


@pytest.fixture(scope="module")
def season(project: Project, tmp_path_factory: pytest.TempPathFactory) -> Season:
    root = tmp_path_factory.mktemp("os-errors")
    per = project.period(PERIOD)
    inbox = root / "inbox"
    for code, edit in (("XA-EAKAO", None), ("SO-YTE", _broken)):
        unit = project.registry.get(code)
        assert unit is not None
        template = write_template(project, unit, per, root / "templates")
        values = synthesize(project, unit, per)
        if edit is not None:
            edit(values)
        fill_workbook(project.form, template, values, inbox / template.name)
    ledger = root / "season" / "ledger.sqlite"
    with Ledger(ledger) as led:
        intake(led, [inbox], project, received_at=dt.datetime(2026, 11, 10, 9, 30), expected_period=per)
    # Closed cleanly: the -wal is folded back and removed, as on a ledger copied to read-only media.
    assert sorted(p.name for p in ledger.parent.iterdir()) == ["ledger-archive", "ledger.sqlite"]
    return Season(root, inbox, ledger)


def _cli(*args: str | Path, cwd: Path | None = None, fsize: int | None = None,
         timeout: float = 180) -> subprocess.CompletedProcess[str]:
    def limit() -> None:  # a file may not grow past `fsize` bytes: writes fail with EFBIG, as on a full disk
        assert fsize is not None
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          preexec_fn=limit if fsize is not None else None,
                          env={**os.environ, "COLUMNS": "200", "XL_BDG_LANG": "vi"})


def _refused(done: subprocess.CompletedProcess[str], *paths: Path | str) -> str:
    """The one-message contract: exit 2, every path named, no traceback. Returns stderr."""
    assert "Traceback" not in done.stderr + done.stdout, done.stderr[-3000:]
    assert done.returncode == 2, (done.returncode, done.stderr[-3000:])
    for path in paths:
        assert str(path) in done.stderr, (path, done.stderr)
    return done.stderr


def _temporaries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.name.endswith(".tmp")) if folder.exists() else []


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- a path under a regular file (ENOTDIR): every writing command --------------------------------------------------
WRITERS: dict[str, Callable[[Season, Path], list[str | Path]]] = {
    "template": lambda s, out: ["template", "--period", PERIOD, "--out", out],
    "report": lambda s, out: ["report", "--period", PERIOD, "--ledger", s.ledger, "--out", out],
    "letters": lambda s, out: ["letters", "--period", PERIOD, "--ledger", s.ledger, "--out", out],
    "validate --html": lambda s, out: ["validate", s.inbox, "--html", out / "ket-qua.html"],
    "validate --annotate": lambda s, out: ["validate", s.inbox, "--annotate", out],
    "intake --ledger": lambda s, out: ["intake", s.inbox, "--ledger", out / "ledger.sqlite"],
    "docs": lambda s, out: ["docs", "--out", out],
    "export": lambda s, out: ["export", "--period", PERIOD, "--ledger", s.ledger, "--out", out],
}


@pytest.mark.parametrize("command", WRITERS)
def test_an_output_under_a_file_is_a_message(season: Season, tmp_path: Path, command: str) -> None:
    blocking = tmp_path / "ket-qua"
    blocking.write_text("một tệp, không phải thư mục\n", encoding="utf-8")
    done = _cli(*WRITERS[command](season, blocking / "ra"))
    text = _refused(done, blocking)
    assert "là một tệp, không phải thư mục" in text
    assert blocking.read_text(encoding="utf-8") == "một tệp, không phải thư mục\n"


def test_the_message_speaks_english_with_lang_en(season: Season, tmp_path: Path) -> None:
    blocking = tmp_path / "results"
    blocking.write_bytes(b"")
    done = _cli("validate", season.inbox, "--html", blocking / "out.html", "--lang", "en")
    text = _refused(done, blocking, blocking / "out.html")
    assert "is a file, not a folder" in text and text.startswith("Error:")


# --- a file-size limit (EFBIG, as a full disk): the message names the file being written --------------------------
def test_a_full_disk_during_the_report_names_the_file_and_leaves_no_temporary(season: Season, tmp_path: Path) -> None:
    out = tmp_path / "bao-cao"
    done = _cli("report", "--period", PERIOD, "--ledger", season.ledger, "--out", out, fsize=60_000)
    text = _refused(done, out)
    assert "EFBIG" in text and "(không rõ đường dẫn)" not in text
    assert _temporaries(out) == []


@pytest.mark.parametrize("command", ["template", "validate --annotate"])
def test_a_full_disk_while_writing_a_workbook_names_it(season: Season, tmp_path: Path, command: str) -> None:
    # openpyxl writes through lxml, whose full disk is a SerialisationError("IO_EFBIG"), not an OSError; and the
    # writer's generator, closed later by the garbage collector, fails again ("Exception ignored in …").
    out = tmp_path / "ra"
    done = _cli(*WRITERS[command](season, out), fsize=5_000)
    text = _refused(done, out)
    assert "EFBIG" in text and "Exception ignored" not in text
    assert _temporaries(out) == []


def test_a_full_disk_during_validate_html_names_the_page(season: Season, tmp_path: Path) -> None:
    page = tmp_path / "ket-qua.html"
    done = _cli("validate", season.inbox, "--html", page, fsize=1_000)
    _refused(done, page)
    assert not page.exists() and _temporaries(tmp_path) == []


def test_a_full_disk_under_the_ledger_names_the_ledger(season: Season, tmp_path: Path) -> None:
    # Reading a WAL ledger needs its -shm (32 KiB) beside it: SQLite's "disk I/O error" names no file, the message must.
    copy = tmp_path / "so" / "ledger.sqlite"
    copy.parent.mkdir()
    shutil.copy2(season.ledger, copy)
    done = _cli("status", "--period", PERIOD, "--ledger", copy, fsize=1_000)
    assert "lỗi đọc ghi đĩa" in _refused(done, copy)  # the disk, and what to do: not SQLite's bare words


# --- immutable folders and files (chattr +i): read-only storage ---------------------------------------------------
@contextlib.contextmanager
def _immutable(path: Path) -> Iterator[None]:
    chattr = shutil.which("chattr")
    if chattr is None:
        pytest.skip("chattr is not installed: no way to make a folder read-only for root here")
    done = subprocess.run([chattr, "+i", str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"chattr +i {path} failed ({done.stderr.strip()}): needs root and a file system with "
                    "the immutable attribute (ext4, xfs, btrfs)")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(path)], check=True)


@pytest.fixture()
def locked_season(season: Season, tmp_path: Path) -> Iterator[Path]:
    """A copy of the season's ledger (and archive) in an immutable folder, never opened there: no -wal, no -shm."""
    folder = tmp_path / "chi-doc"
    # Readers elsewhere in this file leave an empty -wal and -shm beside the season's ledger (SQLite's mode=ro does):
    # the copy is made without them, as a ledger burnt on a disc would be.
    shutil.copytree(season.ledger.parent, folder, ignore=shutil.ignore_patterns("*-wal", "*-shm"))
    assert sorted(p.name for p in folder.iterdir()) == ["ledger-archive", "ledger.sqlite"]
    with _immutable(folder):
        yield folder / "ledger.sqlite"


def test_a_ledger_on_read_only_storage_is_read(locked_season: Path, tmp_path: Path) -> None:
    before = sorted(p.name for p in locked_season.parent.iterdir())
    for command in ("status", "aggregate"):
        done = _cli(command, "--period", PERIOD, "--ledger", locked_season)
        assert "Traceback" not in done.stderr and done.returncode in (0, 1), (command, done.stderr[-2000:])
        assert PERIOD in done.stdout, (command, done.stdout[-2000:])
        if command == "status":
            assert "XA-EAKAO" in done.stdout and "SO-YTE" in done.stdout, done.stdout[-2000:]
    out = tmp_path / "bao-cao"
    done = _cli("report", "--period", PERIOD, "--ledger", locked_season, "--out", out)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert list(out.glob("*.docx")) and _temporaries(out) == []
    assert sorted(p.name for p in locked_season.parent.iterdir()) == before


def test_intake_into_a_fresh_ledger_on_read_only_storage_is_a_message(season: Season, locked_season: Path) -> None:
    sha = _sha(locked_season)
    text = _refused(_cli("intake", season.inbox, "--ledger", locked_season), locked_season)
    assert "chỉ đọc" in text
    assert _sha(locked_season) == sha


def test_intake_into_an_immutable_ledger_file_is_a_message(season: Season, tmp_path: Path) -> None:
    # The folder is writable, the file is not: every file is already recorded, so nothing would be written, and
    # the run still says the ledger cannot be written rather than ending quietly.
    folder = tmp_path / "so"
    shutil.copytree(season.ledger.parent, folder)
    ledger = folder / "ledger.sqlite"
    with _immutable(ledger):
        text = _refused(_cli("intake", season.inbox, "--ledger", ledger, "--lang", "en"), ledger)
    assert "read-only" in text


def test_a_report_into_a_locked_folder_is_a_message(season: Season, tmp_path: Path) -> None:
    out = tmp_path / "khoa"
    out.mkdir()
    with _immutable(out):
        text = _refused(_cli("report", "--period", PERIOD, "--ledger", season.ledger, "--out", out), out)
        assert "EPERM" in text or "EACCES" in text
        assert list(out.iterdir()) == []


# --- SIGTERM: the command unwinds, its temporary files are removed ------------------------------------------------
def test_sigterm_during_the_report_leaves_no_temporary_file(season: Season, tmp_path: Path) -> None:
    out = tmp_path / "bao-cao"
    proc = subprocess.Popen([*CLI, "report", "--period", PERIOD, "--ledger", str(season.ledger), "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen: list[Path] = []
    deadline = time.monotonic() + 120
    try:
        while proc.poll() is None and time.monotonic() < deadline and not seen:
            seen = _temporaries(out)  # the kill lands while a file is half-written
            if not seen:
                time.sleep(0.002)
        assert seen, "the report ended before any temporary file was seen"
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert "Traceback" not in stderr + stdout, stderr[-3000:]
    assert proc.returncode == 128 + signal.SIGTERM, (proc.returncode, stderr[-2000:])
    assert "SIGTERM" in stderr
    assert _temporaries(out) == [], seen


@pytest.mark.skipif(not fork_available(), reason="no fork on this platform: the work runs unisolated")
def test_forked_children_die_on_sigterm(tmp_path: Path) -> None:
    # The command's SIGTERM handler unwinds the parent; a child the parent ends must die, not unwind and go on.
    from xl_bdg.cli.edge import stops_cleanly  # here, so that the other cases run (and fail) on code without it

    def work(chunk: list[int], mark: Callable[[int | None], None]) -> list[bool]:
        return [signal.getsignal(signal.SIGTERM) == signal.SIG_DFL for _ in chunk]

    def failed(item: int, failure: Failure) -> bool:
        raise AssertionError(failure)

    with stops_cleanly():
        assert signal.getsignal(signal.SIGTERM) != signal.SIG_DFL
        results = dict(run_isolated([1, 2], work, failed, workers=1))
    assert results == {0: True, 1: True}


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full (a device always full) on this system")
@pytest.mark.parametrize("fmt", ["table", "json"])
def test_a_full_disk_under_a_redirection_names_the_standard_output(season: Season, fmt: str) -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run([*CLI, "status", "--period", PERIOD, "--ledger", str(season.ledger), "--format", fmt],
                              stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr[-3000:]
    assert done.returncode == 2 and "ENOSPC" in done.stderr and "stdout" in done.stderr, done.stderr
