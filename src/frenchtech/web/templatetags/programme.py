"""Template filters for the core's vocabulary, translated."""
from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from frenchtech.indicators import indicator_label
from frenchtech.messages import euros, render_columns, render_fund
from frenchtech.web import labels_text, numbers

register = template.Library()


@register.filter
def figure(key):
    return labels_text.figure(key)


@register.filter
def indicator(key):
    """An indicator's name in the page's language (from the indicator catalogue)."""
    return indicator_label(key, get_language() or "fr")


@register.filter
def decision(key):
    return labels_text.decision(key) if key else "—"


@register.filter
def criterion(c):
    lang = (get_language() or "fr")[:2]
    return c.get(f"label_{lang}") or c.get("label_en") or c["id"]


@register.filter
def in_language(item):
    """A rule's label in the page's language: ``label_fr`` on French pages when given, else ``label``."""
    if (get_language() or "fr")[:2] == "fr" and getattr(item, "label_fr", ""):
        return item.label_fr
    return item.label


@register.filter
def number(value, decimals: int = 3):
    """A number in the page's language, without trailing zeros."""
    return numbers.number(value, decimals)


@register.filter
def explained(entry, field):
    """The fund's explanation ``field`` of ``entry`` (a row of allocation.csv, an entry of
    explanation.json) in the page's language, rendered from its ``<field>_code`` and ``<field>_params``;
    an allocation written without codes shows its text as written."""
    if not entry:
        return ""
    rendered = render_columns(entry, field, (get_language() or "fr")[:2], render_fund)
    return entry.get(field, "") if rendered is None else rendered


@register.filter
def plain(value):
    """A logged value as people read it: ``key: value`` pairs, "–" for nothing (not Python's repr)."""
    if value is None or value == "":
        return ""
    if isinstance(value, dict):
        return "; ".join(f"{k}: {plain(v) if v not in (None, '') else '–'}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(plain(v) for v in value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


@register.filter(name="euros")
def euros_filter(value):
    """An amount with its currency, as the page's language writes it: 1 000 000,00 € (FR), €1,000,000.00 (EN)."""
    return euros((get_language() or "fr")[:2], value)


@register.simple_tag
def colon():
    """': ' after a label; French typography puts a non-breaking space before the colon (the catalogue's
    "punctuation" context, shared with the reports)."""
    return pgettext("punctuation", ":") + " "
