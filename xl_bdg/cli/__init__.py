"""The `xl-bdg` command line: thin commands over the library (resolve paths → one library call → print → exit).

Each command group lives in its own module and registers itself on `app` when imported; `commands.COMMANDS` says
which module defines which command, and the root group imports a command's modules only when it is named on the
line (`xl-bdg --help` and `--version` import none of them).
"""

from __future__ import annotations

from .common import app


def main() -> None:
    """Console entry point."""
    app()


__all__ = ["app", "main"]
