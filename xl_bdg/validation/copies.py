"""Names for annotated copies that never overwrite each other.

A folder run may hold two `BaoCao.xlsx` from different units' folders, or `X.xls` beside `X.xlsx`: both would become
`BaoCao_kiem-tra.xlsx`, and the second copy would replace the first without a word. Each copy keeps the plain name
when it is the only one to want it; otherwise the name grows, in order, by what tells the inputs apart: their kind
of file (`X-xls_kiem-tra.xlsx`), then their folders (`phuong-a_BaoCao_kiem-tra.xlsx`), then a number.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..text import ascii_slug

SUFFIX = "_kiem-tra.xlsx"


def _key(name: str) -> str:
    return name.lower()  # Windows and macOS folders do not tell BaoCao from baocao


def _named(stem: str, tags: Sequence[str]) -> str:
    return "_".join([*tags, stem]) + SUFFIX


def _variants(path: Path, ext: bool, depth: int) -> str:
    stem = ascii_slug(path.stem) + (f"-{ascii_slug(path.suffix.lstrip('.'))}" if ext and path.suffix else "")
    parents = [ascii_slug(p) for p in path.resolve().parent.parts[-depth:]] if depth else []
    return _named(stem, parents)


def copy_names(sources: Sequence[Path]) -> dict[Path, str]:
    """A distinct ASCII-safe file name for the annotated copy of each source (the sources themselves distinct)."""
    plain = {p: _variants(p, False, 0) for p in sources}
    wanted: dict[str, list[Path]] = {}
    for p, name in plain.items():
        wanted.setdefault(_key(name), []).append(p)
    out: dict[Path, str] = {}
    for group in wanted.values():
        if len(group) == 1:
            out[group[0]] = plain[group[0]]
            continue
        kinds = len({p.suffix.lower() for p in group})
        for depth in range(0, 1 + max(len(p.resolve().parent.parts) for p in group)):
            # The kind of file tells X.xls from X.xlsx; once folders are needed, it is kept where kinds differ.
            ext = kinds == len(group) or (depth > 0 and kinds > 1)
            names = {p: _variants(p, ext, depth) for p in group}
            if len({_key(n) for n in names.values()}) == len(group):
                out.update(names)
                break
        else:  # the same path twice cannot happen; still, never lose a copy
            out.update({p: _variants(p, True, 0).replace(SUFFIX, f"-{i + 1}{SUFFIX}") for i, p in enumerate(group)})
    # A longer name may meet a plain one ("a_BaoCao" from a folder beside a file named so): number the later ones.
    seen: set[str] = set()
    for p in sources:
        name, n = out[p], 2
        while _key(name) in seen:
            name, n = out[p].replace(SUFFIX, f"-{n}{SUFFIX}"), n + 1
        out[p] = name
        seen.add(_key(name))
    return out
