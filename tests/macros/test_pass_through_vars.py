"""var loyalty_customers_pass_through_columns (macros/utils/pass_through_columns.sql): the
entries dim_customers carries, validated once; a bad entry stops dbt with a message that
names the var. The columns at work, in dim_customers and its contract, are tested on the
host project (tests/test_integration_project.py).

Every call here changes ``--vars``, which costs dbt a full parse: one call per case.
"""

from __future__ import annotations

import json

import pytest

from .cases import compilation_messages, error_chain

SQL = "select '{{ tojson(customer_pass_through_columns()) }}' as columns"
VAR = "loyalty_customers_pass_through_columns"


def test_entries_get_their_alias_defaulted_to_the_name(dbt):
    variables = {VAR: [{"name": "employee_count", "data_type": "integer"},
                       {"name": "acquisition_channel", "alias": "channel",
                        "data_type": " varchar "}]}
    result = dbt.invoke("show", "--inline", SQL, "--vars", json.dumps(variables), "--quiet")
    table = result.result.results[0].agate_table
    assert json.loads(table.rows[0][0]) == [
        # no alias: the raw name
        {"name": "employee_count", "alias": "employee_count", "data_type": "integer"},
        # the data type trimmed
        {"name": "acquisition_channel", "alias": "channel", "data_type": "varchar"},
    ]


@pytest.mark.parametrize(("entries", "message"), [
    # the contract needs a type
    ([{"name": "employee_count"}], "each entry needs a name and a data_type"),
    # dim_customers has a segment already
    ([{"name": "crm_segment", "alias": "segment", "data_type": "varchar"}],
     "the column 'segment' is already in dim_customers"),
    # two entries, one name in dim_customers
    ([{"name": "a", "alias": "tier", "data_type": "varchar"},
      {"name": "tier", "data_type": "varchar"}], "the column 'tier' is already in"),
    # not a plain column name: it is written into the SQL
    ([{"name": "x; drop table y", "data_type": "varchar"}], "is not a plain column name"),
    # a mapping instead of a list
    ({"name": "x", "data_type": "varchar"}, "must be a list"),
], ids=["no_data_type", "alias_taken", "alias_twice", "not_a_name", "not_a_list"])
def test_a_bad_entry_fails_naming_the_var(dbt, entries, message):
    result = dbt.invoke("show", "--inline", SQL, "--vars", json.dumps({VAR: entries}),
                        "--quiet", expect_success=False)
    assert result.success is False
    chain = " | ".join(f"{type(e).__name__}: {e}" for e in error_chain(result.exception))
    messages = compilation_messages(result.exception)
    assert f"var('{VAR}')" in messages, chain
    assert message in messages, chain
