"""What-if: the audit's computation on a changed campaign equals a full re-audit of that campaign; keys a
what-if cannot change are refused by name; the audit folder is never touched; the command line prints
the ranking and the decisions that change."""
from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from frenchtech.audit import read, run_audit
from frenchtech.campaign import load_campaign
from frenchtech.cli import main
from frenchtech.errors import FrenchTechError, InputError
from frenchtech.labelling.whatif import load_inputs, parse_assignment, whatif

from .conftest import CAMPAIGNS

INTERVALS = ["rank_median", "rank_p05", "rank_p95", "p_labelled"]


def _changed_file(tmp_path, name: str, edits: list[tuple[str, str]]):
    """The shipped campaign file with ``edits`` (each must apply exactly once)."""
    text = (CAMPAIGNS / name).read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_campaign(path)


def _assert_same(what, audit_folder):
    """A what-if's table against an audit folder: same ranks, intervals, probabilities and decisions."""
    audit = read(audit_folder)
    scores = audit.scores.set_index("territory")
    decisions = audit.decisions.set_index("territory")
    table = what.table.set_index("territory")
    assert sorted(table.index) == sorted(scores.index)
    scores = scores.loc[table.index]
    assert list(table["rank"]) == list(scores["rank"])
    # the audit's CSVs keep 10 significant digits of the indicators: scores agree to that precision
    np.testing.assert_allclose(table["score"], scores["score"], rtol=1e-8, atol=1e-8)
    for col in INTERVALS:
        assert list(table[col]) == list(scores[col]), col
    assert list(table["decision"]) == list(decisions.loc[table.index, "decision"])
    assert list(table["rule_decision"]) == list(decisions.loc[table.index, "rule_decision"])


def _folder_digest(folder) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(folder).as_posix().encode() + p.read_bytes())
    return h.hexdigest()


def test_nothing_changed_is_the_audit(chain):
    what = whatif(chain["au14"])
    _assert_same(what, chain["au14"])
    assert not what.table["changed"].any()
    assert what.replications == 1000


def test_equals_a_full_reaudit_of_the_changed_campaign_2014(chain, tmp_path):
    settings = {"pillars.funding": 2, "labelling.quota": 10}
    what = whatif(chain["au14"], settings)
    campaign = _changed_file(tmp_path, "metropoles-2014.toml", [
        ("funding = 1\nsupport = 1", "funding = 2\nsupport = 1"), ("quota = 9", "quota = 10")])
    run_audit(campaign, chain["ev14"], tmp_path / "reaudit")
    _assert_same(what, tmp_path / "reaudit")
    before = read(chain["au14"]).decisions.set_index("territory")["decision"]
    after = read(tmp_path / "reaudit").decisions.set_index("territory")["decision"]
    moved = sorted(after.index[after != before.loc[after.index]])
    assert moved and sorted(what.changed["territory"]) == moved   # one more label: at least one change


def test_equals_a_full_reaudit_of_the_changed_campaign_2015(chain, tmp_path):
    """A chained campaign: the predecessor's labels re-audited, dossiers required, two label kinds."""
    settings = {"indicators.funding_eur": 3, "index.treat.winmax": 4, "labelling.quota": 5,
                "labelling.kinds.thematic.threshold": 0.9}
    what = whatif(chain["au15"], settings)
    campaign = _changed_file(tmp_path, "metropoles-2015.toml", [
        ('id = "funding_eur"\npillar = "funding"\nweight = 1', 'id = "funding_eur"\npillar = "funding"\nweight = 3'),
        ("winmax = 2", "winmax = 4"), ("quota = 4", "quota = 5"), ("threshold = 0.7", "threshold = 0.9")])
    run_audit(campaign, chain["ev15"], tmp_path / "reaudit")
    _assert_same(what, tmp_path / "reaudit")


def test_method_change_equals_reaudit(chain, tmp_path):
    what = whatif(chain["au14"], {"index.normalise": "n_rank", "index.aggregate": "a_gmean"})
    campaign = _changed_file(tmp_path, "metropoles-2014.toml", [
        ('f_n = "n_minmax"\nf_n_para = [0, 100]', 'f_n = "n_rank"'), ('f_ag = "a_amean"', 'f_ag = "a_gmean"')])
    run_audit(campaign, chain["ev14"], tmp_path / "reaudit")
    _assert_same(what, tmp_path / "reaudit")


@pytest.mark.parametrize("settings, names", [
    ({"pillars.fundng": 2}, ["pillars.fundng", "unknown pillar", "funding"]),
    ({"indicators.nope": 2}, ["indicators.nope", "unknown indicator", "funding_eur"]),
    ({"eligibility.min_population": 1}, ["eligibility.min_population", "cannot change"]),
    ({"uncertainty.n": 10}, ["uncertainty.n", "cannot change"]),
    ({"index.weights": "equal"}, ["index.weights", "unknown index step"]),
    ({"labelling.quota": "ten"}, ["labelling.quota", "integer"]),
    ({"labelling.quota": 40}, ["labelling.quota", "larger than the 15 competing candidates"]),
    ({"pillars.funding": -1}, ["pillars.funding", "greater than or equal to 0"]),
    ({"index.normalise.f_n": "n_nope"}, ["n_nope", "n_zscore"]),
])
def test_refused_settings_name_the_key_and_touch_nothing(chain, settings, names):
    before = _folder_digest(chain["au14"])
    with pytest.raises(FrenchTechError) as err:
        whatif(chain["au14"], settings)
    for word in names:
        assert word in str(err.value)
    assert _folder_digest(chain["au14"]) == before


def test_assignments_read_as_toml_values():
    assert parse_assignment("pillars.funding=2") == ("pillars.funding", 2)
    assert parse_assignment("labelling.threshold = 0.75") == ("labelling.threshold", 0.75)
    assert parse_assignment("index.aggregate=a_gmean") == ("index.aggregate", "a_gmean")
    assert parse_assignment("index.normalise.f_n_para=[1, 100]") == ("index.normalise.f_n_para", [1, 100])
    with pytest.raises(InputError, match="KEY=VALUE"):
        parse_assignment("pillars.funding")


def test_inputs_are_read_once_per_audit(chain):
    assert load_inputs(chain["au14"]) is load_inputs(chain["au14"])
    assert load_inputs(chain["au14"]) is not load_inputs(chain["au15"])


def test_command_prints_ranking_and_changes(chain):
    runner = CliRunner()
    r = runner.invoke(main, ["whatif", "--audit", str(chain["au14"]), "--set", "pillars.funding=2",
                             "--set", "labelling.quota=10"])
    assert r.exit_code == 0, r.output
    what = whatif(chain["au14"], {"pillars.funding": 2, "labelling.quota": 10})
    lines = r.output.splitlines()
    assert "pillars.funding=2, labelling.quota=10" in lines[0]
    ranking = [line for line in lines if line[:4].strip().isdigit()]
    assert len(ranking) == 16
    assert [int(line[:4]) for line in ranking] == list(what.table["rank"])
    assert f"{len(what.changed)} decision(s) change:" in r.output
    for row in what.changed.itertuples():
        assert f"  {row.territory}: {row.audit_decision} -> {row.decision}" in lines

    r = runner.invoke(main, ["whatif", "--audit", str(chain["au14"]), "--set", "labelling.quota=10", "--json"])
    assert r.exit_code == 0, r.output
    rows = pd.DataFrame(json.loads(r.output)["rows"])
    assert list(rows["territory"]) == list(whatif(chain["au14"], {"labelling.quota": 10}).table["territory"])

    r = runner.invoke(main, ["whatif", "--audit", str(chain["au14"]), "--set", "validity.full_years=5"])
    assert r.exit_code == 2
    assert "error: validity.full_years: a what-if cannot change this key" in r.output
