"""``frenchtech whatif``: an audit re-run on its campaign with a few keys changed; the ranking and the
decisions that change. A thin face over frenchtech.labelling.whatif (nothing is written)."""
from __future__ import annotations

import json
from pathlib import Path

import click

# The index engine is imported when the command runs: `frenchtech --help` stays fast.


def _pct(value) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def _interval(row: dict) -> str:
    if row["rank_p05"] is None or row["rank_p95"] is None:
        return "—"
    return f"{row['rank_p05']:.0f}–{row['rank_p95']:.0f}"


@click.command()
@click.option("--audit", "audit_dir", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Audit folder (written by frenchtech audit).")
@click.option("--set", "assignments", multiple=True, metavar="KEY=VALUE",
              help="A campaign key to change (repeat): pillars.<pillar>=2, indicators.<indicator>=0.5, "
                   "index.normalise=n_zscore, index.aggregate=a_gmean, index.<step>.<parameter>=..., "
                   "labelling.quota=10, labelling.rule=threshold, labelling.threshold=1.0, "
                   "labelling.kinds.<kind>.<key>=...")
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON.")
def whatif(audit_dir, assignments, as_json):
    """What if the campaign had been set otherwise? Re-run the audit's index, decisions and Monte Carlo
    uncertainty on its campaign with the keys given changed, and print the ranking (rank, 5-95 % rank
    interval, probability of being labelled, decision) and the decisions that would change. The audit
    folder is read only: decisions are never changed by a what-if."""
    from frenchtech.labelling.whatif import parse_assignment
    from frenchtech.labelling.whatif import whatif as run_whatif

    settings = dict(parse_assignment(a) for a in assignments)
    result = run_whatif(audit_dir, settings)
    rows = result.records()
    if as_json:
        click.echo(json.dumps({"settings": result.settings, "replications": result.replications,
                               "rows": rows}, indent=2, ensure_ascii=False, default=str))
        return
    changes = ", ".join(f"{k}={v}" for k, v in settings.items()) or "nothing changed"
    click.echo(f"What if: {changes} ({result.replications} Monte Carlo replications)")
    head = f"{'rank':>4}  {'was':>3}  {'territory':<32} {'score':>6}  {'5-95 %':>7}  {'P(label)':>8}  decision"
    click.echo(head)
    click.echo("-" * len(head + " " * 20))
    for r in rows:
        mark = f"  (audit: {r['audit_decision']})" if r["changed"] else ""
        was = "" if r["audit_rank"] is None else r["audit_rank"]
        click.echo(f"{r['rank']:>4}  {was:>3}  {r['name'][:32]:<32} {r['score']:>6.1f}  {_interval(r):>7}  "
                   f"{_pct(r['p_labelled']):>8}  {r['decision']}{mark}")
    changed = [r for r in rows if r["changed"]]
    if not changed:
        click.echo("No decision changes.")
        return
    click.echo(f"{len(changed)} decision(s) change:")
    for r in changed:
        click.echo(f"  {r['territory']}: {r['audit_decision']} -> {r['decision']}")
