"""Rendering a context dataclass into HTML (the shared jinja2 environment) and Word (docxtpl), and choosing the
template of a document in a language.
"""

from __future__ import annotations

import base64
from dataclasses import fields
from pathlib import Path
from typing import Any

from ..fileio import atomic_path
from ..templating import docx_environment, environment
from ..templating import templates_dir as _templates

#: Charts drawn narrower than the text in Word (mm): a few bars need no full width.
NARROW_CHARTS = {"status": 105.0, "budget": 140.0}


def context_dict(ctx: Any) -> dict[str, Any]:
    """The top-level fields of a context dataclass as a dict (nested dataclasses kept as objects)."""
    return {f.name: getattr(ctx, f.name) for f in fields(ctx)}


def render_html(ctx: Any, template: str, templates_dir: Path | None = None) -> str:
    """Render an HTML template with a context dataclass."""
    return environment(templates_dir).get_template(template).render(**context_dict(ctx))


def write_html(ctx: Any, template: str, target: Path, templates_dir: Path | None = None) -> Path:
    """`render_html` written into `target` (atomically) as the template yields it: a 4,000-unit report is 11 MB of
    HTML, held three times over (the pieces, the text, its UTF-8 bytes) when rendered whole (issue 16)."""
    pieces = environment(templates_dir).get_template(template).generate(**context_dict(ctx))
    with atomic_path(target) as tmp, tmp.open("w", encoding="utf-8", newline="") as fh:
        fh.writelines(pieces)
    return target


def render_docx(ctx: Any, template: str, out: Path, templates_dir: Path | None = None,
                images: dict[str, Path] | None = None, image_width_mm: float = 160,
                streamed: tuple[str, ...] = ()) -> Path:
    """Render a Word template (docxtpl) with a context dataclass into `out`, atomically; `images` become charts.

    A chart is as wide as the text (`image_width_mm`), except small ones listed in NARROW_CHARTS. `streamed` names
    the long lists of the context (dotted paths, see docx_stream.py) rendered once and written row by row; a
    template that does more with them than print their fields is rendered the plain way, with the same result.
    """
    from docx.shared import Mm

    from .docx_body import template_class
    from .docx_stream import Streams, Unstreamable

    path = str(_templates(templates_dir) / template)

    def rendered(streams: Streams | None) -> Any:
        from docxtpl import InlineImage

        tpl = template_class()(path)
        data = context_dict(ctx)
        if images is not None:
            data["charts"] = {key: InlineImage(tpl, str(p), width=Mm(NARROW_CHARTS.get(key, image_width_mm)))
                              for key, p in images.items()}
        env = docx_environment()
        if streams is not None:
            data = streams.swap(data, streamed)
        tpl.render(data, jinja_env=env, autoescape=True)
        if streams is not None:
            streams.collect(tpl)
        return tpl

    streams: Streams | None = Streams(docx_environment().finalize or str) if streamed else None
    try:
        tpl = rendered(streams)
    except Unstreamable:
        streams = None
        tpl = rendered(None)
    with atomic_path(out) as tmp:
        tpl.save(str(tmp))
        if streams is not None:
            streams.expand(Path(tmp))
    return out


def template_names(stem: str, lang: str, templates_dir: Path | None = None) -> tuple[str, str]:
    """(HTML, Word) template file names of a document in a language: a language's own template when there is one
    (`report.en.docx`), else the common one, which takes its words from labels.yaml."""
    base = _templates(templates_dir)
    names = []
    for ext in ("html.j2", "docx"):
        own = f"{stem}.{lang}.{ext}"
        names.append(own if lang != "vi" and (base / own).exists() else f"{stem}.{ext}")
    return names[0], names[1]


#: Documents whose common template takes every word from labels.yaml, so it writes any language labels.yaml has.
LANGUAGE_NEUTRAL = frozenset({"report", "letter"})


def template_language(stem: str, lang: str, templates_dir: Path | None = None) -> str:
    """The language a document is written in: `lang` for a language-neutral document, or when both templates of
    the document exist in `lang`; else Vietnamese (the documents' own language), so no document mixes two."""
    if stem in LANGUAGE_NEUTRAL:
        return lang
    base = _templates(templates_dir)
    own = [f"{stem}.{lang}.html.j2", f"{stem}.{lang}.docx"]
    return lang if lang == "vi" or all((base / name).exists() for name in own) else "vi"


def png_data_uri(path: Path) -> str:
    """A PNG file as a data: URI, so the HTML report is one self-contained file."""
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")
