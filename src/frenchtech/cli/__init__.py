"""The ``frenchtech`` command line: a thin layer over the public API, one module per command group.

``main`` is the click group (``frenchtech.cli.main``); ``run`` is the console script's entry point."""
from frenchtech.cli.main import main, run

__all__ = ["main", "run"]
