"""Campaign configuration: a TOML file naming the candidates, the evidence window, the indicators,
the index method and the labelling rule. ``load_campaign`` validates it and lists every error at once."""
from frenchtech.campaign.config import (
    Campaign,
    IndicatorChoice,
    TerritorySpec,
    load_campaign,
    parse_campaign,
)

__all__ = ["Campaign", "IndicatorChoice", "TerritorySpec", "load_campaign", "parse_campaign"]
