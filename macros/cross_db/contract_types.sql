{#- The enforced contracts (the marts' YAML files) spell their data types in
    standard SQL: varchar, double precision, bigint, integer, decimal(38, 2), date, boolean,
    timestamp. DuckDB and Postgres take every one of them as it is; Spark has no
    `double precision` (its name is `double`) and wants a length on `varchar` (its text type
    is `string`), and no spelling of a double works on all three (docs/engines.md).

    dbt-spark reads a contract's data types in one place only: the contract check, which
    casts NULL to each declared type and compares the result with the model's columns (the
    table itself is created from the query, CTAS). So the types are translated there, through
    contract_data_type(), and nowhere else. -#}

{#- A contract data type as the engine spells it: as written, except on Spark. -#}
{% macro contract_data_type(data_type) -%}
    {{ return(adapter.dispatch('contract_data_type', 'loyalty_analytics')(data_type)) }}
{%- endmacro %}

{% macro default__contract_data_type(data_type) -%}
    {{ return(data_type) }}
{%- endmacro %}

{% macro spark__contract_data_type(data_type) -%}
    {%- set spark_names = {'double precision': 'double', 'varchar': 'string'} -%}
    {{ return(spark_names.get(data_type | trim | lower, data_type)) }}
{%- endmacro %}

{#- dbt's empty-schema query of the contract check (dbt.default__get_empty_schema_sql),
    with the declared types spelled for Spark. -#}
{% macro spark__get_empty_schema_sql(columns) -%}
    {%- set spark_columns = {} -%}
    {%- for name in columns -%}
        {%- set column = dict(columns[name]) -%}
        {%- if column.get('data_type') is not none -%}
            {%- do column.update({'data_type': contract_data_type(column['data_type'])}) -%}
        {%- endif -%}
        {%- do spark_columns.update({name: column}) -%}
    {%- endfor -%}
    {{ return(dbt.default__get_empty_schema_sql(spark_columns)) }}
{%- endmacro %}
