"""Load the CDNOW purchase data (datasets/cdnow) into the five raw tables.

Two layouts, told apart by the number of columns of the first data line:

- ``CDNOW_master.txt``: ``customer_id date number_of_cds dollar_value`` (with a header line);
- ``CDNOW_sample.txt``: ``customer_id sample_customer_number date number_of_cds
  dollar_value`` (without one).

Columns are separated by runs of spaces, which DuckDB's CSV reader cannot split (it takes one
delimiter), so DuckDB reads the file as text (``read_text``), splits lines and fields itself and
does all the work in SQL. Each input row is one completed order with one line of product
``CD`` in category ``music``; customers are created at their first purchase, segment ``B2C``,
country unknown. There are no surveys or engagement events: those tables are left empty.
"""

from __future__ import annotations

import os
from pathlib import Path

from loyalty_analytics.contract import RAW_SCHEMA, RAW_TABLES, create_table_sql
from loyalty_analytics.load import LoadError, open_warehouse, quote_identifier, sql_string

# 1-based positions of (customer_id, date, number_of_cds, dollar_value) by column count.
LAYOUTS = {4: (1, 2, 3, 4), 5: (1, 3, 4, 5)}

# Per raw table, the select of its contract columns from the parsed rows (temp table
# cdnow_rows: line_number, customer_id, purchase_date, date_text, number_of_cds,
# dollar_cents).
_SELECTS = {
    "customers": """
        select
            customer_id,
            min(purchase_date) as created_at,
            'B2C' as segment,
            null as country,
            min(purchase_date) as updated_at,
        from cdnow_rows
        group by customer_id
    """,
    "orders": """
        select
            order_id,
            customer_id,
            purchase_date as ordered_at,
            'completed' as status,
            dollar_cents * 0.01 as order_total,
            purchase_date as updated_at,
        from cdnow_orders
    """,
    "order_items": """
        select
            order_id,
            1 as line_number,
            'CD' as product_id,
            'music' as product_category,
            number_of_cds as quantity,
            -- cents, rounded half up; the whole amount when the row has no CDs
            case
                when number_of_cds = 0 then dollar_cents
                else (2 * dollar_cents + number_of_cds) // (2 * number_of_cds)
            end * 0.01 as unit_price,
        from cdnow_orders
    """,
}


def detect_layout(path: Path) -> tuple[int, tuple[int, int, int, int]]:
    """(line number of the header or 0, field positions) from the first lines of the file."""
    try:
        with path.open(encoding="ascii", errors="replace") as handle:
            lines = _first_lines(handle, 2)
    except OSError as error:
        raise LoadError(f"cannot read {path}: {error.strerror}") from error
    if not lines:
        raise LoadError(f"{path} is empty")
    first_number, first_fields = lines[0]
    has_header = not first_fields[0].isdigit()
    if has_header and len(lines) < 2:
        raise LoadError(f"{path} has a header line and no data")
    data = lines[1][1] if has_header else first_fields
    if len(data) not in LAYOUTS:
        raise LoadError(
            f"{path}: {len(data)} columns in the first data line; expected 4 (customer_id date "
            "number_of_cds dollar_value) or 5 (customer_id sample_customer_number date "
            "number_of_cds dollar_value)"
        )
    return (first_number if has_header else 0), LAYOUTS[len(data)]


def load_cdnow(
    path: str | os.PathLike,
    warehouse: str | os.PathLike,
    schema: str = RAW_SCHEMA,
) -> dict[str, int]:
    """Replace the raw tables of ``warehouse`` with the CDNOW file at ``path``: rows per table."""
    source = Path(path)
    if not source.is_file():
        raise LoadError(f"CDNOW file not found: {source}")
    header_line, (id_at, date_at, cds_at, dollar_at) = detect_layout(source)
    width = 5 if date_at == 3 else 4
    schema_sql = quote_identifier(schema)
    counts: dict[str, int] = {}
    with open_warehouse(warehouse, schema) as con:
        con.execute(f"""
            create temp table cdnow_lines as
            with raw_lines as (
                select
                    raw_line.number as line_number,
                    trim(raw_line.text, chr(32) || chr(9) || chr(13)) as text,
                -- one list of lines, numbered (a lateral unnest per file row is far slower)
                from unnest((
                    select string_split(content, chr(10))
                    from read_text({sql_string(str(source))})
                )) with ordinality as raw_line(text, number)
            )
            select line_number, regexp_split_to_array(text, '[ \t]+') as fields,
            from raw_lines
            where text <> '' and line_number > {header_line}
        """)
        con.execute(f"""
            create temp table cdnow_rows as
            select
                line_number,
                fields[{id_at}] as customer_id,
                fields[{date_at}] as date_text,
                try_strptime(fields[{date_at}], '%Y%m%d') as purchase_date,
                try_cast(fields[{cds_at}] as integer) as number_of_cds,
                cast(try_cast(fields[{dollar_at}] as decimal(18, 2)) * 100 as bigint)
                    as dollar_cents,
                len(fields) as field_count,
            from cdnow_lines
        """)
        bad = con.execute(f"""
            select line_number, array_to_string(fields, ' ')
            from cdnow_lines join cdnow_rows using (line_number)
            where field_count <> {width} or purchase_date is null or number_of_cds is null
                or dollar_cents is null or number_of_cds < 0
                or not regexp_full_match(date_text, '[0-9]{{8}}')
            order by line_number
            limit 1
        """).fetchone()
        if bad:
            raise LoadError(f"{source}, line {bad[0]}: cannot read {bad[1]!r}")
        # One order per row; the n-th row of a customer on a day (file order) gets '-n'.
        con.execute("""
            create temp table cdnow_orders as
            select
                *,
                customer_id || '-' || date_text || '-' || row_number() over (
                    partition by customer_id, date_text order by line_number
                ) as order_id,
            from cdnow_rows
        """)
        con.execute("begin transaction")
        try:
            for table, columns in RAW_TABLES.items():
                con.execute(create_table_sql(table, schema_sql))
                if table in _SELECTS:
                    names = ", ".join(name for name, _ in columns)
                    casts = ", ".join(f"cast({name} as {type_})" for name, type_ in columns)
                    con.execute(f"insert into {schema_sql}.{table} ({names}) "
                                f"select {casts} from ({_SELECTS[table]})")
                counts[table] = con.execute(
                    f"select count(*) from {schema_sql}.{table}"
                ).fetchone()[0]
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    for table, rows in counts.items():
        print(f"{schema}.{table}: {rows:,} rows")
    return counts


def _first_lines(handle, count: int) -> list[tuple[int, list[str]]]:
    """(line number, fields) of the first ``count`` non-blank lines of an open text file."""
    found: list[tuple[int, list[str]]] = []
    for number, line in enumerate(handle, start=1):
        fields = line.split()
        if fields:
            found.append((number, fields))
            if len(found) == count:
                break
    return found
