"""The root ``frenchtech`` group: product errors become a clear message and exit status 2."""
from __future__ import annotations

import sys

import click

from frenchtech import __version__
from frenchtech.cli import audit, backup, demo, fund, index, labels, notify, ops, report, sources, whatif
from frenchtech.errors import FrenchTechError


class FrenchTechGroup(click.Group):
    """Turns product errors into a clear message and exit status 2, without a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except FrenchTechError as exc:
            click.secho(f"error: {exc}", fg="red", err=True)
            sys.exit(2)


@click.group(cls=FrenchTechGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="frenchtech")
def main():
    """Run a tech-ecosystem labelling programme end to end.

    \b
    Typical session:
      frenchtech demo                                   # generate 2014 evidence, audit, show the result
      frenchtech generate --campaign C.toml --out EV    # seeded evidence in the real formats (GENERATED)
      frenchtech audit --campaign C.toml --evidence EV --out OUT
      frenchtech index build IDATA.csv IMETA.csv --spec SPEC.toml --out OUT.csv
    """


for _command in (
    sources.generate, sources.ingest, sources.fetch, sources.sources,
    audit.audit, audit.verify, audit.keys, audit.sign,
    labels.labels, labels.campaign,
    index.index, whatif.whatif,
    fund.fund,
    report.report, report.showcase,
    demo.demo, demo.serve, ops.check,
    backup.backup, backup.restore, notify.notify,
):
    main.add_command(_command)


def run():  # pragma: no cover - console entry point
    main()
