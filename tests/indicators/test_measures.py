"""Indicator values on a hand-computed fixture (every figure below is counted by hand)."""
from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from frenchtech.audit.run import compute_measures
from frenchtech.indicators.backends import connect
from tests.conftest import write_stock

STOCK = [
    # commune, NAF, created, state, head office            rennes / brest / paris contributions
    dict(codeCommuneEtablissement="35238", activitePrincipaleEtablissement="62.01Z",
         dateCreationEtablissement="2012-03-01", etablissementSiege="true"),      # R: created, active, new
    dict(codeCommuneEtablissement="35238", activitePrincipaleEtablissement="62.01Z",
         dateCreationEtablissement="2009-05-05", etablissementSiege="false"),     # R: active
    dict(codeCommuneEtablissement="35238", activitePrincipaleEtablissement="47.11A",
         dateCreationEtablissement="2011-01-01", etablissementSiege="true"),      # R: new (not tech)
    dict(codeCommuneEtablissement="29019", activitePrincipaleEtablissement="62.01Z",
         dateCreationEtablissement="2014-12-31", etatAdministratifEtablissement="F"),  # B: created, new
    dict(codeCommuneEtablissement="75108", activitePrincipaleEtablissement="63.12Z",
         dateCreationEtablissement="2010-01-01"),                                 # P (arrondissement): all three
    dict(codeCommuneEtablissement="2A004", activitePrincipaleEtablissement="62.01Z",
         dateCreationEtablissement="2012-01-01"),                                 # Ajaccio: outside
    dict(codeCommuneEtablissement="35238", activitePrincipaleEtablissement="62.01Z",
         dateCreationEtablissement="2015-01-01"),                                 # after the window: nothing
    dict(codeCommuneEtablissement="35238", activitePrincipaleEtablissement="62.02A",
         dateCreationEtablissement="", etablissementSiege="false"),               # R: active (date unknown)
    dict(codeCommuneEtablissement="", activitePrincipaleEtablissement="62.01Z",
         dateCreationEtablissement="2012-01-01", codePaysEtrangerEtablissement="99109"),  # abroad: nowhere
]


def small_evidence():
    d = pd.to_datetime
    rounds = pd.DataFrame({"commune": ["35238", "35238", "29019", "75056"],
                           "date": d(["2013-05-01", "2009-01-01", "2014-06-01", "2012-01-01"]),
                           "amount_eur": [1_000_000.0, 5_000_000.0, 250_000.0, 3_000_000.0]})
    structures = pd.DataFrame({"commune": ["35238", "35238", "29019", "29019"],
                               "kind": ["incubator", "coworking", "accelerator", "incubator"],
                               "opened": d(["2011-01-01", "2012-01-01", "2013-01-01", "2008-01-01"]),
                               "closed": d([None, None, None, "2013-06-30"]),
                               "capacity": [20, 50, 10, 5]})
    initiatives = pd.DataFrame({"commune": ["35238", "35238", "75110"], "kind": ["event", "event", "event"],
                                "date": d(["2014-03-01", "2015-03-01", "2011-01-01"]),
                                "participants": [300, 999, 1000]})
    return SimpleNamespace(rounds=rounds, structures=structures, initiatives=initiatives, dossiers={}, paths={})


@pytest.fixture
def measures(tmp_path, mini_campaign):
    write_stock(tmp_path / "StockEtablissement_utf8.csv", STOCK)
    m, info = compute_measures(connect("duckdb"), mini_campaign, tmp_path, small_evidence())
    assert info["register_rows"] == len(STOCK)
    return m


def test_register_measures(measures):
    assert measures.loc["rennes", ["tech_created", "tech_active", "new_companies"]].tolist() == [1, 3, 2]
    assert measures.loc["brest", ["tech_created", "tech_active", "new_companies"]].tolist() == [1, 0, 1]
    # Paris is matched through its arrondissement code (75108), as SIRENE codes it.
    assert measures.loc["paris", ["tech_created", "tech_active", "new_companies"]].tolist() == [1, 1, 1]


def test_other_sources(measures):
    assert measures.loc["rennes", "funding_eur"] == 1_000_000
    assert measures.loc["rennes", "funding_rounds"] == 1
    assert measures.loc["brest", "funding_eur"] == 250_000
    assert measures.loc["paris", "funding_eur"] == 3_000_000
    # Coworking is not support; the Brest incubator closed before the end of the window.
    assert measures.loc["rennes", "support_structures"] == 1
    assert measures.loc["brest", "support_structures"] == 1
    assert measures.loc["brest", "support_capacity"] == 10
    assert measures.loc["rennes", "initiative_participants"] == 300
    assert measures.loc["paris", "initiative_participants"] == 1000


def test_per_inhabitant(measures, mini_campaign):
    from frenchtech.indicators.engine import indicator_values

    pops = pd.Series({t.id: t.population for t in mini_campaign.territories})
    ind = indicator_values(measures, pops, ["tech_active_per_10k", "funding_eur"])
    assert pops["rennes"] == 426502  # 2013 legal population of the 2014 CA Rennes Métropole
    assert ind.loc["rennes", "tech_active_per_10k"] == pytest.approx(3 / 426502 * 10000, rel=1e-12)
    assert ind.loc["paris", "funding_eur"] == 3_000_000
