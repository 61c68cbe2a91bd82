"""The one exception xl-bdg raises for broken configuration (the form, the registry, the words): everything else
that goes wrong with a user's file is a finding, not an exception."""

from __future__ import annotations


class FormError(ValueError):
    """The configuration under `schemas/` is broken; the message names the file, the entry and what is wrong."""
