"""Vietnamese text helpers: NFC everywhere, ASCII-safe names for files."""

from __future__ import annotations

import re
import unicodedata

_NON_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
# đ/Đ do not decompose under NFKD, so they are mapped by hand before the accents are stripped.
_D_MAP = str.maketrans({"đ": "d", "Đ": "D"})


def nfc(value: str) -> str:
    """Return `value` in Unicode NFC, the one form xl-bdg stores and compares."""
    return unicodedata.normalize("NFC", value)


def strip_accents(value: str) -> str:
    """Return `value` without Vietnamese diacritics ("Sở Y tế" → "So Y te")."""
    decomposed = unicodedata.normalize("NFKD", value.translate(_D_MAP))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def ascii_slug(value: str, sep: str = "-") -> str:
    """Return an ASCII-safe file-name part for `value` ("Xã Ea Kao" → "Xa-Ea-Kao")."""
    plain = strip_accents(nfc(value)).replace(" ", sep)
    return _NON_SAFE.sub(sep, plain).strip(sep + ".") or "file"


def is_formula_like(value: str) -> bool:
    """True when spreadsheet programs would read `value` as a formula if written as is."""
    return value[:1] in ("=", "+", "-", "@")


def number(value: float, lang: str = "vi", decimals: int | None = None) -> str:
    """A number as people of `lang` write it: 1.234.567 and 1.234,5 in Vietnamese, 1,234,567 and 1,234.5 in
    English. `decimals` fixes the digits after the separator; None writes what the value has (at most six)."""
    if decimals is None:
        if float(value).is_integer() and abs(value) < 1e15:
            text = f"{int(value):,}"
        else:
            text = f"{value:,.6f}".rstrip("0").rstrip(".")
    else:
        text = f"{value:,.{decimals}f}"
    if lang == "vi":
        # Swap the two separators: the comma groups thousands in English, the dot in Vietnamese.
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text
