"""Query backends for the indicator engine: DuckDB embedded by default."""
from __future__ import annotations

import ibis

ENGINES = ("duckdb",)


def connect(engine: str = "duckdb", **options):
    """An Ibis connection for ``engine``; the same indicator definitions run on each."""
    if engine == "duckdb":
        return ibis.duckdb.connect(**options)
    raise ValueError(f"unknown engine {engine!r}; available: {', '.join(ENGINES)}")
