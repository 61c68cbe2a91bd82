"""The `xl-bdg` command line: thin commands over the library (resolve paths → one library call → print → exit).

Each command group lives in its own module and registers itself on `app` when imported; `commands.COMMANDS` says
which module defines which command, and the root group imports a command's modules only when it is named on the
line (`xl-bdg --help` and `--version` import none of them).

The office's extras (`xl-bdg[office]`: Word report, charts, Parquet, the portal's server) are imported where they are
used; on a base install a command that needs one ends with a message saying what to install (exit 2).
"""

from __future__ import annotations

import sys
from typing import Any

#: Import names of the packages of the `office` extra (pyproject.toml).
OFFICE = frozenset({"docxtpl", "docx", "matplotlib", "pyarrow", "starlette", "uvicorn", "python_multipart",
                    "multipart", "argon2"})


def __getattr__(name: str) -> Any:
    """`xl_bdg.cli.app`, built on first use (importing the package alone loads neither typer nor rich)."""
    if name == "app":
        from .common import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Console entry point."""
    if sys.argv[1:] == ["--version"]:  # what a script or the add-in's check asks most: no typer, no rich, no words
        from ..version import __version__

        print(f"xl-bdg {__version__}")
        return
    from .common import EXIT_USAGE, W, app, err, say

    try:
        app()
    except ModuleNotFoundError as exc:
        module = (exc.name or "").split(".")[0]
        if module not in OFFICE:
            raise
        say(W("cli.err.office", module=module), to=err)
        raise SystemExit(EXIT_USAGE) from None


__all__ = ["OFFICE", "app", "main"]
