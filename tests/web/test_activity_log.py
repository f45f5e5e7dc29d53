"""The activity log as sentences in the page's language, with filters (who, on what, what, dates) and a
CSV export of exactly the filtered entries."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.test import Client

from frenchtech.programme.activity.models import Entry
from frenchtech.programme.calls import load_call_campaign
from frenchtech.programme.deliberation import services as store
from frenchtech.programme.jury.services import assign
from tests.web.conftest import set_phase

SAYS = {"en": {"submit": "team-lyon submitted Lyon French Tech's dossier",
               "assign": "admin assigned juror1 to Bordeaux",
               "decision": "admin recorded the decision “labelled” on Lyon French Tech's dossier",
               "none": "No entry matches these filters."},
        "fr": {"submit": "team-lyon a soumis le dossier de Lyon French Tech",
               "assign": "admin a confié à juror1 le dossier de Bordeaux",
               "decision": "admin a enregistré la décision «\xa0labellisé\xa0» sur le dossier de Lyon French Tech",
               "none": "Aucune entrée ne correspond à ces filtres."}}


@pytest.fixture
def logged(call, people, dossiers):
    assign(people["juror"], dossiers["bordeaux"], people["admin"])
    set_phase(call, "deliberation")
    starts, ends = store.default_period(load_call_campaign(call), {"decision": "labelled", "kind": "metropole"})
    store.record_decision(call, dossiers["lyon"], {"decision": "labelled", "kind": "metropole", "starts": starts,
                                                   "ends": ends, "rationale": "A strong ecosystem, well shown."},
                          people["admin"])
    return dossiers


def admin(people, lang):
    c = Client(HTTP_ACCEPT_LANGUAGE=lang)
    c.force_login(people["admin"])
    return c


def sentences(html: str) -> list[str]:
    return [re.sub(r"[ \t\n]+", " ", s).strip() for s in re.findall(r'<td class="sentence">(.*?)</td>', html, re.S)]


def unescape(s: str) -> str:
    import html
    return html.unescape(s)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_entries_read_as_sentences(logged, people, lang):
    html = admin(people, lang).get("/programme/activity/").content.decode()
    said = [unescape(s) for s in sentences(html)]
    for key in ("submit", "assign", "decision"):
        assert any(SAYS[lang][key] in s for s in said), (key, said)
    main = html.split("<main", 1)[1]
    assert "dossiers.dossier" not in main and "decision.record" not in re.sub(r'value="[^"]*"', "", main)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_filters_and_the_csv_export_select_the_same_entries(logged, people, lang):
    c = admin(people, lang)
    total = Entry.objects.count()
    by_actor = c.get("/programme/activity/", {"actor": "team-lyon"}).content.decode()
    assert len(sentences(by_actor)) == Entry.objects.filter(actor_name="team-lyon").count() > 0
    assert all(s.startswith("team-lyon") for s in sentences(by_actor))
    by_action = c.get("/programme/activity/", {"action": "decision.record"}).content.decode()
    assert [unescape(s) for s in sentences(by_action)] == [SAYS[lang]["decision"]]
    jury = c.get("/programme/activity/", {"object": "jury"}).content.decode()
    assert sentences(jury) and all(e.object_type.startswith("jury.") for e in Entry.objects.filter(
        object_type__startswith="jury.")) and len(sentences(jury)) == Entry.objects.filter(
        object_type__startswith="jury.").count()
    today = dt.date.today()
    assert len(sentences(c.get("/programme/activity/", {"since": today.isoformat()}).content.decode())) == min(total, 50)
    future = c.get("/programme/activity/", {"since": (today + dt.timedelta(days=2)).isoformat()}).content.decode()
    assert sentences(future) == [] and SAYS[lang]["none"] in unescape(future)
    bad = c.get("/programme/activity/", {"until": "yesterday"})
    assert bad.status_code == 400 and 'href="#id_until"' in bad.content.decode()
    # the page's CSV link carries the filters; the CSV holds exactly the filtered entries
    link = re.search(r'href="([^"]+)" id="activity-csv"', by_actor).group(1).replace("&amp;", "&")
    assert link == "/programme/activity.csv?actor=team-lyon"
    rows = list(csv.DictReader(io.StringIO(c.get(link).content.decode())))
    assert len(rows) == Entry.objects.filter(actor_name="team-lyon").count()
    assert {r["actor"] for r in rows} == {"team-lyon"}
    assert any(SAYS[lang]["submit"] in r["description"] for r in rows)
    every = list(csv.DictReader(io.StringIO(c.get("/programme/activity.csv").content.decode())))
    assert len(every) == total
    assert c.get("/programme/activity.csv", {"since": "soon"}).status_code == 400
