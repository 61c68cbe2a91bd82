"""Rate limits: a token bucket per key (an upload link, a login name and address), kept in the server's memory.

One server process answers every request (the intake work runs in worker processes), so memory is the right
place: nothing to write per request, and a restart forgives everyone, which is harmless for limits of minutes.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from .config import Limit

_MAX_KEYS = 50_000  # the oldest buckets are dropped beyond this (a full bucket is the same as no bucket)


class RateLimiter:
    """`allow(key)` → (allowed, seconds to wait) under one Limit."""

    def __init__(self, limit: Limit) -> None:
        self.limit = limit
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key → (tokens, last time)
        self._lock = threading.Lock()

    def allow(self, key: str, *, at: float | None = None) -> tuple[bool, int]:
        """Take one request from the key's bucket; when empty, say how many seconds until the next is allowed."""
        moment = time.monotonic() if at is None else at
        cap, every = float(self.limit.burst), self.limit.every_s
        with self._lock:
            tokens, last = self._buckets.pop(key, (cap, moment))
            tokens = min(cap, tokens + (moment - last) / every)
            allowed = tokens >= 1.0
            if allowed:
                tokens -= 1.0
            self._buckets[key] = (tokens, moment)
            while len(self._buckets) > _MAX_KEYS:
                self._buckets.popitem(last=False)
        wait = 0 if allowed else max(1, int((1.0 - tokens) * every + 0.999))
        return allowed, wait
