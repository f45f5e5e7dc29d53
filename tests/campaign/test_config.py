"""Campaign files: the shipped 2014 campaign, and invalid files refused with every error listed."""
from __future__ import annotations

import pytest

from frenchtech.campaign import load_campaign
from frenchtech.errors import ConfigError


def test_shipped_2014_campaign():
    c = load_campaign("campaigns/metropoles-2014.toml")
    assert len(c.territories) == 16
    assert [s.id for s in c.specs if s.automatic] == ["paris"]
    assert sum(s.historical == "labelled" for s in c.specs) == 10  # 9 métropoles + Paris
    assert c.territory("lorntech").epci == ("200039865", "245400676", "245701362", "200034361")
    assert c.window == (2010, 2014) and c.vintage == 2014


BAD = """
[campaign]
id = "bad"
name = "Bad"
vintage = 2014
announced = 2014-11-12
evidence_window = [2014, 2010]

[labelling]
rule = "quota"
quota = 5

[[indicators]]
id = "no_such_indicator"

[[territories]]
id = "x"
name = "X"
epci = ["000000000"]
"""


def test_every_error_is_listed_at_once(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(BAD, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_campaign(path)
    errors = info.value.errors
    text = str(info.value)
    assert str(path) in text
    assert any("evidence_window" in e for e in errors)
    assert any("no_such_indicator" in e for e in errors)
    assert any("000000000" in e for e in errors)
    assert any("quota" in e and "larger" in e for e in errors)
    assert len(errors) >= 4


def test_invalid_toml_is_named(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("[campaign\nid = 1", encoding="utf-8")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_campaign(path)
