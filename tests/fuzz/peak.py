"""Run a command and write the peak memory of it and of the children it reaped (KiB) to a file.

    python peak.py OUT_FILE COMMAND...

Linux keeps a process's peak RSS across fork and exec: a command started straight from a large process (pytest
after a few hundred tests, 380 MiB) reports that process's size as its own peak. Started from this small one, the
command's peak is its own (and its workers', which it reaps), which is what the fuzz run's memory bound is about.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def main() -> int:
    """Run the command, record its peak, and exit with its status."""
    out, command = Path(sys.argv[1]), sys.argv[2:]
    proc = subprocess.Popen(command)
    _, status, usage = os.wait4(proc.pid, 0)
    out.write_text(str(usage.ru_maxrss), encoding="ascii")
    code = os.waitstatus_to_exitcode(status)
    return code if code >= 0 else 128 - code   # killed by signal N: 128 + N, as a shell says it


if __name__ == "__main__":
    sys.exit(main())
