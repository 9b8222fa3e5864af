"""reporting_date and utc_timestamp: dates in the reporting time zone, whatever the session's.

Stockholm is UTC+1 in winter (CET) and UTC+2 in summer (CEST); in 2024 the clocks went
forward on 31 March at 01:00 UTC and back on 27 October at 01:00 UTC. Each expected date is
the UTC instant plus that offset, written out beside it.
"""

from __future__ import annotations

import datetime as dt
import json
import os

from conftest import Dbt

from .cases import values_table

D = dt.date

INSTANTS = [
    # case_name, UTC instant
    ("new_year_eve_2330", "2023-12-31 23:30:00"),
    ("january_31_2330", "2024-01-31 23:30:00"),
    ("january_31_2259", "2024-01-31 22:59:59"),
    ("leap_day_2300", "2024-02-29 23:00:00"),
    ("before_spring_forward", "2024-03-30 22:30:00"),
    ("after_spring_forward", "2024-03-30 23:30:00"),
    ("summer_2130", "2024-06-30 21:30:00"),
    ("summer_2230", "2024-06-30 22:30:00"),
    ("before_fall_back", "2024-10-26 21:59:00"),
    ("fall_back_night", "2024-10-26 22:30:00"),
    ("after_fall_back", "2024-10-27 23:30:00"),
]
STOCKHOLM = {
    "new_year_eve_2330": D(2024, 1, 1),  # 23:30 + 1 h (CET) = 00:30 on 1 January
    "january_31_2330": D(2024, 2, 1),  # 23:30 + 1 h = 00:30 on 1 February: a February order
    "january_31_2259": D(2024, 1, 31),  # 22:59:59 + 1 h = 23:59:59, still January
    "leap_day_2300": D(2024, 3, 1),  # 23:00 + 1 h = 00:00 on 1 March
    "before_spring_forward": D(2024, 3, 30),  # 22:30 + 1 h (CET) = 23:30 on 30 March
    "after_spring_forward": D(2024, 3, 31),  # 23:30 + 1 h = 00:30 on 31 March (CET until 01:00 UTC)
    "summer_2130": D(2024, 6, 30),  # 21:30 + 2 h (CEST) = 23:30
    "summer_2230": D(2024, 7, 1),  # 22:30 + 2 h = 00:30 on 1 July: a July order, Q3
    "before_fall_back": D(2024, 10, 26),  # 21:59 + 2 h (CEST) = 23:59 on 26 October
    "fall_back_night": D(2024, 10, 27),  # 22:30 + 2 h = 00:30 on 27 October
    "after_fall_back": D(2024, 10, 28),  # 23:30 + 1 h (CET since 01:00 UTC on 27 October)
}


def dates(dbt_dirs, tmp_path, zone: str, session_zone: str) -> dict[str, dt.date]:
    """reporting_date of each instant, held as timestamptz and as UTC timestamp, rendered
    with reporting_timezone ``zone`` under the session time zone ``session_zone``."""
    sql = f"""
        select
            case_name,
            {{{{ reporting_date('cast(instant as timestamp)') }}}} as from_timestamp,
            {{{{ reporting_date(adapter.dispatch('timestamptz_to_utc', 'loyalty_analytics')(
                "cast(instant || '+00' as timestamptz)")) }}}} as from_timestamptz
        from {values_table(["case_name", "instant"], INSTANTS)}
    """
    # A warehouse of its own: DuckDB opens a file with one time zone per process.
    dbt = Dbt(dbt_dirs, tmp_path / f"{session_zone.replace('/', '_')}.duckdb")
    os.environ["DBT_DUCKDB_TIMEZONE"] = session_zone
    try:
        result = dbt.invoke("show", "--inline", sql, "--limit", "-1", "--quiet",
                            "--vars", json.dumps({"reporting_timezone": zone}))
    finally:
        os.environ.pop("DBT_DUCKDB_TIMEZONE", None)
    table = result.result.results[0].agate_table
    found = {}
    for name, from_timestamp, from_timestamptz in table.rows:
        # the same instant, held either way, gives the same date
        assert from_timestamp == from_timestamptz, name
        found[name] = from_timestamp
    return found


def test_reporting_date_in_stockholm(dbt_dirs, tmp_path):
    assert dates(dbt_dirs, tmp_path, "Europe/Stockholm", "UTC") == STOCKHOLM


def test_reporting_date_in_utc_is_the_utc_date(dbt_dirs, tmp_path):
    assert dates(dbt_dirs, tmp_path, "UTC", "UTC") == {
        name: dt.date.fromisoformat(instant[:10]) for name, instant in INSTANTS}


def test_the_session_time_zone_changes_nothing(dbt_dirs, tmp_path):
    # Auckland is 13 hours ahead of UTC in January: a session there would move every date of
    # a plain cast of a timestamptz
    assert dates(dbt_dirs, tmp_path, "Europe/Stockholm", "Pacific/Auckland") == STOCKHOLM
