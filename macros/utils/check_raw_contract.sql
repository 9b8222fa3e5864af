{#- Run at the start of every dbt run/build/test: each raw table of the sources must exist with
    every column the data contract names (the columns declared in _raw__sources.yml, and the
    pass-through columns of var loyalty_customers_pass_through_columns). A missing one stops
    the run with a message that names it, instead of an SQL error deep in a model. Extra
    columns are fine. The loyalty program's optional tables are sources only while
    var('loyalty_program_enabled') is true (their sources are disabled otherwise), so they are
    checked exactly then, and their message names the var.
    Installed as a package (docs/warehouse.md, "As a package"), the project checks its own
    source `raw` only, never a host's source of that name, and not on `dbt seed`: a host may
    be loading the raw tables with its seeds. The exchange_rates table is optional without a
    var: checked when it exists (docs/data-contract.md, "Optional inputs"); the optional
    orders.currency column is not declared, so never asked for. -#}
{% macro check_raw_contract() %}
    {%- set commands = ['run', 'build', 'test'] + (['seed'] if project_name == 'loyalty_analytics' else []) -%}
    {%- if execute and flags.WHICH in commands -%}
        {%- set problems = [] -%}
        {%- for node in graph.sources.values()
            if node.source_name == 'raw' and node.package_name == 'loyalty_analytics' -%}
            {%- set name = ((node.database ~ '.') if var('raw_database', none) else '')
                ~ node.schema ~ '.' ~ node.identifier -%}
            {%- set relation = adapter.get_relation(
                database=node.database, schema=node.schema, identifier=node.identifier) -%}
            {%- set expected = node.columns.keys() | list -%}
            {%- if node.name == 'customers' -%}
                {%- set expected = expected + (customer_pass_through_columns() | map(attribute='name') | list) -%}
            {%- endif -%}
            {%- if relation is none and node.name == 'exchange_rates' -%}
                {#- optional: absent, every order in a foreign currency waits for its rate -#}
            {%- elif relation is none and node.name in ['loyalty_memberships', 'loyalty_points'] -%}
                {%- do problems.append("table " ~ name ~ " is missing"
                    ~ " (an optional table of the loyalty program: load it, or run with"
                    ~ " --vars '{loyalty_program_enabled: false}')") -%}
            {%- elif relation is none -%}
                {%- do problems.append("table " ~ name ~ " is missing") -%}
            {%- else -%}
                {%- set present = raw_columns(relation) | map(attribute='name') | list -%}
                {%- for column in expected -%}
                    {%- if column | lower not in present -%}
                        {%- do problems.append("column " ~ name ~ "." ~ column ~ " is missing") -%}
                    {%- endif -%}
                {%- endfor -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if problems -%}
            {{ exceptions.raise_compiler_error(
                "The raw tables do not match the data contract: " ~ (problems | join('; '))
                ~ ". Load the raw tables with the columns of docs/data-contract.md"
                ~ " into schema '" ~ var('raw_schema', 'raw') ~ "'"
                ~ (" of database '" ~ var('raw_database') ~ "'" if var('raw_database', none) else "")
                ~ " (on DuckDB: `loyalty load DIR --warehouse FILE`),"
                ~ " or point the vars raw_database, raw_schema and loyalty_<table>_identifier at them.") }}
        {%- endif -%}
    {%- endif -%}
    select 1
{% endmacro %}
