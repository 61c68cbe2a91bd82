"""One home for every word: the catalogue's files are complete in both languages, every key the code asks for
exists, no Vietnamese text is left in the package's Python code, and a status has one word everywhere."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

import xl_bdg
from xl_bdg.catalogue import LANGS, Words, words, words_folders
from xl_bdg.errors import FormError
from xl_bdg.report.build import SHARED_WORDS, load_labels
from xl_bdg.templating import TEMPLATES_DIR

PACKAGE = Path(xl_bdg.__file__).resolve().parent
VI_LETTERS = "àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ"
# A word: two letters in a row, one of them Vietnamese (a lone "đ" in a transliteration table is not a word).
VI_WORD = re.compile(rf"(?i)(?:[{VI_LETTERS}]\w|\w[{VI_LETTERS}])")
KEY = re.compile(r"^[a-z_]+(\.[A-Za-z0-9_]+)+$")


def _literals(path: Path) -> list[tuple[int, str]]:
    """String constants of a module that are not docstrings (a docstring is a statement made of a string alone)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)}
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs]


def test_no_vietnamese_text_in_the_package_code() -> None:
    found = [f"{path.relative_to(PACKAGE)}:{line}: {text[:60]!r}" for path in sorted(PACKAGE.rglob("*.py"))
             for line, text in _literals(path) if VI_WORD.search(text)]
    assert found == []


def test_the_check_finds_a_planted_literal(tmp_path: Path) -> None:
    planted = tmp_path / "m.py"
    planted.write_text('"""Docstrings may say Chưa gửi."""\nSTATUS = "Chưa gửi"\nMAP = {"đ": "d"}\n', encoding="utf-8")
    assert [t for _, t in _literals(planted) if VI_WORD.search(t)] == ["Chưa gửi"]


def _keys_asked(path: Path) -> list[tuple[int, str]]:
    """Literal keys passed to a Words object: w("a.b"), W("a.b"), words(lang)("a.b"), w.section("a"), w.node("a")."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        arg, fn = node.args[0], node.func
        asks = (isinstance(fn, ast.Name) and fn.id in ("w", "W")) or \
            (isinstance(fn, ast.Call) and isinstance(fn.func, ast.Name) and fn.func.id == "words") or \
            (isinstance(fn, ast.Attribute) and fn.attr in ("section", "node"))
        if asks and isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            out.append((node.lineno, arg.value))
    return out


@pytest.mark.parametrize("lang", LANGS)
def test_every_key_the_code_asks_for_exists(lang: str) -> None:
    w = words(lang)
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for line, key in _keys_asked(path):
            try:
                w.node(key)
            except KeyError:
                missing.append(f"{path.relative_to(PACKAGE)}:{line}: {key}")
    assert missing == []
    assert len([k for p in PACKAGE.rglob("*.py") for k in _keys_asked(p)]) > 60  # the scan sees the calls


def test_both_languages_have_the_same_keys_and_a_broken_file_is_named(tmp_path: Path) -> None:
    folder = words_folders()[0]
    files = sorted(folder.glob("*.yaml"))
    assert {p.stem for p in files} >= {"status", "cli", "page", "marks", "excel", "addin", "types"}
    for path in files:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert set(raw) == set(LANGS), path.name
    custom = tmp_path / "schemas"
    (custom / "words").mkdir(parents=True)
    (custom / "words" / "status.yaml").write_text('vi: {missing: "Chưa nộp"}\nen: {}\n', encoding="utf-8")
    with pytest.raises(FormError, match=r"words/status.yaml: 'vi' and 'en' must have the same keys"):
        words("vi", custom)


def test_a_province_may_reword_a_section(tmp_path: Path) -> None:
    custom = tmp_path / "schemas"
    (custom / "words").mkdir(parents=True)
    base = yaml.safe_load((words_folders()[0] / "status.yaml").read_text(encoding="utf-8"))
    base["vi"]["missing"] = "Chưa nộp báo cáo"
    (custom / "words" / "status.yaml").write_text(yaml.safe_dump(base, allow_unicode=True), encoding="utf-8")
    assert words("vi", custom)("status.missing") == "Chưa nộp báo cáo"
    assert words("vi", custom)("cli.error") == words("vi")("cli.error")  # other sections stay the project's


def test_a_missing_key_says_which() -> None:
    with pytest.raises(KeyError, match=r"vi.status.nothing"):
        words("vi")("status.nothing")
    assert isinstance(words("en"), Words)


@pytest.mark.parametrize("lang", LANGS)
def test_one_word_per_status_in_the_terminal_the_report_and_the_page(lang: str) -> None:
    from xl_bdg.validation.page import VERDICT_STATUS, page_words

    labels, w = load_labels(lang), words(lang)
    own = yaml.safe_load((TEMPLATES_DIR / "labels.yaml").read_text(encoding="utf-8"))[lang]
    assert not set(own) & set(SHARED_WORDS)  # the report's labels do not define the shared words again
    assert not set(own) & set(w.tree)  # nor any other section of the tool's words
    for name in SHARED_WORDS:
        assert labels[name] == w.section(name)
    page = page_words(lang)
    assert {page[v] for v in VERDICT_STATUS} == {w(f"status.{s}") for s in VERDICT_STATUS.values()}
