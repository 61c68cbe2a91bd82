"""The HTML report in a real browser: Debian's Chromium, headless, takes a screenshot that must show the charts."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from xl_bdg.report.charts import FEMALE, MET

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Like LibreOffice: skipped on a developer machine without it, a failure in CI (which must install it).
pytestmark = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"), reason="chromium not installed")


def _screenshot(page: Path, target: Path, profile: Path, height: int) -> Path:
    assert CHROMIUM is not None, "chromium not installed: apt-get install -y chromium"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--no-first-run", "--disable-sync", f"--user-data-dir={profile}",
           "--hide-scrollbars", f"--window-size=1000,{height}", f"--screenshot={target}", page.as_uri()]
    subprocess.run(cmd, capture_output=True, timeout=120, check=True)
    return target


def _pixels_near(img: Image.Image, hex_color: str, tol: int = 12) -> int:
    want = tuple(int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return sum(n for n, rgb in img.getcolors(maxcolors=1 << 20)
               if all(abs(a - b) <= tol for a, b in zip(rgb[:3], want, strict=True)))


def test_report_opens_in_chromium_and_shows_its_charts(sample, tmp_path):
    page = next((sample.out_dir / "report").glob("*.html"))
    shot = _screenshot(page, tmp_path / "report.png", tmp_path / "profile", 9000)
    assert shot.stat().st_size > 50_000
    img = Image.open(shot).convert("RGB")
    assert img.size == (1000, 9000)
    assert len(img.getcolors(maxcolors=1 << 20)) > 200  # text, tables and pictures, not a blank page
    # The charts' own colours: green bars (status, targets met) and the purple of female participants.
    assert _pixels_near(img, MET) > 2_000
    assert _pixels_near(img, FEMALE) > 2_000


def test_letter_opens_in_chromium(sample, tmp_path):
    page = next(p for p in sample.letters if p.suffix == ".html")
    shot = _screenshot(page, tmp_path / "letter.png", tmp_path / "profile", 1200)
    img = Image.open(shot).convert("RGB")
    dark = sum(n for n, rgb in img.getcolors(maxcolors=1 << 20) if sum(rgb) < 200)
    assert dark > 3_000  # the letter's text was laid out
