"""What the decision aids add to an audit: counterfactuals.csv and the feedback letters.

    python benchmarks/bench_feedback.py [--rows 200000] [--repeat 3] [--baseline REV]

On the 2014 demo campaign (16 territories, 1,000 Monte Carlo replications; generated evidence with a
``--rows``-row register), in one process, median of ``--repeat`` runs taken in turn:

* the audit's ``outputs`` stage (``result.timings``) as it runs now: the counterfactual searches in
  forked processes while the tables and the statistical audit are written, then the letters;
* its parts: the other outputs (tables, labelling and index outputs with the statistical audit), the
  counterfactual step (``audit.counterfactuals.campaign_counterfactuals``: the searches, the checking
  re-runs, the probability after each combination) searched in this process and in the forked
  processes, and the feedback letters of every candidate in French and English
  (``report.feedback.write_letters``), against the 5 s target;

beside, in the same run, the baseline: the same steps by the code of ``--baseline`` (a git revision;
default: the last one before the searches were shared among processes and the letters rendered from
one compiled template), loaded from git beside the current code, run one after the other as its
audit ran them; and one Monte Carlo analysis of the campaign (1,000 replications). The counterfactual
tables and the letters of both are checked to be byte-identical. Both aids work on the indicator
table (16 rows), not on the register: their cost is the same at 40 M register rows.
"""
from __future__ import annotations

import argparse
import importlib.util
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import CAMPAIGN, ROOT, evidence  # noqa: E402

BASELINE = "5990f6eded5505860432d78d61ba865f3cd10c08"


def timed(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def baseline_module(rev: str, path: str, name: str):
    """The module at ``path`` as it was at revision ``rev``, loaded as ``name`` (inside its package, so
    that its relative imports reach the current modules)."""
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:{path}"], check=True,
                            capture_output=True, text=True).stdout
    folder = Path(tempfile.mkdtemp(prefix="bench-feedback-baseline-"))
    file = folder / Path(path).name
    file.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, file)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = name.rpartition(".")[0]
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--baseline", default=BASELINE, help="git revision of the baseline (default: %(default)s)")
    args = ap.parse_args()

    from frenchtech import index as engine
    from frenchtech.audit import run_audit
    from frenchtech.audit import counterfactuals as aids
    from frenchtech.audit.run import _table_for, write_index_outputs, write_labelling_outputs
    from frenchtech.campaign import load_campaign
    from frenchtech.index import counterfactual as cf
    from frenchtech.report.feedback import write_letters

    old_cf = baseline_module(args.baseline, "src/frenchtech/index/counterfactual.py",
                             "frenchtech.index._counterfactual_baseline")
    old_letters = baseline_module(args.baseline, "src/frenchtech/report/feedback.py",
                                  "frenchtech.report._feedback_baseline")

    campaign = load_campaign(CAMPAIGN)
    ev = evidence(args.rows)
    scratch = Path(tempfile.mkdtemp(prefix="bench-feedback-"))
    forked = cf.default_workers

    def counterfactuals(workers: int):
        cf.default_workers = lambda n, seed: workers
        try:
            return aids.campaign_counterfactuals(result)
        finally:
            cf.default_workers = forked

    def old_counterfactuals():
        # the baseline's search, with the audit's own rule and uncertainty analysis (as its glue called it)
        o, unc = result.index, campaign.uncertainty
        todo = aids.decided_by_rule(campaign, result.decisions)
        units = sorted(str(u) for u in o.idata["uCode"])
        found = old_cf.run_counterfactuals(engine.pipeline(o.spec), o.idata, o.imeta, units=todo,
                                           rule=aids.campaign_rule(campaign, result.decisions, units),
                                           inputs=unc.engine_inputs() if unc.inputs and unc.n > 0 else None,
                                           n=unc.n, seed=unc.seed, probability="combination")
        return found.table.rename(columns=aids.RENAME)[aids.COLUMNS]

    def other_outputs(folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        for name, frame in _table_for(result).items():
            frame.to_csv(folder / name, index=False, float_format="%.10g", lineterminator="\n")
        write_labelling_outputs(result, folder)
        write_index_outputs(result.index, folder)

    t: dict[str, list[float]] = {}
    try:
        result = run_audit(campaign, ev, scratch / "audit")      # the folder the letters are written from
        for k in range(args.repeat):
            r = run_audit(campaign, ev, scratch / "now")
            t.setdefault("outputs", []).append(r.timings["outputs"])
            t.setdefault("other", []).append(timed(lambda: other_outputs(scratch / f"other{k}"))[0])
            s, old_table = timed(old_counterfactuals)
            t.setdefault("cf_old", []).append(s)
            s, table = timed(lambda: counterfactuals(1))
            t.setdefault("cf_1", []).append(s)
            s, table2 = timed(lambda: counterfactuals(forked(16, campaign.uncertainty.seed)))
            t.setdefault("cf_n", []).append(s)
            s, _ = timed(lambda: old_letters.write_letters(scratch / "audit", out=scratch / "letters_old"))
            t.setdefault("letters_old", []).append(s)
            s, written = timed(lambda: write_letters(scratch / "audit", out=scratch / "letters"))
            t.setdefault("letters", []).append(s)
            t.setdefault("mc", []).append(timed(lambda: engine.uncertainty(
                result.index.idata, result.index.imeta, result.index.spec, campaign.uncertainty.engine_inputs(),
                n=campaign.uncertainty.n, seed=campaign.uncertainty.seed))[0])
        same_cf = all(a.to_csv(float_format="%.17g") == old_table.to_csv(float_format="%.17g") for a in (table, table2))
        same_letters = all((scratch / "letters" / p.relative_to(scratch / "letters_old")).read_bytes() == p.read_bytes()
                           for p in (scratch / "letters_old").rglob("*.html"))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    m = {k: statistics.median(v) for k, v in t.items()}
    before = m["other"] + m["cf_old"] + m["letters_old"]
    n_workers = forked(16, campaign.uncertainty.seed)
    found = table[table["found"]]
    print(f"2014 demo campaign, {args.rows:,} register rows, {len(result.scores)} territories, "
          f"median of {args.repeat} runs (GENERATED evidence); baseline {args.baseline[:12]}")
    print(f"  counterfactual step: {table['territory'].nunique()} candidates, {len(found)} changes found, "
          f"each checked by a re-run")
    print(f"    baseline (one process)                                {m['cf_old']:8.3f} s")
    print(f"    now, searched in this process                         {m['cf_1']:8.3f} s")
    print(f"    now, shared among {n_workers} forked process(es)                {m['cf_n']:8.3f} s  "
          f"(table byte-identical to the baseline's: {same_cf})")
    print(f"  feedback letters: {len(written)} files (FR + EN)")
    print(f"    baseline                                              {m['letters_old']:8.3f} s")
    print(f"    now                                                   {m['letters']:8.3f} s  "
          f"(letters byte-identical: {same_letters}; target < 5 s)")
    print(f"  other outputs (tables, labelling, index and statistical audit)  {m['other']:8.3f} s")
    print(f"  outputs stage, baseline (other + counterfactuals + letters, in turn)  {before:8.3f} s")
    print(f"  outputs stage, now (result.timings['outputs'])                       {m['outputs']:8.3f} s")
    print(f"  for scale: one Monte Carlo analysis ({campaign.uncertainty.n} replications)        {m['mc']:8.3f} s")


if __name__ == "__main__":
    main()
