"""The project on PostgreSQL: a throw-away local server, and a loader of the raw tables.

``throwaway_server()`` runs ``initdb`` and ``pg_ctl`` of the PostgreSQL binaries on the
machine into a temporary directory, on a free local port, with trust authentication, as an
unprivileged user (``nobody`` when we are root: PostgreSQL refuses to run as root), and
removes everything on exit. ``load_from_duckdb()`` copies the five raw tables of a DuckDB
warehouse (as ``loyalty load`` writes them) into a Postgres schema, with the contract's
column types spelled for Postgres.

psycopg2 comes with dbt-postgres (the ``engines`` extra); it is imported only here.
"""

from __future__ import annotations

import datetime as dt
import glob
import io
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from loyalty_analytics.contract import CURRENCY_TABLES, RAW_SCHEMA, RAW_TABLES, present_tables

# The contract's DuckDB types (contract.py) as Postgres spells them.
POSTGRES_TYPES = {
    "varchar": "text",
    "timestamp": "timestamp",
    "integer": "integer",
    "decimal(18,2)": "numeric(18, 2)",
    "date": "date",
    "decimal(18,8)": "numeric(18, 8)",
}
# Where Debian's postgresql-NN packages put the server binaries.
DEBIAN_BIN_GLOB = "/usr/lib/postgresql/*/bin"
DEFAULT_USER = "loyalty"
DEFAULT_DBNAME = "loyalty"
COPY_BATCH_ROWS = 50_000
# COPY's NULL in CSV: unquoted \N is NULL, a quoted "\N" the text (so '' stays '').
NULL_MARKER = "\\N"


class PostgresError(Exception):
    """The server could not be found, started or loaded."""


def postgres_type(duckdb_type: str) -> str:
    """The Postgres spelling of a contract type."""
    key = duckdb_type.lower().replace(" ", "")
    if key not in POSTGRES_TYPES:
        raise PostgresError(f"no Postgres type for contract type {duckdb_type}")
    return POSTGRES_TYPES[key]


def create_table_sql(table: str, schema: str = RAW_SCHEMA,
                     columns: list[tuple[str, str]] | None = None) -> str:
    """DDL of an empty raw table with the contract's columns (or ``columns``), in Postgres
    types."""
    columns = ", ".join(f"{name} {postgres_type(type_)}"
                        for name, type_ in (columns or RAW_TABLES[table]))
    return f"create table {schema}.{table} ({columns})"


@dataclass(frozen=True)
class Server:
    """How to reach a running server: the keyword arguments of psycopg2.connect."""

    host: str
    port: int
    user: str
    dbname: str

    def connect_kwargs(self, dbname: str | None = None) -> dict:
        return {"host": self.host, "port": self.port, "user": self.user,
                "dbname": dbname or self.dbname}

    def dbt_env(self) -> dict[str, str]:
        """The environment variables the `postgres` target of profiles.example.yml reads."""
        return {
            "DBT_POSTGRES_HOST": self.host,
            "DBT_POSTGRES_PORT": str(self.port),
            "DBT_POSTGRES_USER": self.user,
            "DBT_POSTGRES_PASSWORD": "",
            "DBT_POSTGRES_DBNAME": self.dbname,
        }


def find_bin_dir() -> Path:
    """The directory of initdb and pg_ctl: $POSTGRES_BIN_DIR, Debian's, or the PATH's."""
    candidates = []
    if os.environ.get("POSTGRES_BIN_DIR"):
        candidates.append(Path(os.environ["POSTGRES_BIN_DIR"]))
    candidates += sorted((Path(p) for p in glob.glob(DEBIAN_BIN_GLOB)), reverse=True)
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for candidate in candidates:
        if (candidate / "initdb").is_file() and (candidate / "pg_ctl").is_file():
            return candidate
    raise PostgresError(
        "PostgreSQL server binaries not found (initdb, pg_ctl): install postgresql-15 "
        "(`apt-get install -y postgresql-15`) or set POSTGRES_BIN_DIR")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def throwaway_server(
    user: str = DEFAULT_USER, dbname: str = DEFAULT_DBNAME, port: int | None = None,
    run_as: str | None = None,
) -> Iterator[Server]:
    """A new PostgreSQL cluster on 127.0.0.1, with database ``dbname`` owned by ``user``.

    The cluster lives in a temporary directory, is stopped and removed on exit, and trusts
    local connections (no password). As root, the server runs as ``run_as`` (default
    ``nobody``), which owns the directory.
    """
    bin_dir = find_bin_dir()
    port = port or free_port()
    root = Path(tempfile.mkdtemp(prefix="loyalty-postgres-"))
    data, log = root / "data", root / "server.log"
    owner = None
    if os.geteuid() == 0:
        owner = pwd.getpwnam(run_as or os.environ.get("POSTGRES_RUN_AS", "nobody"))
        os.chown(root, owner.pw_uid, owner.pw_gid)
    try:
        _run(owner, [
            str(bin_dir / "initdb"), "-D", str(data), "-U", user, "--auth=trust",
            "--encoding=UTF8", "--locale=C", "--no-sync",
        ])
        options = " ".join([
            f"-p {port}", f"-k {root}", "-c listen_addresses=127.0.0.1",
            "-c timezone=UTC", "-c fsync=off", "-c synchronous_commit=off",
            "-c full_page_writes=off", "-c max_connections=20",
        ])
        _run(owner, [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log),
                     "-o", options, "-w", "-t", "60", "start"], log=log)
        try:
            server = Server("127.0.0.1", port, user, dbname)
            _create_database(server)
            yield server
        finally:
            _run(owner, [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w",
                         "stop"], check=False)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _run(owner: pwd.struct_passwd | None, command: list[str], check: bool = True,
         log: Path | None = None) -> None:
    kwargs = {}
    if owner is not None:
        kwargs = {"user": owner.pw_uid, "group": owner.pw_gid, "extra_groups": []}
    done = subprocess.run(command, capture_output=True, text=True, check=False,
                          cwd="/", **kwargs)
    if check and done.returncode != 0:
        detail = (done.stderr or done.stdout).strip()
        if log is not None and log.is_file():
            detail += "\n" + log.read_text()[-2000:]
        raise PostgresError(f"{Path(command[0]).name} failed: {detail}")


def _create_database(server: Server) -> None:
    import psycopg2

    deadline = time.monotonic() + 30
    while True:
        try:
            con = psycopg2.connect(**server.connect_kwargs(dbname="postgres"))
            break
        except psycopg2.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    try:
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute(f'create database "{server.dbname}"')
    finally:
        con.close()


def load_from_duckdb(
    warehouse: str | os.PathLike, connect_kwargs: dict, schema: str = RAW_SCHEMA,
) -> dict[str, int]:
    """Replace the raw tables in Postgres schema ``schema`` with those of a DuckDB warehouse.

    Reads ``raw.<table>`` of the DuckDB file (the contract's columns only, and the optional
    multi-currency column and table where the file has them: contract.present_tables) and
    COPYs the rows in CSV, in one transaction. Returns the rows loaded per table.
    """
    import psycopg2

    counts: dict[str, int] = {}
    with duckdb.connect(str(warehouse), read_only=True) as source:
        source.execute("set TimeZone = 'UTC'")
        con = psycopg2.connect(**connect_kwargs)
        try:
            with con, con.cursor() as cur:
                cur.execute(f"create schema if not exists {schema}")
                for table, columns in present_tables(source):
                    names = [name for name, _ in columns]
                    cur.execute(f"drop table if exists {schema}.{table}")
                    cur.execute(create_table_sql(table, schema, columns))
                    result = source.execute(
                        f"select {', '.join(names)} from {RAW_SCHEMA}.{table}")
                    counts[table] = 0
                    while rows := result.fetchmany(COPY_BATCH_ROWS):
                        cur.copy_expert(
                            f"copy {schema}.{table} ({', '.join(names)}) from stdin "
                            f"with (format csv, null '{NULL_MARKER}')",
                            _csv(rows),
                        )
                        counts[table] += len(rows)
                for table in CURRENCY_TABLES:
                    if table not in counts:  # not in the file: no stale copy either
                        cur.execute(f"drop table if exists {schema}.{table}")
        finally:
            con.close()
    return counts


def _csv(rows: list[tuple]) -> io.StringIO:
    """Rows as COPY CSV: every value quoted, NULL as an unquoted \\N (so '' stays '')."""
    buffer = io.StringIO()
    for row in rows:
        buffer.write(",".join(_csv_value(value) for value in row))
        buffer.write("\n")
    buffer.seek(0)
    return buffer


def _csv_value(value) -> str:
    if value is None:
        return NULL_MARKER
    if isinstance(value, dt.datetime):
        value = value.isoformat(sep=" ")
    return '"' + str(value).replace('"', '""') + '"'
