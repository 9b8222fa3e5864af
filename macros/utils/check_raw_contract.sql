{#- Run at the start of every dbt run/build/test: each raw table of the sources must exist with
    every column the data contract names (the columns declared in _raw__sources.yml). A
    missing one stops the run with a message that names it, instead of an SQL error deep in a
    model. Extra columns are fine. The loyalty program's optional tables are sources only
    while var('loyalty_program_enabled') is true (their sources are disabled otherwise), so
    they are checked exactly then, and their message names the var. The exchange_rates table
    is optional without a var: checked when it exists (docs/data-contract.md, "Optional
    inputs"); the optional orders.currency column is not declared, so never asked for. -#}
{% macro check_raw_contract() %}
    {%- if execute and flags.WHICH in ['run', 'build', 'test', 'seed'] -%}
        {%- set problems = [] -%}
        {%- for node in graph.sources.values() if node.source_name == 'raw' -%}
            {%- set relation = adapter.get_relation(
                database=node.database, schema=node.schema, identifier=node.identifier) -%}
            {%- if relation is none and node.name == 'exchange_rates' -%}
                {#- optional: absent, every order in a foreign currency waits for its rate -#}
            {%- elif relation is none and node.name in ['loyalty_memberships', 'loyalty_points'] -%}
                {%- do problems.append("table " ~ node.schema ~ "." ~ node.identifier ~ " is missing"
                    ~ " (an optional table of the loyalty program: load it, or run with"
                    ~ " --vars '{loyalty_program_enabled: false}')") -%}
            {%- elif relation is none -%}
                {%- do problems.append("table " ~ node.schema ~ "." ~ node.identifier ~ " is missing") -%}
            {%- else -%}
                {%- set present = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
                {%- for column in node.columns -%}
                    {%- if column | lower not in present -%}
                        {%- do problems.append("column " ~ node.schema ~ "." ~ node.identifier ~ "." ~ column ~ " is missing") -%}
                    {%- endif -%}
                {%- endfor -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if problems -%}
            {{ exceptions.raise_compiler_error(
                "The raw tables do not match the data contract: " ~ (problems | join('; '))
                ~ ". Load the raw tables with the columns of docs/data-contract.md"
                ~ " into schema '" ~ var('raw_schema', 'raw') ~ "' (on DuckDB: `loyalty load DIR --warehouse FILE`),"
                ~ " or point var('raw_schema') at them.") }}
        {%- endif -%}
    {%- endif -%}
    select 1
{% endmacro %}
