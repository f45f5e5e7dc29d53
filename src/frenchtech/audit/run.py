"""Run a campaign audit: evidence folder + campaign -> tables, decisions and manifest in a folder."""
from __future__ import annotations

import datetime as dt
import importlib
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import pandas as pd

from frenchtech import __version__
from frenchtech.audit.counterfactuals import DecisionAids
from frenchtech.audit.manifest import (
    campaign_fields,
    output_hashes,
    predecessor_inputs,
    run_context,
    sha256,
    write_labelling_outputs,
    write_manifest,
)
from frenchtech.audit.score import (
    add_uncertainty,
    composite,
    index_notes,
    write_index_outputs,
)
from frenchtech.errors import InputError
from frenchtech.geo import load_geography
from frenchtech.hashing import REGISTER_ALGORITHM, InPassDigest, digest_entry
from frenchtech.indicators.backends import connect
from frenchtech.indicators.catalogue import load_catalogue
from frenchtech.indicators.engine import (
    Window,
    commune_totals,
    evaluate_source,
    exact_counts,
    indicator_values,
    territory_totals,
)
from frenchtech.labelling.decisions import label_audit, predecessor_folder
from frenchtech.labelling.decisions import notes as labelling_notes
from frenchtech.labelling.probability import pass_matrix
from frenchtech.sources import history, ilab, sirene
from frenchtech.sources import store as sirene_store
from frenchtech.sources.evidence import describe_readers, read_evidence_folder


@dataclass
class AuditResult:
    campaign: object
    measures: pd.DataFrame          # territory x measure (raw figures)
    indicators: pd.DataFrame        # territory x indicator
    normalised: pd.DataFrame
    scores: pd.DataFrame            # pillars, score, rank
    decisions: pd.DataFrame         # territory, decision, reason
    generated: bool                 # the evidence says it is generated demo data
    out: Path | None = None
    timings: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    flags: pd.DataFrame | None = None   # declared vs observed gaps beyond tolerance (never scored)
    flag_files: dict = field(default_factory=dict)
    evidence_dir: Path | None = None
    previous: Path | None = None        # the predecessor audit folder of a chained campaign
    index: object | None = None         # frenchtech.audit.score.IndexOutcome: every stage, uncertainty
    national: pd.DataFrame | None = None  # every indicator for every EPCI of the vintage (reference)
    active_at_end: dict | None = None   # how "active at the end of the window" was decided (manifest)


def _window(campaign) -> Window:
    catalogue = load_catalogue()
    return Window(campaign.window_start, campaign.window_end, tuple(catalogue.naf_codes(campaign.tech_naf_tags)))


def _as_dates(frame: pd.DataFrame, cols) -> pd.DataFrame:
    frame = frame.copy()
    for c in cols:
        frame[c] = pd.to_datetime(frame[c]).dt.date
    return frame


def _check_register(con, src, stock, res, info) -> None:
    """Stop on malformed register rows, naming the first ones (found only when there are some)."""
    counts = {k: int(res[k].sum()) for k in ("_bad_commune", "_bad_date")}
    info["register_rows"] = int(res["_rows"].sum())
    if any(counts.values()):
        errors = sirene.first_bad_lines(con, src)
        total = sum(counts.values())
        raise InputError(stock, f"{total} malformed row(s); first: {errors[0]}" if errors else
                         f"{total} malformed row(s)", expected="INSEE codes and ISO dates")


_side_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="small-sources")


def _small_measures(con, small, by_source, membership, w) -> list[pd.DataFrame]:
    """Measures of the small sources (funding rounds, structures, initiatives), one query each."""
    frames = []
    tables = {
        "rounds": (small.rounds, ["date"]),
        "structures": (small.structures, ["opened", "closed"]),
        "initiatives": (small.initiatives, ["date"]),
    } if small is not None else {}
    if small is not None and getattr(small, "laureate_list", None) is not None:   # once located
        tables["laureates"] = (ilab.measure_table(small.laureate_list), ["date"])
    for source, (frame, date_cols) in tables.items():
        if source not in by_source:
            continue
        keep = [c for c in frame.columns if c not in ("line",)]
        t = ibis.memtable(_as_dates(frame[keep], date_cols))
        res = evaluate_source(con, t, membership, by_source[source], w)
        frames.append(res.dropna(subset=["territory"]).set_index("territory"))
    return frames


def _measures_by_source(campaign, with_declared: bool = False) -> dict[str, list]:
    """The measures the campaign's indicators need (and the declared figures', if asked), by source."""
    catalogue = load_catalogue()
    needed = {catalogue.indicators[c.id].measure for c in campaign.indicators}
    if with_declared:
        needed |= {m.id for m in catalogue.measures.values() if m.declared}
    by_source: dict[str, list] = {}
    for mid in sorted(needed):
        by_source.setdefault(catalogue.measures[mid].source, []).append(catalogue.measures[mid])
    return by_source


def compute_measures(con, campaign, evidence_dir: Path, small=None, digest=None) -> tuple[pd.DataFrame, dict]:
    """Every measure of the campaign's indicators per territory, one query per evidence source.
    ``digest`` (an InPassDigest of the register) is fed the register by the scan that reads it."""
    w = _window(campaign)
    # Declared figures are checked against every measure the dossiers can be compared with.
    by_source = _measures_by_source(campaign, with_declared=True)

    geo_members = pd.DataFrame([(t.id, c) for t in campaign.territories for c in t.match_codes],
                               columns=["territory", "commune"])
    membership = ibis.memtable(geo_members)
    frames = []
    info: dict = {}
    side = None
    if con.name == "duckdb" and "establishments" in by_source and small is not None:
        # The small sources run on a second embedded connection while the register is scanned:
        # DuckDB releases the interpreter during a scan, so their cost disappears behind it.
        side = _side_pool.submit(_small_measures, connect("duckdb"), small,
                                 {k: v for k, v in by_source.items() if k != "laureates"}, membership, w)
    generated = (evidence_dir / "GENERATED.json").exists()
    # i-Lab laureates are located by their head office in the same scan; never in a generated register
    sirens = () if generated or small is None else ilab.lookup_sirens(getattr(small, "laureates", None))
    found = None
    if "establishments" in by_source:
        stock = sirene.find_stock(evidence_dir)
        if stock is None:
            raise InputError(evidence_dir, "no SIRENE stock file found",
                             expected="StockEtablissement_utf8.csv (or .zip, .parquet) in the evidence folder")
        info["establishments_file"] = stock
        periods = info["history_file"] = history.find_history(evidence_dir)  # the state at the window's end
        store = sirene.store_folder(stock)
        ms = by_source["establishments"]
        # Every department, even from the store (validated at ingest): the commune totals of this one
        # scan also give the national reference (national_indicators), which covers every EPCI.
        # the Historique's digest too is computed by the pass that reads it
        info["history_hash"] = InPassDigest(periods) if periods is not None else None
        # the store's own query (two columns, integer filters) where it computes the measures exactly
        scan = store is not None and periods is None and not sirens and con.name == "duckdb" \
            and sirene_store.scannable(ms, w)
        if scan:
            sirene_store.check_format(store)
        src = sirene.EstablishmentSource(stock, None) if scan else \
            sirene.establishments(con, stock, digest=digest, at=w.end, history_path=periods,
                                  with_siren=bool(sirens), history_digest=info["history_hash"])
        try:  # one scan of the register, grouped by commune: tens of thousands of rows, kept
            extra = (lambda t: {**sirene.row_checks(t), **ilab.scan_aggregates(t, sirens)}) if sirens \
                else sirene.row_checks
            if scan:
                totals = sirene_store.commune_totals(con, store, ms, w)
            else:
                totals = exact_counts(con.execute(commune_totals(src.table, ms, w, extra=extra)), ms)
        except Exception as exc:  # a parse error met while scanning: name the file and line
            raise src.error(exc) from None
        found = ilab.pop_found(totals) if sirens else None
        info["per_commune"] = totals
        per_commune = ibis.memtable(totals)
        if store is None:
            _check_register(con, src, stock, con.execute(sirene.register_checks(per_commune)), info)
        else:
            info["register_rows"] = int(sirene_store.read_manifest(store).get("rows", 0))
        info["active_at_end"] = sirene.state_method(con, src)
        if info["register_rows"] == 0:  # nothing to measure: an audit of zeros would still award labels
            raise InputError(stock, "no establishment rows (the register holds only its header)",
                             expected="INSEE's StockEtablissement file with its establishments, one per line")
        res = exact_counts(con.execute(territory_totals(per_commune, membership, ms)), ms)
        frames.append(res.set_index("territory"))
    ilab.settle(small, found, generated, geo_members, "laureates" in by_source)
    if side is not None:
        frames.extend(side.result())
        if "laureates" in by_source:
            frames.extend(_small_measures(con, small, {"laureates": by_source["laureates"]}, membership, w))
    else:
        frames.extend(_small_measures(con, small, by_source, membership, w))
    measures = pd.concat(frames, axis=1) if frames else pd.DataFrame()
    ids = [t.id for t in campaign.territories]
    measures = measures.reindex(ids).fillna(0)
    measures.index.name = "territory"
    for col in measures.columns:
        measures[col] = pd.to_numeric(measures[col])
    return measures[sorted(measures.columns)], info


def national_indicators(con, campaign, info: dict, small) -> pd.DataFrame:
    """Every indicator for every EPCI of the campaign's geography: the national reference beside
    which each candidate is shown (its median, for instance). Register figures come from the
    commune totals of the audit's own scan; the small sources are re-aggregated by EPCI."""
    geo = load_geography(campaign.vintage)
    c = geo.communes
    epci_of = c["epci"].where(c["kind"] == "commune", c["parent"].map(c["epci"]))
    members = pd.DataFrame({"territory": epci_of, "commune": c["code"]}).dropna()
    if members.empty:
        return pd.DataFrame()
    membership = ibis.memtable(members)
    w = _window(campaign)
    by_source = _measures_by_source(campaign)
    frames = []
    if "establishments" in by_source and info.get("per_commune") is not None:
        ms = by_source["establishments"]
        frames.append(exact_counts(con.execute(territory_totals(ibis.memtable(info["per_commune"]), membership, ms)),
                                   ms).set_index("territory"))
    frames.extend(_small_measures(con, small, by_source, membership, w))
    measures = pd.concat(frames, axis=1).reindex(sorted(members["territory"].unique())).fillna(0)
    pops = c[c["kind"] == "commune"].groupby("epci")["population"].sum()
    out = indicator_values(measures, pops, [ch.id for ch in campaign.indicators])
    out.insert(0, "population", pops.reindex(out.index))
    out.insert(0, "name", geo.epci["name"].reindex(out.index))
    out.index.name = "epci"
    return out


def software_versions() -> dict:
    """The software an audit records in its manifest (``verify`` compares it with the running one)."""
    return {"frenchtech": __version__, "python": platform.python_version(), "ibis": ibis.__version__,
            "pandas": pd.__version__}


# Imported by the Sobol analysis only (scipy.stats, about 0.3 s): loaded while the register is scanned.
LATE_IMPORTS = ("SALib.analyze.sobol", "SALib.sample.sobol")


def _import_meanwhile(campaign) -> threading.Thread | None:
    """Import what the analyses after the scan need, on a thread, while the scan (which releases the
    interpreter) runs: the import is then off the audit's critical path."""
    if campaign.sensitivity.n <= 0 or not campaign.uncertainty.inputs:
        return None
    names = [n for n in LATE_IMPORTS if n not in sys.modules]
    if not names:
        return None
    thread = threading.Thread(target=_import_all, args=(names,), daemon=True, name="late-imports")
    thread.start()
    return thread


def _import_all(names) -> None:
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError:  # the analysis that needs it says so, in the audit's own thread
            return


def run_audit(campaign, evidence_dir, out_dir=None, engine: str = "duckdb", con=None, previous=None) -> AuditResult:
    """Audit ``campaign`` on the evidence folder; write the artefacts to ``out_dir`` if given.

    ``timings`` holds the seconds of each stage: read_small, measures (the register's scan and
    digest), index, labelling, uncertainty, sensitivity (Sobol), national, outputs, total."""
    evidence_dir = Path(evidence_dir)
    predecessor_folder(campaign, evidence_dir, previous)  # a chained campaign needs it: say so before any work
    t0 = time.perf_counter()
    stock = sirene.find_stock(evidence_dir)
    # the register's digest is computed by the scan that measures it: the file is read once
    stock_hash = InPassDigest(stock) if stock is not None else None
    importing = _import_meanwhile(campaign)
    small = read_evidence_folder(evidence_dir, campaign)
    t1 = time.perf_counter()
    con = con or connect(engine)
    measures, info = compute_measures(con, campaign, evidence_dir, small, digest=stock_hash)
    if importing is not None:
        importing.join()  # never two threads importing the same modules past this point
    t2 = time.perf_counter()
    populations = pd.Series({t.id: t.population for t in campaign.territories})
    indicators = indicator_values(measures, populations, [c.id for c in campaign.indicators])
    indicators.insert(0, "population", populations.reindex(indicators.index))
    outcome = composite(indicators, campaign)
    normalised, scores = outcome.normalised, outcome.scores
    t3 = time.perf_counter()
    decisions, flags, flag_files, previous = label_audit(campaign, scores, small, measures, evidence_dir,
                                                         previous, stock)
    t4 = time.perf_counter()
    add_uncertainty(outcome, campaign, pass_matrix(campaign, decisions))
    t5 = time.perf_counter()
    generated = (evidence_dir / "GENERATED.json").exists()
    result = AuditResult(campaign, measures, indicators, normalised, scores, decisions, generated,
                         timings={"read_small": t1 - t0, "measures": t2 - t1, "index": t3 - t2,
                                  "labelling": t4 - t3, **_analyses_seconds(outcome, t5 - t4)},
                         flags=flags, flag_files=flag_files, evidence_dir=evidence_dir, previous=previous,
                         index=outcome)
    t6 = time.perf_counter()
    result.national = national_indicators(con, campaign, info, small)
    result.timings["national"] = time.perf_counter() - t6
    result.active_at_end = info.get("active_at_end")
    result.notes.append(f"register rows scanned: {info.get('register_rows', 0):,}")
    result.notes.extend(index_notes(outcome))
    result.notes.extend(labelling_notes(decisions, flags))
    if small is not None and getattr(small, "city_report", None):
        result.notes.append(f"{len(small.city_report)} funding round(s) with an unresolved city (see city_report.csv)")
    if small is not None and getattr(small, "laureate_list", None) is not None:
        result.notes.append(ilab.summary(small.laureate_list))
    if small is not None and getattr(small, "readers", None):
        result.notes.extend(f"source {line}" for line in describe_readers(small.readers))
    if out_dir is not None:
        inputs = _input_hashes(campaign, evidence_dir, small, stock, stock_hash) | predecessor_inputs(previous)
        if info.get("history_file") is not None:
            # a register too (gigabytes for the whole country): hashed by the pass that read it, as the stock
            inputs["establishments_history"] = digest_entry(info["history_file"], REGISTER_ALGORITHM,
                                                            info["history_hash"].result())
        t7 = time.perf_counter()
        write_outputs(result, Path(out_dir), inputs, engine, small)
        result.timings["outputs"] = time.perf_counter() - t7
    result.timings["total"] = time.perf_counter() - t0
    return result


def _analyses_seconds(outcome, seconds: float) -> dict:
    """The uncertainty and Sobol analyses' seconds (their sum when the index did not time them apart)."""
    timed = getattr(outcome, "seconds", {}) or {}
    sensitivity = timed.get("sensitivity", 0.0)
    return {"uncertainty": seconds - sensitivity, "sensitivity": sensitivity}


def _input_hashes(campaign, evidence_dir: Path, small, stock, stock_hash) -> dict:
    files = {}
    if campaign.path is not None:
        files["campaign"] = {"path": str(campaign.path), "sha256": sha256(campaign.path)}
    for source, paths in sorted((getattr(small, "paths", {}) or {}).items()):
        for p in paths:
            if Path(p).is_file():
                rel = Path(p).relative_to(evidence_dir).as_posix()
                files[f"{source}:{rel}"] = {"path": str(p), "sha256": sha256(p)}
    if stock is not None:
        files["establishments"] = digest_entry(stock, stock_hash.algorithm, stock_hash.result())
    return files


def _table_for(result: AuditResult) -> dict[str, pd.DataFrame]:
    c = result.campaign
    names = {t.id: t.name for t in c.territories}
    scores = result.scores.copy()
    scores.insert(0, "name", [names[t] for t in scores.index])
    scores = scores.reset_index().rename(columns={"index": "territory"})
    decisions = result.decisions.copy()
    decisions.insert(1, "name", [names[t] for t in decisions["territory"]])
    hist = {s.id: s.historical or "" for s in c.specs}
    decisions["historical"] = [hist[t] for t in decisions["territory"]]
    return {
        "measures.csv": result.measures.reset_index(),
        "indicators.csv": result.indicators.rename_axis("territory").reset_index(),
        "normalised.csv": result.normalised.rename_axis("territory").reset_index(),
        "scores.csv": scores.sort_values("rank", kind="stable"),
        "decisions.csv": decisions,
    }


SCRATCH = ".audit-"        # the scratch folders of write_outputs: .audit-<pid>-<random>
SCRATCH_MAX_AGE = 24 * 3600  # a scratch folder without an owner's pid (older versions): removed after a day


def _owner_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def remove_leftovers(parent: Path) -> list[Path]:
    """Remove the scratch folders that audits killed before the end left in ``parent``: only this
    kind of folder, and only when the process that made it (named in the folder) is gone."""
    removed = []
    for folder in Path(parent).glob(SCRATCH + "*"):
        if not folder.is_dir() or folder.is_symlink():
            continue
        owner = folder.name[len(SCRATCH):].split("-", 1)[0]
        if owner.isdigit():
            if int(owner) == os.getpid() or _owner_alive(int(owner)):
                continue
        else:
            try:
                if time.time() - folder.stat().st_mtime < SCRATCH_MAX_AGE:
                    continue
            except FileNotFoundError:
                continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def write_outputs(result: AuditResult, out: Path, inputs: dict, engine: str, small=None) -> None:
    """Write every artefact to a temporary folder, then move it into place: all or nothing.

    The scratch folder is named after this process, so that the next run removes it if this one is
    killed before the end."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(out.parent)
    tmp = Path(tempfile.mkdtemp(prefix=f"{SCRATCH}{os.getpid()}-", dir=out.parent))
    aids = None
    try:
        # the counterfactual searches start first, in forked processes, while the tables are written
        aids = DecisionAids(result)
        outputs = {}
        for name, frame in _table_for(result).items():
            frame.to_csv(tmp / name, index=False, float_format="%.10g", lineterminator="\n")
        if small is not None and getattr(small, "city_report", None):
            pd.DataFrame(small.city_report).to_csv(tmp / "city_report.csv", index=False, lineterminator="\n")
        if small is not None and getattr(small, "laureate_list", None) is not None:
            small.laureate_list.to_csv(tmp / "laureates.csv", index=False, lineterminator="\n")
        if result.national is not None and not result.national.empty:
            result.national.reset_index().to_csv(tmp / "national.csv", index=False, float_format="%.10g",
                                                 lineterminator="\n")
        write_labelling_outputs(result, tmp)
        if result.index is not None:
            write_index_outputs(result.index, tmp)
        aids.write(tmp)   # counterfactuals.csv and feedback/<lang>/<territory>.html
        outputs = output_hashes(tmp)
        c = result.campaign
        manifest = {
            **campaign_fields(c, result.evidence_dir),
            "software": software_versions(),
            "engine": engine,
            "inputs": inputs,
            **({"sources": small.readers} if getattr(small, "readers", None) else {}),
            **({"active_at_end": result.active_at_end} if result.active_at_end else {}),
            "outputs": outputs,
            **run_context(result),
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        write_manifest(tmp / "manifest.json", manifest)
        result.out = out
        if out.exists():
            old = out.with_name(out.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        if aids is not None:
            aids.cancel()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
