"""The fund's explanations as codes with parameters, rendered from the one catalogue: every code in French
and English, the outputs' English text equal to the rendering of its codes, the allocation page in the
reader's language only, an allocation written without codes shown as written, and no sentence read back."""
from __future__ import annotations

import csv
import html
import inspect
import json
import re
from importlib import util
from pathlib import Path

import pytest
from django.test import Client

from frenchtech.fund import allocate, explain
from frenchtech.fund.outputs import read_allocation, write_allocation
from frenchtech.messages import TEMPLATES, Reason, catalogue, decode, render, render_fund

FUND = sorted(code for code in TEMPLATES if code.startswith("fund_"))
NBSP = "\u00a0"
CONDITIONS = [{"en": "A business model that can be profitable", "fr": "Un modèle économique qui peut être rentable"}]

# One example of every code the fund produces.
SAMPLES = {
    "fund_eliminated": {"conditions": CONDITIONS},
    "fund_cap_below_ticket": {"limit": "stake", "cap_eur": 812_345, "ticket_min_eur": 1_000_000},
    "fund_outscored": {},
    "fund_outscored_binding": {"rules": ["budget", "region:11"]},
    "fund_cannot_be_funded": {"rules": ["budget"]},
    "fund_cannot_be_funded_alone": {},
    "fund_at_cap": {"limit": "coinvest"},
    "fund_at_ticket_min": {},
    "fund_change_raise_cap": {"ticket_min_eur": 1_000_000},
    "fund_change_conditions": {"conditions": CONDITIONS},
    "fund_change_score": {"needed_score": 61.25, "current_score": 58.1},
    "fund_change_score_out_of_reach": {"needed_score": 104.5, "current_score": 58.1},
    "fund_change_score_estimate": {"estimated_score": 63.4},
    "fund_no_score_suffices": {},
    "fund_relax_budget": {"more_eur": 1_250_000},
    "fund_relax_labelled_share": {"short_eur": 2_760_020, "share": 0.8},
    "fund_relax_region": {"rule": "region:11", "share": 0.35, "over_eur": 420_000},
    "fund_relax_commit_at_least": {"most_eur": 86_199_914},
    "fund_relax_ticket_min": {"lower_eur": 12_500},
    "fund_relax_force": {"rule": "force:A00007", "application": "A00007"},
    "fund_relax_drop": {"rule": "labelled_share"},
    "fund_relax_other": {"rule": "ticket_min", "by_eur": 10},
    "fund_relax_in_conflict": {"rule": "budget"},
    "fund_every_allocation_empty": {"rules": ["region:11", "region:84"],
                                    "relax": [{"code": "fund_relax_region",
                                               "params": {"rule": "region:11", "share": 0.35, "over_eur": 420_000}}]},
    "fund_every_allocation_empty_limits": {},
    "fund_certificate_optimal": {"objective": "61234567.89", "dual_bound": "61234567.90", "relative_gap": 1.6e-10,
                                 "allocation_value": "61234560.12"},
    "fund_certificate_not_proven": {"value": "100.00", "bound": "110.00", "gap_percent": 0.0909},
    "fund_certificate_optimal_meaning": {"dual_bound": "61234567.90"},
    "fund_certificate_not_proven_meaning": {"value": "100.00", "bound": "110.00", "gap_percent": 0.0909},
    "fund_binding_budget": {"slack_eur": "0.35"},
    "fund_binding_labelled_share": {"share": 0.8, "slack_eur": "12.00"},
    "fund_binding_region": {"rule": "region:11", "region": "Île-de-France", "share": 0.35, "slack_eur": "3.50"},
    "fund_binding_commit_at_least": {"slack_eur": "1250000.50"},
    "fund_binding_other": {"rule": "ticket_min", "slack_eur": "0.00"},
    "fund_price_budget": {"per_euro": 0.812345},
    "fund_price_labelled_share": {"per_euro": 0.01234},
    "fund_price_region": {"rule": "region:82", "region": "Rhône-Alpes", "per_euro": 0.2},
    "fund_price_commit_at_least": {"per_euro": 0.05},
    "fund_price_other": {"rule": "ticket_min", "per_euro": 0.1},
}


def fragments(template: str) -> list[str]:
    """The literal pieces of a template with at least two words (a rule's key, such as commit_at_least,
    is the same in both languages)."""
    pieces = re.split(r"%\(\w+\)s|\w+_\w+", template)
    return [p.strip(" ,;:()." + NBSP) for p in pieces if len(re.findall(r"[^\W\d_]+", p)) >= 2]


def french(code: str) -> str:
    return catalogue("fr").gettext(TEMPLATES[code])


def test_every_fund_code_has_an_example_and_a_french_message():
    assert set(SAMPLES) == set(FUND)
    for code in FUND:
        assert french(code) != TEMPLATES[code], code
        assert catalogue("en").gettext(TEMPLATES[code]) == TEMPLATES[code], code


@pytest.mark.parametrize("code", FUND)
def test_each_fund_code_renders_in_each_language_without_the_other(code):
    reason = Reason(code, SAMPLES[code])
    en, fr = render(reason, "en"), render(reason, "fr")
    assert en and fr and "%(" not in en + fr
    for piece in fragments(TEMPLATES[code]):
        assert piece not in fr, (code, piece)
    for piece in fragments(french(code)):
        assert piece not in en, (code, piece)
    # French typography: a non-breaking space before ":", ";", "?" and "!"
    assert not re.search(r"[^\u00a0\u202f][:;?!](\s|$)", fr), fr


def test_french_money_numbers_and_words():
    r = Reason("fund_cap_below_ticket", SAMPLES["fund_cap_below_ticket"])
    assert render(r, "en") == "its cap (minority stake: EUR 812,345) is below the minimum ticket (EUR 1,000,000)"
    assert render(r, "fr") == ("son plafond (participation minoritaire\u00a0: 812\u202f345\u00a0€) est inférieur "
                               "au ticket minimum (1\u202f000\u202f000\u00a0€)")
    cert = Reason("fund_certificate_not_proven", SAMPLES["fund_certificate_not_proven"])
    assert render(cert, "en") == "NOT PROVEN OPTIMAL: value 100.00, bound 110.00, gap 9.0900%"
    assert render(cert, "fr") == "OPTIMALITÉ NON PROUVÉE\u00a0: valeur 100,00, borne 110,00, écart 9,0900\u00a0%"
    slack = Reason("fund_binding_commit_at_least", SAMPLES["fund_binding_commit_at_least"])
    assert "EUR 1,250,000.50 above it" in render(slack, "en") and "1\u202f250\u202f000,50\u00a0€" in render(slack, "fr")
    two = [Reason("fund_no_score_suffices"), Reason("fund_relax_budget", {"more_eur": 1_250_000})]
    assert render_fund(two, "en") == "no change of score suffices; budget: needs EUR 1,250,000 more available budget"
    assert render_fund(two, "fr") == ("aucun changement de score ne suffit\u00a0; budget\u00a0: il manque "
                                      "1\u202f250\u202f000\u00a0€ de budget disponible")
    assert render(Reason("fund_eliminated", {"conditions": CONDITIONS}), "fr") == \
        "éliminée\u00a0: Un modèle économique qui peut être rentable"
    with pytest.raises(ValueError):
        Reason("fund_relax_budget", {"more_eur": float("nan")})


# -- the outputs: English text and codes side by side ------------------------------------------------

@pytest.fixture(scope="module")
def written(fund2014, apps60, assessed60, tmp_path_factory):
    alloc = allocate(apps60, assessed60, fund2014.rules)
    expl = explain(alloc, resolve_limit=1, vintage=fund2014.vintage)
    out = tmp_path_factory.mktemp("alloc")
    write_allocation(out, alloc, apps60, expl, fund2014, generated=True)
    return out


def _texts_and_codes(entry: dict):
    for key in list(entry):
        if key.endswith("_code"):
            field = key[:-5]
            yield field, entry[field], decode(entry[key], entry[f"{field}_params"])


def test_the_english_text_written_is_the_rendering_of_its_codes(written):
    doc, rows = read_allocation(written)
    with open(written / "allocation.csv", newline="", encoding="utf-8") as fh:
        header = next(csv.reader(line for line in fh if not line.startswith("#")))
    for field in ("limited_by", "reason", "change"):
        assert {field, f"{field}_code", f"{field}_params"} <= set(header)
    seen = set()
    entries = rows + [doc] + doc["binding"] + doc["shadow_prices"] + doc["funded"] + doc["rejected"]
    for entry in entries:
        for field, text, reasons in _texts_and_codes(entry):
            assert render_fund(reasons, "en") == text, (field, text)
            seen |= {r.code for r in reasons}
            for r in reasons:   # parameters survive JSON exactly; money is never a float
                assert json.loads(json.dumps(dict(r.params))) == dict(r.params)
                assert not any(isinstance(v, float) for k, v in r.params.items() if k.endswith("_eur"))
    assert {"fund_certificate_optimal", "fund_certificate_optimal_meaning", "fund_eliminated",
            "fund_change_conditions"} <= seen
    assert any(c.startswith("fund_price_") for c in seen) and any(c.startswith("fund_binding_") for c in seen)
    assert seen & {"fund_at_cap", "fund_at_ticket_min"}
    assert seen & {"fund_outscored", "fund_outscored_binding"}
    assert seen & {"fund_change_score", "fund_change_score_out_of_reach"} and "fund_change_score_estimate" in seen
    assert doc["certificate"].startswith("OPTIMAL (proven by branch and bound")
    assert isinstance(doc["certificate_params"], list) and doc["certificate_code"] == "fund_certificate_optimal"


# -- the allocation page in the reader's language ----------------------------------------------------

@pytest.fixture
def manager(db, settings, tmp_path):
    from frenchtech.programme.accounts.models import Role
    from frenchtech.programme.accounts.services import create_person

    settings.PRIVATE_FILES_ROOT = tmp_path / "private-files"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call = tmp_path / "batch.toml"   # a tight envelope: the budget binds and has a shadow price
    call.write_text('[call]\nid = "batch"\nrules = "fund-2014"\nbudget_eur = "30000000"\n', encoding="utf-8")
    settings.FUND_CALL = str(call)
    user = create_person("fund-reasons", "correct-horse-battery-9", Role.FUND_MANAGER)

    def client(lang):
        c = Client(HTTP_ACCEPT_LANGUAGE=lang)
        c.force_login(user)
        c.cookies["django_language"] = lang
        return c
    return client


def _page(client, url="/fund/allocation/") -> str:
    return html.unescape(client.get(url).content.decode())


def _allocated(manager):
    en = manager("en")
    en.post("/fund/applications/", {"generate": "1", "n": "40", "seed": "3"})
    assert en.post("/fund/allocation/").status_code == 302
    return en, manager("fr")


def test_the_french_page_has_no_english_template_and_the_english_page_no_french(manager):
    en, fr = _allocated(manager)
    page_en, page_fr = _page(en), _page(fr)
    assert "Optimalité prouvée" in page_fr and "Proven optimal" in page_en
    assert "OPTIMALE (prouvée par séparation et évaluation" in page_fr
    assert "OPTIMAL (proven by branch and bound" in page_en
    assert "Chaque euro de plus permis par cette limite élèverait la valeur pondérée par la note de" in page_fr
    assert "Each euro more this limit allowed would raise the score-weighted value by" in page_en
    assert "Budget disponible</strong>\u00a0: marge restante" in page_fr
    assert "éliminée" in page_fr and "eliminated:" in page_en
    for code in FUND:
        for piece in fragments(TEMPLATES[code]):
            assert piece not in page_fr, (code, piece)
        for piece in fragments(french(code)):
            assert piece not in page_en, (code, piece)


def test_infeasible_rules_are_explained_in_the_page_language(manager, settings, tmp_path):
    call = tmp_path / "call.toml"
    call.write_text('[call]\nid = "strict"\nrules = "fund-2014"\nbudget_eur = "200000000"\n\n'
                    '[rules]\ncommit_at_least_eur = "190000000"\n', encoding="utf-8")
    settings.FUND_CALL = str(call)
    en, fr = manager("en"), manager("fr")
    en.post("/fund/applications/", {"generate": "1", "n": "12", "seed": "3"})
    page_fr = html.unescape(fr.post("/fund/allocation/").content.decode())
    page_en = html.unescape(en.post("/fund/allocation/").content.decode())
    assert "commit_at_least\u00a0: " in page_fr and "au plus peuvent être engagés" in page_fr
    assert "commit_at_least: at most EUR" in page_en
    assert "can be committed" not in page_fr


def test_an_allocation_written_without_codes_shows_its_text_as_written(manager):
    from frenchtech.programme.fund import desk

    en, fr = _allocated(manager)
    folder = desk.folder(desk.fund()) / "allocation"
    doc, rows = read_allocation(folder)

    def strip(x):
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if not k.endswith(("_code", "_params"))}
        return [strip(v) for v in x] if isinstance(x, list) else x
    (folder / "explanation.json").write_text(json.dumps(strip(doc)), encoding="utf-8")
    columns = [c for c in rows[0] if not c.endswith(("_code", "_params"))]
    with open(folder / "allocation.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    page = _page(fr)
    assert doc["certificate"] in page
    rejected = next(r for r in rows if r["funded"] != "true" and r["reason"])
    assert rejected["reason"] in page and rejected["change"] in page


# -- no sentence read back ---------------------------------------------------------------------------

def test_no_regular_expression_in_the_fund_rendering_path():
    from frenchtech import messages
    from frenchtech.fund import allocate as allocate_module
    from frenchtech.fund import diagnose, explain as explain_module, model, outputs
    from frenchtech.programme.fund import desk
    from frenchtech.web.templatetags import programme
    from frenchtech.web.views import fund

    assert util.find_spec("frenchtech.web.fund_text") is None
    for module in (messages, allocate_module, diagnose, explain_module, model, outputs, desk, programme, fund):
        source = inspect.getsource(module)
        assert not re.search(r"\bre\.\w+\(", source), module.__name__
        assert "import re\n" not in source and "from re import" not in source, module.__name__
    template = Path(fund.__file__).parents[1] / "templates" / "web" / "fund_allocation.html"
    assert "|explained:fund" not in template.read_text(encoding="utf-8")
