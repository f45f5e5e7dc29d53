"""The campaign of a call: its campaign file, loaded through the campaign model. Dossier, jury and
deliberation services read the call's campaign here (not from one another).

Pages read the call's campaign on nearly every request, and parsing it resolves every territory's
perimeter: each process keeps the parsed campaign of each file and parses it again only when the file
changes (its size, modification time or inode). ``FRENCHTECH_CACHE=0`` turns the keeping off."""
from __future__ import annotations

import os
import threading
from pathlib import Path

from frenchtech.campaign import load_campaign

_parsed: dict[str, tuple[tuple, object]] = {}
_lock = threading.Lock()


def load_call_campaign(call):
    """The validated campaign (frenchtech.campaign.Campaign) of ``call``, from its campaign file.

    The campaign is shared by the requests of the process: read it, never change it."""
    if os.environ.get("FRENCHTECH_CACHE") == "0":
        return load_campaign(call.campaign_file)
    path = Path(call.campaign_file)
    try:
        st = path.stat()
    except OSError:  # a missing file: load_campaign says so, naming it
        return load_campaign(path)
    version = (st.st_mtime_ns, st.st_size, st.st_ino)
    key = str(path.resolve())
    hit = _parsed.get(key)
    if hit is not None and hit[0] == version:
        return hit[1]
    campaign = load_campaign(path)
    with _lock:
        _parsed[key] = (version, campaign)
    return campaign
