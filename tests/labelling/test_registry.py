"""The label registry on plain decision records: validity periods, their ends, overlaps, corrections."""
from __future__ import annotations

import datetime as dt

from frenchtech.labelling import registry as reg

D = dt.date


def granted(territory, day, review, until, campaign="c2014", kind="metropole", **kw):
    return {"id": f"{campaign}:{territory}", "campaign": campaign, "territory": territory, "kind": kind,
            "decision": "labelled", "decided_on": day, "valid_from": day, "review_until": review,
            "valid_until": until, "label": f"{campaign}:{territory}:{kind}", **kw}


RECORDS = [
    granted("lyon", D(2014, 11, 12), D(2015, 11, 12), D(2018, 11, 12)),
    {"id": "c2014:brest", "campaign": "c2014", "territory": "brest", "decision": "not_selected",
     "decided_on": D(2014, 11, 12), "reapply_from": "2016-11-12"},
]


def test_a_label_is_active_from_its_first_day_to_the_day_before_its_end():
    assert [x.territory for x in reg.active_on(RECORDS, "2014-11-11")] == []
    assert [x.territory for x in reg.active_on(RECORDS, "2014-11-12")] == ["lyon"]
    assert [x.territory for x in reg.active_on(RECORDS, "2018-11-11")] == ["lyon"]
    assert [x.territory for x in reg.active_on(RECORDS, "2018-11-12")] == []


def test_review_phase_ends_on_its_date():
    lab = reg.labels(RECORDS)[0]
    assert lab.phase(D(2015, 11, 11)) == "under review"
    assert lab.phase(D(2015, 11, 12)) == "full period"


def test_overlapping_validity_is_an_error():
    twice = RECORDS + [granted("lyon", D(2018, 11, 11), D(2019, 11, 11), D(2022, 11, 11), campaign="c2018")]
    errors = reg.overlaps(reg.labels(twice))
    assert len(errors) == 1 and "overlaps" in errors[0] and "lyon" in errors[0]
    back_to_back = RECORDS + [granted("lyon", D(2018, 11, 12), D(2019, 11, 12), D(2022, 11, 12), campaign="c2018")]
    assert reg.overlaps(reg.labels(back_to_back)) == []
    other_kind = RECORDS + [granted("lyon", D(2015, 6, 24), D(2016, 6, 24), D(2019, 6, 24), campaign="c2015",
                                    kind="thematic")]
    assert reg.overlaps(reg.labels(other_kind)) == []


def test_withdrawal_ends_the_label_on_its_date():
    recs = RECORDS + [{"id": "c2015:lyon", "campaign": "c2015", "territory": "lyon", "decision": "withdrawn",
                       "decided_on": D(2015, 6, 24), "valid_until": D(2015, 6, 24), "label": "c2014:lyon:metropole",
                       "reapply_from": D(2017, 6, 24)}]
    assert reg.active_on(recs, "2015-06-23")[0].territory == "lyon"
    assert reg.active_on(recs, "2015-06-24") == []
    ok, why, when = reg.may_apply_again(recs, "lyon", "2016-01-01")
    assert not ok and when == D(2017, 6, 24)
    assert reg.may_apply_again(recs, "lyon", "2017-06-24")[0]


def test_re_application_delay_ends_on_its_date():
    assert reg.may_apply_again(RECORDS, "brest", "2016-11-11")[0] is False
    assert reg.may_apply_again(RECORDS, "brest", "2016-11-12")[0] is True
    ok, why, _ = reg.may_apply_again(RECORDS, "lyon", "2016-01-01")
    assert not ok and "holds label" in why
    assert reg.may_apply_again(RECORDS, "nowhere", "2016-01-01")[0]


def test_expiring_within_days_includes_the_last_day():
    assert [x.territory for x in reg.expiring(RECORDS, "2018-10-13", 30)] == ["lyon"]
    assert reg.expiring(RECORDS, "2018-10-12", 30) == []


def test_a_correction_supersedes_the_decision_it_names():
    correction = {"id": "c2014:brest:fix", "campaign": "c2014", "territory": "brest", "decision": "labelled",
                  "decided_on": D(2014, 12, 1), "valid_from": D(2014, 12, 1), "review_until": D(2015, 12, 1),
                  "valid_until": D(2018, 12, 1), "supersedes": "c2014:brest"}
    recs = RECORDS + [correction]
    assert [r["id"] for r in reg.history(recs, "brest")] == ["c2014:brest:fix"]
    assert {x.territory for x in reg.active_on(recs, "2015-01-01")} == {"brest", "lyon"}


def test_a_deferred_territory_holds_no_label_and_may_apply_at_once():
    deferral = {"id": "c2014:nice", "campaign": "c2014", "territory": "nice", "decision": "deferred",
                "decided_on": D(2014, 11, 12), "override": True, "override_rationale": "Dossier to be completed"}
    recs = RECORDS + [deferral]
    assert "nice" not in {x.territory for x in reg.active_on(recs, "2015-01-01")}
    assert [x.territory for x in reg.labels(recs)] == ["lyon"]
    ok, why, when = reg.may_apply_again(recs, "nice", "2014-11-13")   # the next day: no delay
    assert ok and when is None and "next campaign" in why
    assert [r["territory"] for r in reg.deferred(recs)] == ["nice"]
    assert reg.deferred(recs, "2014-11-11") == []                     # not deferred yet


def test_a_deferral_is_carried_until_a_later_campaign_decides():
    deferral = {"id": "c2014:nice", "campaign": "c2014", "territory": "nice", "decision": "deferred",
                "decided_on": D(2014, 11, 12)}
    later = granted("nice", D(2015, 6, 24), D(2016, 6, 24), D(2019, 6, 24), campaign="c2015")
    recs = RECORDS + [deferral, later]
    assert [r["territory"] for r in reg.deferred(recs, "2015-01-01")] == ["nice"]
    assert reg.deferred(recs, "2015-06-24") == []
    assert "nice" in {x.territory for x in reg.active_on(recs, "2015-07-01")}


def test_a_label_corrected_into_a_deferral_no_longer_counts():
    fix = {"id": "c2014:lyon#1", "campaign": "c2014", "territory": "lyon", "decision": "deferred",
           "decided_on": D(2014, 12, 1), "supersedes": "c2014:lyon"}
    recs = RECORDS + [fix]
    assert reg.active_on(recs, "2015-01-01") == []
    assert reg.may_apply_again(recs, "lyon", "2015-01-01")[0]
