{#- Pass-through columns: extra columns of the raw customers table that dim_customers carries
    (the `*_pass_through_columns` of the Fivetran packages). var
    loyalty_customers_pass_through_columns lists them, each a mapping:
        name:      the raw column (a plain identifier)
        data_type: its type in dim_customers' contract, as the contract spells types
                   (varchar, integer, decimal(18, 2), date, ...)
        alias:     the column's name in dim_customers (optional; default: name)
    The raw values are carried as they are, no cast: a data_type that is not the raw
    column's type fails dim_customers' contract check, which names the column. Validated
    here, once: a bad entry stops the build with a message that names the var. -#}
{% macro customer_pass_through_columns() -%}
    {%- set entries = var('loyalty_customers_pass_through_columns', []) or [] -%}
    {%- set var_name = "var('loyalty_customers_pass_through_columns')" -%}
    {%- if entries is string or entries is mapping or entries is not iterable -%}
        {{ exceptions.raise_compiler_error(var_name ~ " must be a list of {name, data_type, alias}, got " ~ entries) }}
    {%- endif -%}
    {#- dim_customers' own columns, and stg_customers' updated_at, are taken. -#}
    {%- set taken = ['customer_id', 'segment', 'country', 'created_at', 'updated_at', 'is_in_customers',
        'first_seen_date', 'first_order_date', 'second_order_date', 'last_order_date',
        'cohort_month', 'lifetime_orders', 'lifetime_revenue', '_loaded_at'] -%}
    {%- set identifier = '^[A-Za-z_][A-Za-z0-9_]*$' -%}
    {%- set columns = [] -%}
    {%- for entry in entries -%}
        {%- if entry is not mapping or entry.get('name') is not string or entry.get('data_type') is not string
            or not entry.get('data_type') | trim -%}
            {{ exceptions.raise_compiler_error(var_name ~ ": each entry needs a name and a data_type"
                ~ " (the type of the column in dim_customers' contract), got " ~ entry) }}
        {%- endif -%}
        {%- set alias = entry.get('alias') or entry['name'] -%}
        {%- for text in [entry['name'], alias] -%}
            {%- if text is not string or not modules.re.match(identifier, text) -%}
                {{ exceptions.raise_compiler_error(var_name ~ ": '" ~ text ~ "' is not a plain column name"
                    ~ " (letters, digits and _, not first a digit)") }}
            {%- endif -%}
        {%- endfor -%}
        {%- if alias | lower in taken or alias | lower in (columns | map(attribute='alias') | map('lower') | list) -%}
            {{ exceptions.raise_compiler_error(var_name ~ ": the column '" ~ alias ~ "' is already in"
                ~ " dim_customers; give the entry another alias") }}
        {%- endif -%}
        {%- do columns.append({'name': entry['name'], 'alias': alias, 'data_type': entry['data_type'] | trim}) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}

{#- The name a pass-through column has in base_raw__customers: prefixed, so that it can
    collide with none of the typed, raw_ and bookkeeping columns there. -#}
{% macro pass_through_base_name(column) -%}
    {{ return('pass_through__' ~ column['name']) }}
{%- endmacro %}

{#- pre-hook of dim_customers: the pass-through columns join its enforced contract. The
    contract's columns are the YAML's, fixed when the project is parsed; the materialization
    reads them from `model['columns']` of the running model's context, the one this hook is
    rendered in, after the hook has run. So the columns of the var are added there, with
    their data_type, and the contract check and the table's DDL take them as if declared in
    dim_customers.yml. Returns no SQL. -#}
{% macro add_pass_through_contract_columns() -%}
    {%- if execute -%}
        {%- for column in customer_pass_through_columns() -%}
            {%- do model['columns'].update({column['alias']: {
                'name': column['alias'],
                'data_type': column['data_type'],
                'description': 'Passed through from the raw customers column ' ~ column['name']
                    ~ ' (var loyalty_customers_pass_through_columns).',
                'constraints': [],
                'quote': none,
                'meta': {},
                'tags': [],
            }}) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
