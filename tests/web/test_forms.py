"""Forms that guide, through Django's test client in French and English: one error summary linked to the
wrong field only, a label on every control, the rubric's levels described, the completeness checklist and
one message before submitting, the next steps after, a perimeter claimed by another dossier flagged, and
a word when registration has no territory left."""
from __future__ import annotations

import re

import pytest
from django.test import Client

from frenchtech.programme.accounts.models import TerritoryTeam
from frenchtech.programme.accounts.services import team_of
from frenchtech.programme.calls import load_call_campaign
from frenchtech.programme.dossiers.services import create_dossier, update_dossier
from frenchtech.programme.jury.services import assign
from tests.web.conftest import NARRATIVE, PASSWORD, set_phase

WORDS = {"en": {"problems": "problems to correct", "problem": "problem to correct", "missing": "Still missing",
                "next": "What happens next", "claimed": "Perimeter claimed by another dossier",
                "nobody": "already has a registered team", "empty": "no criterion scored yet",
                "before": "Before submitting"},
         "fr": {"problems": "problèmes à corriger", "problem": "problème à corriger", "missing": "Il manque encore",
                "next": "Et maintenant", "claimed": "Périmètre revendiqué par un autre dossier",
                "nobody": "a déjà une équipe inscrite", "empty": "aucun critère noté pour l’instant",
                "before": "Avant de soumettre"}}


def client_for(user, lang):
    c = Client(HTTP_ACCEPT_LANGUAGE=lang)
    c.force_login(user)
    return c


def _main(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def _summary_links(html: str) -> list[str]:
    box = re.search(r'<div class="error-summary" id="error-summary"[^>]*>(.*?)</div>', html, re.S)
    assert box, "no error summary"
    return re.findall(r'<a href="#([\w-]+)"', box.group(1))


def _invalid_ids(html: str) -> set[str]:
    return set(re.findall(r'id="([\w-]+)"[^>]*aria-invalid="true"', html))


def _labelled(html: str, control_id: str) -> bool:
    return f'<label for="{control_id}"' in html


@pytest.fixture
def draft(call, people):
    set_phase(call, "open")
    return create_dossier(call, team_of(people["lyon"]), people["lyon"])


def _post(dossier, **changes):
    data = {"name": dossier.name, "epci": " ".join(dossier.epci), "communes": " ".join(dossier.communes), "stay": "1"}
    data.update(changes)
    return data


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_wrong_epci_marks_that_input_alone_and_the_summary_links_to_it(draft, people, lang):
    c = client_for(people["lyon"], lang)
    r = c.post(f"/dossiers/{draft.pk}/edit/", _post(draft, epci="123456789", declared_funding_eur="a lot"))
    assert r.status_code == 400
    html = r.content.decode()
    assert _summary_links(html) == ["id_epci", "id_declared_funding_eur"]
    assert WORDS[lang]["problems"] in html
    assert _invalid_ids(html) == {"id_epci", "id_declared_funding_eur"}   # not the communes, not the search
    # each problem once in the summary and once beside its field; no banner repeating them
    assert html.count("123456789") == 3  # the input's value, the summary, the field's message
    assert 'class="messages"' not in html
    assert 'src="/static/web/forms.js"' in html


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_wrong_commune_marks_the_communes_input_alone(draft, people, lang):
    c = client_for(people["lyon"], lang)
    r = c.post(f"/dossiers/{draft.pk}/edit/", _post(draft, epci="", communes="99999"))
    html = r.content.decode()
    assert r.status_code == 400
    assert _summary_links(html) == ["id_communes"]
    assert _invalid_ids(html) == {"id_communes"}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_control_of_the_dossier_form_has_a_label(draft, people, lang):
    html = client_for(people["lyon"], lang).get(f"/dossiers/{draft.pk}/edit/").content.decode()
    ids = re.findall(r'<(?:input|textarea|select)\b(?![^>]*type="hidden")[^>]*\bid="([\w-]+)"', _main(html))
    assert "id_file" in ids and "id_epci_search" in ids and len(ids) > 15
    assert [i for i in ids if not _labelled(html, i)] == []
    assert 'name="file"' in html and re.search(r'<input[^>]*name="(?!file|csrf)', html)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_submitting_an_incomplete_dossier_gives_one_message_and_the_checklist(draft, people, lang):
    c = client_for(people["lyon"], lang)
    r = c.post(f"/dossiers/{draft.pk}/submit/", follow=True)
    html = r.content.decode()
    banners = re.findall(r'<li class="error">(.*?)</li>', html, re.S)
    assert len(banners) == 1 and WORDS[lang]["missing"] in banners[0]
    assert r.redirect_chain[-1][0].endswith("#checklist")
    checklist = re.search(r'<section id="checklist".*?</section>', html, re.S).group(0)
    assert WORDS[lang]["before"] in checklist
    missing = re.findall(r'<li class="missing"><a href="[^"#]*#([\w-]+)"', checklist)
    assert missing[:2] == ["id_narrative_ecosystem", "id_narrative_ambition"] and len(missing) >= 6
    # once complete, the checklist shows every item done and submission goes through
    required = load_call_campaign(draft.call).eligibility.complete_dossier
    update_dossier(draft, {"name": draft.name, "epci": draft.epci, "communes": draft.communes,
                           "declared": {k: 1 for k in required}, "narrative": NARRATIVE}, people["lyon"])
    page = c.get(f"/dossiers/{draft.pk}/").content.decode()
    assert 'class="missing"' not in page and page.count('class="done"') >= 7
    r = c.post(f"/dossiers/{draft.pk}/submit/", follow=True)
    html = r.content.decode()
    assert 'id="next-steps"' in html and WORDS[lang]["next"] in html
    assert 'id="checklist"' not in html


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_perimeter_claimed_by_another_territory_is_flagged(draft, people, lang):
    bordeaux = create_dossier(draft.call, team_of(people["bordeaux"]), people["bordeaux"])
    c = client_for(people["bordeaux"], lang)
    html = c.get(f"/dossiers/{bordeaux.pk}/edit/").content.decode()
    assert 'id="perimeter-claimed"' not in html
    r = c.post(f"/dossiers/{bordeaux.pk}/edit/", _post(bordeaux, epci=" ".join(bordeaux.epci + draft.epci)))
    assert r.status_code == 302
    html = c.get(f"/dossiers/{bordeaux.pk}/edit/").content.decode()
    box = re.search(r'<div class="claimed" id="perimeter-claimed">.*?</div>', html, re.S).group(0)
    assert WORDS[lang]["claimed"] in box and draft.name.replace("'", "&#x27;") in box and draft.epci[0] in box


@pytest.fixture
def assigned(call, people):
    from frenchtech.programme.dossiers.services import submit_dossier

    set_phase(call, "open")
    d = create_dossier(call, team_of(people["lyon"]), people["lyon"])
    required = load_call_campaign(call).eligibility.complete_dossier
    update_dossier(d, {"name": d.name, "epci": d.epci, "communes": d.communes,
                       "declared": {k: 1 for k in required}, "narrative": NARRATIVE}, people["lyon"])
    d = submit_dossier(d, people["lyon"])
    assign(people["juror"], d, people["admin"])
    set_phase(call, "review")
    return d


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_review_form_labels_every_score_and_describes_every_level(assigned, people, lang):
    c = client_for(people["juror"], lang)
    html = c.get(f"/jury/review/{assigned.pk}/").content.decode()
    selects = re.findall(r'<select name="score_(\w+)" id="(id_score_\w+)"', html)
    assert len(selects) == 6 and all(_labelled(html, i) for _n, i in selects)
    levels = re.search(r'<dl class="levels" id="levels">(.*?)</dl>', html, re.S).group(1)
    assert re.findall(r"<dt>(\d)</dt>", levels) == ["0", "1", "2", "3", "4", "5"]
    assert all(len(d) > 15 for d in re.findall(r"<dd>(.*?)</dd>", levels))
    assert "0 / 0" not in html and WORDS[lang]["empty"] in html
    # an empty submission: one summary linking each criterion, still no "0 / 0"
    r = c.post(f"/jury/review/{assigned.pk}/", {"submit": "1", "comment": ""})
    html = r.content.decode()
    assert r.status_code == 400
    assert _summary_links(html) == [i for _n, i in selects]
    assert _invalid_ids(html) == {i for _n, i in selects}
    assert "0 / 0" not in html and "0,0 / 0" not in html and 'class="messages"' not in html


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_registration_says_when_no_territory_is_left(call, lang):
    set_phase(call, "open")
    c = Client(HTTP_ACCEPT_LANGUAGE=lang)
    assert 'id="no-territory"' not in c.get("/accounts/register/").content.decode()
    for spec in load_call_campaign(call).specs:
        TerritoryTeam.objects.create(campaign=call.campaign, territory=spec.id, name=spec.name)
    html = c.get("/accounts/register/").content.decode()
    assert 'id="no-territory"' in html and WORDS[lang]["nobody"] in html
    r = c.post("/accounts/register/", {"username": "", "email": "x", "password": PASSWORD})
    links = _summary_links(r.content.decode())
    assert links[:1] == ["id_territory"] and "id_email" in links


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_failed_login_has_a_summary_linked_to_the_user_name(db, lang):
    r = Client(HTTP_ACCEPT_LANGUAGE=lang).post("/accounts/login/", {"username": "nobody", "password": "x"})
    html = r.content.decode()
    assert _summary_links(html) == ["id_username"]
    assert _labelled(html, "id_username") and _labelled(html, "id_password")
