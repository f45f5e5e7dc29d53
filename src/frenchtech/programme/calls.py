"""The campaign of a call: its campaign file, loaded through the campaign model. Dossier, jury and
deliberation services read the call's campaign here (not from one another)."""
from __future__ import annotations

from frenchtech.campaign import load_campaign


def load_call_campaign(call):
    """The validated campaign (frenchtech.campaign.Campaign) of ``call``, from its campaign file."""
    return load_campaign(call.campaign_file)
