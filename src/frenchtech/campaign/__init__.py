"""Campaign configuration: a TOML file naming the candidates, the evidence window, the indicators,
the index method and the labelling rule. ``CampaignFile`` is its typed model (every key checked, an
unknown key refused); ``load_campaign`` validates a file and lists every error at once, each with its line."""
from frenchtech.campaign.config import (
    Campaign,
    IndicatorChoice,
    TerritorySpec,
    load_campaign,
    parse_campaign,
)
from frenchtech.campaign.model import CampaignFile

__all__ = ["Campaign", "CampaignFile", "IndicatorChoice", "TerritorySpec", "load_campaign", "parse_campaign"]
