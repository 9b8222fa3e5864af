{#- Change sets: what upstream wrote after this model's watermark (last_loaded_at). Base
    models restamp every row of a re-derived key, old versions included, so a customer an
    order moved away from is among the changed ones too. The refs are taken on every call,
    also while dbt parses, so dbt knows the dependencies without `-- depends_on` lines. Each
    is a select of customer_id, read as `customer_id in (...)`, behind change_set_fence. -#}

{#- A change set holds a few thousand ids on a normal night, but the planner cannot know:
    its filter on _loaded_at gets a default estimate of millions. DuckDB then hashes the
    millions of orders of `customer_id in (...)` instead of the few ids (measured at 10m
    orders: 1.1 s against 0.6 s a model). `offset 0` keeps the subquery apart, so its rows
    are hashed. Its estimate can still exceed that of a filtered scan of the orders (2.7M
    against 2.4M at 10m, so int_customer_spells hashed the 8.8M orders: its query alone took
    0.58 s, against 0.21 s with the ids hashed), so the ids are also grouped, with a
    `having` that every group passes: the planner cuts its estimate again, the rows stay
    the same (distinct ids, the NULL one included, as `union` gave). Other engines plan
    from their own statistics: the select as it is. -#}
{% macro change_set_fence(select_sql, column='customer_id') -%}
    {{ return(adapter.dispatch('change_set_fence', 'loyalty_analytics')(select_sql, column)) }}
{%- endmacro %}

{% macro default__change_set_fence(select_sql, column) -%}
    {{ select_sql }}
{%- endmacro %}

{% macro duckdb__change_set_fence(select_sql, column) -%}
    select {{ column }} from (
        {{ select_sql }}
    ) as change_set
    group by {{ column }}
    having count(*) > 0
    offset 0
{%- endmacro %}

{#- Customers whose orders, order lines or customers row changed, or whose orders an exchange
    rate written since converts anew (customers_of_changed_rates). A changed line changes
    the customer of its order as staged (_order_customer_id, kept on the line by
    base_raw__order_items): its other versions count nowhere, and a changed order brings
    every version's customer through the first select. -#}
{% macro changed_customers() -%}
    {%- set orders = ref('base_raw__orders') -%}
    {%- set lines = ref('base_raw__order_items') -%}
    {%- set customers = ref('base_raw__customers') -%}
    {%- set since = last_loaded_at() -%}
    {%- set select_sql %}
    select customer_id from {{ orders }}
    where _loaded_at > {{ since }} and customer_id is not null
    union
    select _order_customer_id from {{ lines }}
    where _loaded_at > {{ since }} and _order_customer_id is not null
    union
    select customer_id from {{ customers }}
    where _loaded_at > {{ since }}
    union
    {{ customers_of_changed_rates(since) }}
    {%- endset %}
    {{ change_set_fence(select_sql) }}
{%- endmacro %}

{#- Customers whose customers row (so segment, country, sign-up) changed. -#}
{% macro changed_customer_rows() -%}
    {%- set customers = ref('base_raw__customers') -%}
    {{ change_set_fence('select customer_id from ' ~ customers
        ~ ' where _loaded_at > ' ~ last_loaded_at()) }}
{%- endmacro %}

{#- Customers with a changed engagement event. -#}
{% macro changed_event_customers() -%}
    {%- set events = ref('base_raw__engagement_events') -%}
    {{ change_set_fence('select customer_id from ' ~ events
        ~ ' where _loaded_at > ' ~ last_loaded_at() ~ ' and customer_id is not null') }}
{%- endmacro %}

{#- Customers with any changed row: orders, lines, customers row, answers or events (an id
    seen for the first time joins the segment 'unknown'). -#}
{% macro changed_customers_with_activity() -%}
    {%- set responses = ref('base_raw__survey_responses') -%}
    {%- set select_sql %}
    select customer_id from ({{ changed_customers() }}) as orders_changed
    union
    select customer_id from {{ responses }}
    where _loaded_at > {{ last_loaded_at() }} and customer_id is not null
    union
    select customer_id from ({{ changed_event_customers() }}) as events_changed
    {%- endset %}
    {{ change_set_fence(select_sql) }}
{%- endmacro %}

{#- The earliest date of a changed row of `relation` (written after this model's watermark)
    by its timestamp `column`, as the staging models date it: in the reporting time zone
    (reporting_date), or the UTC date with `in_reporting_zone=false` (memberships). A Python
    date, or none when nothing changed, read when the model is compiled. Stamps before 1990
    are left out: such rows are quarantined, in no period. -#}
{% macro earliest_changed_date(relation, column, in_reporting_zone=true) -%}
    {%- if not execute or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set day = reporting_date(column) if in_reporting_zone else 'cast(' ~ column ~ ' as date)' -%}
    {{ return(upstream_column(
        'select min(' ~ day ~ ') from ' ~ relation
        ~ ' where _loaded_at > ' ~ last_loaded_at()
        ~ " and " ~ column ~ " >= cast('1990-01-01' as " ~ dbt.type_timestamp() ~ ")")[0]) }}
{%- endmacro %}
