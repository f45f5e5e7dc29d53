"""Declared figures: TOML or JSON, known keys only, numbers >= 0, territories of the campaign."""
import pytest

from frenchtech.errors import InputError
from frenchtech.sources.dossier import read_dossiers


def folder_with(tmp_path, name, text):
    d = tmp_path / "dossiers"
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_text(text, encoding="utf-8")
    return d


def error_of(folder, campaign):
    with pytest.raises(InputError) as info:
        read_dossiers(folder, campaign)
    return info.value


GOOD = '[dossier]\nterritory = "lyon"\nsubmitted = 2014-06-30\n\n[declared]\nfunding_eur = 10\n'


def test_unknown_key_names_key_and_line(tmp_path, campaign):
    err = error_of(folder_with(tmp_path, "lyon.toml", GOOD + "funding_usd = 3\n"), campaign)
    assert (err.line, err.column) == (7, "funding_usd") and "lyon.toml" in str(err)


def test_negative_value(tmp_path, campaign):
    err = error_of(folder_with(tmp_path, "lyon.toml", GOOD.replace("= 10", "= -1")), campaign)
    assert (err.line, err.column) == (6, "funding_eur")


def test_territory_outside_campaign(tmp_path, campaign):
    err = error_of(folder_with(tmp_path, "x.toml", GOOD.replace('"lyon"', '"vesoul"')), campaign)
    assert (err.line, err.column) == (2, "territory") and "vesoul" in str(err)


def test_invalid_toml_and_json(tmp_path, campaign):
    err = error_of(folder_with(tmp_path, "lyon.toml", GOOD + "oops =\n"), campaign)
    assert err.line == 7
    err = error_of(folder_with(tmp_path / "j", "lyon.json", '{"dossier": {"territory": "lyon"},\n "declared": {'),
                   campaign)
    assert err.line == 2


def test_two_dossiers_for_one_territory(tmp_path, campaign):
    folder = folder_with(tmp_path, "a.toml", GOOD)
    (folder / "b.json").write_text('{"dossier": {"territory": "lyon"}, "declared": {}}')
    err = error_of(folder, campaign)
    assert "second dossier" in str(err)
