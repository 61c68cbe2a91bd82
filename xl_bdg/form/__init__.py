"""The form stage: everything xl-bdg knows before any workbook exists, loaded from `schemas/`.

Takes the folder of data files (form.yaml, lists.yaml, messages.yaml, words.yaml, province.yaml, units.yaml,
targets.yaml) and returns a checked, immutable `Project`: the form definition (`Form`, its indicators, columns and
checks), the unit registry with validity dates, the reporting periods with their windows and deadlines, the
targets, and the `Layout` that says where every value sits in a unit workbook (shared by the writer and the
reader). A broken file raises `FormError` naming the entry; nothing later in the pipeline reads `schemas/` again.
"""

from __future__ import annotations

from ..errors import FormError
from ..periods import PERIOD_KINDS, Period, is_period_code, parse_period
from .definition import (
    AGG_RULES,
    FIELD_TYPES,
    NUMERIC_TYPES,
    UNIT_KINDS,
    Check,
    Column,
    Field,
    Form,
    Indicator,
    ListDef,
    load_form,
)
from .layout import Layout, layout_for
from .project import Project, Target, load_project, schemas_dir
from .reference import form_reference
from .registry import Registry, Unit, load_registry

__all__ = [
    "AGG_RULES",
    "FIELD_TYPES",
    "NUMERIC_TYPES",
    "PERIOD_KINDS",
    "UNIT_KINDS",
    "Check",
    "Column",
    "Field",
    "Form",
    "FormError",
    "Indicator",
    "Layout",
    "ListDef",
    "Period",
    "Project",
    "Registry",
    "Target",
    "Unit",
    "form_reference",
    "is_period_code",
    "layout_for",
    "load_form",
    "load_project",
    "load_registry",
    "parse_period",
    "schemas_dir",
]
