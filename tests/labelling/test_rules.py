"""One test per labelling rule: quota ties, thresholds at the boundary, EIS groups, order independence."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from frenchtech.labelling import apply_rule, eis_group
from frenchtech.labelling.settings import KindRule


def quota(n):
    return KindRule("metropole", "quota", quota=n)


def threshold(share, reference="candidates"):
    return KindRule("metropole", "threshold", threshold=share, reference=reference)


def test_quota_labels_the_best():
    out = apply_rule({"a": 90, "b": 80, "c": 70, "d": 60}, quota(2))
    assert [t for t, d in out.items() if d.decision == "labelled"] == ["a", "b"]
    assert "outside the quota of 2" in out["c"].reason


def test_quota_tie_at_the_boundary_labels_every_tied_candidate_and_says_so():
    out = apply_rule({"a": 90, "b": 75, "c": 75, "d": 60}, quota(2))
    assert {t for t, d in out.items() if d.decision == "labelled"} == {"a", "b", "c"}
    assert "tied at the quota boundary with c" in out["b"].reason
    assert "1 above the quota" in out["c"].reason
    assert out["d"].decision == "not_selected"


def test_quota_tie_inside_the_quota_is_not_flagged():
    out = apply_rule({"a": 90, "b": 90, "c": 60}, quota(2))
    assert out["a"].decision == out["b"].decision == "labelled"
    assert "tied" not in out["a"].reason


def test_threshold_at_the_boundary_is_labelled():
    # mean = 100: b sits exactly at 100 %, c just below
    out = apply_rule({"a": 150.0, "b": 100.0, "c": 50.0}, threshold(1.0))
    assert out["b"].decision == "labelled" and "at or above 100%" in out["b"].reason
    assert out["c"].decision == "not_selected"
    # a float sum that is not exact still lands on the bar
    out = apply_rule({"a": 0.1 + 0.2, "b": 0.3}, threshold(1.0))
    assert out["a"].decision == out["b"].decision == "labelled"


def test_threshold_relative_to_a_reference_territory():
    out = apply_rule({"a": 40.0, "b": 50.0}, threshold(0.9, reference="ref"),
                     reference_scores={"a": 40.0, "b": 50.0, "ref": 50.0})
    assert out["b"].decision == "labelled" and out["a"].decision == "not_selected"
    assert out["a"].relative == 0.8 and "of ref" in out["a"].reason


def test_eis_groups_at_their_bounds():
    assert eis_group(1.2500001) == "leader"
    assert eis_group(1.25) == "strong"
    assert eis_group(1.0) == "strong"
    assert eis_group(0.9999) == "moderate"
    assert eis_group(0.7) == "moderate"
    assert eis_group(0.69) == "emerging"


names = st.lists(st.text("abcdefgh", min_size=1, max_size=4), min_size=2, max_size=12, unique=True)


@settings(max_examples=60, deadline=None)
@given(names=names, data=st.data())
def test_decisions_do_not_depend_on_candidate_order(names, data):
    values = data.draw(st.lists(st.sampled_from([10.0, 20.0, 20.0, 35.5, 50.0, 70.0]),
                                min_size=len(names), max_size=len(names)))
    scores = dict(zip(names, values))
    n = data.draw(st.integers(0, len(names)))
    order = data.draw(st.permutations(names))
    shuffled = {t: scores[t] for t in order}
    for rule in (quota(n), threshold(1.0), threshold(0.7)):
        a, b = apply_rule(scores, rule), apply_rule(shuffled, rule)
        assert {t: (d.decision, d.reason, d.relative) for t, d in a.items()} == \
               {t: (d.decision, d.reason, d.relative) for t, d in b.items()}
