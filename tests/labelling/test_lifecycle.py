"""decide_campaign on controlled scores: re-audit outcomes, overrides, eligibility, validity dates."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from frenchtech.labelling.decisions import decide_campaign
from frenchtech.labelling.settings import (
    Chaining,
    Eligibility,
    KindRule,
    Override,
    Validity,
)


@pytest.fixture
def campaign(mini_campaign):
    """mini-2014 (paris automatic, rennes, brest) as a chained campaign announced 2015-06-24."""
    c = dataclasses.replace(mini_campaign, announced=dt.date(2015, 6, 24), predecessor="prev")
    c.rules = dataclasses.replace(c.rules, rules={"metropole": KindRule("metropole", "threshold", threshold=1.0)},
                                  validity=Validity(1, 3, 2),
                                  chaining=Chaining("prev", warning_bar=0.7, warning_drop=0.25, withdraw_below=0.4))
    return c


def prev(territory, decision="labelled", relative=1.0, **kw):
    row = {"id": f"prev:{territory}", "campaign": "prev", "territory": territory, "kind": "metropole",
           "decision": decision, "relative": relative, "decided_on": "2014-11-12"}
    if decision == "labelled":
        row.update(valid_from="2014-11-12", review_until="2015-11-12", valid_until="2018-11-12",
                   label=f"prev:{territory}:metropole")
    return row | kw


def run(c, scores, previous=None, dossiers=None):
    pops = {t.id: t.population for t in c.territories}
    s = pd.Series(scores)
    out = decide_campaign(c, s, pops, dossiers if dossiers is not None else {t: {} for t in scores}, previous)
    return out.set_index("territory")


def test_reaudit_confirms_warns_and_withdraws(campaign):
    # rennes and brest are the candidates: mean 50 -> rennes 1.2, brest 0.8
    out = run(campaign, {"paris": 99.0, "rennes": 60.0, "brest": 40.0},
              [prev("paris"), prev("rennes", relative=1.6), prev("brest", relative=0.9)])
    assert out.loc["paris", "decision"] == "confirmed"
    r = out.loc["rennes"]
    assert r["decision"] == "confirmed" and "fell from 160% to 120%" in r["early_warning"]
    assert str(r["valid_until"]) == "2018-11-12" and r["label"] == "prev:rennes:metropole"
    assert out.loc["brest", "decision"] == "confirmed" and out.loc["brest", "early_warning"] == ""
    out = run(campaign, {"paris": 99.0, "rennes": 95.0, "brest": 5.0}, [prev("rennes"), prev("brest")])
    b = out.loc["brest"]
    assert b["decision"] == "withdrawn" and "below the bar" in b["early_warning"]
    assert b["valid_until"] == dt.date(2015, 6, 24) and b["reapply_from"] == dt.date(2017, 6, 24)


def test_override_is_shown_as_such(campaign):
    campaign.rules = dataclasses.replace(campaign.rules, overrides=[
        Override("brest", "labelled", "Jury minutes p. 4: regional network effect")])
    out = run(campaign, {"paris": 99.0, "rennes": 60.0, "brest": 40.0})
    b = out.loc["brest"]
    assert b["decision"] == "labelled" and b["rule_decision"] == "not_selected"
    assert bool(b["override"]) and "Jury minutes" in b["override_rationale"] and "jury override" in b["reason"]
    assert str(b["valid_from"]) == "2015-06-24" and str(b["valid_until"]) == "2019-06-24"


def test_rejected_candidate_within_its_delay_is_ineligible(campaign):
    out = run(campaign, {"paris": 99.0, "rennes": 60.0, "brest": 40.0},
              [prev("brest", "not_selected", reapply_from="2016-11-12")])
    b = out.loc["brest"]
    assert b["decision"] == "ineligible" and "may apply again from 2016-11-12" in b["reason"]
    assert b["reapply_from"] == dt.date(2016, 11, 12)
    # on the date itself the delay is over
    campaign.announced = dt.date(2016, 11, 12)
    assert run(campaign, {"paris": 99.0, "rennes": 60.0, "brest": 40.0},
               [prev("brest", "not_selected", reapply_from="2016-11-12")]).loc["brest", "eligible"]


def test_population_and_complete_dossier_rules(campaign):
    campaign.rules = dataclasses.replace(campaign.rules, eligibility=Eligibility(
        min_population=430_000, complete_dossier=("funding_eur",), require_dossier=True))
    out = run(campaign, {"paris": 99.0, "rennes": 60.0, "brest": 40.0},
              dossiers={"rennes": {"initiatives": 3}})
    assert out.loc["rennes", "decision"] == "ineligible" and "missing funding_eur" in out.loc["rennes", "reason"]
    assert "no dossier" in out.loc["brest", "reason"] and "below the minimum" in out.loc["brest", "reason"]


def test_an_expired_label_is_renewed_from_the_new_announcement(campaign):
    campaign.announced = dt.date(2019, 1, 10)
    out = run(campaign, {"paris": 99.0, "rennes": 60.0, "brest": 40.0},
              [prev("rennes", valid_until="2018-11-12")])
    r = out.loc["rennes"]
    assert r["decision"] == "renewed" and r["valid_from"] == dt.date(2019, 1, 10)
    assert r["review_until"] == dt.date(2020, 1, 10) and r["valid_until"] == dt.date(2023, 1, 10)


def test_label_granted_on_29_february_ends_on_28_february():
    from frenchtech.labelling.settings import _years_after

    assert _years_after(dt.date(2016, 2, 29), 1) == dt.date(2017, 2, 28)


from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


@pytest.fixture(scope="module")
def c2015():
    from pathlib import Path

    from frenchtech.campaign import load_campaign

    return load_campaign(Path(__file__).resolve().parents[2] / "src/frenchtech/campaigns/metropoles-2015.toml")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_campaign_decisions_do_not_depend_on_candidate_order(c2015, data):
    ids = [s.id for s in c2015.specs]
    scores = {t: data.draw(st.sampled_from([5.0, 12.5, 12.5, 30.0, 44.0, 60.0]), label=t) for t in ids}
    previous = [prev(t, relative=data.draw(st.sampled_from([0.5, 1.0, 2.0]))) for t in ids[:10]]
    previous += [prev(t, "not_selected", reapply_from="2014-11-12") for t in ("brest", "toulon")]
    order = data.draw(st.permutations(ids))
    shuffled = dataclasses.replace(c2015, specs=[c2015.spec(t) for t in order],
                                   territories=[c2015.territory(t) for t in order])
    shuffled.rules = c2015.rules
    full = {t: {"funding_eur": 1, "support_structures": 1, "initiatives": 1} for t in ids}
    a = run(c2015, scores, previous, full).sort_index()
    b = run(shuffled, {t: scores[t] for t in order}, list(reversed(previous)), full).sort_index()
    assert a["eligible"].all() and (a["decision"] == "confirmed").sum() == 10
    pd.testing.assert_frame_equal(a, b)


def test_deferral_override_grants_nothing_and_the_next_campaign_examines_it_again(campaign):
    campaign.rules = dataclasses.replace(campaign.rules, overrides=[
        Override("rennes", "deferred", "Jury minutes p. 6: perimeter to be confirmed")])
    out = run(campaign, {"paris": 99.0, "rennes": 60.0, "brest": 40.0})
    r = out.loc["rennes"]
    assert r["decision"] == "deferred" and r["rule_decision"] == "labelled" and bool(r["override"])
    assert all(pd.isna(r[k]) or r[k] in ("", None) for k in ("valid_from", "valid_until", "reapply_from", "label"))
    # deferred at the predecessor: no re-application delay, decided by the rule this time
    campaign.rules = dataclasses.replace(campaign.rules, overrides=[])
    out = run(campaign, {"paris": 99.0, "rennes": 60.0, "brest": 40.0}, [prev("rennes", "deferred")])
    assert out.loc["rennes", "decision"] == "labelled" and out.loc["rennes", "eligible"]
