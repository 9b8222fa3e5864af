"""Load CSV or Parquet files into the raw tables of a DuckDB warehouse file.

For each table of the contract the loader takes ``<dir>/<table>.parquet``,
``<dir>/<table>.csv`` or a directory ``<dir>/<table>/`` of ``*.parquet`` (or ``*.csv``) part
files. DuckDB reads the files; every contract column is cast explicitly to its contract type
and extra columns are ignored. All inputs are checked before the warehouse is touched, and
the tables are replaced in one transaction, so a failed load leaves the warehouse as it was.

Multi-currency revenue (contract.OPTIONAL_COLUMNS, contract.CURRENCY_TABLES): a ``currency``
column in the orders files is loaded as ``orders.currency``; ``exchange_rates`` is loaded when
its file is there, and dropped from the warehouse when it is not (the warehouse then holds
what the directory holds; without it every order in a foreign currency is quarantined).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from loyalty_analytics.contract import (
    CURRENCY_TABLES,
    OPTIONAL_COLUMNS,
    OPTIONAL_TABLES,
    RAW_SCHEMA,
    RAW_TABLES,
    create_table_sql,
    table_columns,
)


class LoadError(Exception):
    """An input problem the user can fix (missing file or column, unreadable value)."""


@dataclass(frozen=True)
class TableInput:
    """The files of one raw table and how to read them."""

    table: str
    paths: tuple[Path, ...]
    kind: str  # "parquet" or "csv"

    is_folder: bool = False

    @property
    def label(self) -> str:
        """The file, or the folder's pattern, for messages."""
        if self.is_folder:
            return str(self.paths[0].parent / f"*.{self.kind}")
        return str(self.paths[0])

    def part(self, path: Path) -> TableInput:
        """The input of one of the files only."""
        return TableInput(self.table, (path,), self.kind)

    def read_sql(self) -> str:
        """A DuckDB table function reading the files: every CSV value as text."""
        files = "[" + ", ".join(sql_string(str(p)) for p in self.paths) + "]"
        if self.kind == "parquet":
            return f"read_parquet({files}, union_by_name = true)"
        # Text first, then the contract's casts: no sniffed types (ids like 00042 keep their
        # zeros) and one error message style for both formats.
        return f"read_csv({files}, header = true, all_varchar = true, union_by_name = true)"


def sql_string(value: str) -> str:
    """``value`` as a SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def find_input(source_dir: Path, table: str) -> TableInput | None:
    """The files holding ``table`` in ``source_dir``; None when there are none."""
    candidates: list[TableInput] = []
    for kind in ("parquet", "csv"):
        single = source_dir / f"{table}.{kind}"
        if single.is_file():
            candidates.append(TableInput(table, (single,), kind))
    folder = source_dir / table
    if folder.is_dir():
        for kind in ("parquet", "csv"):
            parts = tuple(sorted(folder.glob(f"*.{kind}")))
            if parts:
                candidates.append(TableInput(table, parts, kind, is_folder=True))
    if len(candidates) > 1:
        found = ", ".join(c.label for c in candidates)
        raise LoadError(f"several inputs for table {table}: {found}; keep one")
    return candidates[0] if candidates else None


def file_columns(con: duckdb.DuckDBPyConnection, source: TableInput) -> list[str]:
    try:
        described = con.execute(f"describe select * from {source.read_sql()}").fetchall()
    except duckdb.Error as error:
        raise LoadError(f"cannot read {source.label}: {_first_line(error)}") from error
    return [row[0] for row in described]


def insert_sql(source: TableInput, schema: str, optional: bool = False) -> str:
    """INSERT of the contract's columns of ``source`` into ``schema.table``, with casts (and
    of its optional columns when ``optional``)."""
    columns = table_columns(source.table, optional)
    names = ", ".join(name for name, _ in columns)
    casts = ", ".join(f"{_cast(name, type_)} as {name}" for name, type_ in columns)
    return (
        f"insert into {schema}.{source.table} ({names}) "
        f"select {casts} from {source.read_sql()}"
    )


def _cast(column: str, type_: str) -> str:
    """Cast expression of a file column to its contract type.

    Timestamps go through timestamptz in a UTC session, so a value with a UTC offset
    (``2024-01-01 10:00:00+02:00``, or a Parquet timestamp adjusted to UTC) lands as UTC
    instead of having its offset silently dropped; values without an offset are UTC already.
    """
    quoted = quote_identifier(column)
    if type_ == "timestamp":
        return f"cast(cast({quoted} as timestamptz) as timestamp)"
    return f"cast({quoted} as {type_})"


@contextmanager
def open_warehouse(warehouse: str | os.PathLike, schema: str) -> Iterator[
    duckdb.DuckDBPyConnection
]:
    """A connection to ``warehouse`` (created with its directory if needed) with ``schema``."""
    path = Path(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error as error:
        raise LoadError(f"cannot open warehouse {path}: {_first_line(error)}") from error
    try:
        con.execute("set TimeZone = 'UTC'")  # the contract's timestamps are UTC
        con.execute("set enable_progress_bar = false")  # row counts are printed instead
        con.execute(f"create schema if not exists {quote_identifier(schema)}")
        yield con
    finally:
        con.close()


def load_directory(
    source_dir: str | os.PathLike,
    warehouse: str | os.PathLike,
    schema: str = RAW_SCHEMA,
    allow_missing: bool = False,
) -> dict[str, int]:
    """Replace the raw tables of ``warehouse`` with the files in ``source_dir``.

    Returns the rows loaded per table and prints them. A missing table file is an error,
    unless ``allow_missing``: then the table is created empty and a warning is printed. The
    optional tables (contract.OPTIONAL_TABLES, the loyalty program) are created empty when
    their file is absent, without a warning.
    """
    source = Path(source_dir)
    if not source.is_dir():
        raise LoadError(f"input directory not found: {source}")
    inputs = {table: find_input(source, table) for table in (*RAW_TABLES, *CURRENCY_TABLES)}
    missing = [table for table, found in inputs.items()
               if found is None and table not in OPTIONAL_TABLES and table in RAW_TABLES]
    if missing and not allow_missing:
        names = ", ".join(f"{t}.parquet or {t}.csv" for t in missing)
        raise LoadError(f"missing input in {source}: {names} (or pass --allow-missing)")

    counts: dict[str, int] = {}
    with open_warehouse(warehouse, schema) as con:
        with_optional = {table: False for table in inputs}
        for table, table_input in inputs.items():
            if table_input is not None:
                with_optional[table] = _check_columns(con, table_input)
        schema_sql = quote_identifier(schema)
        con.execute("begin transaction")
        try:
            for table, table_input in inputs.items():
                if table_input is None and table in CURRENCY_TABLES:
                    con.execute(f"drop table if exists {schema_sql}.{table}")
                    continue
                con.execute(create_table_sql(table, schema_sql, with_optional[table]))
                if table_input is None and table in OPTIONAL_TABLES:
                    pass  # optional: an empty table, the program marts stay empty
                elif table_input is None:
                    print(f"warning: no input for {table} in {source}: "
                          f"{schema}.{table} is empty", file=sys.stderr)
                else:
                    _insert(con, table_input, schema_sql, with_optional[table])
                counts[table] = con.execute(
                    f"select count(*) from {schema_sql}.{table}"
                ).fetchone()[0]
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    for table, rows in counts.items():
        origin = inputs[table].label if inputs[table] else "no input"
        print(f"{schema}.{table}: {rows:,} rows ({origin})")
    return counts


def _check_columns(con: duckdb.DuckDBPyConnection, source: TableInput) -> bool:
    """Every contract column in every file (part files are checked one by one). True when a
    file has the table's optional columns (contract.OPTIONAL_COLUMNS), which are then loaded
    (NULL for the parts without them)."""
    optional = False
    for path in source.paths:
        present = {name.lower() for name in file_columns(con, source.part(path))}
        for name, _ in table_columns(source.table):
            if name not in present:
                raise LoadError(f"{path}: column {name} of table {source.table} is missing")
        extra = [name for name, _ in OPTIONAL_COLUMNS.get(source.table, [])]
        optional = optional or (bool(extra) and all(name in present for name in extra))
    return optional


def _insert(con: duckdb.DuckDBPyConnection, source: TableInput, schema_sql: str,
            optional: bool = False) -> None:
    try:
        con.execute(insert_sql(source, schema_sql, optional))
    except duckdb.Error as error:
        raise LoadError(
            f"cannot load {source.label} into {source.table}: {_first_line(error)}"
        ) from error


def _first_line(error: Exception) -> str:
    """DuckDB's message on one line: its first paragraph (the advice after it is dropped)."""
    text = str(error).strip()
    if not text:
        return type(error).__name__
    return "; ".join(line.strip() for line in text.split("\n\n")[0].splitlines())
