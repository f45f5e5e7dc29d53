"""Confirmation pages before irreversible actions, in French and English: the summary shows what will
happen, the action needs the summary's fingerprint sent back, and a stale summary commits nothing."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client

from frenchtech.programme.fund import desk
from frenchtech.programme.fund.models import Decision, Entry, Fund

WORDS = {"en": {"title": "Commit to the ledger", "stale": "Nothing was committed"},
         "fr": {"title": "Engager dans le registre", "stale": "Rien n’a été engagé"}}


def client_for(user, lang):
    c = Client(HTTP_ACCEPT_LANGUAGE=lang)
    c.force_login(user)
    return c


def _digest(page: str) -> str:
    return re.search(r'name="confirm" value="([0-9a-f]{64})"', page).group(1)


@pytest.fixture
def allocated(db, people):
    c = client_for(people["fund"], "en")
    c.post("/fund/applications/", {"generate": "1", "n": "12", "seed": "3"})
    c.post("/fund/allocation/")
    doc, rows = desk.latest_allocation(desk.fund())
    return doc, [r for r in rows if r["funded"] == "true"]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_commit_shows_the_positions_totals_and_reference_before_booking(allocated, people, lang):
    doc, funded = allocated
    c = client_for(people["fund"], lang)
    allocation = c.get("/fund/allocation/").content.decode()
    assert 'href="/fund/allocation/commit/"' in allocation and 'action="/fund/allocation/commit/"' not in allocation
    r = c.get("/fund/allocation/commit/")
    page = r.content.decode()
    assert r.status_code == 200 and WORDS[lang]["title"] in page
    assert not Fund.objects.exists() and not Entry.objects.exists()      # showing the summary books nothing
    assert re.search(r'id="commit-reference">([^<]+)<', page).group(1) == doc["reference"]
    assert int(re.search(r'id="commit-count">(\d+)<', page).group(1)) == len(funded)
    shown = re.findall(r'<tr><th scope="row">(\w+)</th>', page)
    assert shown == [r["application_id"] for r in funded]
    total = sum(Decimal(r["amount_eur"]) for r in funded)
    text = page.replace("\u202f", " ").replace("\xa0", " ")
    assert (f"{total:,.2f}".replace(",", " ").replace(".", ",") if lang == "fr" else f"{total:,.2f}") in text
    assert "region:" not in page
    r = c.post("/fund/allocation/commit/", {"confirm": _digest(page)}, follow=True)
    assert Entry.objects.filter(kind="commit").count() == len(funded)
    assert Decision.objects.filter(reference=doc["reference"]).count() == 1


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_stale_or_missing_summary_commits_nothing(allocated, people, lang):
    c = client_for(people["fund"], lang)
    old = _digest(c.get("/fund/allocation/commit/").content.decode())
    for sent in ({}, {"confirm": "0" * 64}):
        r = c.post("/fund/allocation/commit/", sent, follow=True)
        assert WORDS[lang]["stale"] in r.content.decode()
        assert not Entry.objects.exists() and not Decision.objects.exists()
    # another batch allocated after the page was shown: the old summary no longer holds
    c.post("/fund/applications/", {"generate": "1", "n": "14", "seed": "9"})
    c.post("/fund/allocation/")
    r = c.post("/fund/allocation/commit/", {"confirm": old}, follow=True)
    assert r.redirect_chain[-1][0] == "/fund/allocation/commit/"
    assert WORDS[lang]["stale"] in r.content.decode()
    assert not Entry.objects.exists() and not Decision.objects.exists()
    fresh = _digest(r.content.decode())
    assert fresh != old
    c.post("/fund/allocation/commit/", {"confirm": fresh})
    assert Entry.objects.filter(kind="commit").exists()


@pytest.fixture
def published(call, people, dossiers):
    from tests.web.conftest import set_phase
    from tests.web.publishing import publish

    set_phase(call, "deliberation")
    c = client_for(people["admin"], "en")
    c.post("/deliberation/", {"dossier": [d.pk for d in dossiers.values()]})
    assert publish(c).redirect_chain[-1][1] == 302
    return dossiers


def _correction(current: str) -> dict:
    other = "not_selected" if current in ("labelled", "renewed", "confirmed") else "deferred"
    return {"decision": other, "kind": "metropole", "starts": "", "ends": "",
            "rationale": "A figure of the dossier was found to be wrong after publication."}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_correcting_a_published_decision_shows_a_summary_first(published, people, lang):
    from frenchtech.programme.activity.models import Entry as Activity
    from frenchtech.programme.labels.models import Decision as Published

    lyon = published["lyon"]
    c = client_for(people["admin"], lang)
    page = c.get(f"/deliberation/{lyon.pk}/").content.decode()
    assert 'id="correction-form"' in page and 'action="/deliberation/%d/correct/"' % lyon.pk in page
    before = Published.objects.get(territory="lyon", superseded_by__isnull=True)
    data = _correction(before.decision)
    r = c.post(f"/deliberation/{lyon.pk}/correct/", data)
    summary = r.content.decode()
    assert r.status_code == 200 and 'id="correction-summary"' in summary
    assert before.record_id in summary and data["rationale"] in summary
    assert Published.objects.get(territory="lyon", superseded_by__isnull=True) == before   # nothing yet
    digest = _digest(summary)
    r = c.post(f"/deliberation/{lyon.pk}/correct/", {**data, "confirm": digest}, follow=True)
    now = Published.objects.get(territory="lyon", superseded_by__isnull=True)
    assert now.decision == data["decision"] and now.supersedes == before
    assert Activity.objects.filter(action="decision.correct").count() == 1


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_stale_correction_summary_changes_nothing(published, people, lang):
    from frenchtech.programme.labels.models import Decision as Published

    lyon = published["lyon"]
    c = client_for(people["admin"], lang)
    before = Published.objects.get(territory="lyon", superseded_by__isnull=True)
    data = _correction(before.decision)
    digest = _digest(c.post(f"/deliberation/{lyon.pk}/correct/", data).content.decode())
    count = Published.objects.count()
    # the form changed after the summary was shown (another rationale), then a wrong or missing hash
    for sent in ({**data, "rationale": data["rationale"] + " Again.", "confirm": digest},
                 {**data, "confirm": "0" * 64}):
        r = c.post(f"/deliberation/{lyon.pk}/correct/", sent)
        assert r.status_code == 200 and 'id="correction-summary"' in r.content.decode()
        assert Published.objects.count() == count
        assert Published.objects.get(territory="lyon", superseded_by__isnull=True) == before
    # a correction without a rationale never reaches the summary
    r = c.post(f"/deliberation/{lyon.pk}/correct/", {**data, "rationale": ""}, follow=True)
    assert 'id="correction-summary"' not in r.content.decode() and Published.objects.count() == count
