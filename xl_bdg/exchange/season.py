"""A season's DHIS2 files in one call: the payload with its provenance, the metadata package, and the offline
check of the one against the other (what `xl-bdg export` and the demo write)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..dataset import Dataset
from ..findings import Finding
from ..form.project import Project
from .check import offline_check
from .mapping import Mapping, build_mapping
from .metadata import metadata_package, write_metadata
from .payload import Built, build_payload, write_payload

METADATA_NAME = "dhis2-metadata.json"


def payload_name(period_code: str) -> str:
    """The payload's file name for a period: `2026-FY_dhis2.json`."""
    return f"{period_code}_dhis2.json"


@dataclass
class Season:
    """What was written, and what the payload's own building and the offline check found."""

    mapping: Mapping
    built: Built
    paths: list[Path] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def export_season(project: Project, dataset: Dataset, out_dir: Path) -> Season:
    """Write the payload of `dataset` (and its provenance) and the metadata package into `out_dir`, and check them."""
    mapping = build_mapping(project)
    built = build_payload(project, dataset, mapping)
    package = metadata_package(project, mapping)
    paths = write_payload(built, out_dir / payload_name(dataset.period.code))
    paths.append(write_metadata(package, out_dir / METADATA_NAME))
    findings = built.findings + offline_check(project, mapping, built.payload, package, built.origins)
    return Season(mapping, built, paths, findings)
