"""Translated labels for the vocabulary of the core (declared figures, narrative sections, decisions)."""
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

FIGURES = {
    "tech_establishments_created": gettext_noop("Tech establishments created"),
    "tech_establishments_active": gettext_noop("Tech establishments active"),
    "new_companies": gettext_noop("New companies"),
    "funding_eur": gettext_noop("Funding raised (EUR)"),
    "funding_rounds": gettext_noop("Funding rounds"),
    "support_structures": gettext_noop("Support structures"),
    "support_capacity": gettext_noop("Support capacity (places)"),
    "initiatives": gettext_noop("Entrepreneurial initiatives"),
    "initiative_participants": gettext_noop("Initiative participants"),
}
SECTIONS = {
    "ecosystem": gettext_noop("Existing ecosystem"),
    "ambition": gettext_noop("Growth ambition"),
    "federation": gettext_noop("Entrepreneur-led federation of actors"),
    "accelerators": gettext_noop("Private accelerators"),
    "flagship": gettext_noop("Flagship place"),
    "international": gettext_noop("International attractiveness"),
}
DECISIONS = {
    "labelled": gettext_noop("labelled"),
    "not_selected": gettext_noop("not selected"),
    "deferred": gettext_noop("deferred"),
    "renewed": gettext_noop("renewed"),
    "confirmed": gettext_noop("confirmed"),
    "withdrawn": gettext_noop("withdrawn"),
    "ineligible": gettext_noop("ineligible"),
}
# Label kinds of the campaign files (candidates' ``kind``); an unknown kind is shown as written.
KINDS = {
    "metropole": gettext_noop("French Tech metropolis"),
    "thematic": gettext_noop("French Tech thematic network"),
}
FIELDS = {"name": gettext_noop("Name"), "perimeter": gettext_noop("Perimeter"), "file": gettext_noop("File")}


def figure(key: str) -> str:
    return _(FIGURES[key]) if key in FIGURES else key


def section(key: str) -> str:
    return _(SECTIONS[key]) if key in SECTIONS else key


def decision(key: str) -> str:
    return _(DECISIONS[key]) if key in DECISIONS else key


def kind(key: str) -> str:
    return _(KINDS[key]) if key in KINDS else str(key or "").replace("_", " ")


def field(key: str) -> str:
    if key.startswith("declared_"):
        return figure(key[len("declared_"):])
    if key.startswith("narrative_"):
        return section(key[len("narrative_"):])
    return _(FIELDS[key]) if key in FIELDS else key
