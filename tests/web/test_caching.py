"""Public pages kept rendered: ETag and 304, gzip, a new page after a publication, each visitor's own CSRF
token, nothing private kept; the call's campaign parsed once per file version."""
from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest
from django.test import Client

from tests.web.conftest import CAMPAIGN, PASSWORD, set_phase
from tests.web.publishing import publish

API = "/api/showcase/v1"


@pytest.fixture
def showcase(settings, monkeypatch, audit_dir):
    """The demo audit as the showcase's explicit folder."""
    monkeypatch.delenv("FRENCHTECH_SHOWCASE_AUDIT", raising=False)
    monkeypatch.delenv("FRENCHTECH_CACHE", raising=False)
    settings.SHOWCASE_AUDIT = str(audit_dir)
    return audit_dir


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("url", [f"{API}/tables/decisions", f"{API}/territories/lyon", "/showcase/fr/ranking.html",
                                 "/showcase/en/territories/lyon.html"])
def test_public_pages_answer_304_to_their_etag(db, showcase, url):
    visitor = Client()
    first = visitor.get(url)
    assert first.status_code == 200
    etag = first["ETag"]
    assert etag.startswith('"') and first["Cache-Control"] == "public, no-cache"
    again = visitor.get(url)
    assert again["ETag"] == etag and _body(again) == _body(first)
    unchanged = visitor.get(url, HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304 and unchanged.content == b"" and unchanged["ETag"] == etag
    assert visitor.get(url, HTTP_IF_NONE_MATCH='"another"').status_code == 200


def test_another_page_has_another_etag(db, showcase):
    visitor = Client()
    assert visitor.get(f"{API}/territories/lyon")["ETag"] != visitor.get(f"{API}/territories/paris")["ETag"]
    assert visitor.get("/showcase/fr/ranking.html")["ETag"] != visitor.get("/showcase/en/ranking.html")["ETag"]


def test_compressed_for_clients_that_accept_gzip(db, showcase):
    visitor = Client()
    plain = visitor.get(f"{API}/tables/scores")
    assert "Content-Encoding" not in plain and plain.json()["rows"]
    packed = visitor.get(f"{API}/tables/scores", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert packed["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed["Vary"]
    assert gzip.decompress(_body(packed)) == plain.content
    assert len(_body(packed)) < len(plain.content)
    page = visitor.get("/showcase/fr/ranking.html", HTTP_ACCEPT_ENCODING="gzip")
    assert gzip.decompress(_body(page)).startswith(b"<!doctype html") or b"<html" in gzip.decompress(_body(page))


def test_pages_not_kept_are_compressed_too(db, people, call):
    """The other pages (here a logged-in person's dossier list) are compressed by the middleware."""
    client = Client()
    assert client.login(username="admin", password=PASSWORD)
    r = client.get("/dossiers/", HTTP_ACCEPT_ENCODING="gzip")
    assert r.status_code == 200 and r["Content-Encoding"] == "gzip"
    assert b"</html>" in gzip.decompress(r.content)


def test_a_publication_replaces_the_kept_pages(db, settings, monkeypatch, audit_dir, dossiers, people, call):
    """Proposals before, the published decisions after: the pages kept before the publication are not
    answered after it, and their ETag no longer matches."""
    from frenchtech.web.showcase_api.published import explicit_audit_folder

    monkeypatch.delenv("FRENCHTECH_SHOWCASE_AUDIT", raising=False)
    monkeypatch.delenv("FRENCHTECH_CACHE", raising=False)
    if hasattr(settings, "SHOWCASE_AUDIT"):
        del settings.SHOWCASE_AUDIT
    home = Path(settings.PRIVATE_FILES_ROOT).parent / "home"
    home.mkdir()
    (home / "demo").symlink_to(Path(audit_dir).parent, target_is_directory=True)
    settings.HOME = home
    assert explicit_audit_folder() is None
    visitor = Client()
    before = visitor.get(f"{API}/territories/lyon")
    assert before.json()["decisions"] == "proposed"
    ranking = visitor.get("/showcase/fr/ranking.html")
    assert b'id="proposals-banner"' in _body(ranking)

    admin = Client()
    admin.force_login(people["admin"])
    set_phase(call, "deliberation")
    for d in dossiers.values():
        assert admin.post(f"/deliberation/{d.pk}/", {"decision": "deferred", "kind": "metropole",
                                                      "rationale": "Perimeter to be confirmed."}).status_code == 302
    assert publish(admin).redirect_chain[-1][1] == 302

    after = visitor.get(f"{API}/territories/lyon", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    assert after.json()["decisions"] == "published"
    assert after.json()["decision"]["decision"] == "deferred"
    assert b'id="proposals-banner"' not in _body(visitor.get("/showcase/fr/ranking.html"))


def test_home_page_kept_with_each_visitors_own_csrf_token(db, call):
    """Anonymous visitors share the home page but each gets a token of their own, which the language
    switch accepts (checked as a browser is: CSRF enforced)."""
    from frenchtech.web import caching

    a, b = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    page_a, page_b = a.get("/"), b.get("/")
    assert caching.CSRF_PLACEHOLDER.encode() not in page_a.content + page_b.content
    assert any(k[0] == "frenchtech.web.views.public" for k in caching.PAGES.entries)
    token_a, token_b = (p.content.split(b'name="csrfmiddlewaretoken" value="')[1].split(b'"')[0].decode()
                        for p in (page_a, page_b))
    assert a.cookies["csrftoken"].value != b.cookies["csrftoken"].value
    assert a.post("/i18n/setlang/", {"language": "fr", "next": "/", "csrfmiddlewaretoken": token_a}).status_code == 302
    assert b.post("/i18n/setlang/", {"language": "fr", "next": "/", "csrfmiddlewaretoken": token_b}).status_code == 302
    # a's token does not pass with b's cookie: the tokens are really each visitor's own
    assert Client(enforce_csrf_checks=True).post("/i18n/setlang/", {"language": "fr", "csrfmiddlewaretoken": token_a},
                                                 HTTP_COOKIE=f"csrftoken={b.cookies['csrftoken'].value}").status_code == 403


def test_nothing_private_is_kept(db, people, call, dossiers):
    """A logged-in person's pages are never kept nor answered to anyone else, and a kept anonymous home
    page is not answered to a logged-in person."""
    from frenchtech.web import caching

    anonymous = Client()
    assert b"team-lyon" not in anonymous.get("/").content
    lyon = Client()
    assert lyon.login(username="team-lyon", password=PASSWORD)
    home = lyon.get("/")
    assert b"team-lyon" in home.content and b'action="/accounts/logout/"' in home.content
    detail = lyon.get(f"/dossiers/{dossiers['lyon'].pk}/")
    assert detail.status_code == 200
    kept = b"".join(k.body for k in caching.PAGES.entries.values())
    assert b"team-lyon" not in kept
    assert not any(f"/dossiers/{dossiers['lyon'].pk}/" in str(key) for key in caching.PAGES.entries)
    assert b"team-lyon" not in Client().get("/").content
    assert "ETag" not in detail and "ETag" not in home


def test_cache_can_be_turned_off(db, showcase, monkeypatch):
    from frenchtech.web import caching

    monkeypatch.setenv("FRENCHTECH_CACHE", "0")
    r = Client().get(f"{API}/tables/decisions")
    assert r.status_code == 200 and "ETag" not in r and not caching.PAGES.entries


def test_call_campaign_parsed_once_per_file_version(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from frenchtech.programme.calls import load_call_campaign

    monkeypatch.delenv("FRENCHTECH_CACHE", raising=False)
    path = tmp_path / "campaign.toml"
    shutil.copy(CAMPAIGN, path)
    call = SimpleNamespace(campaign_file=str(path))
    first = load_call_campaign(call)
    assert load_call_campaign(call) is first
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(f'name = "{first.name}"', 'name = "Renamed campaign"', 1), encoding="utf-8")
    changed = load_call_campaign(call)
    assert changed is not first and changed.name == "Renamed campaign"
    path.write_text(text.replace("[", "[[", 1), encoding="utf-8")  # broken: the error names the file
    with pytest.raises(Exception, match="campaign.toml"):
        load_call_campaign(call)
