"""Issue 2's benchmark: the audit's measures on a 5-million-row SIRENE-shaped CSV, against baselines.

    python benchmarks/bench_audit.py [--rows 5000000]

Prints, for each variant run in its own process (three interleaved runs, median kept): the time of the work, rows/s, peak memory, and the
ratio of our audit to a hand-written DuckDB query doing the same counts and to pandas read_csv
(C engine, needed columns only, in chunks of 2 M rows). Targets: at least as fast as the DuckDB query, >= 3x pandas,
peak memory < 1 GiB. Data is generated (seed 1) into benchmarks/_data/ (git-ignored).
"""
from __future__ import annotations

import argparse
import os

import harness


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=5_000_000)
    p.add_argument("--repeats", type=int, default=3, help="runs per variant, interleaved; the median is kept")
    args = p.parse_args()
    folder = harness.evidence(args.rows)
    csv = folder / "StockEtablissement_utf8.csv"
    print(f"register: {csv} ({args.rows:,} rows, {csv.stat().st_size / 1e9:.2f} GB); "
          f"cpus {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")
    reports = harness.run_median({
        # the stock alone: active at the window's end from its dateDebut, as the hand-written queries count
        "ours: frenchtech audit measures": ("audit", harness.stock_evidence(folder)),
        "hand-written DuckDB query": ("duckdb_csv", csv),
        "pandas read_csv + counts": ("pandas_csv", csv),
    }, repeats=args.repeats)
    for name, r in reports.items():
        r["name"] = name
    ours, duck, pandas = reports.values()
    for name, r in reports.items():
        harness.show(name, r, args.rows)
    harness.same_counts(reports)
    vs_duck = duck["seconds"] / ours["seconds"]
    vs_pandas = pandas["seconds"] / ours["seconds"]
    print(f"ours vs DuckDB hand query: x{vs_duck:.2f} (target >= 1)  "
          f"{'met' if vs_duck >= 1 else 'MISSED'}")
    print(f"ours vs pandas read_csv:   x{vs_pandas:.2f} (target >= 3)  {'met' if vs_pandas >= 3 else 'MISSED'}")
    print(f"ours peak memory: {ours['peak_rss_mib']:.0f} MiB (target < 1024)  "
          f"{'met' if ours['peak_rss_mib'] < 1024 else 'MISSED'}")


if __name__ == "__main__":
    main()
