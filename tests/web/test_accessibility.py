"""Every page of every role, in French and in English, in Debian's Chromium at a phone's width (390 x 844):
axe-core finds no critical or serious violation, no page is wider than the screen (nothing scrolls
sideways) and no chart text is drawn under 12 px. The campaign is walked through its phases so that each
page shows its real content: an open call (a territory team's dossier), the jury review, the
deliberation, the published decisions with the showcase the platform serves, and the fund's explained
allocation."""
from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytest_playwright", reason="browser tests need playwright and pytest-playwright")
pytest.importorskip("axe_playwright_python", reason="the accessibility tests need axe-playwright-python")
if not Path("/usr/bin/chromium").exists():
    pytest.skip("browser tests need Debian's Chromium: apt-get install -y chromium", allow_module_level=True)

from axe_playwright_python.sync_playwright import Axe
from django.test import Client

from tests.web.conftest import NARRATIVE, set_phase
from tests.web.publishing import publish

WIDTH, HEIGHT = 390, 844
AXE = Axe()
# Rows past the 40th of a table repeat the markup of the ones before (the showcase lists thousands of
# structures): axe checks the first 40 of each, which keeps a run of every page under a minute and a half.
SAMPLE = {"exclude": [["tbody tr:nth-child(n+41)"]]}


@pytest.fixture
def showcase_home(tmp_path, settings, monkeypatch, audit_dir):
    """The platform's home holding the demo audit where ``frenchtech serve --demo`` writes it, so that
    /showcase/ and /api/showcase/v1/ serve it."""
    monkeypatch.delenv("FRENCHTECH_SHOWCASE_AUDIT", raising=False)
    if hasattr(settings, "SHOWCASE_AUDIT"):
        del settings.SHOWCASE_AUDIT
    home = tmp_path / "home"
    home.mkdir()
    (home / "demo").symlink_to(Path(audit_dir).parent, target_is_directory=True)
    settings.HOME = home
    return home


class Visitor:
    """One browser context per person (their session cookie and language), at the phone's size."""

    def __init__(self, browser, live_server, lang, user=None):
        self.url, self.lang = live_server.url, lang
        self.context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale=lang)
        cookies = [{"name": "django_language", "value": lang, "url": self.url}]
        if user is not None:
            client = Client()
            client.force_login(user)
            cookies.append({"name": "sessionid", "value": client.cookies["sessionid"].value, "url": self.url})
        self.context.add_cookies(cookies)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15000)

    def check(self, path, problems):
        response = self.page.goto(self.url + path)
        self.page.wait_for_load_state("load")
        where = f"{self.lang} {path}"
        if response is None or response.status >= 400:
            problems.append(f"{where}: HTTP {response.status if response else 'none'}")
            return
        width = self.page.evaluate("document.documentElement.scrollWidth")
        if width > WIDTH:
            wide = self.page.evaluate(
                """w => [...document.querySelectorAll('body *')]
                     .filter(e => e.getBoundingClientRect().right > w + 1 && !e.closest('.table-scroll, .chart-scroll'))
                     .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : ''))""",
                WIDTH)
            problems.append(f"{where}: {width} px wide at a {WIDTH} px screen ({', '.join(wide)})")
        # chart text as drawn on the screen: the font size times the chart's scale
        smallest = self.page.evaluate("""() => Math.min(...[...document.querySelectorAll('svg.chart text')].map(t =>
            parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement.getBoundingClientRect().width
            / t.ownerSVGElement.viewBox.baseVal.width))""")
        if smallest < 12:
            problems.append(f"{where}: chart text {smallest:.1f} px tall (at least 12 px)")
        for v in AXE.run(self.page, context=SAMPLE).response["violations"]:
            if v["impact"] in ("critical", "serious"):
                targets = [" ".join(map(str, n["target"])) for n in v["nodes"][:3]]
                problems.append(f"{where}: axe {v['impact']} {v['id']} ({v['help']}) at {targets}")
        return response

    def close(self):
        self.context.close()


def _dossier(call, user, submit=True):
    from frenchtech.programme.accounts.services import team_of
    from frenchtech.programme.dossiers.services import create_dossier, submit_dossier, update_dossier

    d = create_dossier(call, team_of(user), user)
    update_dossier(d, {"name": d.name, "epci": d.epci, "communes": d.communes,
                       "declared": {"funding_eur": 1000000, "support_structures": 4}, "narrative": NARRATIVE,
                       "structures": ["Incubator"], "initiatives": ["Startup weekend"]}, user)
    return submit_dossier(d, user) if submit else d


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_page_of_every_role(lang, browser, live_server, call, people, showcase_home):
    from frenchtech.programme.jury.services import assign

    problems: list[str] = []
    seen = 0

    def visit(user, paths):
        nonlocal seen
        person = Visitor(browser, live_server, lang, user)
        try:
            for path in paths:
                person.check(path, problems)
                seen += 1
        finally:
            person.close()

    # Applications open: the public pages and a territory team's draft dossier.
    set_phase(call, "open")
    bordeaux = _dossier(call, people["bordeaux"])
    lyon = _dossier(call, people["lyon"], submit=False)
    visit(None, ["/", "/accounts/login/", "/accounts/register/"])
    visit(people["lyon"], ["/", "/dossiers/", f"/dossiers/{lyon.pk}/", f"/dossiers/{lyon.pk}/edit/"])

    # The jury review: the juror's list and scoring form; the programme team's pages.
    from frenchtech.programme.dossiers.services import submit_dossier

    lyon = submit_dossier(lyon, people["lyon"])
    set_phase(call, "review")
    assign(people["juror"], lyon, notify=False)
    visit(people["juror"], ["/jury/", f"/jury/review/{lyon.pk}/", f"/dossiers/{lyon.pk}/"])
    visit(people["admin"], ["/dossiers/", f"/dossiers/{lyon.pk}/", "/jury/assign/", "/jury/reminders/",
                            "/programme/calendar/", "/programme/activity/"])

    # The deliberation, then the publication: the decisions' page and the showcase, as anyone sees them.
    set_phase(call, "deliberation")
    admin = Client()
    admin.force_login(people["admin"])
    for d in (lyon, bordeaux):
        r = admin.post(f"/deliberation/{d.pk}/", {"decision": "labelled", "kind": "metropole", "starts": "2014-11-12",
                                                  "ends": "2018-11-12", "rationale": "The jury follows the audit."})
        assert r.status_code == 302, r.status_code
    visit(people["admin"], ["/deliberation/", f"/deliberation/{lyon.pk}/", "/deliberation/publish/"])
    publish(admin)
    showcase = [f"/showcase/{lang}/{p}.html" for p in ("index", "ranking", "network", "data", "jury",
                                                       "territories/lyon", "territories/paris")]
    visit(None, ["/", f"/public/{call.campaign}/", "/showcase/", *showcase])

    # The fund: generated applications, the explained allocation and its confirmation, ledger, report.
    manager = Client()
    manager.force_login(people["fund"])
    manager.post("/fund/applications/", {"generate": "1", "n": "15", "seed": "2"})
    assert manager.post("/fund/allocation/").status_code in (200, 302)
    visit(people["fund"], ["/fund/", "/fund/applications/", "/fund/applications/A00001/", "/fund/allocation/",
                           "/fund/allocation/commit/", "/fund/ledger/", "/fund/report/"])

    assert seen >= 35
    assert problems == [], "\n".join(problems)
