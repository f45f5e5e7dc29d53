"""Campaign files shipped with the package (``campaigns/metropoles-2014.toml``...), found by name."""
from __future__ import annotations

from importlib import resources
from pathlib import Path

from frenchtech.errors import ConfigError


def shipped_campaign(name: str) -> Path:
    """The path of a campaign shipped with the package, by name (e.g. ``metropoles-2014``)."""
    base = resources.files("frenchtech") / "campaigns"
    path = Path(str(base / f"{name}.toml"))
    if not path.exists():
        known = sorted(p.name[:-5] for p in base.iterdir() if p.name.endswith(".toml"))
        raise ConfigError(name, [f"no such campaign file or shipped campaign; shipped: {', '.join(known)}"])
    return path


def campaign_path(value: str) -> Path:
    """A campaign file path, or the name of a campaign shipped in ``campaigns/``."""
    p = Path(value)
    if p.exists() or p.suffix == ".toml":
        return p
    return shipped_campaign(value)
