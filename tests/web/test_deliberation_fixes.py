"""Deliberation and published decisions as people read them: a label granted by the jury runs with the
campaign's other labels, the public page says which decisions came from the audit alone and counts what
it lists, label kinds, reasons and decisions are translated, counts print as whole numbers, and no
navigation link leads to a page the workflow refuses."""
from __future__ import annotations

import csv
import html
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.web.conftest import NARRATIVE, PASSWORD, set_phase
from tests.web.publishing import publish


def client_for(user, lang="fr"):
    c = Client()
    c.force_login(user)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    return c


def audit_rows(call) -> list[dict]:
    with open(Path(call.audit_dir) / "decisions.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def submitted_dossier(call, territory: str, people):
    """A territory team that applied on the platform with a submitted dossier."""
    from frenchtech.programme.accounts.models import Role, TerritoryTeam
    from frenchtech.programme.accounts.services import create_person, team_of
    from frenchtech.programme.dossiers.services import (
        create_dossier,
        submit_dossier,
        update_dossier,
    )

    if territory in people:  # the fixture's teams (lyon, bordeaux)
        user = people[territory]
        team = team_of(user)
    else:
        team = TerritoryTeam.objects.create(campaign=call.campaign, territory=territory, name=f"{territory} team")
        user = create_person(f"team-{territory}", PASSWORD, Role.APPLICANT, team=team)
    d = create_dossier(call, team, user)
    update_dossier(d, {"name": d.name, "epci": d.epci, "communes": d.communes,
                       "declared": {"funding_eur": 1000000, "support_structures": 4}, "narrative": NARRATIVE,
                       "structures": ["Incubator"], "initiatives": ["Startup weekend"]}, user)
    return submit_dossier(d, user)


@pytest.fixture
def rejected(call, people):
    """A submitted dossier of a territory the audit did not select, and the audit's labelled rows."""
    rows = audit_rows(call)
    territory = next(r["territory"] for r in rows if r["decision"] == "not_selected")
    return submitted_dossier(call, territory, people), [r for r in rows if r["decision"] == "labelled"]


def test_override_granting_a_label_gets_the_campaign_label_dates(rejected, people, call):
    from frenchtech.programme.labels.models import Decision

    dossier, labelled = rejected
    starts, ends = labelled[0]["valid_from"], labelled[0]["valid_until"]
    set_phase(call, "deliberation")  # the planned publication date is now in the future
    admin = client_for(people["admin"])
    page = admin.get(f"/deliberation/{dossier.pk}/")
    assert page.context["form"]["starts"] == starts == "2014-11-12"
    assert page.context["form"]["ends"] == ends
    data = {"decision": "labelled", "kind": "metropole", "starts": starts, "ends": ends,
            "rationale": "The jury weighs the flagship place more than the audit does."}
    assert admin.post(f"/deliberation/{dossier.pk}/", data).status_code == 302
    assert publish(admin).redirect_chain[-1][1] == 302
    final = Decision.objects.filter(territory=dossier.territory).order_by("pk").last()
    granted = Decision.objects.filter(run=final.run, decision="labelled", override=False).first()
    assert final.override and final.decision == "labelled"
    assert (final.valid_from, final.review_until, final.valid_until) == (
        granted.valid_from, granted.review_until, granted.valid_until)
    public = html.unescape(Client().get(f"/public/{call.campaign}/", HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert "Jury's rationale" in public and "weighs the flagship place more" in public


def test_public_page_marks_audit_only_decisions_and_message_counts_the_rows(dossiers, people, call):
    set_phase(call, "deliberation")
    applied = {"lyon", "bordeaux"}
    audit_only = len({r["territory"] for r in audit_rows(call)} - applied)
    assert audit_only > 0
    admin = client_for(people["admin"], "en")
    before = admin.get("/deliberation/").content.decode()
    assert f"also published for {audit_only} territories of the campaign without a dossier" in before
    assert "Rouen" in before.split('id="audit-only"')[1] and "Lyon" not in before.split('id="audit-only"')[1]
    fr = client_for(people["admin"], "fr").get("/deliberation/").content.decode()
    assert f"aussi publiées pour {audit_only} territoires de la campagne sans dossier" in fr
    admin.post("/deliberation/", {"dossier": [d.pk for d in dossiers.values()]})
    page = publish(admin).content.decode()
    rows = page.count('<tr class="decision-')
    assert rows == len(audit_rows(call))
    assert f"{rows} decision(s) published. {audit_only} of them decided by the audit alone" in page
    assert page.count("decided by the audit, no dossier on the platform") == audit_only
    assert "French Tech metropolis" in page and ">metropole<" not in page
    fr = Client()
    fr.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    public = fr.get(f"/public/{call.campaign}/").content.decode()
    assert public.count("décidé par l'audit, sans dossier sur la plateforme") == audit_only
    assert "Métropole French Tech" in public and ">metropole<" not in public
    for name in ("Lyon", "Bordeaux"):  # applied on the platform: not marked
        row = re.search(rf"<tr [^>]*><td>{name}[^<]*(<br>)?", public)
        assert row is not None and not row.group(1)


def test_deliberation_page_in_french(rejected, people, call):
    dossier, _ = rejected
    set_phase(call, "deliberation")
    admin = client_for(people["admin"])
    page = admin.get(f"/deliberation/{dossier.pk}/")
    html = page.content.decode()
    import html as markup

    from frenchtech.report.i18n import decision_reason

    proposal = page.context["audit"]["proposal"]
    raw = proposal["reason"]
    shown = markup.unescape(re.search(r'id="proposal-reason">([^<]*)<', html).group(1))
    assert "outside the quota" in raw and shown == decision_reason("fr", proposal) and "quota" in shown and shown != raw
    # counts are whole numbers, rates keep two decimals
    cells = dict(re.findall(r'<th title="([a-z0-9_]+)">[^<]*</th><td class="num">([^<]*)</td>', html))
    assert re.fullmatch(r"[\d\s\u202f\xa0]+", cells["funding_rounds"]) and "," not in cells["support_structures"]
    assert re.fullmatch(r"[\d\s\u202f\xa0]+,\d\d", cells["tech_created_per_10k"])
    # label kind translated, code kept as the value
    assert '<option value="metropole" selected>Métropole French Tech</option>' in html
    # departing from the audit without a rationale: the proposal named in French
    refused = admin.post(f"/deliberation/{dossier.pk}/", {"decision": "labelled", "kind": "metropole",
                                                          "starts": "2014-11-12", "ends": "2018-11-12"})
    text = refused.content.decode()
    assert refused.status_code == 400
    assert "(non retenu)" in text and "(not_selected)" not in text


def test_deliberation_page_in_english(rejected, people, call):
    dossier, _ = rejected
    set_phase(call, "deliberation")
    html = client_for(people["admin"], "en").get(f"/deliberation/{dossier.pk}/").content.decode()
    assert "outside the quota" in re.search(r'id="proposal-reason">([^<]*)<', html).group(1)
    assert '<option value="metropole" selected>French Tech metropolis</option>' in html
    refused = client_for(people["admin"], "en").post(f"/deliberation/{dossier.pk}/", {
        "decision": "labelled", "kind": "metropole", "starts": "2014-11-12", "ends": "2018-11-12"})
    assert "(not selected)" in refused.content.decode()


def nav_links(html: str) -> list[str]:
    nav = re.search(r"<nav[^>]*>(.*?)</nav>", html, re.DOTALL).group(1)
    return re.findall(r'href="([^"]+)"', nav)


@pytest.mark.parametrize("phase", ["open", "review", "deliberation", "published"])
def test_no_link_leads_to_a_refusal(dossiers, people, call, phase):
    from frenchtech.programme.jury.services import assign

    set_phase(call, "review")
    assign(people["juror"], dossiers["lyon"])
    set_phase(call, phase)
    for who in ("admin", "juror"):
        c = client_for(people[who])
        links = nav_links(c.get("/").content.decode())
        if who == "juror":
            jury = c.get("/jury/").content.decode()
            links += re.findall(r'href="(/[^"]+)"', jury.split('id="assignments"')[1].split("</table>")[0])
            assert ("/jury/review/" in jury) == (phase == "review")
        for href in links:
            if href.startswith("/admin"):
                continue
            assert c.get(href).status_code != 403, (who, phase, href)
    admin_links = nav_links(client_for(people["admin"]).get("/").content.decode())
    assert ("/jury/assign/" in admin_links) == (phase in ("open", "review"))
    assert ("/deliberation/" in admin_links) == (phase in ("deliberation", "published"))
