"""The register's measures with INSEE's StockEtablissementHistorique beside the stock: CPU time and peak
memory of the audit's reading of both files (measures, checks, both BLAKE3 digests), against the stock
alone and against the relational join the audit used before, in the same run.

    FRENCHTECH_BENCH_DATA=DIR python benchmarks/bench_history.py [--rows 1000000] [--repeats 3]

Variants, each in its own process (its peak memory is its own), interleaved ``--repeats`` times; the
median run is shown with the worst peak memory:
- "stock alone": the stock without its Historique (active at the window's end from dateDebut);
- "Historique, one pass": the audit as it is: the Historique streamed once (checked, reduced to the
  SIRETs active on the window's last day, hashed in the same pass), looked up during the stock's scan;
- "Historique, join (before)": the periods joined to the stock by the query engine, checked in a
  second pass over the file and hashed in a third.
Both Historique variants must give the same figures. "work CPU" is the process's CPU time for the
reading alone (imports excluded); "process CPU" and peak memory are the whole process's
(``/usr/bin/time -v``). Data is generated (seed 1, labelled generated) into FRENCHTECH_BENCH_DATA.
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import harness

MEMORY_TARGET = 1024  # MiB


def work(folder: str, method: str) -> dict:
    """The register's measures and both digests, as the audit computes them (in this process)."""
    from frenchtech.audit.run import compute_measures
    from frenchtech.hashing import REGISTER_ALGORITHM, InPassDigest, file_digest
    from frenchtech.indicators.backends import connect
    from frenchtech.sources import history, sirene

    if method == "join":  # the reading before: the engine joins the periods, checked and hashed apart
        history.active_set = lambda con, path, day, digest=None: history.periods(con, path)
    c, _, _ = harness._campaign()
    cpu0, t0 = time.process_time(), time.perf_counter()
    con = connect("duckdb")
    stock = sirene.find_stock(Path(folder))
    stock_hash = InPassDigest(stock)
    measures, info = compute_measures(con, c, Path(folder), None, digest=stock_hash)
    digests = [stock_hash.result()]
    if info.get("history_file") is not None:
        hashed = info.get("history_hash")
        digests.append(hashed.result() if hashed is not None and method != "join"
                       else file_digest(info["history_file"], REGISTER_ALGORITHM))
    return {"seconds": time.perf_counter() - t0, "work_cpu": time.process_time() - cpu0,
            "work_peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "method": info["active_at_end"]["method"], "digests": digests,
            "counts": harness._digest(measures)}


def run(folder: Path, method: str) -> dict:
    proc, measured = harness._timed([sys.executable, __file__, "--variant", str(folder), method])
    return json.loads(proc.stdout.strip().splitlines()[-1]) | measured


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--variant", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.variant:
        print(json.dumps(work(*a.variant)))
        return
    folder = harness.evidence(a.rows)
    hist = next(folder.glob("StockEtablissementHistorique*"))
    stock = folder / "StockEtablissement_utf8.csv"
    print(f"generated register: {a.rows:,} rows; stock {stock.stat().st_size / 1e9:.2f} GB, "
          f"Historique {hist.stat().st_size / 1e9:.2f} GB; {a.repeats} run(s) each, median shown")
    variants = {"stock alone": (harness.stock_evidence(folder), "stock"),
                "Historique, one pass (now)": (folder, "pass"),
                "Historique, join (before)": (folder, "join")}
    runs: dict[str, list[dict]] = {name: [] for name in variants}
    for _ in range(a.repeats):
        for name, (where, method) in variants.items():
            runs[name].append(run(where, method))
    print(f"{'variant':<28} {'wall s':>7} {'work CPU s':>10} {'process CPU s':>13} {'peak MiB':>9}")
    best = {}
    for name, rs in runs.items():
        r = sorted(rs, key=lambda r: r["work_cpu"])[len(rs) // 2]
        peak = max(x["peak_rss_mib"] for x in rs)
        best[name] = r
        print(f"{name:<28} {r['seconds']:>7.2f} {r['work_cpu']:>10.2f} {r['cpu_seconds']:>13.2f} {peak:>9.0f}"
              f"  ({r['method']}; peak {'under' if peak < MEMORY_TARGET else 'OVER'} 1 GiB)")
    now, before = best["Historique, one pass (now)"], best["Historique, join (before)"]
    same = now["counts"] == before["counts"] and now["digests"] == before["digests"]
    print(f"one pass vs join: {before['work_cpu'] / now['work_cpu']:.1f}x less work CPU, "
          f"peak {max(x['peak_rss_mib'] for x in runs['Historique, one pass (now)']):.0f} MiB vs "
          f"{max(x['peak_rss_mib'] for x in runs['Historique, join (before)']):.0f} MiB; "
          f"same figures and digests: {'yes' if same else 'NO'}")
    if not same:
        raise SystemExit("the two readings of the Historique disagree")


if __name__ == "__main__":
    main()
