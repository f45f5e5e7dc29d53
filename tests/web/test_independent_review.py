"""Independent review, conflicts of interest that bind, and only submitted dossiers reach jurors."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from frenchtech.programme.accounts.models import Role, TerritoryTeam
from frenchtech.programme.accounts.services import create_person
from frenchtech.programme.activity.models import Entry
from frenchtech.programme.dossiers.services import add_attachment, create_dossier
from frenchtech.programme.jury.models import Assignment, Conflict, Review
from frenchtech.programme.jury.services import (
    CRITERIA_2014,
    JuryError,
    assign,
    counted_reviews,
    declare_conflict,
    dossier_reviews,
    excluded_count,
    mean_percent,
    save_review,
    total,
    unassign,
)
from frenchtech.programme.dossiers.services import submit_dossier, update_dossier
from tests.web.conftest import NARRATIVE, PASSWORD, PDF, set_phase

IDS = [c["id"] for c in CRITERIA_2014]
HIGH = dict(zip(IDS, (5, 5, 4, 4, 2, 2)))   # 22 / 30: 73 %
LOW = {c: 2 for c in IDS}                   # 12 / 30: 40 %


def client_for(user, lang="en"):
    c = Client(HTTP_ACCEPT_LANGUAGE=lang)
    c.force_login(user)
    return c


def main_of(response) -> str:
    """The page's main content (the header names the logged-in person)."""
    return response.content.decode().split("<main", 1)[1]


@pytest.fixture
def draft(call, people):
    """A draft dossier (Nantes) with an attachment, next to the submitted Lyon and Bordeaux ones."""
    team = TerritoryTeam.objects.create(campaign="metropoles-2014", territory="nantes", name="Nantes Tech")
    member = create_person("team-nantes", PASSWORD, Role.APPLICANT, team=team)
    d = create_dossier(call, team, member)
    att = add_attachment(d, SimpleUploadedFile("plan.pdf", PDF, "application/pdf"), member)
    return d, att


# -- independent review ---------------------------------------------------------------------------------

def test_juror_sees_no_other_review_before_submitting_their_own(dossiers, people, call):
    set_phase(call, "review")
    lyon = dossiers["lyon"]
    a1, a2 = assign(people["juror"], lyon), assign(people["juror2"], lyon)
    save_review(a1, HIGH, "Strong federation of actors.", submit=True)
    url = f"/dossiers/{lyon.pk}/"

    page = main_of(client_for(people["juror2"]).get(url))
    assert "juror1" not in page and "Strong federation" not in page and "73 %" not in page
    assert 'id="jury-scores"' not in page and 'id="jury-scores-hidden"' in page
    save_review(a2, {"ecosystem": 1}, "First thoughts, unfinished.", submit=False)   # a draft
    page = main_of(client_for(people["juror2"]).get(url))
    assert "juror1" not in page and "Strong federation" not in page
    # juror1 has submitted, but juror2's draft is never shown to anyone.
    page = main_of(client_for(people["juror"]).get(url))
    assert 'id="jury-scores"' in page and "First thoughts" not in page and "juror2" not in page
    page = main_of(client_for(people["admin"]).get(url))
    assert "juror1" in page and "First thoughts" not in page

    save_review(a2, LOW, "Too early.", submit=True)
    page = main_of(client_for(people["juror2"]).get(url))
    assert 'id="jury-scores"' in page and "juror1" in page and "Strong federation" in page and "73 %" in page
    assert "40 %" in page


def test_blind_call_hides_other_reviews_until_deliberation(dossiers, people, call):
    set_phase(call, "review")
    call.blind_review = True
    call.save()
    lyon = dossiers["lyon"]
    save_review(assign(people["juror"], lyon), HIGH, "Strong federation of actors.", submit=True)
    save_review(assign(people["juror2"], lyon), LOW, "Too early.", submit=True)
    url = f"/dossiers/{lyon.pk}/"
    page = main_of(client_for(people["juror2"]).get(url))      # submitted, but the call is blind
    assert "juror1" not in page and "Strong federation" not in page and 'id="jury-scores"' not in page
    assert "Blind review" in page
    admin = main_of(client_for(people["admin"]).get(url))
    assert "juror1" in admin and "juror2" in admin

    set_phase(call, "deliberation")
    page = main_of(client_for(people["juror2"]).get(url))
    assert 'id="jury-scores"' in page and "Strong federation" in page and "73 %" in page
    assert "juror1" not in page                                 # blind: the other jurors stay unnamed


# -- conflicts that bind --------------------------------------------------------------------------------

def test_conflict_declared_after_scoring_excludes_the_review(dossiers, people, call):
    set_phase(call, "review")
    lyon = dossiers["lyon"]
    save_review(assign(people["juror"], lyon), HIGH, "Strong federation of actors.", submit=True)
    save_review(assign(people["juror2"], lyon), LOW, "Too early.", submit=True)
    assert mean_percent(lyon) == pytest.approx((22 / 30 * 100 + 40) / 2)

    conflict = declare_conflict(people["juror"], call, "lyon", "Advises the Lyon incubator")
    assert mean_percent(lyon) == pytest.approx(40)
    records = dossier_reviews(lyon)
    assert len(records) == 2 and excluded_count(lyon) == 1
    [excluded] = [r for r in records if r.excluded]
    assert excluded.juror == people["juror"] and excluded.assignment.juror.username == "juror1"
    assert excluded.percent == pytest.approx(22 / 30 * 100) and excluded.comment == "Strong federation of actors."
    assert "Advises the Lyon incubator" in excluded.exclusion_reason
    assert timezone.localdate(conflict.declared_at).isoformat() in excluded.exclusion_reason  # the programme's date
    assert excluded.conflict == conflict
    [counted] = counted_reviews(lyon)
    assert counted.juror == people["juror2"] and not counted.excluded and counted.exclusion_reason == ""
    assert counted.scores == LOW and (counted.total, counted.max) == (12, 30)
    assert total(counted.scores, call.rubric.criteria)["percent"] == counted.percent
    assert counted.percent == pytest.approx(40)   # 12 of 30
    entry = Entry.objects.filter(action="conflict.declare").last()
    assert entry.after["territory"] == "lyon" and entry.after["excluded_reviews"] == [excluded.review.pk]

    # The admin sees the review kept for the record, marked excluded with the conflict behind it.
    page = main_of(client_for(people["admin"]).get(f"/dossiers/{lyon.pk}/"))
    assert "juror1" in page and "excluded: conflict of interest declared on" in page
    assert "Advises the Lyon incubator" in page and 'id="jury-mean">40 %' in page
    page = main_of(client_for(people["admin"], "fr").get(f"/dossiers/{lyon.pk}/"))
    assert "exclue\u00a0: conflit d'intérêts déclaré le" in page
    # juror2 sees only the reviews that count.
    page = main_of(client_for(people["juror2"]).get(f"/dossiers/{lyon.pk}/"))
    assert "Too early." in page and "Strong federation" not in page and "Advises" not in page

    # Saving the assignment grid (the conflicted pair has no box) keeps the excluded review on record.
    keep = [f"{people['juror2'].pk}:{lyon.pk}"]
    assert client_for(people["admin"]).post("/jury/assign/", {"pair": keep}).status_code == 302
    assert Review.objects.filter(assignment__dossier=lyon).count() == 2
    with pytest.raises(JuryError):
        unassign(Assignment.objects.get(juror=people["juror"], dossier=lyon))

    # The deliberation page (which reads dossier_reviews as reviews) still renders, with the same mean.
    set_phase(call, "deliberation")
    r = client_for(people["admin"]).get(f"/deliberation/{lyon.pk}/")
    assert r.status_code == 200 and r.context["jury_mean"] == pytest.approx(40)


def test_conflict_must_name_a_territory_of_the_call(dossiers, people, call):
    set_phase(call, "review")
    for territory in ("atlantis", "", "Lyon French Tech"):
        with pytest.raises(JuryError) as exc:
            declare_conflict(people["juror"], call, territory, "Some tie")
        assert "territory" in exc.value.errors
    r = client_for(people["juror"]).post("/jury/", {"territory": "atlantis", "reason": "Some tie"}, follow=True)
    assert r.status_code == 200 and "candidate territories" in r.content.decode()
    assert not Conflict.objects.exists()
    assert declare_conflict(people["juror"], call, "bordeaux", "Some tie").territory == "bordeaux"


# -- only submitted dossiers reach jurors ---------------------------------------------------------------

def test_batch_assignment_skips_drafts(dossiers, draft, people, call):
    set_phase(call, "review")
    nantes, _att = draft
    admin = client_for(people["admin"])
    page = main_of(admin.get("/jury/assign/"))
    grid = page.split('id="assign-grid"', 1)[1]
    assert "Lyon French Tech" in grid and "Nantes Tech" not in grid and "1 draft is not shown" in page
    assert admin.post("/jury/assign/", {"batch": "1", "per_dossier": "2"}).status_code == 302
    assert not Assignment.objects.filter(dossier=nantes).exists()
    for key in ("lyon", "bordeaux"):
        assert Assignment.objects.filter(dossier=dossiers[key]).count() == 2


def test_single_assignment_of_a_draft_is_refused(dossiers, draft, people, call):
    set_phase(call, "review")
    nantes, _att = draft
    with pytest.raises(JuryError) as exc:
        assign(people["juror"], nantes)
    assert "dossier" in exc.value.errors and "draft" in " ".join(exc.value.errors["dossier"])
    r = client_for(people["admin"]).post("/jury/assign/", {"pair": [f"{people['juror'].pk}:{nantes.pk}"]},
                                         follow=True)
    assert r.status_code == 200 and "draft" in r.content.decode()
    assert not Assignment.objects.filter(dossier=nantes).exists()


def test_stale_assignment_to_a_draft_opens_nothing(dossiers, draft, people, call):
    set_phase(call, "review")
    nantes, att = draft
    Assignment.objects.create(call=call, juror=people["juror"], dossier=nantes)   # left from before the rule
    c = client_for(people["juror"])
    for url in (f"/dossiers/{nantes.pk}/", f"/attachments/{att.pk}/", f"/jury/review/{nantes.pk}/"):
        r = c.get(url)
        assert r.status_code == 403, url
        assert "draft" in r.content.decode(), url
    data = {f"score_{k}": "5" for k in IDS} | {"comment": "x", "submit": "1"}
    assert c.post(f"/jury/review/{nantes.pk}/", data).status_code == 403
    assert not Review.objects.filter(assignment__dossier=nantes).exists()
    assert "Nantes Tech" not in main_of(c.get("/dossiers/"))
    assignments = main_of(c.get("/jury/")).split('id="assignments"', 1)[1].split("</table>", 1)[0]
    assert "Nantes Tech" not in assignments


def test_the_deliberation_list_reads_every_review_of_the_call_at_once(dossiers, people, call):
    """The list's reviews, read for the whole call at once, are each dossier's own; and its number of
    queries does not grow with the dossiers, reviews and conflicts (a call of a hundred dossiers stays
    a page of a few queries)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from frenchtech.programme.jury.services import reviews_by_dossier

    set_phase(call, "review")
    lyon, bordeaux = dossiers["lyon"], dossiers["bordeaux"]
    save_review(assign(people["juror"], lyon), HIGH, "Strong.", submit=True)
    admin = client_for(people["admin"])
    set_phase(call, "deliberation")
    with CaptureQueriesContext(connection) as before:
        assert admin.get("/deliberation/").status_code == 200
    set_phase(call, "open")
    team = TerritoryTeam.objects.create(campaign="metropoles-2014", territory="nantes", name="Nantes Tech")
    member = create_person("team-nantes", PASSWORD, Role.APPLICANT, team=team)
    nantes = create_dossier(call, team, member)
    update_dossier(nantes, {"name": nantes.name, "epci": nantes.epci, "communes": nantes.communes,
                            "declared": {"funding_eur": 1000000, "support_structures": 4}, "narrative": NARRATIVE,
                            "structures": ["Incubator"], "initiatives": ["Startup weekend"]}, member)
    nantes = submit_dossier(nantes, member)
    set_phase(call, "review")
    save_review(assign(people["juror2"], lyon), LOW, "Too early.", submit=True)
    save_review(assign(people["juror2"], nantes), HIGH, "Strong.", submit=True)
    save_review(assign(people["juror"], bordeaux), LOW, "Too early.", submit=True)
    declare_conflict(people["juror2"], call, "lyon", "Board member of a Lyon incubator.")
    set_phase(call, "deliberation")
    with CaptureQueriesContext(connection) as after:
        page = admin.get("/deliberation/").content.decode()
    assert len(after.captured_queries) == len(before.captured_queries)
    assert "1 excluded" in page
    batched = reviews_by_dossier(call)
    for d in (lyon, bordeaux):
        assert [(r.review.pk, r.excluded, r.percent) for r in batched[d.pk]] == \
               [(r.review.pk, r.excluded, r.percent) for r in dossier_reviews(d)]
    assert [r.excluded for r in batched[lyon.pk]] == [False, True]
