"""`xl-bdg report | letters | demo`: the province report, the feedback letters, and the whole job on sample data."""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from ..aggregation.combine import aggregate
from ..catalogue import Words
from ..dataset import Dataset
from ..form.project import Project
from ..ledger.store import DEFAULT_NAME, Ledger
from ..periods import Period
from ..text import number
from .common import (
    EXIT_OK,
    LangOpt,
    LedgerOpt,
    OutOpt,
    PeriodOpt,
    QuietOpt,
    SchemasOpt,
    VerboseOpt,
    Voice,
    app,
    check_lang,
    check_voice,
    console,
    fail,
    open_ledger,
    open_project,
    parse_period_or_exit,
    say,
)

#: The season `xl-bdg demo` plays: the year, after the year before (what the report compares with) and its own
#: half-year (the year's cross-checks against it).
DEMO_PERIOD, DEMO_EARLIER = "2026-FY", ("2025-FY", "2026-H1")


def _dataset(schemas: Path | None, period: str, ledger: Path, w: Words) -> tuple[Project, Period, Ledger, Dataset]:
    project = open_project(schemas)
    per = parse_period_or_exit(project, period)
    led = open_ledger(ledger, w, readonly=True)
    return project, per, led, aggregate(project, led, per)


@app.command("report")
def report_command(period: PeriodOpt, ledger: LedgerOpt = Path(DEFAULT_NAME), out: OutOpt = Path("report"),
                   lang: LangOpt = "vi", schemas: SchemasOpt = None, quiet: QuietOpt = False,
                   verbose: VerboseOpt = False) -> None:
    """Viết báo cáo của tỉnh (Word, HTML, biểu Excel, biểu đồ) và thư góp ý / write the province report.

    Ví dụ / example: [bold]xl-bdg report --period 2026-FY --ledger ledger.sqlite --out report/[/]
    """
    from ..report.history import previous_dataset
    from ..report.letters import write_letters  # docxtpl and matplotlib: only the report needs them
    from ..report.write import write_report

    w, voice = check_lang(lang), check_voice(quiet, verbose)
    with _steps(w, voice) as step:
        step("aggregate")
        project, per, led, ds = _dataset(schemas, period, ledger, w)
        with led:
            step("report")
            files = write_report(project, ds, out, lang=w.lang, previous=previous_dataset(project, led, per))
            step("letters")
            letters = write_letters(project, led, ds, out / "letters", lang=w.lang)
    if not voice.quiet:
        say(w("cli.report.done", period=per.code))
        _say_document_language(w, ("report", "letter"))
    for path in (files.docx, files.html, files.annex, *files.charts.values()):
        say(f"  {path}")
    if not voice.quiet:
        say(w("cli.report.letters", n=len(letters) // 2, out=out / "letters"))
    raise typer.Exit(EXIT_OK)


def _say_document_language(w: Words, stems: tuple[str, ...]) -> None:
    """Say so when a document is written in Vietnamese although another language was asked for: the documents go
    to Vietnamese authorities, and a language has them only when report_templates/ holds its templates."""
    from ..report.render import template_language, template_names

    for stem in stems:
        if template_language(stem, w.lang) != w.lang:
            say(w("cli.report.vietnamese_only", document=stem, templates=" + ".join(template_names(stem, w.lang))),
                "yellow")


@contextmanager
def _steps(w: Words, voice: Voice) -> Iterator[Callable[[str], None]]:
    """A spinner naming the step under way (none with --quiet); --verbose prints each step as it ends, timed."""
    started: list[tuple[str, float]] = []

    def done() -> None:
        if voice.verbose and started:
            name, t0 = started[-1]
            say(w("cli.steps.done", step=name, seconds=number(time.perf_counter() - t0, w.lang, 1)))

    if voice.quiet:
        yield lambda name: None
        return
    with console.status(w("cli.steps.running", step="…")) as spin:
        def step(key: str) -> None:
            done()
            name = w(f"cli.steps.{key}")
            started.append((name, time.perf_counter()))
            spin.update(w("cli.steps.running", step=name))

        yield step
        done()


@app.command("letters")
def letters_command(period: PeriodOpt, ledger: LedgerOpt = Path(DEFAULT_NAME), out: OutOpt = Path("letters"),
                    lang: LangOpt = "vi", schemas: SchemasOpt = None, quiet: QuietOpt = False,
                    verbose: VerboseOpt = False) -> None:
    """Viết thư đề nghị sửa cho đơn vị có báo cáo còn lỗi / write feedback letters to units whose file has errors.

    Ví dụ / example: [bold]xl-bdg letters --period 2026-FY --out letters/[/]
    """
    from ..report.letters import write_letters

    w, voice = check_lang(lang), check_voice(quiet, verbose)
    with _steps(w, voice) as step:
        step("aggregate")
        project, per, led, ds = _dataset(schemas, period, ledger, w)
        with led:
            step("letters")
            written = write_letters(project, led, ds, out, lang=w.lang)
    if not voice.quiet:
        say(w("cli.letters.done", period=per.code, n=len(written) // 2))
        _say_document_language(w, ("letter",))
    for path in written:
        say(f"  {path}")
    raise typer.Exit(EXIT_OK)


@contextmanager
def _demo_steps(w: Words, voice: Voice) -> Iterator[Callable[[str], None]]:
    """The demo's progress: a spinner naming its step (none with --quiet; --verbose prints each step, timed)."""
    if voice.quiet:
        yield lambda name: None
        return
    last: list[tuple[str, float]] = []

    def done() -> None:
        if voice.verbose and last:
            name, t0 = last[-1]
            say(w("cli.steps.done", step=name, seconds=number(time.perf_counter() - t0, w.lang, 1)))

    with console.status(w("cli.demo.running")) as spin:
        def step(name: str) -> None:
            done()
            last.append((name, time.perf_counter()))
            spin.update(w("cli.demo.step", step=name))

        yield step
        done()


def next_commands(out: Path, period: str) -> list[str]:
    """What to try after a demo, as exact command lines for the folder it wrote."""
    q = shlex.quote
    ledger = q(str(out / "ledger.sqlite"))
    return [f"xl-bdg status --period {period} --ledger {ledger}",
            f"xl-bdg explain COM_01 --period {period} --ledger {ledger}",
            f"xl-bdg validate {q(str(out / 'inbox' / period))} --period {period}"]


@app.command("demo")
def demo_command(out: OutOpt = Path("demo-output"), lang: LangOpt = "vi", schemas: SchemasOpt = None,
                 quiet: QuietOpt = False, verbose: VerboseOpt = False) -> None:
    """Chạy thử toàn bộ quy trình trên tỉnh mẫu / run the whole job on the sample province.

    Tạo biểu mẫu, điền số liệu giả lập (có đơn vị nộp muộn, có lỗi, thiếu, nộp lại), tiếp nhận, kiểm tra, tổng
    hợp, viết báo cáo, thư góp ý và tệp xuất. Ví dụ / example: [bold]xl-bdg demo --out demo-output/[/]
    """
    from ..sample.demo import prepare_out_dir, run_demo

    w, voice = check_lang(lang), check_voice(quiet, verbose)
    project = open_project(schemas)
    try:
        prepare_out_dir(out)
    except FileExistsError as exc:
        raise fail(str(exc)) from None
    start = time.perf_counter()
    with _demo_steps(w, voice) as step:
        result = run_demo(out, project, project.period(DEMO_PERIOD),
                          earlier=[project.period(code) for code in DEMO_EARLIER],
                          lang=w.lang, step=step)
    if voice.quiet:
        for line in next_commands(out, result.period):
            say(line)
        raise typer.Exit(EXIT_OK)
    demo = w.section("demo")
    say(f"{demo['title']} — {result.period}", "bold")
    # One line per output, the path on its own line: a table would fold a long path mid-word.
    for what, path in result.outputs:
        say(f"  {demo['outputs'].get(what, what)}:")
        say(f"    {path}")
    counts = {k: sum(1 for s in result.statuses if s.status == k) for k in w.section("status")}
    say("  " + " · ".join(f"{w('status.' + k)}: {n}" for k, n in counts.items() if n))
    seconds = number(time.perf_counter() - start, w.lang, 1)
    say(f"  {demo['letters']}: {len(result.letters) // 2} · {demo['seconds']}: {seconds}")
    say(w("cli.demo.try"), "bold")
    for line in next_commands(out, result.period):
        say(f"  {line}")
    raise typer.Exit(EXIT_OK)
