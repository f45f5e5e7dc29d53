"""The read-only showcase API: answers, errors, an OpenAPI description that validates, and a
schemathesis run that finds no server error and no response outside the description."""
from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hsettings
from openapi_spec_validator import validate

URLCONF = "frenchtech.web.showcase_api.urls"
BASE = "/api/showcase/v1"


@pytest.fixture
def api(settings, demo_audit, db):
    settings.ROOT_URLCONF = URLCONF
    settings.SHOWCASE_AUDIT = str(demo_audit)
    settings.ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
    from django.test import Client

    return Client()


def test_openapi_description_validates(api):
    doc = api.get(f"{BASE}/openapi.json").json()
    validate(doc)
    assert doc["openapi"].startswith("3.1")
    assert "scores" in doc["paths"][f"{BASE}/tables/{{table}}"]["get"]["parameters"][0]["schema"]["enum"]


def test_exported_description_validates(site):
    validate(json.loads((site / "api" / "openapi.json").read_text(encoding="utf-8")))


def test_index_lists_tables_and_says_generated(api):
    body = api.get(f"{BASE}/").json()
    assert body["generated"] is True and body["campaign"] == "metropoles-2014"
    assert {"scores", "territories", "decisions", "structures"} <= {t["name"] for t in body["tables"]}


def test_table_pages_and_filters(api):
    body = api.get(f"{BASE}/tables/scores", {"limit": 5, "offset": 2}).json()
    assert body["total"] == 16 and len(body["rows"]) == 5 and body["offset"] == 2
    lyon = api.get(f"{BASE}/tables/structures", {"territory": "lyon"}).json()
    assert lyon["rows"] and {r["territory"] for r in lyon["rows"]} == {"lyon"}


def test_territory_profile(api):
    body = api.get(f"{BASE}/territories/brest").json()
    assert body["territory"]["name"] == "Brest" and body["score"]["rank"] >= 1
    assert body["flags"] and body["flags"][0]["figure"] == "funding_eur"


@pytest.mark.parametrize("url,status", [(f"{BASE}/tables/nope", 404), (f"{BASE}/territories/atlantis", 404),
                                        (f"{BASE}/tables/scores?limit=0", 400), (f"{BASE}/tables/scores?offset=x", 400)])
def test_errors_are_json(api, url, status):
    r = api.get(url)
    assert r.status_code == status and "error" in r.json()


def test_read_only(api):
    assert api.post(f"{BASE}/tables/scores").status_code == 405


def test_missing_audit_is_404_not_a_crash(settings, tmp_path):
    settings.ROOT_URLCONF = URLCONF
    settings.SHOWCASE_AUDIT = str(tmp_path)
    from django.test import Client

    assert Client().get(f"{BASE}/").status_code == 404


def test_platform_serves_the_showcase(api):
    r = api.get("/showcase/en/index.html")
    assert r.status_code == 200 and b"GENERATED demo data" in b"".join(r.streaming_content)
    assert api.get("/showcase/../../etc/passwd").status_code == 404


@pytest.fixture
def api_schema(api):
    """The API as a WSGI app; like Django's test client, requests leave the database connections alone."""
    from django.core import signals
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi(f"{BASE}/openapi.json", WSGIHandler())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@hsettings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_schemathesis_finds_no_server_error(case):
    # the WSGI transport hands the body over as sent: ask for it uncompressed, as a client that does not
    # decode gzip would (the compressed answers are checked in tests/web/test_caching.py)
    case.call_and_validate(headers={"Accept-Encoding": "identity"})
