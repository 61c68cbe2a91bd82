"""The ledger stage: an SQLite file that keeps every file received, and where each unit stands.

Takes received paths and a `Project`; `intake` validates, archives (by content hash) and records each file with
its findings and values, and returns an `IntakeResult`. `status` says per unit of a period: missing, invalid,
late, accepted with warnings, accepted. Nothing is ever deleted; a newer file supersedes an older one.
"""

from __future__ import annotations

from .intake import IntakeEvent, IntakeItem, IntakeResult, intake
from .status import STATUSES, status
from .store import DEFAULT_NAME, FileRecord, Ledger, default_ledger_path, open_ledger

__all__ = [
    "DEFAULT_NAME",
    "STATUSES",
    "FileRecord",
    "IntakeEvent",
    "IntakeItem",
    "IntakeResult",
    "Ledger",
    "default_ledger_path",
    "intake",
    "open_ledger",
    "status",
]
