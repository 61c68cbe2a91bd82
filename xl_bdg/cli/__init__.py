"""The `xl-bdg` command line: thin commands over the library (resolve paths → one library call → print → exit).

Each command group lives in its own module and registers itself on `app`; this module only assembles them.
"""

from __future__ import annotations

# Importing a command module registers its commands on `app`.
from . import docs_cmd, template_cmd  # noqa: F401  (registration by import)
from .common import app

for _name in ("validate_cmd", "ledger_cmd", "report_cmd", "addin_cmd"):
    try:
        __import__(f"{__name__}.{_name}")
    except ModuleNotFoundError as exc:  # a command group not built yet must not break the others
        if exc.name != f"{__name__}.{_name}":
            raise


def main() -> None:
    """Console entry point."""
    app()


__all__ = ["app", "main"]
