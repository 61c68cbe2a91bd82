"""The built wheel carries schemas/ and report_templates/, and an installed copy finds them without the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_installed_wheel_finds_its_data(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q",
                    "-w", str(wheels)], check=True, capture_output=True)
    wheel = next(wheels.glob("xl_bdg-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for shipped in ("schemas/form.yaml", "schemas/units.yaml", "schemas/messages.yaml"):
        assert f"xl_bdg/{shipped}" in names
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    # Run from an empty folder with the unpacked wheel first on the path: the checkout must play no part.
    code = ("from xl_bdg.form.project import load_project; p = load_project(); "
            "print(p.schemas_dir); print(len(p.form.indicators))")
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("XL_BDG_SCHEMAS", None)
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    assert Path(out[0]).resolve().is_relative_to(site.resolve())
    assert int(out[1]) > 20
