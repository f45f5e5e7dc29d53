"""Report fixtures: one generated 2014 demo audit and its static export, shared by the whole module set."""
from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artefacts" / "screenshots"


def _web_conftest():
    spec = importlib.util.spec_from_file_location("_frenchtech_web_conftest", ROOT / "tests" / "web" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The system Chromium launch arguments are defined once, with the web platform's browser tests.
browser_type_launch_args = _web_conftest().browser_type_launch_args


@pytest.fixture(scope="session")
def demo_audit(tmp_path_factory) -> Path:
    """GENERATED evidence and its audit for the real 2014 campaign (a small register)."""
    from frenchtech.audit import run_audit
    from frenchtech.campaign import load_campaign
    from frenchtech.campaign.shipped import shipped_campaign
    from frenchtech.sources.generate import generate_evidence

    base = tmp_path_factory.mktemp("demo2014")
    campaign = load_campaign(shipped_campaign("metropoles-2014"))
    generate_evidence(campaign, base / "evidence", rows=20_000, seed=campaign.seed)
    run_audit(campaign, base / "evidence", base / "audit")
    return base / "audit"


@pytest.fixture(scope="session")
def audit_2015(demo_audit, tmp_path_factory) -> Path:
    """The second wave (2015), chained to the 2014 audit: re-audited labels and new candidates."""
    from frenchtech.audit import run_audit
    from frenchtech.campaign import load_campaign
    from frenchtech.campaign.shipped import shipped_campaign
    from frenchtech.sources.generate import generate_evidence

    base = tmp_path_factory.mktemp("demo2015")
    campaign = load_campaign(shipped_campaign("metropoles-2015"))
    generate_evidence(campaign, base / "evidence", rows=20_000, seed=campaign.seed)
    shutil.copytree(demo_audit, base / "evidence" / "predecessor")
    run_audit(campaign, base / "evidence", base / "audit")
    return base / "audit"


@pytest.fixture(scope="session")
def audit_without_uncertainty(demo_audit, tmp_path_factory) -> Path:
    """The audit as written before any uncertainty analysis: no rank interval, no Sobol indices."""
    folder = tmp_path_factory.mktemp("certain") / "audit"
    shutil.copytree(demo_audit, folder)
    scores = pd.read_csv(folder / "scores.csv")
    scores.drop(columns=[c for c in scores.columns if c.startswith("rank_") or c == "p_labelled"]).to_csv(
        folder / "scores.csv", index=False)
    (folder / "index" / "sobol.csv").unlink(missing_ok=True)
    return folder


@pytest.fixture(scope="session")
def audit_with_uncertainty(demo_audit, tmp_path_factory) -> Path:
    """The same audit with the index engine's rank intervals, pass probabilities and Sobol indices."""
    folder = tmp_path_factory.mktemp("uncertain") / "audit"
    shutil.copytree(demo_audit, folder)
    scores = pd.read_csv(folder / "scores.csv")
    n = len(scores)
    scores["rank_p05"] = (scores["rank"] - 2).clip(lower=1)
    scores["rank_p95"] = (scores["rank"] + 3).clip(upper=n)
    scores["p_labelled"] = (1 - (scores["rank"] - 1) / n).round(2)
    scores.to_csv(folder / "scores.csv", index=False)
    pd.DataFrame({"Variable": ["normalisation", "weights", "aggregation"], "S1": [0.42, 0.18, 0.05],
                  "S1_conf": [0.05, 0.04, 0.02], "ST": [0.61, 0.33, 0.09],
                  "ST_conf": [0.06, 0.05, 0.03]}).to_csv(folder / "index" / "sobol.csv", index=False)
    return folder


@pytest.fixture(scope="session")
def site(demo_audit, tmp_path_factory) -> Path:
    from frenchtech.report.site import export_showcase

    out = tmp_path_factory.mktemp("site") / "showcase"
    export_showcase([demo_audit], out)
    return out
