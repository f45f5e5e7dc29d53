"""``frenchtech showcase export`` and ``frenchtech report jury``."""
from __future__ import annotations

from pathlib import Path

import click

# Each command imports its domain when it runs: `frenchtech --help` and the other commands stay fast.

_AUDIT = click.Path(exists=True, file_okay=False, path_type=Path)


@click.group()
def showcase():
    """The public showcase (FR/EN): map, ranking, territory profiles, network, open data, API description."""


@showcase.command("export")
@click.option("--audit", "audits", required=True, multiple=True, type=_AUDIT,
              help="Audit folder (repeat for several campaigns, oldest first: the last one is shown, the "
                   "earlier ones give trends and label history).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the static site into (replaced).")
def export(audits, out_dir):
    """Write the showcase as a static site that works offline (open OUT/index.html)."""
    from frenchtech.report.site import export_showcase

    summary = export_showcase(list(audits), out_dir)
    if summary["generated"]:
        click.secho("GENERATED demo evidence: every page says so.", fg="yellow", bold=True)
    click.echo(f"{summary['pages']} pages, {len(summary['tables'])} tables x 3 formats, "
               f"{summary['bytes'] / 1e6:.1f} MB written to {summary['out']}")
    click.echo(f"open {Path(summary['out']) / 'index.html'}")


@click.group()
def report():
    """Reports for the programme: the printable jury report."""


@report.command("jury")
@click.option("--audit", "audit_dir", required=True, type=_AUDIT, help="Audit folder.")
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="HTML file to write (a PDF is written beside it when WeasyPrint is installed).")
@click.option("--lang", default="fr", show_default=True, type=click.Choice(["fr", "en"]))
@click.option("--no-pdf", is_flag=True, help="Do not try to write a PDF.")
def jury(audit_dir, out_file, lang, no_pdf):
    """Write the jury report: method, statistical audit, ranking with intervals, Sobol indices,
    declared-vs-observed flags and one page per territory. Printable from the browser."""
    from frenchtech.report.jury import write_jury

    result = write_jury(audit_dir, out_file, lang=lang, pdf=not no_pdf)
    if result["generated"]:
        click.secho("GENERATED demo evidence: the report says so on every page.", fg="yellow", bold=True)
    click.echo(f"jury report: {result['html']}")
    if result["pdf"]:
        click.echo(f"PDF: {result['pdf']}")
    elif result["pdf_skipped"]:
        click.echo(f"PDF skipped: {result['pdf_skipped']}; print the HTML to PDF from a browser.")
