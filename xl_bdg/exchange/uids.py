"""DHIS2 identifiers: the UID format, and UIDs derived from a code so that a re-export gives the same ones.

DHIS2's UID format (dhis2-docs, developer/web-api/maintenance.md, "system/id"): 11 characters, alphanumeric
(A-Za-z0-9), the first one a letter. A derived UID is the SHA-256 of a namespace and the object's code, written in
those alphabets: stable across runs and machines, different for two provinces (the namespace is the province code),
and with 52 × 62¹⁰ ≈ 4·10¹⁹ values a clash between a province's few thousand objects is not a practical concern.
"""

from __future__ import annotations

import hashlib
import re

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
ALPHANUMERIC = LETTERS + "0123456789"
UID_LENGTH = 11
_UID = re.compile(r"^[A-Za-z][A-Za-z0-9]{10}$")


def is_uid(text: object) -> bool:
    """Whether `text` has DHIS2's UID format."""
    return isinstance(text, str) and bool(_UID.match(text))


def derived_uid(namespace: str, kind: str, code: str) -> str:
    """The UID of the object of `kind` with `code` in `namespace` (same inputs, same UID)."""
    number = int.from_bytes(hashlib.sha256(f"{namespace}\x1f{kind}\x1f{code}".encode()).digest(), "big")
    number, first = divmod(number, len(LETTERS))
    out = [LETTERS[first]]
    for _ in range(UID_LENGTH - 1):
        number, digit = divmod(number, len(ALPHANUMERIC))
        out.append(ALPHANUMERIC[digit])
    return "".join(out)
