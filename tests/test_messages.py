"""Every finding's message renders whole: in both languages, with the placeholders its finding provides, no `{name}`
is left over (a message that shows its raw placeholder tells the clerk nothing).

What a finding provides is read from the code that raises it: each call that names a code as a string (the reader's
`self.add("code", …, key=…)`, `finding(form, "code", …)`, `Finding("code", …, {…})`, a refusal) gives its keyword
names; the checks of the form definition give what `validation.batch` adds for their kind of rule. Every finding
also provides `value`, `sheet` and `cell` (the finding itself).
"""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from xl_bdg.findings import Finding
from xl_bdg.form.project import Project

PACKAGE = Path(__file__).resolve().parent.parent / "xl_bdg"
ALWAYS = {"value", "sheet", "cell"}
POSITIONAL = {"sheet", "cell", "value", "severity", "file", "form", "code", "params"}
#: What `validation.batch._finding` adds to a finding of each kind of rule (besides label, label_en and rule params).
BY_RULE = {"le": {"other", "other_label"}, "date_order": {"other", "other_label"}, "sum_eq": {"expected"},
           "in_period": {"min", "max"}, "in_action_month": {"min", "max"}, "not_after_sent": {"min", "max"},
           "requires": {"other", "other_label"}, "unique": {"other"}}
LEFTOVER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")


def placeholders(text: str) -> set[str]:
    """The `{name}` fields of a message template."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _call_keys(call: ast.Call) -> set[str]:
    """The parameter names a call passes: its keywords and the keys of a dict literal among its arguments."""
    keys = {k.arg for k in call.keywords if k.arg and k.arg not in POSITIONAL}
    if any(k.arg is None for k in call.keywords):  # **params: a range or list check's own parameters
        keys.add("**")
    given = [*call.args, *(k.value for k in call.keywords if k.arg == "params")]
    for arg in given:  # Finding(code, severity, file, sheet, cell, value, {params}); Coerced(…, code, {params})
        if isinstance(arg, ast.Dict):
            keys |= {k.value for k in arg.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    if isinstance(call.func, ast.Name) and call.func.id == "Coerced":
        keys.add("label")  # the reader raises what coercion found, adding the field's label (reader.cell)
    return keys


def provided_by_code(codes: set[str]) -> dict[str, set[str]]:
    """For each code named as a string in the package: the parameter names its call sites pass. A code held in a
    variable (`code = "rows-inserted" if … else "rows-deleted"`) takes the keywords of the calls in the same function
    that pass a variable as the code."""
    out: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        scopes = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))] + [tree]
        for scope in scopes:
            nodes = list(ast.walk(scope))
            named = {n.value for n in nodes if isinstance(n, ast.Constant) and n.value in codes}
            via_variable: set[str] = set()
            for node in nodes:
                if not isinstance(node, ast.Call):
                    continue
                args = [*node.args, *(k.value for k in node.keywords if k.arg == "code")]
                literal = [a.value for a in args if isinstance(a, ast.Constant) and a.value in codes]
                for code in literal:
                    out.setdefault(code, set()).update(_call_keys(node))
                if not literal and any(isinstance(a, (ast.Name, ast.Attribute)) and "code" in ast.unparse(a).lower()
                                       for a in args[:3] + args[len(node.args):]):
                    via_variable |= _call_keys(node)
            for code in named:
                out.setdefault(code, set()).update(via_variable)
    return out


def provided(project: Project) -> dict[str, set[str]]:
    """What each finding code provides, from its call sites and from the form's checks."""
    messages = project.form.messages
    out = provided_by_code(set(messages))
    form = project.form
    checks = [*form.activity_checks, *(c for ind in form.indicators for c in ind.checks), *form.cross_checks]
    for check in checks:
        out.setdefault(check.code, set()).update({"label", "label_en"}, BY_RULE[check.rule])
    # The range, list and applicability checks built in validation/rules.py become findings in batch._finding,
    # which gives every one of them the column's label.
    rules = ast.parse((PACKAGE / "validation" / "rules.py").read_text(encoding="utf-8"))
    for node in ast.walk(rules):
        if isinstance(node, ast.Constant) and node.value in messages:
            out.setdefault(node.value, set()).update({"label", "label_en"})
    # A part that ended before the period: batch._finding adds the day it ended (kind "ended").
    out.setdefault("row-ended", set()).add("until")
    # The DHIS2 exchange's problems become findings in exchange.problem.to_findings, which adds ADDED to each.
    from xl_bdg.exchange.problem import ADDED

    for path in (PACKAGE / "exchange").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in messages:
                out.setdefault(node.value, set()).update(ADDED)
    return out


def _base(names: set[str]) -> set[str]:
    # An English message may ask for `label_en` itself: it is the same field as `label`.
    return {n.removesuffix("_en").removesuffix("_vi") for n in names}


def test_every_message_has_the_same_placeholders_in_both_languages(project: Project) -> None:
    differ = {code: (placeholders(m.message["vi"]), placeholders(m.message["en"]))
              for code, m in project.form.messages.items()
              if _base(placeholders(m.message["vi"])) != _base(placeholders(m.message["en"]))}
    assert differ == {}


def test_every_code_raised_has_a_message_and_every_message_is_raised(project: Project) -> None:
    messages = project.form.messages
    raised = provided(project)
    assert set(messages) - set(raised) == set(), "messages no code raises"
    pattern = re.compile(r"""(?:add|refuse|finding\(\w+(?:\.\w+)?,|Finding\()\(?\s*["']([a-z][a-z0-9-]+)["']""")
    in_code = {m.group(1) for p in PACKAGE.rglob("*.py") for m in pattern.finditer(p.read_text(encoding="utf-8"))}
    assert in_code - set(messages) == set(), "codes raised without a message in schemas/messages.yaml"


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_message_renders_without_a_leftover_placeholder(project: Project, lang: str) -> None:
    messages = project.form.messages
    by_code = provided(project)
    left: dict[str, list[str]] = {}
    for code, msg in messages.items():
        keys = by_code.get(code, set()) - {"**"}
        params = {k: f"<{k}>" for k in keys}
        params.update({f"{k}_en": f"<{k}_en>" for k in keys if not k.endswith(("_en", "_vi"))})
        if "**" in by_code.get(code, set()):
            # A range or list check passes its own parameters: exactly those its message asks for, no more.
            params.update({k: f"<{k}>" for k in placeholders(msg.message[lang]) - ALWAYS - keys})
        title, text = Finding(code, msg.severity, "f.xlsx", "Sheet", "A1", "v", params).render(messages, lang)
        leftover = LEFTOVER.findall(title) + LEFTOVER.findall(text)
        if leftover:
            left[code] = leftover
    assert left == {}


def test_the_hidden_sheet_is_named(project: Project) -> None:
    """The case that was reported: a workbook whose visible sheets were copied into a new file."""
    msg = Finding("meta-missing", "warning", "f.xlsx", "_meta").render(project.form.messages, "vi")[1]
    assert '"_meta"' in msg and "{" not in msg
