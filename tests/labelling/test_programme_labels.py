"""Publishing audits into the programme database, the label registry services and the CLI over them."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from django.core.exceptions import ValidationError
from django.utils import translation

from frenchtech.cli import main
from frenchtech.programme.labels import services
from frenchtech.programme.labels.models import Decision, Label

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(chain):
    services.publish_audit(chain["au14"])
    services.publish_audit(chain["au15"])
    return chain


def _cli(*args):
    r = CliRunner().invoke(main, list(args))
    assert r.exit_code == 0, r.output
    return r.output


def test_publish_requires_the_predecessor_and_is_idempotent(chain):
    with pytest.raises(services.PublicationError, match="chained to metropoles-2014"):
        services.publish_audit(chain["au15"])
    first = services.publish_audit(chain["au14"])
    assert services.publish_audit(chain["au14"]).pk == first.pk
    assert Decision.objects.count() == 16


@pytest.mark.parametrize("day", ["2014-11-11", "2014-11-12", "2015-06-24", "2016-01-01", "2017-12-31",
                                 "2018-11-12", "2019-01-01", "2019-06-24"])
def test_labels_list_across_dates_matches_the_audit_folders(published, day):
    import csv

    from frenchtech.labelling import registry

    recs = []
    for folder in (published["au14"], published["au15"]):
        with open(folder / "decisions.csv", encoding="utf-8", newline="") as f:
            recs += list(csv.DictReader(f))
    want = {(lab.territory, lab.kind) for lab in registry.active_on(recs, day)}
    rows = json.loads(_cli("labels", "list", "--on", day, "--json"))
    assert {(r["territory"], r["kind"]) for r in rows} == want


def test_cli_list_history_status(published):
    assert {r["territory"] for r in services.label_history("paris")} == {"paris"}
    out = _cli("labels", "list", "--on", "2016-01-01", "--json")
    rows = json.loads(out)
    assert {"paris", "aix-marseille"} <= {r["territory"] for r in rows}
    paris = next(r for r in rows if r["territory"] == "paris")
    assert paris["phase"] == "full period" and paris["valid_until"] == "2018-11-12"
    assert "label(s) active on 2014-11-11" in _cli("labels", "list", "--on", "2014-11-11")
    assert _cli("labels", "list", "--on", "2014-11-11").startswith("0 label(s)")
    history = _cli("labels", "history", "paris")
    assert "metropoles-2014" in history and "confirmed" in history
    status = json.loads(_cli("campaign", "status", "--json"))
    assert [s["campaign"] for s in status] == ["metropoles-2014", "metropoles-2015"]
    assert status[1]["predecessor"] == "metropoles-2014" and status[1]["confirmed"] >= 1


def test_published_decisions_are_immutable_and_corrections_are_linked(published):
    d = Decision.objects.get(record_id="metropoles-2015:annecy")
    d.reason = "edited"
    with translation.override("en"), pytest.raises(ValidationError, match="cannot be changed"):
        d.save()
    with translation.override("fr"), pytest.raises(ValidationError, match="ne peut plus être modifié"):
        d.save()
    with pytest.raises(ValidationError):
        d.delete()
    with pytest.raises(services.PublicationError, match="rationale"):
        services.correct_decision("metropoles-2015:annecy", "not_selected", "")
    fix = services.correct_decision("metropoles-2015:annecy", "ineligible",
                                    "Dossier received after the closing date (registry stamp)",
                                    on_date="2015-07-01", reapply_from=dt.date(2017, 6, 24))
    assert fix.supersedes.record_id == "metropoles-2015:annecy" and fix.override
    hist = services.label_history("annecy")
    assert [h["decision"] for h in hist] == ["ineligible"]


def test_overlapping_label_is_refused(published):
    lab = Label.objects.filter(territory="paris").first()
    with pytest.raises(services.PublicationError, match="overlaps"):
        services.correct_decision("metropoles-2015:paris", "labelled", "Jury re-grants Paris a fresh label",
                                  on_date="2016-01-01", valid_from=dt.date(2016, 1, 1),
                                  review_until=dt.date(2017, 1, 1), valid_until=dt.date(2020, 1, 1))
    assert lab.valid_until == dt.date(2018, 11, 12)


def test_may_apply_again_and_expiring(published):
    rejected = [r for r in services.records() if r["campaign"] == "metropoles-2015" and r["decision"] == "not_selected"]
    t = rejected[0]["territory"]
    assert services.may_apply_again(t, "2017-06-23")["may_apply"] is False
    assert services.may_apply_again(t, "2017-06-24")["may_apply"] is True
    soon = services.expiring(30, on_date="2018-10-20")
    assert soon and all(r["valid_until"] == "2018-11-12" for r in soon)


def test_a_deferral_is_published_without_a_label_and_shown_by_the_cli(published):
    nb = Label.objects.count()
    with pytest.raises(services.PublicationError, match="grants no label"):
        services.correct_decision("metropoles-2015:annecy", "deferred", "Jury asks for the signed partnership",
                                  on_date="2015-07-01", valid_from=dt.date(2015, 7, 1), valid_until=dt.date(2018, 7, 1))
    fix = services.correct_decision("metropoles-2015:annecy", "deferred", "Jury asks for the signed partnership",
                                    on_date="2015-07-01")
    assert fix.decision == "deferred" and fix.label_ref == "" and Label.objects.count() == nb
    assert "annecy" not in {r["territory"] for r in services.active_labels("2016-01-01")}
    assert services.may_apply_again("annecy", "2015-07-02")["may_apply"] is True
    assert [r["territory"] for r in services.deferred("2016-01-01")] == ["annecy"]
    out = _cli("labels", "list", "--on", "2016-01-01")
    assert "deferred" in out and "annecy (metropoles-2015)" in out
    assert "deferred" in _cli("labels", "history", "annecy")
    status = json.loads(_cli("campaign", "status", "--json"))
    assert status[1]["deferred"] == 1
    fix.reason = "edited"
    with pytest.raises(ValidationError, match="cannot be changed"):
        fix.save()
