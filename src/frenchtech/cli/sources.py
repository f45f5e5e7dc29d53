"""``frenchtech generate``, ``frenchtech ingest`` and ``frenchtech fetch``: demo evidence in the real
formats, and registers into the columnar evidence store."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import click
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from frenchtech.report.terminal import console, progress_bar

# Each command imports its domain when it runs: `frenchtech --help` and the other commands stay fast.


@contextmanager
def _bytes_bar(description: str):
    """A progress bar over bytes whose total is learnt from the first report."""
    with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                  TimeRemainingColumn(), console=console) as bar:
        task = bar.add_task(description, total=None)
        yield lambda total, done: bar.update(task, total=total, completed=done)


@click.command()
@click.option("--campaign", "campaign_file", required=True, help="Campaign TOML file (or a shipped campaign name).")
@click.option("--rows", default=200_000, show_default=True, type=click.IntRange(min=1),
              help="Rows of the SIRENE-shaped establishment register to write.")
@click.option("--seed", default=None, type=int, help="Random seed (default: the campaign's seed).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the evidence files into.")
def generate(campaign_file, rows, seed, out_dir):
    """Write GENERATED demo evidence for a campaign, in the real file formats.

    The SIRENE-shaped register covers every commune of the campaign's geography, calibrated on the
    real legal populations; funding rounds, structures, initiatives and dossiers follow. Everything
    written is labelled as generated (comment lines, GENERATED.json, README.txt)."""
    from frenchtech.campaign import load_campaign
    from frenchtech.campaign.shipped import campaign_path
    from frenchtech.sources.generate import generate_evidence

    campaign = load_campaign(campaign_path(campaign_file))
    seed = campaign.seed if seed is None else seed
    with progress_bar(f"generating {rows:,} register rows", total=rows) as advance:
        summary = generate_evidence(campaign, out_dir, rows=rows, seed=seed, progress=advance)
    click.echo(f"\nGENERATED demo evidence (seed {seed}, not real figures) written to {out_dir}")
    for entry in summary.get("files", []):
        click.echo(f"  {entry.get('name', entry.get('path', entry)) if isinstance(entry, dict) else entry}")


@click.group()
def ingest():
    """Convert a register into the columnar evidence store (partitioned Parquet)."""


@ingest.command("sirene")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--store", "store_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Store folder [default: StockEtablissement_store beside PATH, where `audit` finds it].")
@click.option("--force", is_flag=True, help="Rebuild even if the store is up to date with PATH.")
@click.option("--memory-limit", default="1GB", show_default=True, help="DuckDB memory limit while writing.")
def ingest_sirene_command(path, store_dir, force, memory_limit):
    """Convert a StockEtablissement CSV (zipped or not) into the store.

    Streams the file once with bounded memory; keeps the columns the indicators read, typed (codes as
    text); writes zstd Parquet partitioned by department. Interrupted? Run it again: it resumes, and
    the previous store stays in place until the new one is complete."""
    from frenchtech.sources.sirene import STORE_NAME
    from frenchtech.sources.store import ingest_sirene

    store_dir = store_dir or path.parent / STORE_NAME
    with _bytes_bar(f"ingesting {path.name}") as progress:
        s = ingest_sirene(path, store_dir, progress=progress, force=force, memory_limit=memory_limit)
    if s.up_to_date:
        click.echo(f"{store_dir} is up to date with {path.name} ({s.rows:,} rows); nothing to do (--force rebuilds)")
        return
    rate = s.rows / s.seconds if s.seconds else 0.0
    resumed = f", resumed after {s.resumed_parts} finished part(s)" if s.resumed_parts else ""
    click.echo(f"store: {store_dir}")
    click.echo(f"rows: {s.rows:,} in {s.seconds:.1f} s ({rate:,.0f} rows/s{resumed})")
    click.echo(f"rejected rows: {s.rejected_total:,}")
    for reason, n in sorted(s.rejected.items()):
        click.echo(f"  {reason}: {n:,}")


@click.group()
def fetch():
    """Download registers from their publishers (needs a network)."""


@fetch.command("sirene")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to download into (an evidence folder).")
@click.option("--url", default=None, help="Where to download from [default: INSEE's monthly stock on data.gouv.fr].")
@click.option("--sha256", default=None, help="Expected SHA-256 of the file, if published.")
def fetch_sirene_command(out_dir, url, sha256):
    """Download INSEE's monthly StockEtablissement zip (resumes an interrupted download)."""
    from frenchtech.sources.fetch import SIRENE_STOCK_URL, fetch_sirene

    url = url or SIRENE_STOCK_URL
    with _bytes_bar("downloading") as progress:
        got = fetch_sirene(out_dir, url, sha256=sha256, progress=progress)
    resumed = f", resumed at byte {got.resumed_from:,}" if got.resumed_from else ""
    click.echo(f"{got.path} ({got.size:,} bytes{resumed}) sha256 {got.sha256}")
    click.echo(f"next: frenchtech ingest sirene {got.path}")


@click.command("sources")
@click.option("--json", "as_json", is_flag=True, help="Print the readers as JSON.")
def sources(as_json):
    """List the evidence readers: the files each expects, where each publisher puts them, and how a
    campaign chooses it ([evidence.rounds] format = "crunchbase", [evidence.rates] format = "ecb"...)."""
    import json

    from frenchtech.sources.evidence import READERS

    if as_json:
        click.echo(json.dumps([{"source": r.source, "format": r.format, "files": list(r.files),
                                "publisher": r.publisher, "module": r.module} for r in READERS],
                              indent=2, ensure_ascii=False))
        return
    current = None
    for r in READERS:
        if r.source != current:
            current = r.source
            click.echo(f"\n{r.source}")
        choice = (f'[evidence.{r.source}] format = "{r.format}"' if r.source in ("rounds", "rates")
                  else "read when present" if r.module == "frenchtech.sources.history" else "always read")
        default = " (default)" if r.format == "frenchtech" and r.source in ("rounds", "rates") else ""
        click.echo(f"  {r.format}{default}: {', '.join(r.files)}")
        click.echo(f"      from: {r.publisher}")
        click.echo(f"      campaign: {choice}; reader: {r.module}")
    click.echo("\nEvery reader and file layout: docs/evidence-formats.md")
