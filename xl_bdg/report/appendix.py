"""The report's appendices drawn from the units' workbooks: the documents the units say they issued (text fields of
the indicator sheet, the activities' document column) and the units' own texts, grouped by kind of unit with
identical texts written once — so that the body can be a synthesis and nothing a unit wrote is lost."""

from __future__ import annotations

import re
from typing import Any

from ..dataset import Dataset
from ..form.project import Project
from .context import DocumentRow, KindBlock, NarrativeBlock, NarrativeEntry


def _order(project: Project) -> dict[str, int]:
    return {code: i for i, code in enumerate(project.registry.units)}


def documents(project: Project, dataset: Dataset, en: bool = False) -> list[DocumentRow]:
    """Every document a unit names, in registry order: indicator text fields first, then activities' documents."""
    order, names = _order(project), {u.code: u.label("en" if en else "vi") for u in project.registry.units.values()}
    found: list[tuple[int, str, str, str]] = []
    seen: set[tuple[str, str]] = set()
    text_fields = {f"{ind.code}.{f.id}": (ind.label_en if en else ind.label)
                   for ind in project.form.indicators for f in ind.fields if f.type == "text"}
    for (unit, key), value in dataset.unit_values.items():
        if key in text_fields and isinstance(value, str) and value.strip():
            found.append((order.get(unit, 10**6), unit, " ".join(value.split()), text_fields[key]))
    for act in dataset.activities:
        doc = act.values.get("document")
        if isinstance(doc, str) and doc.strip():
            title = str(act.values.get("title") or "")
            found.append((order.get(act.unit, 10**6), act.unit, " ".join(doc.split()), title))
    rows: list[DocumentRow] = []
    for _, unit, doc, about in sorted(found, key=lambda x: (x[0], x[2])):
        if (unit, doc) in seen:
            continue  # one plan quoted by several activities is one document
        seen.add((unit, doc))
        rows.append(DocumentRow(len(rows) + 1, names.get(unit, unit), doc, about))
    return rows


def _key(text: str) -> str:
    # Texts that differ only in spacing, case or final punctuation are the same text.
    return re.sub(r"[\s.;,!]+$", "", " ".join(text.split())).casefold()


def unit_texts(project: Project, dataset: Dataset, kinds: dict[str, Any], en: bool = False) -> list[KindBlock]:
    """The units' narratives by kind of unit (registry order), each narrative field's identical texts once."""
    order = _order(project)
    by_kind: dict[str, list[str]] = {}
    for unit in sorted(dataset.narratives, key=lambda u: order.get(u, 10**6)):
        u = project.registry.get(unit)
        by_kind.setdefault(u.kind if u else "", []).append(unit)
    out = []
    for kind, units in by_kind.items():
        blocks = []
        for col in project.form.narrative:
            merged: dict[str, tuple[str, list[str]]] = {}
            for unit in units:
                text = " ".join(str(dataset.narratives[unit].get(col.id) or "").split())
                if text:
                    u = project.registry.get(unit)
                    merged.setdefault(_key(text), (text, []))[1].append(u.label("en" if en else "vi") if u else unit)
            if merged:
                entries = [NarrativeEntry(", ".join(names), text) for text, names in merged.values()]
                blocks.append(NarrativeBlock(col.label_en if en else col.label, entries))
        if blocks:
            out.append(KindBlock(str(kinds.get(kind, kind)), blocks))
    return out
