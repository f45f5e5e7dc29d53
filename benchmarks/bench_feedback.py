"""What the decision aids add to an audit: counterfactuals.csv and the feedback letters.

    python benchmarks/bench_feedback.py [--rows 200000] [--repeat 5]

On the 2014 demo campaign (16 territories, 1,000 Monte Carlo replications; generated evidence with a
``--rows``-row register), in one process, median of ``--repeat`` runs:

* the counterfactual step as every audit runs it (``audit.counterfactuals.campaign_counterfactuals``:
  the searches, the checking re-runs, the probability after each combination);
* the feedback letters of every candidate in French and English (``report.feedback.write_letters``),
  against the 5 s target;

beside, in the same run, the baselines: one Monte Carlo analysis of the campaign (1,000 replications),
the jury report, and the whole audit on this register without the decision aids. Both aids work on
the indicator table (16 rows), not on the register: their cost is the same at 40 M register rows, and
the audit's share printed here is an upper bound of their share there.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import CAMPAIGN, evidence  # noqa: E402


def timed(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    from frenchtech import index as engine
    from frenchtech.audit import run_audit
    from frenchtech.audit.counterfactuals import campaign_counterfactuals
    from frenchtech.campaign import load_campaign
    from frenchtech.report.feedback import write_letters
    from frenchtech.report.jury import write_jury

    campaign = load_campaign(CAMPAIGN)
    ev = evidence(args.rows)
    scratch = Path(tempfile.mkdtemp(prefix="bench-feedback-"))
    try:
        audit_s, result = timed(lambda: run_audit(campaign, ev), max(1, args.repeat // 2))
        run_audit(campaign, ev, scratch / "audit")          # the folder the letters are written from
        unc = campaign.uncertainty
        o = result.index
        mc_s, _ = timed(lambda: engine.uncertainty(o.idata, o.imeta, o.spec, unc.engine_inputs(), n=unc.n,
                                                   seed=unc.seed), args.repeat)
        cf_s, table = timed(lambda: campaign_counterfactuals(result), args.repeat)
        letters_s, written = timed(lambda: write_letters(scratch / "audit", out=scratch / "letters"), args.repeat)
        jury_s, _ = timed(lambda: write_jury(scratch / "audit", scratch / "jury.html", pdf=False), args.repeat)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    found = table[table["found"]]
    print(f"2014 demo campaign, {args.rows:,} register rows, {len(result.scores)} territories, "
          f"median of {args.repeat} runs (GENERATED evidence)")
    print(f"  baseline  audit without the decision aids (in process) {audit_s:8.3f} s")
    print(f"  baseline  one Monte Carlo analysis ({unc.n} replications)      {mc_s:8.3f} s")
    print(f"  baseline  jury report (one language)                     {jury_s:8.3f} s")
    print(f"  counterfactual step: {table['territory'].nunique()} candidates, {len(found)} changes found, "
          f"each checked by a re-run      {cf_s:8.3f} s  ({cf_s / mc_s:.0f} x one Monte Carlo; "
          f"{cf_s / audit_s:.0%} of this audit)")
    print(f"  feedback letters: {len(written)} files (FR + EN)                   {letters_s:8.3f} s  "
          f"(target < 5 s: {'met' if letters_s < 5 else 'MISSED'})")
    print(f"  decision aids together                                     {cf_s + letters_s:8.3f} s "
          "(independent of the register's size)")


if __name__ == "__main__":
    main()
