"""The sample data generator: determinism, the contract, and realism of the data.

One data set of 3,000 customers over 3 years is generated and loaded once for the module;
the checks query it on DuckDB.
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pyarrow.parquet as pq
import pytest

from loyalty_analytics.contract import (
    ORDER_STATUSES,
    RAW_TABLES,
    SEGMENTS,
    SURVEY_QUESTIONS,
)
from loyalty_analytics.generate import arrow_schema, generate
from loyalty_analytics.load import load_directory

CUSTOMERS = 3_000
END_DATE = date(2025, 12, 31)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """(data directory, row counts, read-only connection to the loaded warehouse)."""
    root = tmp_path_factory.mktemp("generated")
    data = root / "data"
    rows = generate(data, customers=CUSTOMERS, years=3, seed=7, end_date=END_DATE)
    warehouse = root / "warehouse.duckdb"
    load_directory(data, warehouse)
    con = duckdb.connect(str(warehouse), read_only=True)
    yield data, rows, con
    con.close()


@pytest.fixture(scope="module")
def con(sample):
    return sample[2]


def one(con, sql: str):
    """The single value of a query."""
    return con.execute(sql).fetchone()[0]


# --- determinism ---------------------------------------------------------------------------


def test_same_seed_and_arguments_give_byte_identical_files(tmp_path):
    first = generate(tmp_path / "a", customers=300, seed=11)
    second = generate(tmp_path / "b", customers=300, seed=11)
    assert first == second
    for table in RAW_TABLES:
        name = f"{table}.parquet"
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_another_seed_gives_other_data(tmp_path):
    generate(tmp_path / "a", customers=300, seed=11)
    generate(tmp_path / "b", customers=300, seed=12)
    for table in ("orders", "order_items", "engagement_events"):
        name = f"{table}.parquet"
        assert (tmp_path / "a" / name).read_bytes() != (tmp_path / "b" / name).read_bytes()


def test_only_the_five_tables_are_written(sample):
    data, _, _ = sample
    assert sorted(p.name for p in data.iterdir()) == sorted(f"{t}.parquet" for t in RAW_TABLES)


def test_the_end_date_is_an_argument_and_bounds_every_timestamp(tmp_path):
    generate(tmp_path, customers=500, years=1, seed=3, end_date=date(2020, 6, 30))
    with duckdb.connect() as con:
        bounds = con.execute(f"""
            select min(ts), max(ts) from (
                select ordered_at as ts from '{tmp_path}/orders.parquet'
                union all select updated_at from '{tmp_path}/orders.parquet'
                union all select responded_at from '{tmp_path}/survey_responses.parquet'
                union all select occurred_at from '{tmp_path}/engagement_events.parquet'
            )
        """).fetchone()
        first_order = one(con, f"select min(ordered_at) from '{tmp_path}/orders.parquet'")
    assert bounds[1] < datetime(2020, 7, 1)
    assert bounds[1] >= datetime(2020, 6, 1)  # data up to the end date, not up to today
    assert first_order >= datetime(2019, 7, 1)


def test_chunks_continue_the_keys(tmp_path, monkeypatch):
    """Several chunks: keys stay unique and sequential, progress goes to stderr."""
    import loyalty_analytics.generate as generate_module

    monkeypatch.setattr(generate_module, "CHUNK_CUSTOMERS", 120)
    rows = generate(tmp_path, customers=300, seed=5, progress=True)
    with duckdb.connect() as con:
        ids = con.execute(f"""
            select count(*), count(distinct customer_id), min(customer_id), max(customer_id)
            from '{tmp_path}/customers.parquet'
        """).fetchone()
        orders = con.execute(f"""
            select count(distinct order_id), max(order_id) from '{tmp_path}/orders.parquet'
        """).fetchone()
    assert ids == (300, 300, "C0000001", "C0000300")
    assert orders == (rows["orders"], f"O{rows['orders']:09d}")
    assert pq.ParquetFile(tmp_path / "orders.parquet").num_row_groups == 3


def test_progress_is_reported_on_stderr(tmp_path, capsys):
    generate(tmp_path, customers=50, seed=1, progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "chunk 1/1" in captured.err and "rows/s" in captured.err


@pytest.mark.parametrize("bad", [{"customers": 0}, {"years": 0}, {"seed": -1}])
def test_bad_arguments_are_rejected(tmp_path, bad):
    with pytest.raises(ValueError):
        generate(tmp_path, **bad)


# --- the contract --------------------------------------------------------------------------


def test_files_have_the_contract_schema(sample):
    data, _, _ = sample
    for table in RAW_TABLES:
        assert pq.read_schema(data / f"{table}.parquet") == arrow_schema(table)


def test_loaded_tables_have_the_contract_columns_and_types(con):
    for table, columns in RAW_TABLES.items():
        found = con.execute(
            "select column_name, lower(replace(data_type, ' ', '')) from information_schema.columns"
            " where table_schema = 'raw' and table_name = ? order by ordinal_position",
            [table],
        ).fetchall()
        assert found == [(name, type_) for name, type_ in columns], table


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ("customers", "customer_id"),
        ("orders", "order_id"),
        ("order_items", "order_id, line_number"),
        ("survey_responses", "response_id"),
        ("engagement_events", "event_id"),
        ("loyalty_memberships", "membership_id"),
        ("loyalty_points", "entry_id"),
    ],
)
def test_keys_are_unique(con, table, key):
    total, distinct = con.execute(
        f"select count(*), count(distinct ({key})) from raw.{table}"
    ).fetchone()
    assert total > 0 and total == distinct


def test_no_nulls_outside_the_nullable_columns(con):
    nullable = {("customers", "country"), ("survey_responses", "customer_id"),
                ("engagement_events", "duration_seconds"),
                # vip_club has no tiers; a member has no left_at; expiries have no order
                ("loyalty_memberships", "tier"), ("loyalty_memberships", "left_at"),
                ("loyalty_points", "order_id")}
    for table, columns in RAW_TABLES.items():
        for column, _ in columns:
            if (table, column) not in nullable:
                assert one(con, f"select count(*) from raw.{table} where {column} is null") == 0


def test_row_counts_returned_match_the_files(sample):
    _, rows, con = sample
    for table, count in rows.items():
        assert one(con, f"select count(*) from raw.{table}") == count


def test_customers_are_valid(con):
    assert one(con, "select count(*) from raw.customers "
                    r"where not regexp_full_match(customer_id, 'C\d{7}')") == 0
    segments = {row[0] for row in con.execute("select distinct segment from raw.customers")
                .fetchall()}
    assert segments == set(SEGMENTS)
    b2b_share = one(con, "select avg((segment = 'B2B')::int) from raw.customers")
    assert 0.16 <= b2b_share <= 0.24
    null_country = one(con, "select avg((country is null)::int) from raw.customers")
    assert 0.03 <= null_country <= 0.07
    assert one(con, "select count(*) from raw.customers "
                    "where not regexp_full_match(country, '[A-Z]{2}')") == 0
    # Sign-up on or before the first order, for every customer, and every customer buys.
    assert one(con, """
        select count(*) from raw.customers as c
        left join (select customer_id, min(ordered_at) as first_order_at from raw.orders
                   group by 1) as o using (customer_id)
        where o.first_order_at is null or c.created_at > o.first_order_at
    """) == 0


def test_orders_are_valid(con):
    statuses = dict(con.execute(
        "select status, count(*) / sum(count(*)) over () from raw.orders group by 1"
    ).fetchall())
    assert set(statuses) == set(ORDER_STATUSES)
    assert 0.90 <= statuses["completed"] <= 0.94
    for status in ("cancelled", "refunded"):
        assert 0.02 <= statuses[status] <= 0.04
    assert 0.01 <= statuses["pending"] <= 0.03
    assert one(con, "select count(*) from raw.orders where updated_at < ordered_at") == 0
    assert one(con, "select count(*) from raw.orders where order_total <= 0") == 0
    assert one(con, "select count(*) from raw.orders where customer_id not in "
                    "(select customer_id from raw.customers)") == 0
    # Orders have a time of day, in UTC, spread over the day.
    assert one(con, "select count(distinct hour(ordered_at)) from raw.orders") == 24
    # Some customers order twice on the same day.
    assert one(con, """
        select count(*) from (
            select customer_id, ordered_at::date from raw.orders group by all having count(*) > 1
        )
    """) > 10


def test_order_total_is_the_sum_of_its_items(con):
    mismatches = one(con, """
        select count(*)
        from raw.orders as o
        full join (
            select order_id, sum(quantity * unit_price) as items_total, count(*) as lines,
                max(line_number) as last_line, min(line_number) as first_line
            from raw.order_items group by 1
        ) as i using (order_id)
        where o.order_total is distinct from i.items_total
            or i.first_line <> 1 or i.last_line <> i.lines or i.lines > 4
    """)
    assert mismatches == 0


def test_order_items_are_valid(con):
    assert one(con, "select count(*) from raw.order_items "
                    r"where not regexp_full_match(product_id, 'P\d{4}')") == 0
    assert one(con, "select count(*) from raw.order_items "
                    "where quantity < 1 or unit_price <= 0") == 0
    assert one(con, "select count(distinct product_category) from raw.order_items") == 6
    # A product belongs to one category.
    assert one(con, "select max(n) from (select count(distinct product_category) as n "
                    "from raw.order_items group by product_id)") == 1
    # Categories have their own price levels.
    prices = [row[0] for row in con.execute(
        "select median(unit_price) from raw.order_items group by product_category order by 1"
    ).fetchall()]
    assert prices[-1] > 4 * prices[0]


def test_some_customers_buy_across_categories_and_many_stick_to_one(con):
    single, multi = con.execute("""
        select count(*) filter (where categories = 1), count(*) filter (where categories > 1)
        from (
            select o.customer_id, count(distinct i.product_category) as categories
            from raw.orders as o inner join raw.order_items as i on o.order_id = i.order_id
            where o.customer_id in (select customer_id from raw.orders group by 1
                                    having count(*) >= 3)
            group by 1
        )
    """).fetchone()
    assert single > 0.3 * (single + multi)
    assert multi > 0.2 * (single + multi)


def test_survey_responses_are_valid(con):
    for question, (low, high) in SURVEY_QUESTIONS.items():
        count, lowest, highest = con.execute(
            "select count(*), min(score), max(score) from raw.survey_responses "
            "where question = ?", [question]
        ).fetchone()
        assert count > 100, question
        assert low <= lowest and highest <= high, question
    assert one(con, "select count(*) from raw.survey_responses where question not in "
                    "('recommend', 'repurchase', 'try_new', 'satisfaction')") == 0
    anonymous = one(con, "select avg((customer_id is null)::int) from raw.survey_responses")
    assert 0.02 <= anonymous <= 0.09
    assert one(con, "select count(*) from raw.survey_responses where customer_id not in "
                    "(select customer_id from raw.customers)") == 0
    # Responses follow an order of the customer.
    assert one(con, """
        select count(*) from raw.survey_responses as s
        where s.customer_id is not null and s.responded_at < (
            select min(o.ordered_at) from raw.orders as o where o.customer_id = s.customer_id
        )
    """) == 0


def test_engagement_events_are_valid(con):
    types = dict(con.execute("""
        select event_type, count(*) filter (where
            (event_type = 'session' and (duration_seconds is null or duration_seconds <= 0))
            or (event_type = 'key_action' and duration_seconds is not null))
        from raw.engagement_events group by 1
    """).fetchall())
    assert types == {"session": 0, "key_action": 0}
    # Within the customer's lifetime: after sign-up, not after the end date.
    assert one(con, """
        select count(*) from raw.engagement_events as e
        inner join raw.customers as c on e.customer_id = c.customer_id
        where e.occurred_at < c.created_at or e.occurred_at >= date '2026-01-01'
    """) == 0
    assert one(con, "select count(*) from raw.engagement_events where customer_id not in "
                    "(select customer_id from raw.customers)") == 0


# --- realism: the metrics have something to measure ----------------------------------------


def test_order_density_over_three_years(con):
    orders_per_customer = one(con, "select count(*) / count(distinct customer_id) from raw.orders")
    assert 5 <= orders_per_customer <= 15


def test_first_orders_spread_over_the_whole_period(con):
    by_year = dict(con.execute("""
        select year(first_order_at), count(*) from (
            select customer_id, min(ordered_at) as first_order_at from raw.orders group by 1
        ) group by 1
    """).fetchall())
    assert sorted(by_year) == [2023, 2024, 2025]
    assert by_year[2023] > by_year[2025] > 0.1 * CUSTOMERS


def test_one_time_and_repeat_buyers_both_common(con):
    one_time = one(con, "select avg((n = 1)::int) from (select count(*) as n from raw.orders "
                        "group by customer_id)")
    assert 0.1 <= one_time <= 0.5


def test_seasonality_december_peak_and_summer_dip(con):
    by_month = dict(con.execute(
        "select month(ordered_at), count(*) from raw.orders group by 1"
    ).fetchall())
    assert by_month[12] > 1.5 * by_month[7]
    assert by_month[11] > by_month[7]


def test_b2b_customers_buy_more_often_and_more_per_order(con):
    segment = {row[0]: row[1:] for row in con.execute("""
        select c.segment, count(*) / count(distinct c.customer_id), avg(o.order_total)
        from raw.orders as o inner join raw.customers as c on o.customer_id = c.customer_id
        group by 1
    """).fetchall()}
    assert segment["B2B"][0] > 1.3 * segment["B2C"][0]
    assert segment["B2B"][1] > 2 * segment["B2C"][1]


def test_repeat_buyers_score_higher_in_surveys(con):
    scores = dict(con.execute("""
        with buyers as (
            select customer_id, count(*) >= 2 as is_repeat_buyer
            from raw.orders where status = 'completed' group by 1
        )
        select b.is_repeat_buyer, avg(s.score)
        from raw.survey_responses as s inner join buyers as b on s.customer_id = b.customer_id
        where s.question = 'recommend'
        group by 1
    """).fetchall())
    assert scores[True] > scores[False] + 0.5


def test_active_customers_have_more_engagement(con):
    events = dict(con.execute("""
        with orders as (select customer_id, count(*) as n from raw.orders group by 1),
        events as (select customer_id, count(*) as n from raw.engagement_events group by 1)
        select o.n >= 5, avg(coalesce(e.n, 0))
        from orders as o left join events as e on o.customer_id = e.customer_id
        group by 1
    """).fetchall())
    assert events[True] > 2 * events[False]


# --- shapes ----------------------------------------------------------------------------------

# Content digests (sha256 of each table as CSV, first 16 hex digits) of the default shape,
# 300 customers, seed 11, computed before the shape option existed: the option must leave the
# default shape's data unchanged.
DEFAULT_SHAPE_DIGESTS = {
    "customers": "0e110820a7b84c8e",
    "orders": "eeae759d2d6811ac",
    "order_items": "53bdffddcbb6ed05",
    "survey_responses": "707374bdb104afe2",
    "engagement_events": "ebd7919a7d1eb8be",
}


# Columns added to the contract after the digests were taken, each with what it must equal.
ADDED_COLUMNS = {"customers": {"updated_at": "created_at"}}


def table_digests(folder) -> dict[str, str]:
    """The digests of the columns the contract had when they were taken; an added column
    must equal its stated counterpart (customers.updated_at: one version, as old as the
    sign-up)."""
    import hashlib

    digests = {}
    for t in DEFAULT_SHAPE_DIGESTS:
        frame = pq.read_table(folder / f"{t}.parquet").to_pandas()
        for added, equal_to in ADDED_COLUMNS.get(t, {}).items():
            assert frame[added].equals(frame[equal_to]), (t, added)
            frame = frame.drop(columns=added)
        digests[t] = hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()[:16]
    return digests


def test_the_default_shape_is_unchanged_by_the_shape_option(tmp_path):
    generate(tmp_path / "a", customers=300, seed=11)
    generate(tmp_path / "b", customers=300, seed=11, shape="default")
    assert table_digests(tmp_path / "a") == DEFAULT_SHAPE_DIGESTS
    for table in RAW_TABLES:
        name = f"{table}.parquet"
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_an_unknown_shape_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="shape must be one of default, steady"):
        generate(tmp_path, customers=10, shape="bursty")


@pytest.fixture(scope="module")
def steady(tmp_path_factory):
    root = tmp_path_factory.mktemp("steady")
    generate(root / "data", customers=CUSTOMERS, years=3, seed=7, end_date=END_DATE,
             shape="steady")
    load_directory(root / "data", root / "warehouse.duckdb")
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    yield con
    con.close()


def test_steady_shape_is_deterministic_and_differs_from_the_default(tmp_path):
    generate(tmp_path / "a", customers=300, seed=11, shape="steady")
    generate(tmp_path / "b", customers=300, seed=11, shape="steady")
    assert table_digests(tmp_path / "a") == table_digests(tmp_path / "b")
    assert table_digests(tmp_path / "a")["orders"] != DEFAULT_SHAPE_DIGESTS["orders"]


def test_steady_shape_joins_evenly_without_seasonality_at_the_same_density(steady):
    # About as many orders per customer as the default (the bench sizes assume ~10).
    assert 8 <= one(steady, "select count(*) / count(distinct customer_id) from raw.orders") <= 11
    by_year = dict(steady.execute("""
        select year(first_order_at), count(*) from (
            select customer_id, min(ordered_at) as first_order_at from raw.orders group by 1
        ) group by 1
    """).fetchall())
    # Uniform joins: a third of 3,000 customers a year, 1,000 +- 4 standard deviations
    # (sqrt(3000 * 1/3 * 2/3) = 26).
    assert all(abs(n - CUSTOMERS / 3) < 4 * 26 for n in by_year.values()), by_year
    by_month = dict(steady.execute(
        "select strftime(ordered_at, '%Y-%m'), count(*) from raw.orders group by 1").fetchall())
    # No seasonality: January has about as many orders as the December before it (31 days
    # each; slightly more customers have joined by January). The default shape's factors give
    # January / December = 0.95 / 1.6 = 0.59.
    assert 0.9 < by_month["2025-01"] / by_month["2024-12"] < 1.15


def test_steady_customers_keep_buying_to_the_end(steady):
    # No dropout: nearly every repeat buyer who joined in the first year still buys in the last
    # half year (in the default shape most have dropped out by then).
    share = one(steady, """
        with c as (
            select customer_id, min(ordered_at) as first_at, max(ordered_at) as last_at,
                count(*) as orders
            from raw.orders group by 1
        )
        select avg((last_at >= timestamp '2025-07-01')::int) from c
        where first_at < timestamp '2024-01-01' and orders > 1
    """)
    assert share > 0.9


# --- the loyalty program -------------------------------------------------------------------


def test_the_five_tables_do_not_depend_on_the_program(tmp_path, monkeypatch):
    """The program has a random stream of its own: drawing it differently leaves the other
    tables byte-identical."""
    from loyalty_analytics import generate as generate_module

    generate(tmp_path / "a", customers=300, seed=11)
    monkeypatch.setattr(generate_module, "JOIN_BASE", 0.5)
    monkeypatch.setattr(generate_module, "REDEEM_SHARE", 0.0)
    generate(tmp_path / "b", customers=300, seed=11)
    for table in ("customers", "orders", "order_items", "survey_responses", "engagement_events"):
        name = f"{table}.parquet"
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    name = "loyalty_memberships.parquet"
    assert (tmp_path / "a" / name).read_bytes() != (tmp_path / "b" / name).read_bytes()


def test_members_join_after_their_first_order_and_some_leave(con):
    joined_after_first, total, left, programs = con.execute("""
        with first_orders as (
            select customer_id, min(ordered_at) as first_at from raw.orders group by 1
        )
        select count(*) filter (where m.joined_at > f.first_at), count(*),
               count(m.left_at), count(distinct m.program)
        from raw.loyalty_memberships as m
        inner join first_orders as f using (customer_id)
    """).fetchone()
    assert total > 0 and joined_after_first == total
    assert 0 < left < total
    assert programs == 2  # points and vip_club
    vip_share = one(con, "select avg((program = 'vip_club')::int) from raw.loyalty_memberships")
    assert 0 < vip_share < 0.3  # a small paid club
    tiers = {row[0] for row in con.execute(
        "select distinct tier from raw.loyalty_memberships where program = 'points'").fetchall()}
    assert tiers == {"bronze", "silver", "gold"}


def test_points_signs_follow_the_entry_type_and_earnings_follow_orders(con):
    by_type = dict(con.execute("""
        select entry_type, count(*) from raw.loyalty_points group by 1""").fetchall())
    assert set(by_type) == {"earn", "redeem", "expire", "adjust"}
    assert one(con, """select count(*) from raw.loyalty_points
        where (entry_type = 'earn' and points <= 0)
           or (entry_type in ('redeem', 'expire') and points >= 0)""") == 0
    # an earning is 1 point per whole currency unit of a completed order, after it
    mismatched = one(con, """
        select count(*) from raw.loyalty_points as p
        inner join raw.orders as o using (order_id)
        where p.entry_type = 'earn'
          and (p.points != floor(o.order_total) or o.status != 'completed'
               or p.occurred_at < o.ordered_at)""")
    assert mismatched == 0
    # no balance ever goes negative
    assert one(con, """
        select count(*) from (
            select sum(points) over (partition by customer_id order by occurred_at, entry_id
                                     rows unbounded preceding) as balance
            from raw.loyalty_points)
        where balance < 0""") == 0


def test_members_buy_more_often_than_non_members(con):
    member_orders, other_orders = con.execute("""
        with counts as (
            select customer_id, count(*) as orders from raw.orders
            where status = 'completed' group by 1
        )
        select avg(orders) filter (where customer_id in (
                   select customer_id from raw.loyalty_memberships)),
               avg(orders) filter (where customer_id not in (
                   select customer_id from raw.loyalty_memberships))
        from counts""").fetchone()
    assert member_orders > 1.5 * other_orders


# --- multi-currency sample (--currencies) --------------------------------------------------

CURRENCIES = ("SEK", "NOK", "EUR", "DKK")


@pytest.fixture(scope="module")
def currencies(tmp_path_factory):
    """(one-currency directory, multi-currency directory, connection to the loaded second)."""
    root = tmp_path_factory.mktemp("currencies")
    generate(root / "one", customers=600, seed=5)
    rows = generate(root / "many", customers=600, seed=5, currencies=CURRENCIES)
    warehouse = root / "warehouse.duckdb"
    load_directory(root / "many", warehouse)
    con = duckdb.connect(str(warehouse), read_only=True)
    yield root / "one", root / "many", con, rows
    con.close()


def test_the_default_output_has_no_currency_and_no_rates(sample):
    data, rows, con = sample
    assert "currency" not in pq.read_schema(data / "orders.parquet").names
    assert "exchange_rates" not in rows
    assert one(con, "select count(*) from information_schema.tables "
                    "where table_name = 'exchange_rates'") == 0


def test_currencies_leave_every_table_but_the_amounts_as_they_were(currencies):
    single, many, _, rows = currencies
    assert rows["exchange_rates"] > 0
    for table in RAW_TABLES:
        want = pq.read_table(single / f"{table}.parquet")
        got = pq.read_table(many / f"{table}.parquet")
        if table == "orders":
            assert got.drop_columns(["order_total", "currency"]).equals(
                want.drop_columns(["order_total"]))
        elif table == "order_items":
            assert got.drop_columns(["unit_price"]).equals(want.drop_columns(["unit_price"]))
        else:
            assert got.equals(want), table


def test_customers_pay_in_their_country_currency_else_the_reporting_one(currencies):
    _, _, con, _ = currencies
    pairs = set(con.execute(
        "select distinct coalesce(c.country, '-'), o.currency from raw.orders o "
        "join raw.customers c using (customer_id)").fetchall())
    expected = {"SE": "SEK", "NO": "NOK", "DK": "DKK", "FI": "EUR", "DE": "EUR", "NL": "EUR",
                "FR": "EUR", "GB": "SEK", "US": "SEK", "PL": "SEK", "-": "SEK"}
    assert {(country, expected[country]) for country, _ in pairs} == pairs
    assert {currency for _, currency in pairs} == set(CURRENCIES)


def test_rates_are_on_business_days_and_every_order_has_one(currencies):
    _, _, con, _ = currencies
    assert one(con, "select count(*) from raw.exchange_rates where dayofweek(rate_date) in (0, 6)"
               ) == 0
    assert one(con, "select count(distinct currency) from raw.exchange_rates") == 3
    assert one(con, "select count(*) from raw.exchange_rates where currency = 'SEK'") == 0
    # no foreign order before the first rate of its currency
    assert one(con, "select count(*) from raw.orders o where o.currency != 'SEK' and not exists "
                    "(select 1 from raw.exchange_rates r where r.currency = o.currency "
                    "and r.rate_date <= cast(o.ordered_at as date))") == 0


def test_prices_are_the_reporting_prices_at_the_day_rate(currencies):
    single, _, con, _ = currencies
    # The same lines priced back in SEK at the rate in force on the order day (weekends:
    # Friday's) are the one-currency sample's prices to within half a cent times the rate.
    worst = one(con, f"""
        with reporting as (
            select order_id, line_number, unit_price from '{single}/order_items.parquet'
        ),
        priced as (
            select i.order_id, i.line_number, i.unit_price, o.currency,
                   (select r.rate_to_reporting from raw.exchange_rates r
                    where r.currency = o.currency and r.rate_date <= cast(o.ordered_at as date)
                    order by r.rate_date desc limit 1) as rate
            from raw.order_items i join raw.orders o using (order_id)
            where o.currency != 'SEK'
        )
        select max(abs(priced.unit_price * priced.rate - reporting.unit_price) / priced.rate)
        from priced join reporting using (order_id, line_number)""")
    assert worst <= 0.005
    # order totals are still the sum of their lines
    assert one(con, "select count(*) from raw.orders o join (select order_id, "
                    "sum(quantity * unit_price) as total from raw.order_items group by 1) i "
                    "using (order_id) where i.total != o.order_total") == 0


def test_unknown_or_repeated_currencies_are_rejected(tmp_path):
    with pytest.raises(ValueError, match="currencies must be some of"):
        generate(tmp_path, customers=10, currencies=("SEK", "XYZ"))
    with pytest.raises(ValueError, match="listed twice"):
        generate(tmp_path, customers=10, currencies=("SEK", "EUR", "eur"))
