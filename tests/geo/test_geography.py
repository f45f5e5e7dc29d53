"""Real geography by vintage: perimeters, populations, unknown codes."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from frenchtech.errors import GeographyError
from frenchtech.geo import load_geography

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "geography"


def test_2014_perimeter_population_is_the_sum_of_its_communes_2013_populations():
    geo = load_geography(2014)
    t = geo.territory("rennes", "Rennes", epci=["243500139"])
    members = geo.communes.loc[list(t.communes)]
    assert len(t.communes) == 43
    assert (members["epci"] == "243500139").all()
    assert t.population == int(members["population"].sum()) == 426502
    assert geo.commune("35238")["population"] == 211373  # Rennes, PMUN13


@pytest.mark.skipif(not SHARED.exists(), reason="open data folder not beside the repository")
def test_populations_match_the_insee_file():
    geo = load_geography(2014)
    with open(SHARED / "population_2013_metropole.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    for row in rows[::997]:
        assert geo.commune(row["DEPCOM"])["population"] == int(row["PMUN13"])


def test_paris_population_and_arrondissements():
    geo = load_geography(2014)
    t = geo.territory("paris", "Paris", communes=["75056"])
    assert t.population == 2229621
    # Registers code Paris by arrondissement: the territory matches all 20 of them.
    assert len(t.match_codes) == 21 and "75120" in t.match_codes


def test_corsica_codes_are_text():
    geo = load_geography(2014)
    assert geo.commune("2A004")["name"] == "Ajaccio"


def test_vintages_differ():
    # Lyon: CU de Lyon (2014) became the Métropole de Lyon (SIREN 200046977) on 1 January 2015.
    assert load_geography(2014).epci_members("246900245")
    with pytest.raises(GeographyError, match="246900245"):
        load_geography(2015).epci_members("246900245")
    assert load_geography(2015).epci.loc["200046977", "nature"] == "MET69"
    assert load_geography(2026).epci.loc["200046977", "nature"] == "MET69"


def test_unknown_codes_are_named():
    geo = load_geography(2014)
    with pytest.raises(GeographyError, match="'999999999'"):
        geo.territory("x", "X", epci=["999999999"])
    with pytest.raises(GeographyError, match="'99999'"):
        geo.territory("x", "X", communes=["99999"])
    with pytest.raises(GeographyError, match="vintage"):
        load_geography(1999)


def test_city_resolution_reports_ambiguity():
    geo = load_geography(2014)
    assert geo.resolve_city("saint-etienne") == ["42218"]
    assert len(geo.resolve_city("Saint-Denis")) > 1
    assert geo.resolve_city("Nowhere-sur-Mer") == []
