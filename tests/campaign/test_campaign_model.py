"""The campaign file's typed model: every key checked, an unknown key or a wrong type named with its
table and line, defaults stated once, and the canonical form the manifest records reads back."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from frenchtech.campaign import CampaignFile, load_campaign
from frenchtech.campaign.model import RUBRIC_2014, STEPS, IndexMethod
from frenchtech.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "fixtures" / "mini-2014.toml"
SHIPPED = sorted((ROOT / "campaigns").glob("metropoles-*.toml")) + [MINI]


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def _errors(tmp_path, text: str, name: str = "campaign.toml") -> list[str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_campaign(path)
    return info.value.errors


def test_unknown_key_names_key_table_and_line(tmp_path):
    text = MINI.read_text(encoding="utf-8").replace("quota = 1", "quota = 1\nqouta = 2")
    errors = _errors(tmp_path, text)
    assert errors == [f"campaign.toml:{_line_of(text, 'qouta')}: [labelling] unknown key 'qouta'"]


def test_unknown_section_is_refused(tmp_path):
    text = MINI.read_text(encoding="utf-8") + "\n[sensitivty]\nn = 64\n"
    errors = _errors(tmp_path, text)
    assert errors == [f"campaign.toml:{_line_of(text, '[sensitivty]')}: unknown section [sensitivty]"]


def test_unknown_key_in_an_array_of_tables_names_the_entry(tmp_path):
    text = MINI.read_text(encoding="utf-8").replace('name = "Rennes"', 'name = "Rennes"\nepic = ["243500139"]')
    errors = _errors(tmp_path, text)
    assert errors == [f"campaign.toml:{_line_of(text, 'epic =')}: [[territories]] #2 unknown key 'epic'"]


def test_unknown_key_in_a_sub_table(tmp_path):
    text = (ROOT / "campaigns" / "metropoles-2015.toml").read_text(encoding="utf-8")
    text = text.replace("threshold = 0.7 ", "threshhold = 0.7 ").replace("winmax = 2", "winmx = 2")
    errors = _errors(tmp_path, text)
    assert f"campaign.toml:{_line_of(text, 'threshhold')}: [labelling.kinds.thematic] unknown key 'threshhold'" \
        in errors
    assert f"campaign.toml:{_line_of(text, 'winmx')}: [index.treat] unknown key 'winmx'" in errors


def test_wrong_type_names_key_table_and_line(tmp_path):
    text = MINI.read_text(encoding="utf-8").replace("quota = 1", 'quota = "9"')
    errors = _errors(tmp_path, text)
    assert errors == [f"campaign.toml:{_line_of(text, 'quota =')}: [labelling] quota: expected an integer, got '9'"]


def test_every_problem_at_once(tmp_path):
    text = MINI.read_text(encoding="utf-8")
    text = text.replace("quota = 1", "quota = 1\nqouta = 2").replace("seed = 7", "seed = 7.5")
    text += '\n[[rubric]]\nid = "ecosystem"\nlabel_fr = "Écosystème"\nlabel_en = "Ecosystem"\nweight = 0\n'
    text += '\n[calendar]\nopens = 2014-09-01\nclose = 2014-10-01\n'
    errors = _errors(tmp_path, text)
    assert f"campaign.toml:{_line_of(text, 'seed =')}: [campaign] seed: expected an integer, got 7.5" in errors
    assert f"campaign.toml:{_line_of(text, 'qouta')}: [labelling] unknown key 'qouta'" in errors
    assert f"campaign.toml:{_line_of(text, 'weight = 0')}: [[rubric]] #1 weight: expected a value > 0, got 0" \
        in errors
    assert f"campaign.toml:{_line_of(text, 'close =')}: [calendar] unknown key 'close'" in errors
    assert len(errors) == 4


def test_rubric_ids_are_unique(tmp_path):
    entry = '\n[[rubric]]\nid = "ecosystem"\nlabel_fr = "Écosystème"\nlabel_en = "Ecosystem"\n'
    text = MINI.read_text(encoding="utf-8") + entry + entry
    errors = _errors(tmp_path, text)
    line = [i for i, t in enumerate(text.splitlines(), start=1) if t == 'id = "ecosystem"'][1]
    assert errors == [f"campaign.toml:{line}: [[rubric]] #2 id: criterion 'ecosystem' is listed twice"]


def test_cross_section_problems_carry_their_line(tmp_path):
    text = MINI.read_text(encoding="utf-8").replace("quota = 1", "quota = 3")
    errors = _errors(tmp_path, text)
    assert errors == [f"campaign.toml:{_line_of(text, 'quota =')}: labelling.quota: 3 is larger than the 2 "
                      "competing candidates"]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_campaigns_load(path):
    c = load_campaign(path)
    assert c.model.campaign.id == c.id and c.territories and c.indicators


def test_defaults_come_from_the_model():
    c = load_campaign(MINI)        # no [index], [uncertainty], [validity], [chaining], [declared], [[rubric]]
    m = c.model
    assert c.index.spec() == {"normalise": {"f_n": "n_minmax", "f_n_para": [0, 100]}, "aggregate": {"f_ag": "a_amean"}}
    assert (m.uncertainty.n, m.uncertainty.seed, m.sensitivity.n, m.sensitivity.seed, m.sensitivity.n_boot) == \
        (0, 7, 0, 7, 100)
    assert (c.rules.validity.review_years, c.rules.validity.full_years, c.rules.validity.reapply_years) == (1, 3, 0)
    assert (c.rules.chaining.warning_bar, c.rules.chaining.warning_drop, c.rules.chaining.withdraw_below) == \
        (0.7, 0.25, None)
    assert (c.rules.tolerance, c.rules.min_difference) == (0.25, 1.0)
    assert not c.rules.eligibility.require_dossier and c.rules.eligibility.complete_dossier == ()
    assert c.name_en == c.name == "Mini 2014"
    assert c.pillars == {"startups": 1.0, "entrepreneurs": 1.0, "funding": 1.0, "support": 1.0}
    assert [r.model_dump() for r in c.rubric] == [{**r, "weight": 1.0} for r in RUBRIC_2014]
    assert c.calendar.dates() == {}


def test_index_short_form_and_steps():
    assert tuple(IndexMethod.model_fields) == STEPS
    method = IndexMethod.model_validate({"normalise": "n_zscore", "aggregate": "a_gmean"})
    assert method.spec() == {"normalise": {"f_n": "n_zscore"}, "aggregate": {"f_ag": "a_gmean"}}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_configuration_round_trips_through_the_model(path):
    model = load_campaign(path).model
    configuration = model.configuration()
    assert json.loads(json.dumps(configuration)) == configuration          # plain JSON values
    again = CampaignFile.from_configuration(configuration)
    assert again == model
    assert again.configuration() == configuration


def test_manifest_configuration_is_the_canonical_form():
    from frenchtech.audit.manifest import campaign_fields

    c = load_campaign(MINI)
    fields = campaign_fields(c, None)
    assert fields["configuration"] == c.configuration()
    assert CampaignFile.from_configuration(fields["configuration"]) == c.model
