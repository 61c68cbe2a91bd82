"""Charts of the province report as PNG files (matplotlib, Agg backend: no screen needed).

They are drawn from the report context, so a chart can never disagree with the table beside it. Titles and legends
come from `report_templates/labels.yaml`.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before pyplot: the report is drawn on servers without a display
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from ..fileio import atomic_path
from .context import ReportContext, fmt_num

MET, NOT_MET, UNKNOWN, FEMALE, MALE = "#2e7d32", "#c62828", "#9e9e9e", "#8e44ad", "#2874a6"
DPI = 150
VN_NUMBER = FuncFormatter(lambda v, _pos: fmt_num(v))  # axis ticks as the tables write them: 12.000


def _save(fig: Figure, target: Path) -> Path:
    with atomic_path(target) as tmp:
        # No timestamp in the PNG: the same data give the same bytes.
        fig.savefig(tmp, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return target


def _wrap(text: str, width: int = 48) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def targets_chart(ctx: ReportContext, target: Path) -> Path | None:
    """Targets given in %: the province figure as a bar (green met, red not met), the 2025 and 2030 goals as marks."""
    rows = [t for t in ctx.targets if t.unit == "%"]
    if not rows:
        return None
    lab = ctx.labels["chart"]
    fig, ax = plt.subplots(figsize=(9, 0.55 * len(rows) + 1.4))
    ys = list(range(len(rows)))[::-1]
    for y, t in zip(ys, rows, strict=True):
        color = UNKNOWN if t.met is None else (MET if t.met else NOT_MET)
        ax.barh(y, t.value.value or 0, color=color, height=0.6)
        ax.text((t.value.value or 0) + 1, y, str(t.value) if t.value else t.met_text,
                va="center", fontsize=8)
    ax.scatter([t.t2025.value or 0.0 for t in rows], ys, marker="|", s=260, color="black", zorder=3,
               label=lab["targets_2025"])
    ax.scatter([t.t2030.value or 0.0 for t in rows], ys, marker="D", s=22, color="#f39c12", zorder=3,
               label=lab["targets_2030"])
    ax.set_yticks(ys, [_wrap(f"{t.label} ({t.sign})", 55) for t in rows], fontsize=7.5)
    ax.set_xlim(0, 112)
    ax.set_xlabel(lab["targets_axis"])
    ax.set_title(lab["targets_title"], fontsize=11)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, fontsize=8, frameon=False)
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, target)


def categories_chart(ctx: ReportContext, target: Path, female_col: str, total_col: str) -> Path | None:
    """Activities by category (count), and their participants split female / male."""
    rows = ctx.categories
    if not rows:
        return None
    lab = ctx.labels["chart"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 0.45 * len(rows) + 1.6), sharey=True,
                                      gridspec_kw={"width_ratios": [1, 1.3]})
    ys = list(range(len(rows)))[::-1]
    left.barh(ys, [r.count.value or 0 for r in rows], color="#1f618d")
    for y, r in zip(ys, rows, strict=True):
        left.text((r.count.value or 0) + 0.3, y, str(r.count), va="center", fontsize=8)
    left.set_yticks(ys, [_wrap(r.category, 28) for r in rows], fontsize=8)
    left.set_xlabel(lab["categories_axis"])
    left.set_title(lab["categories_title"], fontsize=11)
    female = [r.sums[female_col].value or 0 for r in rows]
    male = [(r.sums[total_col].value or 0) - f for r, f in zip(rows, female, strict=True)]
    right.barh(ys, female, color=FEMALE, label=ctx.labels["col"]["part_f"])
    right.barh(ys, male, left=female, color=MALE, label=ctx.labels["col"]["part_m"])
    right.set_title(lab["categories_people"], fontsize=11)
    right.legend(fontsize=8, loc="lower right")
    for ax in (left, right):
        ax.grid(axis="x", alpha=0.3)
        ax.xaxis.set_major_formatter(VN_NUMBER)
    fig.tight_layout()
    return _save(fig, target)


def status_chart(ctx: ReportContext, target: Path) -> Path | None:
    """Units on time, late and missing; the received ones split into valid and with errors (latest version)."""
    if not ctx.statuses:
        return None
    lab, timeliness = ctx.labels["chart"], ctx.labels["timeliness"]
    keys = ["on_time", "late", "missing"]
    names = [timeliness[k] for k in keys]
    good = {k: 0 for k in keys}
    bad = {k: 0 for k in keys}
    for s in ctx.statuses:
        key = s.timely_id
        (bad if s.errors.value else good)[key] += 1
    fig, ax = plt.subplots(figsize=(6.5, 3.2))
    colors = [MET, "#ef6c00", UNKNOWN]
    ax.bar(names, [good[k] for k in keys], color=colors, label=ctx.labels["validity"]["valid"])
    ax.bar(names, [bad[k] for k in keys], bottom=[good[k] for k in keys], color=colors, hatch="///",
           edgecolor="white", label=ctx.labels["validity"]["invalid"])
    for i, k in enumerate(keys):
        ax.text(i, good[k] + bad[k] + 0.2, str(good[k] + bad[k]), ha="center", fontsize=9)
    ax.set_ylabel(lab["status_axis"])
    ax.set_title(lab["status_title"], fontsize=11)
    ax.set_ylim(0, max(good[k] + bad[k] for k in keys) * 1.2 + 1)
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return _save(fig, target)


def budget_chart(ctx: ReportContext, target: Path) -> Path | None:
    """Planned and spent budget by source, in million VND."""
    rows = [b for b in ctx.budget if any(v.value for v in b.values)]
    if not rows:
        return None
    fig, ax = plt.subplots(figsize=(8, 0.6 * len(rows) + 1.4))
    ys = list(range(len(rows)))[::-1]
    height = 0.8 / len(ctx.budget_columns)
    for i, col in enumerate(ctx.budget_columns):
        ax.barh([y + (i - 0.5) * height for y in ys], [(b.values[i].value or 0) / 1e6 for b in rows],
                height=height, label=col)
    ax.set_yticks(ys, [_wrap(b.source, 26) for b in rows], fontsize=8)
    ax.xaxis.set_major_formatter(VN_NUMBER)
    ax.set_title(ctx.labels["chart"]["budget_title"], fontsize=11)
    ax.legend(fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, target)


def write_charts(ctx: ReportContext, out_dir: Path, conf: dict[str, Any]) -> dict[str, Path]:
    """Draw every chart of the report into `out_dir`; return {chart id: PNG path} for those with data."""
    summ = conf["activity_summary"]
    period = ctx.period.code
    drawn = {
        "targets": targets_chart(ctx, out_dir / f"chi-tieu_{period}.png"),
        "categories": categories_chart(ctx, out_dir / f"hoat-dong_{period}.png", summ["female"], summ["total"]),
        "status": status_chart(ctx, out_dir / f"tinh-hinh-gui_{period}.png"),
        "budget": budget_chart(ctx, out_dir / f"kinh-phi_{period}.png"),
    }
    return {key: path for key, path in drawn.items() if path is not None}
