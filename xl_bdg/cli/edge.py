"""The edge of every command: what the system refuses (permissions, a full disk, a failing disk, a file where a folder
should be, a ledger on read-only storage) becomes one message naming the path and what to do, and exit 2.

The root group runs each command inside `guarded()`, so no command carries its own try/except for these. SIGTERM is
turned into an exception for the command's duration, so the `finally` of every temporary output runs on a kill as it
does on Ctrl-C: a stopped report leaves no `.tmp` behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import sqlite3
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from ..catalogue import Words
from ..fileio import io_errno
from ..sanitize import show_name

#: Ledgers the running command opened, latest last: SQLite's errors do not say which file they are about.
_LEDGERS: list[Path] = []

_DENIED = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ETXTBSY}
_NOSPACE = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}
_NOTDIR = {errno.ENOTDIR, errno.EEXIST}
_MISSING = {errno.ENOENT}
_IO = {errno.EIO, errno.ENXIO, errno.ENODEV,
       getattr(errno, "ESTALE", errno.EIO), getattr(errno, "EREMOTEIO", errno.EIO)}
#: SQLite's words for a refusal of the system, never of the data: (fragment of its message, our message's key).
_SQLITE = (("readonly database", "ledger_readonly"), ("read-only", "ledger_readonly"),
           ("database or disk is full", "ledger_full"), ("disk i/o error", "ledger_io"),
           ("unable to open database", "ledger_open"))


class Stopped(BaseException):
    """SIGTERM (or Ctrl-C) arrived while a command ran: unwinds like KeyboardInterrupt so every cleanup runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def note_ledger(path: Path) -> None:
    """Remember the ledger a command opened: an SQLite error is then reported against it."""
    _LEDGERS.append(Path(path))


def _stop(signum: int, frame: FrameType | None) -> None:
    # A second SIGTERM must not break the cleanup the first one started.
    signal.signal(signum, signal.SIG_IGN)
    raise Stopped(signum)


#: Set once a system error was put into words (`os_message`): its echoes (`_unraisable`) are not said again.
_SAID: list[bool] = [False]


def _unraisable(info: sys.UnraisableHookArgs) -> None:
    # A writer's generator closed by the garbage collector after a full disk fails again ("Exception ignored in …",
    # a traceback on stderr after the message): the error was said once, as the command's message.
    if _SAID[0] and info.exc_value is not None and (isinstance(info.exc_value, OSError) or io_errno(info.exc_value)):
        return
    sys.__unraisablehook__(info)


@contextlib.contextmanager
def stops_cleanly() -> Iterator[None]:
    """Within the block, SIGTERM raises Stopped (forked children put the default back: see validation.isolation)."""
    if threading.current_thread() is not threading.main_thread():  # signals are the main thread's (tests' runners)
        yield
        return
    if sys.unraisablehook is sys.__unraisablehook__:  # the command's process keeps it to the end (a test's is left)
        sys.unraisablehook = _unraisable
    old = signal.signal(signal.SIGTERM, _stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def writable(path: Path) -> bool:
    """Whether a ledger at `path` can be written: its folder (for the -wal and -shm beside it) and the file itself.
    os.access answers for root too where it matters (an immutable folder, read-only storage)."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.exists() and not os.access(path, os.W_OK):
        return False
    if os.access(folder, os.W_OK):
        return True
    # A folder it cannot write still serves when the -wal and -shm SQLite needs are already there and writable.
    return all(os.access(path.with_name(path.name + s), os.W_OK) for s in ("-wal", "-shm"))


def _blocking(path: Path) -> Path:
    """For "not a directory": the part of `path` that is a file where a folder is needed (else `path`)."""
    for part in [path, *path.parents]:
        with contextlib.suppress(OSError):
            if part.exists() and not part.is_dir():
                return part
    return path


def os_message(exc: BaseException, w: Words) -> str | None:
    """The message for an error of the system, or None when `exc` is not one (a bug: let it show)."""
    text = _message(exc, w)
    _SAID[0] = _SAID[0] or text is not None
    return text


def _message(exc: BaseException, w: Words) -> str | None:
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc).lower()
        key = next((k for fragment, k in _SQLITE if fragment in text), None)
        if key is None:
            return None
        path = _LEDGERS[-1] if _LEDGERS else None
        shown = show_name(str(path)) if path is not None else w("cli.err.os.no_path")
        return w(f"cli.err.os.{key}", path=shown)
    if not isinstance(exc, OSError) or exc.errno == errno.EPIPE or exc.errno is None:
        return None  # a closed pipe is click's to handle (a pager quit early); no errno: not the system's refusal
    code = errno.errorcode.get(exc.errno, str(exc.errno))
    target: Path | None = None
    name = exc.filename if exc.filename is not None else exc.filename2
    path = Path(name.decode(errors="surrogateescape") if isinstance(name, bytes) else str(name)) \
        if name is not None else None
    if exc.errno in _DENIED:
        key = "denied"
    elif exc.errno in _NOSPACE:
        key = "nospace"
    elif exc.errno in _NOTDIR and path is not None:
        key, target, path = "notdir", path, _blocking(path)
    elif exc.errno == errno.EISDIR:
        key = "isdir"
    elif exc.errno in _MISSING:
        key = "missing"
    elif exc.errno in _IO:
        key = "io"
    else:
        key = "other"
    shown = show_name(str(path)) if path is not None else w(f"cli.err.os.{_unnamed(exc)}")
    whole = show_name(str(target)) if target is not None else shown
    return w(f"cli.err.os.{key}", path=shown, target=whole, code=code, detail=exc.strerror or "")


def _unnamed(exc: BaseException) -> str:
    """What an error naming no file was about: the standard output when it failed writing there (`status >
    /dev/full`, a full disk under a redirection: rich and click name no file), else unknown."""
    outs = {id(sys.stdout), id(getattr(sys.stdout, "buffer", None)), id(sys.__stdout__)}
    tb = exc.__traceback__
    while tb is not None:
        for value in tb.tb_frame.f_locals.values():
            if id(value) in outs or id(getattr(value, "file", None)) in outs:
                return "stdout"
        tb = tb.tb_next
    return "no_path"


def stopped_message(exc: BaseException, w: Words) -> tuple[str, int]:
    """The message and exit status (128 + the signal, as a shell reports it) of a command that was stopped."""
    signum = exc.signum if isinstance(exc, Stopped) else signal.SIGINT
    return w("cli.err.os.stopped", signal=signal.Signals(signum).name), 128 + int(signum)


__all__ = ["Stopped", "note_ledger", "os_message", "stopped_message", "stops_cleanly", "writable"]
