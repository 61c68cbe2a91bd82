"""Every word xl-bdg shows a person, read from data files, in Vietnamese or English.

Two catalogues, one home each:
- `schemas/messages.yaml`: the texts of each finding code (title and message, both languages);
- `schemas/words/<section>.yaml`: every other word of the tool, one file per section (`status.yaml`, `cli.yaml`,
  `page.yaml`, …), each with `vi:` and `en:` holding the same keys. `words("status.missing")` is the entry
  `missing` of status.yaml in the language asked for. A province may translate or reword any section by putting a
  file of the same name in its own schemas folder's `words/`.

The report's own headings live with its templates (`report_templates/labels.yaml`); `report.build` merges the
shared sections (status, timeliness, kinds of unit) from here, so a status has one word in the terminal, the report,
the letters and the annex. Python code holds no Vietnamese text: a test reads the package and fails on any.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .errors import FormError
from .resources import data_dir
from .text import nfc

LANGS = ("vi", "en")
SEVERITIES = ("error", "warning", "info")
#: The default words and messages (the project's own schemas/, or the copy inside an installed wheel).
DEFAULT_DIR = data_dir("schemas")


@dataclass(frozen=True)
class Message:
    """Texts of one finding code."""

    code: str
    severity: str
    title: dict[str, str]
    message: dict[str, str]


def _norm(value: Any) -> Any:
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, list):
        return [_norm(v) for v in value]
    if isinstance(value, dict):
        return {_norm(k): _norm(v) for k, v in value.items()}
    return value


#: PyYAML's C loader (libyaml) when the wheel has it: the same safe subset, about 6× faster than the pure-Python
#: one (a 4,000-unit registry loads in 0.2 s instead of 1.3 s, in every process and worker).
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """`yaml.safe_load` of `text` with the C loader when PyYAML has it; yaml.YAMLError when it is not YAML."""
    return yaml.load(text, Loader=_LOADER)  # a SafeLoader (C or Python), never the full loader


def read_yaml(path: Path) -> Any:
    """A YAML file as NFC data (the C loader when PyYAML has it); FormError naming the file when unreadable."""
    try:
        with path.open(encoding="utf-8") as fh:
            return _norm(yaml.load(fh, Loader=_LOADER))
    except FileNotFoundError as exc:
        raise FormError(f"{path.name}: file not found at {path}") from exc
    except yaml.YAMLError as exc:
        raise FormError(f"{path.name}: not valid YAML: {exc}") from exc


def parse_messages(raw: Any, where: str = "messages.yaml") -> dict[str, Message]:
    """Check and build the finding catalogue; FormError names the bad entry."""
    out: dict[str, Message] = {}
    for code, entry in (raw or {}).items():
        here = f"{where}: {code}"
        if not isinstance(entry, dict):
            raise FormError(f"{here}: expected a mapping")
        sev, title, message = entry.get("severity"), entry.get("title"), entry.get("message")
        if sev not in SEVERITIES:
            raise FormError(f"{here}: unknown severity '{sev}'")
        if not isinstance(title, dict) or not isinstance(message, dict) \
                or any(lang not in title or lang not in message for lang in LANGS):
            raise FormError(f"{here}: title and message need both 'vi' and 'en'")
        out[str(code)] = Message(code=str(code), severity=sev, title=title, message=message)
    return out


class Words:
    """The words of one language: `words("status.missing")`, `words("cli.no_ledger", path=p)`."""

    def __init__(self, files: _Files, lang: str) -> None:
        self.files = files
        self.lang = lang

    @property
    def tree(self) -> dict[str, Any]:
        """Every section of this language (each file read)."""
        return {name: self.files.get(name)[self.lang] for name in self.files.paths}

    def node(self, key: str) -> Any:
        """The entry at a dotted key (a text, a list or a section); KeyError names the key when missing."""
        first, *rest = key.split(".")
        if first not in self.files.paths:
            raise KeyError(f"schemas/words: {self.lang}.{key} is missing")
        node: Any = self.files.get(first)[self.lang]
        for part in rest:
            if not isinstance(node, dict) or part not in node:
                raise KeyError(f"schemas/words: {self.lang}.{key} is missing")
            node = node[part]
        return node

    def __call__(self, key: str, /, **params: Any) -> str:
        """The text at `key`, with `{name}` placeholders filled from `params`."""
        text = self.node(key)
        if not isinstance(text, str):
            raise KeyError(f"schemas/words: {self.lang}.{key} is not a text")
        return text.format(**params) if params else text

    def section(self, key: str) -> dict[str, Any]:
        """A whole section as a dict (e.g. every status word by status id)."""
        node = self.node(key)
        if not isinstance(node, dict):
            raise KeyError(f"schemas/words: {self.lang}.{key} is not a section")
        return node


def _paths(tree: Any, prefix: str = "") -> set[str]:
    if not isinstance(tree, dict):
        return {prefix}
    return {p for k, v in tree.items() for p in _paths(v, f"{prefix}.{k}" if prefix else str(k))}


def _section(path: Path) -> dict[str, dict[str, Any]]:
    raw = read_yaml(path) or {}
    for lang in LANGS:
        if not isinstance(raw.get(lang), dict):
            raise FormError(f"words/{path.name}: needs a section '{lang}'")
    only = _paths(raw["vi"]) ^ _paths(raw["en"])
    if only:
        raise FormError(f"words/{path.name}: 'vi' and 'en' must have the same keys; in one only: {sorted(only)[:5]}")
    return raw


class _Files:
    """The words files in force, {section: path}, each read and checked the first time one of its words is asked
    for: `xl-bdg --help` needs the cli section only, and reading all of them was a tenth of its time."""

    def __init__(self, paths: dict[str, Path]) -> None:
        self.paths = paths
        self._read: dict[str, dict[str, Any]] = {}

    def get(self, name: str) -> dict[str, Any]:
        """{lang: entries} of section `name` (FormError naming the file when it is broken)."""
        if name not in self._read:
            self._read[name] = _section(self.paths[name])
        return self._read[name]


@lru_cache(maxsize=8)
def _load(folders: tuple[Path, ...]) -> _Files:
    """The words files of `folders` (a later folder's file replaces an earlier one's). A province's own files are
    read and checked now, so that a broken one is named when its words are loaded; the project's own (checked by
    its tests) when first used."""
    paths: dict[str, Path] = {}
    for folder in folders:
        for path in sorted(folder.glob("*.yaml")):
            paths[path.stem] = path
    files = _Files(paths)
    for name, path in paths.items():
        if path.parent != folders[0]:
            files.get(name)
    return files


def words_folders(schemas_dir: Path | None = None) -> tuple[Path, ...]:
    """The words folders in force: the project's own, then the schemas folder's `words/` when it has one."""
    folders = [(DEFAULT_DIR / "words").resolve()]
    if schemas_dir is not None and (schemas_dir / "words").is_dir():
        custom = (schemas_dir / "words").resolve()
        if custom not in folders:
            folders.append(custom)
    return tuple(folders)


def words(lang: str = "vi", schemas_dir: Path | None = None) -> Words:
    """The words of `lang` ('vi' or 'en')."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
    return Words(_load(words_folders(schemas_dir)), lang)


def env_lang(default: str = "vi") -> str:
    """The language asked for by $XL_BDG_LANG ('vi' or 'en'), else `default`."""
    lang = os.environ.get("XL_BDG_LANG", default).strip().lower()
    return lang if lang in LANGS else default
