"""Mutated workbooks made from the project's own templates, deterministically: case `i` of seed `s` is always the
same bytes, so a failure is reproduced by its case number alone.

The seeds are real files: the blank template and filled workbooks written by the project's own writer
(`write_template`, `fill_workbook` with `synthesize`). Each case applies one to three mutations, chosen among
what broken downloads, careless programs and attackers do: zip structure (members dropped, duplicated, renamed,
truncated, stored, lying about their size, junk added), XML (truncated, tags broken, a DTD, far cell references,
bytes flipped), cell types (`t="s"` pointing nowhere, `t="e"`, `t="b"` on text), numbers (1e19, 1e308, NaN, inf,
thousands of digits), strings (control characters, very long, formula-looking, odd Unicode) and names (sheets
renamed, duplicated, emptied).
"""

from __future__ import annotations

import io
import random
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

Members = dict[str, bytes]


@dataclass(frozen=True)
class Case:
    """One generated file: its name (ASCII, with the case number), its bytes and what was done to it."""

    name: str
    data: bytes
    what: str


def seeds(out_dir: Path) -> list[Path]:
    """The real workbooks every case starts from: a blank template and three filled ones (the project's writer)."""
    from xl_bdg.form.project import load_project
    from xl_bdg.sample.synth import synthesize
    from xl_bdg.workbook.fill import fill_workbook
    from xl_bdg.workbook.template import write_template

    project = load_project()
    out_dir.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []
    for unit_code, period_code in (("XA-EAKAO", "2026-FY"), ("SO-YTE", "2026-FY"), ("HOI-LHPN", "2026-FY")):
        unit, per = project.registry.get(unit_code), project.period(period_code)
        assert unit is not None
        blank = write_template(project, unit, per, out_dir / "blank")
        if not made:
            made.append(blank)
        made.append(fill_workbook(project.form, blank, synthesize(project, unit, per),
                                  out_dir / f"filled_{unit_code}.xlsx"))
    return made


def _members(data: bytes) -> Members:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def _zip(members: Members, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, blob in members.items():
            zf.writestr(zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0)), blob, compress_type=method)
    return buf.getvalue()


def _sheets(m: Members) -> list[str]:
    return sorted(n for n in m if n.startswith("xl/worksheets/") and n.endswith(".xml"))


# --- mutations on members ------------------------------------------------------------------------------------------

HUGE_NUMBERS = ["1e19", "1e308", "-1e19", "9223372036854775808", "NaN", "inf", "-inf", "Infinity", "1e-320",
                "-0", "9" * 400, "0x1F", "1,5", "", " ", "1e", "--1", "12345678901234567890123"]
ODD_TEXT = ["\x00\x01\x07\x1b", "=HYPERLINK(\"http://x\",\"y\")", "+cmd|' /C calc'!A0", "@SUM(A1)", "\u202etxt",
            "A" * 40000, "\ud800"[:0] + "\U0001f600" * 50, "e\u0301" * 30, "\ufeff", "<![CDATA[x]]>", "&amp;&lt;",
            "{{ 7*7 }}", "\u00a0\u2007\u202f", "\r\n\t"]


def _rand_sheet(rng: random.Random, m: Members) -> str | None:
    names = _sheets(m)
    return rng.choice(names) if names else None


def m_numbers(rng: random.Random, m: Members) -> str:
    name = _rand_sheet(rng, m)
    if name is None:
        return "numbers: no sheet"
    xml = m[name].decode("utf-8", "replace")
    values = list(re.finditer(r"<v>([^<]*)</v>", xml))
    if not values:
        return "numbers: no value"
    picks = rng.sample(values, min(len(values), rng.randint(1, 5)))
    for v in sorted(picks, key=lambda x: -x.start()):
        xml = xml[:v.start(1)] + rng.choice(HUGE_NUMBERS) + xml[v.end(1):]
    m[name] = xml.encode("utf-8", "surrogatepass")
    return f"numbers in {name}"


def m_strings(rng: random.Random, m: Members) -> str:
    name = _rand_sheet(rng, m)
    if name is None:
        return "strings: no sheet"
    xml = m[name].decode("utf-8", "replace")
    texts = list(re.finditer(r"<t(?: [^>]*)?>([^<]*)</t>", xml))
    if not texts:
        return "strings: none"
    for t in sorted(rng.sample(texts, min(len(texts), rng.randint(1, 4))), key=lambda x: -x.start()):
        odd = rng.choice(ODD_TEXT)
        xml = xml[:t.start(1)] + odd.replace("&", "&amp;").replace("<", "&lt;") + xml[t.end(1):]
    m[name] = xml.encode("utf-8", "surrogatepass")
    return f"strings in {name}"


def m_cell_types(rng: random.Random, m: Members) -> str:
    name = _rand_sheet(rng, m)
    if name is None:
        return "types: no sheet"
    xml = m[name]
    cells = list(re.finditer(rb"<c r=\"[A-Z]+\d+\"( [^>]*)?>", xml))
    if not cells:
        return "types: no cell"
    for c in sorted(rng.sample(cells, min(len(cells), rng.randint(1, 6))), key=lambda x: -x.start()):
        kind = rng.choice([b' t="s"', b' t="e"', b' t="b"', b' t="str"', b' t="inlineStr"', b' t="n"', b' t="d"',
                           b' t="zzz"', b' s="9999"'])
        tag = xml[c.start():c.end()]
        tag = re.sub(rb' t="[^"]*"', b"", tag).replace(b">", kind + b">", 1) if not tag.endswith(b"/>") else tag
        xml = xml[:c.start()] + tag + xml[c.end():]
    m[name] = xml
    return f"cell types in {name}"


def m_far_ref(rng: random.Random, m: Members) -> str:
    name = _rand_sheet(rng, m)
    if name is None:
        return "far: no sheet"
    ref = rng.choice(["XFD1048576", "ZZZ1", "A1048576", "XFD1", "AAA99999", "A0", "A99999999999", "a1"])
    quote = rng.choice(['"', "'"])
    cell = f"<c r={quote}{ref}{quote}><v>1</v></c>".encode()
    xml = m[name]
    at = xml.find(b"</row>")
    if at < 0:
        at = xml.find(b"</sheetData>")
        cell = b"<row r=\"7\">" + cell + b"</row>"
    if at < 0:
        return "far: no row"
    m[name] = xml[:at] + cell + xml[at:]
    return f"far cell {ref} in {name}"


def m_truncate_xml(rng: random.Random, m: Members) -> str:
    name = rng.choice(sorted(m))
    blob = m[name]
    m[name] = blob[:rng.randint(0, max(0, len(blob) - 1))]
    return f"truncated {name}"


def m_break_tags(rng: random.Random, m: Members) -> str:
    name = rng.choice(sorted(m))
    blob = bytearray(m[name])
    for _ in range(rng.randint(1, 8)):
        if not blob:
            break
        i = rng.randrange(len(blob))
        blob[i:i + 1] = rng.choice([b"<", b">", b"&", b"\"", b"\x00", b"\xff", b"</x>", b""])
    m[name] = bytes(blob)
    return f"broken tags in {name}"


def m_flip(rng: random.Random, m: Members) -> str:
    name = rng.choice(sorted(m))
    blob = bytearray(m[name])
    for _ in range(rng.randint(1, 20)):
        if blob:
            blob[rng.randrange(len(blob))] ^= 1 << rng.randrange(8)
    m[name] = bytes(blob)
    return f"bits flipped in {name}"


def m_dtd(rng: random.Random, m: Members) -> str:
    name = rng.choice(sorted(m))
    blob = m[name]
    dtd = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
    at = blob.find(b"?>")
    m[name] = blob[:at + 2] + dtd + blob[at + 2:] if at >= 0 else dtd + blob
    return f"DTD in {name}"


def m_drop(rng: random.Random, m: Members) -> str:
    name = rng.choice(sorted(m))
    del m[name]
    return f"dropped {name}"


def m_rename(rng: random.Random, m: Members) -> str:
    name = rng.choice(sorted(m))
    new = rng.choice([name.upper(), name.replace("/", "\\"), name + ".bak", name.replace(".xml", ".bin"),
                      "../" + name, "/" + name, name.replace("sheet", "sheet0")])
    m[new] = m.pop(name)
    return f"renamed {name} -> {new}"


def m_sheet_names(rng: random.Random, m: Members) -> str:
    wb = m.get("xl/workbook.xml")
    if wb is None:
        return "names: no workbook"
    names = re.findall(rb'name="([^"]*)"', wb)
    if not names:
        return "names: none"
    old = rng.choice(names)
    new = rng.choice([b"", names[0], old + b" ", old.upper(), b"A" * 300, b"&lt;x&gt;", b"Sheet1", old[::-1]])
    m["xl/workbook.xml"] = wb.replace(b'name="' + old + b'"', b'name="' + new + b'"', 1)
    return f"sheet name {old!r} -> {new!r}"


def m_junk_member(rng: random.Random, m: Members) -> str:
    name = rng.choice(["xl/junk.xml", "xl/worksheets/sheet99.xml", "docProps/x.bin", "a" * 200])
    m[name] = rng.choice([b"<sheetData>" + b"<row r=\"1048576\"/>" * 10 + b"</sheetData>", bytes(1000),
                          b"<?xml version='1.0'?><x/>", rng.randbytes(2000)])
    return f"junk member {name[:40]}"


def m_duplicate_rows(rng: random.Random, m: Members) -> str:
    name = _rand_sheet(rng, m)
    if name is None:
        return "rows: no sheet"
    xml = m[name]
    rows = list(re.finditer(rb"<row [^>]*>.*?</row>", xml, re.S))
    if not rows:
        return "rows: none"
    r = rng.choice(rows)
    m[name] = xml[:r.end()] + xml[r.start():r.end()] * rng.randint(1, 50) + xml[r.end():]
    return f"rows duplicated in {name}"


MEMBER_MUTATIONS: list[Callable[[random.Random, Members], str]] = [
    m_numbers, m_numbers, m_strings, m_strings, m_cell_types, m_cell_types, m_far_ref, m_truncate_xml, m_break_tags,
    m_flip, m_dtd, m_drop, m_rename, m_sheet_names, m_junk_member, m_duplicate_rows]


# --- mutations on the zip itself -----------------------------------------------------------------------------------

def _lying_sizes(data: bytes, rng: random.Random) -> bytes:
    """Patch the declared uncompressed sizes of a member's local and central entries."""
    out = bytearray(data)
    lie = rng.choice([0, 1, 1000, 0xFFFFFFFF, 2**31])
    for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        spots = [m.start() for m in re.finditer(re.escape(sig), bytes(out))]
        if spots:
            at = rng.choice(spots) + off
            out[at:at + 4] = struct.pack("<I", lie)
    return bytes(out)


def _bomb(rng: random.Random, m: Members) -> bytes:
    """A member of zeros that inflates to far more than it declares (its entries claim 1,000 bytes)."""
    name = rng.choice(_sheets(m) or sorted(m))
    m[name] = b""
    data = bytearray(_zip(m))
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = b"".join(comp.compress(bytes(1 << 20)) for _ in range(rng.choice([8, 64, 300]))) + comp.flush()
    # Rebuild with the body in place of the empty member (sizes left as the lie zipfile wrote: 0 → patched 1000).
    members = list(_members(bytes(data)).items())
    out, central = bytearray(), bytearray()
    for mname, raw in members:
        enc = mname.encode()
        if mname == name:
            payload, crc, size = body, 0, 1000
        else:
            c = zlib.compressobj(6, zlib.DEFLATED, -15)
            payload, crc, size = c.compress(raw) + c.flush(), zlib.crc32(raw), len(raw)
        offset = len(out)
        out += struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(payload), size, len(enc), 0)
        out += enc + payload
        central += struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(payload), size,
                               len(enc), 0, 0, 0, 0, 0, offset) + enc
    start = len(out)
    out += central + struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(members), len(members), len(central),
                                 start, 0)
    return bytes(out)


def _case_bytes(rng: random.Random, seed: bytes) -> tuple[bytes, str]:
    m = _members(seed)
    what = [fn(rng, m) for fn in rng.sample(MEMBER_MUTATIONS, rng.randint(1, 3))]
    roll = rng.random()
    if roll < 0.04:
        return _bomb(rng, m), "; ".join([*what, "inflation bomb"])
    data = _zip(m, zipfile.ZIP_STORED if roll < 0.10 else zipfile.ZIP_DEFLATED)
    if roll < 0.16:
        return _lying_sizes(data, rng), "; ".join([*what, "lying sizes"])
    if roll < 0.22:
        return data[:rng.randint(0, len(data) - 1)], "; ".join([*what, "file truncated"])
    if roll < 0.25:
        blob = bytearray(data)
        for _ in range(rng.randint(1, 30)):
            blob[rng.randrange(len(blob))] = rng.randrange(256)
        return bytes(blob), "; ".join([*what, "zip bytes overwritten"])
    if roll < 0.27:
        return data + data, "; ".join([*what, "zip twice"])
    return data, "; ".join(what)


def cases(seed_files: list[Path], seed: int, count: int, start: int = 0) -> Iterator[Case]:
    """Cases `start` … `start + count - 1` of `seed`; each depends only on (seed, its number, the seed files)."""
    blobs = [p.read_bytes() for p in seed_files]
    for i in range(start, start + count):
        rng = random.Random(f"{seed}:{i}")
        base = rng.randrange(len(blobs))
        data, what = _case_bytes(rng, blobs[base])
        suffix = rng.choice([".xlsx"] * 8 + [".xlsm", ".xls", ".ods"])
        yield Case(f"case{i:05d}{suffix}", data, f"seed file {base}: {what}")
