"""`xl-bdg addin build|install`: the Excel add-in with the three buttons (Kiểm tra, Xóa đánh dấu, Chuẩn bị gửi)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer

from ..excel.addin import ADDIN_NAME, AddinError, addin_dir, build_addin, install_addin
from .common import LangOpt, QuietOpt, VerboseOpt, W, app, check_lang, check_voice, fail, say

addin_app = typer.Typer(help=W("cli.addin.help"), no_args_is_help=True)
app.add_typer(addin_app, name="addin")


@addin_app.command("build")
def build_command(
    out: Annotated[Path, typer.Option("--out", "-o", help=W("cli.opt.out"), file_okay=False)] = Path("workbooks"),
    lang: LangOpt = "vi", quiet: QuietOpt = False, verbose: VerboseOpt = False,
) -> None:
    """Tạo add-in xl-bdg.xlam / build the add-in file.

    Ví dụ / example: [bold]xl-bdg addin build --out workbooks/[/]
    """
    w, voice = check_lang(lang), check_voice(quiet, verbose)
    try:
        path = build_addin(out)
    except AddinError as exc:
        raise fail(str(exc)) from None
    say(path if voice.quiet else w("cli.addin.built", path=path))


@addin_app.command("install")
def install_command(
    source: Annotated[Path | None, typer.Option("--from", help=W("cli.opt.addin_from", addin=ADDIN_NAME),
                                                exists=True, dir_okay=False)] = None,
    lang: LangOpt = "vi", quiet: QuietOpt = False, verbose: VerboseOpt = False,
) -> None:
    """Cài add-in vào thư mục khởi động của Excel (Windows, macOS) / install it where Excel loads it.

    Ví dụ / example: [bold]xl-bdg addin install[/]
    """
    w, voice = check_lang(lang), check_voice(quiet, verbose)
    try:
        addin_dir()  # says so at once on a system without Excel, before building anything
        with tempfile.TemporaryDirectory(prefix="xlbdg-addin-") as tmp:
            path = install_addin(source or build_addin(Path(tmp)))
    except AddinError as exc:
        raise fail(str(exc)) from None
    say(path if voice.quiet else w("cli.addin.installed", path=path))


@addin_app.command("bundle")
def bundle_command(
    out: Annotated[Path, typer.Option("--out", "-o", help=W("cli.opt.out"), file_okay=False)] = Path("dist"),
    python: Annotated[list[str] | None, typer.Option("--python", help=W("cli.opt.bundle_python"))] = None,
    native: Annotated[bool, typer.Option("--native", help=W("cli.opt.bundle_native"))] = False,
    cache: Annotated[Path | None, typer.Option("--cache", help=W("cli.opt.bundle_cache"), file_okay=False)] = None,
    lang: LangOpt = "vi", quiet: QuietOpt = False, verbose: VerboseOpt = False,
) -> None:
    """Tạo gói cài đặt hai bước cho Windows (add-in, wheels, cai-dat.cmd) / build the two-step install bundle.

    Ví dụ / example: [bold]xl-bdg addin bundle --out dist/[/]
    """
    from ..excel.bundle import PYTHONS, build_bundle

    w, voice = check_lang(lang), check_voice(quiet, verbose)
    try:
        path = build_bundle(out, tuple(python or PYTHONS), native, cache)
    except AddinError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"{out}: {exc.strerror or exc}") from None
    say(path if voice.quiet else w("bundle.built", path=path))
