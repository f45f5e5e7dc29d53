"""Query backends for the indicator engine: DuckDB embedded by default, Apache Spark for clusters.

The same Ibis expressions run on each; only the connection differs.
"""
from __future__ import annotations

import os

import ibis

from frenchtech.errors import FrenchTechError

ENGINES = ("duckdb", "spark")

# Spark settings for a single machine; a cluster's own defaults apply when a master URL is given.
SPARK_LOCAL = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.driver.memory": "2g",
}
SPARK_ALWAYS = {
    # Dates are calendar days: no time zone may shift them on the way to pandas.
    "spark.sql.session.timeZone": "UTC",
    # Department folders (dep=2A, dep=75) are text, never numbers.
    "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
    "spark.sql.ansi.enabled": "false",
    # pandas <-> Spark through Arrow: fast, and missing dates stay null.
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}


def duckdb_settings() -> dict:
    """DuckDB's memory ceiling: a register scan streams, but DuckDB otherwise keeps buffers up to
    80 % of the machine's memory; the audit needs far less (FRENCHTECH_DUCKDB_MEMORY overrides)."""
    return {"memory_limit": os.environ.get("FRENCHTECH_DUCKDB_MEMORY", "512MB")}


def connect(engine: str = "duckdb", **options):
    """An Ibis connection for ``engine``; the same indicator definitions run on each.

    ``spark:MASTER`` is ``spark`` with that master URL. ``spark`` options: ``master`` (default ``local[*]``, or e.g. ``spark://host:7077``), ``session``
    (an existing SparkSession) and ``conf`` (extra Spark settings).
    """
    if engine == "duckdb":
        return ibis.duckdb.connect(**{**duckdb_settings(), **options})
    if engine == "spark" or engine.startswith("spark:"):
        if engine.startswith("spark:"):  # spark:local[2], spark:spark://host:7077, spark:yarn
            options.setdefault("master", engine.split(":", 1)[1])
        session = options.pop("session", None) or spark_session(**options)
        return ibis.pyspark.connect(session)
    raise ValueError(f"unknown engine {engine!r}; available: {', '.join(ENGINES)}")


def spark_session(master: str | None = None, conf: dict | None = None, app_name: str = "frenchtech"):
    """A SparkSession: local mode on this machine unless a master URL is given."""
    master = master or os.environ.get("FRENCHTECH_SPARK_MASTER") or "local[*]"
    if master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    try:
        from pyspark.sql import SparkSession  # optional (the spark extra)
    except ImportError:
        raise FrenchTechError("the spark engine needs PySpark, which is not installed: "
                              "pip install 'frenchtech[spark]' (and a Java runtime)") from None

    builder = SparkSession.builder.master(master).appName(app_name)
    settings = {**(SPARK_LOCAL if master.startswith("local") else {}), **SPARK_ALWAYS, **(conf or {})}
    for key, value in settings.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session
