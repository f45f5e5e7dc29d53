"""The 2014 then 2015 chain, audited once on small generated evidence and shared by the tests."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CAMPAIGNS = Path(__file__).resolve().parents[2] / "src" / "frenchtech" / "campaigns"
ROWS = 20_000


@pytest.fixture(scope="session")
def chain(tmp_path_factory):
    from frenchtech.audit import run_audit
    from frenchtech.campaign import load_campaign
    from frenchtech.sources.generate import generate_evidence

    base = tmp_path_factory.mktemp("chain")
    c14 = load_campaign(CAMPAIGNS / "metropoles-2014.toml")
    c15 = load_campaign(CAMPAIGNS / "metropoles-2015.toml")
    generate_evidence(c14, base / "ev14", rows=ROWS, seed=c14.seed)
    r14 = run_audit(c14, base / "ev14", base / "au14")
    generate_evidence(c15, base / "ev15", rows=ROWS, seed=c15.seed)
    shutil.copytree(base / "au14", base / "ev15" / "predecessor")
    r15 = run_audit(c15, base / "ev15", base / "au15")
    return {"base": base, "c14": c14, "c15": c15, "r14": r14, "r15": r15,
            "au14": base / "au14", "au15": base / "au15", "ev14": base / "ev14", "ev15": base / "ev15"}
