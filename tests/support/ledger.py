"""Looking at a ledger from outside: every row of every table and the archive, to compare before and after."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any


def snapshot(ledger_path: Path) -> dict[str, list[Any]]:
    """Every row of every table (sorted), and the archive's files with their sizes: what 'changes nothing' compares."""
    con = sqlite3.connect(ledger_path)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        out: dict[str, list[Any]] = {t: sorted(con.execute(f"SELECT * FROM {t}").fetchall(), key=repr)
                                     for t in tables}
    finally:
        con.close()
    archive = ledger_path.parent / f"{ledger_path.stem}-archive"
    out["archive"] = sorted((str(p.relative_to(archive)), p.stat().st_size) for p in archive.rglob("*") if p.is_file())
    return out
