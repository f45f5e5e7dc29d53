"""The figures the showcase pages show agree with the audit's own tables (scores.csv, measures.csv,
indicators.csv, national.csv), read here with pandas alone: territory pages' indicator tables and
medians, the structures and initiatives the indicators count, money to the euro, the ranking's scores,
ranks and probabilities; the perimeter map has a legend, a scale and place names."""
from __future__ import annotations

import html
import re

import pandas as pd
import pytest

LANGS = ("fr", "en")


def value(text: str, lang: str) -> float:
    """A number as a page writes it (FR: 1 234,5 with narrow spaces; EN: 1,234.5) read back."""
    t = html.unescape(text).strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "").rstrip("%")
    t = t.replace(",", ".") if lang == "fr" else t.replace(",", "")
    return float(t)


def decimals(text: str, lang: str) -> int:
    t = html.unescape(text).strip()
    sep = "," if lang == "fr" else "."
    return len(t.split(sep)[1]) if sep in t else 0


def cells(row: str) -> list[str]:
    return re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)


@pytest.fixture(scope="module")
def tables(demo_audit):
    read = lambda name, **kw: pd.read_csv(demo_audit / f"{name}.csv", **{"dtype": {"territory": str}, **kw})
    return {"scores": read("scores"), "measures": read("measures").set_index("territory"),
            "indicators": read("indicators").set_index("territory"), "national": read("national", dtype={"epci": str})}


@pytest.mark.parametrize("lang", LANGS)
def test_territory_indicator_tables_agree_with_the_audit(site, tables, lang):
    ind, nat = tables["indicators"], tables["national"]
    money = [c for c in ind.columns if "_eur" in c]
    checked = 0
    for tid in ind.index:
        page = (site / lang / "territories" / f"{tid}.html").read_text(encoding="utf-8")
        assert "Median of every EPCI in France" in page or "Médiane de tous les EPCI de France" in page
        for code, row in re.findall(r'<tr data-indicator="(\w+)">(.*?)</tr>', page, re.S):
            _name, shown, cand, epci, _lab, _score = cells(row)
            tol = 0.5 if decimals(shown, lang) == 0 else 0.05
            assert value(shown, lang) == pytest.approx(ind.at[tid, code], abs=tol), (tid, code)
            assert value(cand, lang) == pytest.approx(ind[code].median(), abs=tol), (tid, code)
            assert value(epci, lang) == pytest.approx(nat[code].median(), abs=0.5 if decimals(epci, lang) == 0 else 0.05)
            if code in money:   # money to the euro, never cents
                assert decimals(shown, lang) == 0 and decimals(cand, lang) == 0, (tid, code, shown)
            checked += 1
    assert checked >= len(ind.index) * 8


@pytest.mark.parametrize("lang", LANGS)
def test_the_counted_structures_and_initiatives_are_the_measures(site, tables, lang):
    m = tables["measures"]
    yes = "oui" if lang == "fr" else "yes"
    for tid in m.index:
        page = (site / lang / "territories" / f"{tid}.html").read_text(encoding="utf-8")
        structures = re.search(r'<tbody id="structure-rows">(.*?)</tbody>', page, re.S)
        rows = [cells(r) for r in re.findall(r"<tr>(.*?)</tr>", structures.group(1), re.S)] if structures else []
        counted = [r for r in rows if r[-1] == yes]
        assert len(counted) == m.at[tid, "support_structures"], tid
        assert sum(int(r[4] or 0) for r in counted) == m.at[tid, "support_capacity"], tid
        said = re.search(r'<p id="structures-counted">(.*?)</p>', page, re.S).group(1)
        n, places = [value(x, lang) for x in re.findall(r"(\d[\d\s\u202f\xa0,.]*?)(?= (?:of|des|places))", said)][:2]
        assert (n, places) == (m.at[tid, "support_structures"], m.at[tid, "support_capacity"]), (tid, said)
        initiatives = re.search(r'<tbody id="initiative-rows">(.*?)</tbody>', page, re.S)
        rows = [cells(r) for r in re.findall(r"<tr>(.*?)</tr>", initiatives.group(1), re.S)] if initiatives else []
        counted = [r for r in rows if r[-1] == yes]
        assert len(counted) == m.at[tid, "initiatives"], tid
        # the indicators table above says the same counts
        table = dict(re.findall(r'<tr data-indicator="(\w+)"><th scope="row">.*?</th><td class="num">(.*?)</td>', page))
        assert value(table["support_structures"], lang) == m.at[tid, "support_structures"]
        assert value(table["initiatives"], lang) == m.at[tid, "initiatives"]


@pytest.mark.parametrize("lang", LANGS)
def test_the_ranking_shows_the_scores_ranks_and_probabilities_of_scores_csv(site, tables, lang):
    s = tables["scores"].set_index("territory")
    page = (site / lang / "ranking.html").read_text(encoding="utf-8")
    body = re.search(r'<table class="data" id="ranking-table">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    assert len(rows) == len(s)
    for r in rows:
        tid = re.search(r'href="territories/([\w-]+)\.html"', r).group(1)
        c = cells(r)
        assert int(c[0]) == s.at[tid, "rank"]
        assert value(c[3], lang) == pytest.approx(s.at[tid, "score"], abs=0.05)
        assert c[4] == f"{int(s.at[tid, 'rank_p05'])}–{int(s.at[tid, 'rank_p95'])}"
        assert value(c[6], lang) == pytest.approx(100 * s.at[tid, "p_labelled"], abs=0.5)
    assert re.search(r'<p id="probability-explained">[^<]{120,}</p>', page)


@pytest.mark.parametrize("lang", LANGS)
def test_the_perimeter_map_has_a_legend_a_scale_and_place_names(site, lang):
    page = (site / lang / "territories" / "lyon.html").read_text(encoding="utf-8")
    svg = re.search(r'<svg class="map".*?</svg>', page, re.S).group(0)
    texts = [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]+)</text>", svg)]
    assert any(re.fullmatch(r"\d+ km", t) for t in texts)
    assert any("Lyon" in t for t in texts)
    assert '<g class="legend">' in svg and len([t for t in texts if len(t) > 12]) >= 3
