"""Errors of the index engine: each message names the element at fault."""
from __future__ import annotations

from frenchtech.errors import ConfigError


class IndexInputError(ConfigError, ValueError):
    """Bad iData/iMeta/spec input. ``errors`` lists every problem found, each naming its element."""
