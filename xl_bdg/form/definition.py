"""Load and check the form definition under `schemas/` (form.yaml, lists.yaml, messages.yaml).

The form is data: sheets, indicators, activity columns, dropdown lists, narrative and the unit-information fields.
Every error names the offending entry (`indicators[3] (COMM_04).fields[1]`), so a bad edit is found at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..catalogue import Message, parse_messages, read_yaml
from ..errors import FormError
from ..periods import PERIOD_KINDS
from ..text import nfc

FIELD_TYPES = {"count", "money", "number", "percent", "yesno", "text", "date", "list"}
NUMERIC_TYPES = {"count", "money", "number", "percent"}
#: Largest plausible value by field type: above it a figure is a typo, whatever the unit (a billion people, a
#: trillion đồng). The template's in-cell validation and the validator's range check both use it.
MAX_BY_TYPE = {"count": 1_000_000_000, "money": 1_000_000_000_000, "number": 1_000_000_000_000}
AGG_RULES = {"sum", "ratio", "share", "pick", "stock"}
UNIT_KINDS = {"province", "department", "mass_org", "district", "commune"}
CHECK_RULES = {"le", "sum_eq", "requires", "date_order", "in_period", "in_action_month", "not_after_sent", "unique"}
SEVERITIES = ("error", "warning", "info")
#: Texts the workbook writer needs from `texts:` in form.yaml (dotted paths); the loader checks each is there.
TEXT_KEYS = (
    "banner_unit", "estimate", "required_mark", "required_note", "properties_subject",
    *(f"banners.{k}" for k in ("unit_info", "indicators", "activities", "budget", "narrative")),
    *(f"notes.{k}" for k in ("indicators", "activities", "narrative")),
    *(f"headers.{k}" for k in ("number", "code", "indicator", "unit", "value", "note", "topic", "narrative")),
    "instructions.heading", "instructions.title", "instructions.steps", "instructions.legend_title",
    "instructions.legend.input", "instructions.legend.na", "instructions.legend.stamp", "instructions.footer",
    *(f"validation.{k}.{p}" for k in ("list", "count", "money", "percent", "date") for p in ("title", "error")),
    *(f"form_ref.{k}" for k in ("form_no", "attached", "attached_nodate")),
    *(f"signature.{k}" for k in ("place_date", "blank", "preparer", "preparer_note", "head", "head_note")),
)
SHEET_KEYS = ("instructions", "unit_info", "indicators", "activities", "budget", "narrative", "lists", "meta")
_BAD_SHEET_CHARS = set('\\/?*[]:')


@dataclass(frozen=True, eq=False)
class Check:
    """A rule between fields of one indicator or columns of the activity table."""

    rule: str
    code: str
    severity: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def columns(self) -> list[str]:
        """Every field or column the check names."""
        names: list[str] = []
        for key in ("a", "b", "total", "start", "end", "if", "then"):
            if key in self.params:
                names.append(self.params[key])
        for key in ("parts", "columns"):
            names.extend(self.params.get(key, []))
        names.extend(self.params.get("when", {}).keys())
        return names


@dataclass(frozen=True)
class Field:
    """One value row of an indicator (e.g. COMM_06.F: female attendance)."""

    id: str
    label: str
    label_en: str
    type: str
    agg: str | None = None
    typical: tuple[float, float] | None = None  # a plausible range, for synthetic data (not a validation rule)
    #: The last day the part exists (district bodies: 30/6/2025): its label says so; for a period that starts after
    #: it the template writes a locked 0, the validator refuses any other figure (`row-ended`), the sample puts 0.
    until: dt.date | None = None

    def ended(self, start: dt.date) -> bool:
        """Whether the part no longer exists for a period that starts on `start`."""
        return self.until is not None and start > self.until


@dataclass(frozen=True, eq=False)
class Indicator:
    """An indicator of the catalogue (DOMAIN.md §3) with its value fields and aggregation rule."""

    code: str
    group: str
    label: str
    label_en: str
    unit: str
    unit_en: str
    fields: tuple[Field, ...]
    agg: str
    applies_to: tuple[str, ...]
    periods: tuple[str, ...]
    checks: tuple[Check, ...] = ()
    numerator: str | None = None
    denominator: str | None = None
    scale: float | None = None  # ratio multiplier: None = a percentage (×100); 100 = "per 100" (sex ratio at birth)
    pick_from: str | None = None
    cumulative: bool = True
    #: Where the definition comes from (CV 2792/LĐTBXH-BĐG for a Strategy indicator, the province plan for the
    #: operational ones), printed in the form reference so that a reader can check the formula against it.
    source: str = ""
    #: The years the indicator is asked for (elections: 2021, 2026, 2031); empty for every year.
    years: tuple[int, ...] = ()

    def key(self, field_id: str) -> str:
        """The stable key of one value row, as written in the workbook's code column."""
        return self.code if len(self.fields) == 1 else f"{self.code}.{field_id}"

    def field(self, field_id: str) -> Field:
        """The field named `field_id`."""
        for f in self.fields:
            if f.id == field_id:
                return f
        raise KeyError(f"{self.code} has no field {field_id}")

    def field_agg(self, f: Field) -> str | None:
        """The aggregation rule that applies to one field (yes/no fields are shares, text is not aggregated)."""
        if f.agg:
            return f.agg
        if f.type == "yesno":
            return "share"
        if f.type in ("text", "date", "list"):
            return None
        return self.agg

    def asked(self, period_kind: str, year: int | None = None) -> bool:
        """Whether the indicator is asked for in a period of this kind and year (any year when `year` is None)."""
        return period_kind in self.periods and (not self.years or year is None or year in self.years)

    def applies(self, unit_code: str, unit_kind: str, period_kind: str, year: int | None = None) -> bool:
        """Whether a unit of this code and kind reports this indicator in a period of this kind (and year)."""
        return self.asked(period_kind, year) and (unit_code in self.applies_to or unit_kind in self.applies_to)


@dataclass(frozen=True)
class Column:
    """A column of the activity table, or a row of the unit-information or narrative sheets."""

    id: str
    label: str
    label_en: str
    type: str = "text"
    list: str | None = None
    required: bool = False
    width: float = 14
    stamped: bool = False
    section: str | None = None


@dataclass(frozen=True)
class ListDef:
    """A dropdown list: values in Vietnamese (what is stored) with their English gloss."""

    id: str
    label: str
    values: tuple[str, ...]
    values_en: tuple[str, ...]


@dataclass(frozen=True)
class SheetDef:
    """A sheet of the workbook: its key in code, its title as users see it."""

    key: str
    title: str
    title_en: str
    hidden: bool = False


@dataclass(frozen=True)
class Group:
    """A section of the indicator sheet and of the province report."""

    id: str
    label: str
    label_en: str


@dataclass(frozen=True)
class Budget:
    """The budget table: one row per source (a list), money columns."""

    code: str
    label: str
    label_en: str
    rows_list: str
    columns: tuple[Column, ...]
    total_label: str
    total_label_en: str


@dataclass(frozen=True, eq=False)  # identity hash: layouts are cached per loaded form
class Form:
    """The whole form definition, checked."""

    id: str
    version: str
    title: str
    title_en: str
    sheets: dict[str, SheetDef]
    groups: tuple[Group, ...]
    indicators: tuple[Indicator, ...]
    activity_columns: tuple[Column, ...]
    activity_checks: tuple[Check, ...]
    activity_input_rows: int
    activity_max_rows: int
    budget: Budget
    unit_info: tuple[Column, ...]
    narrative: tuple[Column, ...]
    lists: dict[str, ListDef]
    messages: dict[str, Message]
    texts: dict[str, Any] = field(default_factory=dict)
    #: Rules between fields of different indicators (women elected ≤ women candidates), fields named by row key.
    cross_checks: tuple[Check, ...] = ()

    def text(self, path: str) -> Any:
        """A text of the workbook by dotted path (`banners.indicators`); the loader has checked it exists."""
        node: Any = self.texts
        for part in path.split("."):
            node = node[part]
        return node

    def indicator(self, code: str) -> Indicator:
        """The indicator with this code."""
        for ind in self.indicators:
            if ind.code == code:
                return ind
        raise KeyError(code)

    def sheet_title(self, key: str) -> str:
        """The title of the sheet with this key."""
        return self.sheets[key].title

    def activity_column(self, col_id: str) -> Column:
        """The activity column with this id."""
        for col in self.activity_columns:
            if col.id == col_id:
                return col
        raise KeyError(col_id)


def _need(entry: dict[str, Any], key: str, where: str) -> Any:
    if not isinstance(entry, dict):
        raise FormError(f"{where}: expected a mapping, got {type(entry).__name__}")
    if key not in entry or entry[key] in (None, ""):
        raise FormError(f"{where}: missing '{key}'")
    return entry[key]


def _check(raw: dict[str, Any], where: str, names: set[str], messages: dict[str, Message]) -> Check:
    rule = _need(raw, "rule", where)
    if rule not in CHECK_RULES:
        raise FormError(f"{where}: unknown rule '{rule}' (known: {', '.join(sorted(CHECK_RULES))})")
    code = _need(raw, "code", where)
    if code not in messages:
        raise FormError(f"{where}: code '{code}' has no entry in messages.yaml")
    severity = raw.get("severity")
    if severity is not None and severity not in SEVERITIES:
        raise FormError(f"{where}: unknown severity '{severity}'")
    params = {k: v for k, v in raw.items() if k not in ("rule", "code", "severity")}
    check = Check(rule=rule, code=code, severity=severity, params=params)
    for name in check.columns():
        if isinstance(name, bool):
            raise FormError(f"{where}: rule '{rule}' names {name!r}: quote the name (YAML reads YES, NO, ON, OFF "
                            "as true/false)")
        if name not in names:
            have = ", ".join(sorted(names))
            raise FormError(f"{where}: rule '{rule}' names '{name}', which does not exist (have: {have})")
    return check


def _cross_checks(raw: Any, indicators: tuple[Indicator, ...], messages: dict[str, Message]) -> tuple[Check, ...]:
    """The `cross_checks:` of form.yaml: comparisons between fields of two indicators, named by row key
    (`ELE_02.NUM`). Only `le` compares across indicators: the other rules concern one indicator or one row."""
    if not isinstance(raw, list):
        raise FormError("form.yaml: cross_checks must be a list")
    keys = {ind.key(f.id) for ind in indicators for f in ind.fields}
    out = []
    for i, entry in enumerate(raw):
        where = f"form.yaml: cross_checks[{i}]"
        check = _check(entry, where, keys, messages)
        if check.rule != "le":
            raise FormError(f"{where}: only rule 'le' compares fields of different indicators")
        out.append(check)
    return tuple(out)


def _field(raw: dict[str, Any], where: str, overrides: dict[str, Any]) -> Field:
    fid = _need(raw, "id", where)
    if not isinstance(fid, str):
        raise FormError(f"{where}: id {fid!r} is not text: quote it (YAML reads YES, NO, ON, OFF as true/false)")
    ftype = _need(raw, "type", where)
    if ftype not in FIELD_TYPES:
        raise FormError(f"{where}: unknown type '{ftype}'")
    agg = raw.get("agg")
    if agg is not None and agg not in AGG_RULES:
        raise FormError(f"{where}: unknown aggregation '{agg}'")
    over = overrides.get(fid, {})
    typical = over.get("typical", raw.get("typical"))
    if typical is not None and (len(typical) != 2 or not all(isinstance(x, (int, float)) for x in typical)):
        raise FormError(f"{where}: typical must be [low, high]")
    until = raw.get("until")
    if until is not None and not isinstance(until, dt.date):
        raise FormError(f"{where}: until '{until}' is not a date like 2025-06-30")
    return Field(id=fid, label=over.get("label", _need(raw, "label", where)),
                 label_en=over.get("label_en", raw.get("label_en", raw["label"])), type=ftype, agg=agg,
                 typical=tuple(typical) if typical else None, until=until)


def _indicator(raw: dict[str, Any], i: int, fieldsets: dict[str, Any], groups: set[str],
               messages: dict[str, Message]) -> Indicator:
    code = raw.get("code", "?") if isinstance(raw, dict) else "?"
    where = f"form.yaml: indicators[{i}] ({code})"
    code = _need(raw, "code", where)
    group = _need(raw, "group", where)
    if group not in groups:
        raise FormError(f"{where}: unknown group '{group}'")
    if "fieldset" in raw:
        fs = fieldsets.get(raw["fieldset"])
        if fs is None:
            raise FormError(f"{where}: unknown fieldset '{raw['fieldset']}'")
        raw_fields, raw_checks = fs.get("fields", []), list(fs.get("checks", [])) + list(raw.get("checks", []))
    else:
        raw_fields, raw_checks = _need(raw, "fields", where), raw.get("checks", [])
    overrides = raw.get("field_labels", {}) or {}
    fields = tuple(_field(f, f"{where}.fields[{j}]", overrides) for j, f in enumerate(raw_fields))
    ids = [f.id for f in fields]
    if len(set(ids)) != len(ids):
        raise FormError(f"{where}: duplicate field ids {ids}")
    for name in overrides:
        if name not in ids:
            raise FormError(f"{where}: field_labels names '{name}', which is not a field")
    checks = tuple(_check(c, f"{where}.checks[{j}]", set(ids), messages) for j, c in enumerate(raw_checks))
    agg = _need(raw, "agg", where)
    if agg not in AGG_RULES:
        raise FormError(f"{where}: unknown aggregation '{agg}' (known: {', '.join(sorted(AGG_RULES))})")
    numerator, denominator = raw.get("numerator"), raw.get("denominator")
    if agg == "ratio":
        for role, name in (("numerator", numerator), ("denominator", denominator)):
            if name is None:
                raise FormError(f"{where}: aggregation 'ratio' needs '{role}'")
            if name not in ids:
                raise FormError(f"{where}: {role} '{name}' is not a field (have: {', '.join(ids)})")
    if agg == "pick" and not raw.get("pick_from"):
        raise FormError(f"{where}: aggregation 'pick' needs 'pick_from' (the unit that supplies the value)")
    periods = tuple(raw.get("periods", ["H1", "FY"]))
    for p in periods:
        if p not in PERIOD_KINDS:
            raise FormError(f"{where}: unknown period kind '{p}'")
    applies = tuple(_need(raw, "applies_to", where))
    years = raw.get("years") or []
    if not isinstance(years, list) or not all(isinstance(y, int) and not isinstance(y, bool) for y in years):
        raise FormError(f"{where}: years must be a list of years like [2021, 2026]")
    return Indicator(
        code=code, group=group, label=_need(raw, "label", where), label_en=raw.get("label_en", raw["label"]),
        unit=raw.get("unit", ""), unit_en=raw.get("unit_en", raw.get("unit", "")), fields=fields, agg=agg,
        applies_to=applies, periods=periods, checks=checks, numerator=numerator, denominator=denominator,
        scale=float(raw["scale"]) if raw.get("scale") is not None else None, pick_from=raw.get("pick_from"),
        cumulative=bool(raw.get("cumulative", agg == "sum")), source=nfc(str(raw.get("source") or "")),
        years=tuple(years),
    )


def _column(raw: dict[str, Any], where: str, lists: dict[str, ListDef]) -> Column:
    ctype = raw.get("type", "text")
    if ctype not in FIELD_TYPES:
        raise FormError(f"{where}: unknown type '{ctype}'")
    lst = raw.get("list")
    if ctype == "list" and lst is None:
        raise FormError(f"{where}: type 'list' needs 'list'")
    if lst is not None and lst not in lists:
        raise FormError(f"{where}: unknown list '{lst}' (lists.yaml has: {', '.join(sorted(lists))})")
    return Column(id=_need(raw, "id", where), label=_need(raw, "label", where),
                  label_en=raw.get("label_en", raw["label"]), type=ctype, list=lst,
                  required=bool(raw.get("required", False)), width=float(raw.get("width", 14)),
                  stamped=bool(raw.get("stamped", False)), section=raw.get("section"))


def _unique(items: list[str], where: str) -> None:
    seen: set[str] = set()
    for item in items:
        if item in seen:
            raise FormError(f"{where}: duplicate code '{item}'")
        seen.add(item)


def _lists(raw: dict[str, Any]) -> dict[str, ListDef]:
    out: dict[str, ListDef] = {}
    for lid, entry in (raw or {}).items():
        where = f"lists.yaml: {lid}"
        values = _need(entry, "values", where)
        vals = [str(_need(v, "value", f"{where}.values[{i}]")) for i, v in enumerate(values)]
        _unique(vals, where)
        out[lid] = ListDef(id=lid, label=entry.get("label", lid), values=tuple(vals),
                           values_en=tuple(str(v.get("en", v["value"])) for v in values))
    return out


def _sheets(raw: dict[str, Any]) -> dict[str, SheetDef]:
    out: dict[str, SheetDef] = {}
    for key in SHEET_KEYS:
        entry = _need(raw, key, "form.yaml: sheets")
        title = _need(entry, "title", f"form.yaml: sheets.{key}")
        if len(title) > 31 or _BAD_SHEET_CHARS & set(title):
            raise FormError(f"form.yaml: sheets.{key}: title '{title}' is longer than 31 characters "
                            "or has one of \\ / ? * [ ] :")
        out[key] = SheetDef(key=key, title=title, title_en=entry.get("title_en", title),
                            hidden=bool(entry.get("hidden", False)))
    _unique([s.title for s in out.values()], "form.yaml: sheets")
    return out


def _texts(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise FormError("form.yaml: missing 'texts' (the workbook's banners, headers and instructions)")

    def keys_are_text(node: Any, where: str) -> None:
        for key, value in node.items() if isinstance(node, dict) else ():
            if not isinstance(key, str):
                raise FormError(f"form.yaml: {where}: key {key!r} is not text: quote it (YAML reads no, yes, on, "
                                "off as false/true)")
            keys_are_text(value, f"{where}.{key}")

    keys_are_text(raw, "texts")
    for path in TEXT_KEYS:
        node: Any = raw
        for part in path.split("."):
            if not isinstance(node, dict) or node.get(part) in (None, ""):
                raise FormError(f"form.yaml: texts.{path}: missing")
            node = node[part]
    return raw


def load_form(schemas_dir: Path) -> Form:
    """Load form.yaml, lists.yaml and messages.yaml from `schemas_dir` and check them; raise FormError if broken."""
    raw = read_yaml(schemas_dir / "form.yaml")
    lists = _lists(read_yaml(schemas_dir / "lists.yaml"))
    messages = parse_messages(read_yaml(schemas_dir / "messages.yaml"))
    head = _need(raw, "form", "form.yaml")
    groups = tuple(Group(id=_need(g, "id", f"form.yaml: groups[{i}]"), label=g["label"],
                         label_en=g.get("label_en", g["label"])) for i, g in enumerate(raw.get("groups", [])))
    _unique([g.id for g in groups], "form.yaml: groups")
    fieldsets = raw.get("fieldsets", {}) or {}
    indicators = tuple(_indicator(r, i, fieldsets, {g.id for g in groups}, messages)
                       for i, r in enumerate(_need(raw, "indicators", "form.yaml")))
    _unique([ind.code for ind in indicators], "form.yaml: indicators")

    acts = _need(raw, "activities", "form.yaml")
    columns = tuple(_column(c, f"form.yaml: activities.columns[{i}]", lists)
                    for i, c in enumerate(_need(acts, "columns", "form.yaml: activities")))
    _unique([c.id for c in columns], "form.yaml: activities.columns")
    col_ids = {c.id for c in columns}
    act_checks = tuple(_check(c, f"form.yaml: activities.checks[{i}]", col_ids, messages)
                       for i, c in enumerate(acts.get("checks", [])))

    b = _need(raw, "budget", "form.yaml")
    if b.get("rows_list") not in lists:
        raise FormError(f"form.yaml: budget: unknown rows_list '{b.get('rows_list')}'")
    budget = Budget(code=_need(b, "code", "form.yaml: budget"), label=b["label"],
                    label_en=b.get("label_en", b["label"]),
                    rows_list=b["rows_list"],
                    columns=tuple(_column(c, f"form.yaml: budget.columns[{i}]", lists)
                                  for i, c in enumerate(_need(b, "columns", "form.yaml: budget"))),
                    total_label=_need(b, "total_label", "form.yaml: budget"),
                    total_label_en=b.get("total_label_en", b["total_label"]))
    unit_info = tuple(_column(c, f"form.yaml: unit_info[{i}]", lists)
                      for i, c in enumerate(_need(raw, "unit_info", "form.yaml")))
    _unique([c.id for c in unit_info], "form.yaml: unit_info")
    for needed in ("unit_code", "period"):
        if needed not in {c.id for c in unit_info}:
            raise FormError(f"form.yaml: unit_info needs a stamped field '{needed}'")
    narrative = tuple(_column(c, f"form.yaml: narrative[{i}]", lists)
                      for i, c in enumerate(_need(raw, "narrative", "form.yaml")))
    _unique([c.id for c in narrative], "form.yaml: narrative")
    cross = _cross_checks(raw.get("cross_checks") or [], indicators, messages)

    return Form(
        id=str(_need(head, "id", "form.yaml: form")), version=str(_need(head, "version", "form.yaml: form")),
        title=head.get("title", ""), title_en=head.get("title_en", ""),
        sheets=_sheets(_need(raw, "sheets", "form.yaml")),
        groups=groups, indicators=indicators, activity_columns=columns, activity_checks=act_checks,
        activity_input_rows=int(acts.get("input_rows", 300)), activity_max_rows=int(acts.get("max_rows", 5000)),
        budget=budget, unit_info=unit_info, narrative=narrative, lists=lists, messages=messages,
        texts=_texts(raw.get("texts")), cross_checks=cross,
    )
