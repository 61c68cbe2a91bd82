"""The `xl-bdg` command line: thin commands over the library (resolve paths → one library call → print → exit).

Each command group lives in its own module and registers itself on `app`; this module only assembles them.
"""

from __future__ import annotations

# Importing a command module registers its commands on `app`.
from . import (  # noqa: F401  (each module registers its commands on `app`)
    addin_cmd,
    aggregate_cmd,
    docs_cmd,
    exchange_cmd,
    intake_cmd,
    portal_cmd,
    report_cmd,
    status_cmd,
    template_cmd,
    validate_cmd,
)
from .common import app


def main() -> None:
    """Console entry point."""
    app()


__all__ = ["app", "main"]
