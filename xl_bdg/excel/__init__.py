"""The Excel stage: the buttons of the add-in's BĐG tab, and the add-in itself.

The add-in's VBA runs `import xl_bdg.excel; xl_bdg.excel.kiem_tra()` (and `xoa_danh_dau`, `chuan_bi_gui`) through
xlwings' RunPython. Those entry points (`buttons`) are a few lines over `actions`: each takes a workbook path and
a `Marker` (check, clear, prepare to send) and returns an `Outcome` to show; `addin` builds and installs
`xl-bdg.xlam`. xlwings is imported only when a button runs.
"""

from __future__ import annotations

from .buttons import chuan_bi_gui, kiem_tra, xoa_danh_dau

__all__ = ["chuan_bi_gui", "kiem_tra", "xoa_danh_dau"]
