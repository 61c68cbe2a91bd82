"""The package's import graph, read from its source with ast: every import, at module level or inside a function,
resolved to the module it names. Used by tests/test_architecture.py to keep the stages flowing one way."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

#: Stage packages in pipeline order; a stage may import the shared nouns at the top ("core") and earlier stages.
STAGES = ("core", "form", "workbook", "reading", "validation", "ledger", "aggregation", "exchange", "report", "excel",
          "sample", "portal", "cli")
#: Stages at the same place in the flow: neither may import the other (excel and sample both sit on the report).
PEERS = {"excel": STAGES.index("excel"), "sample": STAGES.index("excel")}


def rank(stage: str) -> int:
    """The place of a stage in the flow (the package's face, `xl_bdg/__init__.py`, is above everything)."""
    if stage == "face":
        return len(STAGES) + 1
    return PEERS.get(stage, STAGES.index(stage) + (1 if STAGES.index(stage) > STAGES.index("sample") else 0))


def module_name(root: Path, path: Path) -> str:
    """`xl_bdg.form.layout` for root/form/layout.py (root is the package folder)."""
    parts = [root.name, *path.relative_to(root).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def stage_of(module: str) -> str:
    """The stage a module belongs to: its sub-package, `core` for a top-level module, `face` for the package."""
    parts = module.split(".")
    if len(parts) == 1:
        return "face"
    if parts[1] in STAGES:
        return parts[1]
    return "core"


def _imports(tree: ast.AST, module: str, is_package: bool, modules: set[str]) -> Iterator[tuple[str, int]]:
    package = module if is_package else module.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:  # `from . import styles`: the name is a module, not something of the package
                sub = f"{target}.{alias.name}"
                yield (sub if sub in modules else target), node.lineno
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("xl_bdg."):
            yield node.value, node.lineno  # import_module("xl_bdg.…") in the lazy face


def graph(root: Path) -> dict[str, dict[str, int]]:
    """{module: {imported module of the package: line}} for every module under `root`."""
    files = {module_name(root, p): p for p in sorted(root.rglob("*.py"))}
    out: dict[str, dict[str, int]] = {}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        edges: dict[str, int] = {}
        for target, line in _imports(tree, name, path.name == "__init__.py", set(files)):
            if target in files and target != name:
                edges.setdefault(target, line)
        out[name] = edges
    return out


def backward_imports(g: dict[str, dict[str, int]]) -> list[str]:
    """Imports from a later stage, or between peers: `a (stage) -> b (stage) at line n`."""
    bad = []
    for src, edges in g.items():
        for dst, line in edges.items():
            a, b = stage_of(src), stage_of(dst)
            if a != b and rank(b) >= rank(a):
                bad.append(f"{src} ({a}) -> {dst} ({b}) at line {line}")
    return sorted(bad)


def cycles(g: dict[str, dict[str, int]]) -> list[list[str]]:
    """Every strongly connected group of modules larger than one (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on.add(v)
        for w in g.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return sorted(out)
