"""Decisions that can be trusted: the deliberation as data (a batch of proposals never overwrites a
decision taken by hand; the jury's label kind and validity survive publication exactly and are checked
against the campaign's label rules), and a publication that pins what it publishes (a confirmation step;
the public side keeps serving the published audit when the audit folder or the call's audit changes)."""
from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test import Client

from frenchtech.programme.records import ProtectedRecordError
from tests.web.conftest import set_phase
from tests.web.publishing import publish

API = "/api/showcase/v1"
REFUSED = (IntegrityError, DatabaseError, ProtectedRecordError)
OVERRIDE = "The jury weighs the flagship place more than the audit does."


def proposals(call) -> dict[str, dict]:
    with open(Path(call.audit_dir) / "decisions.csv", encoding="utf-8", newline="") as f:
        return {r["territory"]: r for r in csv.DictReader(f)}


@pytest.fixture
def own_audit(call, audit_dir, tmp_path):
    """The call's audit in a folder of this test's own (the session's audit stays untouched)."""
    copy = tmp_path / "audit"
    shutil.copytree(audit_dir, copy)
    call.audit_dir = str(copy)
    call.save()
    return copy


@pytest.fixture
def admin(people):
    c = Client()
    c.force_login(people["admin"])
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"   # messages asserted in English
    return c


@pytest.fixture
def showcase(settings, monkeypatch):
    """The served showcase follows the platform's publications (no explicit showcase audit)."""
    monkeypatch.delenv("FRENCHTECH_SHOWCASE_AUDIT", raising=False)
    if hasattr(settings, "SHOWCASE_AUDIT"):
        del settings.SHOWCASE_AUDIT


def _other(decision: str) -> str:
    return "not_selected" if decision == "labelled" else "labelled"


def test_batch_proposals_never_overwrite_a_decision_taken_by_hand(dossiers, people, call, admin):
    from frenchtech.programme.deliberation.models import JuryDecision
    from frenchtech.programme.labels.models import Decision

    set_phase(call, "deliberation")
    lyon, bordeaux = dossiers["lyon"], dossiers["bordeaux"]
    proposed = proposals(call)
    other = _other(proposed["lyon"]["decision"])
    data = {"decision": other, "kind": "metropole", "starts": "2014-11-12", "ends": "2018-11-12",
            "rationale": OVERRIDE}
    assert admin.post(f"/deliberation/{lyon.pk}/", data).status_code == 302
    page = admin.post("/deliberation/", {"dossier": [lyon.pk, bordeaux.pk]}, follow=True).content.decode()
    assert "Kept as decided by hand" in page and "Lyon" in page.split("Kept as decided by hand")[1][:200]
    heads = {d.territory: d for d in JuryDecision.objects.filter(superseded_by__isnull=True)}
    assert heads["lyon"].decision == other and heads["lyon"].rationale == OVERRIDE
    assert heads["bordeaux"].decision == proposed["bordeaux"]["decision"] and heads["bordeaux"].source == "proposal"
    publish(admin)
    final = Decision.objects.filter(territory="lyon").order_by("pk").last()
    assert final.decision == other and final.override_rationale == OVERRIDE


def test_deciding_again_supersedes_and_keeps_the_chain(dossiers, people, call, admin):
    from frenchtech.programme.deliberation.models import JuryDecision
    from frenchtech.programme.deliberation.services import current_decisions

    set_phase(call, "deliberation")
    lyon = dossiers["lyon"]
    admin.post("/deliberation/", {"dossier": [lyon.pk]})
    admin.post(f"/deliberation/{lyon.pk}/", {"decision": "deferred", "kind": "metropole", "rationale": OVERRIDE})
    chain = list(JuryDecision.objects.filter(dossier=lyon).order_by("pk"))
    assert len(chain) == 2 and chain[1].supersedes_id == chain[0].pk
    assert current_decisions(call)[lyon.pk].pk == chain[1].pk
    assert chain[1].decided_by_name == "admin" and chain[0].source == "proposal"


def test_jury_validity_and_kind_survive_publication_exactly(dossiers, people, call, admin):
    from frenchtech.programme.labels.models import Decision, Label

    set_phase(call, "deliberation")
    lyon, bordeaux = dossiers["lyon"], dossiers["bordeaux"]
    data = {"decision": "labelled", "kind": "metropole", "starts": "2015-01-05", "ends": "2018-06-30",
            "rationale": "Label from January, for the time the metropolitan council needs."}
    assert admin.post(f"/deliberation/{lyon.pk}/", data).status_code == 302
    admin.post("/deliberation/", {"dossier": [bordeaux.pk]})
    publish(admin)
    final = Decision.objects.filter(territory="lyon").order_by("pk").last()
    assert final.decision == "labelled"
    assert (final.valid_from.isoformat(), final.review_until.isoformat(), final.valid_until.isoformat()) == (
        "2015-01-05", "2016-01-05", "2018-06-30")
    label = Label.objects.get(granted_by=final)
    assert (label.valid_from.isoformat(), label.valid_until.isoformat()) == ("2015-01-05", "2018-06-30")


@pytest.mark.parametrize("starts, ends, field", [
    ("0001-01-01", "2018-11-12", "starts"),      # before the announcement
    ("2014-11-12", "9999-12-31", "ends"),        # longer than the campaign's label periods
    ("2019-01-01", "2020-01-01", "starts"),      # after the first period
    ("2014-11-12", "2014-11-12", "ends"),        # ends when it starts
    ("2014-13-40", "2018-11-12", "starts"),      # not a date
])
def test_validity_dates_are_checked_against_the_campaign_rules(dossiers, people, call, admin, starts, ends, field):
    from frenchtech.programme.deliberation.models import JuryDecision

    set_phase(call, "deliberation")
    lyon = dossiers["lyon"]
    data = {"decision": "labelled", "kind": "metropole", "starts": starts, "ends": ends, "rationale": OVERRIDE}
    page = admin.post(f"/deliberation/{lyon.pk}/", data)
    assert page.status_code == 400 and field in page.context["errors"]
    assert not JuryDecision.objects.exists()


def test_unknown_label_kind_and_drafts_are_refused(dossiers, people, call, admin):
    from frenchtech.programme.accounts.services import team_of
    from frenchtech.programme.deliberation import services
    from frenchtech.programme.dossiers.models import Dossier

    set_phase(call, "deliberation")
    lyon = dossiers["lyon"]
    data = {"decision": "labelled", "kind": "capital", "starts": "2014-11-12", "ends": "2018-11-12",
            "rationale": OVERRIDE}
    assert admin.post(f"/deliberation/{lyon.pk}/", data).status_code == 400
    draft = Dossier.objects.create(call=call, territory="rennes", team=team_of(people["lyon"]), name="Rennes draft")
    with pytest.raises(services.DecisionError, match="Only submitted dossiers"):
        services.record_decision(call, draft, {"decision": "not_selected", "rationale": OVERRIDE},
                                 people["admin"])


def test_publication_asks_for_confirmation_with_a_summary(dossiers, people, call, admin, own_audit):
    from frenchtech.programme.labels.models import CampaignRun

    set_phase(call, "deliberation")
    lyon, bordeaux = dossiers["lyon"], dossiers["bordeaux"]
    proposed = proposals(call)
    other = _other(proposed["lyon"]["decision"])
    admin.post(f"/deliberation/{lyon.pk}/", {"decision": other, "kind": "metropole", "starts": "2014-11-12",
                                             "ends": "2018-11-12", "rationale": OVERRIDE})
    admin.post("/deliberation/", {"dossier": [bordeaux.pk]})
    # a POST without confirmation (the old one-click form) publishes nothing: it shows the summary
    page = admin.post("/deliberation/publish/")
    assert page.status_code == 200 and not CampaignRun.objects.exists()
    plan = page.context["plan"]
    assert plan.total == len(proposed) and sum(plan.counts.values()) == len(proposed)
    assert [o["territory"] for o in plan.overrides] == ["lyon"] and OVERRIDE in page.content.decode()
    assert {t["territory"] for t in plan.audit_only} == set(proposed) - {"lyon", "bordeaux"}
    sha = plan.manifest_sha256
    assert sha in page.content.decode()
    admin.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    fr = admin.get("/deliberation/publish/").content.decode()
    admin.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Ce qui sera publié" in fr and f"Publier {plan.total} décisions maintenant" in fr
    # the audit changes between the confirmation and the click: nothing is published
    manifest = own_audit / "manifest.json"
    manifest.write_bytes(manifest.read_bytes() + b"\n")
    refused = admin.post("/deliberation/publish/", {"confirm": sha}, follow=True).content.decode()
    assert "The audit changed since the confirmation page" in refused and not CampaignRun.objects.exists()
    call.refresh_from_db()
    assert call.published_at is None


def test_an_edited_manifest_is_not_published(dossiers, people, call, admin, own_audit):
    from frenchtech.programme.deliberation.services import DecisionError, publish as publish_call
    from frenchtech.programme.deliberation.services import summary
    from frenchtech.programme.labels.models import CampaignRun
    from frenchtech.programme.labels.services import PublicationError, publish_audit

    set_phase(call, "deliberation")
    admin.post("/deliberation/", {"dossier": [d.pk for d in dossiers.values()]})
    path = own_audit / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["seed"] = (manifest.get("seed") or 0) + 1
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    with pytest.raises(DecisionError, match="edited after the audit"):
        publish_call(call, people["admin"], confirmed_manifest=summary(call).manifest_sha256)
    with pytest.raises(PublicationError, match="edited after the audit"):   # frenchtech labels publish
        publish_audit(own_audit)
    assert not CampaignRun.objects.exists()


def test_the_public_side_serves_what_was_published(dossiers, people, call, admin, own_audit, showcase):
    from frenchtech.programme.deliberation.models import PublishedFile
    from frenchtech.programme.dossiers.models import Call

    set_phase(call, "deliberation")
    admin.post("/deliberation/", {"dossier": [d.pk for d in dossiers.values()]})
    from frenchtech.report import api

    visitor = Client()
    before = api.territory("lyon", folder=own_audit)[1]   # the audit as it stands when published
    publish(admin)
    published = visitor.get(f"{API}/territories/lyon").json()
    assert published["decisions"] == "published"
    assert published["score"] == before["score"] and published["structures"] == before["structures"]
    assert PublishedFile.objects.filter(path="scores.csv").exists()
    # the audit folder is rewritten, then removed: the public side does not move
    scores = own_audit / "scores.csv"
    scores.write_text(scores.read_text(encoding="utf-8").replace(",1,", ",99,"), encoding="utf-8")
    assert visitor.get(f"{API}/territories/lyon").json()["score"] == published["score"]
    shutil.rmtree(own_audit)
    assert visitor.get(f"{API}/territories/lyon").json()["score"] == published["score"]
    # another audit cannot be put behind the published call
    with pytest.raises(REFUSED), transaction.atomic():
        Call.objects.filter(pk=call.pk).update(audit_dir="/tmp/another-audit")
    with pytest.raises(REFUSED), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE dossiers_call SET audit_dir = %s WHERE id = %s", ["/tmp/another-audit", call.pk])
    assert Call.objects.get(pk=call.pk).audit_dir == str(own_audit)


def test_jury_decisions_and_pinned_files_cannot_be_rewritten(dossiers, people, call, admin):
    from frenchtech.programme.deliberation.models import JuryDecision, Publication, PublishedFile

    set_phase(call, "deliberation")
    admin.post("/deliberation/", {"dossier": [d.pk for d in dossiers.values()]})
    publish(admin)
    decision = JuryDecision.objects.first()
    rows = {"deliberation_jurydecision": ("decision = 'labelled'", decision.pk),
            "deliberation_publishedfile": ("sha256 = 'x'", PublishedFile.objects.first().pk),
            "deliberation_publication": ("manifest_sha256 = 'x'", Publication.objects.get().pk)}
    for table, (change, pk) in rows.items():
        for sql in (f"UPDATE {table} SET {change} WHERE id = %s", f"DELETE FROM {table} WHERE id = %s"):
            with pytest.raises(REFUSED), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [pk])
    with pytest.raises(REFUSED):
        JuryDecision.objects.filter(pk=decision.pk).update(rationale="rewritten")
    assert JuryDecision.objects.filter(pk=decision.pk, decision=decision.decision).exists()


def test_deliberation_marks_and_leaves_out_a_review_whose_juror_declared_a_conflict(dossiers, people, call, admin):
    from frenchtech.programme.jury.services import assign, declare_conflict, save_review

    lyon = dossiers["lyon"]
    set_phase(call, "review")
    scores = {"ecosystem": 5, "ambition": 5, "federation": 5, "accelerators": 5, "flagship": 5, "international": 5}
    low = {k: 1 for k in scores}
    for juror, given in ((people["juror"], scores), (people["juror2"], low)):
        save_review(assign(juror, lyon), given, "Read in full.", submit=True)
    declare_conflict(people["juror"], call, "lyon", "Board member of the Lyon association")  # after scoring
    set_phase(call, "deliberation")
    page = admin.get(f"/deliberation/{lyon.pk}/")
    assert page.context["excluded"] == 1 and page.context["jury_mean"] == 20.0
    assert "1 review is excluded from the jury mean" in page.content.decode()
    marked = [r for r in page.context["reviews"] if r["excluded"]]
    assert [r["juror"] for r in marked] == ["juror1"] and "Board member" in marked[0]["exclusion_reason"]
    listing = admin.get("/deliberation/").content.decode()
    assert "1 excluded" in listing


def test_a_reaudit_is_published_as_corrections_and_served(dossiers, people, call, admin, tmp_path, showcase):
    from frenchtech.audit import run_audit
    from frenchtech.campaign import load_campaign
    from frenchtech.programme.deliberation import reaudit
    from frenchtech.programme.deliberation.models import Publication
    from frenchtech.programme.labels.models import Decision
    from frenchtech.programme.labels.services import PublicationError
    from frenchtech.sources.generate import generate_evidence
    from tests.web.conftest import CAMPAIGN

    set_phase(call, "deliberation")
    lyon, bordeaux = dossiers["lyon"], dossiers["bordeaux"]
    proposed = proposals(call)
    other = _other(proposed["lyon"]["decision"])
    admin.post(f"/deliberation/{lyon.pk}/", {"decision": other, "kind": "metropole", "starts": "2014-11-12",
                                             "ends": "2018-11-12", "rationale": OVERRIDE})
    admin.post("/deliberation/", {"dossier": [bordeaux.pk]})
    publish(admin)
    first = Publication.objects.get()
    # the campaign audited again on corrected evidence
    campaign = load_campaign(CAMPAIGN)
    generate_evidence(campaign, tmp_path / "evidence", rows=5000, seed=campaign.seed + 7)
    run_audit(campaign, tmp_path / "evidence", tmp_path / "reaudit")
    folder = tmp_path / "reaudit"
    todo = reaudit.plan(call.campaign, folder)
    assert todo.changes, "the new evidence changes some decisions"
    assert "lyon" not in {c["territory"] for c in todo.changes}   # decided by hand: it stands
    with pytest.raises(PublicationError, match="rationale"):
        reaudit.publish(call.campaign, folder, "", people["admin"], confirmed_manifest=todo.manifest_sha256)
    with pytest.raises(PublicationError, match="changed since"):
        reaudit.publish(call.campaign, folder, "Evidence corrected by INSEE.", people["admin"],
                        confirmed_manifest="0" * 64)
    from click.testing import CliRunner

    from frenchtech.cli import main

    args = ["labels", "reaudit", call.campaign, str(folder), "--rationale", "Evidence corrected by INSEE."]
    shown = CliRunner().invoke(main, args)
    assert shown.exit_code == 0 and "nothing published" in shown.output and todo.manifest_sha256 in shown.output
    assert Publication.objects.count() == 1
    done = CliRunner().invoke(main, [*args, "--confirm", todo.manifest_sha256])
    assert done.exit_code == 0 and f"{len(todo.changes)} correction(s)" in done.output, done.output
    second = Publication.objects.get(superseded_by__isnull=True)
    assert second.supersedes_id == first.pk and Publication.objects.count() == 2
    for change in todo.changes:
        head = Decision.objects.filter(territory=change["territory"], superseded_by__isnull=True).get()
        assert head.decision == change["after"]["decision"] and head.supersedes is not None
        assert "re-audit" in head.override_rationale
    lyon_head = Decision.objects.filter(territory="lyon", superseded_by__isnull=True).get()
    assert lyon_head.decision == other and lyon_head.override_rationale == OVERRIDE
    # the public side now serves the new audit's figures with the decisions that stand
    from frenchtech.report import api

    served = Client().get(f"{API}/territories/{todo.changes[0]['territory']}").json()
    assert served["score"] == api.territory(todo.changes[0]["territory"], folder=folder)[1]["score"]
    assert served["decision"]["decision"] == todo.changes[0]["after"]["decision"]
    with pytest.raises(PublicationError, match="already published"):
        reaudit.plan(call.campaign, folder)
