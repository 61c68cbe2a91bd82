"""The tree reads like the pipeline: stage packages import only earlier stages and the shared nouns, there is no
import cycle (lazy imports included), every stage says what it takes and returns, and the package's face is short."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

from support.imports import STAGES, backward_imports, cycles, graph, stage_of

import xl_bdg

PACKAGE = Path(xl_bdg.__file__).resolve().parent


def test_no_import_cycle_and_no_backward_import() -> None:
    g = graph(PACKAGE)
    assert cycles(g) == []
    assert backward_imports(g) == []


def test_a_planted_cycle_and_a_backward_import_are_caught(tmp_path: Path) -> None:
    copy = tmp_path / "xl_bdg"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.yaml"))
    layout = copy / "form" / "layout.py"
    # A lazy import inside a function counts as much as one at the top of the module.
    layout.write_text(layout.read_text(encoding="utf-8")
                      + "\n\ndef _planted() -> None:\n    from ..report.build import build_context  # noqa\n",
                      encoding="utf-8")
    definition = copy / "form" / "definition.py"
    definition.write_text(definition.read_text(encoding="utf-8") + "\nfrom .layout import ref  # noqa\n",
                          encoding="utf-8")
    g = graph(copy)
    assert any("xl_bdg.form.layout (form) -> xl_bdg.report.build (report)" in b for b in backward_imports(g))
    assert any({"xl_bdg.form.definition", "xl_bdg.form.layout"} <= set(c) for c in cycles(g))


def test_every_module_belongs_to_a_stage_or_is_a_shared_noun() -> None:
    core = sorted(m for m in graph(PACKAGE) if stage_of(m) == "core")
    # The nouns passed between stages and the helpers every stage uses: a short list, on purpose.
    assert core == ["xl_bdg.catalogue", "xl_bdg.clock", "xl_bdg.dataset", "xl_bdg.errors", "xl_bdg.fileio",
                    "xl_bdg.findings", "xl_bdg.periods", "xl_bdg.resources", "xl_bdg.sanitize", "xl_bdg.submission",
                    "xl_bdg.templating", "xl_bdg.text", "xl_bdg.version"]
    stages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert stages == set(STAGES) - {"core"}


def test_each_stage_says_what_it_takes_and_returns_and_re_exports_its_names() -> None:
    for stage in STAGES:
        if stage in ("core", "cli"):
            continue
        tree = ast.parse((PACKAGE / stage / "__init__.py").read_text(encoding="utf-8"))
        doc = ast.get_docstring(tree) or ""
        assert len(doc) > 200 and ("Takes" in doc or "takes" in doc), stage
        names = next(node.value for node in tree.body if isinstance(node, ast.Assign)
                     and any(getattr(t, "id", None) == "__all__" for t in node.targets))
        assert isinstance(names, ast.List) and names.elts, stage


def test_the_face_names_the_api_and_imports_nothing_heavy() -> None:
    assert {"load_project", "write_template", "validate_paths", "intake", "aggregate", "write_report"} \
        <= set(xl_bdg.__all__)
    for name in xl_bdg.__all__:
        assert getattr(xl_bdg, name) is not None, name
    # A fresh interpreter: importing the package (as the command line does first) loads no stage.
    code = "import sys, xl_bdg; print(sorted(m for m in sys.modules if m.startswith('xl_bdg')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['xl_bdg', 'xl_bdg.version']"
