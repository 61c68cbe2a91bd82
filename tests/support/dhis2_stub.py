"""A stand-in for a DHIS2 server, for tests only: NOT DHIS2. No DHIS2 server can run here, so this small HTTP server
on 127.0.0.1 answers POST /api/dataValueSets the way DHIS2's documentation describes (an ImportSummary with
importCount, conflicts {object, objects, value, errorCode, indexes} and rejectedIndexes; HTTP 409 inside a web
message when there are conflicts, as servers from 2.38 do; 401 without valid credentials) and decides what to
refuse with the project's own offline checker against the metadata package it is given — so it can only find what
that checker finds. It records every request, and keeps the values of non-dry-run imports.
"""

from __future__ import annotations

import base64
import json
import threading
import urllib.parse
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from xl_bdg.exchange.check import check_payload


class Dhis2Stub:
    """`with Dhis2Stub(package, default_combo, default_category_combo) as server: push(payload, server.url, …)`."""

    def __init__(self, package: dict[str, Any], default_combo: str, default_category_combo: str, *,
                 user: str = "admin", password: str = "district", token: str = "d2pat_test0000000000",
                 wrap: bool = True) -> None:
        self.package, self.defaults = package, (default_combo, default_category_combo)
        self.credentials = {"Basic " + base64.b64encode(f"{user}:{password}".encode()).decode(), f"ApiToken {token}"}
        self.wrap = wrap
        self.requests: list[dict[str, Any]] = []
        self.stored: dict[tuple[str, ...], str] = {}
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep the test output clean
                pass

            def do_POST(self) -> None:
                stub.handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The base URL, as an office would give it (without /api)."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Dhis2Stub:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _send(self, handler: BaseHTTPRequestHandler, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode("utf-8")
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json;charset=UTF-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        """One import request."""
        parts = urllib.parse.urlsplit(handler.path)
        query = dict(urllib.parse.parse_qsl(parts.query))
        raw = handler.rfile.read(int(handler.headers.get("Content-Length", "0")))
        self.requests.append({"path": parts.path, "query": query, "auth": handler.headers.get("Authorization"),
                              "content_type": handler.headers.get("Content-Type")})
        if handler.headers.get("Authorization") not in self.credentials:
            self._send(handler, 401, {"httpStatus": "Unauthorized", "httpStatusCode": 401, "status": "ERROR",
                                      "message": "Unauthorized"})
            return
        if parts.path != "/api/dataValueSets":
            self._send(handler, 404, {"httpStatus": "Not Found", "httpStatusCode": 404, "status": "ERROR"})
            return
        payload = json.loads(raw.decode("utf-8"))
        problems = check_payload(payload, self.package, default_combo=self.defaults[0],
                                 default_category_combo=self.defaults[1])
        grouped: dict[tuple[str, str], list[int]] = defaultdict(list)
        values = payload["dataValues"]
        for p in problems:
            if p.dhis2 is None:
                continue  # what DHIS2 does not check (double counting) a server would not report either
            for i in p.indexes:
                if i >= 0:
                    obj = str(values[i].get({"E7612": "orgUnit", "E7613": "categoryOptionCombo",
                                             "E7611": "period"}.get(p.dhis2, "dataElement")))
                    grouped[(p.dhis2, obj)].append(i)
        conflicts = [{"object": obj, "objects": {"dataElement" if code == "E7610" else "object": obj},
                      "value": f"{code} conflict for `{obj}`", "errorCode": code, "indexes": sorted(set(idx))}
                     for (code, obj), idx in sorted(grouped.items())]
        rejected = sorted({i for c in conflicts for i in c["indexes"]})
        dry = query.get("dryRun", "false") == "true"
        if not dry:
            for i, dv in enumerate(values):
                if i not in rejected:
                    self.stored[(dv["dataElement"], dv.get("categoryOptionCombo", ""), dv["orgUnit"],
                                 dv["period"])] = dv["value"]
        summary = {"responseType": "ImportSummary", "status": "WARNING" if conflicts else "SUCCESS",
                   "importOptions": {"dryRun": dry, "importStrategy": query.get("importStrategy")},
                   "description": "Import process completed successfully",
                   "importCount": {"imported": len(values) - len(rejected), "updated": 0, "ignored": len(rejected),
                                   "deleted": 0},
                   "conflicts": conflicts, "rejectedIndexes": rejected, "dataSetComplete": "false"}
        if not self.wrap:
            self._send(handler, 200, summary)
            return
        status = 409 if conflicts else 200
        self._send(handler, status, {"httpStatus": "Conflict" if conflicts else "OK", "httpStatusCode": status,
                                     "status": "WARNING" if conflicts else "OK",
                                     "message": "One more conflicts encountered, please check import summary."
                                     if conflicts else "Import was successful.", "response": summary})
