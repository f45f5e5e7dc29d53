"""Every command shown in docs/labelling.md exists, and every config key shown is accepted."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

from frenchtech.cli import main

DOC = Path(__file__).resolve().parents[2] / "docs" / "labelling.md"


def test_documented_commands_exist():
    text = DOC.read_text(encoding="utf-8")
    for cmd in re.findall(r"^frenchtech ([a-z-]+(?: [a-z-]+)?)", text, flags=re.MULTILINE):
        words = cmd.split()
        group = main.commands.get(words[0])
        assert group is not None, cmd
        if len(words) > 1 and hasattr(group, "commands"):
            assert words[1] in group.commands, cmd


def test_documented_campaign_settings_parse():
    from frenchtech.campaign import parse_campaign

    block = DOC.read_text(encoding="utf-8").split("```toml", 1)[1].split("```", 1)[0]
    doc = tomllib.loads(block)
    path = Path(__file__).resolve().parents[2] / "src/frenchtech/campaigns/metropoles-2015.toml"
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    for key in ("labelling", "eligibility", "validity", "chaining", "declared", "calendar", "overrides"):
        raw[key] = doc[key]
    c = parse_campaign(raw, source="docs/labelling.md", source_path=path)
    assert c.rules.tolerances == {"funding_eur": 0.5} and c.rules.overrides[0].territory == "annecy"
    assert c.rules.rule_for("thematic").threshold == 0.7 and c.predecessor == doc["campaign"]["predecessor"]
