"""The Great Expectations suites (`loyalty validate`) on small hand-made warehouses.

No dbt: the raw tables are created from the data contract (contract.create_table_sql) and the
marts by hand with the columns and types of the marts' YAML files (models/marts/), so the suites
are checked against both contracts, in seconds. Each broken warehouse is the clean one with
one thing broken; the message must name the table, the column and the expectation.
"""

from __future__ import annotations

import socket
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml
from conftest import copy_warehouse

from loyalty_analytics import cli, validate
from loyalty_analytics.contract import RAW_TABLES, create_table_sql

MARTS_DIR = Path(__file__).resolve().parents[1] / "models" / "marts"
# One properties file per mart, beside it (the marts of models/marts/ and its program/).
MARTS_YML = sorted(MARTS_DIR.rglob("*.yml"))

RAW_ROWS = {
    # 20 customers, every fourth one B2B.
    "customers": """
        select 'c' || i, timestamp '2023-01-01' + i * interval 1 day,
               case when i % 4 = 0 then 'B2B' else 'B2C' end, 'SE',
               timestamp '2023-01-01' + i * interval 1 day
        from range(20) as t(i)""",
    # 100 orders; staging trims and ignores case, so 'Completed ' is a valid status.
    "orders": """
        select 'o' || i, 'c' || (i % 20), timestamp '2024-01-01' + i * interval 7 hour,
               case when i = 7 then 'Completed ' when i % 10 = 0 then 'cancelled'
                    else 'completed' end,
               10.50 + i, timestamp '2024-03-01'
        from range(100) as t(i)""",
    "order_items": """
        select 'o' || i, 1, 'p' || (i % 5), 'books', 1 + i % 3, 5.25 from range(100) as t(i)""",
    # 40 answers, 10 per question, each in its question's range; every tenth is anonymous.
    "survey_responses": """
        select 'r' || i, case when i % 10 = 0 then null else 'c' || (i % 20) end,
               timestamp '2024-02-01' + i * interval 1 hour,
               ['recommend', 'repurchase', 'try_new', 'satisfaction'][1 + i % 4],
               case when i % 4 = 3 then 1 + i % 5 else i % 11 end
        from range(40) as t(i)""",
    # 50 events: sessions with a duration, key actions without.
    "engagement_events": """
        select 'e' || i, 'c' || (i % 20), timestamp '2024-02-01' + i * interval 3 hour,
               case when i % 2 = 0 then 'session' else 'key_action' end,
               case when i % 2 = 0 then 60 * i end
        from range(50) as t(i)""",
}

PERIODS = [("month", date(2024, 1, 1)), ("month", date(2024, 2, 1)),
           ("quarter", date(2024, 1, 1)), ("year", date(2024, 1, 1))]
# Metric values of every period x segment row: in range, bounds included, NULL allowed;
# customer_retention_rate and upsell_ratio may exceed 1 and are not bounded.
PERIOD_SEGMENT_VALUES = {
    "mart_retention": {"churn_rate": 0.25, "returning_customer_rate": 1.0,
                       "customer_retention_rate": 1.1},
    "mart_purchases": {"repeat_purchase_rate": 0.3, "upsell_ratio": 1.5},
    "mart_clv": {"annual_churn_rate": 0.0, "clv": 1234.5},
    "mart_survey_scores": {"nps": -20.0, "cli": None, "csat_pct": 0.9,
                           "repurchase_net_score": 100.0, "try_new_net_score": -100.0},
    "mart_loyalty_kpis": {"churn_rate": 0.0, "returning_customer_rate": 1.0,
                          "repeat_purchase_rate": 0.3, "csat_pct": None, "nps": 10.0,
                          "cli": 35.5, "mean_engagement_score": 50.0},
    "mart_returning_aov": {"returning_aov_uplift": -0.25},
}
CUSTOMERS = {"c1": "B2C", "c2": "B2B", "c3": "unknown"}


def mart_columns() -> dict[str, list[tuple[str, str]]]:
    models = [m for path in MARTS_YML for m in yaml.safe_load(path.read_text())["models"]]
    return {m["name"]: [(c["name"], c["data_type"]) for c in m["columns"]] for m in models}


def mart_rows() -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {
        "dim_customers": [{"customer_id": c, "segment": s} for c, s in CUSTOMERS.items()],
        "fct_customer_periods": [
            {"customer_id": c, "period_grain": g, "period_start": p, "segment": s}
            for c, s in CUSTOMERS.items() for g, p in PERIODS
        ],
        "mart_cohorts": [
            {"cohort_month": date(2024, 1, 1), "months_since_first_order": 0,
             "retention_share": 1.0, "cohort_repeat_rate": 0.25},
            {"cohort_month": date(2024, 1, 1), "months_since_first_order": 1,
             "retention_share": 0.5, "cohort_repeat_rate": 0.25},
            {"cohort_month": date(2024, 2, 1), "months_since_first_order": 0,
             "retention_share": 1.0, "cohort_repeat_rate": None},
        ],
        "mart_engagement": [
            {"customer_id": c, "period_grain": "month", "period_start": p, "segment": s,
             "engagement_score": score}
            for (c, s), score in zip(CUSTOMERS.items(), (0.0, 100.0, 55.55), strict=True)
            for g, p in PERIODS if g == "month"
        ],
    }
    for mart, values in PERIOD_SEGMENT_VALUES.items():
        rows[mart] = [
            {"period_grain": g, "period_start": p, "segment": s, **values}
            for g, p in PERIODS for s in [*CUSTOMERS.values(), "all"]
        ]
    return rows


def build_warehouse(path: Path) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema raw")
        for table in RAW_TABLES:
            con.execute(create_table_sql(table))
            if table in RAW_ROWS:  # the loyalty program's tables stay empty
                con.execute(f"insert into raw.{table} {RAW_ROWS[table]}")
        con.execute("create schema analytics")
        columns = mart_columns()
        for mart, rows in mart_rows().items():
            ddl = ", ".join(f"{name} {type_}" for name, type_ in columns[mart])
            con.execute(f"create table analytics.{mart} ({ddl})")
            con.register("mart_rows", pd.DataFrame(rows))
            con.execute(f"insert into analytics.{mart} by name select * from mart_rows")
            con.unregister("mart_rows")
    return path


def break_warehouse(path: Path, *statements: str) -> None:
    with duckdb.connect(str(path)) as con:
        for statement in statements:
            con.execute(statement)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Validation must not reach the network (no telemetry, no version check)."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture(scope="module")
def clean_warehouse(tmp_path_factory) -> Path:
    """Built once per module, copied for every test (each may break its copy)."""
    return build_warehouse(tmp_path_factory.mktemp("validate_clean") / "warehouse.duckdb")


@pytest.fixture
def small_warehouse(clean_warehouse, tmp_path) -> Path:
    copy_warehouse(clean_warehouse, tmp_path / "warehouse.duckdb")
    return tmp_path / "warehouse.duckdb"


def test_clean_warehouse_passes_and_writes_the_data_docs(small_warehouse, tmp_path, capsys):
    docs = tmp_path / "docs"
    assert validate.run(small_warehouse, docs, "all") == 0
    out = capsys.readouterr().out
    assert "FAILED" not in out
    # the two (empty) program tables count; the three program marts are not built here and
    # are skipped, mart_returning_aov is not optional
    assert "raw: 7 tables" in out and "marts: 10 tables" in out
    index = (docs / "index.html").read_text()
    assert "raw.orders" in index and "analytics.mart_retention" in index
    assert list((docs / "validations" / "analytics" / "mart_loyalty_kpis").rglob("*.html"))


@pytest.mark.parametrize(
    ("suite", "statements", "expected", "failures"),
    [
        pytest.param(
            "marts",
            ["update analytics.mart_retention set churn_rate = 1.5 "
             "where segment = 'all' and period_grain = 'year'"],
            "FAILED table analytics.mart_retention, column churn_rate: "
            "expect_column_values_to_be_between(min_value=0, max_value=1): "
            "1 of 16 rows unexpected (6.2 %), e.g. 1.5",
            1,
            id="rate-above-1",
        ),
        pytest.param(
            "marts",
            ["update analytics.mart_survey_scores set nps = -100.5 where segment = 'B2B'"],
            "FAILED table analytics.mart_survey_scores, column nps: "
            "expect_column_values_to_be_between(min_value=-100, max_value=100): 4 of 16",
            1,
            id="nps-below-minus-100",
        ),
        pytest.param(
            "marts",
            ["insert into analytics.mart_loyalty_kpis select * from analytics.mart_loyalty_kpis "
             "where segment = 'B2C' and period_grain = 'quarter'"],
            "FAILED table analytics.mart_loyalty_kpis, column period_grain, period_start, "
            "segment: expect_compound_columns_to_be_unique(): 2 of 17 rows unexpected",
            1,
            id="duplicated-period-segment-key",
        ),
        pytest.param(
            "marts",
            ["insert into analytics.dim_customers (customer_id, segment) values ('c1', 'B2C')"],
            "FAILED table analytics.dim_customers, column customer_id: "
            "expect_column_values_to_be_unique(): 2 of 4 rows unexpected (50.0 %), e.g. 'c1'",
            1,
            id="duplicated-customer",
        ),
        pytest.param(
            "marts",
            ["update analytics.mart_cohorts set months_since_first_order = null "
             "where cohort_month = date '2024-02-01'"],
            "FAILED table analytics.mart_cohorts, column months_since_first_order: "
            "expect_column_values_to_not_be_null()",
            1,
            id="null-key",
        ),
        pytest.param(
            "marts",
            ["update analytics.mart_purchases set segment = 'B2X' where segment = 'B2B'"],
            "FAILED table analytics.mart_purchases, column segment: "
            "expect_column_values_to_be_in_set(value_set=('B2B', 'B2C', 'unknown', 'all'))",
            1,
            id="unknown-segment",
        ),
        pytest.param(
            "marts",
            ["update analytics.mart_engagement set period_grain = 'week'"],
            "FAILED table analytics.mart_engagement, column period_grain: "
            "expect_column_values_to_be_in_set(value_set=('month', 'quarter', 'year'))",
            1,
            id="unknown-grain",
        ),
        pytest.param(
            "marts",
            ["drop table analytics.mart_cohorts"],
            "FAILED table analytics.mart_cohorts, column -: table exists",
            1,
            id="missing-mart",
        ),
        pytest.param(
            "raw",
            ["alter table raw.orders drop column status"],
            "FAILED table raw.orders, column -: expect_table_columns_to_match_set(columns=("
            "'order_id', 'customer_id', 'ordered_at', 'status', 'order_total', 'updated_at'"
            ")): missing columns: status",
            3,
            id="missing-raw-column",
        ),
        pytest.param(
            "raw",
            ["alter table raw.order_items alter column unit_price type varchar"],
            "FAILED table raw.order_items, column unit_price: "
            "expect_column_values_to_be_in_type_list(compatible with decimal(18,2)): "
            "the column is VARCHAR",
            2,
            id="incompatible-raw-type",
        ),
        pytest.param(
            "raw",
            ["alter table raw.customers alter column segment type integer using 1"],
            "FAILED table raw.customers, column segment: "
            "expect_column_values_to_be_in_type_list(compatible with varchar): "
            "the column is INTEGER",
            2,  # and no value is a segment
            id="category-stored-as-number",
        ),
        pytest.param(
            "raw",
            ["delete from raw.orders"],
            "FAILED table raw.orders, column -: expect_table_row_count_to_be_between("
            "min_value=1): observed 0",
            1,
            id="empty-orders",
        ),
        pytest.param(
            "raw",
            ["update raw.orders set status = 'shipped' where order_id in ('o1', 'o2', 'o3', "
             "'o4', 'o5', 'o6')"],
            "FAILED table raw.orders, column status: expect_column_values_to_match_regex("
            "value_set=('completed', 'cancelled', 'refunded', 'pending') (case and spaces "
            "ignored), mostly=0.95): 6 of 100 rows unexpected (6.0 %), e.g. 'shipped'",
            1,
            id="unknown-statuses-above-5-percent",
        ),
        pytest.param(
            "raw",
            ["update raw.survey_responses set score = 7 where question = 'satisfaction'"],
            "FAILED table raw.survey_responses, column score: expect_column_values_to_be_between"
            "(min_value=1, max_value=5, where question == 'satisfaction', mostly=0.95): "
            "10 of 10 rows unexpected",
            1,
            id="satisfaction-out-of-range",
        ),
        pytest.param(
            "raw",
            ["update raw.customers set customer_id = null where customer_id = 'c1'"],
            "FAILED table raw.customers, column customer_id: "
            "expect_column_values_to_not_be_null(mostly=0.99): 1 of 20 rows unexpected",
            1,
            id="missing-customer-ids",
        ),
    ],
)
def test_broken_warehouse_fails_naming_table_column_and_expectation(
    small_warehouse, tmp_path, capsys, suite, statements, expected, failures
):
    break_warehouse(small_warehouse, *statements)
    assert validate.run(small_warehouse, tmp_path / "docs", suite) == 1
    out = capsys.readouterr().out
    assert expected in out, out
    # More than one only where one fault breaks several expectations of a column.
    assert out.count("FAILED") == failures, out
    assert (tmp_path / "docs" / "index.html").is_file()


def test_raw_suites_tolerate_what_staging_quarantines(small_warehouse, tmp_path):
    """A few bad rows (below the `mostly` thresholds) and compatible types pass."""
    break_warehouse(
        small_warehouse,
        "update raw.orders set status = 'shipped', order_total = -1 where order_id = 'o1'",
        "update raw.order_items set quantity = -2 where order_id = 'o1'",
        "update raw.survey_responses set question = ' Recommend' where response_id = 'r0'",
        "update raw.engagement_events set event_type = 'click' where event_id = 'e1'",
        "alter table raw.orders alter column ordered_at type timestamptz",
        "alter table raw.orders alter column order_total type double",
        "alter table raw.orders add column channel varchar",  # extra columns are ignored
        # Integer ids are compatible with text: staging casts them.
        "alter table raw.engagement_events alter column event_id type bigint "
        "using cast(substr(event_id, 2) as bigint)",
    )
    outcome = validate.validate(small_warehouse, tmp_path / "docs", "raw")
    assert outcome.success, outcome.failures


def test_mart_suites_name_only_columns_of_the_mart_contracts():
    columns = {mart: {name for name, _ in cols} for mart, cols in mart_columns().items()}
    for name, expectations in validate.mart_suites(["B2C"]).items():
        mart = name.split(".", 1)[1]
        for expectation in expectations:
            kwargs = expectation.configuration.kwargs
            used = set(kwargs.get("column_list") or []) | {kwargs.get("column")} - {None}
            assert used <= columns[mart], (mart, used - columns[mart])


def test_cli_validate_exit_status(small_warehouse, tmp_path, capsys):
    args = ["validate", "--warehouse", str(small_warehouse), "--docs-dir", str(tmp_path / "docs")]
    assert cli.main([*args, "--suite", "marts"]) == 0
    break_warehouse(small_warehouse, "update analytics.mart_clv set annual_churn_rate = 2")
    assert cli.main([*args, "--suite", "marts"]) == 1
    assert "analytics.mart_clv, column annual_churn_rate" in capsys.readouterr().out
    missing = ["validate", "--warehouse", str(tmp_path / "nowhere.duckdb")]
    assert cli.main(missing) == 2
    assert "warehouse not found" in capsys.readouterr().err
    assert not (tmp_path / "nowhere.duckdb").exists()
