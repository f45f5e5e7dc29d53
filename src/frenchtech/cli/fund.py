"""``frenchtech fund``: generate applications, allocate a call, keep the ledger, report."""
from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import click

from frenchtech import programme
from frenchtech.errors import InputError

# Each command imports its domain when it runs: `frenchtech --help` and the other commands stay fast.

RULES_HELP = "Fund rules or call file (TOML), or a shipped rules name."


def _programme(database):
    programme.setup(database)
    from frenchtech.programme.fund import services  # its models need Django set up first

    return services


def _eur(x) -> str:
    return f"EUR {Decimal(x):,.2f}"


@click.group()
def fund():
    """The accelerator fund: applications, explained allocation, ledger, portfolio report.

    \b
      frenchtech fund generate --n 60 --seed 1 --out apps.csv
      frenchtech fund allocate fund-2014 --applications apps.csv --out alloc
      frenchtech fund ledger open
      frenchtech fund ledger commit alloc
      frenchtech fund report
    """


@fund.command()
@click.option("--n", "n", default=60, show_default=True, type=click.IntRange(min=1), help="Applications.")
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--regions", default=None, type=click.IntRange(min=1), help="Restrict to this many regions.")
@click.option("--rules", "rules_file", default="fund-2014", show_default=True, help=RULES_HELP)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def generate(n, seed, regions, rules_file, out):
    """Write GENERATED applications (seeded, realistic, not real accelerators) to a CSV file."""
    from frenchtech.fund import Locator, load_fund, write_applications
    from frenchtech.fund.generate import GENERATED_NOTE, generate_applications

    f = load_fund(rules_file)
    apps = generate_applications(Locator.for_fund(f), n, seed=seed, n_regions=regions)
    write_applications(apps, out, header_comment=f"{GENERATED_NOTE}; seed {seed}")
    click.echo(f"GENERATED {n} applications (seed {seed}, not real accelerators) written to {out}")


@fund.command()
@click.argument("call")
@click.option("--applications", "apps_file", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--labelled", default=None,
              help="Labelled territories: comma-separated ids or an audit's decisions.csv (default: the rules').")
@click.option("--rolling", is_flag=True, help="Allocate against what the ledger says remains (programme database).")
@click.option("--database", default=None, help="Programme database URL (default: DATABASE_URL or the SQLite file).")
@click.option("--explain-limit", default=100, show_default=True, type=click.IntRange(min=0),
              help="Rejected applications whose needed score is found by re-solving (best scored first).")
@click.option("--time-limit", default=60.0, show_default=True, type=float, help="Solver time limit in seconds.")
def allocate(call, apps_file, out, labelled, rolling, database, explain_limit, time_limit):
    """Allocate a batch of applications under the fund's rules; explain the result.

    Writes allocation.csv, explanation.json and explanation.md to OUT and prints the optimality
    certificate (or the gap)."""
    from frenchtech.fund import (
        Existing,
        Locator,
        assess,
        explain,
        labelled_from,
        load_fund,
        read_applications,
    )
    from frenchtech.fund import allocate as solve
    from frenchtech.fund.outputs import write_allocation

    f = load_fund(call)
    locator = Locator.for_fund(f, labelled_from(labelled) if labelled else None)
    apps = locator.locate_all(read_applications(apps_file), where=str(apps_file))
    existing = None
    if rolling:
        st = _programme(database).committed_state(f.id)
        existing = Existing(st["available"], st["committed"], st["labelled"], st["by_region"])
        click.echo(f"rolling: {_eur(st['committed'])} already committed, {_eur(st['available'])} available")
    alloc = solve(apps, assess(apps, f), f.rules, existing, time_limit=time_limit)
    expl = explain(alloc, resolve_limit=explain_limit, vintage=f.vintage)
    doc = write_allocation(out, alloc, apps, expl, f, generated=any(a.generated for a in apps))
    s = doc["summary"]
    click.echo(alloc.certificate())
    click.echo(f"funded {s['funded']} of {s['applications']} applications: {_eur(s['batch_total_eur'])}, "
               f"score-weighted value {s['value']}, solved in {alloc.seconds:.2f} s")
    if s["labelled_share_after"] is not None:
        click.echo(f"labelled ecosystems: {s['labelled_share_after']:.2%} of committed money")
    click.echo("binding: " + (", ".join(b["rule"] for b in doc["binding"]) or "none"))
    click.echo(f"reference {doc['reference']}; written to {out}")


@fund.group()
def ledger():
    """The fund's ledger in the programme database (exact decimals, double entry)."""


def _fund_id(rules_file):
    from frenchtech.fund import load_fund

    return load_fund(rules_file)


@ledger.command("open")
@click.option("--rules", "rules_file", default="fund-2014", show_default=True, help=RULES_HELP)
@click.option("--database", default=None)
@click.option("--by", "decided_by", default="", help="Who decided.")
def ledger_open(rules_file, database, decided_by):
    """Open the fund with its budget (idempotent)."""
    f = _fund_id(rules_file)
    svc = _programme(database)
    svc.open_fund(f.id, f.name, f.budget_eur, decided_by=decided_by)
    click.echo(f"fund {f.id} open: budget {_eur(f.budget_eur)}, available {_eur(svc.balances(f.id).available)}")


@ledger.command("commit")
@click.argument("allocation_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--rules", "rules_file", default="fund-2014", show_default=True, help=RULES_HELP)
@click.option("--database", default=None)
@click.option("--by", "decided_by", default="", help="Who decided.")
def ledger_commit(allocation_dir, rules_file, database, decided_by):
    """Book the commitments of an allocation folder (re-running it after a crash is safe)."""
    f = _fund_id(rules_file)
    from frenchtech.fund.outputs import decision_payload, read_allocation

    doc, rows = read_allocation(allocation_dir)
    rows = [r for r in rows if r["funded"] == "true"]
    svc = _programme(database)
    result = svc.commit_allocation(f.id, doc["reference"], rows, rationale=doc["certificate"], decided_by=decided_by,
                                   payload=decision_payload(doc))
    click.echo(f"{doc['reference']}: {result['booked']} commitment(s) booked, {result['skipped']} already booked; "
               f"available {_eur(svc.balances(f.id).available)}")


def _position_command(name, op, help_text):
    @ledger.command(name, help=help_text)
    @click.argument("application_id")
    @click.argument("amount")
    @click.option("--decision", required=True, help="Reference of the decision (created if new).")
    @click.option("--key", default=None, help="Idempotency key (default: decision:op:application).")
    @click.option("--rationale", default="")
    @click.option("--rules", "rules_file", default="fund-2014", show_default=True, help=RULES_HELP)
    @click.option("--database", default=None)
    def _cmd(application_id, amount, decision, key, rationale, rules_file, database):
        f = _fund_id(rules_file)
        svc = _programme(database)
        entry = svc.decide_and_book(f.id, op, application_id, amount, decision, key, rationale=rationale)
        click.echo(f"{name} {application_id} {_eur(entry.amount_eur)} booked under decision {decision}")
    return _cmd


_position_command("disburse", "disburse", "Pay out part of a commitment.")
_position_command("return", "return", "Record proceeds received from a position.")
_position_command("write-off", "write_off", "Write off invested money.")
_position_command("release", "release", "Give an undrawn commitment back to the budget.")


@ledger.command("decide")
@click.argument("kind", type=click.Choice(["allocation", "disbursement", "return", "write_off", "release"]))
@click.argument("reference")
@click.option("--rationale", default="", help="Why.")
@click.option("--by", "decided_by", default="", help="Who decided.")
@click.option("--rules", "rules_file", default="fund-2014", show_default=True, help=RULES_HELP)
@click.option("--database", default=None)
def ledger_decide(kind, reference, rationale, decided_by, rules_file, database):
    """Record a decision that entries can then point to (idempotent on its reference)."""
    f = _fund_id(rules_file)
    d = _programme(database).record_decision(f.id, kind, reference, rationale=rationale, decided_by=decided_by)
    click.echo(f"decision {d.reference} ({d.kind}) recorded")


@ledger.command("apply")
@click.argument("batch", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--rules", "rules_file", default="fund-2014", show_default=True, help=RULES_HELP)
@click.option("--database", default=None)
def ledger_apply(batch, rules_file, database):
    """Apply a CSV batch of entries (op, application_id, amount, decision, key; for a commitment also
    accelerator, siren, territory, region, labelled). Entries already booked, recognised by their
    key, are skipped: re-apply the same batch after a crash."""
    f = _fund_id(rules_file)
    svc = _programme(database)
    with open(batch, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    entries = []
    for n, r in enumerate(rows, start=2):
        missing = [c for c in ("op", "application_id", "amount", "decision", "key") if not (r.get(c) or "").strip()]
        if missing:
            raise InputError(batch, f"empty value(s) for {', '.join(missing)}", line=n)
        e = {k: r[k].strip() for k in ("op", "application_id", "amount", "decision", "key")}
        if e["op"] == "commit":
            e.update({k: (r.get(k) or "").strip() for k in ("accelerator", "siren", "territory", "region")})
            e["labelled"] = (r.get("labelled") or "").strip().lower() in ("true", "1")
        entries.append(e)
    result = svc.apply_entries(f.id, entries)
    click.echo(f"{result['booked']} entr{'y' if result['booked'] == 1 else 'ies'} booked, {result['skipped']} "
               f"already booked; available {_eur(svc.balances(f.id).available)}")


@ledger.command("list")
@click.option("--limit", default=50, show_default=True, type=int)
@click.option("--rules", "rules_file", default="fund-2014", show_default=True, help=RULES_HELP)
@click.option("--database", default=None)
def ledger_list(limit, rules_file, database):
    """The latest ledger entries."""
    f = _fund_id(rules_file)
    for e in _programme(database).entries(f.id, limit):
        click.echo(f"{e['id']:>6} {e['at']} {e['kind']:<10} {e['application_id']:<10} {_eur(e['amount_eur']):>22}  "
                   f"{e['decision']}")


@fund.command()
@click.option("--rules", "rules_file", default="fund-2014", show_default=True, help=RULES_HELP)
@click.option("--database", default=None)
@click.option("--out", default=None, type=click.Path(dir_okay=False, path_type=Path), help="Also write a JSON report.")
def report(rules_file, database, out):
    """Portfolio per territory and region, remaining budget and the reserved share."""
    from frenchtech.fund.reporting import portfolio_report

    f = _fund_id(rules_file)
    svc = _programme(database)
    rep = portfolio_report(svc.balances(f.id), svc.portfolio(f.id), f.rules, f.vintage)
    click.echo(rep["text"])
    if out:
        Path(out).write_text(json.dumps(rep["data"], indent=2, default=str) + "\n", encoding="utf-8")

