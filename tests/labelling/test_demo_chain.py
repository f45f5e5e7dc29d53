"""The main job on the shipped chained campaign: `frenchtech demo --campaign metropoles-2015` demos
its predecessor first and re-audits the 2014 labels against it."""
from __future__ import annotations

import json

import pandas as pd
from click.testing import CliRunner

from frenchtech.cli import main


def test_demo_of_a_chained_campaign_runs_its_predecessor_first(tmp_path):
    r = CliRunner().invoke(main, ["demo", "--campaign", "metropoles-2015", "--rows", "3000", "--workdir", str(tmp_path)])
    assert r.exit_code == 0, r.output
    first = pd.read_csv(tmp_path / "metropoles-2014" / "audit" / "decisions.csv", dtype=str)
    second = pd.read_csv(tmp_path / "audit" / "decisions.csv", dtype=str)
    assert "labelled" in set(first["decision"])
    # the 2014 labels are re-audited in 2015 (confirmed, warned or withdrawn), not forgotten
    assert set(first.loc[first["decision"] == "labelled", "territory"]) & set(second["territory"])
    inputs = json.loads((tmp_path / "audit" / "manifest.json").read_text())["inputs"]
    assert any("predecessor" in key for key in inputs)
    assert (tmp_path / "showcase" / "fr" / "index.html").is_file() and (tmp_path / "jury-report.html").is_file()
