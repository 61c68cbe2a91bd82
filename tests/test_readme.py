"""The README's tour runs as written: after the demo, from the folder the README says, every `xl-bdg` line of the
tour exits with the code its comment states (0 when it states none), and every `text` block that starts with a
`$ xl-bdg …` line shows what that command prints, run in the tour's folder (its lines in order; a line ending in "…"
is a prefix; file hashes differ from run to run and are compared as hashes)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xl_bdg.cli import app

README = Path(__file__).resolve().parent.parent / "README.md"
TOUR = "## A five-minute tour"
_EXIT = re.compile(r"\bexit (\d)\b")
_HEX = re.compile(r"\b[0-9a-f]{8,64}\b")

pytestmark = pytest.mark.slow


def tour_lines(text: str) -> list[str]:
    """The lines of the tour's shell block, as written."""
    section = text.split(TOUR, 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def shown_blocks(text: str) -> list[tuple[str, list[str]]]:
    """Each ```text block that starts with `$ xl-bdg …`: (the command, the lines it shows)."""
    out = []
    for block in re.findall(r"```text\n(.*?)```", text, re.S):
        lines = block.rstrip("\n").splitlines()
        if lines and lines[0].startswith("$ xl-bdg "):
            out.append((lines[0][2:], lines[1:]))
    return out


def _norm(line: str) -> str:
    return _HEX.sub("<hash>", line.rstrip())


def shows(output: str, expected: list[str]) -> str | None:
    """None when `output` shows the `expected` lines in order (a line ending in "…" is a prefix; "…" alone stands for
    lines left out), else the first line it does not show."""
    got = [_norm(x) for x in output.splitlines()]
    i = 0
    for want in (_norm(x) for x in expected):
        if want == "…":
            continue
        prefix = want[:-1].rstrip() if want.endswith("…") else None
        while i < len(got) and not (got[i].startswith(prefix) if prefix is not None else got[i] == want):
            i += 1
        if i == len(got):
            return want
        i += 1
    return None


def _run(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh folder where `make demo` has run (the demo writes demo-output/ there)."""
    here = tmp_path_factory.mktemp("checkout")
    mp = pytest.MonkeyPatch()
    mp.chdir(here)
    try:
        code, out = _run(["demo", "--out", "demo-output"])
    finally:
        mp.undo()
    assert code == 0, out
    return here


def test_the_tour_runs_as_written(checkout: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = README.read_text(encoding="utf-8")
    lines = tour_lines(text)
    assert any(line.startswith("make demo") for line in lines), "the tour starts from the demo"
    monkeypatch.chdir(checkout)
    ran = 0
    for line in lines:
        command, _, comment = line.partition("#")
        words = shlex.split(command)
        if not words or words[0] in ("make", "."):
            continue  # `make demo` is the fixture; activating the venv is the shell's business
        if words[0] == "cd":
            monkeypatch.chdir(Path.cwd() / words[1])
            continue
        assert words[0] == "xl-bdg", f"the tour has a line this test does not know: {line}"
        expected = int(m.group(1)) if (m := _EXIT.search(comment)) else 0
        code, out = _run(words[1:])
        assert code == expected, f"{command.strip()} exited {code}, the README says {expected}:\n{out[-2000:]}"
        ran += 1
    assert ran >= 8


def server_export(folder: Path, unit_name: str) -> Path:
    """`may-chu.json`, the README's server export: the demo's metadata package with one unit taken off every data
    set, as a server shows a unit nobody has assigned the year's data set to."""
    package = json.loads((folder / "exports" / "dhis2-metadata.json").read_text(encoding="utf-8"))
    uid = next(o["id"] for o in package["organisationUnits"] if o["name"] == unit_name)
    for data_set in package["dataSets"]:
        data_set["organisationUnits"] = [o for o in data_set["organisationUnits"] if o["id"] != uid]
    out = folder / "may-chu.json"
    out.write_text(json.dumps(package, ensure_ascii=False), encoding="utf-8")
    return out


def test_what_the_readme_shows_is_what_the_commands_print(checkout: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = README.read_text(encoding="utf-8")
    blocks = shown_blocks(text)
    assert len(blocks) >= 3
    # The blocks are shown as run in the tour's folder.
    folder = next(shlex.split(line)[1] for line in tour_lines(text) if line.startswith("cd "))
    monkeypatch.chdir(checkout / folder)
    if any("may-chu.json" in command for command, _ in blocks):
        server_export(checkout / folder, "Sở Khoa học và Công nghệ")
    for command, expected in blocks:
        _, out = _run(shlex.split(command)[1:])
        missing = shows(out, expected)
        assert missing is None, f"`{command}` does not print\n  {missing}\nit prints:\n{out[:4000]}"


def test_the_matcher_can_fail() -> None:
    assert shows("a\nb\nc", ["a", "…", "c"]) is None
    assert shows("a\nb\nc", ["b…"]) is None
    assert shows("a\nb\nc", ["c", "a"]) == "a"
    assert shows("x 0123abcd", ["x 99999999"]) is None
