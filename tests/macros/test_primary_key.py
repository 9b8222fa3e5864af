"""The generic test primary_key (tests/generic/primary_key.sql), rendered through dbt and run on
DuckDB: the rows it returns are the failures of the key, each with how often it occurs.

Every model's key is tested with it (one data test instead of unique or a unique combination
plus a not_null per key column), so it must fail on both: a repeated key and a NULL in a key
column, and on nothing else.
"""

from __future__ import annotations

import pytest

from .cases import compilation_messages, error_chain, values_table

# (grain, period_start, segment, n): the key is (grain, period_start, segment).
ROWS = [
    ("month", "2024-01-01", "all", 1),
    ("month", "2024-01-01", "B2B", 2),  # same grain and start, another segment: no repeat
    ("month", "2024-02-01", "all", 3),
    ("quarter", "2024-01-01", "all", 4),  # same start and segment, another grain: no repeat
    ("month", "2024-02-01", "all", 5),  # repeats row 3: fails, occurrences 2
    (None, "2024-03-01", "all", 6),  # NULL grain: fails, occurrences 1
    ("year", None, "all", 7),  # NULL start: fails
    ("year", None, "all", 8),  # and repeats row 7: one failure, occurrences 2
]
MODEL = "(select * from " + values_table(("grain", "period_start", "segment", "n"), ROWS) + ")"


def failures(dbt, arguments: str) -> list[tuple]:
    rows = dbt.show(f"{{{{ test_primary_key(model={MODEL!r}, {arguments}) }}}}")
    return sorted(
        (tuple(r[c] for c in r if c != "occurrences") + (r["occurrences"],) for r in rows),
        key=repr,
    )


def test_a_composite_key_fails_on_each_repeated_or_null_combination(dbt):
    assert failures(dbt, "column_names=['grain', 'period_start', 'segment']") == sorted([
        ("month", "2024-02-01", "all", 2),  # rows 3 and 5
        (None, "2024-03-01", "all", 1),  # row 6
        ("year", None, "all", 2),  # rows 7 and 8: NULL start, and twice
    ], key=repr)


def test_a_nullable_key_column_counts_its_nulls_as_one_value(dbt):
    assert failures(dbt, "column_names=['grain', 'period_start', 'segment'], "
                         "nullable_columns=['period_start']") == sorted([
        ("month", "2024-02-01", "all", 2),  # rows 3 and 5
        (None, "2024-03-01", "all", 1),  # row 6: grain is not nullable
        ("year", None, "all", 2),  # rows 7 and 8 repeat; their NULL start alone would pass
    ], key=repr)


def test_a_single_key_column(dbt):
    # n is unique and never NULL: no failure. grain: month 4 times, quarter once, year twice,
    # NULL once.
    assert failures(dbt, "column_name='n'") == []
    assert failures(dbt, "column_name='grain'") == sorted([
        ("month", 4),  # rows 1, 2, 3, 5
        ("year", 2),  # rows 7, 8
        (None, 1),  # row 6
    ], key=repr)


@pytest.mark.parametrize(("arguments", "message"), [
    ("", "give the key, on its column or as column_names"),
    ("column_names=['grain'], nullable_columns=['segment']",
     "nullable column segment is not in the key"),
    ("column_name='n', column_names=['grain', 'period_start']",
     "on the column n, it takes no column_names"),
], ids=["no_key", "nullable_outside_the_key", "column_and_column_names"])
def test_a_wrong_call_fails_with_a_clear_error(dbt, arguments, message):
    sql = f"{{{{ test_primary_key(model={MODEL!r}{', ' if arguments else ''}{arguments}) }}}}"
    result = dbt.invoke("show", "--inline", sql, "--quiet", expect_success=False)
    assert result.success is False
    chain = " | ".join(f"{type(e).__name__}: {e}" for e in error_chain(result.exception))
    assert message in compilation_messages(result.exception), chain
