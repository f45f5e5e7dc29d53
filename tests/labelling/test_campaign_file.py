"""Labelling settings of a campaign file: every error listed at once, before any work."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from frenchtech.campaign import load_campaign
from frenchtech.errors import ConfigError

CAMPAIGNS = Path(__file__).resolve().parents[2] / "src" / "frenchtech" / "campaigns"


def test_shipped_2015_campaign_is_chained_to_2014():
    c = load_campaign(CAMPAIGNS / "metropoles-2015.toml")
    assert c.predecessor == "metropoles-2014"
    assert c.rules.validity.reapply_years == 2
    assert c.rules.rule_for("thematic").rule == "threshold"
    themes = {s.id: s.theme for s in c.specs if s.kind == "thematic"}
    assert themes == {"alsace": "MedTech", "avignon": "CultureTech", "saint-etienne": "DesignTech", "angers": "IoT"}
    hist = [s.historical for s in c.specs if s.id not in {"paris", "aix-marseille", "bordeaux", "grenoble", "lille",
                                                          "lyon", "nantes", "montpellier", "rennes", "toulouse"}]
    assert hist.count("labelled") == 8 and hist.count("not_selected") == 6


def _broken(tmp_path, edit) -> Path:
    text = (CAMPAIGNS / "metropoles-2015.toml").read_text(encoding="utf-8")
    path = tmp_path / "broken.toml"
    path.write_text(edit(text), encoding="utf-8")
    return path


def test_invalid_campaign_is_refused_with_every_error_listed(tmp_path):
    def edit(text):
        text = text.replace('predecessor = "metropoles-2014"', 'predecessor = "metropoles-2013"')
        text = text.replace("quota = 4", "quota = 40")
        text = text.replace("evidence_window = [2011, 2015]", "evidence_window = [2015, 2011]")
        text = text.replace('epci = ["248300543"]', 'epci = ["999999999"]')
        text += '\n[calendar]\nopens = 2015-03-01\ncloses = 2015-01-15\n'
        text += '\n[[overrides]]\nterritory = "atlantis"\ndecision = "labelled"\nrationale = "the jury liked it a lot"\n'
        text += '\n[[overrides]]\nterritory = "besancon"\ndecision = "labelled"\n'
        return text

    with pytest.raises(ConfigError) as info:
        load_campaign(_broken(tmp_path, edit))
    errors = "\n".join(info.value.errors)
    for expected in ("predecessor: no campaign 'metropoles-2013'", "quota: 40 is larger than",
                     "first year 2015 is after last year 2011", "999999999", "opens (2015-03-01) is after closes",
                     "unknown territory 'atlantis'", "overrides[1].rationale: a jury override needs a written rationale"):
        assert expected in errors, expected
    assert len(info.value.errors) >= 7


def test_dates_in_the_wrong_order_against_the_predecessor(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_campaign(_broken(tmp_path, lambda t: t.replace("announced = 2015-06-24", "announced = 2014-06-24")))
    errors = "\n".join(info.value.errors)
    assert "not after the predecessor's announcement (2014-11-12)" in errors
    assert "evidence_window: ends in 2015, after the announcement" in errors


def test_override_needs_a_written_rationale(tmp_path):
    with pytest.raises(ConfigError, match=re.escape("overrides[0].rationale")):
        load_campaign(_broken(tmp_path, lambda t: t + '\n[[overrides]]\nterritory = "annecy"\n'
                                                      'decision = "labelled"\nrationale = "ok"\n'))
    c = load_campaign(_broken(tmp_path, lambda t: t + '\n[[overrides]]\nterritory = "annecy"\ndecision = "labelled"\n'
                                                      'rationale = "Strong regional IoT cluster, per jury minutes"\n'))
    assert c.rules.overrides[0].territory == "annecy"


def test_thematic_candidates_need_a_rule(tmp_path):
    def edit(text):
        start = text.index("[labelling.kinds.thematic]")
        return text[:start] + text[text.index("[eligibility]"):]

    with pytest.raises(ConfigError, match="no rule decides it"):
        load_campaign(_broken(tmp_path, edit))
