"""The main job end to end through the command line: generate, audit, read the artefacts."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from frenchtech.cli import main


def test_generate_then_audit(tmp_path):
    runner = CliRunner()
    ev, out = tmp_path / "evidence", tmp_path / "out"
    r = runner.invoke(main, ["generate", "--campaign", "campaigns/metropoles-2014.toml", "--rows", "30000",
                             "--seed", "1", "--out", str(ev)])
    assert r.exit_code == 0, r.output
    assert "GENERATED" in r.output
    r = runner.invoke(main, ["audit", "--campaign", "campaigns/metropoles-2014.toml", "--evidence", str(ev),
                             "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "GENERATED EVIDENCE" in r.output
    scores = pd.read_csv(out / "scores.csv")
    decisions = pd.read_csv(out / "decisions.csv")
    assert len(scores) == len(decisions) == 16
    assert sorted(scores["rank"]) == list(range(1, 17))
    assert (decisions["decision"] == "labelled").sum() == 10  # quota 9 + Paris (automatic)
    assert decisions.set_index("territory").loc["paris", "decision"] == "labelled"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["generated_evidence"] is True
    assert manifest["seed"] == 2014
    assert "establishments" in manifest["inputs"]
    assert set(manifest["outputs"]) >= {"indicators.csv", "scores.csv", "decisions.csv"}
    indicators = pd.read_csv(out / "indicators.csv", dtype={"territory": str})
    assert indicators.set_index("territory").loc["lyon", "population"] == 1333699
    # the national reference: every EPCI of the 2014 geography, same indicators
    national = pd.read_csv(out / "national.csv", dtype={"epci": str}).set_index("epci")
    assert len(national) > 2000
    assert national.loc["246900245", "population"] == 1333699  # CU de Lyon = the Lyon candidate
    lyon = indicators.set_index("territory").loc["lyon"]
    for col in ("tech_created_per_10k", "funding_eur", "support_structures"):
        assert national.loc["246900245", col] == pytest.approx(lyon[col])


def test_bad_input_exits_with_a_clear_error(tmp_path):
    shutil.copytree(Path(__file__).parents[1] / "sources" / "fixtures" / "valid", tmp_path / "ev")
    (tmp_path / "ev" / "StockEtablissement_utf8.csv").write_text("siren,nic\n1,2\n")
    r = CliRunner().invoke(main, ["audit", "--campaign", "campaigns/metropoles-2014.toml",
                                  "--evidence", str(tmp_path / "ev"), "--out", str(tmp_path / "out")])
    assert r.exit_code == 2
    assert "codeCommuneEtablissement" in r.output
    assert not (tmp_path / "out").exists()  # nothing half-written
