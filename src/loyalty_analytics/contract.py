"""The raw tables of the data contract (docs/data-contract.md), in one place.

Generators and loaders write exactly these columns with these types; the dbt sources
(models/staging/raw/_raw__sources.yml) read them.
"""

from __future__ import annotations

RAW_SCHEMA = "raw"

# table -> ordered (column, DuckDB type)
RAW_TABLES: dict[str, list[tuple[str, str]]] = {
    "customers": [
        ("customer_id", "varchar"),
        ("created_at", "timestamp"),
        ("segment", "varchar"),
        ("country", "varchar"),
        # The version stamp: several rows of one customer_id are versions, the latest wins.
        ("updated_at", "timestamp"),
    ],
    "orders": [
        ("order_id", "varchar"),
        ("customer_id", "varchar"),
        ("ordered_at", "timestamp"),
        ("status", "varchar"),
        ("order_total", "decimal(18,2)"),
        ("updated_at", "timestamp"),
    ],
    "order_items": [
        ("order_id", "varchar"),
        ("line_number", "integer"),
        ("product_id", "varchar"),
        ("product_category", "varchar"),
        ("quantity", "integer"),
        ("unit_price", "decimal(18,2)"),
    ],
    "survey_responses": [
        ("response_id", "varchar"),
        ("customer_id", "varchar"),
        ("responded_at", "timestamp"),
        ("question", "varchar"),
        ("score", "integer"),
    ],
    "engagement_events": [
        ("event_id", "varchar"),
        ("customer_id", "varchar"),
        ("occurred_at", "timestamp"),
        ("event_type", "varchar"),
        ("duration_seconds", "integer"),
    ],
    # The loyalty program (optional inputs, var loyalty_program_enabled).
    "loyalty_memberships": [
        ("membership_id", "varchar"),
        ("customer_id", "varchar"),
        ("program", "varchar"),
        ("tier", "varchar"),
        ("joined_at", "timestamp"),
        ("left_at", "timestamp"),
        ("updated_at", "timestamp"),
    ],
    "loyalty_points": [
        ("entry_id", "varchar"),
        ("customer_id", "varchar"),
        ("occurred_at", "timestamp"),
        ("entry_type", "varchar"),
        ("points", "integer"),
        ("order_id", "varchar"),
    ],
}

# Optional tables: a loader creates them empty when their file is absent, and dbt reads them
# only while var('loyalty_program_enabled') is true.
OPTIONAL_TABLES = ("loyalty_memberships", "loyalty_points")
# The five tables every warehouse must have.
REQUIRED_TABLES = tuple(table for table in RAW_TABLES if table not in OPTIONAL_TABLES)

# Multi-currency revenue (optional inputs, no var: dbt reads each when it is there). The
# optional column orders.currency (ISO 4217; absent or NULL: var('reporting_currency')) and
# the optional table exchange_rates. Loaders load them when their files have them; they are
# not in RAW_TABLES, so everything that writes the raw tables writes them only on purpose.
OPTIONAL_COLUMNS: dict[str, list[tuple[str, str]]] = {"orders": [("currency", "varchar")]}
CURRENCY_TABLES: dict[str, list[tuple[str, str]]] = {
    "exchange_rates": [
        ("rate_date", "date"),
        ("currency", "varchar"),
        ("rate_to_reporting", "decimal(18,8)"),
    ],
}
DEFAULT_REPORTING_CURRENCY = "SEK"

ORDER_STATUSES = ("completed", "cancelled", "refunded", "pending")
SEGMENTS = ("B2C", "B2B")
SURVEY_QUESTIONS = {"recommend": (0, 10), "repurchase": (0, 10), "try_new": (0, 10),
                    "satisfaction": (1, 5)}
EVENT_TYPES = ("session", "key_action")
# Points entries: the sign each entry type must have (0: either sign, but not zero).
POINTS_ENTRY_SIGNS = {"earn": 1, "redeem": -1, "expire": -1, "adjust": 0}


def table_columns(table: str, optional: bool = False) -> list[tuple[str, str]]:
    """The contract's (column, DuckDB type) of a raw table (of RAW_TABLES or CURRENCY_TABLES),
    with its optional columns (OPTIONAL_COLUMNS) when ``optional``."""
    columns = RAW_TABLES[table] if table in RAW_TABLES else CURRENCY_TABLES[table]
    return columns + (OPTIONAL_COLUMNS.get(table, []) if optional else [])


def create_table_sql(table: str, schema: str = RAW_SCHEMA, optional: bool = False) -> str:
    """DDL of an empty raw table with the contract's columns and types (and its optional
    columns when ``optional``)."""
    columns = ", ".join(f"{name} {type_}" for name, type_ in table_columns(table, optional))
    return f"create or replace table {schema}.{table} ({columns})"


def present_tables(con, schema: str = RAW_SCHEMA) -> list[tuple[str, list[tuple[str, str]]]]:
    """The raw tables of a DuckDB connection ``con`` to copy elsewhere, with their columns:
    every table of RAW_TABLES, with its optional columns where the table has them, and the
    tables of CURRENCY_TABLES that exist."""
    present: dict[str, set[str]] = {}
    for table, column in con.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = ?", [schema]).fetchall():
        present.setdefault(table, set()).add(column)
    tables = []
    for table in RAW_TABLES:
        extra = OPTIONAL_COLUMNS.get(table, [])
        has_optional = bool(extra) and all(name in present.get(table, set()) for name, _ in extra)
        tables.append((table, table_columns(table, has_optional)))
    tables += [(table, table_columns(table)) for table in CURRENCY_TABLES if table in present]
    return tables
