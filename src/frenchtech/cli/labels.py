"""``frenchtech labels ...`` and ``frenchtech campaign status``: the label registry of the programme
database, in plain tables or JSON. A thin face over frenchtech.programme.labels.services."""
from __future__ import annotations

import datetime as dt
import json

import click

from frenchtech import programme


def _services():
    programme.setup()
    from frenchtech.programme.labels import services  # its models need Django set up first

    return services


def _date(value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD") from None


def _show(rows: list[dict], columns: list[str], as_json: bool, empty: str) -> None:
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False, default=str))
        return
    if not rows:
        click.echo(empty)
        return
    cells = [[("" if r.get(c) is None else str(r.get(c))) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    widths = [min(w, 60) for w in widths]
    click.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip())
    click.echo("  ".join("-" * w for w in widths))
    for row in cells:
        click.echo("  ".join(v[:w].ljust(w) for v, w in zip(row, widths)).rstrip())


@click.group()
def labels():
    """The label registry: active labels on a date, a territory's history, expiring labels, publication."""


@labels.command("list")
@click.option("--on", "on", default=None, help="Date YYYY-MM-DD (default: today).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_labels(on, as_json):
    """Labels active on a date (a label is active from its first day to the day before it ends)."""
    day = _date(on)
    rows = _services().active_labels(day)
    if not as_json:
        click.echo(f"{len(rows)} label(s) active on {day}")
    _show(rows, ["territory", "name", "kind", "theme", "phase", "valid_from", "review_until", "valid_until",
                 "campaign"], as_json, "")
    if not as_json:
        held = _services().deferred(day)
        if held:
            click.echo(f"{len(held)} territory(ies) deferred (no label; re-examined at the next campaign): "
                       + ", ".join(f"{r['territory']} ({r['campaign']})" for r in held))


@labels.command()
@click.argument("territory")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def history(territory, as_json):
    """Every published decision about TERRITORY, oldest first (corrections replace what they correct)."""
    rows = _services().label_history(territory)
    for r in rows:
        r["override"] = "OVERRIDE" if r["override"] else ""
    _show(rows, ["campaign", "decision", "kind", "decided_on", "valid_from", "valid_until", "reapply_from", "group",
                 "override", "early_warning", "reason"], as_json, f"no published decision about {territory!r}")


@labels.command()
@click.option("--within", "within_days", default=180, show_default=True, type=click.IntRange(min=0),
              help="Days ahead.")
@click.option("--on", "on", default=None, help="Date YYYY-MM-DD (default: today).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def expiring(within_days, on, as_json):
    """Active labels whose validity ends within the given number of days."""
    rows = _services().expiring(within_days, _date(on))
    _show(rows, ["territory", "kind", "theme", "valid_until", "campaign"], as_json, "no label expires in that window")


@labels.command("may-apply")
@click.argument("territory")
@click.option("--on", "on", default=None, help="Date YYYY-MM-DD (default: today).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def may_apply(territory, on, as_json):
    """Whether TERRITORY may apply again on a date (re-application delay, label held; a deferred
    territory may apply at once)."""
    row = _services().may_apply_again(territory, _date(on))
    _show([row], ["territory", "on", "may_apply", "from", "reason"], as_json, "")


@labels.command()
@click.argument("audit_dir", type=click.Path(exists=True, file_okay=False))
def publish(audit_dir):
    """Publish an audit's decisions (AUDIT_DIR: decisions.csv + manifest.json) to the programme database."""
    run = _services().publish_audit(audit_dir)
    n = run.decisions.count()
    click.echo(f"published {run.campaign}: {n} decision(s), manifest {run.manifest_sha256[:12]}…")


@labels.command()
@click.argument("campaign_id", metavar="CAMPAIGN")
@click.argument("audit_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--rationale", required=True, help="Why the campaign was audited again (published with each correction).")
@click.option("--confirm", "confirmed", default=None, metavar="SHA256",
              help="The new audit's manifest hash printed by a first run without --confirm: publishes.")
def reaudit(campaign_id, audit_dir, rationale, confirmed):
    """Publish a new audit of a published CAMPAIGN (AUDIT_DIR) as corrections.

    Without --confirm, prints what would change (decisions the jury took by hand stand) and the new
    audit's manifest hash; with --confirm HASH, publishes: a correction per changed decision, and the
    public pages serve the new audit from then on."""
    programme.setup()
    from frenchtech.programme.deliberation import reaudit as republish  # its models need Django set up first

    todo = republish.plan(campaign_id, audit_dir)
    for item in todo.changes:
        b, a = item["before"], item["after"]
        click.echo(f"  {item['name']}: {b['decision']} -> {a['decision']}"
                   + (f" ({a['valid_from']} to {a['valid_until']})" if a.get("valid_from") else ""))
    for item in todo.kept:
        click.echo(f"  {item['name']}: kept as the jury decided ({item['before']['decision']}; the new audit "
                   f"says {item['after']['decision']})")
    for territory in todo.unknown:
        click.echo(f"  {territory}: not in the published audit, not published")
    click.echo(f"{len(todo.changes)} correction(s), {len(todo.kept)} jury decision(s) kept; "
               f"new audit manifest {todo.manifest_sha256}")
    if confirmed is None:
        click.echo(f"nothing published: run again with --confirm {todo.manifest_sha256} to publish")
        return
    publication = republish.publish(campaign_id, audit_dir, rationale, None, confirmed_manifest=confirmed)
    click.echo(f"published the re-audit of {campaign_id}: {len(todo.changes)} correction(s), "
               f"{publication.files.count()} file(s) pinned")


@click.group()
def campaign():
    """Campaigns recorded in the programme database."""


@campaign.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def status(as_json):
    """Published campaigns: decisions by outcome, overrides, early warnings, declared-vs-observed flags."""
    rows = _services().campaign_status()
    _show(rows, ["campaign", "announced", "predecessor", "candidates", "labelled", "renewed", "confirmed",
                 "withdrawn", "not_selected", "deferred", "ineligible", "overrides", "early_warnings", "flagged"],
          as_json, "no campaign published yet (frenchtech labels publish AUDIT_DIR)")
