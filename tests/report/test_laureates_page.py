"""Territory pages list the i-Lab laureates located in the territory, and say when none can be."""
import pandas as pd
import pytest

from frenchtech.audit import run_audit
from frenchtech.report.audit_data import load_audit
from frenchtech.report.showcase import Showcase
from tests.sources.test_ilab import _campaign, _picks, _register


@pytest.fixture(scope="module")
def located(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("laureates")
    twice, once, other = _picks()
    run_audit(_campaign(tmp, scored=True), _register(tmp, twice, once, other), tmp / "out")
    return tmp / "out", twice, once


@pytest.mark.parametrize("lang, heading", [("fr", "Lauréats du concours d'innovation i-Lab"),
                                           ("en", "i-Lab innovation competition laureates")])
def test_the_territory_page_lists_its_located_laureates(located, lang, heading):
    out, twice, once = located
    listing = pd.read_csv(out / "laureates.csv", dtype=str, keep_default_na=False)
    site = Showcase([load_audit(out)])
    rennes = site.territory_page(lang, "rennes")
    assert heading in rennes and 'id="laureates"' in rennes
    names = listing.loc[listing["siren"] == twice, "company"].tolist()
    assert len(names) == 2 and all((n or twice) in rennes for n in names)
    assert f"{heading} (2)" in rennes and "Rennes" in rennes
    brest = site.territory_page(lang, "brest")
    assert f"{heading} (0)" in brest and 'id="laureates"' not in brest
    unlocated = listing[listing["status"] != "located"]
    assert unlocated["line"].is_unique
    assert f"{len(unlocated)} " in brest and "laureates.csv" in brest


def test_a_generated_register_says_no_real_company_is_placed(tmp_path):
    twice, once, other = _picks()
    evidence = _register(tmp_path, twice, once, other)
    (evidence / "GENERATED.json").write_text('{"generated": true}', encoding="utf-8")
    run_audit(_campaign(tmp_path, scored=False), evidence, tmp_path / "out")
    page = Showcase([load_audit(tmp_path / "out")]).territory_page("fr", "rennes")
    assert "des entreprises réelles ne sont jamais localisées dans des données générées" in page
    assert 'id="laureates"' not in page
