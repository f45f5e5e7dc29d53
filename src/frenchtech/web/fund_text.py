"""The allocation's explanations in the page's language.

The fund's core writes its explanations in English (allocation.csv, explanation.json, the command
line); the fund managers' pages show them in French too. Each known sentence is matched whole and
rebuilt with French words and French number formats; anything unknown is shown as written.
"""
from __future__ import annotations

import re

from django.utils.translation import get_language

from frenchtech.web.numbers import number

LIMITS_FR = {"requested": "montant demandé", "coinvest": "co-investissement privé", "ticket_max": "ticket maximum",
             "stake": "participation minoritaire"}
MEANINGS_FR = {
    "score-weighted value of one more euro of budget": "valeur (pondérée par les scores) d'un euro de budget en plus",
    "value lost per euro of extra labelled-ecosystem money required":
        "valeur perdue par euro de plus exigé dans les écosystèmes labellisés",
    "value of one more euro of room under this region's cap": "valeur d'un euro de marge en plus sous le plafond de cette région",
    "value lost per euro of extra minimum commitment": "valeur perdue par euro d'engagement minimum en plus",
}


def _eur(text: str) -> str:
    """'EUR 1,000,000' -> '1 000 000 €'."""
    return f"{number(float(text.replace(',', '')), 0)} €"


def _score(text: str) -> str:
    return number(float(text), 2)


def _conditions(text: str, labels_fr: dict[str, str]) -> str:
    return "; ".join(labels_fr.get(c.strip(), c.strip()) for c in text.split(";"))


def _patterns(labels_fr):
    return [
        (r"cap \((\w+)\)", lambda m: f"plafond ({LIMITS_FR.get(m[1], m[1])})"),
        (r"minimum ticket", lambda m: "ticket minimum"),
        (r"eliminated: (.+)", lambda m: f"éliminée : {_conditions(m[1], labels_fr)}"),
        (r"meet the condition\(s\): (.+)", lambda m: f"remplir la ou les conditions : {_conditions(m[1], labels_fr)}"),
        (r"outscored: (.+) leave\(s\) no room at its score",
         lambda m: f"devancée : {m[1]} ne laisse(nt) pas de place à son score"),
        (r"outscored: the funded applications bring more value",
         lambda m: "devancée : les candidatures financées apportent plus de valeur"),
        (r"its cap \((\w+): EUR ([\d,]+)\) is below the minimum ticket \(EUR ([\d,]+)\)",
         lambda m: f"son plafond ({LIMITS_FR.get(m[1], m[1])} : {_eur(m[2])}) est inférieur au ticket minimum "
                   f"({_eur(m[3])})"),
        (r"raise its cap to EUR ([\d,]+) \(more private co-investment or a higher valuation\), or lower the minimum ticket",
         lambda m: f"porter son plafond à {_eur(m[1])} (plus de co-investissement privé ou une valorisation plus "
                   "élevée), ou abaisser le ticket minimum"),
        (r"a score of ([\d.]+) instead of ([\d.]+)(.*)",
         lambda m: f"un score de {_score(m[1])} au lieu de {_score(m[2])}{m[3]}"),
        (r"a score of about ([\d.]+) \(estimate from the shadow prices, not re-solved\)",
         lambda m: f"un score d'environ {_score(m[1])} (estimation par les prix duaux, sans nouvelle résolution)"),
        (r"cannot be funded under the rules in this batch \((.+)\)",
         lambda m: f"ne peut pas être financée sous les règles de ce lot ({m[1]})"),
    ]


def explain(text: str, labels_fr: dict[str, str] | None = None) -> str:
    """``text`` in the page's language (French when the page is French)."""
    if not text or (get_language() or "fr")[:2] != "fr":
        return text
    if text in MEANINGS_FR:
        return MEANINGS_FR[text]
    for pattern, build in _patterns(labels_fr or {}):
        m = re.fullmatch(pattern, text)
        if m:
            return build(m)
    return text
