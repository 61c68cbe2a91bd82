"""The portal stage: units upload their workbook in a browser and see their findings; the office sees the season.

Takes a `PortalConfig` (the ledger, the schemas, limits) and returns an ASGI application (`create_app`, Starlette,
served by uvicorn through `xl-bdg serve`). Every upload is recorded exactly as `xl-bdg intake` records a file
(`xl_bdg.ledger.intake` in worker processes, `queue` batching them); the portal's own tables (office accounts,
sessions, upload links stored as hashes, uploads, the audit log) live in the same SQLite file (`store`). Links are
derived from a secret beside the ledger (`tokens`), so they can be printed again, revoked and re-issued.
`seed_sample` makes a sample ledger so the portal starts on the sample province with one command.
"""

from __future__ import annotations

from .app import build_portal, create_app
from .auth import add_user, users
from .config import Limit, PortalConfig, state_dir_for
from .seed import Sample, seed_sample
from .store import PortalStore
from .tokens import Link, Tokens, link, load_secret

__all__ = [
    "Limit",
    "Link",
    "PortalConfig",
    "PortalStore",
    "Sample",
    "Tokens",
    "add_user",
    "build_portal",
    "create_app",
    "link",
    "load_secret",
    "seed_sample",
    "state_dir_for",
    "users",
]
