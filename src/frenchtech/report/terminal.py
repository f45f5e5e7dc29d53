"""What the command line shows: the ranking table, progress bars and spinners."""
from __future__ import annotations

from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

# Wide enough for the ranking table even when the output is a pipe or a CI log.
console = Console(width=None if Console().is_terminal else 140)


@contextmanager
def progress_bar(description: str, total: int):
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=False) as progress:
        task = progress.add_task(description, total=total)
        yield lambda n: progress.advance(task, n)


@contextmanager
def spinner(description: str):
    with console.status(description):
        yield


def print_audit(result) -> None:
    c = result.campaign
    if result.generated:
        console.print("[bold yellow]GENERATED EVIDENCE — demo figures, not real data[/]")
    table = Table(title=f"{c.name} — ranking and decisions", title_justify="left")
    for col, kw in (("rank", {"justify": "right"}), ("territory", {}), ("population", {"justify": "right"}),
                    ("score", {"justify": "right"})):
        table.add_column(col, **kw)
    has_interval = "rank_p05" in result.scores.columns
    if has_interval:
        table.add_column("rank 5–95 %", justify="center")
        table.add_column("P(labelled)", justify="right")
    table.add_column("decision")
    table.add_column("reason", overflow="fold", max_width=48)
    table.add_column("real outcome")
    decisions = result.decisions.set_index("territory")
    hist = {s.id: s.historical or "" for s in c.specs}
    for tid, row in result.scores.sort_values("rank", kind="stable").iterrows():
        t = c.territory(tid)
        d = decisions.loc[tid]
        colour = "green" if d["decision"] == "labelled" else "red"
        cells = [str(int(row["rank"])), t.name, f"{t.population:,}", f"{row['score']:.1f}"]
        if has_interval:
            cells += [f"{int(row['rank_p05'])}–{int(row['rank_p95'])}", f"{row['p_labelled']:.0%}"]
        cells += [f"[{colour}]{d['decision'].replace('_', ' ')}[/]", d["reason"], hist.get(tid, "").replace("_", " ")]
        table.add_row(*cells)
    console.print(table)
    for note in result.notes:
        console.print(f"  {note}")
    if result.out is not None:
        console.print(f"Artefacts written to [bold]{result.out}[/] (indicators.csv, scores.csv, decisions.csv, manifest.json)")
