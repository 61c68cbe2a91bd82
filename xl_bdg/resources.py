"""Where the data folders are: `schemas/` and `report_templates/` at the top of the project.

In a checkout (or an editable install) they are the project's own folders; an installed wheel carries them as the
packages `xl_bdg.schemas` and `xl_bdg.report_templates` (mapped in pyproject.toml), so both work the same.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent


def data_dir(name: str) -> Path:
    """The folder `schemas` or `report_templates`: the checkout's own, else the installed package data."""
    local = _ROOT / name
    if local.is_dir():
        return local
    return Path(str(resources.files(f"xl_bdg.{name}")))
