"""Forms in the system Chromium: the error summary takes the focus when the page opens, and each of its
links moves the focus to the wrong field; the rubric's live total never shows 0 / 0."""
from __future__ import annotations

import pytest

pytest.importorskip("pytest_playwright", reason="browser tests need playwright and pytest-playwright")

from frenchtech.programme.accounts.services import team_of
from frenchtech.programme.dossiers.services import create_dossier
from tests.web.conftest import PASSWORD, set_phase


def login(browser, live_server, lang, username):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale=lang)
    context.add_cookies([{"name": "django_language", "value": lang, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_load_state()
    return page


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_error_summary_takes_the_focus_and_leads_to_the_field(lang, browser, live_server, call, people):
    set_phase(call, "open")
    dossier = create_dossier(call, team_of(people["lyon"]), people["lyon"])
    page = login(browser, live_server, lang, "team-lyon")
    page.goto(f"{live_server.url}/dossiers/{dossier.pk}/edit/")
    page.fill("#id_communes", "99999")
    page.fill("#id_epci", "")
    page.locator("#save-dossier").click()
    page.wait_for_load_state()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    page.locator("#error-summary a[href='#id_communes']").click()
    assert page.evaluate("document.activeElement.id") == "id_communes"
    assert page.get_attribute("#id_communes", "aria-invalid") == "true"
    assert page.get_attribute("#id_epci", "aria-invalid") is None
    # the failed login says so in a summary that takes the focus too
    other = login(browser, live_server, lang, "nobody")
    assert other.evaluate("document.activeElement.id") == "error-summary"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_forms_with_errors_pass_axe(lang, browser, live_server, call, people):
    axe_sync = pytest.importorskip("axe_playwright_python.sync_playwright")
    set_phase(call, "open")
    dossier = create_dossier(call, team_of(people["lyon"]), people["lyon"])
    page = login(browser, live_server, lang, "team-lyon")
    page.goto(f"{live_server.url}/dossiers/{dossier.pk}/edit/")
    page.fill("#id_epci", "123456789")
    page.fill("#id_name", "")
    page.locator("#save-dossier").click()
    page.wait_for_load_state()
    problems = []
    for where in ("edit with errors", "checklist"):
        if where == "checklist":
            page.goto(f"{live_server.url}/dossiers/{dossier.pk}/")
        for v in axe_sync.Axe().run(page).response["violations"]:
            if v["impact"] in ("critical", "serious"):
                problems.append(f"{where}: {v['id']} {[n['target'] for n in v['nodes'][:3]]}")
    assert problems == []
