"""The push to DHIS2, against a stand-in server on 127.0.0.1 (tests/support/dhis2_stub.py: it answers in DHIS2's
documented import-summary format, deciding with the offline checker — it is not DHIS2): a dry run unless asked,
credentials from the environment, the server's conflicts and rejected indexes mapped back to the cells."""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest
from support.dhis2_stub import Dhis2Stub
from typer.testing import CliRunner

from xl_bdg.cli import app
from xl_bdg.exchange.mapping import build_mapping
from xl_bdg.exchange.metadata import metadata_package
from xl_bdg.exchange.payload import build_payload
from xl_bdg.exchange.problem import to_findings
from xl_bdg.exchange.push import ENV_PASSWORD, ENV_TOKEN, ENV_USER, PushError, push

BASIC = {ENV_USER: "admin", ENV_PASSWORD: "district"}


@pytest.fixture(scope="module")
def season(project, sample) -> dict[str, Any]:
    mapping = build_mapping(project)
    return {"mapping": mapping, "built": build_payload(project, sample.dataset, mapping),
            "package": metadata_package(project, mapping), "ledger": sample.out_dir / "ledger.sqlite"}


def _stub(season: dict[str, Any], package: dict[str, Any] | None = None, **kw: Any) -> Dhis2Stub:
    cfg = season["mapping"].config
    return Dhis2Stub(package or season["package"], cfg.default_combo, cfg.default_category_combo, **kw)


def _without_element(season: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """A server's export that lacks one data element the payload uses (the most used one)."""
    package = json.loads(json.dumps(season["package"]))
    counts: dict[str, int] = {}
    for dv in season["built"].payload["dataValues"]:
        counts[dv["dataElement"]] = counts.get(dv["dataElement"], 0) + 1
    gone = max(counts, key=lambda k: (counts[k], k))
    package["dataElements"] = [d for d in package["dataElements"] if d["id"] != gone]
    for ds in package["dataSets"]:
        ds["dataSetElements"] = [e for e in ds["dataSetElements"] if e["dataElement"]["id"] != gone]
    return package, gone


def test_a_push_is_a_dry_run_unless_asked_and_declares_its_schemes(season):
    payload = season["built"].payload
    with _stub(season) as server:
        result = push(payload, server.url, env=BASIC)
        assert result.ok and result.dry_run and result.status == "SUCCESS"
        assert result.counts["imported"] == len(payload["dataValues"])
        sent = server.requests[-1]
        assert sent["path"] == "/api/dataValueSets" and sent["query"]["dryRun"] == "true"
        assert sent["query"]["idScheme"] == payload["idScheme"] == "UID"
        assert sent["query"]["importStrategy"] == "CREATE_AND_UPDATE"
        assert sent["content_type"] == "application/json" and sent["auth"].startswith("Basic ")
        assert server.stored == {}  # nothing kept by a dry run
        committed = push(payload, server.url + "/api/", dry_run=False, env={ENV_TOKEN: "d2pat_test0000000000"})
        assert committed.ok and not committed.dry_run
        assert server.requests[-1]["auth"] == "ApiToken d2pat_test0000000000"
        assert len(server.stored) == len(payload["dataValues"])


@pytest.mark.parametrize("wrap", [True, False])  # 409 in a web message (2.38+), or a bare ImportSummary
def test_conflicts_and_rejected_indexes_map_back_to_the_cells(project, season, wrap):
    package, gone = _without_element(season)
    built = season["built"]
    with _stub(season, package, wrap=wrap) as server:
        result = push(built.payload, server.url, env=BASIC)
    assert not result.ok and result.http_status == (409 if wrap else 200)
    hit = [i for i, dv in enumerate(built.payload["dataValues"]) if dv["dataElement"] == gone]
    assert sorted(result.rejected) == hit
    assert {p.dhis2 for p in result.problems} == {"E7610"}
    severities = {c: m.severity for c, m in project.form.messages.items()}
    findings = to_findings(result.problems, built.origins, "dataValueSets", severities)
    assert [(f.file, f.sheet, f.cell) for f in findings] == \
        [(built.origins[i].source.file, built.origins[i].source.sheet, built.origins[i].source.cell) for i in hit]
    text = findings[0].render(project.form.messages, "vi")[1]
    assert "E7610" in text and built.origins[hit[0]].key in text


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_what_goes_wrong_with_the_request_is_named(season):
    payload = season["built"].payload
    with pytest.raises(PushError) as err:
        push(payload, "http://127.0.0.1:9", env={})
    assert err.value.kind == "credentials"
    with pytest.raises(PushError) as err:
        push(payload, "file:///etc/passwd", env=BASIC)
    assert err.value.kind == "url"
    with pytest.raises(PushError) as err:
        push(payload, f"http://127.0.0.1:{_closed_port()}", env=BASIC, timeout=5)
    assert err.value.kind == "connection"
    with _stub(season) as server:
        with pytest.raises(PushError) as err:
            push(payload, server.url, env={ENV_USER: "admin", ENV_PASSWORD: "wrong"})
        assert err.value.kind == "auth"
        with pytest.raises(PushError) as err:
            push(payload, server.url + "/khac", env=BASIC)  # /khac/api/dataValueSets: not an import endpoint
        assert err.value.kind == "http"


def test_the_push_command(project, season, tmp_path):
    runner = CliRunner()
    ledger = str(season["ledger"])
    env = {**BASIC, "XL_BDG_LEDGER": ledger}
    package, gone = _without_element(season)
    with _stub(season) as server:
        ok = runner.invoke(app, ["export", "dhis2-push", "--period", "2026-FY", "--url", server.url], env=env)
        assert ok.exit_code == 0, ok.output
        assert "dryRun=true" in ok.stdout and server.requests[-1]["query"]["dryRun"] == "true"
        bare = runner.invoke(app, ["export", "dhis2-push", "--period", "2026-FY", "--url", server.url],
                             env={"XL_BDG_LEDGER": ledger, ENV_USER: "", ENV_PASSWORD: "", ENV_TOKEN: ""})
        assert bare.exit_code == 2 and ENV_TOKEN in bare.output
    server_meta = tmp_path / "may-chu.json"
    server_meta.write_text(json.dumps(package), encoding="utf-8")
    with _stub(season, package) as server:
        refused = runner.invoke(app, ["export", "dhis2-push", "-p", "2026-FY", "--url", server.url, "--metadata",
                                      str(server_meta), "--lang", "en"], env=env)
        assert refused.exit_code == 1 and "Not sent" in refused.stdout and server.requests == []
        conflicted = runner.invoke(app, ["export", "dhis2-push", "-p", "2026-FY", "--url", server.url,
                                         "--format", "json"], env=env)
        assert conflicted.exit_code == 1
        data = json.loads(conflicted.stdout)
        assert data["import"]["conflicts"][0]["errorCode"] == "E7610"
        cells = {(f["sheet"], f["cell"]) for file in data["files"] for f in file["findings"]}
        hit = [o for o, dv in zip(season["built"].origins, season["built"].payload["dataValues"], strict=True)
               if dv["dataElement"] == gone]
        assert cells == {(o.source.sheet, o.source.cell) for o in hit}
