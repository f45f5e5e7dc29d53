"""The ``frenchtech`` command line: a thin layer over the public API."""
from __future__ import annotations

import click

from frenchtech import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="frenchtech")
def main():
    """Run a tech-ecosystem labelling programme: generate or ingest evidence, audit a campaign,
    verify a past audit, build composite indices, and serve the platform."""


def run():  # pragma: no cover - console entry point
    main()
