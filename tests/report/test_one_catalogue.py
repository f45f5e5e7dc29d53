"""One catalogue, one language per page: every French page and report (static showcase, jury report,
fund allocation, the platform's pages for every role in every phase of a call) shows no message of the
English catalogue, and every English one no French message of the catalogue."""
from __future__ import annotations

import html
import importlib.util
import re
from functools import lru_cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.test import Client

from frenchtech.messages import LOCALE_DIR

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("_frenchtech_web_conftest_catalogue", ROOT / "tests" / "web" / "conftest.py")
_web = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_web)
# the platform's fixtures (a call, people of every role, two submitted dossiers) come from the web tests
audit_dir, call, people, dossiers, _web_settings = _web.audit_dir, _web.call, _web.people, _web.dossiers, _web._web_settings

PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|%[sdf%]|\{\w*\}")
WORD = re.compile(r"\w+")
CODE = re.compile(r"[a-z_]+")
# The language names stay in their own language on purpose (the language switch of every page).
OWN_LANGUAGE = {"English", "Français", "French", "Anglais"}


def _plain(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def _fragments(message: str) -> list[str]:
    """The literal parts of a message between its placeholders, as a reader sees them."""
    return [_plain(f).strip(" .,:;()'\"–—-/·") for f in PLACEHOLDER.split(message)]


def _telling(fragment: str) -> bool:
    # Very short words ("none", "Gap", "API", "of the") and codes read the same in many places of the
    # other language (a column name, an identifier, a territory's name): only one word of at least five
    # letters, or several words with at least eight letters, tell which language a page is in.
    # A single lower-case identifier ("decision", "submitted", "labelled") may be a code the page shows
    # as data (a column of the data dictionary, a status in the activity log), not a message.
    words = WORD.findall(fragment)
    if not words or not any(c.isalpha() for c in fragment) or fragment in OWN_LANGUAGE:
        return False
    if CODE.fullmatch(fragment):
        return False
    return len(words[0]) >= 5 if len(words) == 1 else sum(map(len, words)) >= 8


@lru_cache(maxsize=None)
def _messages() -> dict[str, set[str]]:
    """{"en": English texts whose French differs, "fr": those French texts}, fragments between
    placeholders; a fragment the other language's side also uses (a proper name such as "French Tech",
    "Métropole French Tech", "Sobol", "COINr", "EPCI", a code) is ambiguous and left out."""
    with open(LOCALE_DIR / "fr" / "LC_MESSAGES" / "django.po", "rb") as f:
        catalogue = read_po(f)
    en, fr, all_en, all_fr = set(), set(), set(), set()
    for m in catalogue:
        if not m.id or not m.string or m.context in ("punctuation", "separator", "fund separator"):
            continue
        ids = m.id if isinstance(m.id, (list, tuple)) else (m.id,)
        strings = m.string if isinstance(m.string, (list, tuple)) else (m.string,)
        if not any(strings):
            continue
        en_parts = {p for i in ids for p in _fragments(i)}
        fr_parts = {p for s in strings if s for p in _fragments(s)}
        all_en |= en_parts
        all_fr |= fr_parts
        en |= en_parts - fr_parts
        fr |= fr_parts - en_parts
    every_en, every_fr = " | ".join(sorted(all_en)), " | ".join(sorted(all_fr))
    return {"en": {x for x in en if _telling(x) and not _within(x, every_fr)},
            "fr": {x for x in fr if _telling(x) and not _within(x, every_en)}}


def _within(fragment: str, text: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(fragment) + r"(?!\w)", text) is not None


def _text(page: str, data: frozenset[str] = frozenset()) -> str:
    """What a reader sees of ``page``: no tags, scripts or codes (``<code>``), nor the ``data`` (names of
    structures, initiatives, applications, what a team typed), which are in the language they were written in."""
    page = re.sub(r"(?is)<(script|style|code)\b.*?</\1>", " ", page)
    # what assistive technology reads or a tooltip shows is seen too
    page += "".join(f"<br>{v}" for v in re.findall(
        r'\s(?:aria-label|title|alt|placeholder|data-details)="([^"]*)"', page))
    # a tag ends a phrase: the end of a cell and the start of the next one are not one sentence
    text = "\n".join(_plain(html.unescape(part)) for part in re.split(r"(?s)<[^>]+>", page))
    for name in sorted(data, key=len, reverse=True):
        text = text.replace(_plain(name), " ") if name else text
    return text


def leaks(page: str, lang: str, data: frozenset[str] = frozenset()) -> set[str]:
    """Messages of the other language's catalogue found in ``page`` (HTML of a page in ``lang``)."""
    text = _text(page, data)
    words = set(WORD.findall(text))
    other = _messages()["en" if lang == "fr" else "fr"]
    return {m for m in other if WORD.findall(m)[0] in words and m in text and _within(m, text)}


def assert_one_language(pages: dict[str, str], lang: str, data=frozenset()):
    found = {name: sorted(leaks(page, lang, frozenset(data))) for name, page in pages.items()}
    found = {k: v for k, v in found.items() if v}
    assert not found, f"{lang} pages show the other language's messages: {found}"
    # one way to group digits in French everywhere: U+202F NARROW NO-BREAK SPACE (Babel's, CLDR's)
    grouped = {k: m.group() for k, page in pages.items() if (m := re.search(r"\d\u00a0\d{3}(?!\d)", page))}
    assert lang != "fr" or not grouped, f"digits grouped by U+00A0 instead of U+202F: {grouped}"


def test_the_catalogue_yields_telling_messages():
    m = _messages()
    assert "Map of the candidate territories" in m["en"] and "Carte des territoires candidats" in m["fr"]
    assert "Rank" not in m["en"] and "French Tech" not in m["en"]
    assert leaks("<p>Classement et <b>Map of the candidate territories</b></p>", "fr") == {
        "Map of the candidate territories"}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_static_showcase_and_jury_report(site, demo_audit, lang):
    from frenchtech.report.jury import render_jury
    from frenchtech.report.showcase import Showcase
    from frenchtech.report.audit_data import load_audit

    pages = {str(p.relative_to(site)): p.read_text(encoding="utf-8") for p in sorted((site / lang).rglob("*.html"))}
    assert f"{lang}/jury.html" in pages and any("territories/" in p for p in pages)
    audit = load_audit(demo_audit)
    site_ = Showcase([audit])
    pages["standalone jury report"] = render_jury(audit, lang, site=site_)
    # names of the evidence and of the public record, written in French whatever the page's language
    data = {r["name"] for kind in ("structures", "initiatives") for r in site_.directory_rows(kind)}
    data |= {r["ecosystem"] for t in audit.territories for r in site_.public_record(lang, t["id"])}
    assert_one_language(pages, lang, data)
    # the jury report's method names the index's steps in words, not by their codes
    assert not re.findall(r"<dt>(?:denominate|impute|screen|treat|normalise|aggregate)</dt>", pages[f"{lang}/jury.html"])


def _client(user, lang: str) -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE=lang)
    if user is not None:
        c.force_login(user)
    return c


def _visit(clients: dict, urls: list[str], lang: str, label: str) -> dict[str, str]:
    pages = {}
    for role, c in clients.items():
        for url in urls:
            r = c.get(url)
            if r.status_code < 500 and r.get("Content-Type", "").startswith("text/html"):
                pages[f"{label} {role} {url} ({r.status_code})"] = r.content.decode()
    return pages


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_platform_pages_of_every_role_in_every_phase(call, people, dossiers, lang):
    from frenchtech.programme.jury.services import assign

    lyon = dossiers["lyon"].pk
    urls = ["/", f"/public/{call.campaign}/", "/accounts/login/", "/accounts/register/", "/dossiers/",
            "/dossiers/new/", f"/dossiers/{lyon}/", f"/dossiers/{lyon}/edit/", "/jury/", f"/jury/review/{lyon}/",
            "/jury/assign/", "/jury/reminders/", "/deliberation/", f"/deliberation/{lyon}/", "/deliberation/publish/",
            "/programme/calendar/", "/programme/activity/", "/fund/", "/fund/ledger/", "/fund/report/"]
    clients = {"visitor": _client(None, lang), **{k: _client(people[k], lang) for k in ("admin", "lyon", "juror", "fund")}}
    pages = {}
    for phase in ("upcoming", "open", "review", "deliberation", "published"):
        _web.set_phase(call, phase)
        if phase == "review":
            assign(people["juror"], dossiers["lyon"])
        pages.update(_visit(clients, urls, lang, phase))
    assert sum("(200)" in k for k in pages) > 50
    typed = {v for v in _web.NARRATIVE.values()} | {"Incubator", "Startup weekend"}   # what the teams wrote
    assert_one_language(pages, lang, typed)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_fund_allocation_pages(people, lang):
    from frenchtech.programme.fund import desk as fund_desk

    manager = _client(people["fund"], lang)
    manager.post("/fund/applications/", {"generate": "1", "n": "15", "seed": "2"})
    pages = {"allocation (POST)": manager.post("/fund/allocation/", follow=True).content.decode()}
    pages.update(_visit({"fund": manager}, ["/fund/", "/fund/applications/", "/fund/applications/A00001/",
                                            "/fund/allocation/", "/fund/ledger/", "/fund/report/"], lang, "fund"))
    assert "(200)" in " ".join(pages)
    names = {a.accelerator for a in fund_desk.applications(fund_desk.fund())}   # the applicants' own names
    assert_one_language(pages, lang, names)
