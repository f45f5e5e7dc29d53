"""The generator's tech density: with ``tech_density="register"`` the tech establishments have the real
register's density all over France (so territories and the national EPCI medians stay comparable), the
sampled rows stay as they are, the new-company counts are the sample's, and the README says so."""
from __future__ import annotations

import json

import polars as pl
import pytest

from frenchtech.campaign import load_campaign
from frenchtech.campaign.shipped import shipped_campaign
from frenchtech.sources.generate import REGISTER_ROWS_PER_INHABITANT, build_places, generate_evidence
from frenchtech.sources.places import naf_codes

ROWS = 20_000


@pytest.fixture(scope="module")
def campaign2014():
    return load_campaign(shipped_campaign("metropoles-2014"))


@pytest.fixture(scope="module")
def both(tmp_path_factory, campaign2014):
    base = tmp_path_factory.mktemp("density")
    sample = generate_evidence(campaign2014, base / "sample", ROWS, seed=campaign2014.seed)
    dense = generate_evidence(campaign2014, base / "register", ROWS, seed=campaign2014.seed, tech_density="register")
    return base, sample, dense


def _register(folder) -> pl.DataFrame:
    return pl.read_csv(folder / "StockEtablissement_utf8.csv", infer_schema=False,
                       columns=["siret", "activitePrincipaleEtablissement", "etablissementSiege",
                                "dateCreationEtablissement", "codeCommuneEtablissement"])


def test_the_tech_part_has_the_real_register_density(both, campaign2014):
    base, sample, dense = both
    assert sample["tech_rows"] == 0 and sample["tech_density"] == "sample"
    assert dense["tech_density"] == "register" and dense["tech_rows"] > 20 * ROWS
    reg = _register(base / "register")
    assert len(reg) == ROWS + dense["tech_rows"] == dense["files"][0]["rows"]
    tech, _other = naf_codes(campaign2014.tech_naf_tags)
    population = build_places(campaign2014, campaign2014.seed).population.sum()
    tech_rows = reg.filter(pl.col("activitePrincipaleEtablissement").is_in(tech)).height
    sample_tech = _register(base / "sample").filter(pl.col("activitePrincipaleEtablissement").is_in(tech)).height
    # the share of tech establishments is the sample's, in a register of the real size for France's population
    assert tech_rows / (REGISTER_ROWS_PER_INHABITANT * population) == pytest.approx(sample_tech / ROWS, rel=0.08)
    assert len(set(reg["siret"].to_list())) == len(reg)                        # every establishment distinct


def test_the_sampled_rows_and_new_companies_are_unchanged(both):
    base, sample, dense = both
    s, d = _register(base / "sample"), _register(base / "register")
    assert d.head(ROWS).equals(s)                                     # the sample first, as it was
    assert d.slice(ROWS)["etablissementSiege"].unique().to_list() == ["false"]   # added rows: no head office
    for tid, figures in sample["observed"].items():
        assert dense["observed"][tid]["new_companies"] == figures["new_companies"], tid


def test_the_readme_says_how_and_the_density_is_checked(both, campaign2014, tmp_path):
    base, _sample, dense = both
    readme = (base / "register" / "README.txt").read_text(encoding="utf-8")
    assert f"{dense['tech_rows']} tech establishments" in readme and str(REGISTER_ROWS_PER_INHABITANT) in readme
    assert "national medians" in readme and "not head offices" in readme
    assert "small fraction of the real register" in (base / "sample" / "README.txt").read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="tech_density"):
        generate_evidence(campaign2014, tmp_path / "x", 10, seed=1, tech_density="real")


def test_per_10k_tech_figures_of_the_real_order_for_territories_and_national_medians(both, campaign2014, tmp_path):
    import pandas as pd

    from frenchtech.audit import run_audit

    base, _sample, _dense = both
    run_audit(campaign2014, base / "register", tmp_path / "audit")
    ind = pd.read_csv(tmp_path / "audit" / "indicators.csv")
    nat = pd.read_csv(tmp_path / "audit" / "national.csv")
    # tens of tech establishments per 10,000 inhabitants (not a tenth of one), in the territories and in
    # the median EPCI alike
    assert ind["tech_active_per_10k"].min() > 10 and nat["tech_active_per_10k"].median() > 5
    assert 0.1 < nat["tech_active_per_10k"].median() / ind["tech_active_per_10k"].median() < 1.5
