"""French pages in French, English pages in English: attribution, structure and initiative kinds, names
of the real label record, dates, data dictionary, decision reasons and the jury report."""
from __future__ import annotations

import json
import re

import pytest

from frenchtech.report.charts import shorten
from frenchtech.messages import Reason, encode
from frenchtech.report.i18n import date, datetime_text, decision_reason
from frenchtech.report.site import export_showcase

RAW_KINDS = ("accelerator", "coworking", "incubator", "startup_studio", "meetup", "event", "hackathon",
             "programme", "competition")


def visible(path) -> str:
    """The text a reader sees: no tags, attributes, scripts or styles."""
    html = path.read_text(encoding="utf-8")
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.DOTALL)
    text = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", text.replace("&#39;", "'").replace("&#x27;", "'").replace("&amp;", "&"))


def pages(site, lang):
    return sorted((site / lang).rglob("*.html"))


def test_french_pages_name_their_sources_in_french(site):
    for page in pages(site, "fr"):
        text = visible(page)
        assert "Contient des données de l’INSEE" in text, page
        assert "Contains data from" not in text and "research ministry" not in text, page
    for page in pages(site, "en"):
        assert "Contains data from INSEE" in visible(page), page
    landing = visible(site / "index.html")
    assert "Contient des données" in landing and "Contains data from" in landing


def test_structure_and_initiative_kinds_are_named_in_the_page_language(site):
    for lang, expected in (("fr", ("Incubateur", "Espace de coworking", "Accélérateur")),
                           ("en", ("Incubator", "Coworking space", "Accelerator"))):
        network = (site / lang / "network.html").read_text(encoding="utf-8")
        paris = (site / lang / "territories" / "paris.html").read_text(encoding="utf-8")
        for code in RAW_KINDS:
            assert f"<td>{code}</td>" not in network + paris, (lang, code)
            assert f"<option>{code}</option>" not in network, (lang, code)
        for name in expected:
            assert f"<td>{name}</td>" in network and f"<td>{name}</td>" in paris, (lang, name)
        # The filter still matches the rows on the code; only the shown text is translated.
        assert re.search(r'<option value="incubator">%s</option>' % expected[0], network)
        assert 'data-kind="incubator"' in network


def test_real_label_record_shows_official_names_without_curation_notes(site):
    for lang in ("fr", "en"):
        for page in (site / lang / "territories").glob("*.html"):
            text = visible(page)
            assert "[as printed" not in text and "check vs" not in text, page
            assert "(labellisé d'office)" not in text and "(candidate)" not in text, page
            assert "(new capitale)" not in text, page
        assert "Riviera Région Sud (Cannes-Grasse)" in visible(site / lang / "territories" / "cote-dazur.html")


def test_label_record_keeps_its_notes_in_their_own_column():
    from importlib import resources

    import pandas as pd

    with (resources.files("frenchtech") / "data" / "labels_2014_2023.csv").open(encoding="utf-8") as f:
        record = pd.read_csv(f, dtype=str).fillna("")
    assert not record["ecosystem"].str.contains(r"\[|\(candidate\)|labellisé d'office").any()
    assert record.loc[record["ecosystem"].str.startswith("Riviera"), "note"].str.contains("Côte d'Azur").all()
    assert (record.loc[record["ecosystem"] == "Paris", "note"] != "").all()


def test_dates_are_written_out_in_the_page_language(site):
    fr = visible(site / "fr" / "territories" / "paris.html")
    en = visible(site / "en" / "territories" / "paris.html")
    assert "12 novembre 2014" in fr and "12 November 2014" in en
    for text in (fr, en):
        assert not re.search(r"\b(19|20)\d\d-\d\d-\d\d\b", text)
    assert re.search(r"\b1 commune\b(?!s)", fr) and not re.search(r"\b1 communes", fr + en)
    assert date("fr", "2015-03-01") == "1er mars 2015" and date("en", "2015-03-01") == "1 March 2015"
    assert datetime_text("fr", "2026-11-26T09:30:40+00:00") == "26 novembre 2026 à 09 h 30 UTC"
    assert datetime_text("en", "2026-11-26T09:30:40+00:00") == "26 November 2026, 09:30 UTC"


def test_data_dictionary_gives_every_column_a_meaning_and_its_type(site):
    dic = json.loads((site / "data" / "dictionary.json").read_text(encoding="utf-8"))
    for row in dic:
        for key in ("meaning_fr", "meaning_en"):
            assert row[key] not in (row["column"], row["column"].replace("_", " ")), row
            assert "undocumented" not in row[key] and "non documentée" not in row[key], row
    types = {(r["table"], r["column"]): r["type"] for r in dic}
    for column in ("theme", "override_rationale", "previous_decision", "early_warning"):
        assert types[("decisions", column)] == "string", column
    assert types[("decisions", "decided_on")] == "date" and types[("structures", "opened")] == "date"
    fr = visible(site / "fr" / "data.html")
    assert "not_selected (non retenu)" in fr and "withdrawn (retiré)" in fr
    assert "texte" in fr and "nombre" in fr
    assert "rule decision" not in fr and "early warning" not in fr


def R(code, **params):
    return Reason(code, params)


LABEL = {"label_year": 2014}
FRENCH_REASONS = [
    ([R("quota_within", rank=2, of=15, quota=9)],
     "2nd of the 15 candidates competing for the quota, within the quota of 9",
     "2e des 15 candidats en lice pour le quota, dans le quota de 9"),
    ([R("quota_outside", rank=10, of=15, quota=9)],
     "10th of the 15 candidates competing for the quota, outside the quota of 9",
     "10e des 15 candidats en lice pour le quota, hors du quota de 9"),
    ([R("threshold_mean_reached", score=18.7, relative=1.28, reference_score=14.6, share=1.0)],
     "score 18.7 = 128% of the candidates' mean (14.6), at or above 100%",
     "score 18,7 = 128\u00a0% de la moyenne des candidats (14,6), au moins 100\u00a0%"),
    ([R("reaudit_kept", label="metropoles-2014:toulouse:metropole", until="2018-11-12", **LABEL)],
     "re-audit: label metropoles-2014:toulouse:metropole kept (valid until 2018-11-12)",
     "réaudit : le label de 2014 est maintenu (valable jusqu'au 12 novembre 2018)"),
    ([R("reaudit_kept_warned", label="metropoles-2014:lyon:metropole", until="2018-11-12", **LABEL)],
     "re-audit: label metropoles-2014:lyon:metropole kept (valid until 2018-11-12) with an early warning",
     "réaudit : le label de 2014 est maintenu (valable jusqu'au 12 novembre 2018), avec alerte précoce"),
    ([R("reaudit_withdrawn", relative=0.55, bar=0.6, label="metropoles-2014:nice:metropole", **LABEL)],
     "re-audit: 55% of the reference, below the withdrawal bar of 60%; label metropoles-2014:nice:metropole ends",
     "réaudit : 55\u00a0% de la référence, sous la barre de retrait de 60\u00a0% ; le label de 2014 prend fin"),
    ([R("quota_within", rank=1, of=4, quota=4), R("label_expired")],
     "1st of the 4 candidates competing for the quota, within the quota of 4; the previous label had expired",
     "1er des 4 candidats en lice pour le quota, dans le quota de 4 ; le label précédent avait expiré"),
    ([R("quota_within", rank=3, of=15, quota=3), R("quota_tied", tied=["brest"], count=2, above=1)],
     "3rd of the 15 candidates competing for the quota, within the quota of 3; tied at the quota boundary with "
     "brest: all 2 tied candidates are labelled (1 above the quota)",
     "3e des 15 candidats en lice pour le quota, dans le quota de 3 ; ex æquo à la limite du quota avec Brest : "
     "les 2 candidats ex æquo sont labellisés (1 au-delà du quota)"),
    ([R("reapply_pending", decision="not_selected", campaign="metropoles-2014", date="2016-11-12")],
     "not selected in metropoles-2014: may apply again from 2016-11-12",
     "non retenu lors de la campagne metropoles-2014 : peut candidater de nouveau à partir du 12 novembre 2016"),
    ([R("population_below", population=120000, minimum=200000)],
     "population 120,000 below the minimum of 200,000",
     "population de 120\u202f000 habitants, sous le minimum de 200\u202f000"),
    ([R("jury_override", by="jury 2015", rule_decision="not_selected", rationale="a strong federating project")],
     "jury override (jury 2015) of 'not_selected': a strong federating project",
     "décision du jury (jury 2015) modifiant « non retenu » : a strong federating project"),
]


@pytest.mark.parametrize(("reasons", "english", "french"), FRENCH_REASONS)
def test_every_kind_of_reason_has_a_french_wording(reasons, english, french):
    code, params = encode(reasons)
    row = {"reason": english, "reason_code": code, "reason_params": params}
    assert decision_reason("en", {**row, "reason": ""}) == english   # rendered from the codes, not the text
    assert decision_reason("fr", row, {"brest": "Brest"}) == french


def test_an_audit_written_without_codes_shows_its_text_as_written():
    assert decision_reason("fr", {"reason": "an older reason"}) == "an older reason"


def test_quota_reasons_say_what_the_count_is():
    from frenchtech.labelling.rules import apply_rule
    from frenchtech.labelling.settings import KindRule

    rule = KindRule(kind="metropole", rule="quota", quota=2)
    out = apply_rule({"a": 30.0, "b": 20.0, "c": 10.0}, rule)
    assert out["b"].reason == "2nd of the 3 candidates competing for the quota, within the quota of 2"
    assert out["c"].reason == "3rd of the 3 candidates competing for the quota, outside the quota of 2"


def test_french_pages_show_no_english_reason(site):
    for page in pages(site, "fr"):
        text = visible(page)
        assert not re.search(r"\brank \d", text), page
        for english in ("within the quota", "outside the quota", "re-audit", "of the candidates' mean"):
            assert english not in text, (page, english)
    assert "candidats en lice pour le quota" in visible(site / "fr" / "ranking.html")
    assert "candidates competing for the quota" in visible(site / "en" / "ranking.html")


def test_jury_report_in_french(audit_with_uncertainty, tmp_path):
    export_showcase([audit_with_uncertainty], tmp_path / "s")
    fr_html = (tmp_path / "s" / "fr" / "jury.html").read_text(encoding="utf-8")
    fr, en = visible(tmp_path / "s" / "fr" / "jury.html"), visible(tmp_path / "s" / "en" / "jury.html")
    # Factors of the uncertainty analysis
    assert "Poids" in fr and "Agrégation" in fr and "weights" not in fr and "aggregation" not in fr
    assert "Weights" in en and "Aggregation" in en
    # Statistics headings
    assert "Asymétrie" in fr and "Aplatissement" in fr and "Skew" not in fr and "Kurt" not in fr
    assert "Indice composite" in fr
    # The audit's date and time
    assert re.search(r"Audit \d{1,2}(er)? \w+ 20\d\d à \d\d h \d\d", fr) and "+00:00" not in fr
    # Heat-map cells written as the French table writes them
    cells = re.findall(r'text-anchor="middle" fill="[^"]+">([^<]+)</text>', fr_html)
    assert cells and all("." not in c for c in cells) and any("," in c for c in cells)
    # Declared vs observed: the territory's name and the indicator's label, not codes
    if 'id="flags-table"' in fr_html:
        table = re.search(r'id="flags-table".*?</table>', fr_html, re.DOTALL).group(0)
        assert "funding_eur" not in re.sub(r"<[^>]+>", " ", table).replace("funding_rounds.csv", "")
        assert "row(s)" not in table and ">brest<" not in table


def test_chart_labels_are_cut_at_a_word():
    assert shorten("3. Établissements tech actifs pour 10 000 habitants", 40) == "3. Établissements tech actifs pour…"
    assert shorten("Short name", 40) == "Short name"
