{#- The first day whose order-based segment periods change: the earliest changed order (any
    version), the earliest changed exchange rate, the first order of a customer whose customers row (so segment) changed, or the
    first day a moved as-of date changes, whichever is earliest. A changed order moves spells
    up to W days later, so every later period is in scope. Computed once per node run
    (node_cache). -#}
{% macro order_period_cutoff() -%}
    {%- set cache = node_cache() -%}
    {%- if 'order_period_cutoff' in cache -%}
        {{ return(cache['order_period_cutoff']) }}
    {%- endif -%}
    {%- do cache.update({'order_period_cutoff': earliest_day([
        as_of_cutoff(),
        earliest_changed_date(ref('base_raw__orders'), 'ordered_at'),
        earliest_changed_rate_date(),
        earliest_of_moved_customers('first_order_date')])}) -%}
    {{ return(cache['order_period_cutoff']) }}
{%- endmacro %}

{#- The earliest `column` (a date of dim_customers) of the customers whose customers row
    changed since this model's watermark: a Python date, or none. -#}
{% macro earliest_of_moved_customers(column) -%}
    {%- set customers = ref('dim_customers') -%}
    {%- set moved = changed_customer_rows() -%}
    {%- if not execute or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(upstream_column('select min(' ~ column ~ ') from ' ~ customers
        ~ ' where customer_id in (' ~ moved ~ ')')[0]) }}
{%- endmacro %}

{#- True when the segments of the grid differ from those `this` holds (the first customer of
    a new segment, or the last of one gone): then every period of the mart changes. -#}
{% macro segments_changed() -%}
    {%- set grid = ref('int_period_segments') -%}
    {{ return(values_changed('segment', 'select distinct segment from ' ~ grid)) }}
{%- endmacro %}

{#- True when the distinct values of `column` in `this` differ from those `current_sql` (a
    select of one column) returns; false while parsing and on a first build. -#}
{% macro values_changed(column, current_sql) -%}
    {%- if not execute or not is_incremental() -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set held = run_query('select distinct ' ~ column ~ ' from ' ~ this).columns[0].values() | sort -%}
    {%- set now = upstream_column(current_sql) | sort -%}
    {{ return(held != now) }}
{%- endmacro %}

{#- Scope of the order-based segment marts (mart_clv): whole periods from
    order_period_cutoff on; every period when the segments changed. -#}
{% macro order_period_scope() -%}
    {{ segment_grid_scope(order_period_cutoff) }}
{%- endmacro %}

{#- Scope of a mart with a row per period and segment of the grid (int_period_segments):
    whole periods from the day `cutoff` (a macro that returns it) returns on; every period
    when the segments changed, without asking `cutoff`. -#}
{% macro segment_grid_scope(cutoff) -%}
    {%- if segments_changed() -%}
    1 = 1
    {%- else -%}
    {{ period_from(cutoff()) }}
    {%- endif -%}
{%- endmacro %}

{#- The first day whose customer-periods (fct_customer_periods) change: order_period_cutoff,
    or the order date of an order whose lines changed (the period's categories), whichever is
    earlier. fct_customer_periods recomputes its changed customers' rows and the periods of a
    moved as-of date; those customers' rows, old and new, start on or after this day. -#}
{% macro customer_period_cutoff() -%}
    {{ return(earliest_day([order_period_cutoff(), earliest_changed_line_date()])) }}
{%- endmacro %}

{#- Scope of the marts that count fct_customer_periods per period and segment (mart_retention,
    mart_purchases, mart_returning_aov): whole periods from customer_period_cutoff on; every
    period when the segments changed. -#}
{% macro customer_period_grid_scope() -%}
    {{ segment_grid_scope(customer_period_cutoff) }}
{%- endmacro %}

{#- Scope of int_clv_orders_daily: the order days from order_period_cutoff on. -#}
{% macro order_day_scope() -%}
    order_date >= {{ date_literal(order_period_cutoff()) }}
{%- endmacro %}
