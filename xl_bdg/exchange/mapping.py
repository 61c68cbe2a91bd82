"""The mapping from the form to DHIS2: for every indicator field of every period kind, the data element, the category
option combination and the value type it is sent as; for every unit its org unit; the period notation of each kind.

Derived from the form by the shape of each indicator's fields, never by its name, so a new indicator is mapped
with no code change (dhis2.yaml may override any field):
- a category of dhis2.yaml (sex: options M and F) applies to an indicator that has a field for every option; those
  fields become the option combos of one data element. DHIS2 adds every combo of a data element to make its total
  ("#{uid} refers to the total value of an aggregate data element across all category option combinations",
  dhis2-docs developer/web-api/metadata.md, indicator expressions), so the category's total field (T) is not sent
  when a `sum_eq` check of the form makes it the sum of the options; sending it would count people twice.
- every other field is a data element of its own, with one value type: the ethnic-minority count (E, which overlaps
  the sex breakdown), the numerator and the denominator of a ratio (each a data element, and a DHIS2 indicator
  divides them), a yes/no (BOOLEAN) apart from its document reference (TEXT).
- value types follow the field type (count → INTEGER_ZERO_OR_POSITIVE; money, number and percent → NUMBER, since
  DHIS2's PERCENTAGE takes whole numbers only, dhis2-docs user/configure-metadata.md "Value types"; yes/no → BOOLEAN;
  text and list → TEXT; date → DATE); aggregation types follow the form's rule (sum and the parts of a ratio → SUM;
  stock → LAST, "last value, sum in organisation unit hierarchy"; pick → AVERAGE; yes/no → SUM, which counts the
  yes answers; text and dates → NONE), as dhis2-docs user/configure-metadata.md lists them.
- the budget table: one data element per money column, disaggregated by the budget sources.
- each period kind has its own data set (a data set has one period type) and, through its `suffix`, its own data
  elements: the half-year report and the year's are both cumulative, and DHIS2 would add 2026S1 to 2026.
UIDs are derived from the codes (uids.py), so a re-export gives the same identifiers; dhis2.yaml `uids` replaces
any of them with a server's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import FormError
from ..form.definition import Field, Indicator
from ..form.project import Project
from ..periods import Period
from ..text import ascii_slug
from .config import Config, FieldConf, Named, load_config
from .uids import derived_uid

NAME_MAX, SHORT_NAME_MAX = 230, 50  # DHIS2's limits (dhis2-docs, "Data Element CSV Format")
VALUE_TYPE = {"count": "INTEGER_ZERO_OR_POSITIVE", "money": "NUMBER", "number": "NUMBER", "percent": "NUMBER",
              "yesno": "BOOLEAN", "text": "TEXT", "list": "TEXT", "date": "DATE"}
NUMERIC_VALUE_TYPES = {"INTEGER", "INTEGER_POSITIVE", "INTEGER_NEGATIVE", "INTEGER_ZERO_OR_POSITIVE", "NUMBER",
                       "PERCENTAGE", "UNIT_INTERVAL"}
PERCENT = 100.0  # a ratio without a form `scale` is a percentage (as aggregation.combine computes it)


@dataclass(frozen=True)
class Obj:
    """A metadata object the package defines: its code, UID and names in both languages."""

    code: str
    uid: str
    name: str
    name_en: str


@dataclass(frozen=True)
class Category:
    """A category with its options, its one-category combination, and one option combo per option."""

    key: str
    obj: Obj
    options: dict[str, Obj]        # by form field id (sex: M, F) or list value (budget sources)
    combo: Obj                     # the category combination
    option_combos: dict[str, Obj]  # by the same keys as options
    total: str | None              # the form field the options add up to


@dataclass(frozen=True)
class Element:
    """A data element: the form fields it carries, as option combos of its category or as its only value."""

    obj: Obj
    short_name: str
    form_name: str
    form_name_en: str
    value_type: str
    aggregation_type: str
    kind: str
    indicator: str
    category: Category | None
    fields: tuple[str, ...]
    total: str | None = None       # the form field DHIS2's total of this element stands for (not sent itself)


@dataclass(frozen=True)
class Slot:
    """Where one form value goes: a data element and its option combo (None: the default combo)."""

    element: Element
    combo: Obj | None


@dataclass(frozen=True)
class Ratio:
    """A DHIS2 indicator: numerator / denominator × factor, with `#{uid}` or `#{uid.combo}` operands."""

    obj: Obj
    short_name: str
    kind: str
    indicator: str
    numerator: str
    denominator: str
    numerator_text: str
    denominator_text: str
    factor: float


@dataclass(frozen=True)
class DataSet:
    """The data set of one period kind."""

    obj: Obj
    kind: str
    period_type: str
    elements: tuple[str, ...]      # element codes


@dataclass(frozen=True)
class OrgUnit:
    """A unit as the server knows it; `derived` when dhis2.yaml does not name it (the package then creates it)."""

    unit: str
    uid: str | None    # None: dhis2.yaml names the unit by its code only (org_unit_id_scheme CODE)
    code: str | None
    derived: bool


@dataclass
class Mapping:
    """Everything the metadata package, the payload and the checker share."""

    config: Config
    namespace: str
    categories: dict[str, Category] = field(default_factory=dict)           # the disaggregations of dhis2.yaml
    budget: Category | None = None                                          # the budget sources
    elements: dict[str, Element] = field(default_factory=dict)               # by code
    slots: dict[tuple[str, str], Slot] = field(default_factory=dict)        # (period kind, value key) → slot
    absorbed: dict[tuple[str, str], Element] = field(default_factory=dict)  # totals not sent → their element
    ratios: list[Ratio] = field(default_factory=list)
    indicator_types: dict[float, Obj] = field(default_factory=dict)
    data_sets: dict[str, DataSet] = field(default_factory=dict)
    org_units: dict[str, OrgUnit] = field(default_factory=dict)

    def period(self, period: Period) -> str:
        """The period in DHIS2 notation."""
        return self.config.periods[period.kind].notation.format(year=period.year)

    def ident(self, obj: Obj) -> str:
        """How the payload names a data element, option combo or data set under the id scheme."""
        return obj.code if self.config.id_scheme == "CODE" else obj.uid

    def org_unit_ident(self, unit: str) -> str | None:
        """How the payload names a unit's org unit under the org unit id scheme (None: not mapped)."""
        ou = self.org_units.get(unit)
        if ou is None:
            return None
        return ou.code if self.config.org_unit_id_scheme == "CODE" else ou.uid


def budget_key(code: str, source: str, column: str) -> str:
    """The value key of a budget cell (indicator keys are `CODE` or `CODE.FIELD`)."""
    return f"{code}|{source}|{column}"


class _Builder:
    def __init__(self, project: Project, config: Config) -> None:
        self.project, self.config, self.p = project, config, config.prefix
        self.m = Mapping(config=config, namespace=str(project.config.get("province", {}).get("code")
                                                      or project.registry.root))

    def obj(self, kind: str, code: str, name: str, name_en: str) -> Obj:
        full = f"{self.p}{code}"
        uid = self.config.uids.get(full) or derived_uid(self.m.namespace, kind, full)
        return Obj(full, uid, name[:NAME_MAX], name_en[:NAME_MAX])

    def category(self, key: str, named: Named, options: dict[str, Named], total: str | None) -> Category:
        opts = {k: self.obj("categoryOption", o.code, o.name, o.name_en) for k, o in options.items()}
        return Category(key, self.obj("category", named.code, named.name, named.name_en), opts,
                        self.obj("categoryCombo", named.code, named.name, named.name_en),
                        {k: self.obj("categoryOptionCombo", o.code, o.name, o.name_en) for k, o in options.items()},
                        total)

    def build(self) -> Mapping:
        form, c = self.project.form, self.config
        for cat in c.categories:
            self.m.categories[cat.key] = self.category(cat.key, cat.named, cat.options, cat.total)
        budget_list = form.lists[form.budget.rows_list]
        sources = {v: Named(f"{c.budget_category.code}_{ascii_slug(v, '_').upper()}", v, en)
                   for v, en in zip(budget_list.values, budget_list.values_en, strict=True)}
        budget_cat = self.m.budget = self.category("budget", c.budget_category, sources, None)
        for kind, pk in c.periods.items():
            codes: list[str] = []
            for ind in form.indicators:
                if kind in ind.periods:
                    codes += self.indicator(ind, kind, pk.suffix)
            for col in form.budget.columns:
                el = self.element(f"{form.budget.code}_{col.id.upper()}{pk.suffix}", kind, form.budget.code,
                                  (form.budget.label, form.budget.label_en), (col.label, col.label_en),
                                  VALUE_TYPE[col.type], "SUM", budget_cat, tuple(budget_list.values))
                codes.append(el.obj.code)
                for v in budget_list.values:
                    slot = Slot(el, budget_cat.option_combos[v])
                    self.m.slots[(kind, budget_key(form.budget.code, v, col.id))] = slot
            label = self.project.config.get("periods", {}).get(kind, {})
            self.m.data_sets[kind] = DataSet(
                self.obj("dataSet", f"{c.data_set.code}{pk.suffix}", f"{c.data_set.name} ({label.get('label', kind)})",
                         f"{c.data_set.name_en} ({label.get('label_en', kind)})"), kind, pk.period_type, tuple(codes))
        self.org_units()
        return self.m

    def element(self, code: str, kind: str, indicator: str, head: tuple[str, str], part: tuple[str, str] | None,
                value_type: str, aggregation: str, category: Category | None, fields: tuple[str, ...],
                total: str | None = None) -> Element:
        label = f"{head[0]} – {part[0]}" if part else head[0]
        label_en = f"{head[1]} – {part[1]}" if part else head[1]
        short = code
        period = self.project.config.get("periods", {}).get(kind, {})
        suffix = (f" ({period.get('label', kind)})", f" ({period.get('label_en', kind)})") \
            if self.config.periods[kind].suffix else ("", "")
        el = Element(self.obj("dataElement", code, f"{short} {label}{suffix[0]}", f"{short} {label_en}{suffix[1]}"),
                     f"{short} {label}"[:SHORT_NAME_MAX], label[:NAME_MAX], label_en[:NAME_MAX], value_type,
                     aggregation, kind, indicator, category, fields, total)
        if el.obj.code in self.m.elements:
            raise FormError(f"dhis2.yaml: two data elements would have the code {el.obj.code} (indicator "
                            f"{indicator}): give one another `element` under fields")
        self.m.elements[el.obj.code] = el
        return el

    def groups(self, ind: Indicator) -> list[tuple[str, Category | None, list[Field], str | None]]:
        """(key, category, fields, absorbed total) of each data element of an indicator, by the fields' shape."""
        fields = [f for f in ind.fields if self.config.fields.get(ind.key(f.id), FieldConf()).send]
        ids = {f.id for f in fields}
        used: set[str] = set()
        out: list[tuple[str, Category | None, list[Field], str | None]] = []
        for cat in self.m.categories.values():
            if not set(cat.options) <= ids - used:
                continue
            members = [f for f in fields if f.id in cat.options]
            if len({f.type for f in members}) != 1 or members[0].type not in ("count", "money", "number"):
                continue  # one data element has one value type
            total = cat.total if cat.total in ids and any(
                ch.rule == "sum_eq" and set(ch.params.get("parts", ())) == set(cat.options)
                and ch.params.get("total") == cat.total for ch in ind.checks) else None
            out.append((total or "".join(cat.options), cat, members, total))
            used |= set(cat.options) | ({total} if total else set())
        out += [(f.id, None, [f], None) for f in fields if f.id not in used]
        return out

    def indicator(self, ind: Indicator, kind: str, suffix: str) -> list[str]:
        """Map one indicator for one period kind; return the codes of its data elements."""
        groups = self.groups(ind)
        codes = []
        for key, cat, members, total in groups:
            base = ind.code if len(groups) == 1 else f"{ind.code}_{key}"
            over = next((self.config.fields[ind.key(f.id)] for f in members if ind.key(f.id) in self.config.fields
                         and self.config.fields[ind.key(f.id)].element), None)
            lead = ind.field(total) if total else members[0]
            part = None if len(groups) == 1 else (lead.label, lead.label_en)
            vt = next((self.config.fields[ind.key(f.id)].value_type for f in members
                       if ind.key(f.id) in self.config.fields and self.config.fields[ind.key(f.id)].value_type),
                      None) or VALUE_TYPE[members[0].type]
            el = self.element(f"{over.element if over else base}{suffix}", kind, ind.code, (ind.label, ind.label_en),
                              part, vt, _aggregation(ind, members[0], vt), cat, tuple(f.id for f in members), total)
            codes.append(el.obj.code)
            for f in members:
                self.m.slots[(kind, ind.key(f.id))] = Slot(el, cat.option_combos[f.id] if cat else None)
            if total:
                self.m.absorbed[(kind, ind.key(total))] = el
        self.ratios(ind, kind, suffix)
        return codes

    def operand(self, ind: Indicator, kind: str, fid: str) -> str | None:
        slot = self.m.slots.get((kind, ind.key(fid)))
        if slot is not None:
            return f"#{{{slot.element.obj.uid}.{slot.combo.uid}}}" if slot.combo else f"#{{{slot.element.obj.uid}}}"
        whole = self.m.absorbed.get((kind, ind.key(fid)))
        return f"#{{{whole.obj.uid}}}" if whole else None

    def indicator_type(self, factor: float) -> Obj:
        if factor not in self.m.indicator_types:
            text = f"{factor:g}"
            t = self.config.indicator_type
            self.m.indicator_types[factor] = self.obj("indicatorType", t.code.format(factor=text),
                                                      t.name.format(factor=text), t.name_en.format(factor=text))
        return self.m.indicator_types[factor]

    def ratios(self, ind: Indicator, kind: str, suffix: str) -> None:
        """A DHIS2 indicator for the form's ratio, and one per yes/no field (the share of units answering yes)."""
        if ind.agg == "ratio" and ind.numerator and ind.denominator:
            num, den = self.operand(ind, kind, ind.numerator), self.operand(ind, kind, ind.denominator)
            if num and den:
                factor = ind.scale if ind.scale is not None else PERCENT
                self.indicator_type(factor)
                n, d = ind.field(ind.numerator), ind.field(ind.denominator)
                self.m.ratios.append(Ratio(self.obj("indicator", f"{ind.code}{suffix}", f"{ind.code}{suffix} "
                                                    f"{ind.label}", f"{ind.code}{suffix} {ind.label_en}"),
                                           f"{ind.code}{suffix} {ind.label}"[:SHORT_NAME_MAX], kind, ind.code, num,
                                           den, n.label, d.label, factor))
        share = self.config.share_suffix
        for f in ind.fields:
            slot = self.m.slots.get((kind, ind.key(f.id)))
            if slot is None or slot.element.value_type != "BOOLEAN":
                continue
            el = slot.element
            code = el.obj.code[len(self.config.prefix):] + "_SHARE"
            self.indicator_type(PERCENT)
            self.m.ratios.append(Ratio(self.obj("indicator", code, f"{code} {el.form_name} – {share.name}",
                                                f"{code} {el.form_name_en} – {share.name_en}"),
                                       f"{code} {el.form_name}"[:SHORT_NAME_MAX], kind, ind.code,
                                       f"#{{{el.obj.uid}}}", f"#{{{el.obj.uid}}}.aggregationType(COUNT)",
                                       f.label, f.label, PERCENT))

    def org_units(self) -> None:
        for unit in self.project.registry.units.values():
            conf = self.config.org_units.get(unit.code)
            if conf is None:
                uid: str | None = derived_uid(self.m.namespace, "organisationUnit", unit.code)
                self.m.org_units[unit.code] = OrgUnit(unit.code, uid, None, derived=True)
            else:
                self.m.org_units[unit.code] = OrgUnit(unit.code, conf.uid, conf.code, derived=False)


def _aggregation(ind: Indicator, f: Field, value_type: str) -> str:
    rule = ind.field_agg(f)
    if value_type not in NUMERIC_VALUE_TYPES | {"BOOLEAN", "TRUE_ONLY"} or rule is None:
        return "NONE"
    if rule == "share":
        return "SUM"
    if rule == "pick":
        return "AVERAGE"
    if rule == "stock":
        return "LAST"
    return "SUM"


def build_mapping(project: Project, config: Config | None = None) -> Mapping:
    """The mapping of a project (dhis2.yaml read from its schemas folder unless `config` is given)."""
    config = config or load_config(project)
    mapping = _Builder(project, config).build()
    known = {o.code for o in _objects(mapping)}
    unknown = sorted(set(config.uids) - known)
    if unknown:
        raise FormError(f"dhis2.yaml: uids names codes the package does not have: {', '.join(unknown[:8])}")
    return mapping


def _objects(m: Mapping) -> list[Obj]:
    objs = [e.obj for e in m.elements.values()] + [r.obj for r in m.ratios] + list(m.indicator_types.values())
    objs += [d.obj for d in m.data_sets.values()]
    for cat in [*m.categories.values(), *([m.budget] if m.budget else [])]:
        objs += [cat.obj, cat.combo, *cat.options.values(), *cat.option_combos.values()]
    return objs
