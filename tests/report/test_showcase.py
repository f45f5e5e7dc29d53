"""The static showcase: pages in both languages, generated-data notice and sources on every page,
real perimeters on the map, rank intervals when present, open data in three formats, size limit."""
from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from click.testing import CliRunner

from frenchtech import ATTRIBUTION
from frenchtech.report.audit_data import load_audit
from frenchtech.report.site import export_showcase

TERRITORIES = 16  # the 2014 wave: 15 dossiers plus Paris


def html_pages(site):
    return sorted(site.rglob("*.html"))


def test_both_language_trees_have_every_page(site):
    for lang in ("fr", "en"):
        for page in ("index", "ranking", "network", "data", "jury"):
            assert (site / lang / f"{page}.html").exists()
        assert len(list((site / lang / "territories").glob("*.html"))) == TERRITORIES
    assert (site / "index.html").exists() and (site / "api" / "openapi.json").exists()


def test_every_page_says_generated_and_names_its_sources(site):
    for page in html_pages(site):
        text = page.read_text(encoding="utf-8")
        assert 'id="generated-banner"' in text, page
        assert ("GÉNÉRÉES" in text) or ("GENERATED" in text), page
        # Each page names its sources in its own language; the bilingual landing page in both.
        if "/fr/" in page.as_posix() or page.parent == site:
            assert "de l’INSEE, de la DGCL, de l’IGN et d’Etalab" in text, page
        if "/en/" in page.as_posix() or page.parent == site:
            assert "INSEE, DGCL, IGN and Etalab" in text, page


def test_no_page_loads_anything_from_elsewhere(site):
    for page in html_pages(site):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r'src="(https?:)?//', text), page
        assert not re.search(r'<link[^>]+href="(https?:)?//', text), page
        assert "@import" not in text and "url(http" not in text, page


def test_map_draws_every_territory_with_its_details(site):
    text = (site / "en" / "index.html").read_text(encoding="utf-8")
    ids = re.findall(r'data-territory="([^"]+)"', text)
    assert len(set(ids)) == TERRITORIES
    assert 'data-details="Lyon French Tech — ' in text
    assert 'class="region"' in text  # the 2014-15 regions behind the perimeters


def test_language_switch_points_to_the_same_page(site):
    fr = (site / "fr" / "territories" / "lyon.html").read_text(encoding="utf-8")
    assert 'href="../../en/territories/lyon.html"' in fr and '<html lang="fr">' in fr
    en = (site / "en" / "ranking.html").read_text(encoding="utf-8")
    assert 'href="../fr/ranking.html"' in en


def test_ranking_without_intervals_says_so(audit_without_uncertainty, tmp_path):
    export_showcase([audit_without_uncertainty], tmp_path / "s")
    text = (tmp_path / "s" / "en" / "ranking.html").read_text(encoding="utf-8")
    assert "No uncertainty analysis in this audit" in text
    assert "Rank interval" not in text.split("</figure>")[1]


def test_ranking_shows_intervals_and_probabilities_when_the_audit_has_them(audit_with_uncertainty, tmp_path):
    export_showcase([audit_with_uncertainty], tmp_path / "s")
    text = (tmp_path / "s" / "en" / "ranking.html").read_text(encoding="utf-8")
    assert "Rank interval 5–95 %" in text and "Probability of being labelled" in text
    assert re.search(r"<td class=\"num\">\d+–\d+</td>", text)
    jury = (tmp_path / "s" / "en" / "jury.html").read_text(encoding="utf-8")
    assert "Normalisation" in jury and "0.610" in jury  # the Sobol table


def test_open_data_in_three_formats_agree(site, demo_audit):
    data = site / "data"
    scores_csv = pd.read_csv(data / "scores.csv")
    scores_pq = pd.read_parquet(data / "scores.parquet")
    scores_json = pd.DataFrame(json.loads((data / "scores.json").read_text(encoding="utf-8")))
    assert len(scores_csv) == len(scores_pq) == len(scores_json) == TERRITORIES
    assert scores_pq["score"].round(6).tolist() == scores_csv["score"].round(6).tolist()
    dic = pd.read_csv(data / "dictionary.csv")
    assert {"table", "column", "type", "meaning_fr", "meaning_en"} <= set(dic.columns)
    for name in ("territories", "scores", "indicators", "decisions", "structures", "initiatives", "flags"):
        assert (data / f"{name}.csv").exists() and name in set(dic["table"])
    perimeters = json.loads((data / "perimeters.geojson").read_text(encoding="utf-8"))
    assert len(perimeters["features"]) == TERRITORIES
    assert {f["geometry"]["type"] for f in perimeters["features"]} == {"MultiPolygon"}
    licence = (data / "LICENCE.txt").read_text(encoding="utf-8")
    assert "Licence Ouverte" in licence and ATTRIBUTION in licence and "GENERATED" in licence


def test_directory_keeps_only_structures_inside_the_territories(site, demo_audit):
    audit = load_audit(demo_audit)
    inside = set(audit.commune_territory())
    published = pd.read_csv(site / "data" / "structures.csv", dtype={"commune_code": str})
    assert len(published) and published["commune_code"].str.zfill(5).isin(inside).all()
    assert len(published) < len(audit.structures)


def test_profile_compares_every_indicator(site, demo_audit):
    audit = load_audit(demo_audit)
    text = (site / "en" / "territories" / "brest.html").read_text(encoding="utf-8")
    assert text.count("<th scope=\"row\">") >= len(audit.indicator_ids)
    # indicators against the median of every EPCI of France (national.csv of the audit)
    assert "Median of every EPCI in France" in text and "Labelled average" in text and "Label history" in text
    lyon = (site / "en" / "territories" / "lyon.html").read_text(encoding="utf-8")
    record = lyon.split('id="public-record"')[1].split("</table>")[0]
    assert "12 November 2014" in record and "Capitale French Tech" in record  # real labels from the public record


def test_trend_and_history_across_two_campaigns(demo_audit, tmp_path):
    export_showcase([demo_audit, demo_audit], tmp_path / "s")
    text = (tmp_path / "s" / "en" / "territories" / "lyon.html").read_text(encoding="utf-8")
    assert "Trend across campaigns" in text


def test_export_of_the_2014_demo_is_under_20_mb(site):
    size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    print(f"\nexport size: {size / 1e6:.2f} MB")
    assert size < 20_000_000


def test_jury_report(demo_audit, tmp_path):
    from frenchtech.report.jury import write_jury

    result = write_jury(demo_audit, tmp_path / "jury.html", lang="en", pdf=False)
    text = (tmp_path / "jury.html").read_text(encoding="utf-8")
    for heading in ("Method", "Statistical audit", "Correlations between indicators", "Cronbach", "Ranking",
                    "Sobol indices", "Declared vs observed gaps", "Territory pages"):
        assert heading in text, heading
    assert 'id="leave-one-out"' in text
    assert 'id="flags-table"' in text and "brest" in text  # the generator inflates Brest's declared funding
    assert text.count('<article class="pagebreak"') == TERRITORIES
    assert "<link" not in text  # self-contained: the style is inline
    assert result["generated"] and "GENERATED demo data" in text


def test_jury_report_without_index_engine_results(demo_audit, tmp_path, monkeypatch):
    import shutil

    from frenchtech.report import jury as jury_mod
    from frenchtech.report import stats

    bare = tmp_path / "audit"
    shutil.copytree(demo_audit, bare)
    shutil.rmtree(bare / "index", ignore_errors=True)  # an audit folder without the engine's tables
    monkeypatch.setattr(stats, "coinr_tables", lambda audit: (_ for _ in ()).throw(ImportError("no engine")))
    jury_mod.write_jury(bare, tmp_path / "j.html", lang="fr", pdf=False)
    text = (tmp_path / "j.html").read_text(encoding="utf-8")
    assert "Non disponible dans cet audit" in text


def test_commands(demo_audit, tmp_path):
    from frenchtech.cli import main

    runner = CliRunner()
    r = runner.invoke(main, ["showcase", "export", "--audit", str(demo_audit), "--out", str(tmp_path / "site")])
    assert r.exit_code == 0, r.output
    assert "GENERATED" in r.output and (tmp_path / "site" / "fr" / "index.html").exists()
    r = runner.invoke(main, ["report", "jury", "--audit", str(demo_audit), "--out", str(tmp_path / "j.html")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "j.html").exists()
    assert ("PDF:" in r.output) or ("PDF skipped" in r.output)


def test_not_an_audit_folder_is_a_clear_error(tmp_path):
    from frenchtech.cli import main

    r = CliRunner().invoke(main, ["showcase", "export", "--audit", str(tmp_path), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "manifest.json" in r.output


@pytest.mark.parametrize("lang,expected", [("fr", "1\u202f234,5"), ("en", "1,234.5")])
def test_numbers_follow_the_language(lang, expected):
    from frenchtech.report.i18n import number

    assert number(lang, 1234.5) == expected


def test_jury_pdf_where_weasyprint_works(demo_audit, tmp_path):
    try:
        import weasyprint  # noqa: F401
    except Exception as exc:  # missing package or system libraries (Pango)
        pytest.skip(f"WeasyPrint unavailable: {exc}")
    from frenchtech.report.jury import write_jury

    result = write_jury(demo_audit, tmp_path / "jury.html", lang="fr", pdf=True)
    pdf = (tmp_path / "jury.pdf").read_bytes()
    assert result["pdf"] and pdf.startswith(b"%PDF") and len(pdf) > 20_000


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.mark.parametrize("text,background,least", [
    ("#1f2933", "#ffffff", 4.5),  # body text
    ("#4a5563", "#f3f5f8", 4.5),  # footer (muted, on the surface colour)
    ("#0b4f8a", "#ffffff", 4.5),  # links
    ("#0b4f8a", "#f3f5f8", 4.5),  # links in the footer
    ("#ffffff", "#0b2d4f", 4.5),  # header, buttons
    ("#6b4400", "#fff4d6", 4.5),  # generated-data notice
    ("#1f2933", "#e4e9ef", 4.5),  # table headers
    ("#b3261e", "#ffffff", 4.5),  # error text
    ("#ffffff", "#102a43", 4.5),  # map tooltip
    ("#0a6ed1", "#ffffff", 3.0),  # focus ring (WCAG 1.4.11, non-text: 3:1)
    ("#ffbf47", "#0b2d4f", 3.0),  # focus ring in the header
])
def test_text_contrast_meets_wcag_aa(text, background, least):
    """The colours of the design system shared by the platform and the showcase (design.css)."""
    from importlib import resources

    static = resources.files("frenchtech.report") / "static"
    css = "".join((static / n).read_text(encoding="utf-8").lower() for n in ("design.css", "showcase.css"))
    for colour in (text, background):
        assert colour in css or colour == "#ffffff", colour
    assert _contrast(text, background) >= least


def test_every_chart_has_a_text_alternative_and_a_table(site):
    for page in html_pages(site):
        text = page.read_text(encoding="utf-8")
        for svg in re.findall(r"<svg[^>]*>", text):
            assert "aria-label=" in svg, page
        if '<svg class="chart"' in text or '<svg class="map"' in text:
            assert "<table" in text, page


def test_two_waves_in_one_showcase(demo_audit, audit_2015, tmp_path):
    summary = export_showcase([demo_audit, audit_2015], tmp_path / "s")
    assert summary["campaign"] == "metropoles-2015"
    home = (tmp_path / "s" / "fr" / "index.html").read_text(encoding="utf-8")
    decisions = pd.read_csv(audit_2015 / "decisions.csv")
    assert "confirmed" in set(decisions["decision"])
    assert "confirmé" in home  # re-audited labels have their own colour and legend entry
    assert home.count('class="region"') == 22  # the 22 regions of 2014-2015
    lyon = (tmp_path / "s" / "fr" / "territories" / "lyon.html").read_text(encoding="utf-8")
    assert "Évolution entre campagnes" in lyon and "deuxième vague" in lyon
    assert "réaudit : le label de 2014 est maintenu" in lyon or "candidats en lice" in lyon  # reasons in French


def test_reasons_are_translated_for_french_pages():
    from frenchtech.messages import Reason, encode
    from frenchtech.report.i18n import decision_reason

    code, params = encode([Reason("quota_within", {"rank": 3, "of": 15, "quota": 9})])
    row = {"reason": "3rd of the 15 candidates competing for the quota, within the quota of 9",
           "reason_code": code, "reason_params": params}
    assert decision_reason("fr", row) == "3e des 15 candidats en lice pour le quota, dans le quota de 9"
    assert decision_reason("en", row) == row["reason"]
    assert decision_reason("fr", {"reason": "a reason the pages do not know"}) == "a reason the pages do not know"


def test_audit_copied_without_its_evidence_still_publishes(demo_audit, tmp_path):
    import shutil

    folder = tmp_path / "moved" / "audit"
    shutil.copytree(demo_audit, folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["evidence_dir"] = str(tmp_path / "gone")
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    summary = export_showcase([folder], tmp_path / "s")
    assert summary["pages"] > 30
    assert "(0)" in (tmp_path / "s" / "en" / "territories" / "lyon.html").read_text(encoding="utf-8")


def test_deferred_decisions_have_their_colour_and_legend_and_hold_no_label(demo_audit, tmp_path):
    import shutil

    from frenchtech.report.maps import HOLDS_LABEL, LABEL_COLOURS

    folder = tmp_path / "deferred" / "audit"
    shutil.copytree(demo_audit, folder)
    decisions = pd.read_csv(folder / "decisions.csv", dtype=str, keep_default_na=False)
    target = decisions.index[decisions["territory"] == "lyon"][0]
    decisions.loc[target, ["decision", "valid_from", "review_until", "valid_until", "label"]] = [
        "deferred", "", "", "", ""]
    decisions.to_csv(folder / "decisions.csv", index=False)
    export_showcase([folder], tmp_path / "s")
    assert "deferred" not in HOLDS_LABEL
    for lang, word in (("fr", "ajourné"), ("en", "deferred")):
        home = (tmp_path / "s" / lang / "index.html").read_text(encoding="utf-8")
        assert word in home and LABEL_COLOURS["deferred"] in home
    d = load_audit(folder).tables["decisions"]
    assert not d[d["territory"] == "lyon"]["decision"].isin(HOLDS_LABEL).any()


def test_the_labelling_bar_follows_the_rule_not_the_jury(demo_audit, tmp_path):
    """A territory labelled by the jury below the quota does not move the bar drawn on the ranking."""
    import shutil

    before = load_audit(demo_audit).bar["last_labelled_rank"]
    folder = tmp_path / "override" / "audit"
    shutil.copytree(demo_audit, folder)
    decisions = pd.read_csv(folder / "decisions.csv", dtype=str, keep_default_na=False)
    scores = load_audit(demo_audit).scores
    last = scores.iloc[-1]["territory"]  # the lowest ranked, not labelled by the rule
    decisions.loc[decisions["territory"] == last, ["decision", "override"]] = ["labelled", "True"]
    decisions.to_csv(folder / "decisions.csv", index=False)
    assert load_audit(folder).bar["last_labelled_rank"] == before < int(scores.iloc[-1]["rank"])
