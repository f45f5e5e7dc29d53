"""Pages through Django's test client: no guessing other territories' dossiers or attachments,
validation at the field, attachments checked and private, activity log append-only, publication."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from frenchtech.programme.accounts.services import team_of
from frenchtech.programme.activity.models import AppendOnlyError, Entry
from frenchtech.programme.dossiers.models import Attachment
from frenchtech.programme.dossiers.services import (
    DossierError,
    add_attachment,
    create_dossier,
)
from tests.web.conftest import PDF, set_phase
from tests.web.publishing import publish


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def drafts(call, people):
    set_phase(call, "open")
    lyon = create_dossier(call, team_of(people["lyon"]), people["lyon"])
    bordeaux = create_dossier(call, team_of(people["bordeaux"]), people["bordeaux"])
    att = add_attachment(bordeaux, SimpleUploadedFile("plan.pdf", PDF, "application/pdf"), people["bordeaux"])
    return lyon, bordeaux, att


def test_applicant_cannot_read_another_territory_by_guessing(drafts, people):
    lyon, bordeaux, att = drafts
    c = client_for(people["lyon"])
    assert c.get(f"/dossiers/{lyon.pk}/").status_code == 200
    for url in (f"/dossiers/{bordeaux.pk}/", f"/dossiers/{bordeaux.pk}/edit/", f"/attachments/{att.pk}/"):
        r = c.get(url)
        assert r.status_code == 403, url
        assert b"Bordeaux" not in r.content.split(b"<main")[1]
    assert c.post(f"/dossiers/{bordeaux.pk}/submit/").status_code == 403
    assert c.post(f"/attachments/{att.pk}/delete/").status_code == 403
    assert c.get("/attachments/999999/").status_code == 404
    listing = c.get("/dossiers/").content.decode()
    assert lyon.name in listing and bordeaux.name not in listing
    own = client_for(people["bordeaux"]).get(f"/attachments/{att.pk}/")
    assert own.status_code == 200 and b"".join(own.streaming_content).startswith(b"%PDF")


def test_anonymous_is_sent_to_login(drafts):
    r = Client().get(f"/dossiers/{drafts[0].pk}/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_attachment_is_stored_outside_the_web_root(drafts, settings):
    att = drafts[2]
    assert str(settings.PRIVATE_FILES_ROOT) in att.file.path
    assert Client().get("/static/" + att.file.name).status_code == 404


def test_attachment_type_and_size_limits(drafts, people, settings):
    lyon = drafts[0]
    with pytest.raises(DossierError, match="Accepted files"):
        add_attachment(lyon, SimpleUploadedFile("x.exe", b"MZ..", "application/octet-stream"), people["lyon"])
    with pytest.raises(DossierError, match="does not match"):
        add_attachment(lyon, SimpleUploadedFile("fake.pdf", b"<html>", "application/pdf"), people["lyon"])
    settings.ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(DossierError, match="too large"):
        add_attachment(lyon, SimpleUploadedFile("big.pdf", PDF, "application/pdf"), people["lyon"])
    assert Attachment.objects.filter(dossier=lyon).count() == 0


def test_field_validation_and_versions(drafts, people):
    lyon = drafts[0]
    c = client_for(people["lyon"])
    r = c.post(f"/dossiers/{lyon.pk}/edit/", {"name": "", "epci": "999999999", "declared_funding_eur": "-3",
                                              "stay": "1"}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400
    html = r.content.decode()
    assert "Give the name" in html and "Unknown EPCI SIREN 999999999" in html and "greater than or equal to 0" in html
    r = c.post(f"/dossiers/{lyon.pk}/edit/", {"name": "", "epci": "999999999", "stay": "1"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert "SIREN d&#x27;EPCI inconnu 999999999" in r.content.decode()
    r = c.post(f"/dossiers/{lyon.pk}/edit/", {"name": "Lyon", "epci": "246900245", "declared_funding_eur": "1 500",
                                              "stay": "1"})
    assert r.status_code == 302
    lyon.refresh_from_db()
    assert lyon.declared["funding_eur"] == 1500 and lyon.population > 1_000_000 and lyon.versions.count() == 2
    assert "(246900245)" in c.get(f"/dossiers/{lyon.pk}/").content.decode()  # the EPCI's name beside its SIREN
    r = c.post(f"/dossiers/{lyon.pk}/submit/")  # narrative missing: refused, stays a draft
    lyon.refresh_from_db()
    assert lyon.status == "draft"


def test_perimeter_json(call, client):
    r = client.get("/geo/perimeter.json?epci=246900245").json()
    assert r["ok"] and r["population"] > 1_000_000
    assert not client.get("/geo/perimeter.json?communes=00000").json()["ok"]
    assert any(e["siren"] == "246900245" for e in client.get("/geo/epci.json?q=lyon").json()["results"])


def test_activity_log_is_append_only_and_exported(drafts, people):
    e = Entry.objects.first()
    e.action = "tampered"
    with pytest.raises(AppendOnlyError):
        e.save()
    with pytest.raises(AppendOnlyError):
        Entry.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        Entry.objects.update(action="x")
    assert client_for(people["lyon"]).get("/programme/activity/").status_code == 403
    csv = client_for(people["admin"]).get("/programme/activity.csv").content.decode()
    assert csv.startswith("at,actor,action") and "dossier.create" in csv and "attachment.add" in csv
    page = client_for(people["admin"]).get("/programme/activity/").content.decode()
    assert "dossier.create" in page and "{&#x27;" not in page and "None" not in page  # read as pairs, not Python


def test_admin_login_goes_through_the_rate_limited_login(client):
    r = client.post("/admin/login/?next=/admin/", {"username": "x", "password": "y"})
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")


def test_login_rate_limit(call, people, client):
    for _ in range(5):
        assert client.post("/accounts/login/", {"username": "team-lyon", "password": "wrong"}).status_code == 200
    r = client.post("/accounts/login/", {"username": "team-lyon", "password": "correct-horse-battery-9"})
    assert r.status_code == 429


def test_reminders_command_and_page(dossiers, people, call, mailoutbox):
    from django.core.management import call_command

    from frenchtech.programme.jury.services import assign

    set_phase(call, "review")
    assign(people["juror"], dossiers["lyon"])
    people["juror"].email = "juror1@frenchtech.example"  # a person without an address is not e-mailed
    people["juror"].save()
    call_command("remind_reviews", campaign=call.campaign)
    assert len(mailoutbox) == 1 and "Lyon" in mailoutbox[0].body
    page = client_for(people["admin"]).get("/jury/reminders/").content.decode()
    assert "juror1" in page


def test_juror_sees_other_scores_unless_blind_or_conflicted(dossiers, people, call):
    """Independent review: a juror sees the others' scores only after submitting their own, in a blind
    call not before the deliberation, and never once conflicted."""
    from frenchtech.programme.jury.services import assign, declare_conflict, save_review

    set_phase(call, "review")
    lyon = dossiers["lyon"]
    a1 = assign(people["juror"], lyon)
    a2 = assign(people["juror2"], lyon)
    scores = {c: 3 for c in ("ecosystem", "ambition", "federation", "accelerators", "flagship", "international")}
    save_review(a2, scores, "Solid.", submit=True)
    page = client_for(people["juror"]).get(f"/dossiers/{lyon.pk}/").content.decode()
    assert 'id="jury-scores"' not in page and "juror2" not in page and "Solid." not in page
    save_review(a1, scores, "Agreed.", submit=True)
    page = client_for(people["juror"]).get(f"/dossiers/{lyon.pk}/").content.decode()
    assert 'id="jury-scores"' in page and "juror2" in page and "Solid." in page
    call.blind_review = True
    call.save()
    page = client_for(people["juror"]).get(f"/dossiers/{lyon.pk}/").content.decode()
    assert "juror2" not in page and "Solid." not in page
    declare_conflict(people["juror"], call, "lyon", "Works for the metropolis")
    assert client_for(people["juror"]).get(f"/dossiers/{lyon.pk}/").status_code == 403
    assert client_for(people["juror"]).get(f"/jury/review/{lyon.pk}/").status_code == 403


def test_decision_override_needs_rationale_and_publication_is_final(dossiers, people, call):
    from frenchtech.programme.labels.models import Decision

    set_phase(call, "deliberation")
    admin = client_for(people["admin"])
    lyon = dossiers["lyon"]
    page = admin.get(f"/deliberation/{lyon.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and 'id="index-score"' in html and 'id="rank-interval"' in html
    assert 'id="declared-observed"' in html
    assert "tech pour 10 000 hab." in html and ">tech_created_per_10k<" not in html  # French by default
    proposal = page.context["audit"]["proposal"]["decision"]
    other = "not_selected" if proposal == "labelled" else "labelled"
    data = {"decision": other, "kind": "metropole", "starts": "2014-11-12", "ends": "2018-11-12", "rationale": ""}
    assert admin.post(f"/deliberation/{lyon.pk}/", data).status_code == 400
    data["rationale"] = "The jury weighs the flagship place more than the audit does."
    assert admin.post(f"/deliberation/{lyon.pk}/", data).status_code == 302
    assert admin.post("/deliberation/", {"dossier": [dossiers["bordeaux"].pk]}).status_code == 302
    assert publish(admin).redirect_chain[-1][1] == 302
    final = Decision.objects.filter(territory="lyon").order_by("pk").last()
    assert final.decision == other and final.supersedes is not None
    public = Client().get(f"/public/{call.campaign}/").content.decode()
    assert "Lyon French Tech" in public
    assert admin.post(f"/deliberation/{lyon.pk}/", data).status_code == 403  # published: no more decisions


def test_open_call_command(db, audit_dir):
    from django.core.management import call_command

    from frenchtech.programme.dossiers.models import Call

    call_command("open_call", "metropoles-2014", audit=str(audit_dir), blind=True)
    call = Call.objects.get(campaign="metropoles-2014")
    assert call.phase() == "open" and call.blind_review and call.rubric.criteria[0]["id"] == "ecosystem"


def test_deferral_needs_a_rationale_and_is_public_and_final_after_publication(dossiers, people, call):
    from django.conf import settings

    from frenchtech.labelling import registry
    from frenchtech.programme.labels import services
    from frenchtech.programme.labels.models import Decision
    from frenchtech.programme.deliberation import services as store

    set_phase(call, "deliberation")
    admin = client_for(people["admin"])
    lyon, bordeaux = dossiers["lyon"], dossiers["bordeaux"]
    page = admin.get(f"/deliberation/{lyon.pk}/")
    assert 'value="deferred"' in page.content.decode()
    admin.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert "Ajourner les dossiers sélectionnés" in admin.get("/deliberation/").content.decode()
    admin.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "per 10,000 inhabitants" in admin.get(f"/deliberation/{lyon.pk}/").content.decode()
    data = {"decision": "deferred", "kind": "metropole", "starts": "2014-11-12", "ends": "2018-11-12", "rationale": ""}
    refused = admin.post(f"/deliberation/{lyon.pk}/", data)
    assert refused.status_code == 400 and "A deferral departs from the audit" in refused.content.decode()
    data["rationale"] = "Perimeter to be confirmed by the metropolitan council."
    assert admin.post(f"/deliberation/{lyon.pk}/", data).status_code == 302
    recorded = store.current_decisions(call)[lyon.pk]
    assert recorded.decision == "deferred" and recorded.override and recorded.valid_from is None
    # batch: no rationale, nothing deferred; with one, every selected dossier is deferred
    admin.post("/deliberation/", {"dossier": [bordeaux.pk], "action": "defer", "rationale": ""})
    assert bordeaux.pk not in store.current_decisions(call)
    admin.post("/deliberation/", {"dossier": [bordeaux.pk], "action": "defer",
                                  "rationale": "Dossier to be completed with the accelerators' commitments."})
    assert store.current_decisions(call)[bordeaux.pk].decision == "deferred"
    assert publish(admin).redirect_chain[-1][1] == 302

    final = {t: Decision.objects.filter(territory=t).order_by("pk").last() for t in ("lyon", "bordeaux")}
    assert all(d.decision == "deferred" and d.supersedes is not None and d.override for d in final.values())
    assert not any(lab.territory in ("lyon", "bordeaux") for lab in registry.active_on(services.records(), "2015-06-01"))
    for lang, words in (("fr", ("ajourné", "réexaminé à la prochaine campagne")),
                        ("en", ("deferred", "re-examined at the next campaign"))):
        visitor = Client()
        visitor.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
        public = visitor.get(f"/public/{call.campaign}/").content.decode()
        assert public.count('class="decision-deferred"') == 2 and all(w in public for w in words)
    # published: immutable, no more decisions
    d = final["lyon"]
    d.override_rationale = "edited after publication"
    with pytest.raises(Exception, match="cannot be changed"):
        d.save()
    assert admin.post(f"/deliberation/{lyon.pk}/", data).status_code == 403
    assert Decision.objects.get(pk=d.pk).override_rationale.startswith("Perimeter")


def test_home_says_when_decisions_were_published(call, client):
    from tests.web.conftest import set_phase

    assert "Publication planned" in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    set_phase(call, "published")
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Decisions published" in page and "Publication planned" not in page


def test_french_pages_put_a_space_before_colons(drafts, people):
    c = client_for(people["lyon"])
    fr = c.get(f"/dossiers/{drafts[0].pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    en = c.get(f"/dossiers/{drafts[0].pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Statut\u00a0: " in fr and "Status: " in en
