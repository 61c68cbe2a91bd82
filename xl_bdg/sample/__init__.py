"""The sample stage: a believable province season, generated, for the demo, the tests and the benchmarks.

`synthesize` returns valid data for one unit and period (in the shape `fill_workbook` takes); `run_demo` plays a
whole season (templates, filled files with late and wrong ones, intake, aggregation, report, letters, exports).
"""

from __future__ import annotations

from .demo import DemoResult, run_demo
from .synth import synthesize

__all__ = ["DemoResult", "run_demo", "synthesize"]
