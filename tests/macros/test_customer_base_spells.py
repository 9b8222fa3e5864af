"""customer_base_spells and is_in_base (metrics.md, "The customer base").

A customer is in the base at the end of day d when they have a valid order on a day in
[d - W + 1, d]. Spells: order days at most W days apart merge; W + 1 apart start a new spell;
spell_end = last order day + W - 1.
"""

from __future__ import annotations

import datetime as dt

from .cases import assert_cases, split_cases, values_table

D = dt.date

ORDERS_W365 = [
    ("a", D(2024, 1, 1)),
    ("b", D(2023, 1, 1)),
    ("c", D(2024, 1, 1)),  # listed out of order on purpose
    ("c", D(2023, 1, 1)),
    ("d", D(2023, 1, 1)),
    ("d", D(2024, 1, 2)),
    ("e", D(2024, 3, 1)),
    ("e", D(2024, 3, 1)),  # two more orders on the same day
    ("e", D(2024, 3, 1)),
    ("e", D(2024, 6, 15)),
    ("f", D(2024, 2, 29)),
    ("g", D(2023, 11, 1)),
    ("g", D(2022, 1, 1)),
    ("g", D(2022, 12, 1)),
]

ORDERS_W1 = [
    ("h", D(2024, 2, 28)),
    ("h", D(2024, 2, 29)),
    ("h", D(2024, 3, 1)),
    ("h", D(2024, 3, 3)),
    ("h", D(2024, 3, 3)),  # duplicate day
    ("i", D(2023, 2, 28)),
    ("i", D(2023, 3, 1)),
]

EXPECTED_SPELLS = {
    # (W, customer, spell_number): (spell_start, last_order_date, spell_end)
    (365, "a", 1): (D(2024, 1, 1), D(2024, 1, 1), D(2024, 12, 30)),
    # 2024-01-01 + 364 days: 2024 has 366 days, so + 365 would be 2024-12-31
    (365, "b", 1): (D(2023, 1, 1), D(2023, 1, 1), D(2023, 12, 31)),
    # 2023-01-01 + 364 = 2023-12-31 (a 365-day year)
    (365, "c", 1): (D(2023, 1, 1), D(2024, 1, 1), D(2024, 12, 30)),
    # 2023-01-01 -> 2024-01-01 = 365 days = W: one spell; end 2024-01-01 + 364 = 2024-12-30
    (365, "d", 1): (D(2023, 1, 1), D(2023, 1, 1), D(2023, 12, 31)),
    # 2023-01-01 -> 2024-01-02 = 366 days = W + 1: the spell ends at 2023-01-01 + 364
    (365, "d", 2): (D(2024, 1, 2), D(2024, 1, 2), D(2024, 12, 31)),
    # and a second one starts; 2024-01-02 + 364 = 2024-12-31
    (365, "e", 1): (D(2024, 3, 1), D(2024, 6, 15), D(2025, 6, 14)),
    # duplicates collapse; 2024-03-01 -> 06-15 = 106 <= 365; 2024-06-15 + 365 = 2025-06-15
    # (no Feb 29 in between), so + 364 = 2025-06-14
    (365, "f", 1): (D(2024, 2, 29), D(2024, 2, 29), D(2025, 2, 27)),
    # 2024-02-29 + 1 = 03-01; 2024-03-01 + 365 = 2025-03-01; so 2024-02-29 + 365 = 2025-02-28
    # and + 364 = 2025-02-27
    (365, "g", 1): (D(2022, 1, 1), D(2023, 11, 1), D(2024, 10, 30)),
    # gaps 334 (2022-01-01 -> 12-01) and 335 (-> 2023-11-01), both <= 365, though first to last
    # is 669; 2023-11-01 + 366 = 2024-11-01 (Feb 29 2024 inside), so + 364 = 2024-10-30
    (1, "h", 1): (D(2024, 2, 28), D(2024, 3, 1), D(2024, 3, 1)),
    # W = 1: 02-28, 02-29, 03-01 are 1 day apart each (the leap day between); end = last + 0
    (1, "h", 2): (D(2024, 3, 3), D(2024, 3, 3), D(2024, 3, 3)),
    # 2024-03-01 -> 03-03 = 2 days = W + 1: new spell; the duplicate 03-03 collapses
    (1, "i", 1): (D(2023, 2, 28), D(2023, 3, 1), D(2023, 3, 1)),
    # 2023 has no Feb 29: 2023-02-28 -> 03-01 = 1 day = W: one spell
}


def relation(rows) -> str:
    return f"(select * from {values_table(['customer_id', 'order_date'], rows, 'orders')})"


SPELLS_SQL = f"""
    select 365 as w, * from ({{{{ customer_base_spells("{relation(ORDERS_W365)}", 365) }}}})
    union all
    select 1 as w, * from ({{{{ customer_base_spells("{relation(ORDERS_W1)}", 1) }}}})
"""


def test_customer_base_spells(dbt):
    result = dbt.show(f"select *, typeof(spell_end) as spell_end_type from ({SPELLS_SQL})")
    actual = {
        (row["w"], row["customer_id"], row["spell_number"]):
            (row["spell_start"], row["last_order_date"], row["spell_end"])
        for row in result
    }
    assert len(result) == len(actual), "one row per customer and spell"
    assert actual == EXPECTED_SPELLS
    assert {row["spell_end_type"] for row in result} == {"DATE"}


BASE_MEMBERSHIP_CASES = [
    # case, customer, day, expected: an order on a day in [day - W + 1, day] (by hand)
    ("d_day_before_first_order", "d", D(2022, 12, 31), False),  # no order on or before
    ("d_first_order_day", "d", D(2023, 1, 1), True),  # [2022-01-02, 2023-01-01] holds 01-01
    ("d_last_day_of_first_spell", "d", D(2023, 12, 31), True),  # [2023-01-01, 2023-12-31]
    ("d_gap_day", "d", D(2024, 1, 1), False),  # [2023-01-02, 2024-01-01]: no order
    ("d_second_order_day", "d", D(2024, 1, 2), True),  # [2023-01-03, 2024-01-02] holds 01-02
    ("d_last_day_in_base", "d", D(2024, 12, 31), True),  # [2024-01-02, 2024-12-31]
    ("d_first_day_out", "d", D(2025, 1, 1), False),  # [2024-01-03, 2025-01-01]: no order
    ("c_day_before_second_order", "c", D(2023, 12, 31), True),  # [2023-01-01, 2023-12-31]
    ("c_second_order_day", "c", D(2024, 1, 1), True),  # holds 2024-01-01: no gap at W apart
    ("f_leap_day_plus_364", "f", D(2025, 2, 27), True),  # [2024-02-29, 2025-02-27]
    ("f_leap_day_plus_365", "f", D(2025, 2, 28), False),  # [2024-03-01, 2025-02-28]: no order
    ("h_leap_day", "h", D(2024, 2, 29), True),  # W = 1: [02-29, 02-29] holds 02-29
    ("h_gap_day", "h", D(2024, 3, 2), False),  # [03-02, 03-02]: no order
    ("h_last_order_day", "h", D(2024, 3, 3), True),  # [03-03, 03-03]
    ("h_day_after", "h", D(2024, 3, 4), False),  # [03-04, 03-04]: no order
    ("unknown_customer", "z", D(2024, 1, 1), False),  # never ordered
]


def test_base_membership_from_spells_matches_the_definition(dbt):
    rows, expected = split_cases(BASE_MEMBERSHIP_CASES)
    days = values_table(["case_name", "customer_id", "day"], rows, "days")
    result = dbt.show(
        f"""
        with spells as ({SPELLS_SQL})
        select
            days.case_name,
            exists (
                select 1
                from spells
                where spells.customer_id = days.customer_id
                    and {{{{ is_in_base('days.day', 'spells.spell_start', 'spells.spell_end') }}}}
            ) as actual
        from {days}
        """
    )
    assert_cases(result, expected)


IS_IN_BASE_CASES = [
    # case, day, spell_start, spell_end, expected spell_start <= day <= spell_end
    ("on_start", D(2024, 1, 1), D(2024, 1, 1), D(2024, 12, 30), True),  # day = start
    ("day_before_start", D(2023, 12, 31), D(2024, 1, 1), D(2024, 12, 30), False),  # start - 1
    ("inside", D(2024, 6, 1), D(2024, 1, 1), D(2024, 12, 30), True),
    ("on_end", D(2024, 12, 30), D(2024, 1, 1), D(2024, 12, 30), True),  # day = end
    ("day_after_end", D(2024, 12, 31), D(2024, 1, 1), D(2024, 12, 30), False),  # end + 1
    ("one_day_spell", D(2024, 3, 3), D(2024, 3, 3), D(2024, 3, 3), True),  # start = end = day
    ("leap_day_inside", D(2024, 2, 29), D(2024, 2, 28), D(2024, 3, 1), True),
]


def test_is_in_base_boundaries(dbt):
    rows, expected = split_cases(IS_IN_BASE_CASES)
    columns = ["case_name", "day", "spell_start", "spell_end"]
    result = dbt.show(
        f"""
        select
            case_name,
            {{{{ is_in_base('day') }}}} as actual,
            {{{{ is_in_base('cases.day', 'cases.spell_start', 'cases.spell_end') }}}}
                as actual_qualified
        from {values_table(columns, rows)}
        """
    )
    assert_cases(result, expected)
    assert_cases(result, expected, column="actual_qualified")
