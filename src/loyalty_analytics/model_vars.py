"""The checks of the dbt vars that the project's Python models read (models/predictive).

Each returns the var's value as the model uses it, or raises ValueError naming the var and
what it got, so a bad var stops the build with that message rather than an error deep in the
fit. The SQL models check theirs in Jinja (macros/utils/project_vars.sql).
"""

from __future__ import annotations

import math


def whole_number(value, name: str) -> int:
    """A whole number >= 1 (``clv_min_repeat_customers``): 10 and 10.0 pass, 2.5, 0 and
    "ten" do not."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or number != int(number) or number < 1:
        raise ValueError(f"var('{name}') must be a whole number >= 1, got {value!r}")
    return int(number)


def flag(value, name: str) -> bool:
    """true or false, as dbt's --vars may spell them (``clv_btyd_refit``)."""
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no", "", "none"):
        return False
    raise ValueError(f"var('{name}') must be true or false, got {value!r}")


def monthly_rate(value, name: str) -> float:
    """A rate in [0, 1) (``clv_discount_rate_monthly``)."""
    try:
        rate = float(value)
    except (TypeError, ValueError):
        rate = math.nan
    if not math.isfinite(rate) or rate < 0 or rate >= 1:
        raise ValueError(f"var('{name}') must be a number in [0, 1), got {value!r}")
    return rate
