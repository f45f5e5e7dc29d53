"""Security headers on public and authenticated pages, HSTS and secure cookies behind TLS, and the pages
working in Chromium under the Content-Security-Policy (no inline code) with no violation reported."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client, RequestFactory

from frenchtech.web.security import ContentSecurityPolicyMiddleware
from tests.web.conftest import set_phase

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = [ROOT / "src" / "frenchtech" / "web" / "templates", ROOT / "src" / "frenchtech" / "report" / "templates"]
INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle\s*=|\son[a-z]+\s*=|javascript:", re.IGNORECASE)


def directives(header: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in header.split(";")) if d}


def assert_secure_headers(response, url):
    csp = directives(response["Content-Security-Policy"])
    for name in ("default-src", "script-src", "style-src", "connect-src", "form-action"):
        assert csp[name] == ["'self'"], (url, name, csp[name])
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"], url
    assert not any("unsafe" in s for sources in csp.values() for s in sources), url
    assert response["X-Content-Type-Options"] == "nosniff", url
    assert response["Referrer-Policy"] == "same-origin", url
    assert response["X-Frame-Options"] == "DENY", url


@pytest.fixture
def showcase(settings, audit_dir):
    settings.SHOWCASE_AUDIT = str(audit_dir)


def test_public_pages_carry_the_security_headers(call, showcase):
    client = Client()
    # the showcase's files last: after a streamed file, the test client's PostgreSQL connection is closed
    for url in ["/", "/accounts/login/", "/accounts/register/", "/geo/epci.json?q=lyon", "/api/showcase/v1/",
                "/api/showcase/v1/tables/scores", "/nowhere/", "/showcase/fr/index.html", "/showcase/en/jury.html"]:
        r = client.get(url)
        assert r.status_code in (200, 404), (url, r.status_code)
        assert_secure_headers(r, url)


def test_authenticated_pages_carry_the_security_headers(call, people, dossiers):
    set_phase(call, "review")
    for who, urls in {"admin": ["/dossiers/", f"/dossiers/{dossiers['lyon'].pk}/", "/programme/calendar/",
                                "/programme/activity/", "/jury/assign/", "/admin/"],
                      "lyon": ["/dossiers/", f"/dossiers/{dossiers['lyon'].pk}/"],
                      "juror": ["/jury/"], "fund": ["/fund/"]}.items():
        client = Client()
        client.force_login(people[who])
        for url in urls:
            r = client.get(url)
            assert r.status_code == 200, (who, url, r.status_code)
            assert_secure_headers(r, url)


def test_a_nonce_is_drawn_per_request_and_named_only_when_a_page_uses_it():
    from django.http import HttpResponse
    from django.template import engines

    template = engines["django"].from_string('<script nonce="{{ request.csp_nonce }}">go()</script>')
    used = ContentSecurityPolicyMiddleware(lambda request: HttpResponse(template.render({"request": request})))
    nonces = []
    for _ in range(2):
        r = used(RequestFactory().get("/"))
        nonce = re.search(r'nonce="([^"]+)"', r.content.decode()).group(1)
        csp = directives(r["Content-Security-Policy"])
        assert csp["script-src"] == ["'self'", f"'nonce-{nonce}'"] and csp["style-src"][-1] == f"'nonce-{nonce}'"
        nonces.append(nonce)
    assert nonces[0] != nonces[1] and len(nonces[0]) >= 16
    plain = ContentSecurityPolicyMiddleware(lambda request: HttpResponse("<p>no inline code</p>"))
    assert "nonce" not in plain(RequestFactory().get("/"))["Content-Security-Policy"]


def test_no_inline_code_in_the_templates_or_the_exported_showcase(audit_dir, tmp_path):
    from frenchtech.report.site import export_showcase

    for folder in TEMPLATES:
        for template in folder.rglob("*.html"):
            text = template.read_text(encoding="utf-8")
            if folder.parent.name == "report":
                # A report written alone (the jury report, a feedback letter) is one self-contained file
                # opened from disk, holding the report's own stylesheet and script; the pages the platform
                # serves link them instead (the exported showcase is checked below, rendered).
                text = re.sub(r"<(style|script)>\{\{ (css|js)\|safe \}\}</\1>", "", text)
            found = INLINE.findall(text)
            assert not found, (template, found)
    export_showcase([audit_dir], tmp_path / "site")
    pages = list((tmp_path / "site").rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        found = INLINE.findall(page.read_text(encoding="utf-8"))
        assert not found, (page, found)


def test_behind_tls_hsts_secure_cookies_and_https_only(tmp_path):
    from tests.web.test_serving import STRONG_KEY, Server, environment

    server = Server(tmp_path / "home", "--workers", "1", env=environment(
        FRENCHTECH_SECRET_KEY=STRONG_KEY, FRENCHTECH_TLS="1"))
    try:
        status, headers, _ = server.request("/accounts/login/")  # plain HTTP reaching the platform
        assert status == 301 and headers["Location"] == f"https://127.0.0.1:{server.port}/accounts/login/"
        status, headers, _ = server.request("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
        assert status == 200
        assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        cookie, = [c for c in headers.get_all("Set-Cookie") if c.startswith("csrftoken=")]
        assert "; Secure" in cookie and "SameSite=Lax" in cookie
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    finally:
        server.stop()


# --- In Chromium: the pages work under the policy, and nothing is refused ------------------------------

WATCH = """window.__violations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__violations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});"""


@pytest.fixture
def csp_page(browser, live_server):
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("browser tests need Debian's Chromium: apt-get install -y chromium")
    context = browser.new_context(locale="en")
    context.add_init_script(WATCH)
    page = context.new_page()
    page.set_default_timeout(15000)
    console = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    yield page, console
    context.close()


def violations(page) -> list[str]:
    return page.evaluate("window.__violations")


def login(page, url, username):
    from tests.web.conftest import PASSWORD

    page.goto(url + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_load_state()


@pytest.mark.django_db(transaction=True)
def test_pages_work_in_chromium_under_the_policy(csp_page, live_server, call, people, showcase):
    from playwright.sync_api import expect

    from frenchtech.programme.accounts.services import team_of
    from frenchtech.programme.dossiers.services import create_dossier

    page, console = csp_page
    url = live_server.url
    set_phase(call, "open")
    draft = create_dossier(call, team_of(people["lyon"]), people["lyon"])

    # The public showcase: the map's script colours and describes territories, the filters filter.
    page.goto(url + "/showcase/en/index.html")
    shape = page.locator('svg.map [data-territory="toulouse"] path')
    shape.scroll_into_view_if_needed()
    shape.hover()
    expect(page.locator("#map-tooltip")).to_contain_text("Toulouse")
    page.check('input[name="colour"][value="score"]')
    expect(page.locator("html")).to_have_attribute("data-colour", "score")
    page.goto(url + "/showcase/en/network.html")
    rows = page.locator("#table-structures tbody tr:visible")
    total = rows.count()
    page.select_option('select.f-territory[data-for="structures"]', "lyon")
    page.locator('input.f-text[data-for="structures"]').press("Enter")  # the form is not sent
    assert page.url.endswith("/showcase/en/network.html") and 0 < rows.count() < total
    page.goto(url + "/showcase/en/jury.html")
    # the linked stylesheet applies (a bordered swatch), and the print button is wired by the script
    assert page.locator(".swatch").first.evaluate("e => getComputedStyle(e).borderTopStyle") == "solid"
    page.evaluate("window.print = function () { window.__printed = true; }")
    page.locator("button.print").click()
    assert page.evaluate("window.__printed") is True

    # The applicant's dossier form: the live population comes from the platform by fetch().
    login(page, url, "team-lyon")
    page.goto(url + f"/dossiers/{draft.pk}/edit/")
    expect(page.locator("#population")).to_have_text(re.compile(r"\d"))
    assert page.evaluate("getComputedStyle(document.body).marginTop") is not None
    stylesheet_rules = page.evaluate("Array.from(document.styleSheets).reduce((n, s) => n + s.cssRules.length, 0)")
    assert stylesheet_rules > 10  # platform.css loaded under style-src 'self'
    assert violations(page) == [] and console == [], (violations(page), console)

    # The watch itself: inline code is refused and reported (so the empty lists above mean something).
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color:red\">x</p>')")
    page.evaluate("var s = document.createElement('script'); s.textContent = 'window.__ran = 1';"
                  " document.body.appendChild(s);")
    page.wait_for_function("window.__violations.length >= 2")
    assert page.evaluate("window.__ran") is None
    assert any(v.startswith("style-src") for v in violations(page))
    assert any(v.startswith("script-src") for v in violations(page))
