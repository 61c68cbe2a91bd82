"""The portal's settings: where the ledger is, how big an upload may be, how often a link may be used.

One frozen dataclass, built by `xl-bdg serve` from its options and handed to `create_app`; nothing else reads the
environment. The portal keeps its own files (secret key, refused uploads, built documents, cached templates) in a
folder beside the ledger, `<ledger stem>-portal/`, like the archive `<ledger stem>-archive/`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

MB = 1024 * 1024


@dataclass(frozen=True)
class Limit:
    """A token bucket: `burst` requests at once, then one more every `every_s` seconds."""

    burst: int
    every_s: float


@dataclass(frozen=True)
class PortalConfig:
    """Everything the portal needs to run; the defaults suit a province's season on a small server."""

    ledger: Path
    schemas: Path | None = None
    #: The period the office sees first (None: the period whose deadline is nearest, see `views.default_period`).
    period: str | None = None
    #: A filled form is well under 1 MB; the reader's own limit (50 MB) is for files already on disk.
    max_upload_bytes: int = 10 * MB
    #: An oversized body is read and thrown away up to this size, so that the browser, still sending, gets the
    #: page that explains the refusal instead of a reset connection; beyond it the connection is cut.
    drain_bytes: int = 64 * MB
    workers: int = max(1, min(2, os.cpu_count() or 1))
    #: Uploads validated together: the rules' one pass per sheet has a fixed cost, so a batch is cheaper per file.
    batch_max: int = 24
    #: Uploads waiting beyond this number get "busy, try again" (503) rather than an ever longer wait.
    queue_max: int = 5000
    upload_limit: Limit = Limit(burst=6, every_s=60.0)
    view_limit: Limit = Limit(burst=120, every_s=0.5)
    login_limit: Limit = Limit(burst=5, every_s=30.0)
    session_hours: float = 8.0
    #: Cookies marked Secure even over plain HTTP (set it behind an HTTPS proxy; https requests get it anyway).
    secure_cookies: bool = False
    #: The address units reach the portal at, for the links the office sends (`https://bdg.example.gov.vn`);
    #: None: the address the office's own request came to.
    base_url: str | None = None

    @property
    def state_dir(self) -> Path:
        """The portal's folder beside the ledger."""
        return self.ledger.parent / f"{self.ledger.stem}-portal"

    @property
    def key_path(self) -> Path:
        """The secret that upload links and form tokens are derived from (never stored in the ledger)."""
        return self.state_dir / "secret.key"


def state_dir_for(ledger: Path) -> Path:
    """The portal's folder beside a ledger (for the CLI, which has no PortalConfig)."""
    return PortalConfig(ledger=ledger).state_dir
