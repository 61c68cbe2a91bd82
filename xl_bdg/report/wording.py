"""Sentences written from figures: a sentence of labels.yaml with named blanks (`{units_expected}`) filled with words
or with marked figures, giving a `Para` whose parts the HTML report marks (data-sum, data-fig) for its tests, and the
short lists a sentence may hold ("A, B và 3 đơn vị khác"), so that no sentence of the body lists every unit.

A blank may choose words by a number, for languages that inflect: `{n:activity|activities}` writes the first words
when `n` is 1, the second otherwise; `#` in them is the number (`{n:this point|these # points}`). Vietnamese needs
none: its sentences are plain blanks.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from typing import Any

from .context import Num, Para, Part, fmt_num, parse_num

#: A value for a blank: words, a number, or an already marked figure.
Blank = str | Num | Part | Para


def mark(kind: str, key: str, value: Num | str) -> Part:
    """A figure the HTML report marks with data-<kind>="<key>"."""
    return Part(str(value), kind, key)


def _parts(value: Blank) -> list[Part]:
    if isinstance(value, Part):
        return [value]
    if isinstance(value, Para):
        return list(value.parts)
    return [Part(str(value), "", "")] if str(value) else []


def _count(value: Blank | int) -> float | None:
    """The number a blank holds, for choosing singular or plural words."""
    if isinstance(value, Num):
        return value.value
    if isinstance(value, (int, float)):
        return float(value)
    text = value.text if isinstance(value, (Part, Para)) else str(value)
    try:
        return parse_num(text)
    except ValueError:
        return None


def plural(spec: str, value: Blank | int) -> str:
    """The words of a `{n:one|other}` blank for the number `value` ('#' in them is the number)."""
    one, _, other = spec.partition("|")
    words = one if _count(value) == 1 else other
    shown = str(value) if isinstance(value, (int, float)) else value
    return words.replace("#", "".join(p.text for p in _parts(shown)))


def compose(sentence: str, **blanks: Blank) -> Para:
    """Fill the named blanks of `sentence`; a blank the sentence does not use is ignored; `{n:one|other}` chooses
    words by the number `n`."""
    parts: list[Part] = []
    for literal, name, spec, _conv in string.Formatter().parse(sentence):
        if literal:
            parts.append(Part(literal, "", ""))
        if name is not None and spec and "|" in spec:
            parts.append(Part(plural(spec, blanks[name]), "", ""))
        elif name is not None:
            parts.extend(_parts(blanks[name]))
    merged: list[Part] = []
    for p in parts:  # neighbouring words become one part: fewer spans, same text
        if merged and not p.kind and not merged[-1].kind:
            merged[-1] = Part(merged[-1].text + p.text, "", "")
        else:
            merged.append(p)
    return Para("".join(p.text for p in merged), merged)


def fill(sentence: str, **blanks: Blank | int) -> str:
    """`compose` as plain text (the letters' sentences): str.format's blanks, with the plural ones."""
    return compose(sentence, **{k: v if isinstance(v, (str, Num, Part, Para)) else str(v)
                                for k, v in blanks.items()}).text


def join(items: Sequence[Blank], doc: Mapping[str, Any], limit: int, more_key: str = "w_items_more") -> Para:
    """'A, B và C'; past `limit` items, 'A, B, C và N … khác' (the sentence `more_key` of labels.doc)."""
    items = list(items)
    if not items:
        return Para("", [])
    shown, rest = items[:limit], len(items) - limit
    if rest > 0:
        head = _comma(shown, ", ")
        return compose(doc[more_key], items=head, names=head, n=fmt_num(rest))
    if len(shown) == 1:
        return _comma(shown, ", ")
    return compose("{a}{sep}{b}", a=_comma(shown[:-1], ", "), sep=doc["w_and"], b=_comma(shown[-1:], ", "))


def _comma(items: Sequence[Blank], sep: str) -> Para:
    parts: list[Part] = []
    for i, item in enumerate(items):
        if i:
            parts.append(Part(sep, "", ""))
        parts.extend(_parts(item))
    return compose("{x}", x=Para("".join(p.text for p in parts), parts))


def sentences(paras: Sequence[Para]) -> Para:
    """Several sentences as one paragraph."""
    parts: list[Part] = []
    for i, p in enumerate(q for q in paras if q.text):
        if i:
            parts.append(Part(" ", "", ""))
        parts.extend(p.parts)
    return compose("{x}", x=Para("".join(p.text for p in parts), parts))
