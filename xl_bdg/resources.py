"""Where the data folders are: `schemas/` and `report_templates/` at the top of the project.

In a checkout (or an editable install) they are the project's own folders; an installed wheel carries them inside
the package, as `xl_bdg/schemas` and `xl_bdg/report_templates` (mapped in pyproject.toml), so both work the same.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The folder `schemas` or `report_templates`: the checkout's own, else the copy installed in the package."""
    local = _PACKAGE.parent / name
    return local if local.is_dir() else _PACKAGE / name
