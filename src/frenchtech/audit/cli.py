"""``frenchtech verify MANIFEST``: re-run an audit from its manifest and prove the outputs identical."""
from __future__ import annotations

import json
import sys

import click


@click.command()
@click.argument("manifest", type=click.Path(exists=True))
@click.option("--json", "as_json", is_flag=True, help="Print the verification as JSON.")
@click.option("--no-rerun", is_flag=True, help="Only re-hash inputs and outputs and compare the software.")
def verify(manifest, as_json, no_rerun):
    """Verify the audit of MANIFEST (its manifest.json, or the audit folder).

    Re-hashes every input, compares the software versions, re-runs the audit in a scratch folder and
    compares every output. Exit status 0 when everything is identical, 1 when something differs
    (each difference is named)."""
    from frenchtech.audit.verify import describe
    from frenchtech.audit.verify import verify as run_verify

    report = run_verify(manifest, rerun=not no_rerun)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    elif report.ok:
        click.secho(f"verified: {report.inputs_checked} input(s) unchanged, {report.outputs_checked} output(s) "
                    "identical when re-run", fg="green")
    else:
        click.secho(f"NOT verified: {len(report.differences)} difference(s)", fg="red", bold=True)
        for d in report.differences:
            click.echo(f"  - {describe(d)}")
    sys.exit(0 if report.ok else 1)
