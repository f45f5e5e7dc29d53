"""Shared benchmark harness: seeded data, one subprocess per variant, wall time and peak memory.

Each variant runs in its own Python process (``python harness.py VARIANT ARGS...``) under
``/usr/bin/time -v`` so its peak resident memory is its own; the process prints one JSON line with
the time of the measured work (interpreter start-up and imports excluded) and a digest of the
register counts, so every variant is checked to compute the same figures.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Generated data: benchmarks/_data, or the folder named by FRENCHTECH_BENCH_DATA (a national register
# is 6 GB of CSV: generate it once where there is room, and reuse it)
DATA = Path(os.environ.get("FRENCHTECH_BENCH_DATA") or Path(__file__).resolve().parent / "_data")
CAMPAIGN = ROOT / "campaigns" / "metropoles-2014.toml"
SMALL_FILES = ("GENERATED.json", "README.txt", "exchange_rates.csv", "funding_rounds.csv", "initiatives.csv",
               "structures.csv", "dossiers")
REGISTER = ("tech_created", "tech_active", "new_companies")


# -- data -------------------------------------------------------------------------------------------

def evidence(rows: int, seed: int = 1) -> Path:
    """The generated evidence folder with a ``rows``-row register (generated once, then reused)."""
    folder = DATA / f"ev{rows}"
    if not (folder / "StockEtablissement_utf8.csv").exists():
        subprocess.run([sys.executable, "-c", "from frenchtech.cli import main; main()", "generate", "--campaign", str(CAMPAIGN),
                        "--rows", str(rows), "--seed", str(seed), "--out", str(folder)], check=True,
                       stdout=subprocess.DEVNULL)
    return folder


def stock_evidence(folder: Path) -> Path:
    """A twin evidence folder without the StockEtablissementHistorique: the audit then tells the state
    at the window's end from the stock's dateDebut, as from the store and in the hand-written queries."""
    twin = folder.with_name(folder.name + "_stock")
    twin.mkdir(exist_ok=True)
    for path in folder.iterdir():
        if not path.name.startswith("StockEtablissementHistorique") and not (twin / path.name).exists():
            (twin / path.name).symlink_to(path)
    return twin


def store_evidence(folder: Path) -> Path:
    """A twin evidence folder whose register is the ingested store (small files linked)."""
    twin = folder.with_name(folder.name + "_store")
    twin.mkdir(exist_ok=True)
    for name in SMALL_FILES:
        if (folder / name).exists() and not (twin / name).exists():
            (twin / name).symlink_to(folder / name)
    return twin


# -- running a variant -------------------------------------------------------------------------------

def run(variant: str, *args, threads: int | None = None) -> dict:
    """Run one variant in a fresh process; returns its JSON report plus wall time and peak RSS.
    The variant ``command`` runs ``frenchtech ARGS...`` itself (the product's own command line, as a
    user types it): its time is the whole process's, interpreter start-up and imports included, and
    its counts are read from the measures.csv it writes to the folder given after ``--out``."""
    if variant == "command":
        return _command(*args)
    cmd = [sys.executable, str(Path(__file__).resolve()), variant, *map(str, args)]
    env = dict(os.environ)
    if threads:
        env["BENCH_THREADS"] = str(threads)
    proc, measured = _timed(cmd, env)
    return json.loads(proc.stdout.strip().splitlines()[-1]) | measured


def _timed(cmd: list[str], env=None) -> tuple[subprocess.CompletedProcess, dict]:
    timer = shutil.which("time") or "/usr/bin/time"
    use_time = Path(timer).exists()
    t0 = time.perf_counter()
    proc = subprocess.run(([timer, "-v"] if use_time else []) + cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    cpu = re.findall(r"(?:User|System) time \(seconds\): ([0-9.]+)", proc.stderr)
    return proc, {"process_wall": wall, "peak_rss_mib": int(m.group(1)) / 1024 if m else float("nan"),
                  "cpu_seconds": sum(map(float, cpu)) if cpu else float("nan")}


def _command(*args) -> dict:
    import pandas as pd

    exe = Path(sys.executable).with_name("frenchtech")
    _, report = _timed([str(exe if exe.exists() else "frenchtech"), *map(str, args)])
    report["seconds"] = report["process_wall"]
    out = Path(args[list(args).index("--out") + 1])
    report["counts"] = _digest(pd.read_csv(out / "measures.csv", index_col="territory"))
    return report


def run_median(variants: dict[str, tuple], repeats: int = 3) -> dict[str, dict]:
    """Run every variant ``repeats`` times, interleaved (so drift in machine load touches each
    alike), and keep for each the run of median time; peak memory is the worst of its runs."""
    runs: dict[str, list[dict]] = {name: [] for name in variants}
    for _ in range(repeats):
        for name, (variant, *args) in variants.items():
            runs[name].append(run(variant, *args))
    out = {}
    for name, rs in runs.items():
        rs = sorted(rs, key=lambda r: r["seconds"])
        best = dict(rs[len(rs) // 2])
        best["peak_rss_mib"] = max(r["peak_rss_mib"] for r in rs)
        best["all_seconds"] = [round(r["seconds"], 2) for r in runs[name]]
        out[name] = best
    return out


def show(name: str, r: dict, rows: int, base: dict | None = None) -> None:
    ratio = f"  x{base['seconds'] / r['seconds']:.2f} vs {base['name']}" if base else ""
    print(f"  {name:<34} {r['seconds']:8.2f} s  {rows / r['seconds'] / 1e6:8.2f} M rows/s  "
          f"peak {r['peak_rss_mib']:7.0f} MiB  (process {r['process_wall']:.1f} s wall, "
          f"{r.get('cpu_seconds', float('nan')):.1f} s CPU){ratio}", flush=True)
    if "all_seconds" in r:
        print(f"  {'':<34} runs: {', '.join(f'{x:.2f}' for x in r['all_seconds'])} s (median shown)")


def same_counts(reports: dict) -> None:
    digests = {name: r["counts"] for name, r in reports.items() if "counts" in r}
    first = next(iter(digests.values()))
    bad = [n for n, d in digests.items() if d != first]
    print("  register counts identical across variants: " + ("yes" if not bad else f"NO ({', '.join(bad)})"))


# -- the variants (run inside the subprocess) ----------------------------------------------------------

def _campaign():
    from frenchtech.audit.run import _window
    from frenchtech.campaign import load_campaign

    c = load_campaign(CAMPAIGN)
    w = _window(c)
    members = [(t.id, code) for t in c.territories for code in t.match_codes]
    return c, w, members


def _digest(frame) -> dict:
    frame = frame.reindex(sorted(frame.index))
    return {t: [int(frame.loc[t, m]) for m in REGISTER] for t in frame.index}


def _threads_sql() -> str:
    n = os.environ.get("BENCH_THREADS")
    return f"SET threads = {int(n)};" if n else ""


def v_ingest(csv: str, store: str) -> dict:
    from frenchtech.sources.store import ingest_sirene

    t = time.perf_counter()
    s = ingest_sirene(csv, store, force=True)
    return {"seconds": time.perf_counter() - t, "rows": s.rows, "rejected": s.rejected}


def v_phases(folder: str, out: str) -> dict:
    """The whole audit as ``frenchtech audit`` runs it (imports, campaign, run_audit, the terminal
    report), in one process, with the seconds of each stage."""
    import io
    from contextlib import redirect_stdout

    t = time.perf_counter()
    from frenchtech.audit import run_audit
    from frenchtech.campaign import load_campaign
    from frenchtech.report.terminal import print_audit

    imports = time.perf_counter() - t
    c = load_campaign(CAMPAIGN)
    campaign = time.perf_counter() - t - imports
    result = run_audit(c, folder, out)
    with redirect_stdout(io.StringIO()):
        print_audit(result)
    seconds = time.perf_counter() - t
    stages = {"imports": imports, "campaign": campaign, **result.timings}
    stages["terminal"] = seconds - imports - campaign - stages.pop("total")
    return {"seconds": seconds, "stages": stages, "rows": int(result.measures.shape[0]),
            "counts": _digest(result.measures)}


def v_audit(folder: str, engine: str = "duckdb") -> dict:
    """Our audit's measure computation: every measure of the campaign, register and small sources."""
    from frenchtech.audit.run import compute_measures
    from frenchtech.indicators.backends import connect
    from frenchtech.sources.evidence import read_evidence_folder

    c, _, _ = _campaign()
    small = read_evidence_folder(Path(folder), c)
    t = time.perf_counter()
    con = connect(engine)
    started = time.perf_counter() - t
    t = time.perf_counter()
    measures, info = compute_measures(con, c, Path(folder), small)
    seconds = time.perf_counter() - t
    out = os.environ.get("BENCH_MEASURES_OUT")
    if out:
        measures.to_csv(out, float_format="%.17g")
    return {"seconds": seconds, "engine_start": started, "rows": info["register_rows"], "counts": _digest(measures)}


def _hand_sql(source_sql: str, w, members) -> str:
    """The three register counts per territory. Active at the window's end, from the stock: open today,
    or closed after that day (the current period, closed, starts after it)."""
    naf = ", ".join(f"'{c}'" for c in w.tech_naf)
    return f"""
        SELECT m.territory,
          count(*) FILTER (WHERE naf IN ({naf}) AND created BETWEEN DATE '{w.start}' AND DATE '{w.end}') AS tech_created,
          count(*) FILTER (WHERE naf IN ({naf}) AND (created IS NULL OR created <= DATE '{w.end}')
                           AND (active OR coalesce(since > DATE '{w.end}', false))) AS tech_active,
          count(*) FILTER (WHERE head_office AND created BETWEEN DATE '{w.start}' AND DATE '{w.end}') AS new_companies
        FROM ({source_sql}) s JOIN members m ON s.commune = m.commune
        GROUP BY m.territory"""


def v_duckdb_csv(csv: str) -> dict:
    """Hand-written DuckDB: the three register counts per territory straight from the CSV."""
    import duckdb
    import pandas as pd

    _, w, members = _campaign()
    con = duckdb.connect()
    con.execute(_threads_sql())
    con.register("members_df", pd.DataFrame(members, columns=["territory", "commune"]))
    con.execute("CREATE TABLE members AS SELECT * FROM members_df")
    src = f"""SELECT codeCommuneEtablissement AS commune, activitePrincipaleEtablissement AS naf,
                     try_cast(dateCreationEtablissement AS DATE) AS created, try_cast(dateDebut AS DATE) AS since,
                     etatAdministratifEtablissement = 'A' AS active, etablissementSiege = 'true' AS head_office
              FROM read_csv('{csv}', all_varchar = true, header = true)"""
    t = time.perf_counter()
    frame = con.execute(_hand_sql(src, w, members)).df().set_index("territory")
    return {"seconds": time.perf_counter() - t, "counts": _digest(frame)}


def v_duckdb_store(store: str) -> dict:
    """Hand-written DuckDB on the store's Parquet files."""
    import duckdb
    import pandas as pd

    _, w, members = _campaign()
    con = duckdb.connect()
    con.execute(_threads_sql())
    con.register("members_df", pd.DataFrame(members, columns=["territory", "commune"]))
    con.execute("CREATE TABLE members AS SELECT * FROM members_df")
    src = f"SELECT * FROM read_parquet('{store}/data/*/*.parquet')"
    t = time.perf_counter()
    frame = con.execute(_hand_sql(src, w, members)).df().set_index("territory")
    return {"seconds": time.perf_counter() - t, "counts": _digest(frame)}


def v_duckdb_store_communes(store: str) -> dict:
    """Hand-written DuckDB on the store's Parquet files, computing what the audit's scan computes: the
    counts of every commune of the country (the national reference needs them), then the territories'."""
    import duckdb
    import pandas as pd

    _, w, members = _campaign()
    con = duckdb.connect()
    con.execute(_threads_sql())
    naf = ", ".join(f"'{c}'" for c in w.tech_naf)
    t = time.perf_counter()
    per_commune = con.execute(f"""
        SELECT commune,
          count(*) FILTER (WHERE naf IN ({naf}) AND created BETWEEN DATE '{w.start}' AND DATE '{w.end}') AS tech_created,
          count(*) FILTER (WHERE naf IN ({naf}) AND (created IS NULL OR created <= DATE '{w.end}')
                           AND (active OR coalesce(since > DATE '{w.end}', false))) AS tech_active,
          count(*) FILTER (WHERE head_office AND created BETWEEN DATE '{w.start}' AND DATE '{w.end}') AS new_companies
        FROM read_parquet('{store}/data/*/*.parquet') GROUP BY commune""").df()
    m = pd.DataFrame(members, columns=["territory", "commune"])
    frame = per_commune.merge(m, on="commune").groupby("territory")[list(REGISTER)].sum()
    return {"seconds": time.perf_counter() - t, "counts": _digest(frame)}


def _polars_counts(lf, w, members):
    import polars as pl

    m = pl.DataFrame(members, schema=["territory", "commune"], orient="row").lazy()
    tech = pl.col("naf").is_in(list(w.tech_naf))
    in_window = pl.col("created").is_between(w.start, w.end)
    by_end = pl.col("created").is_null() | (pl.col("created") <= w.end)
    active_at_end = pl.col("active") | (pl.col("since") > w.end).fill_null(False)
    return (lf.join(m, on="commune").group_by("territory").agg(
        tech_created=(tech & in_window).sum(),
        tech_active=(tech & by_end & active_at_end).sum(),
        new_companies=(pl.col("head_office") & in_window).sum(),
    ).collect().to_pandas().set_index("territory"))


def v_polars_csv(csv: str) -> dict:
    """Polars lazy scan of the CSV (needed columns only, codes as text)."""
    import polars as pl

    _, w, members = _campaign()
    cols = ["codeCommuneEtablissement", "activitePrincipaleEtablissement", "dateCreationEtablissement",
            "etatAdministratifEtablissement", "etablissementSiege", "dateDebut"]
    t = time.perf_counter()
    lf = pl.scan_csv(csv, infer_schema=False).select(
        commune=pl.col(cols[0]), naf=pl.col(cols[1]),
        created=pl.col(cols[2]).str.to_date("%Y-%m-%d", strict=False),
        active=pl.col(cols[3]) == "A", head_office=pl.col(cols[4]) == "true",
        since=pl.col(cols[5]).str.to_date("%Y-%m-%d", strict=False))
    frame = _polars_counts(lf, w, members)
    return {"seconds": time.perf_counter() - t, "counts": _digest(frame)}


def v_polars_store(store: str) -> dict:
    import polars as pl

    _, w, members = _campaign()
    t = time.perf_counter()
    lf = pl.scan_parquet(f"{store}/data/*/*.parquet", hive_partitioning=False).select(
        "commune", "naf", "created", "since", "active", "head_office")
    frame = _polars_counts(lf, w, members)
    return {"seconds": time.perf_counter() - t, "counts": _digest(frame)}


def v_pandas_csv(csv: str) -> dict:
    """pandas read_csv (C engine), the needed columns only, as text, in chunks of 2 M rows (a
    40 M-row register does not fit in memory as Python strings); the same counts, summed."""
    import pandas as pd

    _, w, members = _campaign()
    cols = {"codeCommuneEtablissement": "commune", "activitePrincipaleEtablissement": "naf",
            "dateCreationEtablissement": "created", "etatAdministratifEtablissement": "state",
            "etablissementSiege": "head_office", "dateDebut": "since"}
    m = pd.DataFrame(members, columns=["territory", "commune"])
    start, end = pd.Timestamp(w.start), pd.Timestamp(w.end)
    t = time.perf_counter()
    parts = []
    for df in pd.read_csv(csv, usecols=list(cols), dtype=str, engine="c", chunksize=2_000_000):
        df = df.rename(columns=cols)
        created = pd.to_datetime(df["created"], format="%Y-%m-%d", errors="coerce")
        since = pd.to_datetime(df["since"], format="%Y-%m-%d", errors="coerce")
        df = df.assign(created=created, since=since).merge(m, on="commune")
        tech = df["naf"].isin(w.tech_naf)
        in_window = df["created"].between(start, end)
        by_end = df["created"].isna() | (df["created"] <= end)
        flags = pd.DataFrame({"territory": df["territory"], "tech_created": tech & in_window,
                              "tech_active": tech & by_end & ((df["state"] == "A") | (df["since"] > end)),
                              "new_companies": (df["head_office"] == "true") & in_window})
        parts.append(flags.groupby("territory").sum())
    frame = pd.concat(parts).groupby(level=0).sum()
    return {"seconds": time.perf_counter() - t, "counts": _digest(frame)}


VARIANTS = {"ingest": v_ingest, "audit": v_audit, "phases": v_phases, "duckdb_csv": v_duckdb_csv, "duckdb_store": v_duckdb_store,
            "duckdb_store_communes": v_duckdb_store_communes,
            "polars_csv": v_polars_csv, "polars_store": v_polars_store, "pandas_csv": v_pandas_csv}

if __name__ == "__main__":
    report = VARIANTS[sys.argv[1]](*sys.argv[2:])
    print(json.dumps(report, default=str))
