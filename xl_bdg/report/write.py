"""Writing the province report: the narrative (.docx and .html), its charts (PNG) and the Excel annex."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from ..dataset import Dataset
from ..form.project import Project
from .annex import write_annex
from .build import build_context, report_config
from .charts import write_charts
from .context import Chart, in_its_language
from .render import png_data_uri, render_docx, template_names, write_html

#: The report's lists that grow with the number of units (appendices 1–3: a row per unit, per document, a paragraph
#: per distinct text), written row by row into the Word file (docx_stream.py).
STREAMED = ("statuses", "documents", "unit_texts.blocks.entries")


@dataclass
class ReportFiles:
    """What `write_report` wrote."""

    docx: Path
    html: Path
    annex: Path
    charts: dict[str, Path]


@in_its_language
def write_report(project: Project, dataset: Dataset, out_dir: Path, lang: str = "vi",
                 templates_dir: Path | None = None, previous: Dataset | None = None) -> ReportFiles:
    """Write the narrative report (.docx and .html), its charts (PNG) and the Excel annex into `out_dir`.

    The templates take every word from labels.yaml, so one template writes both languages; a language may still
    have its own (`report.<lang>.html.j2`, `report.<lang>.docx`). `previous` is last year's dataset of the same
    period kind (history.previous_dataset), for the changes and the target table.
    """
    html_name, docx_name = template_names("report", lang, templates_dir)
    bare = build_context(project, dataset, lang, None, templates_dir, previous)
    chart_files = write_charts(bare, out_dir / "charts", report_config(templates_dir))
    charts = {key: Chart(key, bare.labels["chart"][f"{key}_title"], f"charts/{path.name}", png_data_uri(path))
              for key, path in chart_files.items()}
    ctx = replace(bare, charts=charts)
    stem = f"bao-cao-bdg_{dataset.period}"
    html = out_dir / f"{stem}.html"
    write_html(ctx, html_name, html, templates_dir)
    docx = render_docx(ctx, docx_name, out_dir / f"{stem}.docx", templates_dir, images=chart_files,
                       streamed=STREAMED)
    annex = write_annex(project, dataset, out_dir / f"bieu-tong-hop_{dataset.period}.xlsx", lang=lang,
                        templates_dir=templates_dir, ctx=bare)
    return ReportFiles(docx=docx, html=html, annex=annex, charts=chart_files)
