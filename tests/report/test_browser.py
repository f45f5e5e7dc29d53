"""The exported showcase in Debian's Chromium, served from 127.0.0.1 with every other request blocked:
the map renders and hovers, the language switch works, downloads are the right files, the first page
loads in under a second. Screenshots go to artefacts/screenshots/."""
from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

from .conftest import SCREENSHOTS

pytest.importorskip("playwright")
if not Path("/usr/bin/chromium").exists():
    pytest.skip("Debian's Chromium is not installed (apt-get install -y chromium)", allow_module_level=True)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def showcase_url(site):
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def offline(page, showcase_url):
    """The page with the network cut: only 127.0.0.1 answers; every other request is recorded and aborted."""
    attempted = []

    def route(r):
        host = urlparse(r.request.url).hostname
        if host == "127.0.0.1":
            r.continue_()
        else:
            attempted.append(r.request.url)
            r.abort()

    page.context.route("**/*", route)
    yield page
    assert attempted == [], f"requests outside the local server: {attempted}"


def shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"showcase-{name}.png"), full_page=True)


def test_first_page_loads_under_a_second(offline, showcase_url):
    offline.goto(f"{showcase_url}/fr/index.html")
    ms = offline.evaluate("() => { const n = performance.getEntriesByType('navigation')[0];"
                          " return n.loadEventEnd - n.startTime; }")
    print(f"\nfirst page (fr/index.html) load: {ms:.0f} ms")
    assert 0 < ms < 1000
    shot(offline, "home-fr")


def test_map_renders_every_territory_and_hover_shows_it(offline, showcase_url):
    offline.goto(f"{showcase_url}/en/index.html")
    territories = offline.locator("svg.map .territory")
    assert territories.count() == 16
    shape = offline.locator('svg.map [data-territory="toulouse"] path')
    shape.scroll_into_view_if_needed()
    box = shape.bounding_box()
    assert box and box["width"] > 2 and box["height"] > 2
    shape.hover()
    tip = offline.locator("#map-tooltip")
    tip.wait_for(state="visible")
    assert "French Tech Toulouse" in tip.inner_text()
    shot(offline, "map-hover-en")


def test_keyboard_focus_shows_a_territory_and_colouring_switches(offline, showcase_url):
    offline.goto(f"{showcase_url}/en/index.html")
    first = offline.locator("svg.map .territory").first
    first.focus()
    assert offline.locator("#map-tooltip").is_visible()
    fill = offline.locator('svg.map [data-territory="lyon"] path')
    label_fill = fill.get_attribute("fill")
    offline.check('input[name="colour"][value="score"]')
    assert fill.get_attribute("fill") == fill.get_attribute("data-fill-score") != label_fill
    shot(offline, "map-by-score-en")


def test_language_switch(offline, showcase_url):
    offline.goto(f"{showcase_url}/fr/territories/lyon.html")
    assert offline.locator("html").get_attribute("lang") == "fr"
    offline.click("#lang-switch")
    offline.wait_for_url("**/en/territories/lyon.html")
    assert offline.locator("html").get_attribute("lang") == "en"
    assert "Label history" in offline.content()
    shot(offline, "profile-lyon-en")


def test_downloads_return_the_right_files(offline, showcase_url, site):
    offline.goto(f"{showcase_url}/en/data.html")
    for name, fmt in (("scores", "csv"), ("decisions", "parquet"), ("structures", "json")):
        with offline.expect_download() as info:
            offline.click(f'a.dl[href$="data/{name}.{fmt}"]')
        download = info.value
        assert download.suggested_filename == f"{name}.{fmt}"
        assert open(download.path(), "rb").read() == (site / "data" / f"{name}.{fmt}").read_bytes()
    shot(offline, "data-en")


def test_network_filters(offline, showcase_url):
    offline.goto(f"{showcase_url}/en/network.html")
    rows = offline.locator("#table-structures tbody tr")
    total = rows.count()
    offline.select_option('select.f-territory[data-for="structures"]', "lyon")
    visible = offline.locator("#table-structures tbody tr:not([hidden])")
    assert 0 < visible.count() < total
    offline.fill('input.f-text[data-for="structures"]', "zzzz-nothing")
    assert visible.count() == 0
    shot(offline, "network-en")


def test_ranking_and_jury_pages(offline, showcase_url):
    offline.goto(f"{showcase_url}/en/ranking.html")
    assert offline.locator("#ranking-table tbody tr").count() == 16
    shot(offline, "ranking-en")
    offline.goto(f"{showcase_url}/fr/jury.html")
    assert offline.locator("#cronbach").is_visible()
    shot(offline, "jury-fr")


def test_file_url_works_too(page, site):
    page.goto((site / "en" / "index.html").as_uri())
    assert page.locator("svg.map .territory").count() == 16


def test_keyboard_reaches_skip_link_then_navigation(offline, showcase_url):
    offline.goto(f"{showcase_url}/en/ranking.html")
    offline.keyboard.press("Tab")
    assert offline.evaluate("document.activeElement.className") == "skip"
    offline.keyboard.press("Enter")
    assert offline.evaluate("location.hash") == "#main"
