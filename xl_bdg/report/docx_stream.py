"""Streamed lists for the Word report (issue 16): the appendices with a row per unit or per document (38,000 table
rows, 46 MB of XML for 4,000 units) rendered once as a row, then written row by row into the saved file.

docxtpl renders a template by running jinja over the document's whole XML, reworking the result with regular
expressions and parsing it into one lxml tree: for the 4,000-unit report that is 8 s of CPU and 1.3 GB. Here each
named list is handed to the template as two stand-in items whose fields print as markers; the two rendered copies
of the loop's body (a table row, a paragraph) are found in the rendered tree, checked to be the same but for the
item, and the first is kept as the row's pattern. When the document is saved, the pattern is written once per real
item with its fields' text, as lxml would have serialised them: the file is the one docxtpl writes, byte for byte
(tests/test_docx_body.py).

Whenever a template does more with an item than print its fields (a test on a field, `loop.index`, a filter, a
second loop over the list) or a field's text would be reworked by docxtpl (tabs, line breaks), the stand-ins refuse
or the check fails: `Unstreamable`, and the caller renders the plain way.
"""

from __future__ import annotations

import dataclasses
import os
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from lxml import etree

OPEN, CLOSE = "\ue000", "\ue001"  # private-use characters: never in a unit's text, legal in XML
_MARK = re.compile(f"{OPEN}(\\d+):(\\d):([^{CLOSE}]*){CLOSE}")
_PI = re.compile(r"<\?xl-bdg-stream (\d+)\?>(.*?)<\?xl-bdg-end \1\?>", re.S)
_W_T = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t"
#: Text docxtpl reworks after jinja (resolve_listing: tabs, line breaks, page breaks; its escaped braces), or that
#: the XML parser normalises (carriage returns): an item with such a field is not streamed.
_REWORKED = re.compile(r"[\t\n\r\f\a]|\{_[{%]|[}%]_\}")
_EMPTY_T = re.compile(r"(<w:t(?: [^>]*)?)></w:t>")
_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


class Unstreamable(Exception):
    """The template uses a streamed list in a way its stand-ins cannot render: render the plain way."""


class _Field:
    """A stand-in item, or one of its fields: prints as a marker, refuses anything else a template could do."""

    __slots__ = ("_path",)

    def __init__(self, path: tuple[int, int, tuple[str, ...]]) -> None:
        self._path = path

    def __getattr__(self, name: str) -> _Field:
        if name.startswith("_"):
            raise AttributeError(name)
        lid, idx, attrs = self._path
        return _Field((lid, idx, (*attrs, name)))

    def __html__(self) -> str:
        # What jinja's autoescape prints. str() is what filters (upper, replace, …) call: refused, so that a
        # template's own rework of a field is never skipped.
        lid, idx, attrs = self._path
        return f"{OPEN}{lid}:{idx}:{'.'.join(attrs)}{CLOSE}"

    def _refuse(self, *_: Any) -> Any:
        raise Unstreamable(f"the template does more than print {'.'.join(map(str, self._path[2]))}")

    __str__ = __bool__ = __len__ = __iter__ = __call__ = __getitem__ = __eq__ = __lt__ = __le__ = __gt__ = __ge__ = \
        _refuse
    __add__ = __radd__ = __mul__ = __mod__ = __int__ = __float__ = __contains__ = _refuse
    __hash__ = object.__hash__


class _Stand(list[_Field]):
    """A streamed list as the template sees it: true when the list is, two stand-in items when iterated (once)."""

    def __init__(self, lid: int, real: list[Any], streams: Streams) -> None:
        super().__init__([_Field((lid, 0, ())), _Field((lid, 1, ()))])
        self.lid, self.real, self.streams = lid, real, streams

    def __bool__(self) -> bool:
        return bool(self.real)

    def __len__(self) -> int:
        raise Unstreamable("the template counts a streamed list")

    def __iter__(self) -> Iterator[_Field]:
        self.streams.iterated[self.lid] = self.streams.iterated.get(self.lid, 0) + 1
        return super().__iter__()


class Streams:
    """The lists of one rendering that are streamed, found in the rendered tree, then written into the file."""

    def __init__(self, finalize: Callable[[Any], Any]) -> None:
        self.finalize = finalize
        self.lists: list[list[Any]] = []
        self.iterated: dict[int, int] = {}
        self.kept: set[int] = set()  # the lists whose pattern is in the document

    def swap(self, data: dict[str, Any], paths: tuple[str, ...]) -> dict[str, Any]:
        """`data` with each list named by a dotted path (`unit_texts.blocks.entries`: through lists and
        dataclasses) replaced by its stand-in; lists that are absent or empty are left as they are."""
        out = dict(data)
        for path in paths:
            name, *rest = path.split(".")
            if name in out:
                out[name] = self._swap(out[name], rest)
        return out

    def _swap(self, value: Any, rest: list[str]) -> Any:
        if not rest:
            if not isinstance(value, list) or not value:
                return value
            self.lists.append(value)
            return _Stand(len(self.lists) - 1, value, self)
        if isinstance(value, list):
            return [self._swap(v, rest) for v in value]
        if dataclasses.is_dataclass(value) and not isinstance(value, type) and hasattr(value, rest[0]):
            return dataclasses.replace(value, **{rest[0]: self._swap(getattr(value, rest[0]), rest[1:])})
        return value

    def collect(self, tpl: Any) -> None:
        """Find each list's two rendered copies in the document, keep the first as its pattern between two
        processing instructions and drop the second; raise Unstreamable if they are not what streaming needs."""
        root = tpl.docx._element
        found: dict[tuple[int, int], list[Any]] = {}
        marks = 0
        for t in root.iter(_W_T):
            if t.text and OPEN in t.text:
                for m in _MARK.finditer(t.text):
                    found.setdefault((int(m.group(1)), int(m.group(2))), []).append(t)
                    marks += 1
        if etree.tostring(root, encoding="unicode").count(OPEN) != marks or self._in_other_parts(tpl):
            raise Unstreamable("a streamed field is printed outside a text run")
        for lid in range(len(self.lists)):
            if self.iterated.get(lid, 0) == 0:
                continue  # the template never loops over it: nothing to write
            if self.iterated[lid] != 1 or (lid, 0) not in found or (lid, 1) not in found:
                raise Unstreamable("a streamed list is looped over twice, or printed nothing")
            first, second = _copies(found[lid, 0], found[lid, 1])
            one = etree.tostring(first, encoding="unicode")
            two = etree.tostring(second, encoding="unicode")
            if one.replace(f"{OPEN}{lid}:0:", f"{OPEN}{lid}:1:") != two:
                raise Unstreamable("the two rendered items differ by more than their fields")
            self._check(lid, [m.group(3) for m in _MARK.finditer(one)])
            parent = first.getparent()
            first.addprevious(etree.ProcessingInstruction("xl-bdg-stream", str(lid)))
            first.addnext(etree.ProcessingInstruction("xl-bdg-end", str(lid)))
            parent.remove(second)
            self.kept.add(lid)

    def _in_other_parts(self, tpl: Any) -> bool:
        for rel in tpl.docx.part.rels.values():
            if not rel.is_external and OPEN.encode() in (rel.target_part.blob or b""):
                return True
        return False

    def _check(self, lid: int, fields: list[str]) -> None:
        for item in self.lists[lid]:
            for f in fields:
                if _REWORKED.search(self._text(item, f)):
                    raise Unstreamable("a streamed field holds text docxtpl reworks")

    def _text(self, item: Any, path: str) -> str:
        """What jinja prints for the field (finalize, then str), as the parsed tree holds it."""
        value = item
        for name in path.split(".") if path else ():
            try:
                value = getattr(value, name)
            except AttributeError as err:
                raise Unstreamable(f"no field {path}") from err
        shown = self.finalize(value)
        if hasattr(shown, "__html__"):
            raise Unstreamable("a streamed field is markup")
        return str(shown)

    def expand(self, docx: Path, part: str = "word/document.xml") -> None:
        """Rewrite the saved file `docx` with each pattern written once per item of its list."""
        if not self.kept:
            return
        tmp = docx.with_name(docx.name + ".stream")
        with zipfile.ZipFile(docx) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                if info.filename != part:
                    zout.writestr(info, zin.read(info.filename))
                    continue
                xml = zin.read(info.filename).decode("utf-8")
                with zout.open(info, "w") as out:
                    for chunk in self._chunks(xml):
                        out.write(chunk.encode("utf-8"))
        os.replace(tmp, docx)

    def _chunks(self, xml: str) -> Iterator[str]:
        at = 0
        for m in _PI.finditer(xml):
            yield xml[at:m.start()]
            lid, pattern = int(m.group(1)), _MARK.split(m.group(2))
            # split: literal, (list id, item, path) × n, literal → per field its path
            literals, paths = pattern[0::4], pattern[3::4]
            rows: list[str] = []
            for item in self.lists[lid]:
                parts, empty = [literals[0]], False
                for path, literal in zip(paths, literals[1:], strict=True):
                    text = self._text(item, path)
                    empty = empty or not text
                    parts.append(text.translate(_ESCAPE))
                    parts.append(literal)
                row = "".join(parts)
                rows.append(_EMPTY_T.sub(r"\1/>", row) if empty else row)  # lxml writes an empty text as <w:t/>
                if len(rows) >= 1000:
                    yield "".join(rows)
                    rows.clear()
            yield "".join(rows)
            at = m.end()
        yield xml[at:]


def _copies(one: list[Any], two: list[Any]) -> tuple[Any, Any]:
    """The two sibling elements that hold, each, every marker of one stand-in item (a row, a paragraph)."""
    path_one = [*reversed(list(one[0].iterancestors())), one[0]]
    path_two = [*reversed(list(two[0].iterancestors())), two[0]]
    depth = 0
    while depth < min(len(path_one), len(path_two)) and path_one[depth] is path_two[depth]:
        depth += 1
    if depth == 0 or depth >= min(len(path_one), len(path_two)):
        raise Unstreamable("the stand-ins' copies are not side by side")
    first, second = path_one[depth], path_two[depth]
    if first.getnext() is not second:
        raise Unstreamable("the stand-ins' copies are not side by side")
    for els, top in ((one, first), (two, second)):
        for el in els:
            if el is not top and top not in el.iterancestors():
                raise Unstreamable("a stand-in's fields are printed apart")
    return first, second
