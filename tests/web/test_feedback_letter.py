"""An applicant reads its territory's feedback letter on the platform once the decisions are published,
rebuilt from the pinned audit with the published decision; never another territory's, never before."""
from __future__ import annotations

import pytest
from django.test import Client

from tests.web.conftest import set_phase
from tests.web.publishing import publish

DEFERRAL = "Perimeter to be confirmed by the metropolitan council."


def _client(user=None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


@pytest.fixture
def published(call, people, dossiers):
    set_phase(call, "deliberation")
    admin = _client(people["admin"])
    for key in ("lyon", "bordeaux"):
        assert admin.post(f"/deliberation/{dossiers[key].pk}/", {"decision": "deferred", "kind": "metropole",
                                                                 "rationale": DEFERRAL}).status_code == 302
    assert publish(admin).redirect_chain[-1][1] == 302
    call.refresh_from_db()
    return call


def test_no_letter_before_publication(call, people, dossiers):
    set_phase(call, "deliberation")
    lyon = _client(people["lyon"])
    assert lyon.get("/feedback/").status_code in (403, 404)
    assert lyon.get("/feedback/lyon/").status_code in (403, 404)
    assert _client(people["admin"]).get("/feedback/lyon/").status_code in (403, 404)


def test_applicant_reads_its_own_letter_and_no_one_else(published, people):
    lyon = _client(people["lyon"])
    page = lyon.get("/feedback/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-territory="lyon"' in html and 'data-territory="bordeaux"' not in html
    # the decision published (a deferral by the jury), not the audit's proposal
    assert 'data-decision="deferred"' in html and DEFERRAL in html
    assert 'data-figure="rank"' in html and "<style" not in html   # the platform's page styles it (CSP)
    assert lyon.get("/feedback/lyon/").status_code == 200
    # another territory's letter: refused to Lyon's team, to a juror, to the fund manager
    assert lyon.get("/feedback/bordeaux/").status_code in (403, 404)
    assert _client(people["juror"]).get("/feedback/lyon/").status_code in (403, 404)
    assert _client(people["fund"]).get("/feedback/").status_code in (403, 404)
    # Bordeaux's team reads Bordeaux's
    other = _client(people["bordeaux"]).get("/feedback/").content.decode()
    assert 'data-territory="bordeaux"' in other and 'data-territory="lyon"' not in other
    # the programme team reads any; an anonymous visitor is sent to log in
    assert 'data-territory="lyon"' in _client(people["admin"]).get("/feedback/lyon/").content.decode()
    assert _client().get("/feedback/lyon/").status_code == 302


def test_letter_inputs_are_among_the_pinned_files(published):
    from frenchtech.programme.deliberation.models import PublishedFile

    pinned = set(PublishedFile.objects.values_list("path", flat=True))
    assert {"counterfactuals.csv", "scores.csv", "decisions.csv", "indicators.csv", "national.csv",
            "flags.csv", "feedback/fr/lyon.html", "feedback/en/lyon.html"} <= pinned
