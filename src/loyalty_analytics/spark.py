"""The project on Spark: a local Spark session as dbt-spark's `session` method uses it, and a
loader of the raw tables.

dbt-spark's session method runs Spark inside the dbt process (pyspark and the machine's
Java 17): ``SparkSession.builder.enableHiveSupport()...getOrCreate()``, so tables live in a
local warehouse directory with a Derby metastore. ``session_config()`` holds the settings the
`spark` target of profiles.example.yml passes as server_side_parameters; ``local_session()``
starts that session in this process (dbt then reuses it), and ``load_from_duckdb()`` copies
the five raw tables of a DuckDB warehouse into it as Parquet tables with the contract's
column types spelled for Spark.

pyspark comes with dbt-spark[session] (the ``engines`` extra); it is imported only here.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import duckdb

from loyalty_analytics.contract import CURRENCY_TABLES, RAW_SCHEMA, present_tables

# The contract's DuckDB types (contract.py) as Spark spells them.
SPARK_TYPES = {
    "varchar": "string",
    "timestamp": "timestamp",
    "integer": "int",
    "decimal(18,2)": "decimal(18, 2)",
    "date": "date",
    "decimal(18,8)": "decimal(18, 8)",
}


class SparkError(Exception):
    """The session could not be started or loaded."""


def spark_type(duckdb_type: str) -> str:
    """The Spark spelling of a contract type."""
    key = duckdb_type.lower().replace(" ", "")
    if key not in SPARK_TYPES:
        raise SparkError(f"no Spark type for contract type {duckdb_type}")
    return SPARK_TYPES[key]


# The driver JVM's options beside Derby's home (profiles.example.yml has the same):
# - the serial garbage collector: a small heap on a few cores, where the default (G1) runs
#   collector threads beside the session. The Spark test, alone, three pairs alternating:
#   250, 338, 260 core-s of the machine with G1, 229, 314, 246 with it.
# - C2, the JIT's optimising compiler, only for much hotter methods: tier 4's thresholds
#   raised (JDK 17's defaults: invocations 5,000, at least 600 with 15,000 invocations and
#   loop iterations together, 40,000 loop iterations). A dbt build is a few hundred small
#   queries, each through different planner code: the C2 compiler thread took 52 of the
#   JVM's 118 sampled CPU-s (JFR), compiling code that then hardly ran. The Spark test,
#   alone, in the order default, these, these, default: the JVM 193.7, 133.0, 153.2, 188.3
#   CPU-s; the machine 240.9, 178.6, 204.3, 235.1 core-s. Three times these thresholds: 128.7
#   and 151.4 CPU-s, no better. C1 alone (TieredStopAtLevel=1) saved no CPU, 25 s longer.
JVM_OPTIONS = " ".join([
    "-XX:+UseSerialGC",
    "-XX:Tier4InvocationThreshold=50000",
    "-XX:Tier4MinInvocationThreshold=20000",
    "-XX:Tier4CompileThreshold=60000",
    "-XX:Tier4BackEdgeThreshold=400000",
])


def session_config(warehouse_dir: str | os.PathLike, metastore_dir: str | os.PathLike,
                   ) -> dict[str, str]:
    """Settings of a small local session: tables under ``warehouse_dir``, the Derby metastore
    (and derby.log) under ``metastore_dir``, UTC, one partition after a shuffle, no web UI,
    neither adaptive execution nor generated code (whole-stage or per expression), the JVM's
    serial garbage collector and its optimising compiler for the hottest code only
    (JVM_OPTIONS).

    The same settings as the `spark` target's server_side_parameters in profiles.example.yml.
    """
    metastore = Path(metastore_dir).resolve()
    return {
        "spark.master": "local[2]",
        "spark.sql.warehouse.dir": str(Path(warehouse_dir).resolve()),
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={metastore} {JVM_OPTIONS}",
        "spark.hadoop.javax.jdo.option.ConnectionURL":
            "jdbc:derby:;databaseName=metastore_db;create=true",
        "spark.sql.session.timeZone": "UTC",
        # One partition after a shuffle: each of the build's few hundred small queries then
        # runs one task per stage where it ran two. The Spark test, two runs each way:
        # 199-209 CPU-s, 127-133 s with one; 215-218 CPU-s, 137-138 s with two.
        "spark.sql.shuffle.partitions": "1",
        "spark.ui.enabled": "false",
        # Small local data: re-planning each query (adaptive execution) and generating Java
        # code for it cost more than they save. The Spark test: 215-234 -> 201-212 CPU-s.
        "spark.sql.adaptive.enabled": "false",
        "spark.sql.codegen.wholeStage": "false",
        # Nor Java code for each expression (generated, then compiled with Janino): Spark
        # interprets them. A setting Spark documents for its own tests, taken by the session
        # as any other. The Spark test's build, alternating: 64 and 76 s with it, 72 and 100 s
        # without; every mart still equals DuckDB's.
        "spark.sql.codegen.factoryMode": "NO_CODEGEN",
        # dbt-spark sets this too (its SQL is written for non-ANSI casts).
        "spark.sql.ansi.enabled": "false",
    }


def local_session(warehouse_dir: str | os.PathLike, metastore_dir: str | os.PathLike,
                  *, throwaway: bool = False):
    """Start (or get) this process's Spark session with ``session_config()``.

    ``throwaway``: the warehouse and metastore are removed after the session (the engine
    tests, scripts/engine_build.py), so Derby need not sync each metastore commit to disk
    (``derby.system.durability=test``: a crash may lose the metastore, which is removed
    anyway), as the throw-away Postgres server runs with ``fsync=off``. Every create, drop
    and rename of a table commits to the metastore. `engine_build.py spark`, two pairs run
    alternately: 185 and 208 CPU-s of the machine without, 153 and 190 with.
    """
    from pyspark.sql import SparkSession

    config = session_config(warehouse_dir, metastore_dir)
    if throwaway:
        config["spark.driver.extraJavaOptions"] += " -Dderby.system.durability=test"
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in config.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def load_from_duckdb(session, warehouse: str | os.PathLike, schema: str = RAW_SCHEMA,
                     ) -> dict[str, int]:
    """Replace the raw tables in Spark database ``schema`` with those of a DuckDB warehouse.

    Each table of the DuckDB file goes through a Parquet file (DuckDB writes it, Spark reads
    it), then into a Parquet table with the contract's columns cast to Spark types.
    Timestamps are UTC wall-clock times on both sides (the session's time zone is UTC). The
    optional multi-currency column and table are copied where the file has them
    (contract.present_tables).
    """
    counts: dict[str, int] = {}
    session.sql(f"create database if not exists {schema}")
    with tempfile.TemporaryDirectory(prefix="loyalty-spark-load-") as staging, \
            duckdb.connect(str(warehouse), read_only=True) as source:
        source.execute("set TimeZone = 'UTC'")
        for table, columns in present_tables(source):
            names = ", ".join(name for name, _ in columns)
            path = Path(staging) / f"{table}.parquet"
            source.execute(
                f"copy (select {names} from {RAW_SCHEMA}.{table}) to '{path}' (format parquet)")
            casts = ", ".join(f"cast({name} as {spark_type(type_)}) as {name}"
                              for name, type_ in columns)
            session.sql(f"drop table if exists {schema}.{table}")
            session.sql(f"create table {schema}.{table} using parquet as "
                        f"select {casts} from parquet.`{path}`")
            counts[table] = session.sql(f"select count(*) from {schema}.{table}").first()[0]
        for table in CURRENCY_TABLES:
            if table not in counts:  # not in the file: no stale copy either
                session.sql(f"drop table if exists {schema}.{table}")
    return counts
