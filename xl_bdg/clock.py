"""Times as xl-bdg stores and compares them: local wall-clock time to the second, without a zone."""

from __future__ import annotations

import datetime as dt


def normalise_time(value: dt.datetime | None = None) -> dt.datetime:
    """A received time as stored: local wall-clock time to the second, without a zone (now when None)."""
    value = value or dt.datetime.now()
    if value.tzinfo is not None:
        value = value.astimezone().replace(tzinfo=None)
    return value.replace(microsecond=0)
