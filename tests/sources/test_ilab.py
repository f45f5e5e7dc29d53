"""i-Lab laureates: the published file read as is, laureates located by their head office in a real
register, counted per territory, listed with the reason when not located; never in a generated one."""
import pandas as pd
import pytest

from frenchtech.audit import run_audit
from frenchtech.campaign import load_campaign
from frenchtech.errors import InputError
from frenchtech.sources import ilab
from tests.conftest import FIXTURES, write_stock

SCORED = """
[[indicators]]
id = "ilab_laureates_per_100k"
pillar = "innovation"
"""


def _campaign(tmp_path, scored: bool):
    text = (FIXTURES / "mini-2014.toml").read_text(encoding="utf-8")
    text = text.replace('tech_naf_tags = ["digital_core"]', 'tech_naf_tags = ["digital_core"]\n'
                        'optional = ["funding_rounds", "structures", "initiatives"]')
    path = tmp_path / "campaign.toml"
    path.write_text(text + (SCORED if scored else ""), encoding="utf-8")
    return load_campaign(path)


def _picks():
    """Three real laureates of 2010-2014 with a checked SIREN: one awarded twice, two awarded once."""
    window = ilab.in_window(ilab.shipped()[0], (2010, 2014))
    ok = window[window["status"] == ""]
    counts = ok.groupby("siren").size()
    twice = counts[counts == 2].index[0]
    once = counts[counts == 1].index[:2]
    return twice, once[0], once[1]


def test_the_shipped_file_is_read_as_published():
    laureates, digest = ilab.shipped()
    assert len(laureates) == 3923 and laureates["year"].between(1999, 2025).all()
    assert laureates["status"].value_counts().to_dict() == {"": 2983, "no_siren": 935, "bad_siren": 5}
    assert len(digest) == 64
    assert ilab.siren_valid("732829320") and not ilab.siren_valid("732829321") and not ilab.siren_valid("90197921")


@pytest.mark.parametrize("old, new, line, column, words", [
    ("Identifiant,Année de concours", "Identifiant,Annee", 1, "Annee", "unknown column"),
    ("C9905019,1999,", "C9905019,99,", 2, "Année de concours", "bad year"),
    (",81059299800019,", ",8105929980001,", None, "N° SIRET", "bad SIRET"),
])
def test_malformed_laureates_files_are_refused(tmp_path, old, new, line, column, words):
    text = ilab.shipped_path().read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "ilab_laureats.csv"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(InputError) as info:
        ilab.read_laureates(path)
    err = info.value
    assert err.path == str(path) and err.column == column and words in str(err)
    if line is not None:
        assert err.line == line
    cut = tmp_path / "cut.csv"
    cut.write_bytes(ilab.shipped_path().read_bytes()[:5000])
    with pytest.raises(InputError) as info:
        ilab.read_laureates(cut)
    assert "truncated" in str(info.value) and info.value.line is not None


def _register(tmp_path, twice, once, other):
    rows = [
        {"siren": twice, "nic": "00012", "siret": twice + "00012", "codeCommuneEtablissement": "35238",
         "etablissementSiege": "true", "activitePrincipaleEtablissement": "62.01Z",
         "dateCreationEtablissement": "2011-03-01"},
        {"siren": twice, "nic": "00020", "siret": twice + "00020", "codeCommuneEtablissement": "29019",
         "etablissementSiege": "false", "activitePrincipaleEtablissement": "62.01Z",
         "dateCreationEtablissement": "2013-03-01"},
        {"siren": once, "nic": "00015", "siret": once + "00015", "codeCommuneEtablissement": "75111",
         "etablissementSiege": "true", "activitePrincipaleEtablissement": "72.19Z",
         "dateCreationEtablissement": "2012-05-01"},
        {"siren": other, "nic": "00031", "siret": other + "00031", "codeCommuneEtablissement": "29019",
         "etablissementSiege": "false", "activitePrincipaleEtablissement": "62.02A",
         "dateCreationEtablissement": "2012-05-01"},
    ] + [{"codeCommuneEtablissement": "35238", "activitePrincipaleEtablissement": "62.01Z",
          "dateCreationEtablissement": "2012-01-01"}] * 3
    write_stock(tmp_path / "ev" / "StockEtablissement_utf8.csv", rows)
    return tmp_path / "ev"


def test_laureates_located_by_head_office_counted_and_listed(tmp_path):
    twice, once, other = _picks()
    evidence = _register(tmp_path, twice, once, other)
    result = run_audit(_campaign(tmp_path, scored=True), evidence, tmp_path / "out")
    assert result.measures["ilab_laureates"].to_dict() == {"paris": 1, "rennes": 2, "brest": 0}
    assert result.indicators.at["rennes", "ilab_laureates_per_100k"] == pytest.approx(
        2 / result.indicators.at["rennes", "population"] * 100_000)
    listing = pd.read_csv(tmp_path / "out" / "laureates.csv", dtype=str)
    assert set(listing.loc[listing["siren"] == twice, "territory"]) == {"rennes"}
    assert listing.loc[listing["siren"] == once, "commune"].tolist() == ["75111"]
    assert listing.loc[listing["siren"] == other, "status"].tolist() == ["not_in_register"]
    window = ilab.in_window(ilab.shipped()[0], (2010, 2014))
    assert len(listing) == len(window)   # every laureate of the window, none twice
    assert (listing["status"] == "no_siren").sum() == (window["status"] == "no_siren").sum()
    assert any(n.startswith("i-Lab laureates of the window: 3 located") for n in result.notes)
    manifest = __import__("json").loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["sources"]["laureates"]["located"] == 3
    assert manifest["sources"]["laureates"]["sha256"] == ilab.shipped()[1]


def test_never_located_in_a_generated_register(tmp_path):
    twice, once, other = _picks()
    evidence = _register(tmp_path, twice, once, other)
    (evidence / "GENERATED.json").write_text('{"generated": true}', encoding="utf-8")
    result = run_audit(_campaign(tmp_path, scored=False), evidence, tmp_path / "out")
    listing = pd.read_csv(tmp_path / "out" / "laureates.csv", dtype=str)
    assert set(listing["status"]) == {"generated_register"} and listing["territory"].isna().all()
    assert "ilab_laureates" not in result.measures.columns
    window = ilab.in_window(ilab.shipped()[0], (2010, 2014))
    assert f"not located: {len(window)} generated_register" in " ".join(result.notes)
    with pytest.raises(InputError) as info:
        run_audit(_campaign(tmp_path, scored=True), evidence, tmp_path / "out2")
    assert "generated" in str(info.value) and not (tmp_path / "out2").exists()

