"""The pandera schemas of a unit workbook, built from the form definition, and the map from a failure back to a rule.

One schema per sheet: ranges and dropdown lists are column checks, required cells are `nullable=False`, and the
rules between fields (female ≤ total, dates in the period, …) are DataFrame checks that return one boolean per row.
Every check carries a unique `name` that keys a `Rule`: which finding code it raises, which column the finding is
placed on and which other columns fill the message. Nothing here names an indicator: it is all read from the form.

Frames (built in `batch.py`): one row per file for the unit-information and narrative sheets; one row per filled row
of the activity and budget tables; and for the indicator sheet a long frame, one row per file and indicator value
row, so that about forty checks cover every indicator (a check per indicator cell would cost a millisecond each).
Helper columns start with `_` (file number, period and Action Month window).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa

from ..form.definition import MAX_BY_TYPE, Column, Form, Indicator
from ..form.layout import layout_for
from ..form.rulebook import RuleSpec, activity_specs, cross_specs, indicator_specs

# Sane upper bounds: a count above a billion (the template's own data validation bound) or money above a thousand
# billion đồng is a typing slip (an extra digit, a pasted phone number), whatever the unit.
NUMERIC = ("count", "money", "number", "percent")
REQUIRED = "not_nullable"  # the name pandera gives the failure of `nullable=False`
ROW_SPAN = 10_000_000  # frame index = file number × ROW_SPAN + Excel row (more rows than Excel has)


@dataclass(frozen=True)
class Rule:
    """How the failure of one named check becomes a finding."""

    code: str
    severity: str
    kind: str                        # le, sum_eq, date_order, window, requires, unique, range, list, applies, empty,
                                     # ended
    target: str | None = None        # the column that receives the finding; None: the failing column itself
    other: str | None = None         # the column whose value fills {other}
    parts: tuple[str, ...] = ()      # sum_eq: the columns added into {expected}
    keys: tuple[str, ...] = ()       # unique: the columns that make two rows the same
    window: tuple[str, str] | None = None  # helper columns that give {min} and {max}
    pairs: dict[str, tuple[str, ...]] = field(default_factory=dict)  # indicators: target key → partner keys
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class SheetSchema:
    """A pandera schema for one sheet plus the rules its named checks stand for."""

    sheet: str                       # sheet key in the form (activities, indicators, …)
    schema: pa.DataFrameSchema
    rules: dict[str, Rule]
    labels: dict[str, tuple[str, str]]  # column → (label vi, label en)


def _frame_check(fn: Callable[[pd.DataFrame], pd.Series], name: str) -> pa.Check:
    """A DataFrame-level check. Each rule decides itself what an empty cell means, so pandera's NaN handling is off:
    with it on, pandera runs `isna()` over the whole frame for every such check, which dominated a batch's time."""
    return pa.Check(fn, name=name, ignore_na=False)


class _Builder:
    """Collects named checks and their rules for one sheet."""

    def __init__(self, form: Form, sheet: str) -> None:
        self.form, self.sheet = form, sheet
        self.rules: dict[str, Rule] = {}

    def name(self, rule: Rule) -> str:
        name = f"{self.sheet}#{len(self.rules)}:{rule.code}"
        self.rules[name] = rule
        return name

    def severity(self, code: str, override: str | None = None) -> str:
        return override or self.form.messages[code].severity

    def value_checks(self, ftype: str, list_id: str | None) -> list[pa.Check]:
        """Range and dropdown checks for one column of a given type (NaN passes: emptiness is checked apart)."""
        checks: list[pa.Check] = []

        def add(code: str, fn: Callable[[pd.Series], pd.Series], **params: Any) -> None:
            checks.append(pa.Check(fn, name=self.name(Rule(code, self.severity(code), "range", params=params))))

        if ftype in MAX_BY_TYPE:
            add("negative-number", lambda s: s >= 0)
            top = MAX_BY_TYPE[ftype]
            add("number-too-large", lambda s: s <= top, max=top)
        if ftype == "count":
            add("not-whole-number", lambda s: (s % 1) == 0)
        if ftype == "percent":
            add("percent-out-of-range", lambda s: (s >= 0) & (s <= 100), min=0, max=100)
        if ftype in ("list", "yesno"):
            lst = self.form.lists[list_id or "yesno"]
            allowed = frozenset(lst.values)
            code = "value-not-in-list"
            checks.append(pa.Check(lambda s: s.isin(allowed), name=self.name(
                Rule(code, self.severity(code), "list", params={"list": lst.label, "choices": ", ".join(lst.values)}))))
        return checks

    def cross(self, spec: RuleSpec) -> list[pa.Check]:
        """The DataFrame check of one rule of the form (`rulebook.py` says what each rule's fields mean)."""
        code, sev, target, others = spec.code, spec.severity, spec.target, spec.others
        out: list[pa.Check] = []

        def add(fn: Callable[[pd.DataFrame], pd.Series], rule: Rule) -> None:
            out.append(_frame_check(fn, self.name(rule)))

        if spec.rule == "le":
            a, b = target, others[0]
            add(lambda d: ~(d[a] > d[b]), Rule(code, sev, "le", target=a, other=b))
        elif spec.rule == "sum_eq":
            add(lambda d: _sum_ok(d, others, target), Rule(code, sev, "sum_eq", target=target, parts=others))
        elif spec.rule == "date_order":
            start, end = others[0], target
            add(lambda d: ~(d[end] < d[start]), Rule(code, sev, "le", target=end, other=start))
        elif spec.window == "sent":
            add(functools.partial(_not_after, c=target, hi="_sent"),
                Rule(code, sev, "window", target=target, window=("_sent", "_sent")))
        elif spec.window is not None:
            lo, hi = ("_pstart", "_pend") if spec.window == "period" else ("_amstart", "_amend")
            add(functools.partial(_in_window, c=target, lo=lo, hi=hi, when=dict(spec.when)),
                Rule(code, sev, "window", target=target, window=(lo, hi)))
        elif spec.rule == "requires":
            cond, then, equals = others[0], target, spec.equals
            add(lambda d: ~(_truthy(d[cond], equals) & d[then].isna()), Rule(code, sev, "requires", target=then,
                                                                             other=cond))
        elif spec.rule == "unique":
            add(lambda d: _unique_ok(d, others), Rule(code, sev, "unique", target=target, keys=others))
        else:  # rulebook.py describes every rule of form.py; a new one must be taught here before it is used
            raise ValueError(f"rule '{spec.rule}' has no pandera translation")
        return out


def _sum_ok(d: pd.DataFrame, parts: tuple[str, ...], total: str) -> pd.Series:
    cols = [*parts, total]
    missing = d[cols].isna().any(axis=1)
    diff = (d[list(parts)].sum(axis=1) - d[total]).abs()
    return missing | (diff <= 1e-9 * d[total].abs().clip(lower=1))


def _truthy(s: pd.Series, equals: Any) -> pd.Series:
    if equals is not None:
        return s == equals
    if pd.api.types.is_numeric_dtype(s):
        return s.notna() & (s != 0)  # a budget of 0 is no budget: it needs no source
    return s.notna()


def _in_window(d: pd.DataFrame, c: str, lo: str, hi: str, when: dict[str, Any]) -> pd.Series:
    inside = (d[c] >= d[lo]) & (d[c] <= d[hi])
    unknown = d[c].isna() | d[lo].isna() | d[hi].isna()
    if not when:
        return inside | unknown
    # The `when` conditions are OR-ed: an activity flagged for the Action Month *or* of its category must lie in it.
    applies = np.logical_or.reduce([(d[k] == v).fillna(False).to_numpy(bool) for k, v in when.items()])
    return inside | unknown | ~pd.Series(applies, index=d.index)


def _not_after(d: pd.DataFrame, c: str, hi: str) -> pd.Series:
    """Not after the day in `hi`; an empty date or an unknown day passes (required-missing says so)."""
    return ~(d[c] > d[hi]) | d[c].isna() | d[hi].isna()


def _unique_ok(d: pd.DataFrame, keys: tuple[str, ...]) -> pd.Series:
    cols = ["_file", *keys]
    return ~d.duplicated(subset=cols, keep="first") | d[list(keys)].isna().any(axis=1)


def _column(checks: list[pa.Check], required: bool) -> pa.Column:
    # dtype is not checked: the frame builder already coerced each cell (a pandera dtype failure would lose its row)
    return pa.Column(None, checks=checks, nullable=not required, required=True)


@lru_cache(maxsize=8)
def activity_schema(form: Form) -> SheetSchema:
    """The schema of the activity table: one frame row per filled row."""
    b = _Builder(form, "activities")
    cols = {c.id: _column(b.value_checks(c.type, c.list), c.required) for c in form.activity_columns}
    checks = [chk for spec in activity_specs(form) for chk in b.cross(spec)]
    labels = {c.id: (c.label, c.label_en) for c in form.activity_columns}
    return SheetSchema("activities", pa.DataFrameSchema(cols, checks=checks, strict=False), b.rules, labels)


def _ind_label(ind: Indicator, fid: str) -> tuple[str, str]:
    f = ind.field(fid)
    if len(ind.fields) == 1:
        return ind.label, ind.label_en
    return f"{ind.code} – {f.label}", f"{ind.code} – {f.label_en}"


def _partners(d: pd.DataFrame, rows: dict[int, tuple[int, ...]], width: int) -> tuple[pd.Index, list[pd.Index]]:
    """The rows of the long frame whose sheet row is a key of `rows`, and for each partner position the index of the
    same file's partner row (the index is file × SPAN + row, so a partner is found by arithmetic: no pivot, no join).
    A missing partner position points at -1, which no row has."""
    row = d.index % ROW_SPAN
    mask = np.isin(row, list(rows))
    idx, own = d.index[mask], row[mask]
    base = idx - own
    out = []
    for j in range(width):
        look = {r: (ps[j] if j < len(ps) else -1 - r) for r, ps in rows.items()}  # -1 - r: base + that < 0
        out.append(base + pd.Index(own).map(look))
    return idx, out


def _values(d: pd.DataFrame, at: pd.Index, col: str = "num") -> np.ndarray:
    """The values of `col` at the index labels `at`, positionally (NaN where there is no such row)."""
    return d[col].reindex(at).to_numpy()


def _row_ok(d: pd.DataFrame, bad: pd.Series) -> pd.Series:
    """True everywhere but on the rows where `bad` (a subset of the index) is True."""
    ok = pd.Series(True, index=d.index)
    ok.loc[bad.index[bad.fillna(False).to_numpy(dtype=bool)]] = False
    return ok


@dataclass
class _Group:
    """The checks of one rule and code across all indicators, run as one vectorised check."""

    rule: str
    code: str
    severity: str
    equals: Any
    pairs: dict[str, tuple[str, ...]] = field(default_factory=dict)  # target key → partner keys


class _IndicatorBuilder(_Builder):
    """Rules between the value rows of indicators, on the long frame. The instances of one rule and code (female ≤
    total in every T/M/F indicator, …) form one check: each pandera check costs about a millisecond whatever its size,
    so a check per instance would dominate the time of a single file."""

    def __init__(self, form: Form) -> None:
        super().__init__(form, "indicators")
        self.row = {key: r.row for key, r in layout_for(form).indicator_rows.items()}
        self.groups: list[_Group] = []

    def add(self, where: str, spec: RuleSpec) -> None:
        """Add one rule between indicator value rows; `where` names its indicator (or the cross check) in errors."""
        if spec.rule not in ("le", "sum_eq", "requires"):
            # dates and uniqueness concern the activity table; form.py accepts them anywhere, so say so here
            raise ValueError(f"{where}: rule '{spec.rule}' is not supported between indicator fields")
        target, partners = spec.target, spec.others
        for g in self.groups:
            if (g.rule, g.code, g.severity, g.equals) == (spec.rule, spec.code, spec.severity, spec.equals) \
                    and target not in g.pairs:
                g.pairs[target] = partners
                return
        self.groups.append(_Group(spec.rule, spec.code, spec.severity, spec.equals, {target: partners}))

    def checks(self) -> list[pa.Check]:
        return [_frame_check(self._fn(g), self.name(Rule(g.code, g.severity, g.rule, pairs=dict(g.pairs))))
                for g in self.groups]

    def _fn(self, g: _Group) -> Callable[[pd.DataFrame], pd.Series]:
        rows = {self.row[t]: tuple(self.row[x] for x in ps) for t, ps in g.pairs.items()}
        width = max(len(ps) for ps in rows.values())

        def check(d: pd.DataFrame) -> pd.Series:
            idx, partners = _partners(d, rows, width)
            own = _values(d, idx).astype(float)
            first = _values(d, partners[0]).astype(float)
            if g.rule == "le":
                bad = own > first  # NaN on either side compares False: an empty cell is not checkable
            elif g.rule == "sum_eq":
                parts = [_values(d, at).astype(float) for at in partners]
                present = np.logical_and.reduce([~np.isnan(p) | (at.to_numpy() < 0)
                                                 for p, at in zip(parts, partners, strict=True)])
                got = np.nansum(parts, axis=0)
                bad = present & ~np.isnan(own) & (np.abs(got - own) > 1e-9 * np.maximum(np.abs(own), 1))
            else:  # requires: the partner is the condition, the row itself must then be filled
                text = pd.Series(_values(d, partners[0], "text"))
                hit = (text == g.equals) if g.equals is not None else (text.notna() | (np.nan_to_num(first) != 0))
                bad = hit.to_numpy(dtype=bool) & np.isnan(own) & pd.isna(_values(d, idx, "text"))
            return _row_ok(d, pd.Series(np.asarray(bad, dtype=bool), index=idx))
        return check


def _not_over(ftype: str, top: float) -> Callable[[pd.DataFrame], pd.Series]:
    """The check that no value of type `ftype` in the long indicator frame is above `top`."""
    return lambda d: ~(d["type"].isin((ftype,)) & (d["num"] > top))


def indicator_schema(form: Form) -> SheetSchema:
    """The schema of the indicator sheet, on a long frame: one row per file and indicator value row.

    Columns: `key`, `type` (the field type), `num` (numbers), `text` (anything else), `applies` and `excluded`
    (whether the cell surely applies / surely does not apply to the file's unit and period; both False when the unit
    or period is unknown), `ended` (a part of an applicable indicator that ended before the period: form.yaml
    `until`). A value in an excluded cell is a warning, and so is an empty cell that applies; a figure other than 0
    in an ended part is an error.
    """
    return _indicator_schema_cached(form)


@lru_cache(maxsize=8)
def _indicator_schema_cached(form: Form) -> SheetSchema:
    b = _IndicatorBuilder(form)

    def row_rule(code: str, kind: str, fn: Callable[[pd.DataFrame], pd.Series], **params: Any) -> pa.Check:
        return _frame_check(fn, b.name(Rule(code, b.severity(code), kind, params=params)))

    def is_(d: pd.DataFrame, *types: str) -> pd.Series:
        return d["type"].isin(types)

    yesno = form.lists["yesno"]
    checks = [
        row_rule("negative-number", "range", lambda d: ~(is_(d, *MAX_BY_TYPE) & (d["num"] < 0))),
        *(row_rule("number-too-large", "range", _not_over(ft, top), max=top) for ft, top in MAX_BY_TYPE.items()),
        row_rule("not-whole-number", "range", lambda d: ~(is_(d, "count") & ((d["num"] % 1) != 0) & d["num"].notna())),
        row_rule("percent-out-of-range", "range", lambda d: ~(is_(d, "percent") & ((d["num"] < 0) | (d["num"] > 100))),
                 min=0, max=100),
        row_rule("value-not-in-list", "list", lambda d: ~(is_(d, "yesno") & d["text"].notna()
                                                          & ~d["text"].isin(yesno.values)),
                 list=yesno.label, choices=", ".join(yesno.values)),
        row_rule("not-applicable-value", "applies",
                 lambda d: ~(d["excluded"] & (d["num"].notna() | d["text"].notna()))),
        # A figure in a part that no longer exists in the period (a district body after 30/6/2025) would be counted
        # in its total: an error. The 0 the template writes there is fine.
        row_rule("row-ended", "ended", lambda d: ~(d["ended"] & ((d["num"].notna() & (d["num"] != 0))
                                                                | d["text"].notna()))),
        # A text field (a document reference) is asked for by a `requires` check instead: empty is fine by itself.
        row_rule("indicator-empty", "empty", lambda d: ~(d["applies"] & ~is_(d, "text") & d["num"].isna()
                                                         & d["text"].isna())),
    ]
    for ind in form.indicators:
        for spec in indicator_specs(form, ind):
            b.add(f"indicator {ind.code}", spec)
    # Rules across indicators (women elected ≤ women candidates) are the same comparisons between value rows.
    for spec in cross_specs(form):
        b.add("cross_checks", spec)
    checks += b.checks()
    labels = {ind.key(f.id): _ind_label(ind, f.id) for ind in form.indicators for f in ind.fields}
    cols = {"key": pa.Column(None), "type": pa.Column(None), "num": pa.Column(None, nullable=True),
            "text": pa.Column(None, nullable=True), "applies": pa.Column(None), "excluded": pa.Column(None)}
    return SheetSchema("indicators", pa.DataFrameSchema(cols, checks=checks, strict=False), b.rules, labels)


def _fields_schema(form: Form, sheet: str, columns: tuple[Column, ...], skip: set[str]) -> SheetSchema:
    b = _Builder(form, sheet)
    cols = {c.id: _column(b.value_checks(c.type, c.list), c.required) for c in columns if c.id not in skip}
    labels = {c.id: (c.label, c.label_en) for c in columns}
    return SheetSchema(sheet, pa.DataFrameSchema(cols, strict=False), b.rules, labels)


@lru_cache(maxsize=8)
def unit_info_schema(form: Form) -> SheetSchema:
    """The schema of the unit-information sheet; stamped fields are checked as metadata, not here."""
    return _fields_schema(form, "unit_info", form.unit_info, {c.id for c in form.unit_info if c.stamped})


@lru_cache(maxsize=8)
def narrative_schema(form: Form) -> SheetSchema:
    """The schema of the narrative sheet: required sections must not be empty."""
    return _fields_schema(form, "narrative", form.narrative, set())


@lru_cache(maxsize=8)
def budget_schema(form: Form) -> SheetSchema:
    """The schema of the budget table: one frame row per source row."""
    b = _Builder(form, "budget")
    cols = {c.id: _column(b.value_checks(c.type, c.list), False) for c in form.budget.columns}
    labels = {c.id: (c.label, c.label_en) for c in form.budget.columns}
    return SheetSchema("budget", pa.DataFrameSchema(cols, strict=False), b.rules, labels)


def failures(sheet: SheetSchema, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Run the sheet's schema once (lazy); return its failures as (check, column, index), one row per finding, and
    the names of checks that raised instead of answering.

    A DataFrame check reports every column of a failing row; those repeats collapse to one row per check and index.
    """
    empty = pd.DataFrame({"check": pd.Series(dtype=object), "column": pd.Series(dtype=object),
                          "index": pd.Series(dtype="int64")})
    if frame.empty:
        return empty, []
    try:
        sheet.schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        fc = exc.failure_cases
        # A check that raised (a bug, or data of a shape nobody foresaw) comes back without an index: it must not
        # vanish, so the caller reports it on every file of the batch.
        crashed = sorted(set(fc.loc[fc["index"].isna(), "check"].astype(str)))
        fc = fc[fc["index"].notna()]
        out = fc.loc[:, ["check", "column", "index"]].copy()
        # A DataFrame check names every column of a failing row; the rule itself says which cell to mark.
        out.loc[(fc["schema_context"] == "DataFrameSchema").to_numpy(), "column"] = None
        return out.drop_duplicates(subset=["check", "column", "index"]).astype({"index": "int64"}), crashed
    return empty, []
