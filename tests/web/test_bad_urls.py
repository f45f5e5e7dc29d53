"""Public URLs given bad paths or parameters answer 4xx with a message, never a server error."""
from __future__ import annotations

import io
from wsgiref.util import setup_testing_defaults

import pytest
from click.testing import CliRunner

pytestmark = pytest.mark.django_db


def test_static_path_out_of_the_static_folders_is_not_found(client):
    client.raise_request_exception = False
    for url in ["/static/..%2f..%2fsettings.py", "/static/../../settings.py", "/static/%2e%2e/%2e%2e/urls.py"]:
        r = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert r.status_code == 404, (url, r.status_code)
        assert "Not found" in r.content.decode()


def _served_handler(monkeypatch, tmp_path):
    """The WSGI handler `frenchtech serve --dev` runs, built from the options it gives runserver."""
    import django.core.management

    from frenchtech.cli.main import main

    calls = []
    monkeypatch.setattr(django.core.management, "call_command", lambda *a, **kw: calls.append((a, kw)))
    monkeypatch.setenv("FRENCHTECH_HOME", str(tmp_path))
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "frenchtech.web.settings")
    r = CliRunner().invoke(main, ["serve", "--dev", "--home", str(tmp_path)])
    assert r.exit_code == 0, r.output
    (args, options), = [c for c in calls if c[0][0] == "runserver"]
    from django.contrib.staticfiles.management.commands.runserver import Command

    return Command().get_handler(**{"use_static_handler": True, "insecure_serving": False, **options})


def test_served_static_path_out_of_the_static_folders_is_not_found(monkeypatch, tmp_path):
    handler = _served_handler(monkeypatch, tmp_path)
    for raw in ["/static/../../settings.py", "/static/..%2f..%2fsettings.py"]:
        environ = {"PATH_INFO": raw.replace("%2f", "/"), "REQUEST_METHOD": "GET", "wsgi.errors": io.StringIO(),
                   "HTTP_ACCEPT_LANGUAGE": "en"}
        setup_testing_defaults(environ)
        status = []
        body = b"".join(handler(environ, lambda s, h, *a: status.append(s)))
        assert status[0].startswith("404"), (raw, status, body[:200])
        assert b"Not found" in body


def test_perimeter_of_an_unknown_vintage_is_a_bad_request(client):
    client.raise_request_exception = False
    r = client.get("/geo/perimeter.json?vintage=1900&epci=246900245")
    assert r.status_code == 400
    assert r.json() == {"ok": False, "error": "unknown geography vintage '1900'; available: 2014, 2015, 2026",
                        "population": 0, "communes": 0}
    r = client.get("/geo/perimeter.json?vintage=abc&epci=246900245")
    assert r.status_code == 400 and "unknown geography vintage 'abc'" in r.json()["error"]
    r = client.get("/geo/perimeter.json?vintage=2014&epci=246900245")
    assert r.status_code == 200 and r.json()["ok"]
