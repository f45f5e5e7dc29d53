"""The fund managers' pages through Django's test client: applications uploaded (errors at the line and
field) or generated, the explained allocation, committing it once, the ledger and the portfolio report;
everyone else refused with the reason."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from frenchtech.programme.activity.models import Entry as Activity
from frenchtech.programme.fund.models import Entry, Fund
from frenchtech.programme.fund import desk as fund_desk

PAGES = ["/fund/", "/fund/applications/", "/fund/allocation/", "/fund/ledger/", "/fund/report/"]


def client_for(user, lang="en"):
    c = Client(HTTP_ACCEPT_LANGUAGE=lang)
    if user is not None:
        c.force_login(user)
    return c


def confirm_commit(client, **kw):
    """Commit as a person does: read the confirmation page's summary, send its fingerprint back."""
    page = client.get("/fund/allocation/commit/").content.decode()
    digest = re.search(r'name="confirm" value="([0-9a-f]{64})"', page).group(1)
    return client.post("/fund/allocation/commit/", {"confirm": digest}, **kw)


@pytest.fixture
def manager(db, people):
    return client_for(people["fund"])


def _csv(tmp_path, n=12, seed=5) -> bytes:
    from frenchtech.fund import Locator, write_applications
    from frenchtech.fund.generate import generate_applications

    f = fund_desk.fund()
    path = write_applications(generate_applications(Locator.for_fund(f), n, seed=seed), tmp_path / "apps.csv")
    return path.read_bytes()


def test_others_are_refused_with_the_reason(db, people):
    for key in ("juror", "lyon"):
        c = client_for(people[key])
        for url in PAGES:
            r = c.get(url)
            assert r.status_code == 403, (key, url)
            assert b"Your role does not allow this." in r.content
        assert c.post("/fund/allocation/commit/").status_code == 403
        assert c.post("/fund/applications/", {"generate": "1", "n": "5"}).status_code == 403
    anonymous = client_for(None)
    for url in PAGES:
        r = anonymous.get(url)
        assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    assert not Activity.objects.filter(action__startswith="fund.").exists()


def test_admin_may_see_the_fund(db, people):
    c = client_for(people["admin"])
    assert c.get("/fund/").status_code == 200


def test_upload_errors_at_the_line_and_field(manager, tmp_path):
    good = _csv(tmp_path).decode().splitlines()
    bad_siren = good[0].split(",").index("siren")
    row = good[3].split(",")
    row[bad_siren] = "123456789"
    good[3] = ",".join(row)
    r = manager.post("/fund/applications/", {"file": SimpleUploadedFile("apps.csv", "\n".join(good).encode())})
    assert r.status_code == 400
    page = r.content.decode()
    assert "Line 4" in page and "siren" in page and "not a valid SIREN" in page
    assert "No applications yet" in page  # nothing was stored


def test_fund_manager_journey(manager, people, tmp_path):
    home = manager.get("/")
    assert b'href="/fund/"' in home.content  # nav link
    r = manager.get("/fund/")
    assert r.status_code == 200 and b"Minimum ticket" in r.content and b"1,000,000.00" in r.content

    r = manager.post("/fund/applications/", {"file": SimpleUploadedFile("apps.csv", _csv(tmp_path, 12))}, follow=True)
    assert r.status_code == 200 and b"12 applications read from apps.csv" in r.content
    r = manager.post("/fund/applications/", {"generate": "1", "n": "40", "seed": "3"}, follow=True)
    assert b"GENERATED" in r.content and r.content.count(b"/fund/applications/A000") == 40

    r = manager.get("/fund/applications/A00001/")
    assert r.status_code == 200
    assert b"Eliminatory conditions" in r.content and b"Startups accelerated to date" in r.content
    assert manager.post("/fund/applications/A00001/", {"manager_rating": "9"}).status_code == 400
    manager.post("/fund/applications/A00001/", {"manager_rating": "5"})
    assert next(a for a in fund_desk.applications(fund_desk.fund()) if a.application_id == "A00001").manager_rating == 5

    r = manager.post("/fund/allocation/", follow=True)
    page = r.content.decode()
    assert "Proven optimal" in page and "OPTIMAL (proven by branch and bound" in page
    assert 'id="funded"' in page and 'id="rejected"' in page and "Smallest change that would have funded it" in page
    assert "eliminated:" in page  # a rejection explained
    doc, rows = fund_desk.latest_allocation(fund_desk.fund())
    funded = [x for x in rows if x["funded"] == "true"]
    total = sum(Decimal(x["amount_eur"]) for x in funded)
    assert total > 0 and f"{total:,.2f}" in page

    r = confirm_commit(manager, follow=True)
    assert f"{len(funded)} commitment(s) booked, 0 already booked".encode() in r.content
    r = confirm_commit(manager, follow=True)   # twice: books once
    assert f"0 commitment(s) booked, {len(funded)} already booked".encode() in r.content
    assert Entry.objects.filter(kind="commit").count() == len(funded)
    fund = Fund.objects.get()
    assert fund.available_eur == fund.budget_eur - total
    page = r.content.decode()
    assert doc["reference"] in page and f"{fund.available_eur:,.2f}" in page

    r = manager.get("/fund/report/")
    page = r.content.decode()
    assert r.status_code == 200 and "Per territory" in page and "Per region" in page
    assert f"{fund.available_eur:,.2f}" in page and "reserved share respected" in page

    actions = set(Activity.objects.filter(action__startswith="fund.").values_list("action", flat=True))
    assert {"fund.applications.upload", "fund.applications.generate", "fund.application.rate", "fund.allocate",
            "fund.commit"} <= actions
    assert Activity.objects.filter(action="fund.commit").count() == 1

    # rolling: the next run leaves out what is committed and allocates against what remains
    r = manager.post("/fund/allocation/", follow=True)
    doc2, rows2 = fund_desk.latest_allocation(fund_desk.fund())
    assert not {x["application_id"] for x in rows2} & {x["application_id"] for x in funded}
    assert Decimal(doc2["existing"]["committed_eur"]) == total


def test_pages_in_french(manager):
    manager.post("/fund/applications/", {"generate": "1", "n": "15", "seed": "2"})
    manager.post("/i18n/setlang/", {"language": "fr", "next": "/fund/"})
    page = manager.get("/fund/").content.decode().replace("\xa0", " ").replace("\u202f", " ")
    assert "Ticket minimum" in page and "1 000 000,00 €" in page
    assert "Startups accélérées à ce jour" in page and "Un modèle économique qui peut être rentable" in page
    assert "Startups accelerated to date" not in page
    page = manager.post("/fund/allocation/", follow=True).content.decode()
    assert "Optimalité prouvée" in page and "Engager cette répartition" in page
    for english in ("eliminated:", "outscored:", "cap (", "a score of", "instead of", "minimum ticket"):
        assert english not in page, english
    assert "plafond (" in page or "devancée" in page or "éliminée" in page


def test_demo_loads_a_generated_batch(db):
    from frenchtech.web.demo import _fund_batch

    _fund_batch(n=8, seed=4)
    apps = fund_desk.applications(fund_desk.fund())
    assert len(apps) == 8 and all(a.generated for a in apps)
    _fund_batch(n=20, seed=5)  # kept when present
    assert len(fund_desk.applications(fund_desk.fund())) == 8


def test_ledger_entries_translated(manager):
    manager.post("/fund/applications/", {"generate": "1", "n": "10", "seed": "2"})
    manager.post("/fund/allocation/")
    confirm_commit(manager)
    assert b"Commitment" in manager.get("/fund/ledger/").content
    manager.post("/i18n/setlang/", {"language": "fr", "next": "/fund/ledger/"})
    page = manager.get("/fund/ledger/").content.decode()
    assert "Engagement" in page and "Ouverture du fonds" in page


def _committed(manager) -> list[dict]:
    from frenchtech.programme.fund import services

    manager.post("/fund/applications/", {"generate": "1", "n": "12", "seed": "2"})
    manager.post("/fund/allocation/")
    confirm_commit(manager)
    return services.portfolio(fund_desk.fund().id)


def test_position_operations_from_the_report(manager, people):
    from frenchtech.programme.fund import services
    from frenchtech.programme.fund.models import Decision

    positions = _committed(manager)
    p = positions[0]
    app, committed = p["application_id"], p["committed_eur"]
    page = manager.get("/fund/report/").content.decode()
    assert f'id="position-{app}"' in page and f'action="/fund/positions/{app}/"' in page

    url = f"/fund/positions/{app}/"
    form = {"op": "disburse", "amount": "100000.00", "reference": "IC-2015-03", "rationale": "first tranche"}
    r = manager.post(url, form, follow=True)
    assert b"Recorded: Disbursement of 100,000.00" in r.content
    r = manager.post(url, form, follow=True)  # sent twice: booked once
    assert b"Already recorded" in r.content
    assert Entry.objects.filter(kind="disburse").count() == 1
    assert Activity.objects.filter(action="fund.disburse").count() == 1
    row = next(x for x in services.portfolio(fund_desk.fund().id) if x["application_id"] == app)
    assert row["disbursed_eur"] == Decimal("100000.00") and row["undrawn_eur"] == committed - Decimal("100000.00")

    decisions = Decision.objects.count()
    too_much = {**form, "reference": "IC-2015-04", "amount": str(committed)}  # more than is still undrawn
    r = manager.post(url, too_much, follow=True)
    assert b"is more than the undrawn commitment" in r.content
    assert Entry.objects.filter(kind="disburse").count() == 1 and Decision.objects.count() == decisions
    r = manager.post(url, {**form, "reference": "", "amount": "1.234"}, follow=True)
    assert b"to the cent" in r.content and b"reference of the decision" in r.content

    r = manager.post(url, {**form, "op": "write_off", "reference": "IC-2016-01", "amount": "100000.01"}, follow=True)
    assert b"is more than the money invested at cost" in r.content
    manager.post(url, {**form, "op": "write_off", "reference": "IC-2016-01", "amount": "40000"})
    manager.post(url, {**form, "op": "return", "reference": "EXIT-2018", "amount": "250000"})
    available = services.balances(fund_desk.fund().id).available
    manager.post(url, {**form, "op": "release", "reference": "IC-2016-02", "amount": "1000"})
    b = services.balances(fund_desk.fund().id)
    assert b.written_off == Decimal("40000.00") and b.returned == Decimal("250000.00")
    assert b.available == available + Decimal("1000.00") and b.balanced

    manager.post("/i18n/setlang/", {"language": "fr", "next": "/fund/report/"})
    r = manager.post(url, {**too_much, "reference": "IC-2016-03"}, follow=True)
    page = r.content.decode()
    assert "dépasse l'engagement non décaissé" in page or "dépasse l&#x27;engagement non décaissé" in page
    assert "Enregistrer une opération" in page

    juror = client_for(people["juror"])
    assert juror.post(url, form).status_code == 403
    assert juror.get("/fund/report/").status_code == 403


def test_names_numbers_and_times_read_as_such(manager):
    import html
    import re

    positions = _committed(manager)
    names = fund_desk.territory_names(fund_desk.fund())
    page = html.unescape(manager.get("/fund/report/").content.decode())
    named = [p for p in positions if p["territory"] in names]
    assert named and all(names[p["territory"]] in page for p in named)
    assert f'<td>{named[0]["territory"]}</td>' not in page  # the id is not shown as a name
    ledger = manager.get("/fund/ledger/").content.decode()
    assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", ledger)  # no raw ISO timestamp
    app = fund_desk.applications(fund_desk.fund())[0]
    page = manager.get(f"/fund/applications/{app.application_id}/").content.decode()
    assert not re.search(r"<td class=\"num\">\d+\.\d*00</td>", page)  # 16.7 years, not 16.700
