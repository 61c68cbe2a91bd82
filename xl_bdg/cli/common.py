"""Shared pieces of the CLI: the app, the options every command shares (defined once), loading the project with a
clear message on bad configuration, and printing that never folds a path."""

from __future__ import annotations

import importlib
import sqlite3
import sys
import types
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Column, Table
from typer.core import TyperGroup

from ..catalogue import LANGS, Words, env_lang, words
from ..errors import FormError
from ..periods import Period, is_period_code
from ..sanitize import clean_text, dumps, show_name
from .commands import COMMANDS, listed, load
from .edge import Stopped, note_ledger, os_message, stopped_message, stops_cleanly, writable

if TYPE_CHECKING:  # the form and the ledger load with the command that needs them, not with `xl-bdg --help`
    from typer._click import Command, Context

    from ..form.project import Project
    from ..ledger.store import Ledger

#: Option help is written once, at start-up, in the language of $XL_BDG_LANG.
W = words(env_lang())


class _Deferred(type):
    """A stand-in for class `__name__` of module `_module`: calling it or reading one of its attributes imports the
    real module and uses the real class."""

    _module: str

    def _real(cls) -> Any:
        return getattr(importlib.import_module(cls._module), cls.__name__)

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return cls._real()(*args, **kwargs)

    def __getattr__(cls, name: str) -> Any:
        return getattr(cls._real(), name)


#: What typer.rich_utils imports at its top but needs only in cases xl-bdg's help never meets: rich.markdown (and
#: markdown_it) for `rich_markup_mode="markdown"`, rich.traceback (and pygments) for a pretty exception.
_DEFERRED = {"rich.markdown": "Markdown", "rich.traceback": "Traceback"}


def quick_rich_help() -> None:
    """Import typer's help formatter without the modules of `_DEFERRED` (0.1–0.2 s, a third of `xl-bdg --help`).
    While typer.rich_utils is imported, each is a stand-in whose class imports the real module when first used;
    the stand-ins are then removed, so any later import gets the real module."""
    if "typer.rich_utils" in sys.modules:
        return
    stand_ins = {}
    for module, name in _DEFERRED.items():
        if module not in sys.modules:
            stand_ins[module] = types.ModuleType(module)
            setattr(stand_ins[module], name, _Deferred(name, (), {"_module": module}))
    sys.modules.update(stand_ins)
    try:
        import typer.rich_utils  # noqa: F401
    finally:
        for module, stand_in in stand_ins.items():
            if sys.modules.get(module) is stand_in:
                del sys.modules[module]


class LazyGroup(TyperGroup):
    """The root `xl-bdg` group: commands are imported when named on the line, listed from the table for `--help`."""

    _listing = False
    _loaded: frozenset[str] = frozenset()  # the commands whose modules are all imported

    def list_commands(self, ctx: Context) -> list[str]:
        """The table's commands, then any registered outside it."""
        return [*COMMANDS, *(n for n in self.commands if n not in COMMANDS)]

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        """The command, imported and built on first use (a stand-in while the root's help is being written)."""
        if cmd_name not in COMMANDS or cmd_name in self._loaded:
            return self.commands.get(cmd_name)
        if self._listing:
            return self.commands.get(cmd_name) or listed(cmd_name)
        # Built once its own modules are all imported: a group that another command's module registered first
        # (`export` comes with `aggregate`, its dhis2-* commands with exchange_cmd) is built again then.
        load(cmd_name)
        self.commands.update(typer.main.get_group(app).commands)
        self._loaded = self._loaded | {cmd_name}
        return self.commands.get(cmd_name)

    def invoke(self, ctx: Context) -> Any:
        """Run the command at the edge: an error of the system (permissions, space, the disk, a read-only ledger)
        is a message naming the path and exit 2, never a traceback; SIGTERM and Ctrl-C stop it cleanly."""
        with stops_cleanly():
            try:
                return super().invoke(ctx)
            except (OSError, sqlite3.OperationalError) as exc:
                text = os_message(exc, _SPOKEN[-1])
                if text is None:
                    raise
                raise fail(text) from None
            except (Stopped, KeyboardInterrupt) as exc:
                text, code = stopped_message(exc, _SPOKEN[-1])
                say(text, "yellow", to=err)
                raise typer.Exit(code) from None

    def format_help(self, ctx: Context, formatter: Any) -> None:
        """The root's help, listing every command without importing any."""
        quick_rich_help()
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


app = typer.Typer(name="xl-bdg", help=W("cli.app"), no_args_is_help=True, add_completion=False,
                  rich_markup_mode="rich", cls=LazyGroup)
console = Console()
err = Console(stderr=True)

SchemasOpt = Annotated[Path | None, typer.Option("--schemas", help=W("cli.opt.schemas"), file_okay=False)]
LangOpt = Annotated[str, typer.Option("--lang", envvar="XL_BDG_LANG", help=W("cli.opt.lang"))]
PeriodOpt = Annotated[str, typer.Option("--period", "-p", help=W("cli.opt.period"))]
LedgerOpt = Annotated[Path, typer.Option("--ledger", envvar="XL_BDG_LEDGER", dir_okay=False, help=W("cli.opt.ledger"))]
OutOpt = Annotated[Path, typer.Option("--out", "-o", file_okay=False, help=W("cli.opt.out"))]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help=W("cli.opt.quiet"))]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help=W("cli.opt.verbose"))]

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def say(text: object, style: str | None = None, *, to: Console | None = None) -> None:
    """Print one line as is: no markup read from data, no highlighting, and never folded (a path stays whole)."""
    # A file name or a cell may hold bytes that are not UTF-8 or a terminal escape: show them, never send them.
    (to or console).print(clean_text(show_name(str(text))), style=style, markup=False, highlight=False,
                          soft_wrap=True)


#: The words of the command running now (its --lang, once checked): what `fail` prefixes its message with.
_SPOKEN: list[Words] = [W]


def fail(message: str) -> typer.Exit:
    """Print a usage or configuration problem on stderr and return the exit (code 2) to raise."""
    err.print(f"[bold red]{_SPOKEN[-1]('cli.error')}:[/] ", end="")
    say(message, to=err)
    return typer.Exit(EXIT_USAGE)


def check_lang(lang: str) -> Words:
    """The words of `lang`, or exit 2 when it is not a language xl-bdg speaks."""
    if lang not in LANGS:
        raise fail(W("cli.err.lang", value=lang))
    _SPOKEN[-1] = words(lang)
    return _SPOKEN[-1]


@dataclass(frozen=True)
class Voice:
    """How much a command says: `quiet` only what matters (no progress, no headings), `verbose` everything."""

    quiet: bool = False
    verbose: bool = False


def check_voice(quiet: bool, verbose: bool) -> Voice:
    """--quiet and --verbose as a Voice, or exit 2 when both are given."""
    if quiet and verbose:
        raise fail(_SPOKEN[-1]("cli.err.quiet_verbose"))
    return Voice(quiet, verbose)


def check_format(fmt: str, choices: tuple[str, ...]) -> str:
    """`fmt` when it is one of `choices`, else exit 2."""
    if fmt not in choices:
        raise fail(W("cli.err.format", choices=" / ".join(choices), value=fmt))
    return fmt


def open_project(schemas: Path | None) -> Project:
    """Load the project configuration or exit 2 with the checker's message (which names the bad entry)."""
    from ..form.project import load_project

    try:
        return load_project(schemas)
    except FormError as exc:
        raise fail(W("cli.err.broken_form", error=exc)) from None


def parse_period_or_exit(project: Project, text: str) -> Period:
    """Parse a period code or exit 2 with the reason."""
    if not is_period_code(text):
        raise fail(_SPOKEN[-1]("cli.err.period", value=text))
    try:
        return project.period(text)
    except (ValueError, FormError) as exc:
        raise fail(str(exc)) from None


def _version(value: bool) -> None:
    if value:
        from ..version import __version__

        say(f"xl-bdg {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help=W("cli.opt.version"))] = False,
) -> None:
    """xl-bdg: báo cáo bình đẳng giới cấp tỉnh / gender-equality reporting for a province."""
    _SPOKEN[-1] = W  # until the command checks its own --lang


FormatOpt = Annotated[str, typer.Option("--format", "-f", help=W("cli.opt.format_table"))]


def open_ledger(path: Path, w: Words, *, create: bool = False, readonly: bool = False) -> Ledger:
    """The ledger at `path`, or exit 2 saying what to do when it is missing (and not to be created) or unreadable.

    `readonly`: for the commands that only read it (status, aggregate, report, exports): opened read-only, so a
    ledger on read-only storage (a CD, a locked share, an immutable folder) can still be read."""
    from ..ledger.store import Ledger

    if not create and not path.exists():
        raise fail(w("cli.err.no_ledger", path=path))
    if not readonly and path.exists() and not writable(path):
        # Said before opening: a run with nothing new to record would otherwise end quietly, the ledger unwritten.
        raise fail(w("cli.err.os.ledger_readonly", path=path))
    note_ledger(path)
    try:
        return Ledger(path, readonly=readonly)
    except sqlite3.OperationalError as exc:  # the system's refusal (read-only, full, failing disk): say what to do
        if not readonly and not writable(path):
            raise fail(w("cli.err.os.ledger_readonly", path=path)) from None
        raise fail(os_message(exc, w) or w("cli.err.bad_ledger", path=path, error=exc)) from None
    except sqlite3.DatabaseError as exc:
        raise fail(w("cli.err.bad_ledger", path=path, error=exc)) from None


def table(headers: list[str], whole: tuple[int, ...] = (0,), title: str | None = None) -> Table:
    """A table whose columns `whole` (codes, file names, dates: what is copied) are never folded or cut; the others
    (names, labels) wrap to make room on a narrow terminal."""
    return _SafeTable(*(Column(h, no_wrap=i in whole) for i, h in enumerate(headers)), title=title)


class _SafeTable(Table):
    """A rich Table whose text cells are shown as `say` shows a line: file names that are not UTF-8 escaped, control
    characters (a terminal escape in a unit's text) dropped."""

    def add_row(self, *renderables: Any, **kwargs: Any) -> None:
        """Add a row, its text made safe to print."""
        super().add_row(*(clean_text(show_name(r)) if isinstance(r, str) else r for r in renderables), **kwargs)


def print_json(data: object) -> None:
    """JSON on stdout as plain text: rich would wrap long lines at the terminal width and break it."""
    typer.echo(dumps(data, indent=2, default=str))
