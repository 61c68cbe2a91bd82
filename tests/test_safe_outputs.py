"""Untrusted text in every writer (issue 11, part 3): a control character in a unit's title, `=HYPERLINK(…)` typed
into a text indicator, NaN in a number cell and a file name that is not UTF-8 are findings or shown safely, never a
traceback, a formula that runs, bare NaN in JSON or a report that stops half-written.

Workbooks are the project's own (the template writer and `fill_workbook`); a control character is put where Excel
puts it, as `_x0007_` in the sheet's XML, since openpyxl refuses to write one.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import json
import os
import threading
import zipfile
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook
from typer.testing import CliRunner

from xl_bdg.aggregation.combine import aggregate
from xl_bdg.aggregation.export import long_rows, write_csv
from xl_bdg.cli import app
from xl_bdg.form.project import Project
from xl_bdg.ledger.intake import intake
from xl_bdg.ledger.store import Ledger
from xl_bdg.reading import read_submission
from xl_bdg.report.write import write_report

runner = CliRunner()
MARK = "ZZMARKZZ"
FORMULA = '=HYPERLINK("http://example.invalid/","bam")'


def _rewrite(path: Path, old: bytes, new: bytes, member_hint: str = "xl/worksheets/") -> Path:
    """Replace `old` by `new` in the workbook's XML (where openpyxl cannot write), keeping every other member."""
    tmp = path.with_name(path.name + ".part")
    hits = 0
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.startswith(member_hint) and old in data:
                hits += data.count(old)
                data = data.replace(old, new)
            zout.writestr(info, data)
    assert hits, f"{old!r} not found"
    tmp.replace(path)
    return path


@pytest.fixture()
def control_title(make_workbook: Callable[..., Path], tmp_path: Path) -> Path:
    """A valid workbook whose first activity title holds BEL and ESC (as `_x0007_`/`_x001B_` in the XML)."""

    def edit(d: dict[str, Any]) -> None:
        d["activities"][0]["title"] = f"Tập huấn {MARK} giới"

    path = make_workbook(edit=edit, out_dir=tmp_path / "inbox", name="ctrl.xlsx")
    return _rewrite(path, MARK.encode(), b"_x0007_x_x001B_[31m")


def test_a_control_character_is_a_warning_at_its_cell_and_read_without_it(project: Project,
                                                                            control_title: Path) -> None:
    sub, findings = read_submission(control_title, project)
    assert sub is not None
    found = [(f.code, f.severity, f.sheet, f.cell) for f in findings]
    title = sub.activities[0].values["title"]
    assert found == [("control-character", "warning", title.sheet, title.cell)]
    assert title.value == "Tập huấn x[31m giới"
    assert "U+0007, U+001B" in findings[0].render(project.form.messages, "vi")[1]


def test_annotate_writes_the_copy_of_a_file_with_a_control_character(control_title: Path, tmp_path: Path) -> None:
    out = tmp_path / "marked"
    result = runner.invoke(app, ["validate", str(control_title), "-p", "2026-FY", "--annotate", str(out)])
    assert result.exit_code == 0, result.output
    copies = list(out.glob("*.xlsx"))
    assert len(copies) == 1, result.output
    wb = load_workbook(copies[0])
    assert len(wb.sheetnames) > 2  # the unit's sheets, marked, and the findings sheet
    assert "\x07" not in result.output and "\x1b" not in result.output  # nor sent to the terminal


def test_the_report_is_whole_when_a_unit_text_holds_control_characters(project: Project, control_title: Path,
                                                                       tmp_path: Path) -> None:
    period = project.period("2026-FY")
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        intake(ledger, [control_title.parent], project, expected_period=period)
        dataset = aggregate(project, ledger, period)
    # What an older ledger (recorded before the reader dropped them) would hand over: every writer must cope.
    act = dataset.activities[0]
    dirty = {**act.values, "title": "Họp\x07 ban\x1b[2J " + FORMULA, "place": "Xã\x0b Ea\x00 Kao"}
    dataset = dataclasses.replace(dataset, activities=[dataclasses.replace(act, values=dirty),
                                                       *dataset.activities[1:]])
    files = write_report(project, dataset, tmp_path / "report")
    annex = load_workbook(files.annex)
    texts = [c.value for ws in annex.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "Họp ban[2J " + FORMULA in texts  # kept as text, not a formula
    assert not any(ch in t for t in texts for ch in "\x07\x1b\x0b\x00")
    html = files.html.read_text(encoding="utf-8")
    assert "\x07" not in html and "\x1b" not in html and "Xã Ea Kao" in html
    body = "\n".join(p.text for p in Document(str(files.docx)).paragraphs)
    assert "\x07" not in body
    assert not list((tmp_path / "report").rglob("*.tmp"))


@pytest.fixture()
def formula_text(make_workbook: Callable[..., Path], tmp_path: Path) -> Path:
    """A workbook whose text indicator (AM_01.DOC) holds a formula-looking value."""

    def edit(d: dict[str, Any]) -> None:
        d["indicators"]["AM_01.YES"] = "Có"
        d["indicators"]["AM_01.DOC"] = FORMULA

    return make_workbook(edit=edit, out_dir=tmp_path / "inbox", name="formula.xlsx")


def test_the_long_csv_keeps_formula_looking_text_as_text(project: Project, formula_text: Path,
                                                         tmp_path: Path) -> None:
    period = project.period("2026-FY")
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        intake(ledger, [formula_text.parent], project, expected_period=period)
        dataset = aggregate(project, ledger, period)
    rows = long_rows(dataset, project.form)
    assert any(r["value_text"] == FORMULA for r in rows)
    target = write_csv(rows, tmp_path / "long.csv")
    read = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    shown = [r["value_text"] for r in read if r["indicator"] == "AM_01" and r["field"] == "DOC"]
    assert shown == ["'" + FORMULA]
    assert not any(v[:1] in "=+@\t\r" for r in read for v in r.values() if v)


@pytest.mark.parametrize(("text", "shown"), [("=1+1", "'=1+1"), ("+84 262", "'+84 262"), ("-x", "'-x"),
                                             ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
                                             ("a\x07b", "ab"), ("Xã Ea Kao", "Xã Ea Kao"), (12.5, 12.5)])
def test_csv_fields(text: Any, shown: Any) -> None:
    from xl_bdg.sanitize import csv_field

    assert csv_field(text) == shown


def _strict(text: str) -> Any:
    def refuse(name: str) -> None:
        raise AssertionError(f"bare {name} in JSON")

    return json.loads(text, parse_constant=refuse)


def test_validate_json_never_prints_bare_nan_or_infinity(make_workbook: Callable[..., Path],
                                                         tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"

    def edit(d: dict[str, Any]) -> None:
        key = next(k for k, v in d["indicators"].items() if isinstance(v, int))
        d["indicators"][key] = 987654

    clean = make_workbook(edit=edit, out_dir=inbox, name="a.xlsx")
    for i, value in enumerate((b"NaN", b"1e309", b"-inf")):
        target = inbox / f"n{i}.xlsx"
        target.write_bytes(clean.read_bytes())
        _rewrite(target, b"<v>987654</v>", b"<v>" + value + b"</v>")
    clean.unlink()
    result = runner.invoke(app, ["validate", str(inbox), "-p", "2026-FY", "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    data = _strict(result.stdout)
    assert data["files_checked"] == 3
    # Each file's bad cell is a finding whose value is null, never NaN/Infinity.
    assert all(any(f["value"] is None for f in fr["findings"]) for fr in data["files"]), result.stdout


def test_dumps_is_strict_json() -> None:
    from xl_bdg.sanitize import dumps

    text = dumps({"a": float("nan"), "b": [float("inf"), -float("inf"), 1.5], "name": "\udcff.xlsx"})
    assert _strict(text) == {"a": None, "b": [None, None, 1.5], "name": "\\xff.xlsx"}


def test_the_push_sends_strict_json() -> None:
    from xl_bdg.exchange.push import ENV_PASSWORD, ENV_USER, PushError, push

    bodies: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            bodies.append(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            data = b'{"status":"SUCCESS","importCount":{"imported":0,"updated":0,"ignored":1,"deleted":0}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        payload = {"dataValues": [{"dataElement": "x", "period": "2026", "orgUnit": "o", "value": float("nan")}]}
        with contextlib.suppress(PushError):  # what the server answered is not the point: what it was sent is
            push(payload, f"http://127.0.0.1:{server.server_address[1]}", env={ENV_USER: "u", ENV_PASSWORD: "p"})
    finally:
        server.shutdown()
        server.server_close()
    assert len(bodies) == 1
    assert _strict(bodies[0].decode("utf-8"))["dataValues"][0]["value"] is None


def test_a_file_name_that_is_not_utf8_is_shown_and_stored(project: Project, make_workbook: Callable[..., Path],
                                                          tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    good = make_workbook(out_dir=inbox, name="good.xlsx")
    raw = os.path.join(os.fsencode(inbox), b"\xff\xfe bad.xlsx")
    with open(raw, "wb") as fh:
        fh.write(good.read_bytes()[:-10] + b"0000000000")  # a different file (a broken zip) with that name
    html = tmp_path / "v.html"
    result = runner.invoke(app, ["validate", str(inbox), "-p", "2026-FY", "--html", str(html)])
    assert result.exit_code == 1, result.output
    assert "\\xff\\xfe bad.xlsx" in result.output
    assert "\\xff\\xfe bad.xlsx" in html.read_text(encoding="utf-8")
    ledger = tmp_path / "ledger.sqlite"
    result = runner.invoke(app, ["intake", str(inbox), "-p", "2026-FY", "--ledger", str(ledger)])
    assert result.exit_code in (0, 1), result.output
    with Ledger(ledger) as led:
        names = sorted(r.original_name for r in led.files())
    assert names == ["\\xff\\xfe bad.xlsx", "good.xlsx"]


def test_annotate_never_reopens_a_file_the_reader_refused(project: Project, make_workbook: Callable[..., Path],
                                                           tmp_path: Path) -> None:
    """A workbook with a member that inflates 1000× is refused by the reader; openpyxl would open it all the same
    (and a real bomb would then take gigabytes): its copy holds the findings sheet alone."""
    path = make_workbook(out_dir=tmp_path / "inbox", name="bomb.xlsx")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/media/padding.bin", b"\0" * (8 * 1024 * 1024))
    assert load_workbook(path).sheetnames  # openpyxl itself opens it
    out = tmp_path / "marked"
    result = runner.invoke(app, ["validate", str(path), "-p", "2026-FY", "--annotate", str(out)])
    assert result.exit_code == 1, result.output
    assert "zip-bomb" in result.output
    copy = load_workbook(next(out.glob("*.xlsx")))
    assert len(copy.sheetnames) == 1, copy.sheetnames
