"""Deterministic sample data for the raw tables of the contract, at any size.

Purchases follow a BG/NBD process (Fader, Hardie & Lee 2005): each customer buys at a rate
lambda ~ Gamma(r, alpha) while alive and, after each repeat purchase, drops out with a
probability p ~ Beta(a, b). On top of that: customers join (make their first order) over the
whole period, more of them early; seasonality (November/December peak, summer dip) by
thinning the purchase process; B2B customers buy more often and more per order; order lines
come from six product categories with their own price levels, and most customers stick to
one category; survey answers and engagement events follow each customer's behaviour.

``shape="steady"`` (``loyalty generate --shape steady``) is another population: customers
join evenly over the period and buy at a steady rate, much the same for everyone (Gamma shape
STEADY_GAMMA_R), never drop out, and there is no seasonality; about as many orders per
customer as the default. The default shape is unchanged by the option (same draws, same
bytes).

The loyalty program (``loyalty_memberships``, ``loyalty_points``) is drawn from the orders
afterwards, from a random stream of its own, so the five other tables are the same with or
without it: customers join the points program some time after their first order, the more
likely the more often they buy (members buy more often than non-members); tiers by trailing
spend; points earned per order (1 per currency unit), redeemed against later orders, expiring
after 12 months; some members leave. A few frequent buyers join the paid ``vip_club``.

``currencies=("SEK", "NOK", "EUR", "DKK")`` (``loyalty generate --currencies SEK,NOK,EUR,DKK``)
writes a multi-currency sample: the first currency is the reporting one (var
``reporting_currency``), each customer pays in the currency of their country when it is
listed (SE SEK, NO NOK, DK DKK, FI/DE/NL/FR EUR, GB GBP, US USD, PL PLN), else in the
reporting currency; ``orders.currency`` says which. Their prices are the same goods priced in
that currency at the day's rate, to the cent; ``exchange_rates.parquet`` holds a rate per
listed foreign currency and business day (none at weekends: an order then converts at
Friday's rate), a random walk from its own stream. Without the option the output is exactly
as before (no currency column, no rates file).

Customers are simulated in fixed-size chunks with vectorised numpy code, and every table is
written as one Parquet file (``<out>/<table>.parquet``, one row group per chunk), so memory
stays bounded from a thousand to tens of millions of orders. The output depends only on the
arguments: the random streams are seeded from ``seed`` and the chunk number, and nothing reads
the clock. Same seed and arguments give byte-identical files (with the same numpy and
pyarrow versions, which the lock file pins).
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from loyalty_analytics.contract import CURRENCY_TABLES, OPTIONAL_COLUMNS, RAW_TABLES

DEFAULT_END_DATE = date(2025, 12, 31)

# Customers per chunk. Part of the output's definition: the random streams are drawn per
# chunk, so changing it changes the data generated for a seed.
CHUNK_CUSTOMERS = 10000

SECONDS_PER_DAY = 86_400

# --- customers ---------------------------------------------------------------------------
B2B_SHARE = 0.20
COUNTRIES = np.array(["SE", "NO", "DK", "FI", "DE", "NL", "GB", "FR", "US", "PL"])
COUNTRY_WEIGHTS = np.array([0.30, 0.10, 0.09, 0.08, 0.13, 0.07, 0.08, 0.06, 0.05, 0.04])
COUNTRY_NULL_SHARE = 0.05
# Join (first order) time as a share of the period: u ** JOIN_SKEW puts more joins early.
JOIN_SKEW = 1.3

# --- BG/NBD purchase process (rates per day) ---------------------------------------------
GAMMA_R = 0.3  # shape of the purchase rate lambda
GAMMA_ALPHA = 7.0  # its rate parameter in days: mean lambda = r / alpha per day
BETA_A = 0.8  # drop-out probability p ~ Beta(a, b), mean a / (a + b)
BETA_B = 5.0
# The "steady" shape: a near-homogeneous rate (Gamma shape 20), mean rate chosen for about as
# many orders per customer as the default over 3 years (joins are uniform: on average half
# the period left, times the mean B2B factor 1.3: 8.4 repeat orders / (548 days * 1.3)
# = 0.0118 per day = STEADY_GAMMA_R / STEADY_GAMMA_ALPHA).
STEADY_GAMMA_R = 20.0
STEADY_GAMMA_ALPHA = 1700.0
B2B_RATE_FACTOR = 2.5
B2B_DROPOUT_FACTOR = 0.6
# Relative purchase intensity by calendar month (thinning of the purchase process).
MONTH_SEASONALITY = np.array(
    [0.95, 0.90, 1.00, 1.00, 1.00, 0.85, 0.70, 0.80, 1.00, 1.05, 1.30, 1.60]
)
# Share of orders followed by a second order on the same day.
SAME_DAY_SHARE = 0.02
# Orders by hour of the day (UTC): quiet nights, lunch bump, evening peak.
HOUR_WEIGHTS = np.array(
    [1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 3, 4, 4.5, 5, 6, 5.5, 5, 5, 5.5, 6, 7, 8, 8.5, 7, 4.5, 2.5]
)

# --- orders ------------------------------------------------------------------------------
STATUSES = np.array(["completed", "cancelled", "refunded", "pending"])
STATUS_WEIGHTS = np.array([0.92, 0.03, 0.03, 0.02])
# Median seconds from ordered_at to the last update of the row, by status.
STATUS_UPDATE_MEDIAN = np.array([2.5 * SECONDS_PER_DAY, 3 * 3600, 12 * SECONDS_PER_DAY, 1200])

# --- order items -------------------------------------------------------------------------
CATEGORIES = np.array(["books", "music", "electronics", "home", "clothing", "toys"])
CATEGORY_WEIGHTS = np.array([0.22, 0.15, 0.13, 0.18, 0.20, 0.12])
CATEGORY_PRICE_LEVEL = np.array([18.0, 12.0, 150.0, 40.0, 35.0, 25.0])  # typical unit price
PRODUCTS_PER_CATEGORY = 50
LINE_WEIGHTS_B2C = np.array([0.55, 0.25, 0.13, 0.07])  # 1..4 lines per order
LINE_WEIGHTS_B2B = np.array([0.25, 0.30, 0.25, 0.20])
SINGLE_CATEGORY_SHARE = 0.55  # customers who only ever buy their favourite category
DISCOUNT_SHARE = 0.08

SHAPES = ("default", "steady")

SEGMENT_LABELS = ("B2C", "B2B")  # by is_b2b
EVENT_TYPES = ("session", "key_action")  # by is a key action

# --- surveys -----------------------------------------------------------------------------
SURVEY_TAKER_SHARE = 0.30
SURVEY_RATE_TAKER = 0.35  # chance that a survey taker answers after an order
SURVEY_RATE_OTHER = 0.02
ANONYMOUS_SHARE = 0.05

# --- engagement --------------------------------------------------------------------------
TRACKED_SHARE = 0.80  # customers whose sessions are tracked (logged in)
SESSION_BASE_RATE = 0.01  # sessions per day besides the ordering sessions ...
SESSION_RATE_PER_PURCHASE_RATE = 0.8  # ... plus this many per unit of purchase rate
ORDER_SESSION_SHARE = 0.8
KEY_ACTIONS_PER_SESSION = 0.6
DEPARTED_ENGAGEMENT_DAYS = 60.0  # mean days a dropped-out customer still visits

# --- loyalty program ---------------------------------------------------------------------
# Chance of joining the points program: base + per completed order, capped.
JOIN_BASE = 0.05
JOIN_PER_ORDER = 0.09
JOIN_MAX = 0.85
JOIN_DELAY_DAYS = 20.0  # mean days from the order a member joins at to joined_at
LEAVE_SHARE = 0.15  # members who leave the program again
# Tier by completed spend in the 365 days before the membership's last change.
TIER_LIMITS = ((1500.0, "gold"), (500.0, "silver"), (0.0, "bronze"))
POINTS_PER_UNIT = 1  # points earned per currency unit of a completed order
REDEEM_SHARE = 0.6  # chance that a member redeems at an order when the balance allows
REDEEM_MIN = 100  # points redeemed in blocks of this many
EXPIRY_DAYS = 365
ADJUST_SHARE = 0.03  # members with one goodwill (or correction) adjustment
VIP_MIN_ORDERS = 4
VIP_SHARE = 0.15  # of the customers with VIP_MIN_ORDERS completed orders

# --- currencies (the --currencies option) ---------------------------------------------------
# Units of each currency per euro, about the 2025 level: the start of each rate's walk.
UNITS_PER_EUR = {"EUR": 1.0, "SEK": 11.2, "NOK": 11.6, "DKK": 7.46, "GBP": 0.85, "USD": 1.08,
                 "PLN": 4.3}
COUNTRY_CURRENCY = {"SE": "SEK", "NO": "NOK", "DK": "DKK", "FI": "EUR", "DE": "EUR",
                    "NL": "EUR", "FR": "EUR", "GB": "GBP", "US": "USD", "PL": "PLN"}
RATE_DAILY_VOLATILITY = 0.004  # standard deviation of a rate's daily log change
RATE_DECIMALS = 6
RATE_LEAD_DAYS = 7  # rates start this many days before the first order

_ARROW_TYPES = {
    "varchar": pa.string(),
    "timestamp": pa.timestamp("us"),
    "integer": pa.int32(),
    "decimal(18,2)": pa.decimal128(18, 2),
    "date": pa.date32(),
    "decimal(18,8)": pa.decimal128(18, 8),
}


def arrow_schema(table: str, optional: bool = False) -> pa.Schema:
    """The Arrow schema of a raw table, from the contract's columns and DuckDB types (with
    its optional columns when ``optional``)."""
    columns = RAW_TABLES[table] if table in RAW_TABLES else CURRENCY_TABLES[table]
    columns = columns + (OPTIONAL_COLUMNS.get(table, []) if optional else [])
    return pa.schema([(name, _ARROW_TYPES[type_]) for name, type_ in columns])


@dataclass(frozen=True)
class _Period:
    """The simulated window: whole days from ``start`` up to and including ``end_date``."""

    start: date
    days: int
    start_epoch_s: int
    day_factor: np.ndarray  # seasonal factor of each day of the window

    @classmethod
    def ending(cls, end_date: date, years: int, seasonal: bool = True) -> _Period:
        try:
            start = end_date.replace(year=end_date.year - years) + timedelta(days=1)
        except ValueError:  # 29 February
            start = end_date.replace(year=end_date.year - years, day=28) + timedelta(days=1)
        days = (end_date - start).days + 1
        epoch = int((datetime(start.year, start.month, start.day) - datetime(1970, 1, 1))
                    .total_seconds())
        day_dates = np.datetime64(start, "D") + np.arange(days)
        months = day_dates.astype("datetime64[M]").astype(np.int64) % 12
        factor = MONTH_SEASONALITY[months] if seasonal else np.ones(days)
        return cls(start, days, epoch, factor)

    @property
    def end_s(self) -> int:
        """Seconds from the start to the last second of the window."""
        return self.days * SECONDS_PER_DAY - 1


@dataclass
class _Counters:
    """Running totals, so keys stay unique and sequential across chunks."""

    customers: int = 0
    orders: int = 0
    responses: int = 0
    events: int = 0
    memberships: int = 0
    entries: int = 0


def generate(
    out_dir: str | os.PathLike,
    customers: int = 1_000,
    years: int = 3,
    seed: int = 42,
    end_date: date = DEFAULT_END_DATE,
    progress: bool = False,
    shape: str = "default",
    currencies: tuple[str, ...] | None = None,
) -> dict[str, int]:
    """Write ``<out_dir>/<table>.parquet`` for the raw tables; return rows per table.

    ``customers`` customers over the ``years`` years that end on ``end_date`` (inclusive,
    UTC); with the defaults about 10 orders per customer over 3 years. ``progress`` prints
    one line per chunk on stderr. The files appear only when complete (written under a
    temporary name, then renamed). ``shape``: "default" or "steady" (see the module's doc).
    ``currencies``: a multi-currency sample, the first the reporting currency (see the
    module's doc); None (the default): every amount in one currency, no rates.
    """
    if customers < 1:
        raise ValueError("customers must be at least 1")
    if years < 1:
        raise ValueError("years must be at least 1")
    if seed < 0:
        raise ValueError("seed must be a non-negative integer")
    if shape not in SHAPES:
        raise ValueError(f"shape must be one of {', '.join(SHAPES)}, got {shape!r}")
    if currencies is not None:
        currencies = _check_currencies(currencies)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    steady = shape == "steady"
    period = _Period.ending(end_date, years, seasonal=not steady)
    rates = _Rates.walk(currencies, period, seed) if currencies else None
    catalog = _Catalog.make(np.random.default_rng(np.random.SeedSequence([seed, 0])))
    id_width = max(7, len(str(customers)))
    chunks = -(-customers // CHUNK_CUSTOMERS)
    counters = _Counters()
    rows = dict.fromkeys(RAW_TABLES, 0)
    tmp_paths = {t: out / f".{t}.parquet.tmp" for t in RAW_TABLES}
    writers = {
        t: pq.ParquetWriter(tmp_paths[t], arrow_schema(t, optional=rates is not None),
                            compression="zstd")
        for t in RAW_TABLES
    }
    started = time.perf_counter()
    try:
        for k in range(chunks):
            n = min(CHUNK_CUSTOMERS, customers - k * CHUNK_CUSTOMERS)
            rng = np.random.default_rng(np.random.SeedSequence([seed, 1, k]))
            tables = _simulate_chunk(rng, n, period, catalog, counters, id_width, steady)
            program_rng = np.random.default_rng(np.random.SeedSequence([seed, 2, k]))
            tables.update(_simulate_program(program_rng, tables["orders"], period, counters))
            if rates is not None:
                tables.update(rates.price(tables))
            for name, table in tables.items():
                writers[name].write_table(table)
                rows[name] += table.num_rows
            if progress:
                total = sum(rows.values())
                elapsed = time.perf_counter() - started
                print(
                    f"generate: chunk {k + 1}/{chunks}: {counters.customers:,} customers, "
                    f"{rows['orders']:,} orders, {total:,} rows so far "
                    f"({total / max(elapsed, 1e-9):,.0f} rows/s)",
                    file=sys.stderr,
                    flush=True,
                )
    except BaseException:
        for name, writer in writers.items():
            writer.close()
            tmp_paths[name].unlink(missing_ok=True)
        raise
    for name, writer in writers.items():
        writer.close()
        os.replace(tmp_paths[name], out / f"{name}.parquet")
    if rates is not None:
        table = rates.table()
        tmp = out / ".exchange_rates.parquet.tmp"
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, out / "exchange_rates.parquet")
        rows["exchange_rates"] = table.num_rows
    return rows


def _check_currencies(currencies) -> tuple[str, ...]:
    """The listed currencies, upper case, each known (UNITS_PER_EUR) and listed once."""
    codes = tuple(code.strip().upper() for code in currencies)
    unknown = [code for code in codes if code not in UNITS_PER_EUR]
    if not codes or unknown:
        raise ValueError(f"currencies must be some of {', '.join(UNITS_PER_EUR)}, the "
                         f"reporting currency first; got {', '.join(codes) or 'none'}")
    if len(set(codes)) != len(codes):
        raise ValueError(f"a currency is listed twice: {', '.join(codes)}")
    return codes


@dataclass(frozen=True)
class _Rates:
    """Daily rates to the reporting currency (codes[0]) of the other listed currencies."""

    codes: tuple[str, ...]
    first_day: date  # the first business day with a rate
    by_day: np.ndarray  # [currency, day from first_day]: the rate in force (weekends: Friday's)
    is_business_day: np.ndarray  # by day from first_day

    @classmethod
    def walk(cls, codes: tuple[str, ...], period: _Period, seed: int) -> _Rates:
        rng = np.random.default_rng(np.random.SeedSequence([seed, 3]))
        first = period.start - timedelta(days=RATE_LEAD_DAYS)
        while first.weekday() >= 5:
            first -= timedelta(days=1)
        days = (period.start - first).days + period.days
        weekday = (np.arange(days) + first.weekday()) % 7
        business = weekday < 5
        by_day = np.ones((len(codes), days))
        for k, code in enumerate(codes[1:], start=1):
            steps = rng.normal(0.0, RATE_DAILY_VOLATILITY, days) * business
            level = UNITS_PER_EUR[codes[0]] / UNITS_PER_EUR[code]
            by_day[k] = np.round(level * np.exp(np.cumsum(steps)), RATE_DECIMALS)
        return cls(codes, first, by_day, business)

    def currency_of(self, countries: pa.Array) -> np.ndarray:
        """The index in ``codes`` of each customer's currency, by country (0: reporting)."""
        index = {code: k for k, code in enumerate(self.codes)}
        return np.array([index.get(COUNTRY_CURRENCY.get(country), 0)
                         for country in countries.to_pylist()], dtype=np.int64)

    def price(self, tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
        """The orders and lines of one chunk priced in each customer's currency at the rate of
        the order's day: unit prices to the cent, totals their sum (as in the reporting
        currency: lines add up to the order)."""
        customers, orders, items = tables["customers"], tables["orders"], tables["order_items"]
        customer_currency = self.currency_of(customers.column("country").combine_chunks())
        position = pc.index_in(orders.column("customer_id"), customers.column("customer_id"))
        o_currency = customer_currency[position.to_numpy(zero_copy_only=False)]
        micros = pc.cast(orders.column("ordered_at").combine_chunks(), pa.int64()).to_numpy()
        epoch_day = micros // (SECONDS_PER_DAY * 1_000_000)
        day = epoch_day - (self.first_day - date(1970, 1, 1)).days
        rate = self.by_day[o_currency, day]
        line_order = pc.index_in(items.column("order_id"), orders.column("order_id"))
        line_order = line_order.to_numpy(zero_copy_only=False)
        unit = pc.cast(items.column("unit_price"), pa.float64()).to_numpy() * 100
        unit_cents = np.maximum(np.rint(unit / rate[line_order]), 1).astype(np.int64)
        quantity = items.column("quantity").to_numpy()
        total_cents = np.bincount(line_order, weights=quantity * unit_cents,
                                  minlength=orders.num_rows).astype(np.int64)
        orders = orders.set_column(orders.schema.get_field_index("order_total"), "order_total",
                                   _decimals(total_cents))
        orders = orders.append_column("currency", _labels(self.codes, o_currency))
        items = items.set_column(items.schema.get_field_index("unit_price"), "unit_price",
                                 _decimals(unit_cents))
        return {"orders": orders, "order_items": items}

    def table(self) -> pa.Table:
        """The exchange_rates table: each foreign currency on each business day."""
        days = np.flatnonzero(self.is_business_day)
        k = np.repeat(np.arange(1, len(self.codes)), days.size)
        d = np.tile(days, len(self.codes) - 1)
        dates = np.datetime64(self.first_day, "D") + d
        return pa.table(
            {
                "rate_date": pa.array(dates),
                "currency": _labels(self.codes, k),
                "rate_to_reporting": pa.array(
                    [_rate_decimal(value) for value in self.by_day[k, d]],
                    pa.decimal128(18, 8)),
            },
            schema=arrow_schema("exchange_rates"),
        )


def _rate_decimal(value: float) -> Decimal:
    """A rate as an exact decimal of RATE_DECIMALS places."""
    return Decimal(f"{value:.{RATE_DECIMALS}f}")


@dataclass(frozen=True)
class _Catalog:
    """Products P0000.. in blocks of PRODUCTS_PER_CATEGORY per category, fixed prices."""

    price_cents: np.ndarray  # by product number
    popularity_cdf: np.ndarray  # within a category (same shape for every category)

    @classmethod
    def make(cls, rng: np.random.Generator) -> _Catalog:
        levels = np.repeat(CATEGORY_PRICE_LEVEL, PRODUCTS_PER_CATEGORY)
        raw = levels * rng.lognormal(0.0, 0.35, levels.size)
        # Shop prices: whole units minus one cent (17.99), at least 0.99.
        price_cents = np.maximum(np.rint(raw), 1).astype(np.int64) * 100 - 1
        popularity = 1.0 / np.arange(1, PRODUCTS_PER_CATEGORY + 1) ** 0.8
        return cls(price_cents, np.cumsum(popularity) / popularity.sum())


def _simulate_chunk(
    rng: np.random.Generator,
    n: int,
    period: _Period,
    catalog: _Catalog,
    counters: _Counters,
    id_width: int,
    steady: bool = False,
) -> dict[str, pa.Table]:
    """Simulate ``n`` customers: one Arrow table per raw table (``steady``: that shape)."""
    T = period.days
    smax = 1.0 if steady else MONTH_SEASONALITY.max()
    gamma_r, gamma_alpha = (STEADY_GAMMA_R, STEADY_GAMMA_ALPHA) if steady else (GAMMA_R,
                                                                                GAMMA_ALPHA)

    # --- customers' latent traits ----------------------------------------------------------
    is_b2b = rng.random(n) < B2B_SHARE
    lam = rng.gamma(gamma_r, 1.0 / gamma_alpha, n) * np.where(is_b2b, B2B_RATE_FACTOR, 1.0)
    p_drop = rng.beta(BETA_A, BETA_B, n) * np.where(is_b2b, B2B_DROPOUT_FACTOR, 1.0)
    # Repeat purchases before dropping out (BG/NBD: the drop-out coin is tossed after each
    # repeat purchase). Steady customers never drop out (the draws are made all the same).
    max_repeats = rng.geometric(p_drop)
    if steady:
        max_repeats = np.full(n, np.iinfo(np.int64).max)

    # Join day: more early in the period (steady: evenly); thinned by season (4 tries, else
    # the last one).
    tries = T * rng.random((n, 4)) ** (1.0 if steady else JOIN_SKEW)
    accepted = rng.random((n, 4)) < period.day_factor[tries.astype(np.int64)] / smax
    pick = np.where(accepted.any(axis=1), accepted.argmax(axis=1), 3)
    t_join = tries[np.arange(n), pick]

    # --- repeat purchases: Poisson process at lam * smax, thinned by season ----------------
    remaining = T - t_join
    raw_counts = rng.poisson(lam * smax * remaining)
    cust = np.repeat(np.arange(n), raw_counts)
    t = t_join[cust] + rng.random(cust.size) * remaining[cust]
    order = np.argsort(cust * float(T) + t, kind="stable")  # by customer, then time
    cust, t = cust[order], t[order]
    keep = rng.random(t.size) < period.day_factor[t.astype(np.int64)] / smax
    cust, t = cust[keep], t[keep]
    rank = _rank_within(cust, n)  # 1 = first repeat purchase
    alive_purchase = rank <= max_repeats[cust]
    # A customer who made all their repeat purchases dropped out right after the last one.
    died = np.zeros(n, dtype=bool)
    died[cust[alive_purchase & (rank == max_repeats[cust])]] = True
    cust, t = cust[alive_purchase], t[alive_purchase]
    # Drop-outs stop at their last purchase (purchases are sorted by customer and time).
    purchases = np.bincount(cust, minlength=n)
    last_purchase = np.cumsum(purchases) - 1
    death_day = np.where(died, t[np.maximum(last_purchase, 0)] if t.size else 0.0, float(T))

    # --- all orders: first + repeats + a few second orders on the same day -----------------
    o_cust = np.concatenate([np.arange(n), cust])
    o_day = np.concatenate([t_join, t]).astype(np.int64)
    twin = rng.random(o_cust.size) < SAME_DAY_SHARE * np.where(is_b2b[o_cust], 2.0, 1.0)
    o_cust = np.concatenate([o_cust, o_cust[twin]])
    o_day = np.concatenate([o_day, o_day[twin]])
    o_sec = o_day * SECONDS_PER_DAY + _time_of_day(rng, o_cust.size)
    order = np.argsort(o_cust * (T * SECONDS_PER_DAY) + o_sec, kind="stable")
    o_cust, o_sec = o_cust[order], o_sec[order]
    n_orders = o_cust.size
    first_idx = np.searchsorted(o_cust, np.arange(n))
    last_idx = np.append(first_idx[1:], n_orders) - 1
    has_next = np.ones(n_orders, dtype=bool)
    has_next[last_idx] = False

    status_code = rng.choice(STATUSES.size, n_orders, p=STATUS_WEIGHTS)
    update_delay = np.rint(
        STATUS_UPDATE_MEDIAN[status_code] * rng.lognormal(0.0, 0.6, n_orders)
    ).astype(np.int64)
    u_sec = np.minimum(o_sec + update_delay, period.end_s)

    # --- customers table -----------------------------------------------------------------
    first_sec = o_sec[first_idx]
    same_session = rng.random(n) < 0.45
    signup_gap = np.where(
        same_session,
        rng.integers(30, 1800, n),
        np.rint(rng.exponential(30 * SECONDS_PER_DAY, n)).astype(np.int64) + 1800,
    )
    created_sec = first_sec - signup_gap
    country_code = rng.choice(COUNTRIES.size, n, p=COUNTRY_WEIGHTS)
    country_null = rng.random(n) < COUNTRY_NULL_SHARE

    customer_ids = _ids("C", counters.customers + 1 + np.arange(n), id_width)
    order_ids = _ids("O", counters.orders + 1 + np.arange(n_orders), 9)
    o_cust_ids = customer_ids.take(pa.array(o_cust))

    customers = pa.table(
        {
            "customer_id": customer_ids,
            "created_at": _timestamps(period, created_sec),
            "segment": _labels(SEGMENT_LABELS, is_b2b),
            "country": _labels(COUNTRIES, country_code, null=country_null),
            # one version per customer: the row is as old as the sign-up
            "updated_at": _timestamps(period, created_sec),
        },
        schema=arrow_schema("customers"),
    )

    # --- order items ---------------------------------------------------------------------
    b2b_order = is_b2b[o_cust]
    lines = np.where(
        b2b_order,
        rng.choice(4, n_orders, p=LINE_WEIGHTS_B2B),
        rng.choice(4, n_orders, p=LINE_WEIGHTS_B2C),
    ) + 1
    item_order = np.repeat(np.arange(n_orders), lines)
    line_start = np.cumsum(lines) - lines
    line_number = np.arange(item_order.size) - line_start[item_order] + 1
    item_cust = o_cust[item_order]
    favourite = rng.choice(CATEGORIES.size, n, p=CATEGORY_WEIGHTS)
    loyalty = np.where(rng.random(n) < SINGLE_CATEGORY_SHARE, 1.0, rng.uniform(0.3, 0.8, n))
    other = rng.choice(CATEGORIES.size, item_order.size, p=CATEGORY_WEIGHTS)
    category = np.where(rng.random(item_order.size) < loyalty[item_cust], favourite[item_cust],
                        other)
    rank_in_category = np.searchsorted(catalog.popularity_cdf, rng.random(item_order.size))
    rank_in_category = np.minimum(rank_in_category, PRODUCTS_PER_CATEGORY - 1)
    product = category * PRODUCTS_PER_CATEGORY + rank_in_category
    unit_cents = catalog.price_cents[product]
    discounted = rng.random(item_order.size) < DISCOUNT_SHARE
    discount = rng.uniform(0.10, 0.25, item_order.size)
    unit_cents = np.where(discounted, np.rint(unit_cents * (1 - discount)), unit_cents)
    unit_cents = np.maximum(unit_cents, 1).astype(np.int64)
    b2b_item = is_b2b[item_cust]
    quantity = np.where(
        b2b_item,
        np.minimum(rng.geometric(0.25, item_order.size), 50),
        np.minimum(rng.geometric(0.75, item_order.size), 10),
    )
    total_cents = np.add.reduceat(quantity * unit_cents, line_start)

    orders = pa.table(
        {
            "order_id": order_ids,
            "customer_id": o_cust_ids,
            "ordered_at": _timestamps(period, o_sec),
            "status": _labels(STATUSES, status_code),
            "order_total": _decimals(total_cents),
            "updated_at": _timestamps(period, u_sec),
        },
        schema=arrow_schema("orders"),
    )
    order_items = pa.table(
        {
            "order_id": order_ids.take(pa.array(item_order)),
            "line_number": pa.array(line_number.astype(np.int32)),
            "product_id": _ids("P", product, 4),
            "product_category": _labels(CATEGORIES, category),
            "quantity": pa.array(quantity.astype(np.int32)),
            "unit_price": _decimals(unit_cents),
        },
        schema=arrow_schema("order_items"),
    )

    # --- survey responses ----------------------------------------------------------------
    survey_rate = np.where(rng.random(n) < SURVEY_TAKER_SHARE, SURVEY_RATE_TAKER,
                           SURVEY_RATE_OTHER)
    mood_base = rng.normal(0.0, 1.0, n)
    surveyed = np.flatnonzero(rng.random(n_orders) < survey_rate[o_cust])
    s_sec = o_sec[surveyed] + np.rint(
        rng.exponential(3 * SECONDS_PER_DAY, surveyed.size)
    ).astype(np.int64) + 3600
    in_window = s_sec <= period.end_s
    surveyed, s_sec = surveyed[in_window], s_sec[in_window]
    s_cust = o_cust[surveyed]
    m = surveyed.size
    # Mood after the order: the customer's disposition, whether they buy again, and whether
    # this order went wrong.
    bad = np.isin(status_code[surveyed], (1, 2))
    mood = mood_base[s_cust] + 1.6 * (has_next[surveyed] - 0.5) - 2.0 * bad
    explorer = loyalty[s_cust] < 1.0
    answers = {
        "recommend": np.clip(np.rint(7.4 + 1.2 * mood + rng.normal(0, 1.2, m)), 0, 10),
        "repurchase": np.clip(np.rint(7.0 + 1.5 * mood + rng.normal(0, 1.2, m)), 0, 10),
        "try_new": np.clip(np.rint(5.2 + 0.8 * mood + 1.5 * explorer + rng.normal(0, 1.6, m)),
                           0, 10),
        "satisfaction": np.clip(np.rint(3.9 + 0.5 * mood + rng.normal(0, 0.6, m)), 1, 5),
    }
    asked = {
        "recommend": np.ones(m, dtype=bool),
        "satisfaction": rng.random(m) < 0.85,
    }
    loyalty_block = rng.random(m) < 0.5  # repurchase and try_new are asked together
    asked["repurchase"] = asked["try_new"] = loyalty_block
    q_names = np.array(list(answers))
    # One row per answered question, ordered by survey then question.
    answered = np.stack([asked[q] for q in q_names], axis=1)
    scores = np.stack([answers[q] for q in q_names], axis=1)
    row_survey, row_question = np.nonzero(answered)
    anonymous = rng.random(m) < ANONYMOUS_SHARE
    r_count = row_survey.size
    survey_responses = pa.table(
        {
            "response_id": _ids("R", counters.responses + 1 + np.arange(r_count), 9),
            "customer_id": pc.if_else(
                pa.array(anonymous[row_survey]),
                pa.scalar(None, pa.string()),
                customer_ids.take(pa.array(s_cust[row_survey])),
            ),
            "responded_at": _timestamps(period, s_sec[row_survey]),
            "question": _labels(q_names, row_question),
            "score": pa.array(scores[row_survey, row_question].astype(np.int32)),
        },
        schema=arrow_schema("survey_responses"),
    )

    # --- engagement events ---------------------------------------------------------------
    tracked = rng.random(n) < TRACKED_SHARE
    span_start = np.maximum(created_sec, 0)
    departure = death_day * SECONDS_PER_DAY + rng.exponential(
        DEPARTED_ENGAGEMENT_DAYS * SECONDS_PER_DAY, n
    )
    span_end = np.minimum(np.where(died, departure, period.end_s), period.end_s).astype(np.int64)
    span_end = np.maximum(span_end, span_start)
    rate = (SESSION_BASE_RATE + SESSION_RATE_PER_PURCHASE_RATE * lam) * tracked
    browse_counts = rng.poisson(rate * (span_end - span_start) / SECONDS_PER_DAY)
    b_cust = np.repeat(np.arange(n), browse_counts)
    b_start = span_start[b_cust] + np.rint(
        rng.random(b_cust.size) * (span_end - span_start)[b_cust]
    ).astype(np.int64)
    # Ordering sessions: the order is placed during the session.
    with_session = np.flatnonzero(tracked[o_cust] & (rng.random(n_orders) < ORDER_SESSION_SHARE))
    e_cust = np.concatenate([b_cust, o_cust[with_session]])
    duration = np.clip(np.rint(rng.lognormal(np.log(300), 1.0, e_cust.size)), 5, 4 * 3600)
    duration = duration.astype(np.int64)
    lead = np.rint(rng.random(with_session.size) * duration[b_cust.size:]).astype(np.int64)
    e_start = np.concatenate([b_start, o_sec[with_session] - lead])
    e_start = np.clip(e_start, span_start[e_cust], period.end_s)
    duration = np.maximum(np.minimum(duration, period.end_s - e_start), 1)
    n_sessions = e_cust.size
    # Key actions during sessions; an ordering session always has one (the checkout).
    k_counts = rng.poisson(KEY_ACTIONS_PER_SESSION, n_sessions)
    k_counts[b_cust.size:] += 1
    k_session = np.repeat(np.arange(n_sessions), k_counts)
    k_sec = e_start[k_session] + np.rint(
        rng.random(k_session.size) * duration[k_session]
    ).astype(np.int64)
    ev_cust = np.concatenate([e_cust, e_cust[k_session]])
    ev_sec = np.concatenate([e_start, k_sec])
    ev_key = np.concatenate([np.zeros(n_sessions, dtype=bool), np.ones(k_session.size, bool)])
    ev_duration = np.concatenate([duration, np.zeros(k_session.size, dtype=np.int64)])
    # By customer, time, sessions before their key actions at the same second.
    order = np.argsort((ev_cust * (period.end_s + 1) + ev_sec) * 2 + ev_key, kind="stable")
    ev_cust, ev_sec, ev_key, ev_duration = (a[order] for a in (ev_cust, ev_sec, ev_key,
                                                              ev_duration))
    e_count = ev_cust.size
    engagement_events = pa.table(
        {
            "event_id": _ids("E", counters.events + 1 + np.arange(e_count), 10),
            "customer_id": customer_ids.take(pa.array(ev_cust)),
            "occurred_at": _timestamps(period, ev_sec),
            "event_type": _labels(EVENT_TYPES, ev_key),
            "duration_seconds": pa.array(ev_duration.astype(np.int32), mask=ev_key),
        },
        schema=arrow_schema("engagement_events"),
    )

    counters.customers += n
    counters.orders += n_orders
    counters.responses += r_count
    counters.events += e_count
    return {
        "customers": customers,
        "orders": orders,
        "order_items": order_items,
        "survey_responses": survey_responses,
        "engagement_events": engagement_events,
    }


def _simulate_program(
    rng: np.random.Generator,
    orders: pa.Table,
    period: _Period,
    counters: _Counters,
) -> dict[str, pa.Table]:
    """The loyalty program of one chunk's customers, drawn from their orders: the
    ``loyalty_memberships`` and ``loyalty_points`` tables. Every draw comes from ``rng``, a
    stream of its own, so the other tables do not depend on the program."""
    encoded = orders.column("customer_id").combine_chunks().dictionary_encode()
    o_cust = encoded.indices.to_numpy().astype(np.int64)  # orders are sorted by customer
    customer_ids = encoded.dictionary
    n = len(customer_ids)
    micros = pc.cast(orders.column("ordered_at").combine_chunks(), pa.int64()).to_numpy()
    o_sec = micros // 1_000_000 - period.start_epoch_s
    completed = pc.equal(orders.column("status"), "completed").to_numpy(zero_copy_only=False)
    total = pc.cast(orders.column("order_total"), pa.float64()).to_numpy()
    order_ids = orders.column("order_id").combine_chunks()
    end_s = period.end_s

    # Per-customer draws, a fixed number each, so one customer's luck moves no one else's.
    u_join, u_anchor, u_leave, leave_at, u_adjust, adjust_at, u_vip, vip_leave = (
        rng.random(n) for _ in range(8))
    join_delay = rng.exponential(JOIN_DELAY_DAYS * SECONDS_PER_DAY, n)
    vip_delay = rng.exponential(2 * SECONDS_PER_DAY, n)
    u_redeem = rng.random(o_cust.size)

    starts = np.searchsorted(o_cust, np.arange(n))
    stops = np.append(starts[1:], o_cust.size)
    memberships: list[tuple] = []
    entries: list[tuple] = []
    for c in range(n):
        rows = np.arange(starts[c], stops[c])
        done = rows[completed[rows]]
        if done.size == 0:
            continue
        p_join = min(JOIN_MAX, JOIN_BASE + JOIN_PER_ORDER * done.size)
        if u_join[c] < p_join:
            anchor = done[int(u_anchor[c] * min(done.size, 3))]
            joined = int(o_sec[anchor] + 60 + join_delay[c])
            if joined <= end_s:
                left = None
                if u_leave[c] < LEAVE_SHARE:
                    left = int(joined + 3600 + leave_at[c] * (end_s - joined))
                    left = left if left <= end_s else None
                until = left if left is not None else end_s
                member_orders = done[(o_sec[done] >= joined) & (o_sec[done] < until)]
                adjust = (int(joined + adjust_at[c] * (until - joined))
                          if u_adjust[c] < ADJUST_SHARE else None)
                entries += _points_entries(c, member_orders, o_sec, total, order_ids,
                                           u_redeem, adjust, until, left)
                stamp = left if left is not None else (
                    int(o_sec[member_orders[-1]]) + 60 if member_orders.size else joined)
                spent = total[done[(o_sec[done] > stamp - EXPIRY_DAYS * SECONDS_PER_DAY)
                                   & (o_sec[done] <= stamp)]].sum()
                tier = next(name for limit, name in TIER_LIMITS if spent >= limit)
                memberships.append((c, "points", tier, joined, left, stamp))
        if done.size >= VIP_MIN_ORDERS and u_vip[c] < VIP_SHARE:
            joined = int(o_sec[done[VIP_MIN_ORDERS - 1]] + 600 + vip_delay[c])
            if joined <= end_s:
                left = int(joined + 86_400 + vip_leave[c] * 2 * (end_s - joined))
                left = left if left <= end_s else None
                memberships.append((c, "vip_club", None, joined, left,
                                    left if left is not None else joined))

    m = len(memberships)
    m_cust = np.array([row[0] for row in memberships], dtype=np.int64)
    loyalty_memberships = pa.table(
        {
            "membership_id": _ids("M", counters.memberships + 1 + np.arange(m), 9),
            "customer_id": customer_ids.take(pa.array(m_cust)),
            "program": pa.array([row[1] for row in memberships], pa.string()),
            "tier": pa.array([row[2] for row in memberships], pa.string()),
            "joined_at": _timestamps(period, np.array([r[3] for r in memberships], np.int64)),
            "left_at": _optional_timestamps(period, [row[4] for row in memberships]),
            "updated_at": _timestamps(
                period, np.minimum(np.array([r[5] for r in memberships], np.int64), end_s)),
        },
        schema=arrow_schema("loyalty_memberships"),
    )
    e = len(entries)
    loyalty_points = pa.table(
        {
            "entry_id": _ids("L", counters.entries + 1 + np.arange(e), 10),
            "customer_id": customer_ids.take(pa.array([row[0] for row in entries], pa.int64())),
            "occurred_at": _timestamps(
                period, np.minimum(np.array([r[1] for r in entries], np.int64), end_s)),
            "entry_type": pa.array([row[2] for row in entries], pa.string()),
            "points": pa.array([row[3] for row in entries], pa.int32()),
            "order_id": pa.array([row[4] for row in entries], pa.string()),
        },
        schema=arrow_schema("loyalty_points"),
    )
    counters.memberships += m
    counters.entries += e
    return {"loyalty_memberships": loyalty_memberships, "loyalty_points": loyalty_points}


def _points_entries(c, member_orders, o_sec, total, order_ids, u_redeem, adjust, until, left):
    """One member's points entries, in time order: (customer, second, type, points, order).

    Each completed order earns POINTS_PER_UNIT per whole currency unit; at an order the
    member may first redeem whole blocks of REDEEM_MIN from the balance (at most the order's
    value); points are used oldest first and what is left of an earning expires
    EXPIRY_DAYS after it (and all of it when the member leaves)."""
    out: list[tuple] = []
    lots: list[list[int]] = []  # [expiry second, points left], oldest first

    def expire_until(second: int) -> None:
        while lots and lots[0][0] <= second:
            expiry, left_points = lots.pop(0)
            if left_points > 0:
                out.append((c, expiry, "expire", -left_points, None))

    def use(points: int) -> None:
        while points > 0 and lots:
            taken = min(points, lots[0][1])
            lots[0][1] -= taken
            points -= taken
            if lots[0][1] == 0:
                lots.pop(0)

    events = [(int(o_sec[i]), i) for i in member_orders]
    if adjust is not None:
        events.append((adjust, -1))
    for second, i in sorted(events):
        expire_until(second)
        balance = sum(lot[1] for lot in lots)
        if i < 0:
            points = 50 if balance < 25 else -25
            out.append((c, second, "adjust", points, None))
            if points > 0:
                lots.append([second + EXPIRY_DAYS * SECONDS_PER_DAY, points])
            else:
                use(-points)
            continue
        order_id = order_ids[int(i)].as_py()
        if balance >= REDEEM_MIN and u_redeem[i] < REDEEM_SHARE:
            redeemed = min(balance, int(total[i])) // REDEEM_MIN * REDEEM_MIN
            if redeemed > 0:
                out.append((c, second + 30, "redeem", -redeemed, order_id))
                use(redeemed)
        earned = int(total[i] * POINTS_PER_UNIT)
        if earned > 0:
            out.append((c, second + 60, "earn", earned, order_id))
            lots.append([second + 60 + EXPIRY_DAYS * SECONDS_PER_DAY, earned])
    expire_until(until)
    if left is not None:
        remaining = sum(lot[1] for lot in lots)
        if remaining > 0:
            out.append((c, left - 1, "expire", -remaining, None))  # still a member
    return sorted(out, key=lambda row: row[1])


def _rank_within(group: np.ndarray, n_groups: int) -> np.ndarray:
    """1-based position of each element within its group (``group`` sorted ascending)."""
    starts = np.searchsorted(group, np.arange(n_groups))
    return np.arange(group.size) - starts[group] + 1


def _time_of_day(rng: np.random.Generator, size: int) -> np.ndarray:
    """Seconds after midnight, by the hour-of-day profile of HOUR_WEIGHTS."""
    hour = rng.choice(24, size, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    return hour * 3600 + rng.integers(0, 3600, size)


def _labels(labels, codes: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """Text column of ``labels[code]`` (NULL where ``null``), built by Arrow.

    Much faster than converting a numpy array of strings.
    """
    return pa.array(list(labels), pa.string()).take(
        pa.array(np.asarray(codes, dtype=np.int64), mask=null)
    )


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Text keys like C0000042: ``prefix`` and the number padded with zeros to ``width``."""
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers, pa.int64()), pa.string()), width=width,
                          padding="0")
    return pc.binary_join_element_wise(prefix, digits, "")


def _timestamps(period: _Period, seconds: np.ndarray) -> pa.Array:
    """Timestamps (UTC, microseconds) from seconds after the start of the period."""
    micros = (np.asarray(seconds, dtype=np.int64) + period.start_epoch_s) * 1_000_000
    return pa.array(micros.view("datetime64[us]"))


def _optional_timestamps(period: _Period, seconds: list[int | None]) -> pa.Array:
    """Timestamps like _timestamps, NULL where the value is None."""
    mask = np.array([value is None for value in seconds], dtype=bool)
    filled = np.array([0 if value is None else value for value in seconds], dtype=np.int64)
    micros = (filled + period.start_epoch_s) * 1_000_000
    return pa.array(micros.view("datetime64[us]"), mask=mask)


def _decimals(cents: np.ndarray) -> pa.Array:
    """decimal(18,2) values from integer cents, exactly (no float rounding)."""
    cents = np.asarray(cents, dtype=np.int64)
    words = np.empty((cents.size, 2), dtype=np.int64)  # little-endian 128-bit integers
    words[:, 0] = cents
    words[:, 1] = np.where(cents < 0, -1, 0)
    return pa.Array.from_buffers(pa.decimal128(18, 2), cents.size, [None, pa.py_buffer(words)])
