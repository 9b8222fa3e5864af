{#- Multi-currency revenue (docs/data-contract.md, "Optional inputs"): the optional
    orders.currency column and the optional exchange_rates table are found by introspection
    when a model is compiled, so a warehouse without them builds as before (every order in
    var('reporting_currency')). While dbt parses, nothing is introspected: both are absent. -#}

{#- The relation of raw table `name` as the sources name it (none while parsing). Read from the
    graph, not through source(): the intermediate models that ask must not depend on a
    source. -#}
{% macro raw_source_relation(name) -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {#- a unit test's graph holds no sources: none there -#}
    {%- for node in graph.get('sources', {}).values() if node.source_name == 'raw' and node.name == name -%}
        {{ return(api.Relation.create(
            database=node.database, schema=node.schema, identifier=node.identifier)) }}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}

{#- True when the raw orders table has a `currency` column. -#}
{% macro orders_have_currency() -%}
    {%- set relation = raw_source_relation('orders') -%}
    {{ return(relation is not none and raw_column_type(relation, 'currency') != '') }}
{%- endmacro %}

{#- True when the raw exchange_rates table exists. -#}
{% macro exchange_rates_exist() -%}
    {%- set relation = raw_source_relation('exchange_rates') -%}
    {{ return(relation is not none and adapter.get_relation(database=relation.database,
        schema=relation.schema, identifier=relation.identifier) is not none) }}
{%- endmacro %}

{#- An order's currency: its own, or the reporting currency when it has none. -#}
{% macro order_currency(column) -%}
    coalesce({{ column }}, '{{ reporting_currency() }}')
{%- endmacro %}

{#- The customers of the staged-or-rate-less orders (base rows with no reject reason) in a
    foreign currency on or after the earliest date of an exchange rate written after `since`:
    a late or corrected rate changes their converted revenue, or takes them out of the
    quarantine. Nothing when the orders have no currency column. The refs are taken on every
    call, also while dbt parses. -#}
{% macro customers_of_changed_rates(since) -%}
    {%- set orders = ref('base_raw__orders') -%}
    {%- set rates = ref('base_raw__exchange_rates') -%}
    {%- if orders_have_currency() %}
    select orders.customer_id
    from {{ orders }} as orders
    inner join (
        select
            currency,
            min(rate_date) as first_changed_date
        from {{ rates }}
        where _loaded_at > {{ since }}
        group by 1
    ) as changed_rates
        on orders.currency = changed_rates.currency
    where
        orders.reject_reason is null
        and orders.customer_id is not null
        and {{ reporting_date('orders.ordered_at') }} >= changed_rates.first_changed_date
    {%- else %}
    select customer_id from {{ orders }} where false
    {%- endif %}
{%- endmacro %}

{#- The earliest date of an exchange rate written after this model's watermark (a Python
    date, or none when none changed or the orders have no currency column): orders from that
    date on may convert differently. -#}
{% macro earliest_changed_rate_date() -%}
    {%- set rates = ref('base_raw__exchange_rates') -%}
    {%- if not execute or not is_incremental() or not orders_have_currency() -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(upstream_column('select min(rate_date) from ' ~ rates
        ~ ' where _loaded_at > ' ~ last_loaded_at())[0]) }}
{%- endmacro %}

{#- The ids of the valid orders stg_orders does not stage for want of an exchange rate: they
    are quarantined as `no_exchange_rate`, and their lines as `order_rejected`. The refs are
    taken on every call: a model calls it once at its top, also while dbt parses. -#}
{% macro orders_without_rate() -%}
    {%- set orders = ref('base_raw__orders') -%}
    {%- set staged = ref('stg_orders') -%}
    select order_id from {{ orders }}
    where
        reject_reason is null
        and order_id not in (select order_id from {{ staged }})
{%- endmacro %}
