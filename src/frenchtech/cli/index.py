"""``frenchtech index``: build, uncertainty and sensitivity from COINr iData/iMeta CSV files."""
from __future__ import annotations

from pathlib import Path

import click

# Each command imports the index engine (pandas, scipy) when it runs: `frenchtech --help` and the other
# commands stay fast.


def _load(idata, imeta, spec):
    from frenchtech.index.coinr_io import read_coinr
    from frenchtech.index.errors import IndexInputError
    from frenchtech.index.spec import load_spec

    try:
        return read_coinr(idata, imeta) + (load_spec(spec),)
    except IndexInputError as e:
        raise click.ClickException(str(e)) from None


def _inputs(spec: dict, section: str, inputs_file) -> tuple[list, dict]:
    from frenchtech.index.spec import load_spec

    opts = dict(spec.get(section) or {})
    if inputs_file:
        inputs = load_spec(inputs_file).get("inputs", [])
    else:
        inputs = opts.get("inputs") or (spec.get("uncertainty") or {}).get("inputs") or []
    if not inputs:
        raise click.ClickException(f"no uncertain inputs: add [[{section}.inputs]] to the spec or give --inputs")
    return inputs, opts


def _fail(e: Exception):
    raise click.ClickException(str(e)) from None


@click.group()
def index():
    """Composite index (COINr methods): build it, audit it, test how much its ranks depend on choices."""


@index.command()
@click.argument("idata", type=click.Path(dir_okay=False))
@click.argument("imeta", type=click.Path(dir_okay=False))
@click.option("--spec", "spec_path", required=True, type=click.Path(dir_okay=False),
              help="TOML file: one table per step ([denominate], [impute], ..., [aggregate]).")
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="CSV to write COINr's Aggregated table (uCode, indicators, aggregates).")
@click.option("--tables", type=click.Path(file_okay=False), default=None,
              help="Also write every step's table and the audit to this folder.")
def build(idata, imeta, spec_path, out, tables):
    """Build the index from IDATA and IMETA (COINr tables) as SPEC says; write the Aggregated table."""
    from frenchtech.index import audit as audit_mod
    from frenchtech.index import build as build_index
    from frenchtech.index.coinr_io import write_table
    from frenchtech.index.errors import IndexInputError

    d, m, spec = _load(idata, imeta, spec_path)
    try:
        res = build_index(d, m, spec)
    except IndexInputError as e:
        _fail(e)
    write_table(res.aggregated, out)
    if tables:
        folder = Path(tables)
        for name in res.tables:
            write_table(res.tables[name], folder / f"{name}.csv")
        write_table(res.ranks, folder / "ranks.csv")
        a = audit_mod(res)
        write_table(a["stats"], folder / "audit_stats.csv")
        if "leave_one_out" in a:
            write_table(a["leave_one_out"], folder / "audit_leave_one_out.csv")
            write_table(a["cronbach"].rename_axis("iCode").reset_index(), folder / "audit_cronbach.csv")
    top = res.ranks.sort_values("Rank").head(5)
    click.echo(f"{len(res.aggregated)} units, {len(res.framework.indicators)} indicators -> {out}")
    for _, r in top.iterrows():
        click.echo(f"  {int(r.Rank):>3}  {r.uCode:<8} {r.Score:.2f}")


@index.command()
@click.argument("idata", type=click.Path(dir_okay=False))
@click.argument("imeta", type=click.Path(dir_okay=False))
@click.option("--spec", "spec_path", required=True, type=click.Path(dir_okay=False),
              help="TOML spec; uncertain inputs in [[uncertainty.inputs]] unless --inputs is given.")
@click.option("--inputs", "inputs_file", type=click.Path(dir_okay=False), default=None,
              help="TOML file with [[inputs]] tables (name, address, values | range | noise).")
@click.option("-n", "--n", "n", type=int, default=None, help="Replications (default: spec, else 1000).")
@click.option("--seed", type=int, default=None, help="Random seed (default: spec, else 0).")
@click.option("--quota", type=int, default=None, help="Pass rule: the QUOTA best ranks pass.")
@click.option("--threshold", type=float, default=None, help="Pass rule: score >= THRESHOLD passes.")
@click.option("--relative", type=float, default=None, help="Pass rule: score >= RELATIVE x mean score.")
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="CSV of rank statistics per unit (Nominal, Mean, Median, Q5, Q95, PassProbability).")
def uncertainty(idata, imeta, spec_path, inputs_file, n, seed, quota, threshold, relative, out):
    """Monte Carlo over the uncertain inputs: each unit's rank interval and chance of passing."""
    from frenchtech.index import uncertainty as run_uncertainty
    from frenchtech.index.coinr_io import write_table
    from frenchtech.index.errors import IndexInputError

    d, m, spec = _load(idata, imeta, spec_path)
    inputs, opts = _inputs(spec, "uncertainty", inputs_file)
    try:
        res = run_uncertainty(d, m, spec, inputs, n=n or int(opts.get("n", 1000)),
                              seed=seed if seed is not None else int(opts.get("seed", 0)),
                              quota=quota, threshold=threshold, relative=relative)
    except IndexInputError as e:
        _fail(e)
    write_table(res.rank_stats, out)
    click.echo(f"{len(res.scores)} replications ({res.failed} failed) -> {out}")


@index.command()
@click.argument("idata", type=click.Path(dir_okay=False))
@click.argument("imeta", type=click.Path(dir_okay=False))
@click.option("--spec", "spec_path", required=True, type=click.Path(dir_okay=False),
              help="TOML spec; inputs in [[sensitivity.inputs]] or [[uncertainty.inputs]].")
@click.option("--inputs", "inputs_file", type=click.Path(dir_okay=False), default=None,
              help="TOML file with [[inputs]] tables.")
@click.option("-n", "--n", "n", type=int, default=None, help="Base sample size N (N (d+2) runs; default 100).")
@click.option("--seed", type=int, default=None, help="Random seed (default: spec, else 0).")
@click.option("--boot", "n_boot", type=int, default=None, help="Bootstrap resamples for intervals (100).")
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="CSV of Sobol indices: Variable, S1, S1_conf, ST, ST_conf.")
def sensitivity(idata, imeta, spec_path, inputs_file, n, seed, n_boot, out):
    """First-order and total Sobol indices of each input on the mean absolute rank shift."""
    from frenchtech.index import sensitivity as run_sensitivity
    from frenchtech.index.coinr_io import write_table
    from frenchtech.index.errors import IndexInputError

    d, m, spec = _load(idata, imeta, spec_path)
    inputs, opts = _inputs(spec, "sensitivity", inputs_file)
    try:
        res = run_sensitivity(d, m, spec, inputs, n=n or int(opts.get("n", 100)),
                              seed=seed if seed is not None else int(opts.get("seed", 0)),
                              n_boot=n_boot or int(opts.get("n_boot", 100)))
    except IndexInputError as e:
        _fail(e)
    write_table(res.indices, out)
    click.echo(f"{res.n_runs} runs -> {out}")
    click.echo(res.indices.to_string(index=False, float_format=lambda v: f"{v:.3f}"))


def _costs(pairs) -> dict:
    out = {}
    for pair in pairs:
        code, sep, weight = pair.partition("=")
        try:
            out[code.strip()] = float(weight)
        except ValueError:
            sep = ""
        if not sep or not code.strip():
            raise click.BadParameter(f"expected iCode=WEIGHT (e.g. funding_eur=2), got {pair!r}", param_hint="--cost")
    return out


@index.command()
@click.argument("idata", type=click.Path(dir_okay=False))
@click.argument("imeta", type=click.Path(dir_okay=False))
@click.option("--spec", "spec_path", required=True, type=click.Path(dir_okay=False),
              help="TOML spec; [[uncertainty.inputs]] (or --inputs) give the probability after each change.")
@click.option("--quota", type=int, default=None, help="Rule: the QUOTA best units pass.")
@click.option("--threshold", type=float, default=None, help="Rule: score >= THRESHOLD passes.")
@click.option("--relative", type=float, default=None, help="Rule: score >= RELATIVE x mean score passes.")
@click.option("--unit", "units", multiple=True, help="A unit (uCode) to explain; repeat; default: every unit.")
@click.option("--cost", "costs", multiple=True, metavar="ICODE=WEIGHT",
              help="Weight of an indicator's relative change in the combination's cost (default 1); repeat.")
@click.option("--inputs", "inputs_file", type=click.Path(dir_okay=False), default=None,
              help="TOML file with [[inputs]] tables (the uncertainty of the probability after a change).")
@click.option("-n", "--n", "n", type=int, default=None, help="Replications for that probability (default: spec, else 1000).")
@click.option("--seed", type=int, default=None, help="Random seed (default: spec, else 0).")
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="CSV: per unit, the smallest change of each indicator alone, the cheapest combination "
                   "(below the bar) or the margin of each indicator (above it), each checked by a re-run.")
def counterfactual(idata, imeta, spec_path, quota, threshold, relative, units, costs, inputs_file, n, seed, out):
    """What would change each unit's outcome: the smallest improvement of each indicator alone that puts
    a unit over the bar, the cheapest combination, or how far each indicator could fall (units above)."""
    from frenchtech.index import counterfactuals
    from frenchtech.index.coinr_io import write_table
    from frenchtech.index.errors import IndexInputError

    d, m, spec = _load(idata, imeta, spec_path)
    opts = dict(spec.get("uncertainty") or {})
    inputs = None
    if inputs_file or opts.get("inputs"):
        inputs, opts = _inputs(spec, "uncertainty", inputs_file)
    if sum(x is not None for x in (quota, threshold, relative)) != 1:
        raise click.UsageError("give one rule: --quota, --threshold or --relative")
    try:
        res = counterfactuals(d, m, spec, units=list(units) or None, quota=quota, threshold=threshold,
                              relative=relative, costs=_costs(costs), inputs=inputs,
                              n=n or int(opts.get("n", 1000)), seed=seed if seed is not None else int(opts.get("seed", 0)))
    except IndexInputError as e:
        _fail(e)
    write_table(res.table, out)
    t = res.table
    click.echo(f"{t['uCode'].nunique()} units, {res.evaluations} pipeline runs -> {out}")
    for unit, rows in t[t["kind"] == "combination"].groupby("uCode", sort=False):
        found = rows[rows["found"]]
        if found.empty:
            click.echo(f"  {unit:<10} below the bar: no change found within the search range")
            continue
        changes = ", ".join(f"{r.iCode} {r.value:.4g} -> {r.new_value:.4g}" for r in found.itertuples())
        p = found["p_pass"].iloc[0]
        click.echo(f"  {unit:<10} below the bar: {changes} (cost {found['combination_cost'].iloc[0]:.3g}"
                   + (f", P(pass) {p:.2f})" if p == p else ")"))
