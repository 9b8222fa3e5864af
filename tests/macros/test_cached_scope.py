"""cached_scope (macros/incremental/get_incremental_replace_scope_sql.sql): a model names its
scope twice, in config(scope=...) and in cached_scope('...'). The strategy replace_scope
deletes the rows of the config's scope and inserts what the model computed for the scope
it filtered with: when the two differ, dbt stops with a message naming both.

A dbt unit test renders the model with a config of its own, which names no scope: there is
nothing to compare. The unit tests of five scoped models (int_customer_engagement_days,
fct_customer_periods, mart_survey_scores among them) run in every default build and stop
if the check compares there."""

from __future__ import annotations

from .cases import error_chain

SQL = "{{{{ config(scope='{config}') }}}} select 1 as x where {{{{ cached_scope('{used}') }}}}"


def test_a_scope_other_than_the_configs_stops_the_model(dbt):
    result = dbt.invoke("show", "--inline", SQL.format(config="order_day_scope",
                                                       used="customer_scope"),
                        "--quiet", expect_success=False)
    assert not result.success
    messages = "\n".join(str(error) for error in error_chain(result.exception))
    assert "filters its rows with cached_scope('customer_scope')" in messages, messages
    assert "config names scope='order_day_scope'" in messages, messages


def test_the_configs_own_scope_compiles(dbt):
    # The same query with one name in both places compiles: the scope's predicate is in it.
    result = dbt.invoke("compile", "--inline", SQL.format(config="customer_scope",
                                                          used="customer_scope"), "--quiet")
    compiled = result.result.results[0].node.compiled_code
    assert compiled.startswith(" select 1 as x where "), compiled
    assert "cached_scope" not in compiled and "base_raw__orders" in compiled, compiled
