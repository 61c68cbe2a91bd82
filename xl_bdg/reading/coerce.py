"""Turn what a cell holds into the value the form's type asks for, the way people really type it.

Numbers typed as text with Vietnamese separators ("1.234.567", "1.234,5"), dates typed as text ("15/11/2026",
"15-11-2026", "15.11.2026"; always day first), NFD diacritics and stray spaces are read, and the result says so
(a finding code) so that nothing is guessed silently. What cannot be read is a `type-error` carrying the value found.

This module decides TYPES only (can the cell be read as a count, a date, …); ranges and rules (≥ 0, whole, within
the period) belong to the validation stage.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from ..catalogue import words
from ..sanitize import CONTROL, clean_text
from ..text import nfc

#: Types whose value must be a whole number when it is read from text with an ambiguous separator.
WHOLE_TYPES = frozenset({"count", "money"})
NUMBER_TYPES = frozenset({"count", "money", "number", "percent"})

# What each type expects, for the `type-error` message (both languages: the message picks its own).
EXPECTED = {ftype: (words("vi")(f"types.{ftype}"), words("en")(f"types.{ftype}"))
            for ftype in ("count", "money", "number", "percent", "date", "text", "list", "yesno")}
# What people type after an amount and in a date written out: data (schemas/words/typed.yaml), not code.
_TYPED = words("vi").section("typed")

_TEXT_TYPES = frozenset({"text", "list", "yesno"})
_SPACES = re.compile(r"[\s\u00a0\u2007\u202f]+")
_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-"})
_CURRENCY = re.compile(r"\s*(?:" + "|".join(re.escape(w) for w in sorted(_TYPED["currency"], key=len, reverse=True))
                       + r")\.?$", re.IGNORECASE)
_BODY = re.compile(r"^\d[\d.,]*$")
_SPACE_GROUPED = re.compile(r"^\d{1,3}(?:[\s\u00a0\u202f]\d{3})+(?:[.,]\d+)?$")
_GROUPED = re.compile(r"^(?:0|[1-9]\d{0,2}(?:X\d{3})*)$")  # X stands for the thousands separator
_DMY = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})$")
_YMD = re.compile(r"^(\d{4})([/.\-])(\d{1,2})\2(\d{1,2})$")
_VI_DATE = re.compile(r"^(?:{day}\s*)?(\d{{1,2}})\s*{month}\s*(\d{{1,2}})\s*{year}\s*(\d{{4}})$".format(
    **{k: re.escape(v) for k, v in _TYPED["date_words"].items()}), re.IGNORECASE)
# Refusals that deserve their own message; everything else unreadable is a plain `type-error`.
_REASON_CODES = {"month-first": "date-month-first", "ambiguous": "ambiguous-number"}
_EXCEL_EPOCH = dt.date(1899, 12, 30)
# A serial number read from a date cell is taken as a date only inside this window; anything else is a typo.
_SERIAL_MIN, _SERIAL_MAX = dt.date(1990, 1, 1), dt.date(2100, 12, 31)


@dataclass(frozen=True)
class Coerced:
    """The outcome of reading one cell: the typed value, the raw cell when it changed, and what to report."""

    value: Any
    raw: Any = None
    code: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


def is_empty(value: Any) -> bool:
    """True for what a spreadsheet reader gives for an empty cell (None, '', whitespace only)."""
    return value is None or value == "" or (isinstance(value, str) and value.isspace())


def _grouped(int_part: str, sep: str) -> bool:
    return bool(_GROUPED.match(int_part.replace(sep, "X")))


def _as_number(int_part: str, frac: str) -> int | float:
    return int(int_part) if not frac else float(f"{int_part}.{frac}")


def parse_number(text: str, whole: bool = False) -> tuple[int | float | None, str | None]:
    """Read a number typed as text; return (value, None) or (None, 'invalid' | 'ambiguous').

    Vietnamese convention first ("." groups thousands, "," marks decimals), English accepted when it is the only
    reading ("1,234,567", "12.5"). A single separator followed by exactly three digits ("1.234", "1,234") is
    ambiguous: for a whole type (`whole=True`) the whole reading is taken, otherwise it is refused.
    """
    s = nfc(text).strip().translate(_MINUS)
    sign = 1
    if s[:1] and s[:1] in "+-":
        sign, s = (-1 if s[0] == "-" else 1), s[1:].strip()
    if _SPACES.search(s):
        # Spaces are accepted only between thousands groups: "1 234 567", "1 234,5".
        if not _SPACE_GROUPED.match(s):
            return None, "invalid"
        s = _SPACES.sub("", s)
    if not _BODY.match(s):
        return None, "invalid"
    dots, commas = s.count("."), s.count(",")
    value: int | float
    if dots == 0 and commas == 0:
        value = int(s)
    elif dots and commas:
        dec = "." if s.rfind(".") > s.rfind(",") else ","
        thou = "," if dec == "." else "."
        if s.count(dec) != 1:
            return None, "invalid"
        int_part, frac = s.split(dec)
        if not frac.isdigit() or not _grouped(int_part, thou):
            return None, "invalid"
        value = _as_number(int_part.replace(thou, ""), frac)
    else:
        sep = "." if dots else ","
        count = dots or commas
        if count > 1:
            if not _grouped(s, sep):
                return None, "invalid"
            value = int(s.replace(sep, ""))
        else:
            int_part, frac = s.split(sep)
            if not int_part or not frac:
                return None, "invalid"
            if len(frac) == 3 and _grouped(s, sep):
                # "1.234" / "1,234": thousands in one convention, decimals in the other.
                if not whole:
                    return None, "ambiguous"
                value = int(int_part + frac)
            else:
                value = _as_number(int_part, frac)
    return sign * value, None


def _two_digit_year(y: int) -> int:
    return 2000 + y if y < 100 else y


def parse_date_text(text: str) -> tuple[dt.date | None, str | None]:
    """Read a date typed as text, day first; return (date, None) or (None, 'invalid' | 'month-first').

    Accepted: 15/11/2026, 15-11-2026, 15.11.2026, 15/11/26, 2026-11-15, "ngày 15 tháng 11 năm 2026". A text that is
    impossible day first but possible month first ("11/15/2026") is refused with 'month-first': never guessed.
    """
    s = _SPACES.sub(" ", nfc(text)).strip()
    m = _DMY.match(s)
    if m:
        d, mo, y = int(m.group(1)), int(m.group(3)), _two_digit_year(int(m.group(4)))
    elif (m := _YMD.match(s)) is not None:
        y, mo, d = int(m.group(1)), int(m.group(3)), int(m.group(4))
    elif (m := _VI_DATE.match(s)) is not None:
        d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        return None, "invalid"
    try:
        return dt.date(y, mo, d), None
    except ValueError:
        try:
            dt.date(y, d, mo)
        except ValueError:
            return None, "invalid"
        return None, "month-first"


def _type_error(raw: Any, ftype: str, reason: str = "invalid") -> Coerced:
    vi, en = EXPECTED.get(ftype, (ftype, ftype))
    code = _REASON_CODES.get(reason, "type-error")
    return Coerced(None, raw, code, {"expected_vi": vi, "expected_en": en})


def _whole(value: float) -> int | float:
    return int(value) if value.is_integer() else value


def _show_number(value: float | int) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


#: What the ledger (SQLite INTEGER, a signed 64-bit number) can store of a whole number.
INT_MIN, INT_MAX = -(2**63), 2**63 - 1


def _storable(res: Coerced, raw: Any) -> Coerced:
    """The result, or `number-too-large` when it is a whole number the ledger cannot store (1e19 in a count cell):
    refused at its cell here rather than failing the insert of the whole batch later."""
    v = res.value
    if isinstance(v, int) and not isinstance(v, bool) and not INT_MIN <= v <= INT_MAX:
        return Coerced(None, raw, "number-too-large", {})
    return res


def _number(raw: Any, ftype: str) -> Coerced:
    try:
        return _storable(_read_number(raw, ftype), raw)
    except (OverflowError, ValueError):  # hundreds of digits: no float holds them, and int() refuses 4,300+
        return Coerced(None, raw, "number-too-large", {})


def _read_number(raw: Any, ftype: str) -> Coerced:
    if isinstance(raw, (bool, dt.date, dt.time, dt.timedelta)):
        return _type_error(raw, ftype)
    if isinstance(raw, (int, float)):
        if isinstance(raw, float) and not math.isfinite(raw):
            return _type_error(raw, ftype)
        if ftype in ("count", "money") and isinstance(raw, float):
            return Coerced(_whole(raw))
        return Coerced(float(raw) if ftype in ("number", "percent") else raw)
    text = nfc(str(raw)).strip()
    suffix_ok = True
    if ftype == "percent" and text.endswith("%"):
        text = text[:-1].rstrip()
    elif ftype == "money":
        text = _CURRENCY.sub("", text)
    elif text.endswith("%") or _CURRENCY.search(text):
        suffix_ok = False
    if not suffix_ok:
        return _type_error(raw, ftype)
    parsed, problem = parse_number(text, whole=ftype in WHOLE_TYPES)
    if parsed is None:
        return _type_error(raw, ftype, problem or "invalid")
    value = parsed
    if ftype in ("number", "percent"):
        value = float(value)
    elif isinstance(value, float):
        value = _whole(value)
    return Coerced(value, raw, "text-number", {"read": value})


def serial_to_date(serial: float) -> dt.date | None:
    """An Excel serial day number as a date, or None outside the plausible window."""
    if not math.isfinite(serial):
        return None
    try:
        day = _EXCEL_EPOCH + dt.timedelta(days=int(serial))
    except OverflowError:
        return None
    return day if _SERIAL_MIN <= day <= _SERIAL_MAX else None


def _date(raw: Any) -> Coerced:
    if isinstance(raw, dt.datetime):
        return Coerced(raw.date())
    if isinstance(raw, dt.date):
        return Coerced(raw)
    if isinstance(raw, bool):
        return _type_error(raw, "date")
    if isinstance(raw, (int, float)):
        # A date cell whose format the reader did not recognise comes through as its serial number.
        day = serial_to_date(float(raw))
        return Coerced(day, raw) if day else _type_error(raw, "date")
    if not isinstance(raw, str):
        return _type_error(raw, "date")
    day, problem = parse_date_text(raw)
    if day is None:
        return _type_error(raw, "date", problem or "invalid")
    return Coerced(day, raw, "text-date", {"read": day})


def _control_codes(text: str) -> str:
    """The control characters of `text` as code points ("U+0007, U+001B"): what the finding names."""
    return ", ".join(dict.fromkeys(f"U+{ord(ch):04X}" for ch in CONTROL.findall(text)))


def _text(raw: Any, ftype: str) -> Coerced:
    if isinstance(raw, str):
        if CONTROL.search(raw):
            # No document can hold them (the annex, the letters and the copies would fail): read the text
            # without them, and say so at the cell.
            value = _text(clean_text(raw), ftype).value
            return Coerced(value, raw, "control-character", {"read": value, "chars": _control_codes(raw)})
        value = nfc(raw).strip()
        if ftype in ("list", "yesno"):
            # Dropdown values are compared exactly: collapse the double spaces a hand-typed value often has.
            value = _SPACES.sub(" ", value)
        if value == raw:
            return Coerced(value)
        if unicodedata.is_normalized("NFC", raw):
            return Coerced(value, raw)
        return Coerced(value, raw, "text-normalized", {"read": value})
    if isinstance(raw, bool):
        return Coerced(str(raw).upper(), raw)
    if isinstance(raw, dt.datetime) and raw.time() == dt.time(0):
        return Coerced(raw.strftime("%d/%m/%Y"), raw)
    if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
        return Coerced(raw.strftime("%d/%m/%Y"), raw)
    if isinstance(raw, (int, float)):
        return Coerced(_show_number(raw), raw)
    return Coerced(str(raw), raw)


#: What `plain` returns when the cell needs `coerce` (a finding, a changed raw value, or a type to convert).
NEEDS_COERCE: Any = object()


def plain(raw: Any, ftype: str) -> Any:
    """The value of a cell that already holds its type, exactly as `coerce(raw, ftype).value` with nothing to
    report and no raw value to keep; `NEEDS_COERCE` for every other cell. The reader's per-cell fast path: nearly
    every cell of a filled workbook is one of these, and skipping the `Coerced` object halves its cost."""
    kind = type(raw)
    if raw is None or raw == "":
        return None  # what `coerce` gives an empty cell: no value, no raw to keep
    if kind is float:
        # Outside the ledger's 64-bit range (1e19) the full path gives `number-too-large`.
        return int(raw) if ftype in WHOLE_TYPES and raw.is_integer() and INT_MIN <= raw < INT_MAX else NEEDS_COERCE
    if kind is str:
        if (ftype in _TEXT_TYPES and not raw[0].isspace() and not raw[-1].isspace()
                and unicodedata.is_normalized("NFC", raw) and (ftype == "text" or "  " not in raw)
                and (raw.isprintable() or not CONTROL.search(raw))):
            return raw
        return NEEDS_COERCE
    if kind is dt.date and ftype == "date":
        return raw
    return NEEDS_COERCE


def coerce(raw: Any, ftype: str) -> Coerced:
    """Read one cell value as `ftype` (a form field type); empty cells give `Coerced(None)`."""
    # Fast paths for cells that already hold their type (nearly all of them): a read must stay ~20 ms a file.
    kind = type(raw)
    if kind is float and ftype in WHOLE_TYPES and raw.is_integer() and INT_MIN <= raw < INT_MAX:
        return Coerced(int(raw))
    if kind is dt.date and ftype == "date":
        return Coerced(raw)
    if (kind is str and ftype in _TEXT_TYPES and raw and not raw[0].isspace() and not raw[-1].isspace()
            and unicodedata.is_normalized("NFC", raw) and (ftype == "text" or "  " not in raw)
            and (raw.isprintable() or not CONTROL.search(raw))):  # isprintable: no C* character, so no CONTROL
        return Coerced(raw)
    if is_empty(raw):
        return Coerced(None, raw if isinstance(raw, str) and raw else None)
    if ftype in NUMBER_TYPES:
        return _number(raw, ftype)
    if ftype == "date":
        return _date(raw)
    return _text(raw, ftype)
