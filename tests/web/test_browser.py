"""The whole journey in Debian's Chromium, in English and in French: an applicant registers, fills and
submits a dossier with an attachment; a juror with a conflict cannot open its scoring; another juror
scores it; the admin deliberates, decides and publishes; the public page shows the decision."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("pytest_playwright", reason="browser tests need playwright and pytest-playwright")
if not Path("/usr/bin/chromium").exists():
    pytest.skip("browser tests need Debian's Chromium: apt-get install -y chromium", allow_module_level=True)

from playwright.sync_api import expect

from frenchtech.programme.jury.services import assign
from tests.web.conftest import NARRATIVE, PASSWORD, PDF, SCREENSHOTS, set_phase

WORDS = {  # a few strings per language, to prove the pages are translated
    "en": {"submit": "Submit the dossier", "submitted": "submitted", "labelled": "labelled",
           "conflict": "conflict of interest", "advance": "Close the current stage now"},
    "fr": {"submit": "Soumettre le dossier", "submitted": "soumis", "labelled": "labellisé",
           "conflict": "conflit d'intérêts", "advance": "Clore l'étape en cours maintenant"},
}


def shot(page, lang, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{lang}-{name}.png"), full_page=True)


def new_page(browser, live_server, lang):
    context = browser.new_context(locale=lang)
    context.add_cookies([{"name": "django_language", "value": lang, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15000)
    return page


def login(browser, live_server, lang, username):
    page = new_page(browser, live_server, lang)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_load_state()
    return page


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_journey(lang, browser, live_server, call, people, tmp_path):
    w = WORDS[lang]
    set_phase(call, "open")
    url = live_server.url

    # The applicant registers (the language switch is on the page), fills and submits the dossier.
    page = new_page(browser, live_server, "fr" if lang == "en" else "en")
    page.goto(url + "/")
    page.locator(f"form.lang button[value={lang}]").click()
    expect(page.locator("html")).to_have_attribute("lang", lang)
    page.goto(url + "/accounts/register/")
    page.select_option("select[name=territory]", "nantes")
    page.fill("input[name=username]", "nantes-team")
    page.fill("input[name=email]", "team@nantes.example")
    page.fill("input[name=password]", PASSWORD)
    shot(page, lang, "01-register")
    page.locator("form.form button[type=submit]").click()
    page.locator("#start-dossier").click()
    expect(page.locator("#population")).to_have_text(re.compile(r"609.?198"))  # live, localised
    page.fill("#id_declared_funding_eur", "-5")
    page.locator("#save-dossier").click()
    expect(page.locator(".field.invalid .field-error").first).to_be_visible()  # validation at the field
    page.fill("#id_declared_funding_eur", "150000000")
    page.fill("#id_declared_support_structures", "12")
    for section, text in NARRATIVE.items():
        page.fill(f"#id_narrative_{section}", text)
    page.fill("#id_structures", "H7\nPole Pixel")
    page.locator("#save-dossier").click()
    pdf = tmp_path / "programme.pdf"
    pdf.write_bytes(PDF)
    page.set_input_files("#id_file", str(pdf))
    page.locator("#upload").click()
    expect(page.locator("#attachments")).to_contain_text("programme.pdf")
    shot(page, lang, "02-dossier-form")
    page.goto(url + "/dossiers/")
    page.get_by_role("link", name="Nantes Tech").click()
    page.once("dialog", lambda d: d.accept())
    submit = page.locator("#submit-dossier")
    expect(submit).to_have_text(w["submit"])
    submit.click()
    expect(page.locator("#dossier-status")).to_have_text(re.compile(w["submitted"], re.IGNORECASE))
    shot(page, lang, "03-dossier-submitted")
    from frenchtech.programme.dossiers.models import Dossier

    dossier = Dossier.objects.get(call=call, territory="nantes")
    assert dossier.locked and dossier.attachments.count() == 1

    # The programme team assigns two jurors; juror1 then declares a conflict with Nantes.
    assign(people["juror"], dossier)
    assign(people["juror2"], dossier)
    admin = login(browser, live_server, lang, "admin")
    admin.goto(url + "/programme/calendar/")
    admin.locator("#advance-phase").click()  # applications close: review starts
    expect(admin.locator("#advance-phase")).to_have_text(w["advance"])
    shot(admin, lang, "04-calendar")
    juror1 = login(browser, live_server, lang, "juror1")
    juror1.goto(url + "/jury/")
    juror1.select_option("#id_territory", "nantes")
    juror1.fill("#id_reason", "Board member of the Nantes association")
    juror1.locator("#declare-conflict").click()
    expect(juror1.locator("#assignments")).to_contain_text(w["conflict"])
    response = juror1.goto(url + f"/jury/review/{dossier.pk}/")
    assert response.status == 403
    expect(juror1.locator(".reason")).to_contain_text(w["conflict"])
    shot(juror1, lang, "05-conflict-refused")

    # juror2 scores it, with the live total.
    juror2 = login(browser, live_server, lang, "juror2")
    juror2.goto(url + f"/jury/review/{dossier.pk}/")
    for i, criterion in enumerate(["ecosystem", "ambition", "federation", "accelerators", "flagship"]):
        juror2.select_option(f"#id_score_{criterion}", str(4 if i % 2 else 5))
    juror2.select_option("#id_score_international", "na")
    expect(juror2.locator("#live-total")).to_have_text(re.compile(r"23 / 25"))
    juror2.fill("#id_comment", "Strong ecosystem.")
    shot(juror2, lang, "06-review")
    juror2.locator("#submit-review").click()
    assert dossier.assignments.get(juror=people["juror2"]).review.submitted_at is not None

    # The admin deliberates, decides and publishes.
    admin.goto(url + "/programme/calendar/")
    admin.locator("#advance-phase").click()  # review closes: deliberation
    admin.goto(url + f"/deliberation/{dossier.pk}/")
    expect(admin.locator("#index-score")).to_be_visible()
    expect(admin.locator("#jury-scores")).to_contain_text("juror2")
    expect(admin.locator("#jury-scores")).not_to_contain_text("juror1")
    admin.select_option("#id_decision", "labelled")
    admin.fill("#id_starts", "2014-11-12")
    admin.fill("#id_ends", "2018-11-12")
    admin.fill("#id_rationale", "The jury weighs the flagship place and the federation of actors.")
    shot(admin, lang, "07-deliberation")
    admin.locator("#record-decision").click()
    expect(admin.locator("#deliberation")).to_contain_text(w["labelled"])
    admin.locator("#publish").click()  # the confirmation page: counts, overrides, audit-only territories
    expect(admin.locator("#publish-total")).to_be_visible()
    shot(admin, lang, "08-confirm-publication")
    admin.locator("#confirm-publish").click()
    shot(admin, lang, "08-published")

    # The public page shows the decision.
    public = new_page(browser, live_server, lang)
    public.goto(url + f"/public/{call.campaign}/")
    row = public.locator("#public-decisions tr", has_text="Nantes Tech")
    expect(row).to_contain_text(w["labelled"])
    shot(public, lang, "09-public")
