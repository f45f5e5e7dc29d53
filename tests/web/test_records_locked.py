"""Records that cannot be rewritten by any path: published decisions, labels and campaign runs, the
activity log, submitted reviews, conflicts of interest, submitted dossiers and published calls refuse
queryset updates and deletes, raw SQL and the admin; drafts stay editable; admin writes are logged."""
from __future__ import annotations

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test import Client

from frenchtech.programme.activity.models import Entry
from frenchtech.programme.dossiers.models import Call, Dossier
from frenchtech.programme.jury.models import Conflict, Review
from frenchtech.programme.jury.services import assign, declare_conflict, save_review
from frenchtech.programme.labels.models import CampaignRun, Decision, Label
from frenchtech.programme.records import ProtectedRecordError, installed, lifted
from tests.web.conftest import set_phase

REFUSED = (IntegrityError, DatabaseError, ProtectedRecordError)
SCORES = {"ecosystem": "4", "ambition": "3", "federation": "5", "accelerators": "2", "flagship": "na",
          "international": "4"}


def refused_sql(sql, params=()):
    with pytest.raises((IntegrityError, DatabaseError)) as info, transaction.atomic():
        with connection.cursor() as cur:
            cur.execute(sql, params)
    return str(info.value)


def refused(action):
    with pytest.raises(REFUSED), transaction.atomic():
        action()


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def published(call, audit_dir):
    from frenchtech.programme.labels.services import publish_audit

    run = publish_audit(audit_dir)
    assert Label.objects.exists()
    return run


@pytest.fixture
def reviewed(dossiers, people, call):
    """juror1 submitted a review of Lyon; juror2 has a draft of Bordeaux and declared a conflict with Lyon."""
    set_phase(call, "review")
    submitted = save_review(assign(people["juror"], dossiers["lyon"], people["admin"]), SCORES, "Strong", True)
    draft = save_review(assign(people["juror2"], dossiers["bordeaux"], people["admin"]), {"ecosystem": "2"}, "",
                        False)
    conflict = declare_conflict(people["juror2"], call, "lyon", "I worked for the metropole")
    return {"submitted": submitted, "draft": draft, "conflict": conflict}


def test_every_protection_is_installed(db):
    names = set(installed())
    for table in ("labels_campaignrun", "labels_decision", "labels_label"):
        assert {f"{table}_published_refuse_update", f"{table}_published_refuse_delete"} <= names
    assert {"activity_entry_append_only_refuse_update", "activity_entry_append_only_refuse_delete",
            "jury_review_submitted_refuse_update", "jury_review_submitted_refuse_delete",
            "jury_conflict_declared_refuse_update", "jury_conflict_declared_refuse_delete",
            "dossiers_dossier_submitted_refuse_update", "dossiers_dossier_submitted_refuse_delete",
            "dossiers_call_published_refuse_update"} <= names


def test_published_records_refuse_querysets_and_raw_sql(published):
    for model in (Decision, Label, CampaignRun):
        count = model.objects.count()
        with pytest.raises(ProtectedRecordError, match=f"{model._meta.db_table} rows are published records"):
            model.objects.all().delete()
        refused(lambda: model.objects.filter(pk=model.objects.first().pk).update(name="rewritten"))
        refused(lambda: model.objects.all()._raw_delete(connection.alias))
        assert model.objects.count() == count
    lyon = Decision.objects.exclude(decision="labelled").first()
    message = refused_sql("UPDATE labels_decision SET decision = 'labelled' WHERE id = %s", [lyon.pk])
    assert "labels_decision rows are published records and cannot be changed" in message
    refused_sql("DELETE FROM labels_decision WHERE id = %s", [lyon.pk])
    refused_sql("UPDATE labels_label SET valid_until = valid_from")
    refused_sql("DELETE FROM labels_label")
    refused_sql("UPDATE labels_campaignrun SET manifest_sha256 = 'x'")
    refused_sql("DELETE FROM labels_campaignrun")
    assert Decision.objects.get(pk=lyon.pk).decision == lyon.decision
    assert Label.objects.count() and CampaignRun.objects.count() == 1


def test_activity_log_refuses_raw_sql_but_an_account_can_go(dossiers, people):
    entry = Entry.objects.filter(actor=people["lyon"]).first()
    refused_sql("UPDATE activity_entry SET action = 'tampered' WHERE id = %s", [entry.pk])
    refused_sql("UPDATE activity_entry SET actor_id = NULL, actor_name = 'someone' WHERE id = %s", [entry.pk])
    refused_sql("UPDATE activity_entry SET actor_id = %s WHERE id = %s", [people["admin"].pk, entry.pk])
    refused_sql("DELETE FROM activity_entry WHERE id = %s", [entry.pk])
    refused(lambda: Entry.objects.filter(pk=entry.pk)._raw_delete(connection.alias))
    assert Entry.objects.get(pk=entry.pk).action == entry.action
    # deleting an account (no records of its own) keeps its entries, with its name, unlinked
    from frenchtech.programme.accounts.services import create_person
    from frenchtech.programme.activity.services import record

    gone = create_person("gone", "correct-horse-battery-9", "fund_manager")
    kept = record(gone, "fund.look", None, after={"x": 1})
    with transaction.atomic():
        gone.delete()
    kept = Entry.objects.get(pk=kept.pk)
    assert kept.actor_id is None and kept.actor_name == "gone" and kept.after == {"x": 1}


def test_submitted_review_and_conflict_refuse_rewrites(reviewed):
    submitted, draft, conflict = reviewed["submitted"], reviewed["draft"], reviewed["conflict"]
    refused_sql("UPDATE jury_review SET scores = '{}' WHERE id = %s", [submitted.pk])
    refused_sql("DELETE FROM jury_review WHERE id = %s", [submitted.pk])
    refused_sql("UPDATE jury_conflict SET reason = 'none' WHERE id = %s", [conflict.pk])
    refused_sql("DELETE FROM jury_conflict WHERE id = %s", [conflict.pk])
    refused(lambda: Review.objects.filter(pk=submitted.pk).update(scores={}))
    refused(lambda: Review.objects.all().delete())
    refused(lambda: Conflict.objects.all().delete())
    refused(lambda: Conflict.objects.update(reason="none"))
    refused(lambda: submitted.assignment.delete())  # the cascade too
    submitted.comment = "rewritten"
    refused(submitted.save)
    refused(conflict.delete)
    assert Review.objects.get(pk=submitted.pk).scores == {**{k: int(v) for k, v in SCORES.items() if v != "na"},
                                                          "flagship": None}
    assert Conflict.objects.filter(pk=conflict.pk, reason="I worked for the metropole").exists()
    # a draft stays editable
    with connection.cursor() as cur:
        cur.execute("UPDATE jury_review SET comment = 'draft note' WHERE id = %s", [draft.pk])
    Review.objects.filter(pk=draft.pk).update(comment="still a draft")
    assert Review.objects.get(pk=draft.pk).comment == "still a draft"


def test_submitted_dossier_and_published_call_refuse_rewrites(dossiers, people, call):
    lyon = dossiers["lyon"]
    refused_sql("""UPDATE dossiers_dossier SET declared = '{"funding_eur": 99}' WHERE id = %s""", [lyon.pk])
    refused_sql("UPDATE dossiers_dossier SET status = 'draft' WHERE id = %s", [lyon.pk])
    refused_sql("UPDATE dossiers_dossier SET population = 1 WHERE id = %s", [lyon.pk])
    refused_sql("DELETE FROM dossiers_dossier WHERE id = %s", [lyon.pk])
    refused(lambda: Dossier.objects.filter(pk=lyon.pk).update(declared={}))
    lyon.declared = {"funding_eur": 99}
    refused(lyon.save)
    stored = Dossier.objects.get(pk=lyon.pk)
    assert stored.declared == {"funding_eur": 1000000, "support_structures": 4} and stored.status == "submitted"
    Dossier.objects.filter(pk=lyon.pk).update(version=stored.version)  # bookkeeping outside the content
    # a draft stays editable
    from frenchtech.programme.accounts.services import team_of
    from frenchtech.programme.dossiers.services import create_dossier, update_dossier

    team = team_of(people["lyon"])
    team.territory = "toulouse"
    draft = create_dossier(call, team, people["lyon"])
    update_dossier(draft, {"name": "Toulouse", "epci": draft.epci, "declared": {"funding_eur": 5}}, people["lyon"])
    with connection.cursor() as cur:
        cur.execute("UPDATE dossiers_dossier SET name = 'Toulouse FT' WHERE id = %s", [draft.pk])
    # a published call: calendar editable; audit folder, campaign file and publication date are not
    set_phase(call, "published")
    refused_sql("UPDATE dossiers_call SET audit_dir = '/elsewhere' WHERE id = %s", [call.pk])
    refused_sql("UPDATE dossiers_call SET published_at = NULL WHERE id = %s", [call.pk])
    refused_sql("DELETE FROM dossiers_call WHERE id = %s", [call.pk])
    refused(lambda: Call.objects.filter(pk=call.pk).update(campaign_file="/other.toml"))
    call.refresh_from_db()
    call.audit_dir = "/elsewhere"
    refused(call.save)
    call.refresh_from_db()
    from frenchtech.programme.dossiers.services import set_calendar

    set_calendar(call, people["admin"], deliberation_ends=call.deliberation_ends)
    assert Call.objects.get(pk=call.pk).audit_dir not in ("", "/elsewhere")


def test_admin_obeys_the_workflow(reviewed, dossiers, people, call):
    admin = client_for(people["admin"])
    lyon = dossiers["lyon"]
    url = f"/admin/dossiers/dossier/{lyon.pk}/change/"
    assert admin.get(url).status_code == 200
    form = {"name": "Lyon", "epci": '["246900245"]', "communes": "[]", "declared": '{"funding_eur": 0}',
            "narrative": "{}", "structures": "[]", "initiatives": "[]", "status": "draft", "population": "0",
            "versions-TOTAL_FORMS": "0", "versions-INITIAL_FORMS": "0"}
    assert admin.post(url, form).status_code == 403   # read-only in the admin
    stored = Dossier.objects.get(pk=lyon.pk)
    assert stored.declared == {"funding_eur": 1000000, "support_structures": 4} and stored.status == "submitted"
    assert admin.post(f"/admin/dossiers/dossier/{lyon.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Dossier.objects.filter(pk=lyon.pk).exists()
    # a submitted review: scores unchanged; no review can be added
    review = reviewed["submitted"]
    before = Review.objects.get(pk=review.pk).scores
    assert admin.post(f"/admin/jury/review/{review.pk}/change/",
               {"assignment": review.assignment_id, "scores": '{"ecosystem": 0, "ambition": 0}', "comment": "",
                "submitted_at_0": "2014-10-01", "submitted_at_1": "10:00:00"}).status_code == 403
    assert Review.objects.get(pk=review.pk).scores == before
    assert admin.get("/admin/jury/review/add/").status_code == 403
    admin.post("/admin/jury/review/", {"action": "delete_selected", "_selected_action": [review.pk], "post": "yes"})
    assert Review.objects.filter(pk=review.pk).exists()
    # a conflict cannot be deleted nor changed; one declared here is logged
    conflict = reviewed["conflict"]
    assert admin.post(f"/admin/jury/conflict/{conflict.pk}/delete/", {"post": "yes"}).status_code == 403
    admin.post("/admin/jury/conflict/", {"action": "delete_selected", "_selected_action": [conflict.pk],
                                         "post": "yes"})
    assert Conflict.objects.filter(pk=conflict.pk, reason="I worked for the metropole").exists()
    r = admin.post("/admin/jury/conflict/add/", {"call": call.pk, "juror": people["juror"].pk,
                                                 "territory": "bordeaux", "reason": "Board member"})
    assert r.status_code == 302
    assert Entry.objects.filter(action="conflict.declare", actor=people["admin"],
                                after__territory="bordeaux").exists()


def test_admin_writes_that_remain_land_in_the_activity_log(call, people, audit_dir):
    admin = client_for(people["admin"])
    set_phase(call, "published")
    call.refresh_from_db()
    url = f"/admin/dossiers/call/{call.pk}/change/"
    page = admin.get(url).content.decode()
    assert 'name="audit_dir"' not in page and 'name="campaign_file"' not in page
    fmt = lambda d: {"_0": d.strftime("%Y-%m-%d"), "_1": d.strftime("%H:%M:%S")}
    data = {"name": call.name, "name_en": "Renamed call", "blind_review": "",
            "audit_dir": "/elsewhere", "campaign_file": "/other.toml"}
    for f in ("opens", "deadline", "review_ends", "deliberation_ends"):
        value = getattr(call, f)
        if f == "deliberation_ends":
            value = value.replace(year=value.year + 1)
        data.update({f + k: v for k, v in fmt(value).items()})
    r = admin.post(url, data)
    assert r.status_code == 302, r.content.decode()[:2000]
    stored = Call.objects.get(pk=call.pk)
    assert stored.name_en == "Renamed call" and stored.deliberation_ends.year == call.deliberation_ends.year + 1
    assert stored.audit_dir == str(audit_dir) and stored.campaign_file == call.campaign_file
    calendar = Entry.objects.filter(action="call.calendar", actor=people["admin"]).first()
    assert calendar is not None and "deliberation_ends" in calendar.after
    change = Entry.objects.filter(action="admin.change", object_type="dossiers.call").first()
    assert change.before["name_en"] != "Renamed call" and change.after["name_en"] == "Renamed call"
    assert admin.get(f"/admin/dossiers/call/{call.pk}/delete/").status_code == 403


def test_lifted_puts_the_protections_back(published):
    before = installed()
    with lifted():
        assert not installed()
    assert installed() == before
    refused_sql("DELETE FROM labels_decision")
