"""The generator: reproducible, labelled, in the real formats, calibrated on populations."""
import csv
import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from frenchtech.sources.evidence import read_evidence_folder
from frenchtech.sources.generate import generate_evidence
from frenchtech.sources.places import naf_codes
from frenchtech.sources.sirene_columns import ESTABLISHMENT_COLUMNS, LEGAL_UNIT_COLUMNS

ROOT = Path(__file__).resolve().parents[2]

ROWS = 20_000


@pytest.fixture(scope="module")
def generated(tmp_path_factory, campaign):
    out = tmp_path_factory.mktemp("generated")
    advanced = []
    manifest = generate_evidence(campaign, out, ROWS, seed=11, progress=advanced.append)
    return out, manifest, advanced


@pytest.fixture(scope="module")
def register(generated):
    out, _, _ = generated
    return pd.read_csv(out / "StockEtablissement_utf8.csv", dtype=str, keep_default_na=False)


def test_sirene_columns_match_insee_lists():
    for name, cols in (("StockEtablissement", ESTABLISHMENT_COLUMNS), ("StockUniteLegale", LEGAL_UNIT_COLUMNS)):
        path = ROOT.parent / "shared" / "data" / "sirene" / f"{name}_columns.csv"
        if not path.exists():
            pytest.skip("INSEE column lists not available")
        with path.open() as f:
            assert tuple(r["column"] for r in csv.DictReader(f)) == cols
    assert len(ESTABLISHMENT_COLUMNS) == 53


def test_register_header_and_text_codes(generated, register):
    out, manifest, advanced = generated
    with (out / "StockEtablissement_utf8.csv").open(encoding="utf-8") as f:
        assert f.readline().rstrip("\n") == ",".join(ESTABLISHMENT_COLUMNS)  # no comment: exact INSEE layout
    assert len(register) == ROWS and sum(advanced) == ROWS
    assert register["siren"].str.fullmatch(r"\d{9}").all()
    assert register["nic"].str.fullmatch(r"\d{5}").all()
    assert (register["siret"] == register["siren"] + register["nic"]).all()
    assert register["siren"].str.startswith("0").any() and register["nic"].str.startswith("000").any()
    codes = register["codeCommuneEtablissement"]
    assert codes.str.fullmatch(r"\d{5}|2[AB]\d{3}").all()
    assert codes.str.startswith("01").any() and codes.str.startswith("2A").any()
    assert codes.str.match(r"751\d\d").any() and not (codes == "75056").any()  # Paris by arrondissement
    assert codes.str.match(r"6938\d").any() and codes.str.match(r"132\d\d").any()
    created = register["dateCreationEtablissement"]
    share_missing = (created == "").mean()
    assert 0.002 < share_missing < 0.03
    assert created[created != ""].str.fullmatch(r"(19[7-9]\d|20[01]\d)-\d\d-\d\d").all()
    assert set(register["etatAdministratifEtablissement"]) == {"A", "F"}
    assert set(register["etablissementSiege"]) == {"true", "false"}
    assert 0.55 < (register["etablissementSiege"] == "true").mean() < 0.65
    assert set(register["nomenclatureActivitePrincipaleEtablissement"]) == {"NAFRev2"}
    assert set(register["statutDiffusionEtablissement"]) == {"O"}
    tech, other = naf_codes(("digital_core",))
    assert register["activitePrincipaleEtablissement"].isin(tech + other).all()
    assert 0.005 < register["activitePrincipaleEtablissement"].isin(tech).mean() < 0.08
    assert (register["enseigne1Etablissement"] == "").all()
    assert register.loc[codes == "75111", "libelleCommuneEtablissement"].eq("PARIS 11").all()
    # older establishments are more often closed
    year = pd.to_numeric(created.str[:4], errors="coerce")
    closed = register["etatAdministratifEtablissement"] == "F"
    assert closed[year < 1990].mean() > closed[year > 2010].mean()


def test_population_calibration(register, campaign):
    from frenchtech.geo import load_geography

    geo = load_geography(campaign.vintage)
    parents = register["codeCommuneEtablissement"].map(geo.parent_commune)
    counts = parents.value_counts()
    pop = geo.communes.loc[geo.communes["kind"] == "commune", "population"]
    big, small = pop[pop > 100_000].index, pop[(pop > 1000) & (pop < 5000)].index
    per_capita_big = counts.reindex(big, fill_value=0).sum() / pop[big].sum()
    per_capita_small = counts.reindex(small, fill_value=0).sum() / pop[small].sum()
    assert per_capita_big > per_capita_small * 0.8
    assert counts.get("75056", 0) > counts.get("69123", 0) > counts.get("29019", 0)  # Paris > Lyon > Brest


def test_small_files_parse_and_are_labelled(generated, campaign):
    out, manifest, _ = generated
    for name in ("funding_rounds.csv", "exchange_rates.csv", "structures.csv", "initiatives.csv",
                 "dossiers/lyon.toml"):
        assert (out / name).read_text(encoding="utf-8").startswith("# GENERATED DATA")
    ev = read_evidence_folder(out, campaign)
    assert len(ev.rounds) > 500 and len(ev.structures) > 50 and len(ev.initiatives) > 100
    assert set(ev.rounds["currency"]) == {"EUR", "USD", "GBP"}
    assert ev.city_report and all(c["problem"] == "ambiguous" for c in ev.city_report)
    assert set(ev.dossiers) == {t.id for t in campaign.territories}
    info = json.loads((out / "GENERATED.json").read_text())
    assert info["generated"] is True and info["seed"] == 11 and info["rows"] == ROWS
    assert info == json.loads(json.dumps(manifest))
    for f in info["files"]:
        assert hashlib.sha256((out / f["path"]).read_bytes()).hexdigest() == f["sha256"]
    assert "GENERATED" in (out / "README.txt").read_text()


def test_observed_match_readers_and_dossiers_declare_close(generated, campaign):
    out, manifest, _ = generated
    ev = read_evidence_folder(out, campaign)
    start, end = pd.Timestamp(campaign.window_start), pd.Timestamp(campaign.window_end)
    rounds = ev.rounds[(ev.rounds["date"] >= start) & (ev.rounds["date"] <= end)]
    support = ev.structures[ev.structures["kind"].isin(["incubator", "accelerator", "startup_studio"])
                            & (ev.structures["opened"] <= end)
                            & ~(ev.structures["closed"] <= end)]
    for t in campaign.territories:
        codes = set(t.match_codes)
        obs = manifest["observed"][t.id]
        mine = rounds[rounds["commune"].isin(codes)]
        assert obs["funding_rounds"] == len(mine)
        assert obs["funding_eur"] == pytest.approx(mine["amount_eur"].sum(), rel=1e-9)
        assert obs["support_structures"] == support["commune"].isin(codes).sum()
        declared = ev.dossiers[t.id]["funding_eur"]
        ratio = declared / obs["funding_eur"] if obs["funding_eur"] else 1.0
        if t.id == manifest["inflated_territory"]:
            assert 2.5 < ratio < 3.5
        else:
            assert 0.8 < ratio < 1.25


def test_reproducible_and_seed_dependent(tmp_path, campaign, generated):
    out, manifest, _ = generated
    again = generate_evidence(campaign, tmp_path / "again", ROWS, seed=11)
    assert again["files"] == manifest["files"]
    for f in manifest["files"]:
        assert (out / f["path"]).read_bytes() == (tmp_path / "again" / f["path"]).read_bytes()
    other = generate_evidence(campaign, tmp_path / "other", 2_000, seed=12)
    assert other["territory_factors"] != manifest["territory_factors"]


def test_bigger_population_more_rows_on_average(campaign, tmp_path):
    """Across seeds, the larger territory has more establishments: calibration, not luck."""
    wins = 0
    for seed in range(4):
        m = generate_evidence(campaign, tmp_path / str(seed), 5_000, seed=seed)
        obs = m["observed"]
        wins += obs["paris"]["new_companies"] > obs["brest"]["new_companies"]
    assert wins == 4
