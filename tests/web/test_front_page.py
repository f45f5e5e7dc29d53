"""The front page says what the programme is, where the campaign stands and what each audience can do,
and links to the public results (every link answers); after logging in, each role lands on its own work."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from tests.web.conftest import PASSWORD, set_phase

WORDS = {"fr": ("Le programme labellise les territoires", "Étape en cours", "évaluation par le jury"),
         "en": ("The programme labels the territories", "Current phase", "jury review")}


@pytest.fixture
def served_showcase(tmp_path, settings, monkeypatch, audit_dir):
    """The demo audit where ``frenchtech serve --demo`` puts it, so that the showcase and its API answer."""
    monkeypatch.delenv("FRENCHTECH_SHOWCASE_AUDIT", raising=False)
    if hasattr(settings, "SHOWCASE_AUDIT"):
        del settings.SHOWCASE_AUDIT
    home = tmp_path / "home"
    home.mkdir()
    (home / "demo").symlink_to(Path(audit_dir).parent, target_is_directory=True)
    settings.HOME = home
    return home


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_front_page_explains_the_programme_and_links_to_the_results(lang, call, served_showcase):
    set_phase(call, "review")
    visitor = Client(HTTP_ACCEPT_LANGUAGE=lang)
    page = visitor.get("/").content.decode()
    summary, phase_words, phase_name = WORDS[lang]
    assert summary in page
    current = page[page.index('id="current-phase"'):]
    assert phase_words in current[:1500] and phase_name in current[:1500]
    for audience in ("audience-apply", "audience-review", "audience-follow"):
        assert f'id="{audience}"' in page
    links = page[page.index('id="public-links"'):]
    links = re.findall(r'href="([^"]+)"', links[:links.index("</ul>")])
    expected = ["/showcase/", f"/showcase/{lang}/ranking.html", f"/showcase/{lang}/index.html#maph",
                f"/showcase/{lang}/data.html", "/api/showcase/v1/", f"/showcase/{lang}/jury.html"]
    assert links[:6] == expected
    for href in expected:
        r = visitor.get(href.split("#")[0])
        assert r.status_code == 200, href
    # the map the link points to is on that page
    assert 'id="maph"' in b"".join(visitor.get(f"/showcase/{lang}/index.html").streaming_content).decode()


def test_registration_is_offered_while_applications_are_open(call):
    set_phase(call, "open")
    assert 'href="/accounts/register/"' in Client().get("/").content.decode()
    set_phase(call, "review")
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get("/").content.decode()
    assert 'href="/accounts/register/"' not in page and "Applications are closed" in page


def _login(username, next_url=None):
    data = {"username": username, "password": PASSWORD}
    if next_url is not None:
        data["next"] = next_url
    r = Client().post("/accounts/login/", data)
    assert r.status_code == 302, r.status_code
    return r["Location"]


def test_each_role_lands_on_its_work_list(call, people):
    set_phase(call, "review")
    assert _login("team-lyon") == "/dossiers/"
    assert _login("juror1") == "/jury/"
    assert _login("fund") == "/fund/"
    assert _login("admin") == "/dossiers/"
    set_phase(call, "deliberation")
    assert _login("admin") == "/deliberation/"
    # a page asked for before logging in wins over the work list; another site's address does not
    assert _login("juror2", next_url="/programme/calendar/") == "/programme/calendar/"
    assert _login("team-bordeaux", next_url="https://elsewhere.example/") == "/dossiers/"
