"""The exchange stage: the province dataset sent to DHIS2, and a unit's figures compared with what it sent before.

Takes the `Project` (with `schemas/dhis2.yaml`), a `Dataset` from aggregation and the `Ledger`; returns plain data:
the `Mapping` of every indicator field to a DHIS2 data element, option combo and value type, derived from the
form's shape (`build_mapping`); the metadata package an administrator imports once (`metadata_package`); the
`dataValueSets` payload with the origin of every value (`build_payload`); the offline check of a payload against a
metadata package, whose problems become findings at the source cells (`check_payload`, `offline_check`); the push
to a server with its import summary mapped back to the cells (`push`); and the figure-by-figure comparison of two
versions of a unit's submission or of two years (`diff_versions`, `diff_years`). Nothing here writes to a server
unless `push` is called with `dry_run=False`.
"""

from __future__ import annotations

from .check import MetadataIndex, check_payload, offline_check, value_fits
from .config import Config, load_config
from .diff import Change, Diff, DiffError, compare, diff_versions, diff_years, used_version
from .mapping import Element, Mapping, Slot, budget_key, build_mapping
from .metadata import metadata_package, read_json, write_metadata
from .notation import period_type
from .payload import Built, Origin, build_payload, dhis2_value, provenance_path, read_origins, write_payload
from .problem import Problem, to_findings
from .push import ImportResult, PushError, push
from .season import Season, export_season
from .uids import derived_uid, is_uid

__all__ = [
    "Built",
    "Change",
    "Config",
    "Diff",
    "DiffError",
    "Element",
    "ImportResult",
    "Mapping",
    "MetadataIndex",
    "Origin",
    "Problem",
    "PushError",
    "Season",
    "Slot",
    "budget_key",
    "build_mapping",
    "build_payload",
    "check_payload",
    "compare",
    "derived_uid",
    "dhis2_value",
    "diff_versions",
    "diff_years",
    "export_season",
    "is_uid",
    "load_config",
    "metadata_package",
    "offline_check",
    "period_type",
    "provenance_path",
    "push",
    "read_json",
    "read_origins",
    "to_findings",
    "used_version",
    "value_fits",
    "write_metadata",
    "write_payload",
]
