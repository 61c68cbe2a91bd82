"""The form's checks as concrete rules, in the one shape both renderings read: the validator's pandera checks
(`validation/rules.py`) and the workbook's own formulas (`workbook/live.py`).

A `Check` in form.yaml names its fields by role (`a`, `b`, `parts`, `total`, `if`, `then`, …); here each becomes a
`RuleSpec` with the field that receives the finding (`target`), the fields it is compared with (`others`) and the
window or condition it depends on. A check over several columns (`in_period: [start, end]`) becomes one rule per
column, as the validator reports one finding per cell. `LIVE` says which rules the workbook can compute itself; the
others are checked at the office only (the form reference lists them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..periods import Period
from .definition import Check, Form, Indicator
from .project import Project

#: Rules that the template renders as formulas (conditional formatting and counts) as well as the validator.
#: Uniqueness is not one of them: Excel compares text without regard to case and ignores the spaces the reader trims.
LIVE = frozenset({"le", "sum_eq", "date_order", "in_period", "in_action_month", "requires"})
#: Cell rules the validator applies to every cell of a kind, and whether the workbook computes them too:
#: required cells left empty and applicable indicators left empty are formulas; ranges and lists are Excel's own
#: in-cell validation at typing time (and the office's check for anything pasted past it); a part that ended before
#: the period (`row-ended`) is a locked 0 in the workbook, so only a file edited past its protection breaks it.
CELL_RULES = {"required-missing": True, "indicator-empty": True, "not-applicable-value": False,
              "negative-number": False, "number-too-large": False, "not-whole-number": False,
              "percent-out-of-range": False, "value-not-in-list": False, "duplicate-activity": False,
              "row-ended": False}
#: The window each window rule names. "sent" ends on the file's own report date (the unit-information sheet), so it
#: is one per submission, not per period: the validator fills it; the workbook does not compute it (not in LIVE).
WINDOWS = {"in_period": "period", "in_action_month": "action_month", "not_after_sent": "sent"}


@dataclass(frozen=True)
class RuleSpec:
    """One check of the form applied to one target field.

    `rule` is the form's rule name. Meaning of `others` by rule: le — (the bound,); sum_eq — the parts; date_order —
    (the start,) with `target` the end; requires — (the condition,) with `equals` the value that triggers it;
    unique — every key column (`target` is the first); in_period / in_action_month / not_after_sent — none, `window`
    names the window and `when` the OR-ed conditions (field, value) under which it applies.
    """

    rule: str
    code: str
    severity: str
    target: str
    others: tuple[str, ...] = ()
    equals: Any = None
    window: str | None = None
    when: tuple[tuple[str, Any], ...] = ()

    @property
    def live(self) -> bool:
        """Whether the workbook computes this rule itself."""
        return self.rule in LIVE

    def fields(self) -> tuple[str, ...]:
        """Every field the rule reads: target, others and the fields of its conditions."""
        return (self.target, *self.others, *(k for k, _ in self.when))


def specs(form: Form, check: Check, key: Callable[[str], str] = lambda x: x) -> list[RuleSpec]:
    """The rules of one check; `key` turns a field id into the name the caller uses (an indicator's row key)."""
    p, code = check.params, check.code
    sev = check.severity or form.messages[code].severity
    if check.rule == "le":
        return [RuleSpec("le", code, sev, key(p["a"]), (key(p["b"]),))]
    if check.rule == "sum_eq":
        return [RuleSpec("sum_eq", code, sev, key(p["total"]), tuple(key(x) for x in p["parts"]))]
    if check.rule == "date_order":
        return [RuleSpec("date_order", code, sev, key(p["end"]), (key(p["start"]),))]
    if check.rule in WINDOWS:
        when = tuple((key(k), v) for k, v in (p.get("when") or {}).items())
        return [RuleSpec(check.rule, code, sev, key(c), window=WINDOWS[check.rule], when=when) for c in p["columns"]]
    if check.rule == "requires":
        return [RuleSpec("requires", code, sev, key(p["then"]), (key(p["if"]),), equals=p.get("equals"))]
    if check.rule == "unique":
        keys = tuple(key(x) for x in p["columns"])
        return [RuleSpec("unique", code, sev, keys[0], keys)]
    # form.py refuses unknown rules; a new rule must be taught here (and to both renderings) before it is used
    raise ValueError(f"rule '{check.rule}' has no description")


def activity_specs(form: Form) -> list[RuleSpec]:
    """The rules between the columns of one activity row."""
    return [s for c in form.activity_checks for s in specs(form, c)]


def indicator_specs(form: Form, ind: Indicator) -> list[RuleSpec]:
    """The rules between the value rows of one indicator, fields named by their row keys (`COMM_06.F`)."""
    return [s for c in ind.checks for s in specs(form, c, ind.key)]


def cross_specs(form: Form) -> list[RuleSpec]:
    """The rules between fields of different indicators (form.yaml `cross_checks:`), fields named by row key."""
    return [s for c in form.cross_checks for s in specs(form, c)]


def windows(project: Project, period: Period) -> dict[str, tuple[dt.date, dt.date]]:
    """The date windows a `RuleSpec.window` names, for one period: the validator fills its helper columns and the
    template writes its formulas' dates from here, so both hold a date to the same window. The "sent" window is the
    submission's own (its report date) and is filled by the validator."""
    return {"period": (period.start, period.end), "action_month": tuple(project.action_month(period.year))}
