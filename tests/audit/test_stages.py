"""The audit times each of its stages (the benchmark prints their shares), and the Sobol analysis's
imports are done while the register is scanned."""
from __future__ import annotations

import sys
from pathlib import Path

from frenchtech.audit import run_audit
from frenchtech.audit.run import LATE_IMPORTS

MINI = Path(__file__).resolve().parents[1] / "fixtures" / "mini-2014.toml"
STAGES = ("read_small", "measures", "index", "labelling", "uncertainty", "sensitivity", "national", "outputs")


def test_every_stage_is_timed_and_they_add_up(tmp_path):
    from frenchtech.campaign import load_campaign
    from frenchtech.sources.generate import generate_evidence

    campaign = load_campaign(MINI)
    generate_evidence(campaign, tmp_path / "ev", rows=5_000, seed=campaign.seed)
    result = run_audit(campaign, tmp_path / "ev", tmp_path / "au")
    t = result.timings
    assert set(t) == {*STAGES, "total"}
    assert all(t[s] >= 0 for s in STAGES)
    assert sum(t[s] for s in STAGES) <= t["total"] + 1e-6
    assert t["measures"] > 0 and t["outputs"] > 0


IMPORTED_BY = """
import importlib.abc, sys, threading
from pathlib import Path
seen = {}
class Watch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        seen.setdefault(name, threading.current_thread().name)
        return None
sys.meta_path.insert(0, Watch())
from frenchtech.audit import run_audit
from frenchtech.audit.run import LATE_IMPORTS
from frenchtech.campaign import load_campaign
from frenchtech.campaign.shipped import campaign_path
from frenchtech.sources.generate import generate_evidence
assert not any(n in sys.modules for n in LATE_IMPORTS)
campaign = load_campaign(campaign_path("metropoles-2014"))
assert campaign.sensitivity.n > 0 and campaign.uncertainty.inputs
generate_evidence(campaign, Path(sys.argv[1]) / "ev", rows=5_000, seed=campaign.seed)
result = run_audit(campaign, Path(sys.argv[1]) / "ev", Path(sys.argv[1]) / "au")
assert result.timings["sensitivity"] > 0
print(",".join(seen[n] for n in LATE_IMPORTS))
"""


def test_the_sobol_imports_happen_while_the_register_is_scanned(tmp_path):
    """In a fresh interpreter (the test process may have imported them already)."""
    import subprocess

    out = subprocess.run([sys.executable, "-c", IMPORTED_BY, str(tmp_path)], capture_output=True, text=True,
                         check=True).stdout.strip().splitlines()[-1]
    assert out.split(",") == ["late-imports"] * len(LATE_IMPORTS)
