"""The survey and engagement macros of metrics.md ("Surveys", "Engagement").

net_score / nps = 100 x (promoters - detractors) / responses; promoter 9-10, passive 7-8,
detractor 0-6. csat_pct = responses scoring 4 or 5 / responses; csat_mean = mean score.
cli = mean of the three net scores, NULL unless all three exist. engagement_score =
100 x (w_f cume_dist(active_days) + w_t cume_dist(time) + w_k cume_dist(key_actions)),
rounded to 2 decimals, cume_dist ascending over the customers of the same period (ties share
the higher value). Every expected value is computed by hand; the arithmetic is beside it.
"""

from __future__ import annotations

import pytest

from .cases import assert_cases, compilation_messages, error_chain, split_cases, values_table

# --------------------------------------------------------------------------------------------
# net_score / nps
# --------------------------------------------------------------------------------------------

NET_SCORE_CASES = [
    # case, promoters, detractors, responses, expected 100 x (P - D) / n
    ("all_promoters", 4, 0, 4, 100.0),  # 100 x (4 - 0) / 4 = 100
    ("all_detractors", 0, 3, 3, -100.0),  # 100 x (0 - 3) / 3 = -100
    ("all_passives", 0, 0, 2, 0.0),  # 100 x (0 - 0) / 2 = 0
    ("single_promoter", 1, 0, 1, 100.0),  # 100 x 1 / 1 = 100
    ("single_passive", 0, 0, 1, 0.0),  # 100 x 0 / 1 = 0
    ("single_detractor", 0, 1, 1, -100.0),  # 100 x -1 / 1 = -100
    ("mix_5p_3pa_2d", 5, 2, 10, 30.0),  # 100 x (5 - 2) / 10 = 30
    ("non_terminating", 1, 0, 3, 100 / 3),  # 100 x 1 / 3 = 33.333...
    ("negative_mix", 1, 3, 8, -25.0),  # 100 x (1 - 3) / 8 = -25
    ("no_responses", 0, 0, 0, None),  # 0 / 0 -> NULL, not 0
    ("null_responses", 0, 0, None, None),  # NULL denominator -> NULL
]


def test_net_score_and_nps(dbt):
    rows, expected = split_cases(NET_SCORE_CASES)
    columns = ["case_name", "promoters", "detractors", "responses"]
    result = dbt.show(
        f"""
        select
            case_name,
            {{{{ net_score('promoters', 'detractors', 'responses') }}}} as actual,
            {{{{ nps('promoters', 'detractors', 'responses') }}}} as actual_nps,
            {{# compound arguments: P - (D + 0) must not become P - D + 0 #}}
            {{{{ nps('promoters + 0', 'detractors + 1 - 1', 'responses * 1') }}}}
                as actual_from_expressions
        from {values_table(columns, rows)}
        """
    )
    assert_cases(result, expected)
    assert_cases(result, expected, column="actual_nps")
    assert_cases(result, expected, column="actual_from_expressions")


# One row per response: (case_name, score). NPS from raw 0-10 scores through the band macros.
NPS_FROM_SCORES = {
    "all_promoters": ([9, 10, 10], 100.0),  # P 3, D 0, n 3: 100 x 3 / 3 = 100
    "all_detractors": ([0, 6, 3], -100.0),  # P 0, D 3, n 3: 100 x -3 / 3 = -100
    "single_response": ([8], 0.0),  # a passive: P 0, D 0, n 1 -> 0
    # 5 promoters (9, 9, 10, 10, 10), 3 passives (7, 8, 8), 2 detractors (0, 6):
    # 100 x (5 - 2) / 10 = 30
    "mix_of_ten": ([9, 9, 10, 10, 10, 7, 8, 8, 0, 6], 30.0),
    # band edges: 6 detractor, 7 and 8 passive, 9 promoter: 100 x (1 - 1) / 4 = 0
    "band_edges": ([6, 7, 8, 9], 0.0),
}


def test_nps_from_scores_through_the_band_macros(dbt):
    rows = [(name, score) for name, (scores, _) in NPS_FROM_SCORES.items() for score in scores]
    expected = {name: want for name, (_, want) in NPS_FROM_SCORES.items()}
    result = dbt.show(
        f"""
        with counted as (
            select
                case_name,
                count(*) filter (where {{{{ is_promoter('score') }}}}) as promoters,
                count(*) filter (where {{{{ is_detractor('score') }}}}) as detractors,
                count(*) as responses
            from {values_table(["case_name", "score"], rows)}
            group by case_name
        )
        select case_name, {{{{ nps('promoters', 'detractors', 'responses') }}}} as actual
        from counted
        """
    )
    assert_cases(result, expected)


BAND_CASES = [
    # case, score, expected (promoter, passive, detractor)
    ("score_0", 0, {"promoter": False, "passive": False, "detractor": True}),  # 0 <= 6
    ("score_6", 6, {"promoter": False, "passive": False, "detractor": True}),  # top detractor
    ("score_7", 7, {"promoter": False, "passive": True, "detractor": False}),  # lowest passive
    ("score_8", 8, {"promoter": False, "passive": True, "detractor": False}),  # top passive
    ("score_9", 9, {"promoter": True, "passive": False, "detractor": False}),  # lowest promoter
    ("score_10", 10, {"promoter": True, "passive": False, "detractor": False}),  # 10 >= 9
]


def test_nps_bands_at_the_edges(dbt):
    rows, expected = split_cases(BAND_CASES)
    result = dbt.show(
        f"""
        select
            case_name,
            {{{{ is_promoter('score') }}}} as promoter,
            {{{{ is_passive('score') }}}} as passive,
            {{{{ is_detractor('score') }}}} as detractor
        from {values_table(["case_name", "score"], rows)}
        """
    )
    assert_cases(result, expected)


# --------------------------------------------------------------------------------------------
# csat_pct / csat_mean
# --------------------------------------------------------------------------------------------

# One row per `satisfaction` response (1-5): satisfied = score 4 or 5.
CSAT_FROM_SCORES = {
    "single_5": ([5], {"pct": 1.0, "mean": 5.0}),  # 1 / 1 = 1; 5 / 1 = 5
    "single_4": ([4], {"pct": 1.0, "mean": 4.0}),  # 4 counts as satisfied: 1 / 1; 4 / 1
    "single_3": ([3], {"pct": 0.0, "mean": 3.0}),  # 3 does not: 0 / 1 = 0; 3 / 1 = 3
    "three_four_five": ([3, 4, 5], {"pct": 2 / 3, "mean": 4.0}),  # 2 / 3; (3+4+5) / 3 = 4
    # 1, 2, 3, 4, 5, 5: satisfied 4, 5, 5 = 3 of 6 -> 0.5; sum 20 / 6 = 3.333...
    "full_range": ([1, 2, 3, 4, 5, 5], {"pct": 0.5, "mean": 20 / 6}),
    "all_ones": ([1, 1], {"pct": 0.0, "mean": 1.0}),  # 0 / 2 = 0; 2 / 2 = 1
}


def test_csat_from_scores(dbt):
    rows = [(name, score) for name, (scores, _) in CSAT_FROM_SCORES.items() for score in scores]
    expected = {name: want for name, (_, want) in CSAT_FROM_SCORES.items()}
    result = dbt.show(
        f"""
        with counted as (
            select
                case_name,
                count(*) filter (where score >= 4) as satisfied,
                sum(score) as score_sum,
                count(*) as responses
            from {values_table(["case_name", "score"], rows)}
            group by case_name
        )
        select
            case_name,
            {{{{ csat_pct('satisfied', 'responses') }}}} as pct,
            {{{{ csat_mean('score_sum', 'responses') }}}} as mean
        from counted
        """
    )
    assert_cases(result, expected)


CSAT_COUNT_CASES = [
    # case, satisfied responses, score sum, responses, expected pct and mean
    ("single_response", 1, 5, 1, {"pct": 1.0, "mean": 5.0}),  # 1 / 1; 5 / 1
    ("quarter_satisfied", 1, 9, 4, {"pct": 0.25, "mean": 2.25}),  # 1 / 4; 9 / 4
    ("no_responses_zero", 0, 0, 0, {"pct": None, "mean": None}),  # 0 / 0 -> NULL
    ("no_responses_null", None, None, None, {"pct": None, "mean": None}),  # NULL / NULL
]


def test_csat_from_counts_and_no_responses(dbt):
    rows, expected = split_cases(CSAT_COUNT_CASES)
    columns = ["case_name", "satisfied", "score_sum", "responses"]
    result = dbt.show(
        f"""
        select
            case_name,
            {{{{ csat_pct('satisfied', 'responses') }}}} as pct,
            {{{{ csat_mean('score_sum', 'responses') }}}} as mean
        from {values_table(columns, rows)}
        """
    )
    assert_cases(result, expected)


# --------------------------------------------------------------------------------------------
# cli
# --------------------------------------------------------------------------------------------

CLI_CASES = [
    # case, recommend, repurchase, try_new net scores, expected (r + p + t) / 3
    ("mixed", 30.0, 10.0, -40.0, 0.0),  # (30 + 10 - 40) / 3 = 0
    ("positive", 100.0, 50.0, 0.0, 50.0),  # (100 + 50 + 0) / 3 = 50
    ("non_terminating", 10.0, 20.0, 40.0, 70 / 3),  # 70 / 3 = 23.333...
    ("all_minus_100", -100.0, -100.0, -100.0, -100.0),  # -300 / 3 = -100
    ("integers_not_truncated", 1, 1, 0, 2 / 3),  # 2 / 3 = 0.666..., not 0
    ("recommend_null", None, 50.0, 50.0, None),  # one part missing -> NULL
    ("repurchase_null", 50.0, None, 50.0, None),
    ("try_new_null", 50.0, 50.0, None, None),
    ("all_null", None, None, None, None),
]


def test_cli(dbt):
    rows, expected = split_cases(CLI_CASES)
    result = dbt.show(
        f"""
        select
            case_name,
            {{{{ cli('recommend', 'repurchase', 'try_new') }}}} as actual
        from {values_table(["case_name", "recommend", "repurchase", "try_new"], rows)}
        """
    )
    assert_cases(result, expected)


CLI_FROM_COUNTS_CASES = [
    # case, (P, D, n) of recommend, repurchase, try_new, expected cli
    # nps 100 x (3-1)/4 = 50, repurchase 100 x (1-0)/2 = 50, try_new 100 x (0-1)/1 = -100
    # -> (50 + 50 - 100) / 3 = 0
    ("all_answered", 3, 1, 4, 1, 0, 2, 0, 1, 1, 0.0),
    # 100 x 1/3 = 33.33.., 100 x 0/1 = 0, 100 x 2/2 = 100 -> (100/3 + 100) / 3 = 400/9 = 44.44..
    ("non_terminating", 1, 0, 3, 0, 0, 1, 2, 0, 2, 400 / 9),
    ("try_new_unanswered", 3, 1, 4, 1, 0, 2, 0, 0, 0, None),  # try_new 0 / 0 -> NULL -> NULL
    ("nothing_answered", 0, 0, 0, 0, 0, 0, 0, 0, 0, None),  # all NULL -> NULL
]


def test_cli_of_net_scores_with_an_unanswered_question(dbt):
    rows, expected = split_cases(CLI_FROM_COUNTS_CASES)
    columns = ["case_name", "p1", "d1", "n1", "p2", "d2", "n2", "p3", "d3", "n3"]
    result = dbt.show(
        f"""
        select
            case_name,
            {{{{ cli(nps('p1', 'd1', 'n1'), net_score('p2', 'd2', 'n2'),
                net_score('p3', 'd3', 'n3')) }}}} as actual
        from {values_table(columns, rows)}
        """
    )
    assert_cases(result, expected)


# --------------------------------------------------------------------------------------------
# engagement_score
# --------------------------------------------------------------------------------------------

# period, customer, active_days, time_spent_seconds, key_actions
ENGAGEMENT_ROWS = [
    # p1, four customers. cume_dist ascending over 4 (ties share the higher value):
    #   active_days  a 1 -> 1/4;  b 2, c 2 (tie) -> 3/4;  d 3 -> 4/4
    #   time         a 100 -> 1/4;  c 200 -> 2/4;  b 300, d 300 (tie) -> 4/4
    #   key_actions  a 0 -> 1/4;  c 1 -> 2/4;  b 2 -> 3/4;  d 5 -> 4/4
    ("p1", "a", 1, 100, 0),
    ("p1", "b", 2, 300, 2),
    ("p1", "c", 2, 200, 1),
    ("p1", "d", 3, 300, 5),
    # p2, a single customer: every cume_dist is 1/1 -> 100.00 whatever the weights
    ("p2", "e", 7, 50, 0),
    # p3, three customers with rising values: cume_dist 1/3, 2/3, 3/3 on all three measures
    ("p3", "f", 1, 10, 1),
    ("p3", "g", 2, 20, 2),
    ("p3", "h", 3, 30, 3),
]

ENGAGEMENT_EXPECTED = {
    # default weights 1/3 each: 100 x (cd_f + cd_t + cd_k) / 3, rounded to 2 decimals
    "default": {
        "p1/a": 25.0,  # 100 x (0.25 + 0.25 + 0.25) / 3 = 25.00
        "p1/b": 83.33,  # 100 x (0.75 + 1 + 0.75) / 3 = 250 / 3 = 83.333.. -> 83.33
        "p1/c": 58.33,  # 100 x (0.75 + 0.5 + 0.5) / 3 = 175 / 3 = 58.333.. -> 58.33
        "p1/d": 100.0,  # 100 x (1 + 1 + 1) / 3 = 100.00
        "p2/e": 100.0,  # single customer: 100 x (1 + 1 + 1) / 3 = 100.00
        "p3/f": 33.33,  # 100 x (1/3 x 3) / 3 = 33.333.. -> 33.33
        "p3/g": 66.67,  # 100 x (2/3 x 3) / 3 = 66.666.. -> 66.67 (rounds up)
        "p3/h": 100.0,  # 100 x 1 = 100.00
    },
    # weights {active_days: 0.5, time_spent_seconds: 0.25, key_actions: 0.25}
    "explicit": {
        "p1/a": 25.0,  # 100 x (0.5 x 0.25 + 0.25 x 0.25 + 0.25 x 0.25) = 100 x 0.25 = 25.00
        "p1/b": 81.25,  # 100 x (0.5 x 0.75 + 0.25 x 1 + 0.25 x 0.75) = 100 x 0.8125 = 81.25
        "p1/c": 62.5,  # 100 x (0.5 x 0.75 + 0.25 x 0.5 + 0.25 x 0.5) = 100 x 0.625 = 62.50
        "p1/d": 100.0,  # 100 x (0.5 + 0.25 + 0.25) = 100.00
        "p2/e": 100.0,  # 100 x (0.5 + 0.25 + 0.25) x 1 = 100.00
        "p3/f": 33.33,  # 100 x (0.5 + 0.25 + 0.25) x 1/3 = 33.333.. -> 33.33
        "p3/g": 66.67,  # 100 x 1 x 2/3 = 66.666.. -> 66.67
        "p3/h": 100.0,  # 100 x 1 x 1 = 100.00
    },
}


ENGAGEMENT_COLUMNS = ["period", "customer", "active_days", "time_spent_seconds", "key_actions"]


def engagement_sql(score_arguments: str = "") -> str:
    """The fixture rows scored as mart_engagement scores them: each measure's value_ranks
    per period, joined back on the period and the value, and engagement_score of the three
    cume_dist_of."""
    ranks = {measure: f"{{{{ value_ranks('cases', '{measure}', ['period']) }}}}"
             for measure in ("active_days", "time_spent_seconds", "key_actions")}
    return f"""
        with
        cases as (select * from {values_table(ENGAGEMENT_COLUMNS, ENGAGEMENT_ROWS, "fixture")}),
        active_days_ranks as ({ranks["active_days"]}),
        time_spent_ranks as ({ranks["time_spent_seconds"]}),
        key_actions_ranks as ({ranks["key_actions"]})
        select
            cases.period || '/' || cases.customer as case_name,
            {{{{ engagement_score(cume_dist_of('active_days_ranks'),
                cume_dist_of('time_spent_ranks'), cume_dist_of('key_actions_ranks')
                {score_arguments}) }}}} as actual
        from cases
        left join active_days_ranks
            on cases.period = active_days_ranks.period
            and cases.active_days = active_days_ranks.ranked_value
        left join time_spent_ranks
            on cases.period = time_spent_ranks.period
            and cases.time_spent_seconds = time_spent_ranks.ranked_value
        left join key_actions_ranks
            on cases.period = key_actions_ranks.period
            and cases.key_actions = key_actions_ranks.ranked_value
        """


def test_engagement_score_default_weights(dbt):
    result = dbt.show(engagement_sql())
    assert_cases(result, ENGAGEMENT_EXPECTED["default"])
    # rounded to 2 decimals: no row carries more digits
    for row in result:
        value = float(row["actual"])
        assert round(value, 2) == value, f"{row['case_name']} = {value}"


def test_engagement_score_explicit_weights(dbt):
    result = dbt.show(engagement_sql(
        ", weights={'active_days': 0.5, 'time_spent_seconds': 0.25, 'key_actions': 0.25}"))
    assert_cases(result, ENGAGEMENT_EXPECTED["explicit"])


def test_engagement_weights_var_is_used_by_default(dbt):
    # the var, not only the `weights` argument, reaches the macro: the p1 explicit-weight
    # scores come back when the same weights are given as --vars
    result = dbt.invoke(
        "show", "--inline", engagement_sql(), "--limit", "-1", "--quiet",
        "--vars", "{engagement_weights: {active_days: 0.5, time_spent_seconds: 0.25,"
        " key_actions: 0.25}}",
    )
    table = result.result.results[0].agate_table
    rows = [dict(zip(table.column_names, row, strict=True)) for row in table.rows]
    assert_cases(rows, ENGAGEMENT_EXPECTED["explicit"])


# The ranks themselves, per period (the rows above): k = rows at or below the value, n = rows
# of the period; ties share the higher k.
VALUE_RANKS_EXPECTED = {
    # active_days in p1: 1 (a) -> k 1; 2 (b, c) -> k 3; 3 (d) -> k 4; n 4
    "p1/1": {"rows_at_or_below": 1, "rows_in_partition": 4},
    "p1/2": {"rows_at_or_below": 3, "rows_in_partition": 4},
    "p1/3": {"rows_at_or_below": 4, "rows_in_partition": 4},
    # p2: one customer, k = n = 1
    "p2/7": {"rows_at_or_below": 1, "rows_in_partition": 1},
    # p3: 1, 2, 3 -> k 1, 2, 3 of 3
    "p3/1": {"rows_at_or_below": 1, "rows_in_partition": 3},
    "p3/2": {"rows_at_or_below": 2, "rows_in_partition": 3},
    "p3/3": {"rows_at_or_below": 3, "rows_in_partition": 3},
}


def test_engagement_score_sum_is_exact(dbt):
    # Scores have two decimals and are stored as doubles. Added as doubles, 0.1 + 0.2 + 0.3 =
    # 0.6000000000000001 (and the last bits follow the order of the additions); added as
    # decimal(18, 2) they make 0.60 exactly. 29.35 + 70.65 + 0.01 = 100.01, by hand.
    result = dbt.show("""
        select
            case_name,
            {{ engagement_score_sum('cast(score as double)') }}
                = cast(max(expected) as decimal(18, 2)) as is_exact
        from (values
            ('tenths', 0.1, '0.60'), ('tenths', 0.2, '0.60'), ('tenths', 0.3, '0.60'),
            ('scores', 29.35, '100.01'), ('scores', 70.65, '100.01'), ('scores', 0.01, '100.01')
        ) as cases(case_name, score, expected)
        group by case_name
        """)
    assert_cases(result, {"tenths": True, "scores": True}, column="is_exact")


def test_value_ranks_count_ties_once_per_value(dbt):
    result = dbt.show(f"""
        select period || '/' || cast(ranked_value as varchar) as case_name,
            rows_at_or_below, rows_in_partition
        from ({{{{ value_ranks("{values_table(ENGAGEMENT_COLUMNS, ENGAGEMENT_ROWS)}",
            'active_days', ['period']) }}}}) as ranks
        """)
    assert_cases(result, VALUE_RANKS_EXPECTED)


# --------------------------------------------------------------------------------------------
# var('engagement_weights') validation
# --------------------------------------------------------------------------------------------

BAD_WEIGHTS = [
    # id, --vars, text the message must carry besides the var name
    ("negative_weight",
     "{engagement_weights: {active_days: 0.5, time_spent_seconds: 0.6, key_actions: -0.1}}",
     "key_actions"),  # sums to 1.0 but -0.1 < 0
    ("sum_0_9",
     "{engagement_weights: {active_days: 0.3, time_spent_seconds: 0.3, key_actions: 0.3}}",
     "sum to 1"),  # 0.3 + 0.3 + 0.3 = 0.9 != 1
]


@pytest.mark.parametrize(
    ("variables", "text"), [case[1:] for case in BAD_WEIGHTS], ids=[case[0] for case in BAD_WEIGHTS]
)
def test_bad_engagement_weights_fail_naming_the_var(dbt, variables, text):
    result = dbt.invoke(
        "show", "--inline", "select {{ engagement_weights()['active_days'] }} as w",
        "--vars", variables, "--quiet", expect_success=False,
    )
    assert result.success is False
    chain = " | ".join(f"{type(e).__name__}: {e}" for e in error_chain(result.exception))
    messages = compilation_messages(result.exception)
    assert "var('engagement_weights')" in messages, chain
    assert text in messages, chain
