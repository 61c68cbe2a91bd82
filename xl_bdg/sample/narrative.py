"""The synthetic narrative of one unit: sentences picked per section from `synthetic.yaml`, filled with its figures.

Each section is a list of slots; a slot offers sentences by unit code, unit kind or `all`, and one is picked per
slot. A sentence naming a figure the unit does not report (or reports as zero) is passed over, so a department never
writes about its villages and a commune with no GBV case does not describe how its cases were handled.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from typing import Any

from ..form.registry import Unit
from ..text import number

_SLOT = re.compile(r"\{([A-Za-z0-9_.]+)\}")


def _fill(sentence: str, values: dict[str, Any]) -> str | None:
    """The sentence with its placeholders filled, or None when one of them has no value."""
    missing = False

    def sub(m: re.Match[str]) -> str:
        nonlocal missing
        value = values.get(m.group(1))
        if value is None or value == 0:
            missing = True
            return ""
        return number(value) if isinstance(value, (int, float)) else str(value)

    text = _SLOT.sub(sub, sentence)
    return None if missing else text


def _values(unit: Unit, year: int, figures: dict[str, Any], activities: list[dict[str, Any]]) -> dict[str, Any]:
    people = sum(a["part_t"] for a in activities)
    women = sum(a["part_f"] for a in activities)
    top = Counter(a["category"] for a in activities).most_common(1)
    values: dict[str, Any] = {k: v for k, v in figures.items() if isinstance(v, (int, float, str))}
    values.update({"unit": unit.name, "year": str(year), "n": len(activities), "p": people,
                   "f": round(100 * women / people) if people else None,
                   "top": top[0][0].lower() if top else None})
    for key, num, den in (("lead_pct", "LEAD_01.NUM", "LEAD_01.DEN"), ("main_pct", "MAIN_01.NUM", "MAIN_01.DEN"),
                          ("caw_f_pct", "CAW_01.F", "CAW_01.T"), ("com_pct", "COM_01.NUM", "COM_01.DEN")):
        a, b = figures.get(num), figures.get(den)
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b:
            values[key] = round(100 * a / b)
    return values


def narrative_texts(sections: dict[str, list[dict[str, list[str]]]], wanted: set[str], unit: Unit, year: int,
                    figures: dict[str, Any], activities: list[dict[str, Any]], r: random.Random) -> dict[str, str]:
    """The unit's text for each narrative section in `wanted`: one sentence per slot that has a fitting one."""
    values = _values(unit, year, figures, activities)
    out: dict[str, str] = {}
    for section, slots in sections.items():
        if section not in wanted:
            continue
        sentences = []
        for slot in slots:
            options = slot.get(unit.code) or slot.get(unit.kind) or slot.get("all") or []
            filled = [t for t in (_fill(s, values) for s in options) if t]
            if filled:
                sentences.append(r.choice(filled))
        if sentences:
            out[section] = " ".join(sentences)
    return out


__all__ = ["narrative_texts"]
