"""The upload links of a period for the office to send: printed, or written as CSV (UTF-8 with a BOM, so Excel on
Vietnamese Windows shows the diacritics) through a temporary file and a rename."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..fileio import write_bytes_atomic
from ..form.project import Project
from ..periods import Period
from .config import PortalConfig
from .store import PortalStore
from .tokens import Link, Tokens, link, load_secret

DEFAULT_BASE = "http://127.0.0.1:8000"


def portal_tokens(config: PortalConfig) -> Tokens:
    """The link book of a ledger (its portal tables and the secret beside it)."""
    return Tokens(PortalStore(config.ledger), load_secret(config.key_path))


def period_links(config: PortalConfig, project: Project, per: Period, base_url: str | None, by: str,
                 units: list[str] | None = None) -> list[Link]:
    """The link in force of every unit asked for the period (issued now where missing), in registry order."""
    tokens = portal_tokens(config)
    names = {u.code: u.name for u in project.registry.reporting_units(per.start, per.end)}
    rows = tokens.issue_all(project, per, by, units)
    return [link(r, tokens.token(r), names[r.unit_code], base_url or config.base_url or DEFAULT_BASE) for r in rows]


def write_links_csv(links: list[Link], target: Path) -> Path:
    """Write `unit,name,period,link` rows."""
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\r\n")
    out.writerow(["unit", "name", "period", "link"])
    for item in links:
        out.writerow([item.unit, item.name, item.period, item.url])
    write_bytes_atomic(target, ("\ufeff" + buf.getvalue()).encode("utf-8"))
    return target
