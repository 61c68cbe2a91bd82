"""The synthetic activity table of one unit: how many activities, their dates, people and budget, from data.

Counts, participants and budgets come from `schemas/sample.yaml` (`activities`), titles from `synthetic.yaml`. Every
activity lies in the period's data window and before the day the report is sent; only the Action Month's report
holds Action Month activities (the year's report is due before the Action Month starts). A title tied to a day of the
year (a Committee meeting on 8/3) is dated near that day, and left out when the day is outside the window.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from ..form.project import Project
from ..form.registry import Unit
from ..periods import Period


def _on(text: str, lo: dt.date, hi: dt.date) -> dt.date | None:
    """The first day `dd/mm` of any year that lies in [lo, hi], or None."""
    day, month = (int(x) for x in text.split("/"))
    for year in range(lo.year, hi.year + 1):
        try:
            when = dt.date(year, month, day)
        except ValueError:
            continue
        if lo <= when <= hi:
            return when
    return None


def _titles(texts: dict[str, Any], category: str, lo: dt.date, hi: dt.date) -> list[tuple[str, dt.date | None]]:
    """The titles of `category` that can be dated in [lo, hi], with the day each is tied to (None: any day)."""
    out: list[tuple[str, dt.date | None]] = []
    for entry in texts["titles"].get(category, []):
        if isinstance(entry, dict):
            when = _on(str(entry["day"]), lo, hi)
            if when is not None:
                out.append((str(entry["title"]), when))
        else:
            out.append((str(entry), None))
    return out


def _pick(conf: dict[str, Any], key: str, unit: Unit, default: Any) -> Any:
    """`conf[key]` (or `conf` itself when `key` is empty) for the unit's code, else its kind, else `default`."""
    table = (conf.get(key) if key else conf) or {}
    return table.get(unit.code, table.get(unit.kind, default))


def activity_rows(project: Project, conf: dict[str, Any], texts: dict[str, Any], unit: Unit, period: Period,
                  sent: dt.date, ethnic: float, r: random.Random) -> list[dict[str, Any]]:
    """The unit's activities for `period`, all dated between the window's start and the day before `sent`."""
    acts = conf.get("activities") or {}
    lists = project.form.lists
    yes, no = lists["yesno"].values[:2]
    am_category = texts["action_month_category"]
    lo, hi = period.start, min(period.end, sent - dt.timedelta(days=1))
    am_lo, am_hi = project.action_month(period.year)
    in_am = period.kind == "AM"
    if in_am:
        lo, hi = max(lo, am_lo), min(hi, am_hi)
    if hi < lo:
        return []
    low, high = _pick((acts.get("count") or {}).get(period.kind) or {}, "", unit, None) or [3, 8]
    categories = [c for c in lists["categories"].values if c != am_category]
    people = acts.get("people") or {}
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    places = [project.registry.get(c) for c in project.registry.children(unit.code, period.end)]
    # a department writes where it held the activity as a clerk would ("Tỉnh Sơn Hà"), never the province's
    # display name, which may carry a note ("Tỉnh Sơn Hà (tỉnh mẫu)")
    said = project.province_text()
    province_place = said[:1].upper() + said[1:]
    for _ in range(r.randint(low, high)):
        category = am_category if in_am and r.random() < 0.6 else \
            r.choices(categories, [float((people.get(c) or {}).get("weight", 1)) for c in categories])[0]
        options = _titles(texts, category, lo, hi)
        if not options:
            continue
        title, when = r.choice(options)
        if when is not None:
            start = max(lo, when - dt.timedelta(days=r.randint(0, 2)))
        else:
            start = lo + dt.timedelta(days=r.randint(0, (hi - lo).days))
        end = min(hi, start + dt.timedelta(days=r.choice([0, 0, 0, 1, 2])))
        spec = people.get(category) or {"people": [20, 100], "women": [0.5, 0.7], "quantity": [1, 2]}
        total = r.randint(*spec["people"])
        female = min(total, round(total * r.uniform(*spec["women"])))
        place = unit.name if unit.kind == "commune" else province_place
        if places:
            child = r.choice(places)
            place = child.name if child is not None else place
        row: dict[str, Any] = {
            "category": category, "title": title, "start": start, "end": end, "place": place,
            "target_group": r.choice(lists["target_groups"].values), "channel": r.choice(lists["channels"].values),
            "quantity": r.randint(*spec["quantity"]), "quantity_unit": texts["quantity_unit"],
            "part_t": total, "part_m": total - female, "part_f": female,
            "part_e": min(total, round(total * ethnic * r.uniform(0.7, 1.1))),
            "action_month": yes if in_am else no,
        }
        budget = r.choice(_pick(acts, "budget", unit, [0]))
        if budget:
            row["budget"] = budget
            row["source"] = r.choice(_pick(acts, "sources", unit, lists["budget_sources"].values))
        if r.random() < 0.5:
            row["document"] = texts["document_plan"].format(n=r.randint(1, 200), unit=unit.code)
        rows.append(row)
    rows.sort(key=lambda a: (a["start"], a["title"]))
    for row in rows:  # a title held again later in the period is its next round ("đợt 2")
        seen[row["title"]] = seen.get(row["title"], 0) + 1
        if seen[row["title"]] > 1:
            row["title"] = f"{row['title']} " + texts["batch"].format(n=seen[row["title"]])
    return rows


__all__ = ["activity_rows"]
