"""The jury report in plain language: the index's method as sentences with its parameters in a table
(never ``f1=winsorise, kurt_thresh=3.5``), and a correlation heat map labelled on both axes."""
from __future__ import annotations

import html
import re

import pytest

from frenchtech.report.audit_data import load_audit
from frenchtech.report.jury import render_jury
from frenchtech.report.stats import index_spec

SAYS = {"en": ("Outlier treatment", "winsorisation", "lowest candidate scores 0 and the highest 100", "3.5"),
        "fr": ("Traitement des valeurs aberrantes", "winsorisation", "le candidat le plus bas obtienne 0 et le plus haut 100",
               "3,5")}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_method_is_prose_and_its_parameters_a_table(demo_audit, lang):
    audit = load_audit(demo_audit)
    page = render_jury(audit, lang)
    method = re.search(r'<section id="method">(.*?)</section>', page, re.S).group(1)
    text = html.unescape(re.sub(r"<[^>]+>", " ", method))
    assert not re.search(r"\w+=\S", text)                       # no raw key=value configuration
    step, word, normalised, kurt = SAYS[lang]
    assert step in text and word in text and normalised in text
    dd = re.findall(r"<dd>(.*?)</dd>", method.split('id="method-steps"')[1].split("</dl>")[0], re.S)
    assert all(len(d) > 40 for d in dd[:len(index_spec(audit))])   # a sentence per step
    table = re.search(r'<table class="data" id="method-parameters">(.*?)</table>', method, re.S).group(1)
    rows = {c: v for c, v in re.findall(r"<th scope=\"row\"><code>(\w+)</code></th><td>([^<]*)</td>", table)}
    spec = index_spec(audit)
    assert set(rows) == {k for p in spec.values() if isinstance(p, dict) for k in p}
    assert rows["kurt_thresh"] == kurt and rows["f1"] == spec["treat"]["f1"]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_heat_map_labels_both_axes(demo_audit, lang):
    page = render_jury(load_audit(demo_audit), lang)
    svg = re.search(r'<svg class="chart"[^>]*aria-label="[^"]*(?:Pearson)[^"]*".*?</svg>', page, re.S).group(0)
    columns = re.findall(r'font-weight="700" text-anchor="middle"><title>([^<]+)</title>(\d+)</text>', svg)
    rows = re.findall(r'text-anchor="end">(\d+)\. ', svg)
    assert len(columns) == len(rows) >= 5
    assert [int(n) for _t, n in columns] == [int(n) for n in rows] == list(range(1, len(rows) + 1))
    assert all(t.startswith(f"{n}. ") for t, n in columns)
