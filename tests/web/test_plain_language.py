"""Plain language in the page's language: the fund allocation says what its certificate, limits and dual
prices mean, and names regions rather than the optimiser's keys."""
from __future__ import annotations

import re

import pytest
from django.test import Client

WORDS = {"en": ("Is this the best allocation?", "Limits reached", "score-weighted value"),
         "fr": ("Cette répartition est-elle la meilleure\xa0?", "Limites atteintes", "valeur pondérée par la note")}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_allocation_explains_itself_in_words(db, people, lang):
    c = Client(HTTP_ACCEPT_LANGUAGE=lang)
    c.force_login(people["fund"])
    c.post("/fund/applications/", {"generate": "1", "n": "40", "seed": "2"})
    page = c.post("/fund/allocation/", follow=True).content.decode()
    for words in WORDS[lang]:
        assert words in page
    visible = re.sub(r"(?s)<details>.*?</details>", "", page.split("<main", 1)[1])
    assert not re.findall(r"region:\w+|labelled_share|commit_at_least|\bbudget:", visible)
    assert "<code>" not in visible.split('id="reference"')[1]   # rules are named in words, not as code
    assert re.search(r'<p id="certificate-plain">\s*\S', page)
    binding = re.search(r'<ul id="binding">(.*?)</ul>', page, re.S)
    if binding:
        assert all(len(li) > 10 for li in re.findall(r"<strong>(.*?)</strong>", binding.group(1)))
