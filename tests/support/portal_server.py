"""A real portal for tests: `xl-bdg serve` started as its own process on a free port of 127.0.0.1, over a ledger
the test made, with an office account; and Debian's Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
OFFICE_USER, OFFICE_PASSWORD = "canbo", "mat-khau-du-dai-1"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A running portal."""

    url: str
    ledger: Path
    proc: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        """Stop the server (SIGTERM, as Ctrl+C would) and wait for it."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def command() -> list[str]:
    """The installed `xl-bdg` beside this Python (the console script a user runs)."""
    script = Path(sys.executable).with_name("xl-bdg")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from xl_bdg.cli import main; main()"]


def start_server(ledger: Path, period: str, *args: str, timeout: float = 120.0) -> Server:
    """Start `xl-bdg serve --ledger LEDGER` and wait until it answers."""
    port = free_port()
    log = ledger.parent / f"serve-{port}.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("XL_BDG_")}
    proc = subprocess.Popen([*command(), "serve", "--ledger", str(ledger), "--host", "127.0.0.1", "--port", str(port),
                             "--period", period, *args], stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env,
                            cwd=ledger.parent)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"xl-bdg serve exited {proc.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as resp:
                if resp.status == 200:
                    return Server(url=url, ledger=ledger, proc=proc, log=log)
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"xl-bdg serve did not answer within {timeout} s:\n{log.read_text(errors='replace')}")
