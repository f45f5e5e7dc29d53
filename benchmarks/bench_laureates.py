"""What locating the i-Lab laureates adds to the audit's scan of the register, against the same scan
without the look-up.

    python benchmarks/bench_laureates.py [--rows 5000000] [--repeats 3]

The laureates are looked up by SIREN in the register's single grouped scan (one more aggregate, no
second pass). A generated folder is never searched for real companies, so the look-up is measured on
a twin folder holding the same generated register without its GENERATED.json label: only timings are
printed, no laureate found there is shown or kept. Both variants run in fresh processes, interleaved,
median of the runs; the register counts must be identical.
"""
from __future__ import annotations

import argparse
import os

import harness


def unlabelled_twin(folder):
    """The same files, GENERATED.json left out (so the audit looks the laureates up)."""
    twin = folder.with_name(folder.name + "_unlabelled")
    twin.mkdir(exist_ok=True)
    for path in folder.iterdir():
        if path.name != "GENERATED.json" and not (twin / path.name).exists():
            (twin / path.name).symlink_to(path)
    return twin


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=5_000_000)
    p.add_argument("--repeats", type=int, default=3, help="runs per variant, interleaved; the median is kept")
    args = p.parse_args()
    folder = harness.evidence(args.rows)
    twin = unlabelled_twin(folder)
    print(f"register: {args.rows:,} rows; cpus {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")
    reports = harness.run_median({
        "measures without the look-up": ("audit", folder),
        "measures with the laureates": ("audit", twin),
    }, repeats=args.repeats)
    for name, r in reports.items():
        r["name"] = name
    base, ours = reports.values()
    harness.show("measures without the look-up", base, args.rows)
    harness.show("measures with the laureates", ours, args.rows, base=base)
    harness.same_counts(reports)
    print(f"look-up cost: {ours['seconds'] - base['seconds']:+.2f} s "
          f"({(ours['seconds'] / base['seconds'] - 1) * 100:+.1f} % of the scan)")


if __name__ == "__main__":
    main()
