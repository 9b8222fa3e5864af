"""Helpers for the macro tests: many hand-computed cases of one macro in one ``dbt.show``.

A case table is a list of tuples ``(case_name, *inputs)``; :func:`values_table` turns it into a
``(values ...) as cases(case_name, ...)`` relation, so each query costs one dbt invocation.
:func:`assert_cases` compares every row with its hand-computed expectation and reports all
mismatches at once (floats with ``pytest.approx(rel=1e-12)``; NULL is ``None``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import pytest
from dbt_common.exceptions import CompilationError

REL = 1e-12


def sql_literal(value: Any) -> str:
    """A Python value as a DuckDB literal (dates typed, strings quoted, None as null)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return f"date '{value.isoformat()}'"
    if isinstance(value, int | float | Decimal):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no SQL literal for {value!r}")


def values_table(
    columns: Sequence[str], rows: Iterable[Sequence[Any]], alias: str = "cases"
) -> str:
    """``(values (...), ...) as alias(columns)``: a relation holding the case rows."""
    rendered = []
    for row in rows:
        if len(row) != len(columns):
            raise ValueError(f"row {row!r} does not match columns {columns!r}")
        rendered.append("(" + ", ".join(sql_literal(v) for v in row) + ")")
    return f"(values {', '.join(rendered)}) as {alias}({', '.join(columns)})"


def normalise(value: Any) -> Any:
    """agate hands doubles back as Decimal: compare them as floats."""
    return float(value) if isinstance(value, Decimal) else value


def matches(actual: Any, expected: Any) -> bool:
    """Exact for None, booleans, ints, dates and strings; ``approx(rel=1e-12)`` for floats."""
    if expected is None or isinstance(expected, bool):
        return actual is expected
    if isinstance(expected, int):
        # counts: an integer type (a HUGEINT sum comes back as an integral Decimal), never a float
        integral = isinstance(actual, int) or (
            isinstance(actual, Decimal) and actual == actual.to_integral_value()
        )
        return integral and not isinstance(actual, bool) and actual == expected
    if isinstance(expected, Decimal):
        # money sums stay exact decimals
        return isinstance(actual, Decimal) and actual == expected
    actual = normalise(actual)
    if isinstance(expected, float):
        return (
            isinstance(actual, int | float)
            and not isinstance(actual, bool)
            and actual == pytest.approx(expected, rel=REL)
        )
    return type(actual) is type(expected) and actual == expected


def assert_cases(
    rows: list[dict], expected: Mapping[str, Any], column: str = "actual", key: str = "case_name"
) -> None:
    """Every case comes back exactly once and ``column`` equals its expected value.

    ``expected`` maps a case name to a value, or to a dict of column -> value.
    """
    names = [row[key] for row in rows]
    assert sorted(names) == sorted(expected), f"cases returned {names}, expected {list(expected)}"
    problems = []
    for row in rows:
        wanted = expected[row[key]]
        checks = wanted.items() if isinstance(wanted, dict) else [(column, wanted)]
        for name, value in checks:
            if not matches(row[name], value):
                problems.append(f"{row[key]}.{name}: got {row[name]!r}, expected {value!r}")
    assert not problems, "\n".join(problems)


def error_chain(exc: BaseException | None) -> list[BaseException]:
    """The exception and the ones it was raised from or during (``__cause__``/``__context__``).

    dbt's ``show --inline`` wraps a compile error as ``DbtBaseException('Error parsing inline
    query')``; the message raised by the macro is on the wrapped ``CompilationError``.
    """
    chain: list[BaseException] = []
    while exc is not None and exc not in chain:
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    return chain


def compilation_messages(exc: BaseException | None) -> str:
    return "\n".join(str(e) for e in error_chain(exc) if isinstance(e, CompilationError))


def split_cases(cases: Sequence[Sequence[Any]]) -> tuple[list[Sequence[Any]], dict[str, Any]]:
    """``(case_name, *inputs, expected)`` tuples -> (input rows, {case_name: expected})."""
    names = [case[0] for case in cases]
    assert len(set(names)) == len(names), f"duplicate case names in {names}"
    return [case[:-1] for case in cases], {case[0]: case[-1] for case in cases}
