"""The showcase served by the platform: the audit's proposals, said to be proposals, until the jury
publishes; then the published decisions (a deferral, a label by override) on the pages and in the API.
The demo audit is found under the platform's home folder, wherever the server runs from."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.test import Client

from tests.web.conftest import set_phase
from tests.web.publishing import publish

API = "/api/showcase/v1"
DEFERRAL = "Perimeter to be confirmed by the metropolitan council."
OVERRIDE = "The jury weighs the flagship place more than the audit does."


def _page(client, url) -> str:
    r = client.get(url)
    assert r.status_code == 200, url
    return b"".join(r.streaming_content).decode()


def _row(html: str, name: str) -> str:
    """The ranking table's row of a territory."""
    start = html.index(f">{name}</a></th>")
    return html[start:html.index("</tr>", start)]


@pytest.fixture
def home(tmp_path, settings, monkeypatch, audit_dir):
    """A platform home folder holding the demo audit as ``frenchtech serve --demo`` writes it (HOME/demo/audit),
    served from another working directory, with no explicit showcase audit."""
    monkeypatch.delenv("FRENCHTECH_SHOWCASE_AUDIT", raising=False)
    if hasattr(settings, "SHOWCASE_AUDIT"):
        del settings.SHOWCASE_AUDIT
    home = tmp_path / "home"
    home.mkdir()
    (home / "demo").symlink_to(Path(audit_dir).parent, target_is_directory=True)
    settings.HOME = home
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    return home


def test_demo_audit_is_found_under_the_home_folder(home, settings, monkeypatch, audit_dir, tmp_path):
    from frenchtech.web.showcase_api.published import configured_audit_folder

    assert configured_audit_folder().resolve() == (home / "demo" / "audit").resolve()
    # the environment variable names the platform's home when the settings do not
    del settings.HOME
    monkeypatch.setenv("FRENCHTECH_HOME", str(home))
    assert configured_audit_folder().resolve() == (home / "demo" / "audit").resolve()
    # an explicit showcase audit still wins
    monkeypatch.setenv("FRENCHTECH_SHOWCASE_AUDIT", str(tmp_path / "other"))
    assert configured_audit_folder() == (tmp_path / "other").resolve()


def test_served_showcase_finds_the_demo_audit_under_home(db, home):
    body = Client().get(f"{API}/").json()
    assert body["campaign"] == "metropoles-2014" and body["decisions"] == "proposed"
    assert "<h1>" in _page(Client(), "/showcase/fr/ranking.html")


def test_showcase_shows_proposals_then_the_published_decisions(home, audit_dir, dossiers, people, call):
    with open(Path(audit_dir) / "decisions.csv", encoding="utf-8", newline="") as f:
        proposed = {r["territory"]: r for r in csv.DictReader(f)}
    lyon, bordeaux = dossiers["lyon"], dossiers["bordeaux"]
    # Bordeaux: the opposite of the audit's proposal (a label by override when the audit does not retain it)
    other = "labelled" if proposed["bordeaux"]["decision"] != "labelled" else "not_selected"
    visitor = Client()

    # before publication: the audit's proposals, said to be proposals
    assert visitor.get(f"{API}/territories/lyon").json()["decisions"] == "proposed"
    assert visitor.get(f"{API}/territories/lyon").json()["decision"]["decision"] == proposed["lyon"]["decision"]
    ranking = _page(visitor, "/showcase/fr/ranking.html")
    assert 'id="proposals-banner"' in ranking and "Propositions de l'audit" in ranking
    assert 'id="proposals-banner"' in _page(visitor, "/showcase/en/territories/lyon.html")

    set_phase(call, "deliberation")
    admin = Client()
    admin.force_login(people["admin"])
    assert admin.post(f"/deliberation/{lyon.pk}/", {"decision": "deferred", "kind": "metropole",
                                                     "rationale": DEFERRAL}).status_code == 302
    assert admin.post(f"/deliberation/{bordeaux.pk}/", {"decision": other, "kind": "metropole", "starts": "2014-11-12",
                                                         "ends": "2018-11-12", "rationale": OVERRIDE}).status_code == 302
    assert publish(admin).redirect_chain[-1][1] == 302

    # after publication: the API gives the published decisions, reasons and validity dates
    body = visitor.get(f"{API}/territories/lyon").json()
    assert body["decisions"] == "published"
    assert body["decision"]["decision"] == "deferred" and body["decision"]["reason"] == DEFERRAL
    assert body["decision"]["valid_from"] is None and body["decision"]["valid_until"] is None
    assert body["territory"]["decision"] == "deferred"
    body = visitor.get(f"{API}/territories/bordeaux").json()
    assert body["decision"]["decision"] == other and body["decision"]["override"] is True
    assert body["decision"]["reason"] == OVERRIDE
    if other == "labelled":
        assert (body["decision"]["valid_from"], body["decision"]["valid_until"]) == ("2014-11-12", "2018-11-12")
    rows = visitor.get(f"{API}/tables/decisions", {"territory": "lyon"}).json()["rows"]
    assert [r["decision"] for r in rows] == ["deferred"]
    # ... and so do the pages, without the proposals banner
    ranking = _page(visitor, "/showcase/fr/ranking.html")
    assert 'id="proposals-banner"' not in ranking
    assert "ajourné" in _row(ranking, "Lyon French Tech") and DEFERRAL in _row(ranking, "Lyon French Tech")
    assert OVERRIDE in _row(ranking, "Bordeaux Métropole numérique")
    page = _page(visitor, "/showcase/en/territories/lyon.html")
    assert "deferred" in page and DEFERRAL in page and 'id="proposals-banner"' not in page
    # the public decisions page and the showcase agree
    public = visitor.get(f"/public/{call.campaign}/").content.decode()
    lyon_row = public[public.index("Lyon French Tech") - 200:public.index("Lyon French Tech")]
    assert 'class="decision-deferred' in lyon_row


def test_overlay_keeps_the_audit_columns():
    import pandas as pd

    from frenchtech.web.showcase_api.published import overlay

    audit = pd.DataFrame({"territory": ["a", "b"], "decision": ["labelled", "not_selected"],
                          "reason": ["rank 1", "rank 2"], "valid_from": ["2014-11-12", float("nan")],
                          "rule_decision": ["labelled", "not_selected"], "score": [2.0, 1.0]})
    out = overlay(audit, [{"territory": "a", "decision": "deferred", "reason": "why", "valid_from": "",
                           "override": True}])
    assert out["decision"].tolist() == ["deferred", "not_selected"]
    assert out.loc[0, "valid_from"] == "" and out.loc[0, "override"] is True
    assert out["rule_decision"].tolist() == ["labelled", "not_selected"] and out["score"].tolist() == [2.0, 1.0]
    assert audit["decision"].tolist() == ["labelled", "not_selected"]  # the audit's table is left as is
