"""Issue 8's benchmark: a national-scale register (40 M rows): ingest, audit from the store, audit
from the CSV, against DuckDB and Polars in the same run; Spark local mode on 5 M rows beside DuckDB.

    python benchmarks/bench_scale.py [--rows 40000000] [--spark-rows 5000000] [--no-spark] [--zip] [--clean]

Every variant runs in its own process (peak memory is its own). Targets: ingest < 90 s and < 2 GiB;
audit from the store < 1.5 s, from the CSV < 15 s, both < 1 GiB; Spark's measures identical to
DuckDB's. Data is generated (seed 1) into benchmarks/_data/ (git-ignored); --clean deletes it after.
"""
from __future__ import annotations

import argparse
import os
import shutil

import pandas as pd

import harness
from frenchtech.sources.sirene import STORE_NAME


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def register_section(rows: int) -> None:
    folder = harness.evidence(rows)
    csv = folder / "StockEtablissement_utf8.csv"
    twin = harness.store_evidence(folder)
    store = twin / STORE_NAME
    print(f"register: {csv} ({rows:,} rows, {csv.stat().st_size / 1e9:.2f} GB); "
          f"cpus {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}", flush=True)
    ingest = harness.run("ingest", csv, store)
    ingest["name"] = "ingest"
    harness.show("ingest CSV -> partitioned Parquet", ingest, rows)
    size = sum(f.stat().st_size for f in store.rglob("*.parquet")) / 1e9
    print(f"    store: {size:.2f} GB of zstd Parquet, rejected rows {ingest['rejected'] or 0}")
    reports = {
        "ours: audit from the store": harness.run("audit", twin),
        "DuckDB hand query, store": harness.run("duckdb_store", store),
        "Polars lazy scan, store": harness.run("polars_store", store),
        "ours: audit from the CSV": harness.run("audit", folder),
        "DuckDB hand query, CSV": harness.run("duckdb_csv", csv),
        "Polars lazy scan, CSV": harness.run("polars_csv", csv),
        "pandas read_csv (chunks), CSV": harness.run("pandas_csv", csv),
    }
    for name, r in reports.items():
        r["name"] = name
    for name, r in reports.items():
        base = reports["ours: audit from the store"] if "store" in name else reports["ours: audit from the CSV"]
        harness.show(name, r, rows, None if r is base else base)
    harness.same_counts(reports)
    s, c = reports["ours: audit from the store"], reports["ours: audit from the CSV"]
    print(f"ingest {ingest['seconds']:.1f} s < 90 s: {verdict(ingest['seconds'] < 90)}; "
          f"peak {ingest['peak_rss_mib']:.0f} MiB < 2048: {verdict(ingest['peak_rss_mib'] < 2048)}")
    print(f"audit from store {s['seconds']:.2f} s < 1.5 s: {verdict(s['seconds'] < 1.5)}; "
          f"peak {s['peak_rss_mib']:.0f} MiB < 1024: {verdict(s['peak_rss_mib'] < 1024)}")
    print(f"audit from CSV {c['seconds']:.2f} s < 15 s: {verdict(c['seconds'] < 15)}; "
          f"peak {c['peak_rss_mib']:.0f} MiB < 1024: {verdict(c['peak_rss_mib'] < 1024)}; "
          f"vs DuckDB x{reports['DuckDB hand query, CSV']['seconds'] / c['seconds']:.2f}, "
          f"vs Polars x{reports['Polars lazy scan, CSV']['seconds'] / c['seconds']:.2f}, "
          f"vs pandas x{reports['pandas read_csv (chunks), CSV']['seconds'] / c['seconds']:.2f}")


def zip_section(rows: int) -> None:
    """The register as INSEE publishes it, zipped: our audit straight from the zip (the CSV is
    inflated on one core while the other parses). Zipped here at level 1 (faster to make; INSEE's
    zips use the default level, which inflates at about the same speed)."""
    import zipfile

    folder = harness.evidence(rows)
    twin = folder.with_name(folder.name + "_zip")
    twin.mkdir(exist_ok=True)
    for name in harness.SMALL_FILES:
        if (folder / name).exists() and not (twin / name).exists():
            (twin / name).symlink_to(folder / name)
    archive = twin / "StockEtablissement_utf8.zip"
    if not archive.exists():
        with zipfile.ZipFile(archive.with_suffix(".part"), "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            zf.write(folder / "StockEtablissement_utf8.csv", "StockEtablissement_utf8.csv")
        archive.with_suffix(".part").rename(archive)
    print(f"zipped register: {archive} ({archive.stat().st_size / 1e9:.2f} GB)", flush=True)
    r = harness.run("audit", twin)
    r["name"] = "ours: audit from the zip"
    harness.show(r["name"], r, rows)


def spark_section(rows: int) -> None:
    folder = harness.evidence(rows)
    twin = harness.store_evidence(folder)
    csv = folder / "StockEtablissement_utf8.csv"
    if not (twin / STORE_NAME / "manifest.json").exists():
        harness.run("ingest", csv, twin / STORE_NAME)
    print(f"Spark local mode vs DuckDB, {rows:,} rows (every measure of the campaign):", flush=True)
    out = harness.DATA / "measures"
    out.mkdir(exist_ok=True)
    results = {}
    for read, where in (("CSV", folder), ("store", twin)):
        for engine in ("duckdb", "spark"):
            os.environ["BENCH_MEASURES_OUT"] = str(out / f"{engine}-{read}.csv")
            r = harness.run("audit", where, engine)
            r["name"] = f"DuckDB, {read}"
            results[engine, read] = r
        del os.environ["BENCH_MEASURES_OUT"]
        d, s = results["duckdb", read], results["spark", read]
        harness.show(f"DuckDB from the {read}", d, rows)
        harness.show(f"Spark from the {read}", s, rows, d)
        print(f"    Spark session start-up {s['engine_start']:.1f} s (not included above)")
        same = pd.read_csv(out / f"duckdb-{read}.csv").equals(pd.read_csv(out / f"spark-{read}.csv"))
        print(f"    every measure identical (exact): {'yes' if same else 'NO'}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=40_000_000)
    p.add_argument("--spark-rows", type=int, default=5_000_000)
    p.add_argument("--no-spark", action="store_true")
    p.add_argument("--no-register", action="store_true", help="only the Spark comparison")
    p.add_argument("--zip", action="store_true", help="also the audit straight from the zipped register")
    p.add_argument("--clean", action="store_true", help="delete the generated data afterwards")
    args = p.parse_args()
    if not args.no_register:
        register_section(args.rows)
    if args.zip:
        zip_section(args.rows)
    if not args.no_spark:
        spark_section(args.spark_rows)
    if args.clean:  # only what this benchmark generated: benchmarks/_data is shared with others
        for rows in {args.rows, args.spark_rows}:
            for name in (f"ev{rows}", f"ev{rows}_store", f"ev{rows}_zip"):
                shutil.rmtree(harness.DATA / name, ignore_errors=True)
        shutil.rmtree(harness.DATA / "measures", ignore_errors=True)


if __name__ == "__main__":
    main()
