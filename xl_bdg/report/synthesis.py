"""The report's written synthesis: sentences that state the province's figures and what changed since the previous
year, then a few highlights chosen by rule (the activities with the most participants, the units with the most
activities, the targets off track); never a list of every unit. Builds the topics of sections I–V (`Topic`).

Every sentence is a labels.yaml sentence (`labels.doc.w_*`) with its blanks filled, so the wording is data and the
same code writes the Vietnamese and the English report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from ..dataset import Dataset
from ..form.project import Project
from .context import IndicatorRow, Para, Part, ReportContext, TargetRow, Topic, _n, fmt_num
from .forms import FORM_NUMBERS
from .wording import compose, join, mark, sentences


class Writer:
    """Writes the sentences of one report: the labels, the body's list limit, and the previous year if any."""

    def __init__(self, labels: dict[str, Any], conf: dict[str, Any], previous: Dataset | None,
                 previous_title: str, lang: str = "vi", lower_is_better: frozenset[str] = frozenset()) -> None:
        self.labels, self.doc, self.lang = labels, labels["doc"], lang
        self.limit = int(conf.get("body_list_max", 3))
        self.apart: dict[str, list[str]] = {str(k): list(v) for k, v in (conf.get("said_apart") or {}).items()}
        self.top = int(conf.get("highlights", 3))
        self.previous, self.previous_title = previous, previous_title
        #: Indicators whose fall is progress (a target's ceiling: the sex ratio at birth, unpaid care hours …).
        self.lower_is_better = lower_is_better

    def say(self, key: str, **blanks: Any) -> Para:
        """The sentence `key` of labels.doc with its blanks filled."""
        return compose(self.doc[key], **blanks)

    def join(self, items: Sequence[Any], more: str = "w_items_more") -> Para:
        """A short list ('A, B và 3 … khác')."""
        return join(items, self.doc, self.limit, more)

    # --- changes against the previous year ------------------------------------------------------------------
    def before(self, row: IndicatorRow) -> float | None:
        """Last year's figure of a table line (None without a previous year)."""
        if self.previous is None:
            return None
        code, _, fid = row.fig_id.partition("|")
        return self.previous.value(code, fid or None)

    def change(self, now: float | None, before: float | None, percent: bool) -> Para:
        """', tăng 12,5% so với năm 2025' (points for a percentage), or nothing when there is nothing to compare."""
        if now is None or before is None or (not percent and before == 0):
            return Para("", [])
        if now == before:
            return self.say("w_change_same", previous=self.previous_title)
        delta = abs(now - before) if percent else abs(now - before) / abs(before) * 100
        d = self.say("w_points" if percent else "w_percent", d=fmt_num(delta, 1))
        return self.say("w_change_up" if now > before else "w_change_down", d=d, previous=self.previous_title)

    # --- one indicator ------------------------------------------------------------------------------------------
    def indicator(self, rows: list[IndicatorRow]) -> Para:
        """The sentence of one indicator from its table lines (the headline, then its fields)."""
        head = rows[0]
        subs = {r.fig_id.partition("|")[2]: r for r in rows[1:]}
        main = subs.get("T") if head.heading else head
        if main is None and head.heading:
            return self.fields(head, list(subs.items()))
        if main is not None and main.no_case:
            return self.say("w_no_case", label=head.label)
        if main is None or not main.value:
            return self.say("w_no_value", label=head.label)
        unit = main.unit if main.unit in ("", "%") or main.unit.startswith("/") else f" {main.unit}"
        percent = main.unit.startswith("%")
        change = self.change(main.value.value, self.before(main), percent)
        value = mark("fig", main.fig_id, main.value)
        female = subs.get("F")
        # fields that are not part of the total (CAW_01's share of units with a committee beside its members):
        # said first and apart, so that the members are never read as the number of committees
        apart = [r for fid, r in subs.items() if fid in self.apart.get(head.code, ()) and r.value
                 and r.value.value is not None]
        if head.heading and female is not None and female.value and main.value.value:
            pct = _n(100 * (female.value.value or 0) / main.value.value, 1)
            if apart:
                total = self.say("w_total_female", label=main.label, value=value, unit=unit,
                                 female=mark("fig", female.fig_id, female.value), female_pct=pct, change=change)
                return self.say("w_value_apart", label=head.label, apart=self._fields(apart), total=total)
            return self.say("w_value_female", label=head.label, value=value, unit=unit,
                            female=mark("fig", female.fig_id, female.value), female_pct=pct, change=change)
        return self.say("w_value", label=head.label, value=value, unit=unit, change=change)

    def _fields(self, rows: list[IndicatorRow]) -> Para:
        """'Label 12 unit; Label 3 unit': each row with its figure."""
        parts: list[Part] = []
        for i, r in enumerate(rows):
            unit = "" if r.unit in ("", "%") or r.unit.startswith("/") else f" {r.unit}"
            said = self.say("w_field", label=r.label, value=mark("fig", r.fig_id, r.value), unit=unit)
            parts += ([Part(self.doc["w_fields_sep"], "", "")] if i else []) + said.parts
        return Para("".join(p.text for p in parts), parts)

    def fields(self, head: IndicatorRow, subs: list[tuple[str, IndicatorRow]]) -> Para:
        """An indicator with no overall total (STAFF_01 full-time and part-time, HEA_04 activities and cases): each
        sub-total (`…_T`), or else each field, with its figure."""
        totals = [r for fid, r in subs if fid.endswith("_T")] or [r for _, r in subs]
        filled = [r for r in totals if r.value and r.value.value is not None]
        if not filled:
            return self.say("w_no_value", label=head.label)
        return self.say("w_value_fields", label=head.label, fields=self._fields(filled))

    def moves(self, lines: list[list[IndicatorRow]]) -> tuple[list[Para], list[Para], list[Para], list[Para]]:
        """The largest changes against the previous year, largest first (relative, points for a %): rises and falls
        of the indicators where more is better or neither is said, then the falls and the rises of those where
        less is better (`lower_is_better`), so that a rise of the sex ratio at birth is never called a result."""
        scored: list[tuple[float, bool, Para]] = []
        for rows in lines:
            head = rows[0]
            main = next((r for r in rows[1:] if r.fig_id.endswith("|T")), None) if head.heading else head
            if main is None or main.value.value is None:
                continue
            before = self.before(main)
            if before is None or before == main.value.value or (before == 0 and not main.unit.startswith("%")):
                continue
            now = main.value.value
            score = (now - before) if main.unit.startswith("%") else (now - before) / abs(before) * 100
            text = self.say("w_move" if now > before else "w_move_down", label=head.label,
                            before=_n(before, main.value.decimals), after=main.value)
            scored.append((score, main.code in self.lower_is_better, text))

        def top(lower: bool, rising: bool) -> list[Para]:
            picked = [(s, t) for s, low, t in scored if low == lower and (s > 0) == rising]
            return [t for _, t in sorted(picked, key=lambda x: -abs(x[0]))][: self.top]

        return top(False, True), top(False, False), top(True, False), top(True, True)

    def target_item(self, t: TargetRow) -> Para:
        """'Tỷ lệ … (45,0%, mục tiêu ≥ 60,0%)'."""
        return self.say("w_target_item", label=t.label, value=mark("target", t.code, t.value), unit=_unit(t.unit),
                        sign=t.sign, target=t.target_now)

    def goal_target(self, t: TargetRow) -> Para:
        """'Tỷ lệ … 45,0% (Chưa đạt, mốc 2025: ≥ 60,0%)'; without the figure when there is none."""
        key = "w_goal_target_plain" if t.status in ("not_tracked", "no_case") else \
            "w_goal_target" if t.value else "w_goal_target_none"
        return self.say(key, label=t.label, value=mark("target", t.code, t.value), unit=_unit(t.unit),
                        met=self.doc["status"][t.status], year=t.milestone_year, sign=t.sign, target=t.target_now)


#: The statuses a target can have that are neither met nor not met, in the order the summary states them.
UNASSESSED = ("no_data", "no_case", "not_tracked")


def targets_summary(w: Writer, targets: Sequence[TargetRow], year: int, source: str) -> Para:
    """'…tỉnh đạt 5/14 chỉ tiêu có số liệu; 9 chỉ tiêu chưa đạt; 2 chỉ tiêu chưa có số liệu; 1 chỉ tiêu tỉnh không
    theo dõi': the met out of those with a figure (met or not met), then each other kind of target, counted apart,
    so that the x/y of the summary is the one the target tables give."""
    count = Counter(t.status for t in targets)
    rest = [w.say(f"w_goals_{status}", n=_n(count[status])) for status in UNASSESSED if count[status]]
    return w.say("w_goals", year=year, source=source, met=mark("sum", "targets_met", _n(count["met"])),
                 known=mark("sum", "targets_known", _n(count["met"] + count["not_met"])),
                 not_met=mark("sum", "targets_not_met", _n(count["not_met"])), rest=clauses(rest))


def clauses(paras: Sequence[Para]) -> Para:
    """Clauses written one after the other, with nothing between them (each brings its own '; ')."""
    parts = [part for p in paras for part in p.parts]
    return compose("{x}", x=Para("".join(p.text for p in parts), parts))


def _unit(unit: str) -> str:
    # '%' sticks to the number (45,0%); a word is spaced from it (1,7 lần).
    return unit if unit in ("", "%") else f" {unit}"


def split_lines(rows: list[IndicatorRow]) -> list[list[IndicatorRow]]:
    """A flat table (indicator line, its field lines, next indicator, …) as one list per indicator."""
    out: list[list[IndicatorRow]] = []
    for r in rows:
        if r.level == 0 or not out:
            out.append([r])
        else:
            out[-1].append(r)
    return out


def goal_topics(w: Writer, ctx_rows: dict[str, list[IndicatorRow]], goals: dict[str, list[str]],
                targets: list[TargetRow], period_year: int) -> list[Topic]:
    """Section II: per Strategy goal, the figures in sentences, the indicator table and the goal's targets."""
    labels = w.labels
    topics: list[Topic] = []
    for goal, codes in goals.items():
        lines = [ctx_rows[c] for c in codes if c in ctx_rows]
        mine = [t for t in targets if t.goal == int(goal)]
        paras = [sentences([w.indicator(rows) for rows in lines])] if lines else []
        if mine:
            items = [w.goal_target(t) for t in mine]
            paras.append(w.say("w_goal_targets", items=join(items, w.doc, len(items))))
        else:
            paras.append(w.say("w_goal_no_targets"))
        topics.append(Topic(f"goal{goal}", str(len(topics) + 1), labels["goals"][str(goal)], paras,
                            [r for rows in lines for r in rows], mine))
    others = [t for t in targets if t.goal == 0]
    if others:
        items = [w.goal_target(t) for t in others]
        topics.append(Topic("other_targets", str(len(topics) + 1), w.doc["t_other_targets"],
                            [w.say("w_goal_targets", items=join(items, w.doc, len(items)))], [], others))
    return topics


def activity_highlights(w: Writer, project: Project, dataset: Dataset, summ: dict[str, Any]) -> list[Para]:
    """The activities with the most participants and the units with the most activities (a few of each)."""
    names = {u.code: u.label(w.lang) for u in project.registry.units.values()}
    total = summ["total"]
    acts = sorted((a for a in dataset.activities if isinstance(a.values.get(total), (int, float))),
                  key=lambda a: -float(a.values[total]))[: w.top]
    out = []
    if acts:
        out.append(w.say("w_top_activities", items=w.join(
            [w.say("w_top_activity", title=str(a.values.get("title") or ""), unit=names.get(a.unit, a.unit),
                   n=_n(a.values[total])) for a in acts])))
    counts = Counter(a.unit for a in dataset.activities).most_common(w.top)
    if counts:
        out.append(w.say("w_top_units", items=w.join(
            [w.say("w_top_unit", unit=names.get(u, u), n=_n(n)) for u, n in counts])))
    return out


def assessment_topics(w: Writer, ctx: ReportContext, lines: list[list[IndicatorRow]],
                      causes: list[str], dataset: Dataset) -> list[Topic]:
    """Section III: what was achieved, what falls short (targets off track, falls, late and faulty reports), why."""
    s, doc = ctx.summary, w.doc
    year = ctx.targets[0].milestone_year if ctx.targets else ctx.targets_year
    # The Strategy's targets, counted as section II counts them (met out of met or not met); another programme's
    # targets (QĐ 1790) are stated apart, never added into the Strategy's x/y.
    strategy = [t for t in ctx.targets if t.goal]
    met = [t for t in strategy if t.status == "met"]
    not_met = [t for t in strategy if t.status == "not_met"]
    no_data = [t for t in strategy if t.status == "no_data"]
    rises, falls, better_falls, worse_rises = w.moves(lines)
    results = [w.say("w_results_activities", activities=mark("sum", "activities", s.activities),
                     participants=mark("sum", "participants", s.participants), female_pct=s.female_pct,
                     budget_spent=mark("sum", "budget_spent", s.budget_spent))]
    if met:
        results.append(w.say("w_results_targets", met=mark("sum", "targets_met", _n(len(met))),
                             known=mark("sum", "targets_known", _n(len(met) + len(not_met))),
                             items=w.join([w.target_item(t) for t in met])))
    others = [t for t in ctx.targets if not t.goal and t.status in ("met", "not_met")]
    if others:
        results.append(w.say("w_results_other_targets", met=_n(sum(t.status == "met" for t in others)),
                             known=_n(len(others))))
    if rises:
        results.append(w.say("w_results_rises", previous=ctx.previous, items=join(rises, doc, len(rises))))
    if better_falls:
        results.append(w.say("w_results_falls_better", previous=ctx.previous,
                             items=join(better_falls, doc, len(better_falls))))
    limits = [w.say("w_limits_targets", n=mark("sum", "targets_not_met", _n(len(not_met))), year=year,
                    items=w.join([w.target_item(t) for t in not_met]))
              if not_met else w.say("w_limits_none", year=year)]
    if falls:
        limits.append(w.say("w_limits_falls", previous=ctx.previous, items=join(falls, doc, len(falls))))
    if worse_rises:
        limits.append(w.say("w_limits_rises_worse", previous=ctx.previous,
                            items=join(worse_rises, doc, len(worse_rises))))
    if no_data:
        limits.append(w.say("w_limits_no_data", n=_n(len(no_data)), items=w.join([t.label for t in no_data])))
    faulty = [st.name for st in ctx.statuses if st.errors.value]
    if s.units_late.value or s.units_missing.value or faulty:
        names = w.say("w_names", names=w.join(faulty, "w_names_more")) if faulty else Para("", [])
        limits.append(w.say("w_limits_intake", late=s.units_late, missing=s.units_missing, invalid=s.units_invalid,
                            names=names))
    if dataset.warnings:
        limits.append(w.say("w_limits_checks", n=_n(len(dataset.warnings)), sheet=FORM_NUMBERS["checks"]))
    return [Topic("results", "1", doc["t_results"], results), Topic("limits", "2", doc["t_limits"], limits),
            Topic("causes", "3", doc["t_causes"], [plain(c) for c in causes])]


def plain(text: str) -> Para:
    """A paragraph of words only (an editable section's line)."""
    return Para(text, [Part(text, "", "")])
