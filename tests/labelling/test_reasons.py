"""Reasons as codes with parameters, rendered from one catalogue; one rule for the nominal run and the
Monte Carlo replications."""
from __future__ import annotations

import inspect
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frenchtech.labelling.probability import PASSING, pass_matrix
from frenchtech.labelling.rules import apply_rule, passes
from frenchtech.labelling.settings import KindRule
from frenchtech.messages import TEMPLATES, Reason, catalogue, decode, encode, render, render_all

SRC = Path(__file__).resolve().parents[2] / "src" / "frenchtech"

# One example of every code the labelling produces (the fund's codes, fund_*, are in tests/fund).
LABELLING = sorted(code for code in TEMPLATES if not code.startswith("fund_"))
SAMPLES = {
    "quota_within": {"rank": 2, "of": 15, "quota": 9},
    "quota_outside": {"rank": 11, "of": 15, "quota": 9},
    "quota_tied": {"tied": ["brest"], "count": 2, "above": 1},
    "threshold_mean_reached": {"score": 18.7, "relative": 1.28, "reference_score": 14.6, "share": 1.0},
    "threshold_mean_below": {"score": 8.7, "relative": 0.6, "reference_score": 14.6, "share": 0.7},
    "threshold_territory_reached": {"score": 18.7, "relative": 1.1, "reference_score": 17.0, "share": 0.9,
                                    "reference": "lyon"},
    "threshold_territory_below": {"score": 8.7, "relative": 0.5, "reference_score": 17.0, "share": 0.9,
                                  "reference": "lyon"},
    "automatic": {},
    "label_expired": {},
    "reaudit_kept": {"label": "metropoles-2014:lyon:metropole", "label_year": 2014, "until": "2018-11-12"},
    "reaudit_kept_warned": {"label": "metropoles-2014:lyon:metropole", "label_year": 2014, "until": "2018-11-12"},
    "reaudit_withdrawn": {"label": "metropoles-2014:nice:metropole", "label_year": 2014, "relative": 0.35, "bar": 0.4},
    "population_below": {"population": 120000, "minimum": 200000},
    "no_dossier": {},
    "dossier_incomplete": {"missing": ["funding_eur", "initiatives"]},
    "reapply_pending": {"decision": "not_selected", "campaign": "metropoles-2014", "date": "2016-11-12"},
    "jury_override": {"by": "jury", "rule_decision": "not_selected", "rationale": "Minutes p. 4"},
    "warning_below_bar": {"relative": 0.62, "bar": 0.7},
    "warning_drop": {"previous": 0.95, "relative": 0.62, "predecessor": "metropoles-2014", "drop": 0.33,
                     "margin": 0.25},
    "declared_gap": {"figure": "funding_eur", "gap": 2.0},
    "evidence_rows": {"count": 3, "file": "funding_rounds.csv", "lines": [4, 9, 12]},
    "evidence_rows_more": {"count": 31, "file": "structures.csv", "lines": list(range(2, 22))},
    "register_communes": {"count": 12, "territory": "lyon"},
    "register_naf": {"tags": ["digital"], "codes": 40},
    "register_created_window": {"start": "2012-01-01", "end": "2014-06-30"},
    "register_created_by": {"end": "2014-06-30"},
    "register_active": {},
    "register_head_office": {},
    "register_count": {"count": 1234},
}


def fragments(template: str) -> list[str]:
    """The literal pieces of a template with at least two words (single words such as "score" or
    "quota" are the same in both languages)."""
    pieces = re.split(r"%\(\w+\)s", template)
    return [p.strip(" ,;:()") for p in pieces if len(re.findall(r"[^\W\d_]+", p)) >= 2]


def french_template(code: str) -> str:
    template = TEMPLATES[code]
    cat = catalogue("fr")
    return cat.ngettext(*template, 2) if isinstance(template, tuple) else cat.gettext(template)


def english_template(code: str) -> str:
    template = TEMPLATES[code]
    return template[1] if isinstance(template, tuple) else template


def test_every_code_has_an_example_and_a_french_message():
    assert set(SAMPLES) == set(LABELLING)
    for code in LABELLING:
        assert french_template(code) != english_template(code), code


@pytest.mark.parametrize("code", LABELLING)
def test_each_language_renders_without_the_other_one(code):
    reason = Reason(code, SAMPLES[code])
    en, fr = render(reason, "en"), render(reason, "fr")
    assert en and fr and "%(" not in en + fr
    for piece in fragments(english_template(code)):
        assert piece not in fr, (code, piece)
    for piece in fragments(french_template(code)):
        assert piece not in en, (code, piece)


def test_french_numbers_and_dates():
    assert render(Reason("population_below", {"population": 120000, "minimum": 200000}), "fr") == \
        "population de 120\u202f000 habitants, sous le minimum de 200\u202f000"
    assert render(Reason("reaudit_kept", SAMPLES["reaudit_kept"]), "fr") == \
        "réaudit : le label de 2014 est maintenu (valable jusqu'au 12 novembre 2018)"
    assert render_all([Reason("quota_within", {"rank": 1, "of": 4, "quota": 4}), Reason("label_expired")], "fr") == \
        "1er des 4 candidats en lice pour le quota, dans le quota de 4 ; le label précédent avait expiré"


def test_reasons_travel_as_json_columns():
    reasons = [Reason("quota_within", SAMPLES["quota_within"]), Reason("quota_tied", SAMPLES["quota_tied"])]
    code, params = encode(reasons)
    assert code == "quota_within;quota_tied"
    assert decode(code, params) == reasons
    assert encode([]) == ("", "") and decode("", "") == []
    with pytest.raises(ValueError):
        Reason("not_a_code")
    with pytest.raises(ValueError):
        Reason("declared_gap", {"figure": "x", "gap": float("inf")})   # not JSON: an infinite gap is None


def _audit_reasons(folder: Path) -> list[Reason]:
    decisions = pd.read_csv(folder / "decisions.csv", dtype=str, keep_default_na=False)
    flags = pd.read_csv(folder / "flags.csv", dtype=str, keep_default_na=False)
    out = []
    for frame, fields in ((decisions, ("reason", "early_warning", "flags")), (flags, ("", "rows_"))):
        for row in frame.to_dict("records"):
            for field in fields:
                prefix = f"{field}_" if field and not field.endswith("_") else field
                out += decode(row[f"{prefix}code"], row[f"{prefix}params"])
    return out


def test_every_reason_of_the_demo_audits_renders_in_both_languages(chain):
    for folder in (chain["au14"], chain["au15"]):
        decisions = pd.read_csv(folder / "decisions.csv", dtype=str, keep_default_na=False)
        for row in decisions.to_dict("records"):
            # the English text of decisions.csv is the English rendering of its codes
            assert render_all(decode(row["reason_code"], row["reason_params"]), "en") == row["reason"]
            assert render_all(decode(row["early_warning_code"], row["early_warning_params"]), "en") == \
                row["early_warning"]
        reasons = _audit_reasons(folder)
        assert {"automatic", "quota_within", "quota_outside"} <= {r.code for r in reasons}
        for r in reasons:
            en, fr = render(r, "en"), render(r, "fr")
            for piece in fragments(english_template(r.code)):
                assert piece not in fr, (r, piece)
            for piece in fragments(french_template(r.code)):
                assert piece not in en, (r, piece)
    codes15 = {r.code for r in _audit_reasons(chain["au15"])}
    assert codes15 & {"reaudit_kept", "reaudit_kept_warned", "reaudit_withdrawn"}


# -- one rule ---------------------------------------------------------------------------------------

def test_nominal_decisions_are_the_first_row_of_the_vectorised_rule(chain):
    for key in ("r14", "r15"):
        result = chain[key]
        campaign, decisions = result.campaign, result.decisions
        units = list(result.scores.index)
        nominal = result.scores["score"].to_numpy()[None, :]
        replications = np.vstack([nominal, nominal * 1.1, nominal[:, ::-1]])
        passed = pass_matrix(campaign, decisions)(replications, units)
        expected = decisions.set_index("territory")["decision"].reindex(units).isin(PASSING).to_numpy()
        np.testing.assert_array_equal(passed[0], expected)
        np.testing.assert_array_equal(passed[1], expected)   # the same ranking scaled: the same decisions


scores = st.lists(st.sampled_from([0.0, 10.0, 20.0, 20.0, 35.5, 50.0, 70.0, 0.1 + 0.2, 0.3]),
                  min_size=2, max_size=9)


@settings(max_examples=80, deadline=None)
@given(rows=st.lists(scores, min_size=1, max_size=5).filter(lambda r: len({len(x) for x in r}) == 1),
       quota=st.integers(0, 10), share=st.sampled_from([0.7, 1.0, 1.25]))
def test_every_replication_is_decided_as_the_nominal_run_would_be(rows, quota, share):
    units = [f"t{i}" for i in range(len(rows[0]))]
    matrix = np.array(rows)
    for rule in (KindRule("metropole", "quota", quota=quota), KindRule("metropole", "threshold", threshold=share)):
        stacked = passes(matrix, units, rule, units, units)
        for i, row in enumerate(rows):
            nominal = apply_rule(dict(zip(units, row)), rule)
            assert [nominal[u].decision == "labelled" for u in units] == list(stacked[i]), (rule, row)


def _old_pass_matrix(campaign, nominal):
    """The probability of being labelled as it was computed before the rule was shared (reference)."""
    rows = nominal.set_index("territory")
    specs = {s.id: s for s in campaign.specs}

    def fixed(t):
        r = rows.loc[t]
        if specs[t].automatic or not bool(r["eligible"]) or bool(r["override"]):
            return r["decision"] in PASSING
        if r["rule_decision"] in ("confirmed", "withdrawn"):
            return r["decision"] in PASSING
        return None

    def apply(scores, units):
        col = {u: i for i, u in enumerate(units)}
        out = np.zeros(scores.shape, dtype=bool)
        for kind in sorted({s.kind for s in campaign.specs}):
            members = [t for t in units if specs[t].kind == kind]
            pool = [t for t in members if not specs[t].automatic and bool(rows.loc[t, "eligible"])]
            new = [t for t in members if fixed(t) is None]
            for t in members:
                if fixed(t) is not None:
                    out[:, col[t]] = fixed(t)
            if not new:
                continue
            rule = campaign.rules.rule_for(kind)
            s_new = scores[:, [col[t] for t in new]]
            if rule.rule == "quota":
                k = int(rule.quota or 0)
                if 0 < k <= len(new):
                    out[:, [col[t] for t in new]] = s_new >= -np.sort(-s_new, axis=1)[:, k - 1:k]
            else:
                ref = scores[:, [col[t] for t in pool]].mean(axis=1, keepdims=True) \
                    if rule.reference == "candidates" else scores[:, [col[rule.reference]]]
                with np.errstate(divide="ignore", invalid="ignore"):
                    rel = np.where(ref != 0, np.round(s_new / ref, 9), 0.0)
                out[:, [col[t] for t in new]] = rel >= round(float(rule.threshold), 9)
        return out

    return apply


def test_the_probability_of_being_labelled_is_unchanged(chain):
    for key in ("r14", "r15"):
        result = chain[key]
        u = result.index.uncertainty
        assert u is not None
        ok = ~np.all(np.isnan(u.scores), axis=1)
        units = [str(x) for x in u.units]
        new = pass_matrix(result.campaign, result.decisions)(u.scores[ok], units)
        old = _old_pass_matrix(result.campaign, result.decisions)(u.scores[ok], units)
        np.testing.assert_array_equal(new, old)
        p = pd.Series(new.mean(axis=0), index=units).reindex(result.scores.index)
        np.testing.assert_allclose(p.to_numpy(), result.scores["p_labelled"].to_numpy())


def test_the_index_engine_pass_rules_are_the_shared_bars():
    from frenchtech.index.monte_carlo import make_rule, rank_rows

    rng = np.random.default_rng(3)
    s = rng.integers(0, 6, size=(40, 7)).astype(float)
    s[0, 2] = np.nan
    r = rank_rows(s)
    for k in (1, 3, 7, 9):
        np.testing.assert_array_equal(make_rule(quota=k)(s, r), r <= k)


# -- no sentence read back --------------------------------------------------------------------------

def test_no_regular_expression_reads_a_reason_back():
    from frenchtech.report import i18n, jury

    for source in (inspect.getsource(i18n), inspect.getsource(jury.evidence_text),
                   (SRC / "labelling" / "decisions.py").read_text(encoding="utf-8")):
        assert not re.search(r"\bre\.\w+\(", source) and "import re\n" not in source
    assert "rsplit(" not in (SRC / "labelling" / "decisions.py").read_text(encoding="utf-8")   # the date is data
