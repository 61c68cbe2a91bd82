"""Start-up: `xl-bdg --help` and `--version` import no stage that pulls in pandas, pandera or openpyxl, a command
imports only its own modules, and the root's listing (built without importing them) is the full application's.
Each check runs in a fresh interpreter, where nothing was imported before."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from xl_bdg.cli import app
from xl_bdg.cli.commands import COMMANDS, load_all, modules

HEAVY = ("pandas", "pandera", "openpyxl", "matplotlib", "pyarrow", "docxtpl", "starlette", "uvicorn")
CLI = Path(__file__).resolve().parent.parent / "xl_bdg" / "cli"
ENV = {**{k: v for k, v in os.environ.items() if not k.startswith("XL_BDG_")}, "COLUMNS": "100", "NO_COLOR": "1",
       "TERM": "dumb"}


def _fresh(code: str) -> str:
    """Run `code` in a new interpreter; its stdout."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _main(*args: str) -> str:
    """Code that runs `xl-bdg ARGS` as the console script does."""
    return f"import sys; sys.argv = ['xl-bdg', *{list(args)!r}]\nfrom xl_bdg.cli import main\ntry:\n    main()\n" \
           "except SystemExit:\n    pass"


def _loaded_after(code: str) -> list[str]:
    out = _fresh(f"import sys\n{code}\nprint(__import__('json').dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    return json.loads(out.strip().splitlines()[-1])


def test_importing_the_cli_pulls_in_no_heavy_library():
    assert _loaded_after("import xl_bdg.cli") == []


@pytest.mark.parametrize("args", [["--help"], ["--version"], []])
def test_help_and_version_import_no_command(args):
    assert _loaded_after(_main(*args)) == []


def test_a_light_command_stays_light():
    """`xl-bdg addin build` writes a zip from xlwings' file: it needs neither the rule engine nor pandas."""
    assert _loaded_after(_main("addin", "--help")) == []


def _tree(cmd: Any, prefix: str = "") -> list[str]:
    """Every command path under `cmd` with its parameters' names."""
    out = [prefix + " " + ",".join(sorted(str(p.name) for p in cmd.params))]
    for name, sub in sorted(getattr(cmd, "commands", {}).items()):
        out += _tree(sub, f"{prefix} {name}".strip())
    return out


def test_the_table_names_every_command_and_module():
    load_all()
    registered = typer.main.get_group(app).commands
    assert set(registered) == set(COMMANDS)
    assert set(modules()) == {p.stem for p in CLI.glob("*_cmd.py")}, "a command module missing from COMMANDS"


@pytest.mark.slow
@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_command_is_whole_with_only_its_modules(name):
    """Importing only the table's modules for `name` gives the same command tree as the whole application."""
    load_all()
    whole = _tree(typer.main.get_group(app).commands[name])
    alone = _fresh("import json, typer\nfrom xl_bdg.cli import app\nfrom xl_bdg.cli.commands import load\n"
                   f"load({name!r})\nfrom typing import Any\n{inspect.getsource(_tree)}\n"
                   f"print(json.dumps(_tree(typer.main.get_group(app).commands[{name!r}])))")
    assert json.loads(alone) == whole


@pytest.mark.slow
def test_a_command_after_another_in_one_process_is_whole():
    """One process running several commands (the tests, the README's tour): `aggregate` first imports the module
    that registers `export`, yet a later `export` still gets the dhis2-* commands of its other module."""
    names = {name: [m for m in COMMANDS if m != name and set(COMMANDS[m]) & set(COMMANDS[name])]
             for name in COMMANDS if len(COMMANDS[name]) > 1}
    assert names, "no command spans two modules"
    for name, before in names.items():
        for first in before:
            out = _fresh("from typer.testing import CliRunner\nfrom xl_bdg.cli import app\n"
                         f"CliRunner().invoke(app, [{first!r}, '--help'])\n"
                         f"r = CliRunner().invoke(app, [{name!r}, '--help'])\nprint(r.exit_code)\nprint(r.output)")
            code, _, shown = out.partition("\n")
            assert code == "0", (first, name, shown)
            load_all()
            for sub in getattr(typer.main.get_group(app).commands[name], "commands", {}):
                assert f" {sub} " in shown, (first, name, sub)


def test_the_listing_without_imports_is_the_full_applications():
    load_all()
    full = CliRunner().invoke(app, ["--help"], env=ENV, prog_name="xl-bdg").output
    lazy = _fresh(_main("--help"))
    assert lazy == full
    assert all(f" {name} " in lazy for name in COMMANDS)


def test_help_leaves_out_what_only_markdown_help_and_pretty_tracebacks_need():
    """typer's help formatter imports rich.markdown (markdown_it) and rich.traceback (pygments) for cases xl-bdg's
    help never meets: `--help` loads neither, and a later import still gets the real modules."""
    assert _loaded_after(_main("--help") + "\n" + (
        "HEAVY = [m for m in ('markdown_it', 'pygments', 'rich.markdown', 'rich.traceback') if m in sys.modules]\n"
        "assert not HEAVY, HEAVY\n"
        "import typer.rich_utils, rich.markdown, rich.traceback\n"
        "assert type(typer.rich_utils.Markdown('**a**')) is rich.markdown.Markdown\n"
        "assert typer.rich_utils.Traceback.from_exception.__self__ is rich.traceback.Traceback\n"
        "assert rich.markdown.Markdown.__module__ == 'rich.markdown' and hasattr(rich.markdown, 'Heading')")) == []


def test_version_needs_neither_typer_nor_rich_and_says_what_the_app_says():
    out = _fresh(_main("--version") + "\nprint(sorted(m for m in ('typer', 'rich', 'yaml') if m in sys.modules))")
    version, loaded = out.splitlines()
    assert loaded == "[]"
    assert version == CliRunner().invoke(app, ["--version"], env=ENV).output.strip()
    assert version.startswith("xl-bdg ")


def test_the_c_yaml_loader_reads_every_data_file_as_the_python_one_does():
    """Every YAML file of the project, loaded as the tool loads it (libyaml's CSafeLoader when PyYAML has it), is
    the same data as with the pure-Python SafeLoader: texts (NFC, diacritics), dates, numbers, booleans."""
    import yaml

    from xl_bdg.catalogue import _LOADER, _norm, load_yaml, read_yaml

    assert _LOADER is getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    root = CLI.parent.parent
    files = sorted([*(root / "schemas").rglob("*.yaml"), *(root / "report_templates").rglob("*.yaml")])
    assert len(files) > 20
    kinds: set[type] = set()

    def walk(value: Any) -> None:
        kinds.add(type(value))
        for v in value.values() if isinstance(value, dict) else value if isinstance(value, list) else ():
            walk(v)

    for path in files:
        text = path.read_text(encoding="utf-8")
        slow = yaml.load(text, Loader=yaml.SafeLoader)
        assert load_yaml(text) == slow, path.name
        assert read_yaml(path) == _norm(slow), path.name
        walk(slow)
    import datetime as dt

    assert {str, int, float, bool, dt.date} <= kinds  # the comparison covered each kind of value
