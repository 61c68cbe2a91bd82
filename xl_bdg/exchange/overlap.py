"""What a metadata package cannot show: figures DHIS2 would add although one contains the other, and one data
element holding values of several kinds.

DHIS2 makes a data element's total by adding all its option combos (dhis2-docs developer/web-api/metadata.md:
`#{uid}` "refers to the total value of an aggregate data element across all category option combinations"). Two
values of one data element, org unit and period are therefore added, and the form says when that is wrong: a
`sum_eq` check makes its total the sum of its parts (the total beside its parts counts everything twice), and an
`le` check says one figure is contained in another (the ethnic-minority count in the total, the numerator in the
denominator, the cases handled in those detected). Which form value each data value holds comes from the payload's
provenance. A data element has one value type, so values of different kinds (yes/no beside numbers or text) in one
data element cannot all be right; that is judged from the values themselves where the element is not in the package.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from ..form.definition import Form
from .payload import Origin
from .problem import Problem

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _problem(code: str, indexes: tuple[int, ...], **params: Any) -> Problem:
    return Problem(code, indexes, None, params)


def double_counting(values: list[Any], origins: list[Origin], form: Form) -> list[Problem]:
    """A problem for each form value sent beside another of the same data element that contains it or that it
    adds up to."""
    groups: dict[tuple[str, str, str], dict[tuple[str, str], int]] = defaultdict(dict)
    for i, (dv, origin) in enumerate(zip(values, origins, strict=True)):
        if isinstance(dv, dict):
            groups[(str(dv.get("dataElement")), str(dv.get("orgUnit")), str(dv.get("period")))][
                (origin.indicator, origin.field)] = i
    codes = {ind.code: ind for ind in form.indicators}
    out: list[Problem] = []
    for (element, _, _), members in groups.items():
        for code in sorted({ind for ind, _ in members}):
            ind = codes.get(code)
            if ind is None:
                continue
            here = {fid: i for (c, fid), i in members.items() if c == code}
            covered: set[tuple[str, str]] = set()
            for check in ind.checks:
                p = check.params
                if check.rule == "sum_eq" and p["total"] in here and any(x in here for x in p["parts"]):
                    parts = [x for x in p["parts"] if x in here]
                    out.append(_problem("dhis2-total-beside-parts", (here[p["total"]], *(here[x] for x in parts)),
                                        element=element, total=ind.key(p["total"]),
                                        parts=", ".join(ind.key(x) for x in parts)))
                    covered |= {(x, p["total"]) for x in p["parts"]}
            for check in ind.checks:
                a, b = check.params.get("a"), check.params.get("b")
                if check.rule != "le" or a not in here or b not in here or (a, b) in covered:
                    continue
                code_ = "dhis2-numerator-beside-denominator" if (a, b) == (ind.numerator, ind.denominator) \
                    else "dhis2-overlapping-combos"
                out.append(_problem(code_, (here[a], here[b]), element=element, part=ind.key(a), whole=ind.key(b)))
    return out


def _kind(value: Any) -> str:
    """The DHIS2 value type a value looks like (BOOLEAN, NUMBER, DATE, TEXT)."""
    text = str(value).strip().lower()
    if text in ("true", "false"):
        return "BOOLEAN"
    if _NUMBER.match(text):
        return "NUMBER"
    if _DATE.match(text):
        return "DATE"
    return "TEXT"


def mixed_types(values: list[Any], skip: set[int]) -> list[Problem]:
    """A problem for each data element (not in `skip`) whose values are of more than one kind."""
    kinds: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for i, dv in enumerate(values):
        if i in skip or not isinstance(dv, dict) or dv.get("value") in (None, ""):
            continue
        kinds[str(dv.get("dataElement"))][_kind(dv["value"])].append(i)
    out = []
    for element, found in kinds.items():
        if len(found) > 1:
            # Point at the values of the rarer kinds: the most common kind is taken as what the element means.
            ranked = sorted(found.items(), key=lambda kv: (-len(kv[1]), kv[0]))
            indexes = tuple(i for _, idx in ranked[1:] for i in idx)
            out.append(_problem("dhis2-mixed-value-types", indexes, element=element,
                                kinds=", ".join(k for k, _ in ranked)))
    return out
