"""The intake portal in a real browser: `xl-bdg serve` on 127.0.0.1, Debian's Chromium driven by Playwright.

A unit sends a file with errors, reads the findings at their cells, downloads the annotated copy, sends the fixed
file and is accepted, while the office watches the grid change; wrong links, another unit's link, a PDF renamed
.xlsx, a zip bomb and an oversized body each get a clear page and leave the ledger consistent; a post without its
CSRF token is refused. Set XL_BDG_SHOTS=<folder> to keep the screenshots taken at phone and desktop widths.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from support.badfiles import real_pdf, rewrite_zip
from support.portal_server import CHROMIUM, CHROMIUM_ARGS, OFFICE_PASSWORD, OFFICE_USER, Server, start_server

from xl_bdg.catalogue import words
from xl_bdg.form.project import Project
from xl_bdg.ledger import Ledger
from xl_bdg.portal import PortalConfig, PortalStore, Tokens, add_user, load_secret
from xl_bdg.sample.demo import apply_mistakes
from xl_bdg.validation import has_marks, validate_file
from xl_bdg.validation.marks import MARK_RGB
from xl_bdg.workbook import units_for

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"), reason="chromium not installed")]

W = words("vi")
#: Next year's annual period: its deadline is ahead whatever day the tests run, so a good file is "accepted".
PERIOD = f"{dt.date.today().year + 1}-FY"


@pytest.fixture(scope="module")
def portal(project: Project, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A ledger with an office account and a link per unit, served by a real `xl-bdg serve` (1 MB upload limit)."""
    folder = tmp_path_factory.mktemp("portal")
    ledger = folder / "ledger.sqlite"
    store = PortalStore(ledger)
    add_user(store, OFFICE_USER, OFFICE_PASSWORD)
    per = project.period(PERIOD)
    tokens = Tokens(store, load_secret(PortalConfig(ledger=ledger).key_path))
    units = [u.code for u in units_for(project, per)]
    links = {r.unit_code: tokens.token(r) for r in tokens.issue_all(project, per, "test")}
    server = start_server(ledger, PERIOD, "--max-mb", "1", "--workers", "1")
    try:
        yield {"server": server, "ledger": ledger, "links": links, "units": units, "store": store, "per": per}
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    assert CHROMIUM is not None, "chromium not installed: apt-get install -y chromium"
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _unit(portal: dict[str, Any], index: int) -> tuple[str, str]:
    """(unit code, upload URL) of the index-th unit asked for the period (each test takes its own units)."""
    code = portal["units"][index]
    return code, f"{portal['server'].url}/u/{portal['links'][code]}"


def _files(portal: dict[str, Any], unit: str) -> list[Any]:
    with Ledger(portal["ledger"]) as led:
        return led.files(PERIOD, unit)


def _consistent(portal: dict[str, Any]) -> None:
    with Ledger(portal["ledger"]) as led:
        assert led.verify(deep=True) == []


def _send(page: Any, path: Path) -> None:
    page.set_input_files("#file", str(path))
    page.click("button[type=submit]")
    # With JavaScript the page sends the file itself, then opens the result (or shows the refusal in place).
    page.wait_for_selector(".verdict, .message", timeout=60_000)


@pytest.fixture(scope="module")
def office_context(portal: dict[str, Any], browser: Any) -> Iterator[Any]:
    """One logged-in office session for the module (logins are rate-limited per name and address, as they should
    be); a wrong password first gets its clear page."""
    server = portal["server"]
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(f"{server.url}/office")
    assert "/office/login" in page.url  # the office pages need the login
    page.fill("#username", OFFICE_USER)
    page.fill("#password", "sai-mat-khau")
    with page.expect_response(lambda r: r.request.method == "POST") as resp:
        page.click("button[type=submit]")
    assert resp.value.status == 401 and W("portal.office.login_failed") in page.inner_text(".message")
    page.fill("#username", OFFICE_USER)
    page.fill("#password", OFFICE_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/office")
    page.close()
    yield ctx
    ctx.close()


def _login(office_context: Any) -> Any:
    """A new page of the office's session."""
    return office_context.new_page()


def _grid_status(office: Any, server: Server, unit: str) -> str:
    office.goto(f"{server.url}/office?period={PERIOD}&q={unit}")
    return str(office.locator(f"tr:has(a:text-is('{unit}')) .status").inner_text())


def test_a_unit_fixes_its_errors_and_the_office_sees_the_grid_change(portal, browser, office_context, project,
                                                                      make_workbook, tmp_path) -> None:
    server, per = portal["server"], portal["per"]
    code, url = _unit(portal, 0)
    unit = project.registry.get(code)
    bad = make_workbook(code, PERIOD, name="bao-cao-loi.xlsx",
                        edit=lambda d: apply_mistakes(project, unit, per, d, ("break_check",)))
    good = make_workbook(code, PERIOD, name="bao-cao-da-sua.xlsx", out_dir=tmp_path / "fixed")
    _, expected = validate_file(bad, project, per)
    cells = sorted(f.where for f in expected.findings if f.severity == "error")
    assert cells  # the mistake is an error at a cell

    office = _login(office_context)
    assert _grid_status(office, server, code) == W("status.missing")

    page = browser.new_context().new_page()
    page.goto(url)
    assert unit.name in page.inner_text("dl.facts")
    _send(page, bad)
    assert "/file/" in page.url
    assert "v-errors" in page.get_attribute(".verdict", "class")
    shown = page.locator("ol.findings .sev-error .cell").all_inner_texts()
    assert sorted(shown) == cells
    assert W("severity.error") in page.inner_text("ol.findings")
    assert _grid_status(office, server, code) == W("status.invalid")

    with page.expect_download() as info:
        page.click("a[href$='/annotated']")
    copy = tmp_path / info.value.suggested_filename
    info.value.save_as(copy)
    assert copy.name == f"{PERIOD}_{code}_kiem-tra.xlsx" and has_marks(copy)
    sheet, cell = cells[0].split("!")
    assert load_workbook(copy)[sheet][cell].fill.fgColor.rgb.endswith(MARK_RGB["error"])

    page.goto(url)
    _send(page, good)
    assert "v-ok" in page.get_attribute(".verdict", "class")
    page.goto(url)
    assert page.inner_text("dl.facts .status") == W("status.accepted")
    assert len(page.locator("ul.versions li").all()) == 2
    assert _grid_status(office, server, code) == W("status.accepted")
    assert [r.valid for r in _files(portal, code)] == [False, True]
    _consistent(portal)


def test_the_plain_form_works_without_javascript_and_refuses_an_oversized_body(portal, browser, make_workbook,
                                                                               tmp_path) -> None:
    code, url = _unit(portal, 1)
    page = browser.new_context(java_script_enabled=False).new_page()
    page.goto(url)
    _send(page, make_workbook(code, PERIOD))
    assert "v-ok" in page.get_attribute(".verdict", "class")
    big = tmp_path / "qua-lon.xlsx"
    big.write_bytes(os.urandom(2 * 1024 * 1024))
    page.goto(url)
    with page.expect_response(lambda r: "/upload" in r.url) as resp:
        _send(page, big)
    assert resp.value.status == 413
    assert "quá lớn" in page.inner_text(".message") and "1 MB" in page.inner_text(".message")
    assert len(_files(portal, code)) == 1
    _consistent(portal)


def test_with_javascript_the_page_checks_the_size_before_sending(portal, browser, tmp_path) -> None:
    _, url = _unit(portal, 2)
    page = browser.new_context().new_page()
    page.goto(url)
    big = tmp_path / "qua-lon.xlsx"
    big.write_bytes(os.urandom(2 * 1024 * 1024))
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" else None)
    page.set_input_files("#file", str(big))
    page.click("button[type=submit]")
    assert "qua-lon.xlsx" in page.inner_text(".progress-text.bad") and page.url == url
    assert sent == []


def test_a_body_announced_too_big_is_refused_before_it_is_read(portal) -> None:
    _, url = _unit(portal, 2)
    host, port = url.split("//")[1].split("/")[0].split(":")
    path = "/" + url.split("/", 3)[3] + "/upload"
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: multipart/form-data; boundary=x\r\n"
                  f"Content-Length: {500 * 1024 * 1024}\r\n\r\n".encode())
        answer = s.recv(65536).decode("latin-1")  # no byte of the body was sent
    assert answer.startswith("HTTP/1.1 413")


def test_wrong_links_and_another_units_link(portal, browser, make_workbook, project) -> None:
    server = portal["server"]
    code_a, url_a = _unit(portal, 3)
    code_b, url_b = _unit(portal, 4)
    page = browser.new_context().new_page()
    resp = page.goto(f"{server.url}/u/khong-phai-duong-dan-that")
    assert resp.status == 404 and W("portal.token.unknown") in page.inner_text(".message")

    page.goto(url_b)
    _send(page, make_workbook(code_a, PERIOD))  # A's workbook through B's link
    assert "v-refused" in page.get_attribute(".verdict", "class")
    assert code_a in page.inner_text(".verdict") and code_b in page.inner_text(".verdict")
    assert _files(portal, code_a) == [] and _files(portal, code_b) == []

    page.goto(url_a)  # A's own file, a different one (B did send the first one, so B may see that one)
    unit_a = project.registry.get(code_a)
    _send(page, make_workbook(code_a, PERIOD, name="rieng.xlsx", edit=lambda d: apply_mistakes(
        project, unit_a, portal["per"], d, ("text_date",))))
    sha = page.url.rsplit("/", 1)[1]
    resp = page.goto(f"{url_b}/file/{sha}")  # B's link cannot see A's file
    assert resp.status == 404 and W("portal.token.not_yours") in page.inner_text(".message")
    resp = page.goto(f"{url_b}/file/{sha}/annotated")
    assert resp.status == 404
    _consistent(portal)


def test_a_pdf_renamed_xlsx_and_a_zip_bomb_get_their_finding(portal, browser, make_workbook, project,
                                                             tmp_path) -> None:
    code, url = _unit(portal, 5)
    pdf = tmp_path / "bao-cao.xlsx"
    real_pdf(tmp_path / "bao-cao.pdf").rename(pdf)

    def bomb(members: dict[str, bytes]) -> None:
        members["xl/media/image1.png"] = bytes(30 * 1024 * 1024)

    zipped = rewrite_zip(make_workbook(code, PERIOD), tmp_path / "nen.xlsx", bomb)
    page = browser.new_context().new_page()
    for path in (pdf, zipped):
        _, expected = validate_file(path, project, portal["per"])
        page.goto(url)
        with page.expect_response(lambda r: "/file/" in r.url) as resp:
            _send(page, path)
        assert resp.value.status == 200
        assert "v-unreadable" in page.get_attribute(".verdict", "class") or "v-errors" in \
            page.get_attribute(".verdict", "class")
        titles = page.locator("ol.findings .title").all_inner_texts()
        assert titles == [f.render(project.form.messages, "vi")[0] for f in expected.sorted_findings()]
    assert _files(portal, code) == []  # neither declares a unit: kept in the ledger, counted for no one
    with Ledger(portal["ledger"]) as led:
        kept = led.unattributed(PERIOD)
        assert len(kept) == 2 and all(led.archived(r).name.startswith(r.sha256) for r in kept)  # by hash only
    _consistent(portal)


def test_posts_without_their_csrf_token_are_refused(portal, browser, office_context, make_workbook) -> None:
    server = portal["server"]
    code, url = _unit(portal, 6)
    ctx = browser.new_context()
    data = make_workbook(code, PERIOD).read_bytes()
    resp = ctx.request.post(f"{url}/upload", multipart={"file": {"name": "a.xlsx", "mimeType": "application/zip",
                                                                 "buffer": data}})
    assert resp.status == 403 and W("portal.refused.csrf") in resp.text()
    office = _login(office_context)
    resp = office.context.request.post(f"{server.url}/office/documents", form={"kind": "report", "period": PERIOD})
    assert resp.status == 403
    resp = office.context.request.post(f"{server.url}/office/unit/{code}/link",
                                       form={"action": "revoke", "period": PERIOD, "csrf": "forged"})
    assert resp.status == 403
    assert _files(portal, code) == []
    actions = {(r.action, r.outcome) for r in portal["store"].audit_rows(50)}
    assert {("upload.refused", "csrf"), ("csrf.refused", "refused")} <= actions


def test_a_link_is_rate_limited(portal, browser) -> None:
    _, url = _unit(portal, 7)
    ctx = browser.new_context()
    codes = [ctx.request.post(f"{url}/upload", multipart={"csrf": "x"}).status for _ in range(7)]
    assert codes[:6] == [400] * 6 and codes[6] == 429


def test_the_office_revokes_and_reissues_a_link(portal, browser, office_context) -> None:
    server = portal["server"]
    code, url = _unit(portal, 8)
    office = _login(office_context)
    office.goto(f"{server.url}/office/unit/{code}?period={PERIOD}")
    assert office.inner_text("#upload-link") == url
    office.click("button[value=reissue]")
    new = office.inner_text("#upload-link")
    assert new != url and new.startswith(f"{server.url}/u/")
    page = browser.new_context().new_page()
    resp = page.goto(url)
    assert resp.status == 410 and W("portal.token.revoked") in page.inner_text(".message")
    assert page.goto(new).status == 200
    portal["links"][code] = new.rsplit("/", 1)[1]
    office.goto(f"{server.url}/office/missing?period={PERIOD}")
    assert new in office.inner_text("table.grid")


def test_pages_carry_the_security_headers_and_speak_english(portal, browser) -> None:
    _, url = _unit(portal, 9)
    page = browser.new_context().new_page()
    resp = page.goto(f"{url}?lang=en")
    headers = resp.headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
    assert headers["cache-control"] == "no-store" and headers["referrer-policy"] == "no-referrer"
    assert page.inner_text("h1") == words("en")("portal.unit.title")
    page.goto(url)  # the language is remembered
    assert page.inner_text("h1") == words("en")("portal.unit.title")
    page.goto(f"{url}?lang=vi")
    assert page.inner_text("h1") == W("portal.unit.title")


@pytest.mark.parametrize("width,height", [(390, 844), (1280, 800)])
def test_main_pages_fit_a_phone_and_a_desk(portal, browser, office_context, make_workbook, project, width, height,
                                           tmp_path) -> None:
    """No page scrolls sideways at phone width; screenshots are kept when XL_BDG_SHOTS names a folder."""
    code, url = _unit(portal, 10)
    unit = project.registry.get(code)
    shots = Path(os.environ["XL_BDG_SHOTS"]) if os.environ.get("XL_BDG_SHOTS") else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    page = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1).new_page()

    def fits(name: str) -> None:
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
        page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)

    page.goto(url)
    fits("unit")
    if not _files(portal, code):
        _send(page, make_workbook(code, PERIOD, edit=lambda d: apply_mistakes(
            project, unit, portal["per"], d, ("break_check", "date_outside", "text_date"))))
    else:
        page.goto(url)
        page.click("ul.versions a")
    assert page.locator("ol.findings li").count() >= 2
    fits("findings")
    office = _login(office_context)
    office.set_viewport_size({"width": width, "height": height})
    office.goto(f"{portal['server'].url}/office?period={PERIOD}")
    assert office.evaluate("document.documentElement.scrollWidth") <= width
    office.screenshot(path=str(shots / f"office-grid-{width}.png"), full_page=False)


def test_the_office_builds_the_report_and_downloads_it(portal, browser, office_context, tmp_path) -> None:
    server = portal["server"]
    office = _login(office_context)
    office.goto(f"{server.url}/office/documents?period={PERIOD}")
    office.click("button[value=report]")
    office.wait_for_selector("ul.files a", timeout=180_000)  # the page reloads itself while building
    names = office.locator("ul.files a").all_inner_texts()
    assert any(n.endswith(".docx") for n in names) and any(n.endswith(".xlsx") for n in names)
    with office.expect_download() as info:
        office.click("ul.files a[href$='.docx']")
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    assert target.stat().st_size > 10_000


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_office_page_renders_in_both_languages(portal, browser, office_context, lang) -> None:
    server = portal["server"]
    code, _ = _unit(portal, 0)
    office = _login(office_context)
    w = words(lang)
    for path, title in ((f"/office?period={PERIOD}", "portal.office.grid_title"),
                        (f"/office/unit/{code}?period={PERIOD}", None),
                        (f"/office/missing?period={PERIOD}", "portal.office.missing_title"),
                        (f"/office/documents?period={PERIOD}", "portal.office.documents_title"),
                        ("/office/audit", "portal.office.audit_title")):
        resp = office.goto(f"{server.url}{path}{'&' if '?' in path else '?'}lang={lang}")
        assert resp.status == 200, path
        if title:
            assert office.inner_text("h1").startswith(w(title, period="X").split("X")[0].strip()), path
    assert office.goto(f"{server.url}/office/unit/KHONG-CO?lang={lang}").status == 404
    assert office.goto(f"{server.url}/office/khong-co?lang={lang}").status == 404
    assert w("portal.error.not_found") in office.inner_text(".message")
    office.goto(f"{server.url}/office?lang=vi")  # the session's language back to Vietnamese for the other tests
