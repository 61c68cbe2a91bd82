"""Safe file writing: outputs go to a temporary name in the same folder and are renamed into place, so a crash
never leaves a half-written file where a good one is expected."""

from __future__ import annotations

import contextlib
import errno
import glob
import hashlib
import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _file_mode() -> int:
    """Permissions of a new ordinary file under the current umask (mkstemp alone would give 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; on success rename it onto `target`, on failure remove it.

    An OSError on the way names `target` when it names no file of its own: a write that hits a full disk or the
    size limit (ENOSPC, EFBIG) carries no file name, and the temporary name means nothing to the user."""
    # A name no other call shares: a stop (SIGTERM, Ctrl-C) landing after mkstemp made the file but before it
    # returned leaves a file whose name was never handed back, found and removed by this prefix.
    prefix = f".{target.stem}.{secrets.token_hex(6)}."
    tmp_path: Path | None = None
    try:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=target.suffix + ".tmp", dir=target.parent)
        except OSError as exc:  # the folder cannot be made or written: the output asked for is what it is about
            exc.filename, exc.filename2 = str(target), None
            raise
        tmp_path = Path(tmp)
        os.close(fd)
        try:
            yield tmp_path
            # An output is an ordinary file that colleagues on a shared folder must be able to read.
            os.chmod(tmp_path, _file_mode())
            os.replace(tmp_path, target)
        except OSError as exc:
            if exc.filename is None or exc.filename == str(tmp_path):
                exc.filename, exc.filename2 = str(target), None
            raise
        except Exception as exc:
            code = io_errno(exc)
            if code is None:
                raise
            raise OSError(code, os.strerror(code), str(target)) from exc
    finally:
        # Removing it must not hide the error that brought us here (the folder may have become read-only).
        with contextlib.suppress(OSError):
            if tmp_path is not None:
                tmp_path.unlink(missing_ok=True)
            else:
                for stray in target.parent.glob(glob.escape(prefix) + "*"):
                    stray.unlink(missing_ok=True)


def io_errno(exc: BaseException) -> int | None:
    """The errno behind a writer's failure to write that is not an OSError, else None: lxml, openpyxl's serialiser,
    raises SerialisationError("IO_EFBIG") on a full disk, which would otherwise end in a traceback."""
    text = str(exc)
    if type(exc).__name__ != "SerialisationError" or not text.startswith("IO_"):
        return None
    code = getattr(errno, text[3:], None)
    return code if isinstance(code, int) else errno.EIO


def write_bytes_atomic(target: Path, data: bytes) -> None:
    """Write `data` to `target` through a temporary file and a rename."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_text_atomic(target: Path, text: str) -> None:
    """Write UTF-8 `text` to `target` through a temporary file and a rename."""
    write_bytes_atomic(target, text.encode("utf-8"))


def sha256_file(path: Path) -> str:
    """The hex SHA-256 of a file's content."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
