"""The `xl-bdg` command line: thin commands over the library (resolve paths → one library call → print → exit).

Each command group lives in its own module and registers itself on `app`; this module only assembles them.
"""

from __future__ import annotations

# Importing a command module registers its commands on `app`.
from . import addin_cmd, docs_cmd, ledger_cmd, report_cmd, template_cmd, validate_cmd  # noqa: F401
from .common import app


def main() -> None:
    """Console entry point."""
    app()


__all__ = ["app", "main"]
