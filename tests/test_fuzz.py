"""The project's own fuzz suite, bounded for CI: a few hundred mutated workbooks (tests/fuzz/generate.py, made
from the project's own templates, deterministic seed) through the real `validate` and `intake` commands. Each run
must end with exit 0 or 1, a strict JSON report, no traceback, every input unchanged and recorded, and no
process over the memory bound. `make fuzz` runs the long version (thousands of cases)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "fuzz"))

from run import MEMORY_BOUND_MIB, fuzz

CASES = 240
SEED = 20261202


def test_bounded_fuzz_run(tmp_path: Path) -> None:
    stats = fuzz(CASES, SEED, batch=CASES, intake=True, work=tmp_path)
    print(stats.summary())
    assert stats.cases == CASES
    assert stats.problems() == [], stats.summary()
    assert 0 < stats.peak_mib < MEMORY_BOUND_MIB
    # The cases reach past the zip checks: the parsers and the rules see most of them.
    assert sum(stats.findings.values()) > CASES
