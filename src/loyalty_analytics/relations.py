"""DuckDB relations from Python results, for the project's Python models (dbt-duckdb).

A Python model that returns a pyarrow Table or a pandas DataFrame makes dbt's process import
pandas: dbt-duckdb imports ``pyarrow.dataset`` before it writes an Arrow result, which imports
pandas and ``pyarrow.compute``, and ``pyarrow.array`` on numpy or Python values asks pandas
too. That is about 0.2 CPU-s of every `dbt run`, in a process whose threads wait on one
another for Python's lock. A DuckDB relation is written as it is, so the models return one:

- ``float_columns``: numeric columns of an Arrow table as float64 numpy arrays, NULL as NaN
  (``to_numpy()`` of pyarrow imports pandas);
- ``numeric_relation``: a key column (Arrow, as DuckDB gave it) beside float columns computed
  in numpy, NaN read as NULL;
- ``rows_relation``: a few rows of Python values, each column cast to its SQL type.

Nothing here imports pandas or ``pyarrow.compute`` (tests/test_relations.py checks it in a
fresh interpreter).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pyarrow as pa


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


_NUMPY_TYPES = {
    pa.int8(): np.int8, pa.int16(): np.int16, pa.int32(): np.int32, pa.int64(): np.int64,
    pa.uint8(): np.uint8, pa.uint16(): np.uint16, pa.uint32(): np.uint32,
    pa.uint64(): np.uint64, pa.float32(): np.float32, pa.float64(): np.float64,
}


def float_columns(table, names: Sequence[str]) -> dict[str, np.ndarray]:
    """The columns ``names`` of the Arrow table ``table`` (integers or floats) as float64
    numpy arrays, a NULL as NaN, read from the Arrow buffers."""
    return {name: _float_column(table.column(name), name) for name in names}


def _float_column(column, name: str) -> np.ndarray:
    parts = []
    for chunk in column.chunks:
        dtype = _NUMPY_TYPES.get(chunk.type)
        if dtype is None:
            raise TypeError(f"column {name!r} is {chunk.type}, not an integer or float type")
        validity, data = chunk.buffers()
        values = np.frombuffer(data, dtype=dtype, count=len(chunk) + chunk.offset)[
            chunk.offset:].astype(np.float64)
        if chunk.null_count:
            bits = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")
            values[bits[chunk.offset:chunk.offset + len(chunk)] == 0] = np.nan
        parts.append(values)
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.float64)


def numeric_relation(session, key_name: str, key, columns: Mapping[str, Sequence[float]]):
    """A relation of ``key`` (a pyarrow Array or ChunkedArray, kept as it is) named
    ``key_name``, beside one DOUBLE column per item of ``columns`` (numbers of the same
    length; NaN becomes NULL, as pandas' missing values do)."""
    arrays, names = [key], [key_name]
    for name, values in columns.items():
        values = np.ascontiguousarray(values, dtype=np.float64)
        if values.ndim != 1 or len(values) != len(key):
            raise ValueError(f"column {name!r}: {values.shape} values for {len(key)} keys")
        # From the buffer: pyarrow.array() would ask pandas whether this is one of its arrays.
        arrays.append(pa.Array.from_buffers(pa.float64(), len(values),
                                            [None, pa.py_buffer(values)]))
        names.append(name)
    table = pa.Table.from_arrays(arrays, names=names)
    projection = ", ".join(
        [_quoted(key_name)] + [
            f"case when isnan({_quoted(name)}) then null else {_quoted(name)} end "
            f"as {_quoted(name)}" for name in names[1:]])
    return session.from_arrow(table).project(projection)


def rows_relation(session, columns: Mapping[str, str], rows: Sequence[Mapping[str, object]]):
    """A relation of ``rows`` (dicts with every key of ``columns``) with the columns of
    ``columns`` ({name: SQL type}), in that order. A float NaN becomes NULL, as pandas reads
    it. No rows: an empty relation of those columns."""
    names = list(columns)
    casts = ", ".join(f"cast({_quoted(name)} as {sql_type}) as {_quoted(name)}"
                      for name, sql_type in columns.items())
    aliases = ", ".join(_quoted(name) for name in names)
    if not rows:
        nulls = ", ".join("null" for _ in names)
        return session.sql(f"select {casts} from (select {nulls}) as t({aliases}) where false")
    placeholders = ", ".join(["(" + ", ".join("?" for _ in names) + ")"] * len(rows))
    params = [_missing_as_none(row[name]) for row in rows for name in names]
    return session.sql(f"select {casts} from (values {placeholders}) as t({aliases})",
                       params=params)


def _missing_as_none(value):
    if isinstance(value, (float, np.floating)) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value
