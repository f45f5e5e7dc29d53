"""What-if on the deliberation page: only the programme team may ask; the answer is the analytic core's
(``frenchtech.labelling.whatif``) on the call's audit; scenarios are saved by name, logged, and never
change a jury decision; the panel has labels on its controls and no inline code; and in Chromium,
changing a weight redraws the table."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from frenchtech.labelling.whatif import whatif
from frenchtech.programme.activity.models import Entry
from frenchtech.programme.deliberation import services as store
from frenchtech.programme.deliberation.models import JuryDecision, Scenario
from tests.web.conftest import PASSWORD, set_phase

SETTINGS = {"pillars.funding": 2, "labelling.quota": 10}


def client_for(user, lang="en"):
    c = Client()
    c.force_login(user)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    return c


def post(client, name, body):
    return client.post(reverse(name), data=json.dumps(body), content_type="application/json")


@pytest.fixture
def deliberating(call):
    return set_phase(call, "deliberation")


def test_the_answer_is_the_cores_on_the_calls_audit(deliberating, people):
    r = post(client_for(people["admin"]), "whatif-run", {"settings": SETTINGS})
    assert r.status_code == 200, r.content
    data = r.json()
    core = whatif(deliberating.audit_dir, SETTINGS).table
    assert [row["territory"] for row in data["rows"]] == list(core["territory"])
    assert [row["rank"] for row in data["rows"]] == list(core["rank"])
    assert [row["p_labelled"] for row in data["rows"]] == list(core["p_labelled"])
    assert [row["decision"] for row in data["rows"]] == list(core["decision"])
    assert data["changed"] == int(core["changed"].sum()) >= 1   # one more label under the quota
    assert data["replications"] == 1000
    changed = next(row for row in data["rows"] if row["changed"])
    assert changed["decision_label"] in ("labelled", "not selected")


def test_bad_settings_are_refused_by_name(deliberating, people):
    c = client_for(people["admin"])
    r = post(c, "whatif-run", {"settings": {"validity.full_years": 5}})
    assert r.status_code == 400
    assert "validity.full_years" in r.json()["error"]
    r = post(c, "whatif-run", {"settings": {"pillars.fundng": 2}})
    assert r.status_code == 400 and "unknown pillar 'fundng'" in r.json()["error"]
    r = c.post(reverse("whatif-run"), data="not json", content_type="application/json")
    assert r.status_code == 400


@pytest.mark.parametrize("who", ["juror", "lyon", "fund"])
def test_only_the_programme_team_may_ask(deliberating, people, who):
    c = client_for(people[who])
    assert post(c, "whatif-run", {"settings": SETTINGS}).status_code == 403
    assert post(c, "whatif-save", {"name": "x", "settings": SETTINGS}).status_code == 403
    assert not Scenario.objects.exists()
    anonymous = post(Client(), "whatif-run", {"settings": SETTINGS})
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_a_scenario_is_saved_logged_and_decides_nothing(deliberating, dossiers, people):
    admin = people["admin"]
    store.apply_proposals(deliberating, [d.pk for d in dossiers.values()], admin)
    before = list(JuryDecision.objects.values())
    assert len(before) == 2
    c = client_for(admin)
    r = post(c, "whatif-save", {"name": "Funding counts double", "settings": SETTINGS})
    assert r.status_code == 201, r.content
    scenario = Scenario.objects.get()
    assert scenario.name == "Funding counts double" and scenario.keys == SETTINGS
    assert scenario.author == admin and scenario.call == deliberating
    core = whatif(deliberating.audit_dir, SETTINGS)
    assert scenario.changes == [{"territory": t, "audit": a, "whatif": w} for t, a, w in
                                zip(core.changed["territory"], core.changed["audit_decision"],
                                    core.changed["decision"])]
    assert list(JuryDecision.objects.values()) == before       # no decision recorded, none changed
    entry = Entry.objects.get(action="scenario.save")
    assert entry.actor == admin and entry.object_id == str(scenario.pk) and entry.campaign == deliberating.campaign
    assert entry.after["settings"] == SETTINGS
    # a second scenario of the same name, or one that cannot be computed, is refused and not saved
    assert post(c, "whatif-save", {"name": "Funding counts double", "settings": {}}).status_code == 400
    assert post(c, "whatif-save", {"name": "bad", "settings": {"labelling.quota": 99}}).status_code == 400
    assert post(c, "whatif-save", {"name": " ", "settings": {}}).status_code == 400
    assert Scenario.objects.count() == 1 and Entry.objects.filter(action="scenario.save").count() == 1
    # the saved scenario is listed on the page, with what it changes
    page = c.get(reverse("deliberation-list")).content.decode()
    assert "Funding counts double" in page and "pillars.funding = 2" in page


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_panel_controls_are_labelled_and_carry_no_inline_code(deliberating, people, lang):
    page = client_for(people["admin"], lang).get(reverse("deliberation-list")).content.decode()
    panel = page[page.index('<section id="whatif"'):page.index("</section>")]
    ids = re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', panel)
    assert len(ids) >= 4 + 10 + 2 + 3
    for i in ids:
        assert f'for="{i}"' in panel, i
    assert 'data-key="pillars.funding"' in panel and 'data-key="labelling.quota"' in panel
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)      # every script is a file
    assert not re.search(r"\sstyle=|\son[a-z]+=", page)           # no inline style, no handler
    assert "whatif.js" in page and "whatif.css" in page
    words = {"en": ["What if", "Save this scenario", 'data-msg-changed="Decisions that would change: %(n)s."'],
             "fr": ["Et si", "Enregistrer ce scénario", 'data-msg-changed="Décisions qui changeraient\u00a0: %(n)s."',
                    'data-msg-replications="%(n)s réplications Monte-Carlo."']}
    for word in words[lang]:
        assert word in panel


def test_an_audit_the_what_if_cannot_read_is_said_on_the_page(deliberating, people, tmp_path):
    import shutil

    folder = shutil.copytree(deliberating.audit_dir, tmp_path / "audit")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    del manifest["configuration"]
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    deliberating.audit_dir = str(folder)
    deliberating.save()
    c = client_for(people["admin"])
    page = c.get(reverse("deliberation-list")).content.decode()
    assert 'id="whatif-unavailable"' in page and "no campaign configuration" in page
    assert 'id="whatif-form"' not in page
    r = post(c, "whatif-run", {"settings": {}})
    assert r.status_code == 400 and "no campaign configuration" in r.json()["error"]


# -- in the browser ------------------------------------------------------------------------------------
def _browser_ready():
    import importlib.util

    return importlib.util.find_spec("pytest_playwright") is not None and Path("/usr/bin/chromium").exists()


@pytest.mark.skipif(not _browser_ready(), reason="browser tests need pytest-playwright and Debian's Chromium")
def test_changing_a_weight_redraws_the_table(browser, live_server, call, people):
    from playwright.sync_api import expect

    set_phase(call, "deliberation")
    context = browser.new_context(locale="en")
    page = context.new_page()
    page.set_default_timeout(15000)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", people["admin"].username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/deliberation/")
    table = page.locator("#whatif-table")
    expect(table).to_have_attribute("data-round", "1")            # the audit's settings, drawn on load
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(16)
    before = rows.all_inner_texts()
    assert page.locator("#whatif-table tr.changed").count() == 0    # the audit's own settings change nothing
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page, context="#whatif").response["violations"]
    assert not violations, [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in violations]

    page.get_by_label("Funding", exact=True).fill("4")
    page.get_by_label("Funding", exact=True).dispatch_event("change")
    expect(table).to_have_attribute("data-round", "2")
    after = rows.all_inner_texts()
    assert after != before
    core = whatif(call.audit_dir, {"pillars.funding": 4}).table
    assert [r.split("\t")[2] for r in after] == list(core["name"])
    assert page.locator("#whatif-table tr.changed").count() == int(core["changed"].sum())

    page.get_by_label("Quota").first.fill("10")
    page.get_by_label("Quota").first.dispatch_event("change")
    expect(table).to_have_attribute("data-round", "3")
    assert page.locator("#whatif-table tr.changed").count() == int(
        whatif(call.audit_dir, {"pillars.funding": 4, "labelling.quota": 10}).table["changed"].sum())
    page.fill("#whatif-name", "Funding x4, ten labels")
    page.locator("#whatif-save-button").click()
    expect(page.locator("#whatif-scenarios li")).to_have_count(1)
    page.locator("#whatif-scenarios .wi-compare").first.check()
    page.locator("#whatif-compare").click()
    expect(page.locator("#whatif-comparison tbody tr")).to_have_count(16)
    assert Scenario.objects.get().keys == {"pillars.funding": 4, "labelling.quota": 10}
    assert not errors, errors
    context.close()
