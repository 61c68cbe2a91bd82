"""Build the Excel add-in `xl-bdg.xlam` on any system, and install it where Excel loads add-ins at start.

The add-in is xlwings' own ribbon add-in (`quickstart_addin_ribbon.xlam`, shipped with the pinned xlwings) with:
- a ribbon tab "BĐG" whose three buttons call three VBA procedures of the module `RibbonMyAddin`;
- that module's source replaced: each procedure runs `RunPython "import xl_bdg.excel; xl_bdg.excel.<entry>()"`;
- xlwings' settings name changed from `myaddin` to `xlbdg` (user settings: `%USERPROFILE%\\.xlbdg\\xlbdg.conf`).

The VBA lives in `xl/vbaProject.bin`, an OLE compound file whose module streams hold a performance cache (compiled
p-code) followed by compressed source (MS-OVBA 2.4.1). xlwings ships it with an invalidated project cache
(`_VBA_PROJECT` version 0xFFFF), so Excel compiles the modules from their source on load. The build keeps source
only: every module stream loses its compiled part and its `MODULEOFFSET` becomes 0. Compiled code left ahead of new
source is what olevba and antivirus tools call "VBA stomping" (source and p-code disagree), a malware pattern.
The compound file is rewritten whole (streams change size), keeping xlwings' directory entries and their order.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import shutil
import struct
import sys
import zipfile
from collections.abc import Mapping
from pathlib import Path
from xml.sax.saxutils import quoteattr

from ..catalogue import env_lang, words
from ..fileio import atomic_path

ADDIN_NAME = "xl-bdg.xlam"
SOURCE_NAME = "quickstart_addin_ribbon.xlam"
RIBBON_MODULE = "RibbonMyAddin"  # the module name stays: the project's directory records name it
SETTINGS_NAME = "xlbdg"
#: (VBA procedure, Python entry point in xl_bdg.excel, Office icon); captions and tooltips: schemas/words/addin.yaml.
BUTTONS = (
    ("KiemTra", "kiem_tra", "ReviewAcceptChange"),
    ("XoaDanhDau", "xoa_danh_dau", "ClearFormats"),
    ("ChuanBiGui", "chuan_bi_gui", "FileSendAsAttachment"),
)


class AddinError(RuntimeError):
    """The add-in cannot be built or installed here (message says why and what to do)."""


# --- the parts we write ------------------------------------------------------------------------------------------
def ribbon_xml(lang: str = "vi") -> str:
    """The customUI part: one tab, one group, the three buttons, captioned in `lang`."""
    w = words(lang)

    def button(proc: str, icon: str) -> str:
        label, tip = w(f"addin.buttons.{proc}.label"), w(f"addin.buttons.{proc}.tip")
        return (f'          <button id="xlbdg{proc}" label={quoteattr(label)} size="large" imageMso="{icon}" '
                f'screentip={quoteattr(label)} supertip={quoteattr(tip)} onAction="{RIBBON_MODULE}.{proc}"/>')

    buttons = "\n".join(button(proc, icon) for proc, _entry, icon in BUTTONS)
    return ('<customUI xmlns="http://schemas.microsoft.com/office/2006/01/customui">\n  <ribbon>\n    <tabs>\n'
            f'      <tab id="xlbdgTab" label={quoteattr(w("addin.tab"))}>\n'
            f'        <group id="xlbdgGroup" label={quoteattr(w("addin.group"))}>\n{buttons}\n        </group>\n'
            '      </tab>\n    </tabs>\n  </ribbon>\n</customUI>\n')


def vba_source() -> str:
    """The ribbon module's VBA: one callback per button, each calling the Python entry point (ASCII, CRLF)."""
    lines = [f'Attribute VB_Name = "{RIBBON_MODULE}"',
             "' xl-bdg: the buttons of the BDG tab. Each runs a function of the Python package xl_bdg (module",
             "' xl_bdg.excel) through xlwings' RunPython, on the active workbook.", ""]
    for proc, entry, _icon in BUTTONS:
        lines += [f"Sub {proc}(control As IRibbonControl)",
                  f'    RunPython "import xl_bdg.excel; xl_bdg.excel.{entry}()"', "End Sub", ""]
    return "\r\n".join(lines)


# --- MS-OVBA compression (2.4.1) ---------------------------------------------------------------------------------
def _token_bits(done: int) -> int:
    """Bits of a copy token's offset, from the decompressed bytes already in the chunk (at least 4)."""
    return max(4, (done - 1).bit_length())


def decompress(data: bytes) -> bytes:
    """Decompress an MS-OVBA compressed container."""
    if not data or data[0] != 1:
        raise AddinError("VBA stream is not a compressed container")
    out, pos = bytearray(), 1
    while pos < len(data):
        header = struct.unpack_from("<H", data, pos)[0]
        end, pos, start = pos + (header & 0x0FFF) + 3, pos + 2, len(out)
        if not header & 0x8000:
            out += data[pos:pos + 4096]
            pos += 4096
            continue
        while pos < end:
            flags, pos = data[pos], pos + 1
            for bit in range(8):
                if pos >= end:
                    break
                if not flags >> bit & 1:
                    out.append(data[pos])
                    pos += 1
                    continue
                token, pos = struct.unpack_from("<H", data, pos)[0], pos + 2
                bits = _token_bits(len(out) - start)
                length, offset = (token & (0xFFFF >> bits)) + 3, (token >> (16 - bits)) + 1
                for _ in range(length):
                    out.append(out[-offset])
    return bytes(out)


def _compress_chunk(chunk: bytes) -> bytes:
    out, pos = bytearray(), 0
    seen: dict[bytes, list[int]] = {}
    while pos < len(chunk):
        flag_at, flags = len(out), 0
        out.append(0)
        for bit in range(8):
            if pos >= len(chunk):
                break
            bits = _token_bits(pos)
            best_len, best_at = 0, 0
            limit = min((0xFFFF >> bits) + 3, len(chunk) - pos)
            for cand in reversed(seen.get(chunk[pos:pos + 3], [])[-48:]):
                n = 0
                while n < limit and chunk[cand + n] == chunk[pos + n]:
                    n += 1
                if n > best_len:
                    best_len, best_at = n, cand
            step = best_len if best_len >= 3 else 1
            if step > 1:
                out += struct.pack("<H", ((pos - best_at - 1) << (16 - bits)) | (step - 3))
                flags |= 1 << bit
            else:
                out.append(chunk[pos])
            for i in range(pos, pos + step):
                seen.setdefault(chunk[i:i + 3], []).append(i)
            pos += step
        out[flag_at] = flags
    return bytes(out)


def compress(data: bytes) -> bytes:
    """Compress into an MS-OVBA compressed container (4096-byte chunks, LZ77 copy tokens)."""
    out = bytearray([1])
    for start in range(0, len(data), 4096):
        chunk = data[start:start + 4096]
        body = _compress_chunk(chunk)
        if len(body) <= 4096:
            out += struct.pack("<H", 0xB000 | (len(body) - 1)) + body  # compressed flag, signature 0b011
        elif len(chunk) == 4096:
            out += struct.pack("<H", 0x3FFF) + chunk
        else:
            raise AddinError("VBA source chunk does not compress")
    return bytes(out)


def module_offsets(dir_stream: bytes) -> dict[str, int]:
    """Stream name → where its compressed source starts, from the project's `dir` stream (decompressed)."""
    return {name: offset for name, (_at, offset) in _offset_records(dir_stream).items()}


def _offset_records(dir_stream: bytes) -> dict[str, tuple[int, int]]:
    """Stream name → (position of its MODULEOFFSET value in the `dir` stream, the offset)."""
    offsets, pos, current = {}, 0, ""
    while pos + 6 <= len(dir_stream):
        rid, size = struct.unpack_from("<HI", dir_stream, pos)
        if rid == 0x0009:  # PROJECTVERSION: its size field says 4 but 6 bytes follow
            size = 6
        data = dir_stream[pos + 6:pos + 6 + size]
        if rid == 0x001A:
            current = data.decode("latin-1")
        elif rid == 0x0031:
            offsets[current] = (pos + 6, struct.unpack("<I", data)[0])
        pos += 6 + size
    return offsets


def source_only(streams: dict[str, bytes]) -> dict[str, bytes]:
    """The project's streams with every module's compiled part dropped: each module stream is its compressed
    source alone and the `dir` stream says so (MODULEOFFSET 0). Nothing compiled is left to disagree with the source."""
    out = dict(streams)
    dir_stream = bytearray(decompress(streams["VBA/dir"]))
    for name, (at, offset) in _offset_records(bytes(dir_stream)).items():
        out[f"VBA/{name}"] = streams[f"VBA/{name}"][offset:]
        struct.pack_into("<I", dir_stream, at, 0)
    out["VBA/dir"] = compress(bytes(dir_stream))
    return out


# --- OLE compound file (MS-CFB, version 3) -----------------------------------------------------------------------
_END, _FREE, _FATSECT = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")


def read_ole(data: bytes) -> tuple[list[bytes], dict[str, bytes]]:
    """The raw 128-byte directory entries and every stream's content by path (`VBA/dir`)."""
    if data[:8] != _MAGIC:
        raise AddinError("vbaProject.bin is not an OLE compound file")
    ssz, msz = 1 << struct.unpack_from("<H", data, 30)[0], 1 << struct.unpack_from("<H", data, 32)[0]
    n_fat, dir_start = struct.unpack_from("<2I", data, 44)
    cutoff, mfat_start, _n_mfat, difat_start, n_difat = struct.unpack_from("<5I", data, 56)

    def sector(i: int) -> bytes:
        return data[(i + 1) * ssz:(i + 2) * ssz]

    difat = list(struct.unpack_from("<109I", data, 76))
    for _ in range(n_difat):
        words = struct.unpack(f"<{ssz // 4}I", sector(difat_start))
        difat, difat_start = difat + list(words[:-1]), words[-1]
    fat: list[int] = []
    for s in difat[:n_fat]:
        fat += struct.unpack(f"<{ssz // 4}I", sector(s))

    def chain(start: int, table: list[int]) -> list[int]:
        out: list[int] = []
        while start not in (_END, _FREE) and len(out) <= len(table):
            out.append(start)
            start = table[start]
        return out

    directory = b"".join(sector(s) for s in chain(dir_start, fat))
    entries = [directory[i:i + 128] for i in range(0, len(directory), 128)]
    minifat = [w for s in chain(mfat_start, fat) for w in struct.unpack(f"<{ssz // 4}I", sector(s))]
    root_start, root_size = struct.unpack_from("<IQ", entries[0], 116)
    ministream = b"".join(sector(s) for s in chain(root_start, fat))[:root_size]

    streams: dict[str, bytes] = {}

    def walk(sid: int, prefix: str) -> None:
        if sid == _FREE:
            return
        e = entries[sid]
        name = e[:struct.unpack_from("<H", e, 64)[0]].decode("utf-16-le").rstrip("\x00")
        kind, left, right, child = e[66], *struct.unpack_from("<3I", e, 68)
        start, size = struct.unpack_from("<IQ", e, 116)
        walk(left, prefix)
        walk(right, prefix)
        if kind == 1:
            walk(child, f"{prefix}{name}/")
        elif kind == 2:
            if size < cutoff:
                streams[prefix + name] = b"".join(ministream[m * msz:(m + 1) * msz]
                                                  for m in chain(start, minifat))[:size]
            else:
                streams[prefix + name] = b"".join(sector(s) for s in chain(start, fat))[:size]

    walk(struct.unpack_from("<I", entries[0], 76)[0], "")
    return entries, streams


def write_ole(entries: list[bytes], streams: Mapping[str, bytes]) -> bytes:
    """A version-3 compound file with these directory entries (tree kept) and stream contents (sizes may change)."""
    paths = _entry_paths(entries)
    sectors: list[bytes] = []
    fat: list[int] = []

    def place(blob: bytes, size: int = 512) -> int:
        if not blob:
            return _END
        first = len(sectors)
        for i in range(0, len(blob), size):
            sectors.append(blob[i:i + size].ljust(size, b"\x00"))
        fat.extend(range(first + 1, len(sectors)))
        fat.append(_END)
        return first

    mini, minifat, new = bytearray(), [], [bytearray(e) for e in entries]
    for sid, path in paths.items():
        blob = streams[path]
        if len(blob) >= 4096:
            start = place(blob)
        elif blob:
            start, count = len(mini) // 64, -(-len(blob) // 64)
            mini += blob.ljust(count * 64, b"\x00")
            minifat += [*range(start + 1, start + count), _END]
        else:
            start = _END
        struct.pack_into("<IQ", new[sid], 116, start, len(blob))
    struct.pack_into("<IQ", new[0], 116, place(bytes(mini)), len(mini))
    mfat_start = place(struct.pack(f"<{len(minifat)}I", *minifat)) if minifat else _END
    n_mfat = -(-len(minifat) * 4 // 512)
    blank = b"\x00" * 64 + struct.pack("<HBB3I", 0, 0, 0, _FREE, _FREE, _FREE) + b"\x00" * 48
    dir_start = place(b"".join(bytes(e) for e in new) + blank * ((-len(new)) % 4))
    n_fat = 1
    while n_fat * 128 < len(sectors) + n_fat:
        n_fat += 1
    if n_fat > 109:
        raise AddinError("vbaProject.bin too large for this writer")
    fat_ids = list(range(len(sectors), len(sectors) + n_fat))
    fat += [_FATSECT] * n_fat
    fat += [_FREE] * (n_fat * 128 - len(fat))
    header = (_MAGIC + b"\x00" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\x00" * 6
              + struct.pack("<9I", 0, n_fat, dir_start, 0, 4096, mfat_start, n_mfat, _END, 0)
              + struct.pack("<109I", *(fat_ids + [_FREE] * (109 - n_fat))))
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    return header + b"".join(sectors) + fat_bytes


def _entry_paths(entries: list[bytes]) -> dict[int, str]:
    """Stream entry id → its path, walking the directory tree."""
    out: dict[int, str] = {}

    def walk(sid: int, prefix: str) -> None:
        if sid == _FREE:
            return
        e = entries[sid]
        name = e[:struct.unpack_from("<H", e, 64)[0]].decode("utf-16-le").rstrip("\x00")
        left, right, child = struct.unpack_from("<3I", e, 68)
        walk(left, prefix)
        walk(right, prefix)
        if e[66] == 1:
            walk(child, f"{prefix}{name}/")
        elif e[66] == 2:
            out[sid] = prefix + name

    walk(struct.unpack_from("<I", entries[0], 76)[0], "")
    return out


# --- the add-in --------------------------------------------------------------------------------------------------
def xlwings_dir() -> Path:
    """The installed xlwings package folder (its add-in is our starting point)."""
    spec = importlib.util.find_spec("xlwings")  # located, not imported: only its files are used here
    if spec is None or spec.origin is None:
        raise AddinError('xlwings is needed to build the add-in: pip install "xl-bdg[excel]"')
    return Path(spec.origin).parent


def _project_bin(original: bytes) -> bytes:
    entries, streams = read_ole(original)
    offsets = module_offsets(decompress(streams["VBA/dir"]))
    for module in (RIBBON_MODULE, "xlwings"):
        if module not in offsets:
            raise AddinError(f"xlwings' add-in has no VBA module {module}: is xlwings 0.37.8 installed?")
    ribbon = streams[f"VBA/{RIBBON_MODULE}"]
    streams[f"VBA/{RIBBON_MODULE}"] = ribbon[:offsets[RIBBON_MODULE]] + compress(vba_source().encode("ascii"))
    lib = streams["VBA/xlwings"]
    code = decompress(lib[offsets["xlwings"]:])
    old = b'Public Const PROJECT_NAME As String = "myaddin"'
    if code.count(old) != 1:
        raise AddinError("xlwings' VBA does not hold PROJECT_NAME as expected: is xlwings 0.37.8 installed?")
    code = code.replace(old, f'Public Const PROJECT_NAME As String = "{SETTINGS_NAME}"'.encode("ascii"))
    streams["VBA/xlwings"] = lib[:offsets["xlwings"]] + compress(code)
    return write_ole(entries, source_only(streams))


def build_addin(out_dir: Path) -> Path:
    """Write `xl-bdg.xlam` into `out_dir` (atomically) and return its path."""
    source = xlwings_dir() / SOURCE_NAME
    if not source.exists():
        raise AddinError(f"{source} is missing: reinstall xlwings 0.37.8")
    target = out_dir / ADDIN_NAME
    with zipfile.ZipFile(source) as src, atomic_path(target) as tmp, \
            zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "customUI/customUI.xml":
                data = ribbon_xml().encode("utf-8")
            elif info.filename == "xl/vbaProject.bin":
                data = _project_bin(data)
            elif info.filename == "xl/workbook.xml":
                # xlwings' settings sheet, disabled by its leading underscore, renamed after our settings name.
                data = data.replace(b'name="_myaddin.conf"', f'name="_{SETTINGS_NAME}.conf"'.encode("ascii"))
            dst.writestr(info.filename, data, compress_type=zipfile.ZIP_DEFLATED)
    return target


def addin_dir(platform: str | None = None, home: Path | None = None,
              environ: Mapping[str, str] | None = None) -> Path:
    """Excel's start-up folder for the current user (Windows or macOS); AddinError elsewhere."""
    platform = platform or sys.platform
    home = home or Path.home()
    environ = os.environ if environ is None else environ
    if platform.startswith("win"):
        appdata = environ.get("APPDATA")
        return (Path(appdata) if appdata else home / "AppData" / "Roaming") / "Microsoft" / "Excel" / "XLSTART"
    if platform == "darwin":
        return (home / "Library" / "Group Containers" / "UBF8T346G9.Office" / "User Content.localized"
                / "Startup.localized" / "Excel")
    raise AddinError(words(env_lang())("addin.no_excel", platform=platform, addin=ADDIN_NAME))


def install_addin(source: Path, platform: str | None = None, home: Path | None = None,
                  environ: Mapping[str, str] | None = None) -> Path:
    """Copy the add-in into Excel's start-up folder (and, on macOS, xlwings' AppleScript); return where it went."""
    folder = addin_dir(platform, home, environ)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / ADDIN_NAME
    with atomic_path(target) as tmp:
        shutil.copyfile(source, tmp)
    if (platform or sys.platform) == "darwin":
        # RunPython on macOS goes through this script, which Excel may only run from its own scripts folder.
        script = xlwings_dir() / f"xlwings-{importlib.metadata.version('xlwings')}.applescript"
        scripts = (home or Path.home()) / "Library" / "Application Scripts" / "com.microsoft.Excel"
        scripts.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(script, scripts / script.name)
    return target


__all__ = ["ADDIN_NAME", "BUTTONS", "AddinError", "addin_dir", "build_addin", "compress", "decompress",
           "install_addin", "module_offsets", "read_ole", "ribbon_xml", "source_only", "vba_source", "write_ole"]
