"""Numbers written in the page's language."""
from __future__ import annotations

from decimal import Decimal

from django.utils.formats import number_format


def number(value, decimals: int = 3) -> str:
    """``value`` with at most ``decimals`` decimals and no trailing zeros (16.7 years, not 16.700),
    grouped and punctuated as the page's language does."""
    if value in (None, ""):
        return "–"
    d = Decimal(str(value)).quantize(Decimal(1).scaleb(-int(decimals))).normalize()
    return number_format(d, max(0, -d.as_tuple().exponent), use_l10n=True, force_grouping=True)
