"""Receiving an uploaded file: the body is streamed into a temporary file and counted as it comes, so a body over
the limit is refused before it is read to the end (and before the Content-Length it announces is even read, when
that is already too big). Nothing of the uploaded name is used as a path: the file is saved under a random name.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from ..text import nfc
from ..validation import SPREADSHEET_SUFFIXES

#: Room for the multipart framing and the small fields around the file.
FORM_OVERHEAD = 64 * 1024
_MAX_FIELD = 4096
_MAX_PARTS = 8
_MAX_NAME = 200


class UploadRefused(Exception):
    """The request carried no acceptable file; `reason` is a key of the portal's words (`refused.<reason>`)."""

    def __init__(self, reason: str, *, drained: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.drained = drained  # False: the rest of the body was not read (the connection will be closed)


@dataclass
class Upload:
    """A received file, saved under a random name in the portal's incoming folder."""

    path: Path
    name: str   # as the browser sent it, NFC, for display only
    size: int
    fields: dict[str, str] = field(default_factory=dict)


def safe_display_name(raw: str) -> str:
    """The uploaded name for display: the last path component, NFC, no control characters, at most 200 long."""
    base = raw.replace("\\", "/").rsplit("/", 1)[-1]
    clean = "".join(ch for ch in nfc(base) if ch.isprintable()).strip()
    return clean[:_MAX_NAME] or "?"


def upload_suffix(name: str) -> str:
    """The suffix the saved copy gets: the uploaded one when it is a spreadsheet's, else `.bin` (the reader looks
    at the bytes, never at the suffix, to decide what a file is; the suffix only names the archived copy)."""
    suffix = Path(name).suffix.lower()
    return suffix if suffix in SPREADSHEET_SUFFIXES else ".bin"


class _Form:
    """python-multipart callbacks: small fields into memory, the one file part into a temporary file."""

    def __init__(self, folder: Path, limit: int) -> None:
        self.folder, self.limit = folder, limit
        self.fields: dict[str, str] = {}
        self.upload: Upload | None = None
        self.error: str | None = None
        self._header_field = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._name = ""
        self._filename: str | None = None
        self._value = bytearray()
        self._fh: int | None = None
        self._parts = 0

    def callbacks(self) -> dict[str, object]:
        return {"on_part_begin": self._begin, "on_header_field": self._hfield, "on_header_value": self._hvalue,
                "on_header_end": self._hend, "on_headers_finished": self._hdone, "on_part_data": self._data,
                "on_part_end": self._end}

    def _begin(self) -> None:
        self._parts += 1
        if self._parts > _MAX_PARTS:
            self.error = "bad_form"
        self._headers, self._header_field, self._header_value = {}, b"", b""
        self._name, self._filename, self._value = "", None, bytearray()

    def _hfield(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def _hvalue(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _hend(self) -> None:
        self._headers[self._header_field.lower()] = self._header_value
        self._header_field, self._header_value = b"", b""

    def _hdone(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        if filename is not None:
            if self.upload is not None:
                self.error = "bad_form"  # one file per upload
                return
            self._filename = filename.decode("utf-8", "replace")
            name = safe_display_name(self._filename)
            fd, tmp = tempfile.mkstemp(prefix="up-", suffix=upload_suffix(name), dir=self.folder)
            self._fh = fd
            self.upload = Upload(path=Path(tmp), name=name, size=0)

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self.error:
            return
        if self._fh is not None and self.upload is not None:
            self.upload.size += end - start
            if self.upload.size > self.limit:
                self.error = "too_large"
                return
            os.write(self._fh, data[start:end])
        else:
            self._value += data[start:end]
            if len(self._value) > _MAX_FIELD:
                self.error = "bad_form"

    def _end(self) -> None:
        if self._fh is not None:
            os.close(self._fh)
            self._fh = None
        elif self._name and not self.error:
            self.fields[self._name] = self._value.decode("utf-8", "replace")

    def discard(self) -> None:
        """Remove a partly received file."""
        if self._fh is not None:
            os.close(self._fh)
            self._fh = None
        if self.upload is not None:
            self.upload.path.unlink(missing_ok=True)
            self.upload = None


class _Body:
    """The request body as chunks straight from the ASGI channel, counted; it can be left and resumed (to drain)."""

    def __init__(self, request: Request) -> None:
        self.receive = request.receive
        self.seen = 0
        self.done = False

    async def chunk(self) -> bytes | None:
        """The next piece of the body, or None at its end."""
        while not self.done:
            msg = await self.receive()
            if msg["type"] == "http.disconnect":
                raise ClientDisconnect()
            self.done = not msg.get("more_body", False)
            data: bytes = msg.get("body", b"")
            if data:
                self.seen += len(data)
                return data
        return None


async def _drain(body: _Body, cap: int) -> bool:
    """Read and throw away the rest of the body up to `cap` bytes in all; True when it ended within the cap."""
    try:
        while body.seen <= cap:
            if await body.chunk() is None:
                return True
    except ClientDisconnect:
        return False
    return False


async def receive_upload(request: Request, folder: Path, limit: int, drain_cap: int) -> Upload:
    """Stream a multipart/form-data body into `folder`; raise UploadRefused (too_large, no_file, bad_form)."""
    body = _Body(request)
    ctype, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if ctype != b"multipart/form-data" or not boundary:
        raise UploadRefused("bad_form", drained=await _drain(body, drain_cap))
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit + FORM_OVERHEAD:
        # Refused on the announced size alone: the body is not stored, and only read (to be thrown away) when
        # small enough that the browser still sending it would otherwise see a reset instead of our page.
        small = int(declared) <= drain_cap
        raise UploadRefused("too_large", drained=small and await _drain(body, drain_cap))
    folder.mkdir(parents=True, exist_ok=True)
    form = _Form(folder, limit)
    parser = MultipartParser(boundary, form.callbacks())  # type: ignore[arg-type]
    try:
        while (chunk := await body.chunk()) is not None:
            if body.seen > limit + FORM_OVERHEAD:
                form.error = form.error or "too_large"
                break
            parser.write(chunk)
            if form.error:
                break
        else:
            parser.finalize()
    except ClientDisconnect:
        form.discard()
        raise UploadRefused("bad_form", drained=False) from None
    except Exception:  # a malformed body: python-multipart raises its own errors
        form.discard()
        raise UploadRefused("bad_form", drained=await _drain(body, drain_cap)) from None
    if form.error:
        form.discard()
        raise UploadRefused(form.error, drained=await _drain(body, drain_cap))
    if form.upload is None or form.upload.size == 0:
        form.discard()
        raise UploadRefused("no_file")
    form.upload.fields = form.fields
    return form.upload
