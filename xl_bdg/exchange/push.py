"""Send a payload to a DHIS2 server (POST /api/dataValueSets) and map its import summary back to the data values.

A dry run by default: `dryRun=true` makes the server "just return the import summary" without saving (dhis2-docs
developer/web-api/data.md, "Import parameters"); the identifier schemes and `importStrategy` go in the query as
well as in the payload. Credentials come from the environment, never from the command line (where they would stay
in the shell's history): a personal access token in $XL_BDG_DHIS2_TOKEN (`Authorization: ApiToken …`,
developer/web-api/overview.md), or $XL_BDG_DHIS2_USER and $XL_BDG_DHIS2_PASSWORD for basic authentication.

The import summary is DHIS2's `ImportSummary` (`status`, `importCount` {imported, updated, ignored, deleted},
`conflicts` [{object, objects, value, errorCode, property, indexes}], `rejectedIndexes`), either alone or inside a
web message's `response` (servers from 2.38 answer a payload with conflicts with HTTP 409 and such a message);
`indexes` and `rejectedIndexes` count from 0 into `dataValues` (dhis2-core ImportConflict, and pull request #13587
"list rejected indexes in data value set import"). Each conflict index becomes a problem at that data value, so the
findings name the cells.
"""

from __future__ import annotations

import base64
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from typing import Any

from ..sanitize import dumps
from .payload import SCHEME_KEYS
from .problem import Problem

ENV_TOKEN, ENV_USER, ENV_PASSWORD = "XL_BDG_DHIS2_TOKEN", "XL_BDG_DHIS2_USER", "XL_BDG_DHIS2_PASSWORD"
STRATEGIES = ("CREATE_AND_UPDATE", "CREATE", "UPDATE", "DELETE")
TIMEOUT = 300.0  # seconds: a province's season is a few hundred thousand values, imported in one request


class PushError(Exception):
    """The request as a whole failed: `kind` is credentials, url, connection, auth, http or response."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


@dataclass
class ImportResult:
    """What the server said about a payload."""

    status: str
    dry_run: bool
    counts: dict[str, int]
    conflicts: list[dict[str, Any]]
    rejected: list[int]
    problems: list[Problem] = field(default_factory=list)
    http_status: int = 200

    @property
    def ok(self) -> bool:
        """No conflict and no rejected value."""
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (what `--format json` prints beside the findings)."""
        return {"status": self.status, "dry_run": self.dry_run, "http_status": self.http_status,
                "import_count": self.counts, "conflicts": self.conflicts, "rejected_indexes": self.rejected}


def auth_header(env: MappingABC[str, str] | None = None) -> str:
    """The Authorization header from the environment; PushError('credentials') when it holds none."""
    env = os.environ if env is None else env
    token = env.get(ENV_TOKEN, "").strip()
    if token:
        return f"ApiToken {token}"
    user, password = env.get(ENV_USER, ""), env.get(ENV_PASSWORD, "")
    if user and password:
        return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    raise PushError("credentials", f"{ENV_TOKEN}, or {ENV_USER} and {ENV_PASSWORD}")


def endpoint(url: str, payload: dict[str, Any], *, dry_run: bool, strategy: str) -> str:
    """The import URL for a server's base URL (with or without /api), with the import parameters."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PushError("url", url)
    path = parts.path.rstrip("/")
    if not path.endswith("/api") and "/api/" not in path + "/":
        path += "/api"
    params = {"dryRun": "true" if dry_run else "false", "importStrategy": strategy,
              **{k: str(payload[k]) for k in (*SCHEME_KEYS, "orgUnitIdScheme") if payload.get(k)}}
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, f"{path}/dataValueSets",
                                    urllib.parse.urlencode(params), ""))


def summary_of(body: Any) -> dict[str, Any]:
    """The ImportSummary in a response body (bare, or in a web message's `response`)."""
    if isinstance(body, dict) and isinstance(body.get("response"), dict) \
            and body["response"].get("responseType", "ImportSummary") == "ImportSummary":
        return body["response"]
    if isinstance(body, dict) and ("importCount" in body or "conflicts" in body or "status" in body):
        return body
    raise PushError("response", "no import summary in the answer")


def problems_of(summary: dict[str, Any]) -> list[Problem]:
    """One problem per conflicting data value (per index of each conflict), then one per rejected value that no
    conflict explains."""
    out: list[Problem] = []
    covered: set[int] = set()
    for conflict in summary.get("conflicts") or []:
        code, text = str(conflict.get("errorCode") or ""), str(conflict.get("value") or "")
        obj = str(conflict.get("object") or "")
        indexes = [i for i in conflict.get("indexes") or [] if isinstance(i, int)]
        covered |= set(indexes)
        places: list[tuple[int, ...]] = [(i,) for i in indexes] or [()]  # no indexes (an old server): the payload
        for where in places:
            out.append(Problem("dhis2-import-conflict", where, code or None,
                               {"error_code": code, "text": text, "object": obj}))
    for i in summary.get("rejectedIndexes") or []:
        if isinstance(i, int) and i not in covered:
            out.append(Problem("dhis2-value-rejected", (i,), None, {}))
    return out


def push(payload: dict[str, Any], url: str, *, dry_run: bool = True, strategy: str = "CREATE_AND_UPDATE",
         env: MappingABC[str, str] | None = None, timeout: float = TIMEOUT) -> ImportResult:
    """POST `payload` to the server at `url` and read its import summary; PushError when the request fails."""
    if strategy not in STRATEGIES:
        raise PushError("url", f"importStrategy {strategy}")
    request = urllib.request.Request(endpoint(url, payload, dry_run=dry_run, strategy=strategy), method="POST",
                                     data=dumps(payload).encode("utf-8"),
                                     headers={"Content-Type": "application/json", "Accept": "application/json",
                                              "Authorization": auth_header(env)})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:  # http(s) only: endpoint() checked
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        if exc.code in (401, 403):
            raise PushError("auth", f"HTTP {exc.code}") from None
        if exc.code != 409:  # 409 Conflict carries the import summary of a payload with conflicts
            raise PushError("http", f"HTTP {exc.code} {exc.reason}") from None
        status, raw = exc.code, exc.read()
    except (urllib.error.URLError, OSError) as exc:
        raise PushError("connection", str(getattr(exc, "reason", exc))) from None
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise PushError("response", "the answer is not JSON") from None
    summary = summary_of(body)
    counts = {k: int((summary.get("importCount") or {}).get(k, 0)) for k in ("imported", "updated", "ignored",
                                                                            "deleted")}
    return ImportResult(status=str(summary.get("status", "")), dry_run=dry_run, counts=counts,
                        conflicts=list(summary.get("conflicts") or []),
                        rejected=[i for i in summary.get("rejectedIndexes") or [] if isinstance(i, int)],
                        problems=problems_of(summary), http_status=status)
