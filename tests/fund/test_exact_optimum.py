"""The allocation is the exact whole-euro optimum of the documented problem: compared with an exhaustive
search written from docs/fund.md's rules alone (not from the optimiser's model), including rule sets that
hold only with equality; exact slacks; the warning when the rules make every allocation empty."""
from __future__ import annotations

import itertools
import json
import math
import random
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from click.testing import CliRunner

from frenchtech.cli import main
from frenchtech.fund import Application, Existing, InfeasibleRules, Rules, allocate, check_allocation, explain
from frenchtech.fund.scorecard import Assessment
from frenchtech.messages import decode, render, render_fund

BIG = Decimal(10**12)   # private money and valuation far above any cap: the amount requested sets the cap


def rules(budget, labelled_share=0.8, region_cap=0.35, commit=0, tmin=1, tmax=10**12):
    return Rules(budget_eur=Decimal(budget), ticket_min_eur=Decimal(tmin), ticket_max_eur=Decimal(tmax),
                 max_stake=0.49, labelled_share=labelled_share, region_cap=region_cap, coinvest_ratio=1.0,
                 commit_at_least_eur=Decimal(commit))


def batch(spec):
    """spec: (requested, score, region, labelled) per application -> (applications, assessments)."""
    apps, asm = [], {}
    for i, (req, score, region, labelled) in enumerate(spec):
        k = f"A{i:02d}"
        apps.append(Application(k, f"Acc {i}", "732829320", "69123", "", Decimal(req), BIG, BIG,
                                region=region, labelled=labelled))
        asm[k] = Assessment(k, score, {}, ())
    return apps, asm


# -- the exhaustive search, from docs/fund.md ------------------------------------------------------

def documented_cap(a, r) -> int:
    """Tickets, amount requested, minority stake (x <= s (pre + private + x)), co-investment
    (private >= Y x): the largest whole-euro amount they allow."""
    s, y = Fraction(str(r.max_stake)), Fraction(str(r.coinvest_ratio))
    limits = [Fraction(a.requested_eur), Fraction(r.ticket_max_eur),
              s * (Fraction(a.pre_money_eur) + Fraction(a.private_eur)) / (1 - s)]
    if y:
        limits.append(Fraction(a.private_eur) / y)
    return math.floor(min(limits))


def brute_force(apps, asm, r):
    """Every funded set and, for each, every whole-euro amount: 0 or between the minimum ticket and the
    cap. Keeps the allocations meeting every rule of the batch exactly (budget, minimum commitment,
    labelled share, regional cap) and returns (best exact value, its amounts) or None when only the
    empty allocation... is not even allowed (no allocation at all)."""
    tmin = math.ceil(Fraction(r.ticket_min_eur))
    options = [[0] + list(range(tmin, documented_cap(a, r) + 1)) if documented_cap(a, r) >= max(tmin, 1) else [0]
               for a in apps]
    grid = np.array(list(itertools.product(*options)), dtype=np.int64)            # every amount vector
    total = grid.sum(axis=1)
    lab = grid[:, [i for i, a in enumerate(apps) if a.labelled]].sum(axis=1)
    share, cap = Fraction(str(r.labelled_share)), Fraction(str(r.region_cap))
    ok = (total <= math.floor(Fraction(r.budget_eur))) & (total >= math.ceil(Fraction(r.commit_at_least_eur)))
    ok &= lab * share.denominator >= share.numerator * total                       # labelled share, exactly
    for region in {a.region for a in apps}:
        amt = grid[:, [i for i, a in enumerate(apps) if a.region == region]].sum(axis=1)
        ok &= amt * cap.denominator <= cap.numerator * total                        # regional cap, exactly
    if not ok.any():
        return None
    scores = [Fraction(asm[a.application_id].score) for a in apps]               # exact value of each score
    den = math.lcm(*[s.denominator for s in scores]) * 100
    weights = np.array([int(s * den / 100) for s in scores], dtype=object)
    values = grid[ok].astype(object) @ weights                                     # exact integers
    best = int(np.argmax(values))
    return Fraction(int(values[best]), den), {a.application_id: int(v) for a, v in zip(apps, grid[ok][best]) if v}


def dyadic(rng):
    return rng.randint(200, 800) / 8          # scores exact in binary, e.g. 61.375


def random_case(seed):
    rng = random.Random(seed)
    n = rng.randint(4, 8)
    tmin = rng.choice([1, 2, 3])
    width = {4: 9, 5: 7, 6: 5, 7: 4, 8: 3}[n]       # at most a few million amount vectors
    regions = ["11", "84", "93"][:rng.choice([2, 3, 3])]
    spec = [(tmin + rng.randint(0, width - 1), dyadic(rng), rng.choice(regions), rng.random() < 0.7)
            for _ in range(n)]
    caps = sum(s[0] for s in spec)
    budget = rng.randint(max(tmin, caps // 3), caps + 3)
    commit = rng.choice([0, 0, budget - rng.randint(0, 3), rng.randint(1, budget)])
    return spec, rules(budget, rng.choice([0.8, 0.75, 0.5, 1.0, 0.0]), rng.choice([0.35, 0.4, 0.5, 0.6, 1.0]),
                       commit, tmin)


def assert_same_optimum(spec, r):
    apps, asm = batch(spec)
    expected = brute_force(apps, asm, r)
    if expected is None:
        with pytest.raises(InfeasibleRules):
            allocate(apps, asm, r)
        return None
    alloc = allocate(apps, asm, r)
    assert alloc.status == "optimal"
    assert not check_allocation(alloc.amounts, alloc.items, r, alloc.existing)
    assert alloc.exact_value == expected[0], (alloc.amounts, expected)
    assert Decimal(alloc.certificate_reason().params["objective"]) == Decimal(round(expected[0] * 100)) / 100
    return alloc


@pytest.mark.parametrize("seed", range(40))
def test_exhaustive_search_on_small_amounts(seed):
    """Amounts of a few euros, where every euro of rounding shows: the optimiser's value is the
    exhaustive search's, exactly."""
    assert_same_optimum(*random_case(seed))


EQUALITY_CASES = {
    # a minimum commitment equal to the budget, met only by the four applications at their caps
    "commit_equals_budget": ([(5, 60.5, "11", True), (5, 55.25, "84", True), (5, 70.125, "93", True),
                              (5, 40.0, "24", True)], rules(20, 0.8, 0.35, commit=20)),
    # a labelled share of exactly 1.0 and a minimum equal to the labelled caps' sum
    "share_one_minimum_at_labelled_caps": ([(7, 50.0, "11", True), (6, 45.5, "84", True), (4, 30.0, "93", True),
                                            (9, 90.0, "11", False), (8, 95.0, "84", False)],
                                           rules(40, 1.0, 1.0, commit=17)),
    # 80 % labelled and 35 % per region, both met with equality at the optimum (total 20: 16 labelled,
    # 7 + 7 + 6 per region)
    "share_and_region_cap_bind_exactly": ([(7, 50.0, "11", True), (4, 90.0, "84", False), (3, 50.0, "84", True),
                                           (6, 50.0, "93", True), (5, 80.0, "11", False)],
                                          rules(20, 0.8, 0.35)),
}


@pytest.mark.parametrize("case", sorted(EQUALITY_CASES))
def test_rules_that_hold_only_with_equality(case):
    alloc = assert_same_optimum(*EQUALITY_CASES[case])
    assert alloc is not None and alloc.amounts


def test_minimum_commitment_equal_to_the_budget_in_millions():
    apps, asm = batch([(1_250_000, 60.5, "11", True), (1_250_000, 55.25, "84", True),
                       (1_250_000, 70.125, "93", True), (1_250_000, 40.0, "24", True)])
    r = rules(5_000_000, 0.8, 0.35, commit=5_000_000, tmin=1_000_000, tmax=10_000_000)
    alloc = allocate(apps, asm, r)
    assert alloc.status == "optimal" and alloc.amounts == {a.application_id: Decimal(1_250_000) for a in apps}
    assert alloc.exact_value == sum(Fraction(s.score) / 100 * 1_250_000 for s in asm.values())


def test_labelled_share_of_one_with_the_minimum_at_the_labelled_caps_in_millions():
    labelled = [(10_000_000, 50.0, "11", True), (9_000_000, 45.5, "84", True), (7_840_000, 30.0, "93", True),
                (6_000_000, 62.25, "24", True)]
    apps, asm = batch(labelled + [(10_000_000, 90.0, "11", False), (8_000_000, 95.0, "84", False)])
    r = rules(50_000_000, 1.0, 1.0, commit=32_840_000, tmin=1_000_000, tmax=10_000_000)
    alloc = allocate(apps, asm, r)
    assert alloc.status == "optimal" and alloc.total == 32_840_000
    assert alloc.amounts == {a.application_id: a.requested_eur for a in apps if a.labelled}


def test_share_and_region_cap_bind_exactly_in_millions():
    """20 M committed: 16 M labelled (80 %), 7 M, 7 M and 6 M per region (35 %, 35 %, 30 %): every
    application at its cap, which the rules allow only with equality."""
    spec = [(7_000_000, 50.0, "11", True), (4_000_000, 90.0, "84", False), (3_000_000, 50.0, "84", True),
            (6_000_000, 50.0, "93", True)]
    apps, asm = batch(spec)
    r = rules(20_000_000, 0.8, 0.35, tmin=1_000_000, tmax=10_000_000)
    alloc = allocate(apps, asm, r)
    assert alloc.status == "optimal"
    assert alloc.amounts == {a.application_id: a.requested_eur for a in apps}
    assert alloc.exact_value == Fraction(7_000_000 * 50 + 4_000_000 * 90 + 3_000_000 * 50 + 6_000_000 * 50, 100)
    e = explain(alloc, resolve_limit=0)
    binding = {b["rule"]: b["slack_eur"] for b in e.binding}
    assert binding["labelled_share"] == 0 and binding["region:11"] == 0 and binding["region:84"] == 0


def test_slacks_are_exact_whole_euros(tmp_path):
    """Four applications at their caps commit 4,999,999: the minimum commitment of 4,999,997 has EUR 2 of
    room, the budget EUR 1 (never a negative slack)."""
    apps, asm = batch([(1_250_000, 60.5, "11", True), (1_250_000, 55.25, "84", True),
                       (1_250_000, 70.125, "93", True), (1_249_999, 40.0, "24", True)])
    r = rules(5_000_000, 0.8, 0.35, commit=4_999_997, tmin=1_000_000, tmax=10_000_000)
    alloc = allocate(apps, asm, r)
    assert alloc.total == 4_999_999
    from frenchtech.fund.explain import _slacks
    slacks = {s["rule"]: s for s in _slacks(alloc)}
    assert slacks["commit_at_least"]["slack"] == 2 and slacks["commit_at_least"]["slack_eur"] == 2
    assert slacks["budget"]["slack"] == 1 and isinstance(slacks["budget"]["slack_eur"], int)
    assert all(s["slack"] >= 0 for s in slacks.values())


def test_relaxation_figures_are_exact():
    """A minimum commitment 1 euro above what the rules allow: the relaxation says exactly how much can be
    committed."""
    apps, asm = batch([(1_250_000, 60.5, "11", True), (1_250_000, 55.25, "84", True),
                       (1_250_000, 70.125, "93", True), (1_249_999, 40.0, "24", True)])
    r = rules(5_000_000, 0.8, 0.35, commit=5_000_000, tmin=1_000_000, tmax=10_000_000)
    with pytest.raises(InfeasibleRules) as exc:
        allocate(apps, asm, r)
    assert exc.value.relax["commit_at_least"].params["most_eur"] == 4_999_999


def test_rolling_existing_commitments_count_exactly():
    apps, asm = batch([(5, 60.5, "11", True), (5, 55.25, "84", True), (4, 70.125, "93", False)])
    r = rules(30, 0.8, 0.5)
    existing = Existing(available=Decimal(14), committed=Decimal(10), labelled=Decimal(10),
                        by_region={"93": Decimal(3), "11": Decimal(7)})
    alloc = allocate(apps, asm, r, existing)
    # exhaustive: every amount vector, the rules on the whole portfolio after the batch
    best = None
    for x in itertools.product(*[[0, *range(1, a + 1)] for a, *_ in [(5,), (5,), (4,)]]):
        total = 10 + sum(x)
        lab, reg = 10 + x[0] + x[1], {"11": 7 + x[0], "84": x[1], "93": 3 + x[2]}
        if sum(x) <= 14 and 5 * lab >= 4 * total and all(2 * v <= total for v in reg.values()):
            v = sum(Fraction(s) / 100 * xi for s, xi in zip((60.5, 55.25, 70.125), x))
            best = v if best is None or v > best else best
    assert alloc.exact_value == best


# -- every allocation empty --------------------------------------------------------------------------

def test_a_regional_cap_that_makes_every_allocation_empty_is_warned(tmp_path):
    """Two regions and a 35 % cap: any money committed puts at least half of it in one region."""
    apps, asm = batch([(5, 60.5, "11", True), (5, 55.25, "84", True), (4, 70.125, "11", True)])
    r = rules(30, 0.8, 0.35)
    assert brute_force(apps, asm, r)[1] == {}                   # only the empty allocation meets the rules
    alloc = allocate(apps, asm, r)
    assert not alloc.amounts and alloc.warnings
    assert alloc.warnings[0].code == "fund_every_allocation_empty" and "region:11" in alloc.warnings[0].params["rules"]
    assert "every allocation empty" in render(alloc.warnings[0]) and "region:11" in render(alloc.warnings[0])
    assert "WARNING: the rules make every allocation empty" in alloc.certificate()


def test_no_warning_when_something_could_be_funded():
    apps, asm = batch([(5, 60.5, "11", True), (5, 55.25, "84", True), (4, 70.125, "93", True)])
    alloc = allocate(apps, asm, rules(30, 0.8, 0.35))
    assert alloc.amounts and not alloc.warnings


def test_the_command_line_and_the_outputs_warn_when_every_allocation_is_empty(tmp_path):
    runner = CliRunner()
    apps = tmp_path / "apps.csv"
    r = runner.invoke(main, ["fund", "generate", "--n", "20", "--seed", "4", "--regions", "2", "--out", str(apps)])
    assert r.exit_code == 0, r.output
    call = tmp_path / "call.toml"
    call.write_text('[call]\nid = "two-regions"\nrules = "fund-2014"\n\n[rules]\nregion_cap = 0.35\n')
    out = tmp_path / "alloc"
    r = runner.invoke(main, ["fund", "allocate", str(call), "--applications", str(apps), "--out", str(out),
                             "--explain-limit", "0"])
    assert r.exit_code == 0, r.output
    assert "WARNING: the rules make every allocation empty" in r.output
    doc = json.loads((out / "explanation.json").read_text())
    assert doc["summary"]["funded"] == 0 and "region:" in doc["warnings"]
    assert "**Warning**: the rules make every allocation empty" in (out / "explanation.md").read_text()
    # the warning is a code: the platform's fund page renders it in the reader's language
    french = render_fund(decode(doc["warnings_code"], doc["warnings_params"]), "fr")
    assert french.startswith("les règles rendent toute allocation vide") and "region:" in french
