"""The `xl-bdg` command line: thin commands over the library (resolve paths → one library call → print → exit).

Each command group lives in its own module and registers itself on `app` when imported; `commands.COMMANDS` says
which module defines which command, and the root group imports a command's modules only when it is named on the
line (`xl-bdg --help` and `--version` import none of them).

The office's extras (`xl-bdg[office]`: Word report, charts, Parquet, the portal's server) are imported where they are
used; on a base install a command that needs one ends with a message saying what to install (exit 2).
"""

from __future__ import annotations

from .common import EXIT_USAGE, W, app, err, say

#: Import names of the packages of the `office` extra (pyproject.toml).
OFFICE = frozenset({"docxtpl", "docx", "matplotlib", "pyarrow", "starlette", "uvicorn", "python_multipart",
                    "multipart", "argon2"})


def main() -> None:
    """Console entry point."""
    try:
        app()
    except ModuleNotFoundError as exc:
        module = (exc.name or "").split(".")[0]
        if module not in OFFICE:
            raise
        say(W("cli.err.office", module=module), to=err)
        raise SystemExit(EXIT_USAGE) from None


__all__ = ["OFFICE", "app", "main"]
