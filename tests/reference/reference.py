"""A deliberately naive reference implementation of docs/metrics.md.

Written from the spec (and the column descriptions of the marts' contracts), not from the
project's SQL. Everything is computed customer by customer, period by period and, for the
customer base, straight from the definition "a valid order on a day in [d - W + 1, d]".
Speed does not matter: the data sets are small.

Entry point: ``Reference(raw, dbt_vars).marts()`` -> {model name: list of row dicts}.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

ALL = "all"
UNKNOWN = "unknown"
STATUSES = ("completed", "cancelled", "refunded", "pending")
GRAINS = ("month", "quarter", "year")
DEFAULT_VARS = {
    "churn_window_days": 365,
    "repeat_window_days": 90,
    "gross_margin_rate": 1.0,
    "as_of_date": None,
}
ONE_DAY = dt.timedelta(days=1)


class OneOf:
    """An expected value where the spec allows several readings (e.g. 0 or NULL)."""

    def __init__(self, *values):
        self.values = values

    def __repr__(self) -> str:
        return "OneOf(" + ", ".join(repr(v) for v in self.values) + ")"


# --------------------------------------------------------------------------- calendar


def period_start(day: dt.date, grain: str) -> dt.date:
    if grain == "month":
        return dt.date(day.year, day.month, 1)
    if grain == "quarter":
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    if grain == "year":
        return dt.date(day.year, 1, 1)
    raise ValueError(grain)


def add_months(day: dt.date, months: int) -> dt.date:
    """First day of the month `months` after the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def next_period_start(start: dt.date, grain: str) -> dt.date:
    return add_months(start, {"month": 1, "quarter": 3, "year": 12}[grain])


def months_between(earlier: dt.date, later: dt.date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def safe_divide(numerator, denominator):
    if denominator is None or numerator is None or denominator == 0:
        return None
    return float(numerator) / float(denominator)


# --------------------------------------------------------------------------- staging


def stage_orders(raw_orders: list[dict], now: dt.datetime) -> list[dict]:
    """Staged orders per the data contract: rejects dropped, one row per order_id (latest
    updated_at wins)."""
    kept: dict[str, dict] = {}
    for row in raw_orders:
        if row["order_id"] is None or row["customer_id"] is None:
            continue
        if row["status"] not in STATUSES:
            continue
        if row["order_total"] is None or row["order_total"] < 0:
            continue
        ts = row["ordered_at"]
        if ts is None or ts > now or ts < dt.datetime(1990, 1, 1):
            continue
        current = kept.get(row["order_id"])
        if current is None or row["updated_at"] > current["updated_at"]:
            kept[row["order_id"]] = row
    return list(kept.values())


# --------------------------------------------------------------------------- reference


class Reference:
    def __init__(self, raw: dict[str, list[dict]], dbt_vars: dict | None = None,
                 now: dt.datetime | None = None):
        self.vars = {**DEFAULT_VARS, **(dbt_vars or {})}
        self.W = int(self.vars["churn_window_days"])
        self.R = int(self.vars["repeat_window_days"])
        self.margin = float(self.vars["gross_margin_rate"])
        now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)

        staged = stage_orders(raw["orders"], now)
        staged_ids = {o["order_id"] for o in staged}
        categories: dict[str, set[str]] = {}
        for item in raw["order_items"]:
            if item["order_id"] in staged_ids and item["product_category"] is not None:
                categories.setdefault(item["order_id"], set()).add(item["product_category"])

        completed = [o for o in staged if o["status"] == "completed"]
        if self.vars["as_of_date"] is None:
            self.as_of = max(o["ordered_at"].date() for o in completed)
        else:
            self.as_of = dt.date.fromisoformat(str(self.vars["as_of_date"]))

        # Valid orders: completed, order date (UTC date of ordered_at) up to the as-of date.
        self.orders = [
            {
                "order_id": o["order_id"],
                "customer_id": o["customer_id"],
                "ordered_at": o["ordered_at"],
                "date": o["ordered_at"].date(),
                "revenue": o["order_total"],
                "categories": categories.get(o["order_id"], set()),
            }
            for o in completed
            if o["ordered_at"].date() <= self.as_of
        ]

        # Customers: raw `customers` plus ids seen in (staged) orders.
        self.customer_rows = {c["customer_id"]: c for c in raw["customers"]
                              if c["customer_id"] is not None}
        ids = set(self.customer_rows) | {o["customer_id"] for o in staged}
        self.customers = sorted(ids)
        self.segment = {
            c: self.customer_rows[c]["segment"] if c in self.customer_rows else UNKNOWN
            for c in self.customers
        }
        self.segments = [ALL, *sorted(set(self.segment.values()))]

        self.orders_of: dict[str, list[dict]] = {c: [] for c in self.customers}
        for o in sorted(self.orders, key=lambda o: (o["ordered_at"], o["order_id"])):
            self.orders_of[o["customer_id"]].append(o)
        self.days_of = {c: sorted({o["date"] for o in os}) for c, os in self.orders_of.items()}
        self.first_day = {c: days[0] for c, days in self.days_of.items() if days}
        # The first date the project knows of a customer: sign-up or a staged order.
        self.first_seen = {}
        for c in self.customers:
            raw_row = self.customer_rows.get(c)
            dates = [o["ordered_at"].date() for o in staged if o["customer_id"] == c]
            if raw_row is not None and raw_row["created_at"] is not None:
                dates.append(raw_row["created_at"].date())
            self.first_seen[c] = min(dates) if dates else None

    # ---------------------------------------------------------------- building blocks

    def in_segment(self, customer: str, segment: str) -> bool:
        return segment == ALL or self.segment[customer] == segment

    def members(self, segment: str) -> list[str]:
        return [c for c in self.customers if self.in_segment(c, segment)]

    def in_base(self, customer: str, day: dt.date, window: int | None = None) -> bool:
        """A valid order on a day in [day - W + 1, day]."""
        window = self.W if window is None else window
        first = day - dt.timedelta(days=window - 1)
        return any(first <= d <= day for d in self.days_of[customer])

    def orders_between(self, customer: str, first: dt.date, last: dt.date) -> list[dict]:
        return [o for o in self.orders_of[customer] if first <= o["date"] <= last]

    def periods(self, grain: str) -> list[dict]:
        earliest = min(o["date"] for o in self.orders)
        start = period_start(earliest, grain)
        out = []
        while start <= self.as_of:
            calendar_end = next_period_start(start, grain) - ONE_DAY
            out.append({
                "period_grain": grain,
                "period_start": start,
                "period_end": min(calendar_end, self.as_of),
                "is_period_complete": calendar_end <= self.as_of,
            })
            start = next_period_start(start, grain)
        return out

    def all_periods(self) -> list[dict]:
        return [p for grain in GRAINS for p in self.periods(grain)]

    # ---------------------------------------------------------------- marts

    def dim_customers(self) -> list[dict]:
        """Every customer first seen on or before the as-of date."""
        rows = []
        for c in self.customers:
            if self.first_seen[c] is not None and self.first_seen[c] > self.as_of:
                continue
            raw = self.customer_rows.get(c)
            orders = self.orders_of[c]
            rows.append({
                "customer_id": c,
                "segment": self.segment[c],
                "country": raw["country"] if raw else None,
                "created_at": raw["created_at"] if raw else None,
                "is_in_customers": raw is not None,
                "first_seen_date": self.first_seen[c],
                "first_order_date": orders[0]["date"] if orders else None,
                "second_order_date": orders[1]["date"] if len(orders) > 1 else None,
                "last_order_date": orders[-1]["date"] if orders else None,
                "cohort_month": period_start(orders[0]["date"], "month") if orders else None,
                "lifetime_orders": len(orders),
                "lifetime_revenue": sum((o["revenue"] for o in orders), Decimal("0.00"))
                if orders else OneOf(Decimal("0.00"), None),
            })
        return rows

    def fct_customer_periods(self) -> list[dict]:
        rows = []
        for p in self.all_periods():
            start, end = p["period_start"], p["period_end"]
            for c in self.customers:
                if c not in self.first_day or self.first_day[c] > end:
                    continue
                orders = self.orders_between(c, start, end)
                active = bool(orders)
                new = start <= self.first_day[c] <= end
                s = self.in_base(c, start - ONE_DAY)
                e = self.in_base(c, end)
                if not (active or s or e):
                    continue
                rows.append({
                    "customer_id": c,
                    "period_grain": p["period_grain"],
                    "period_start": start,
                    "period_end": end,
                    "segment": self.segment[c],
                    "orders": len(orders),
                    "revenue": sum((o["revenue"] for o in orders), Decimal("0.00"))
                    if orders else OneOf(Decimal("0.00"), None),
                    "distinct_categories": len(set().union(*(o["categories"] for o in orders))),
                    "is_active": active,
                    "is_new": new,
                    "is_in_base_start": s,
                    "is_in_base_end": e,
                    "is_retained": s and e,
                    "is_churned": s and not e,
                    "is_reactivated": e and not s and not new,
                })
        return rows

    def mart_retention(self) -> list[dict]:
        rows = []
        for p in self.all_periods():
            start, end = p["period_start"], p["period_end"]
            for segment in self.segments:
                S, E, N, active, returning = set(), set(), set(), set(), set()
                for c in self.members(segment):
                    if self.in_base(c, start - ONE_DAY):
                        S.add(c)
                    if self.in_base(c, end):
                        E.add(c)
                    if c in self.first_day and start <= self.first_day[c] <= end:
                        N.add(c)
                    if self.orders_between(c, start, end):
                        active.add(c)
                        if self.first_day[c] < start:
                            returning.add(c)
                rows.append({
                    **p,
                    "segment": segment,
                    "customers_start": len(S),
                    "customers_end": len(E),
                    "new_customers": len(N),
                    "retained_customers": len(S & E),
                    "churned_customers": len(S - E),
                    "reactivated_customers": len(E - S - N),
                    "active_customers": len(active),
                    "returning_customers": len(returning),
                    "customer_retention_rate": safe_divide(len(E) - len(N), len(S)),
                    "churn_rate": safe_divide(len(S - E), len(S)),
                    "returning_customer_rate": safe_divide(len(returning), len(active)),
                })
        return rows

    def mart_purchases(self) -> list[dict]:
        rows = []
        for p in self.all_periods():
            start, end = p["period_start"], p["period_end"]
            for segment in self.segments:
                active = repeat = multi = single = n_orders = 0
                revenue = Decimal("0.00")
                for c in self.members(segment):
                    orders = self.orders_between(c, start, end)
                    if not orders:
                        continue
                    active += 1
                    repeat += len(orders) >= 2
                    n_categories = len(set().union(*(o["categories"] for o in orders)))
                    multi += n_categories >= 2
                    single += n_categories == 1
                    n_orders += len(orders)
                    revenue += sum(o["revenue"] for o in orders)
                rows.append({
                    **p,
                    "segment": segment,
                    "active_customers": active,
                    "repeat_customers": repeat,
                    "repeat_purchase_rate": safe_divide(repeat, active),
                    "multi_category_customers": multi,
                    "single_category_customers": single,
                    "upsell_ratio": safe_divide(multi, single),
                    "orders": n_orders,
                    "revenue": revenue,
                    "avg_order_value": safe_divide(revenue, n_orders),
                })
        return rows

    def mart_cohorts(self) -> list[dict]:
        cohorts: dict[dt.date, list[str]] = {}
        for c, first in self.first_day.items():
            cohorts.setdefault(period_start(first, "month"), []).append(c)
        rows = []
        for month, members in sorted(cohorts.items()):
            repeaters = 0
            for c in members:
                first = self.first_day[c]
                within = self.orders_between(c, first, first + dt.timedelta(days=self.R))
                repeaters += len(within) >= 2
            cumulative = Decimal("0.00")
            for k in range(months_between(month, self.as_of) + 1):
                first_day = add_months(month, k)
                last_day = min(add_months(month, k + 1) - ONE_DAY, self.as_of)
                active = 0
                revenue = Decimal("0.00")
                for c in members:
                    orders = self.orders_between(c, first_day, last_day)
                    active += bool(orders)
                    revenue += sum(o["revenue"] for o in orders)
                cumulative += revenue
                rows.append({
                    "cohort_month": month,
                    "months_since_first_order": k,
                    "cohort_size": len(members),
                    "active_customers": active,
                    "retention_share": safe_divide(active, len(members)),
                    "revenue": revenue,
                    "cumulative_revenue": cumulative,
                    "repeat_customers": repeaters,
                    "cohort_repeat_rate": safe_divide(repeaters, len(members)),
                })
        return rows

    def mart_clv(self) -> list[dict]:
        rows = []
        for p in self.all_periods():
            end = p["period_end"]
            window_first = end - dt.timedelta(days=364)
            year_before = end - dt.timedelta(days=365)
            for segment in self.segments:
                n_orders = 0
                revenue = Decimal("0.00")
                purchasers = 0
                s_year = churned = 0
                for c in self.members(segment):
                    orders = self.orders_between(c, window_first, end)
                    n_orders += len(orders)
                    revenue += sum(o["revenue"] for o in orders)
                    purchasers += bool(orders)
                    if self.in_base(c, year_before):
                        s_year += 1
                        churned += not self.in_base(c, end)
                aov = safe_divide(revenue, n_orders)
                frequency = safe_divide(n_orders, purchasers)
                value = None if aov is None or frequency is None else aov * frequency
                churn = safe_divide(churned, s_year)
                lifespan = None if not churn else 1.0 / churn
                clv = None if value is None or lifespan is None else value * lifespan * self.margin
                rows.append({
                    **p,
                    "segment": segment,
                    "orders_365d": n_orders,
                    "revenue_365d": revenue,
                    "purchasing_customers_365d": purchasers,
                    "customers_year_before": s_year,
                    "churned_customers_year": churned,
                    "avg_order_value": aov,
                    "purchase_frequency": frequency,
                    "customer_value": value,
                    "annual_churn_rate": churn,
                    "avg_lifespan_years": lifespan,
                    "clv": clv,
                })
        return rows

    def marts(self) -> dict[str, list[dict]]:
        return {
            "dim_customers": self.dim_customers(),
            "fct_customer_periods": self.fct_customer_periods(),
            "mart_retention": self.mart_retention(),
            "mart_purchases": self.mart_purchases(),
            "mart_cohorts": self.mart_cohorts(),
            "mart_clv": self.mart_clv(),
        }


KEYS = {
    "dim_customers": ("customer_id",),
    "fct_customer_periods": ("customer_id", "period_grain", "period_start"),
    "mart_retention": ("period_grain", "period_start", "segment"),
    "mart_purchases": ("period_grain", "period_start", "segment"),
    "mart_cohorts": ("cohort_month", "months_since_first_order"),
    "mart_clv": ("period_grain", "period_start", "segment"),
}
