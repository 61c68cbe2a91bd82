"""Which module defines each top-level command, so that a command imports only what it uses.

`xl-bdg --help` and `--version` import none of the command modules (they pull in pandas, pandera, openpyxl through
the stages: 1.5 s of CPU before a word is printed). The root group lists the commands from this table, with each
command's help read from its module's source (its docstring, or the `help=W(...)` of its Typer group) without
running it; a command given on the line imports its own modules, and only then is it built. A test checks that the
table names every command the modules register, and that the listing is the one the full application prints.
"""

from __future__ import annotations

import ast
import importlib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from typer.core import TyperCommand, TyperGroup

from ..catalogue import env_lang, words

if TYPE_CHECKING:  # typer carries its own copy of click
    from typer._click import Command

#: Top-level command → the command modules (in xl_bdg.cli) that define it, in the order `--help` lists them.
#: A new command module goes here (tests/test_startup.py fails on one that is missing).
COMMANDS: dict[str, tuple[str, ...]] = {
    "aggregate": ("aggregate_cmd",),
    "explain": ("aggregate_cmd",),
    "docs": ("docs_cmd",),  # the CLI reference walks every command: docs_cmd loads them all (`load_all`)
    "validate": ("validate_cmd",),
    "diff": ("exchange_cmd",),
    "intake": ("intake_cmd",),
    "serve": ("portal_cmd",),
    "report": ("report_cmd",),
    "letters": ("report_cmd",),
    "demo": ("report_cmd",),
    "status": ("status_cmd",),
    "template": ("template_cmd",),
    "addin": ("addin_cmd",),
    "export": ("aggregate_cmd", "exchange_cmd"),  # exchange_cmd adds the dhis2-* commands to the export group
    "portal": ("portal_cmd",),
}

HERE = Path(__file__).parent


def modules() -> list[str]:
    """Every command module, in the order of the table (each once)."""
    return list(dict.fromkeys(m for mods in COMMANDS.values() for m in mods))


def load(name: str) -> None:
    """Import the modules of command `name` (importing one registers its commands on the app)."""
    for module in COMMANDS[name]:
        importlib.import_module(f"{__package__}.{module}")


def load_all() -> None:
    """Import every command module (the CLI reference and tests walk the whole application)."""
    for module in modules():
        importlib.import_module(f"{__package__}.{module}")


def _is_w(node: ast.expr | None) -> str | None:
    """The catalogue key of a `W("key")` call, else None."""
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "W" and node.args
            and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
        return node.args[0].value
    return None


@cache
def _helps(module: str) -> dict[str, tuple[str, bool]]:
    """Command name → (its help, whether it is a group) as the module's source writes them (nothing is run):
    `@app.command("name")` functions' docstrings, and `app.add_typer(x, name="name")` with `x = typer.Typer(help=W(k))`
    (or, without `help=`, the docstring of `@x.callback()`)."""
    W = words(env_lang())  # as cli.common's: the help is written in the language of $XL_BDG_LANG

    tree = ast.parse((HERE / f"{module}.py").read_text(encoding="utf-8"))
    group_help: dict[str, str] = {}
    callback_help: dict[str, str] = {}
    out: dict[str, tuple[str, bool]] = {}
    # Only the module's top-level statements: the groups, commands and `add_typer` calls live there, and walking
    # every node of every command module cost more than the rest of `--help` together.
    top = [n.value if isinstance(n, ast.Expr) else n for n in tree.body]
    for node in top:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and len(node.targets) == 1:
            target = node.targets[0]
            key = next((_is_w(k.value) for k in node.value.keywords if k.arg == "help"), None)
            if isinstance(target, ast.Name) and key:
                group_help[target.id] = W(key)
        elif isinstance(node, ast.FunctionDef):
            for deco in node.decorator_list:
                if not (isinstance(deco, ast.Call) and isinstance(deco.func, ast.Attribute)
                        and isinstance(deco.func.value, ast.Name)):
                    continue
                owner, doc = deco.func.value.id, ast.get_docstring(node) or ""
                if deco.func.attr == "command" and owner == "app" and deco.args \
                        and isinstance(deco.args[0], ast.Constant):
                    out[str(deco.args[0].value)] = (doc, False)
                elif deco.func.attr == "callback":  # a group without help=: its callback's docstring
                    callback_help[owner] = doc
    for node in top:
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add_typer"
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "app" and node.args
                and isinstance(node.args[0], ast.Name)):
            name = next((k.value.value for k in node.keywords if k.arg == "name" and isinstance(k.value, ast.Constant)),
                        None)
            if name is not None:
                var = node.args[0].id
                out[str(name)] = (group_help.get(var) or callback_help.get(var, ""), True)
    return out


def listed(name: str) -> Command:
    """A stand-in for command `name` that carries only its help, for the root's `--help` listing."""
    for module in COMMANDS[name]:
        found = _helps(module).get(name)
        if found is not None:
            text, group = found
            return TyperGroup(name=name, help=text) if group else TyperCommand(name=name, help=text)
    return TyperCommand(name=name)


__all__ = ["COMMANDS", "listed", "load", "load_all", "modules"]
