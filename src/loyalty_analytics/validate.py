"""Great Expectations suites for the raw tables (before dbt) and the marts (after dbt).

    loyalty validate --warehouse warehouse/loyalty.duckdb [--docs-dir docs/data-docs]
                     [--suite raw|marts|all]

One suite per table, named ``<schema>.<table>``, built here in code (there are no suite files):

- **Raw suites** (schema ``raw``): what a feed must satisfy to be worth loading. Bad rows are
  legal in raw, dbt quarantines them, so these check the table's structure and the hard
  contract only: the contract's columns exist with compatible types (columns and types from
  ``contract.RAW_TABLES``), keys and required references are mostly non-null, statuses,
  questions, event types and segments mostly in the contract's sets, scores mostly in their
  question's range, amounts mostly >= 0, and ``customers`` and ``orders`` are not empty.
  ``mostly``: a feed where more than 1 key in 100 or 1 value in 20 breaks a staging rule is
  broken at the source, not noisy.
- **Mart suites** (schema ``analytics``): the hard guarantees after dbt: keys not null and
  unique, rates in [0, 1], net scores in [-100, 100], engagement scores in [0, 100],
  ``period_grain`` a known grain, ``segment`` a segment of ``dim_customers`` (or ``all``).

Each table is read from the DuckDB file into pandas and validated with a pandas datasource of
an ephemeral GX context: GX's SQL datasources need SQLAlchemy and duckdb-engine, which the
project does not install. The HTML Data Docs are written to ``--docs-dir``. A failed
expectation prints the table, the column, the expectation and what was unexpected, and the
command exits 1.
"""

from __future__ import annotations

import math
import os
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Before GX is imported: no usage statistics, whatever the environment says.
os.environ["GX_ANALYTICS_ENABLED"] = "false"

import duckdb  # noqa: E402
import great_expectations as gx  # noqa: E402
import pandas as pd  # noqa: E402
from great_expectations import expectations as gxe  # noqa: E402
from great_expectations.data_context.types.base import (  # noqa: E402
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)
from great_expectations.expectations.row_conditions import (  # noqa: E402
    Column,
    ComparisonCondition,
)

from loyalty_analytics.contract import (  # noqa: E402
    CURRENCY_TABLES,
    EVENT_TYPES,
    OPTIONAL_COLUMNS,
    OPTIONAL_TABLES,
    ORDER_STATUSES,
    POINTS_ENTRY_SIGNS,
    RAW_SCHEMA,
    RAW_TABLES,
    SEGMENTS,
    SURVEY_QUESTIONS,
)

MARTS_SCHEMA = "analytics"
DEFAULT_WAREHOUSE = Path("warehouse/loyalty.duckdb")
DEFAULT_DOCS_DIR = Path("docs/data-docs")
SUITES = ("raw", "marts")
DOCS_SITE = "loyalty_data_docs"
FAILED = 1

# --- raw suites -------------------------------------------------------------------------------
MOSTLY_KEYS = 0.99
MOSTLY_VALUES = 0.95

# Columns staging rejects a row without (the key, the customer of an order or an event, the
# time of a fact). survey_responses.customer_id may be NULL: an anonymous answer.
RAW_REQUIRED: dict[str, tuple[str, ...]] = {
    "customers": ("customer_id",),
    "orders": ("order_id", "customer_id", "ordered_at"),
    "order_items": ("order_id", "line_number"),
    "survey_responses": ("response_id", "responded_at"),
    "engagement_events": ("event_id", "customer_id", "occurred_at"),
    "loyalty_memberships": ("membership_id", "customer_id", "program", "joined_at"),
    "loyalty_points": ("entry_id", "customer_id", "occurred_at", "entry_type", "points"),
    "exchange_rates": ("rate_date", "currency", "rate_to_reporting"),
}
# Currency codes (orders.currency where present, exchange_rates.currency): three letters,
# trimmed, any case, as staging reads them.
CURRENCY_REGEX = r"^\s*[A-Za-z]{3}\s*$"
RAW_CURRENCY_COLUMNS: dict[str, str] = {"orders": "currency", "exchange_rates": "currency"}
# Categorical columns and the contract's values. Staging trims them and ignores case, so the
# suites do too (a regular expression instead of a plain value set).
RAW_VALUE_SETS: dict[str, dict[str, Sequence[str]]] = {
    "customers": {"segment": SEGMENTS},
    "orders": {"status": ORDER_STATUSES},
    "survey_responses": {"question": tuple(SURVEY_QUESTIONS)},
    "engagement_events": {"event_type": EVENT_TYPES},
    "loyalty_points": {"entry_type": tuple(POINTS_ENTRY_SIGNS)},
}
RAW_NON_NEGATIVE: dict[str, tuple[str, ...]] = {
    "orders": ("order_total",),
    "order_items": ("quantity", "unit_price"),
    "engagement_events": ("duration_seconds",),
    "exchange_rates": ("rate_to_reporting",),
}
RAW_NOT_EMPTY = ("customers", "orders")

# Pandas dtypes of the DuckDB types a contract type accepts, as DuckDB hands them to pandas
# (see _read_table). Ids (`*_id`) stored as integers are compatible with text: staging casts
# them to text.
_INTEGER_DTYPES = (
    *(f"{sign}int{bits}" for sign in ("", "u") for bits in (8, 16, 32, 64)),
    *(f"{sign}Int{bits}Dtype" for sign in ("", "U") for bits in (8, 16, 32, 64)),
)
COMPATIBLE_DTYPES: dict[str, tuple[str, ...]] = {
    "varchar": ("StringDtype",),
    "varchar id": ("StringDtype", *_INTEGER_DTYPES),
    "timestamp": tuple(f"datetime64[{unit}]" for unit in ("s", "ms", "us", "ns")),
    "integer": _INTEGER_DTYPES,
    # DuckDB gives decimals to pandas as float64.
    "decimal": (*_INTEGER_DTYPES, "float32", "float64"),
    # DuckDB gives dates to pandas as datetime64.
    "date": tuple(f"datetime64[{unit}]" for unit in ("s", "ms", "us", "ns")),
}

# --- mart suites ------------------------------------------------------------------------------
PERIOD_GRAINS = ("month", "quarter", "year")
_PERIOD_SEGMENT = ("period_grain", "period_start", "segment")
_CUSTOMER_PERIOD = ("customer_id", "period_grain", "period_start")
MART_KEYS: dict[str, tuple[str, ...]] = {
    "dim_customers": ("customer_id",),
    "fct_customer_periods": _CUSTOMER_PERIOD,
    "mart_retention": _PERIOD_SEGMENT,
    "mart_purchases": _PERIOD_SEGMENT,
    "mart_cohorts": ("cohort_month", "months_since_first_order"),
    "mart_clv": _PERIOD_SEGMENT,
    "mart_survey_scores": _PERIOD_SEGMENT,
    "mart_engagement": _CUSTOMER_PERIOD,
    "mart_loyalty_kpis": _PERIOD_SEGMENT,
    "mart_returning_aov": _PERIOD_SEGMENT,
    "mart_program_impact": (*_PERIOD_SEGMENT, "program", "member_status"),
    "mart_program_join_effect": ("join_month", "program"),
    "mart_program_points": ("period_grain", "period_start", "program"),
}
# Built only while var('loyalty_program_enabled') is true: a missing one is skipped, like the
# optional raw tables (contract.OPTIONAL_TABLES).
OPTIONAL_MARTS = ("mart_program_impact", "mart_program_join_effect", "mart_program_points")
RATE, NET_SCORE, SCORE_0_100 = (0, 1), (-100, 100), (0, 100)
MART_BOUNDS: dict[str, dict[str, tuple[float, float]]] = {
    "mart_retention": {"churn_rate": RATE, "returning_customer_rate": RATE},
    "mart_purchases": {"repeat_purchase_rate": RATE},
    "mart_cohorts": {"retention_share": RATE, "cohort_repeat_rate": RATE},
    "mart_clv": {"annual_churn_rate": RATE},
    "mart_survey_scores": {
        "nps": NET_SCORE, "repurchase_net_score": NET_SCORE, "try_new_net_score": NET_SCORE,
        "cli": NET_SCORE, "csat_pct": RATE,
    },
    "mart_engagement": {"engagement_score": SCORE_0_100},
    "mart_loyalty_kpis": {
        "churn_rate": RATE, "returning_customer_rate": RATE, "repeat_purchase_rate": RATE,
        "csat_pct": RATE, "nps": NET_SCORE, "cli": NET_SCORE,
        "mean_engagement_score": SCORE_0_100,
    },
    "mart_program_impact": {
        "churn_rate": RATE, "repeat_purchase_rate": RATE, "nps": NET_SCORE, "cli": NET_SCORE,
        "mean_engagement_score": SCORE_0_100,
    },
    "mart_program_join_effect": {"share_in_base_year_after": RATE},
    "mart_program_points": {"breakage_rate": RATE},
}
# Customers missing from raw `customers` fall in this segment (data contract, "Outputs").
UNKNOWN_SEGMENT = "unknown"
ALL_SEGMENTS = "all"


@dataclass(frozen=True)
class Failure:
    """One failed expectation, in words."""

    table: str
    column: str
    expectation: str
    detail: str

    def __str__(self) -> str:
        return (f"FAILED table {self.table}, column {self.column}: {self.expectation}: "
                f"{self.detail}")


@dataclass
class Outcome:
    """What one run of the suites found."""

    tables: dict[str, int] = field(default_factory=dict)  # suite group -> tables validated
    expectations: dict[str, int] = field(default_factory=dict)
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    docs_index: Path | None = None

    @property
    def success(self) -> bool:
        return not any(self.failures.values())


# --- suite definitions ------------------------------------------------------------------------

def raw_suites(optional_columns: Iterable[tuple[str, str]] = ()
               ) -> dict[str, list[gxe.Expectation]]:
    """The expectations of each raw table, from the contract; ``optional_columns``: the
    (table, column) pairs of contract.OPTIONAL_COLUMNS the warehouse holds, checked too."""
    present = set(optional_columns)
    suites = {}
    for table, contract_columns in {**RAW_TABLES, **CURRENCY_TABLES}.items():
        columns = contract_columns + [column for column in OPTIONAL_COLUMNS.get(table, [])
                                      if (table, column[0]) in present]
        expectations: list[gxe.Expectation] = [
            # Extra columns are allowed: the contract ignores them.
            gxe.ExpectTableColumnsToMatchSet(
                column_set=[name for name, _ in contract_columns], exact_match=False),
        ]
        if table in RAW_NOT_EMPTY:
            expectations.append(gxe.ExpectTableRowCountToBeBetween(min_value=1))
        for name, type_ in columns:
            expectations.append(gxe.ExpectColumnValuesToBeInTypeList(
                column=name, type_list=list(COMPATIBLE_DTYPES[_type_family(name, type_)]),
                meta={"contract_type": type_}))
        for name in RAW_REQUIRED.get(table, ()):
            expectations.append(
                gxe.ExpectColumnValuesToNotBeNull(column=name, mostly=MOSTLY_KEYS))
        for name, values in RAW_VALUE_SETS.get(table, {}).items():
            expectations.append(gxe.ExpectColumnValuesToMatchRegex(
                column=name, regex=_value_set_regex(values), mostly=MOSTLY_VALUES,
                meta={"value_set": list(values)}))
        for name in RAW_NON_NEGATIVE.get(table, ()):
            expectations.append(
                gxe.ExpectColumnValuesToBeBetween(column=name, min_value=0, mostly=MOSTLY_VALUES))
        currency = RAW_CURRENCY_COLUMNS.get(table)
        if currency in {name for name, _ in columns}:
            expectations.append(gxe.ExpectColumnValuesToMatchRegex(
                column=currency, regex=CURRENCY_REGEX, mostly=MOSTLY_VALUES))
        if table == "survey_responses":
            for question, (low, high) in SURVEY_QUESTIONS.items():
                expectations.append(gxe.ExpectColumnValuesToBeBetween(
                    column="score", min_value=low, max_value=high, mostly=MOSTLY_VALUES,
                    row_condition=Column("question") == question))
        suites[f"{RAW_SCHEMA}.{table}"] = expectations
    return suites


def mart_suites(segments: Iterable[str]) -> dict[str, list[gxe.Expectation]]:
    """The expectations of each mart; ``segments``: the customer segments of dim_customers."""
    customer_segments = sorted(set(segments))
    suites = {}
    for mart, key in MART_KEYS.items():
        expectations: list[gxe.Expectation] = [
            gxe.ExpectColumnValuesToNotBeNull(column=name) for name in key
        ]
        if len(key) == 1:
            expectations.append(gxe.ExpectColumnValuesToBeUnique(column=key[0]))
        else:
            expectations.append(gxe.ExpectCompoundColumnsToBeUnique(column_list=list(key)))
        if "period_grain" in key:
            expectations.append(
                gxe.ExpectColumnValuesToBeInSet(column="period_grain", value_set=PERIOD_GRAINS))
        if mart == "dim_customers":
            expectations.append(gxe.ExpectColumnValuesToBeInSet(
                column="segment", value_set=[*SEGMENTS, UNKNOWN_SEGMENT]))
        elif key == _PERIOD_SEGMENT:
            expectations.append(gxe.ExpectColumnValuesToBeInSet(
                column="segment", value_set=[*customer_segments, ALL_SEGMENTS]))
        elif "customer_id" in key:
            expectations.append(
                gxe.ExpectColumnValuesToBeInSet(column="segment", value_set=customer_segments))
        for name, (low, high) in MART_BOUNDS.get(mart, {}).items():
            expectations.append(
                gxe.ExpectColumnValuesToBeBetween(column=name, min_value=low, max_value=high))
        suites[f"{MARTS_SCHEMA}.{mart}"] = expectations
    return suites


def _type_family(column: str, duckdb_type: str) -> str:
    family = duckdb_type.split("(")[0].strip().lower()
    if family == "varchar" and column.endswith("_id"):
        family = "varchar id"
    if family not in COMPATIBLE_DTYPES:
        raise ValueError(f"no compatible pandas dtypes known for the contract type {duckdb_type}")
    return family


def _value_set_regex(values: Iterable[str]) -> str:
    alternatives = "|".join(re.escape(value) for value in values)
    return rf"(?i)^\s*(?:{alternatives})\s*$"


# --- running ----------------------------------------------------------------------------------

def validate(warehouse: Path = DEFAULT_WAREHOUSE, docs_dir: Path = DEFAULT_DOCS_DIR,
             suite: str = "all") -> Outcome:
    """Run the raw and/or mart suites on the DuckDB file ``warehouse``; write the Data Docs."""
    groups = SUITES if suite == "all" else (suite,)
    if any(group not in SUITES for group in groups):
        raise ValueError(f"unknown suite {suite!r}: choose raw, marts or all")
    if not Path(warehouse).is_file():
        raise FileNotFoundError(2, "warehouse not found", str(warehouse))
    context = _context(Path(docs_dir))
    datasource = context.data_sources.add_pandas("warehouse")
    outcome = Outcome()
    # read_only: validating never writes to the warehouse, nor creates it.
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for group in groups:
            if group == "raw":
                suites = raw_suites(_optional_columns_present(con))
            else:
                suites = mart_suites(_customer_segments(con))
            suites = {name: expectations for name, expectations in suites.items()
                      if not _optional_and_missing(con, name)}
            outcome.tables[group] = len(suites)
            outcome.expectations[group] = sum(len(e) for e in suites.values())
            outcome.failures[group] = [
                failure
                for name, expectations in suites.items()
                for failure in _run_suite(context, datasource, con, name, expectations)
            ]
    context.build_data_docs(site_names=[DOCS_SITE])
    outcome.docs_index = Path(docs_dir) / "index.html"
    return outcome


def run(warehouse: Path = DEFAULT_WAREHOUSE, docs_dir: Path = DEFAULT_DOCS_DIR,
        suite: str = "all") -> int:
    """``validate`` and print each failure and a summary: exit status 0, or 1 on a failure."""
    outcome = validate(warehouse, docs_dir, suite)
    for failures in outcome.failures.values():
        for failure in failures:
            print(failure)
    for group in outcome.tables:
        print(f"{group}: {outcome.tables[group]} tables, {outcome.expectations[group]} "
              f"expectations, {len(outcome.failures[group])} failed")
    print(f"Data Docs: {outcome.docs_index}")
    sys.stdout.flush()
    return 0 if outcome.success else FAILED


def _optional_and_missing(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """True for the suite of an optional table or mart that the warehouse does not hold."""
    schema, table = name.split(".", 1)
    optional = table in OPTIONAL_TABLES or table in OPTIONAL_MARTS or table in CURRENCY_TABLES
    return optional and not _column_types(con, schema, table)


def _optional_columns_present(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """The optional raw columns (contract.OPTIONAL_COLUMNS) the warehouse holds."""
    return [(table, name) for table, columns in OPTIONAL_COLUMNS.items()
            for name, _ in columns if name in _column_types(con, RAW_SCHEMA, table)]


def _context(docs_dir: Path) -> Any:
    """An in-memory GX context whose only Data Docs site is the folder ``docs_dir``."""
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        data_docs_sites={
            DOCS_SITE: {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir.resolve()),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }
        },
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _run_suite(context: Any, datasource: Any, con: duckdb.DuckDBPyConnection, name: str,
               expectations: list[gxe.Expectation]) -> list[Failure]:
    schema, table = name.split(".", 1)
    types = _column_types(con, schema, table)
    if not types:
        return [Failure(name, "-", "table exists", "no such table or view in the warehouse")]
    wanted = set()
    for expectation in expectations:
        kwargs = expectation.configuration.kwargs
        wanted.update(kwargs.get("column_list") or [])
        wanted.update(kwargs.get("column_set") or [])
        if kwargs.get("column"):
            wanted.add(kwargs["column"])
        condition = getattr(expectation, "row_condition", None)
        if isinstance(condition, ComparisonCondition):
            wanted.add(condition.column.name)
    frame = _read_table(con, schema, table, [c for c in types if c in wanted])

    batch = datasource.add_dataframe_asset(name=name)
    suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=expectations))
    definition = context.validation_definitions.add(gx.ValidationDefinition(
        name=name, data=batch.add_batch_definition_whole_dataframe(name), suite=suite,
    ))
    result = definition.run(
        batch_parameters={"dataframe": frame},
        result_format={"result_format": "SUMMARY", "partial_unexpected_count": 20},
    )
    order = {expectation.id: index for index, expectation in enumerate(suite.expectations)}
    failed = sorted((r for r in result.results if not r.success),
                    key=lambda r: order.get(r.expectation_config.id, len(order)))
    return [_failure(name, r, types) for r in failed]


def _column_types(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> dict[str, str]:
    """Column -> DuckDB type of a table or view, in the table's order ({} if it is missing)."""
    rows = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()
    return dict(rows)


def _read_table(con: duckdb.DuckDBPyConnection, schema: str, table: str,
                columns: list[str]) -> pd.DataFrame:
    """The ``columns`` of the table, with dtypes GX 1.24 can compare with its type names.

    GX builds the dtypes it compares a column with from type names, with default arguments:
    it cannot name pandas 3's default ``str`` dtype (NaN for missing) nor a time-zone-aware
    one. Text becomes the ``string`` dtype (``StringDtype()``, NA for missing); timestamps
    with a time zone become UTC without one, as staging casts them.
    """
    relation = f"{_quote(schema)}.{_quote(table)}"
    if not columns:
        (rows,) = con.execute(f"select count(*) from {relation}").fetchone()
        return pd.DataFrame(index=range(rows))
    frame = con.execute(f"select {', '.join(map(_quote, columns))} from {relation}").df()
    for name, dtype in frame.dtypes.items():
        if isinstance(dtype, pd.StringDtype):
            frame[name] = frame[name].astype("string")
        elif isinstance(dtype, pd.DatetimeTZDtype):
            frame[name] = frame[name].dt.tz_convert("UTC").dt.tz_localize(None)
    return frame


def _customer_segments(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The segments present in dim_customers (the contract's, if it is missing or empty)."""
    segments: list[str] = []
    if "segment" in _column_types(con, MARTS_SCHEMA, "dim_customers"):
        segments = [row[0] for row in con.execute(
            f"select distinct segment from {MARTS_SCHEMA}.dim_customers "
            "where segment is not null order by 1").fetchall()]
    return segments or [*SEGMENTS, UNKNOWN_SEGMENT]


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


# --- reporting --------------------------------------------------------------------------------

def _failure(table: str, result: Any, types: dict[str, str]) -> Failure:
    """``result`` in words; ``types``: the DuckDB type of each column of the table."""
    config = result.expectation_config
    kwargs = dict(config.kwargs)
    column = kwargs.get("column")
    expectation = _describe(config.type, kwargs, config.meta or {})
    if column and column not in types:
        return Failure(table, column, expectation, "no such column in the table")
    if column and "type_list" in kwargs and not _exception_message(result.exception_info or {}):
        observed = (result.result or {}).get("observed_value")
        return Failure(table, column, expectation,
                       f"the column is {types[column]} (pandas {observed})")
    column = column or ", ".join(kwargs.get("column_list") or []) or "-"
    return Failure(table, column, expectation, _detail(result))


def _describe(type_: str, kwargs: dict, meta: dict) -> str:
    shown = []
    for name in ("min_value", "max_value", "value_set"):
        if kwargs.get(name) is not None:
            shown.append(f"{name}={_value(kwargs[name])}")
    if "value_set" in meta:  # a value set written as a regular expression
        shown.append(f"value_set={_value(meta['value_set'])} (case and spaces ignored)")
    if "contract_type" in meta:
        shown.append(f"compatible with {meta['contract_type']}")
    if kwargs.get("column_set") is not None:
        shown.append(f"columns={_value(kwargs['column_set'])}")
    condition = kwargs.get("row_condition")
    if isinstance(condition, dict) and "column" in condition:
        shown.append(f"where {condition['column']['name']} {condition['operator']} "
                     f"{_value(condition['parameter'])}")
    if kwargs.get("mostly") not in (None, 1, 1.0):
        shown.append(f"mostly={kwargs['mostly']}")
    return f"{type_}({', '.join(shown)})"


def _detail(result: Any) -> str:
    message = _exception_message(result.exception_info or {})
    if message:
        return f"raised: {message}"
    found = result.result or {}
    if found.get("unexpected_count") is not None:
        counts = found.get("partial_unexpected_counts") or []
        values = [entry["value"] for entry in counts] or found.get("partial_unexpected_list", [])
        sample = ", ".join(_value(v) for v in values[:5])
        percent = found.get("unexpected_percent")
        share = f" ({percent:.1f} %)" if percent is not None else ""
        return (f"{found['unexpected_count']:,} of {found.get('element_count', 0):,} rows "
                f"unexpected{share}, e.g. {sample}")
    mismatched = (found.get("details") or {}).get("mismatched")
    if isinstance(mismatched, dict) and mismatched.get("missing"):
        return f"missing columns: {', '.join(mismatched['missing'])}"
    if "observed_value" in found:
        return f"observed {_value(found['observed_value'])}"
    return "failed"


def _exception_message(info: dict) -> str:
    """The first exception message of a result: GX nests them by metric when there are many."""
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "exception").strip().splitlines()[0]
    for value in info.values():
        if isinstance(value, dict) and value.get("raised_exception"):
            return _exception_message(value)
    return ""


def _value(value: Any) -> str:
    if hasattr(value, "item") and not isinstance(value, (list, tuple, dict)):
        value = value.item()  # numpy scalars
    if isinstance(value, dict):
        value = tuple(value.values())
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(_value(v) for v in value) + ")"
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, pd.Timestamp) and value == value.normalize():
        return value.date().isoformat()
    if value is None or value is pd.NA or value is pd.NaT:
        return "NULL"
    return str(value)
