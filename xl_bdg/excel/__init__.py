"""The Excel stage: the buttons of the add-in's BĐG tab, and the add-in itself.

The add-in's VBA runs `import xl_bdg.excel; xl_bdg.excel.kiem_tra()` (and `xoa_danh_dau`, `chuan_bi_gui`) through
xlwings' RunPython. Those entry points (`buttons`) are a few lines over `actions`: each takes a workbook path and
a `Marker` (check, clear, prepare to send) and returns an `Outcome` to show; `addin` builds and installs
`xl-bdg.xlam`. xlwings is imported only when a button runs, and the rule engine (pandas, pandera, openpyxl) only
when an entry point is first looked up: building the add-in imports this package without needing them.
"""

from __future__ import annotations

from typing import Any

ENTRY_POINTS = ("chuan_bi_gui", "kiem_tra", "xoa_danh_dau")


def __getattr__(name: str) -> Any:
    """The buttons' entry points, imported on first use (PEP 562)."""
    if name in ENTRY_POINTS:
        from . import buttons

        return getattr(buttons, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["chuan_bi_gui", "kiem_tra", "xoa_danh_dau"]
