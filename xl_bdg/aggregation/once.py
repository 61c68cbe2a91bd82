"""Count each case once: which totals a unit's figures go into, after the declarations of schemas/counting.yaml.

Territorial totals (rule `parent_else_children`): a parent that reported its area's total (a district before
1/7/2025) is counted in the totals above it; its children's figures stay in their own rows and their kind's total,
and are not added into the parent or above. A parent that did not report is replaced by the sum of its children.
Overlaps: a unit that is not a designated source of an indicator keeps its figure in its own row and its kind's
total only. Completeness is not touched: every unit that had to report still counts in the statuses.
"""

from __future__ import annotations

from typing import Any

from ..dataset import CountingNote
from ..findings import Finding
from ..form.counting import PARENT_ELSE_CHILDREN, Counting
from ..form.definition import NUMERIC_TYPES
from ..form.project import Project
from ..form.registry import Registry
from ..periods import Period
from ..submission import Submission


def territorial_scopes(registry: Registry, counting: Counting, per: Period,
                       reported: set[str]) -> tuple[dict[str, list[str]], list[CountingNote]]:
    """For each reported unit, the scopes its figures count in (itself, its kind, then the ancestors it is added
    into, nearest first), and a note for every territorial parent saying whether it or its children were counted."""
    day = per.end

    def territorial(code: str) -> bool:
        unit = registry.get(code)
        return unit is not None and counting.territorial_rule(code, unit.kind, day) == PARENT_ELSE_CHILDREN

    scopes: dict[str, list[str]] = {}
    aside: dict[str, list[str]] = {}   # parent that reported → its children kept beside it
    added: dict[str, list[str]] = {}   # parent that did not report → its children added in its place
    for code in sorted(reported):
        unit = registry.get(code)
        if unit is None:
            continue
        ancestors = registry.ancestors(code, day)
        cut = next((i for i, a in enumerate(ancestors) if a in reported and territorial(a)), None)
        if cut is None:
            mine = [code, f"kind:{unit.kind}", *ancestors]
            if registry.root not in mine:
                mine.append(registry.root)
            for a in ancestors:
                if territorial(a):
                    added.setdefault(a, []).append(code)
        else:
            mine = [code, f"kind:{unit.kind}", *ancestors[:cut]]
            aside.setdefault(ancestors[cut], []).append(code)
        scopes[code] = mine
    notes = [CountingNote("parent", a, tuple(kids)) for a, kids in sorted(aside.items())]
    notes += [CountingNote("children", a, tuple(kids)) for a, kids in sorted(added.items())]
    return scopes, notes


def overlap_scopes(counting: Counting, indicator: str, code: str, kind: str, up: list[str]) -> list[str]:
    """The scopes above a unit that an indicator's figure goes into: all of `up`, or only the unit and its kind when
    the unit is not a designated source of an overlapping indicator."""
    overlap = counting.overlap_of(indicator)
    if overlap is None or overlap.counts(code, kind):
        return up
    return [s for s in up if s == code or s.startswith("kind:")]


def overlap_notes(counting: Counting, aside: dict[str, set[str]]) -> list[CountingNote]:
    """A note per unit whose figures of overlapping indicators were kept beside the total (`aside`: unit →
    indicators it reported a value of)."""
    notes = []
    for code, inds in sorted(aside.items()):
        for overlap in counting.overlaps:
            mine = tuple(i for i in overlap.indicators if i in inds)
            if mine:
                notes.append(CountingNote("overlap", code, overlap.count_from, mine))
    return notes


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def area_below_parts(project: Project, per: Period, notes: list[CountingNote],
                     current: dict[str, Submission]) -> list[Finding]:
    """A warning at each cell of a counted area total (a district's report) that is below the sum of the children
    it sets aside: the area holds them, so its total cannot be smaller; the office checks with the district."""
    out: list[Finding] = []
    reg = project.registry
    for note in notes:
        parent, unit = current.get(note.unit), reg.get(note.unit)
        if note.kind != "parent" or parent is None or unit is None:
            continue
        for ind in project.form.indicators:
            if not ind.applies(unit.code, unit.kind, per.kind, per.year):
                continue
            for f in ind.fields:
                if f.type not in NUMERIC_TYPES or ind.field_agg(f) not in ("sum", "stock", "ratio"):
                    continue
                key, cv = ind.key(f.id), parent.indicators.get(ind.key(f.id))
                parts = [current[c].indicators.get(key) for c in note.units if c in current]
                values = [p.value for p in parts if p is not None and _number(p.value)]
                if cv is not None and _number(cv.value) and values and sum(values) > cv.value:
                    out.append(Finding("area-total-below-parts", "warning", parent.path, cv.sheet, cv.cell, cv.value,
                                       {"label": f"{ind.code} – {f.label}", "unit": note.unit, "other": sum(values),
                                        "units": len(values)}))
    return out
