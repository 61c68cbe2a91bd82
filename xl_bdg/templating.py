"""One jinja2 environment for every document xl-bdg renders from `report_templates/` (the validation page, the
report, the letters), and the one place that says where those templates are.

HTML is autoescaped and a missing variable is an error, never an empty string (StrictUndefined): a template that
names something its context does not document fails its test instead of printing a blank. Every value printed
passes through `sanitize.clean` (jinja2's `finalize`): a control character in a unit's text can neither break the
Word file (lxml refuses it) nor reach a browser.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from .resources import data_dir
from .sanitize import clean_text, has_control, show_name

#: The templates shipped with the project (the checkout's folder, or the copy inside an installed wheel).
TEMPLATES_DIR = data_dir("report_templates")


def templates_dir(explicit: Path | None = None) -> Path:
    """The templates folder: the explicit one, else the project's own."""
    return explicit or TEMPLATES_DIR


@lru_cache(maxsize=8)
def environment(folder: Path | None = None) -> jinja2.Environment:
    """The HTML environment over `folder` (default: the project's templates): autoescape, StrictUndefined."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir(folder))),
                              autoescape=jinja2.select_autoescape(["html", "j2"]), undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, finalize=_finalize)


def docx_environment() -> jinja2.Environment:
    """The environment docxtpl renders Word templates with: StrictUndefined; docxtpl escapes XML itself."""
    return jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False, finalize=_finalize)


def _finalize(value: Any) -> Any:
    """What `{{ … }}` prints: text without the characters no document may hold, non-UTF-8 names escaped (Markup
    stays Markup, so what a template marked safe is not escaped twice)."""
    if isinstance(value, str):
        shown = show_name(value)  # a file name that is not UTF-8 is shown as `\xff`, not dropped
        if shown is not value or has_control(shown):
            return type(value)(clean_text(shown))
    return value
