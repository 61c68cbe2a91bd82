"""The aggregation stage: the accepted submissions of a period merged into the province `Dataset`.

Takes a `Project`, a `Ledger` and a `Period` (`aggregate`), or submissions directly (`combine`, pure); returns a
`Dataset` whose every figure keeps the cells it came from (`explain`). Ratios are recomputed from summed numerators
and denominators, never averaged. `crosscheck` adds the warnings no single file can show; `export` writes the long
table (CSV, Parquet); the DHIS2 exchange is the next stage's.
"""

from __future__ import annotations

from .combine import aggregate, combine
from .crosscheck import cross_checks
from .export import dataset_to_dict, long_rows, write_csv, write_parquet
from .provenance import Trail, explain, formula

__all__ = [
    "Trail",
    "aggregate",
    "combine",
    "cross_checks",
    "dataset_to_dict",
    "explain",
    "formula",
    "long_rows",
    "write_csv",
    "write_parquet",
]
