{#- Every raw order line, typed, with the first staging rule it breaks (NULL: it is staged).
    A line of an order that is not staged is `unknown_order` when the order is not in the raw
    orders at all, `order_rejected` when the order was quarantined.
    Incremental (delete+insert by order id): a run re-derives every order id with raw lines
    this table does not hold yet (a late line of an old order included) and every order id
    base_raw__orders re-derived since this model's last run (a line's reason follows its
    order's). The order id is stored as raw_key: a line without one ('') is replaced like any
    other.
    Two columns serve the nightly run, kept current because a changed order re-derives its
    lines: _order_date, the earliest reporting date of any version of the line's order (the
    day a changed line dates its change by, earliest_changed_line_date), and
    _order_customer_id, the customer of the order's version that staging can keep (the one
    without a reject reason; NULL when none): the customer a changed line changes
    (changed_customers). -#}
{{ config(unique_key='order_id') }}
{%- set typed_columns = [
    'order_id', 'line_number', 'product_id', 'product_category', 'quantity', 'unit_price'] %}
{%- set raw_lines = source('raw', 'order_items') %}
{%- set orders_relation = ref('base_raw__orders') %}

with

{%- if is_incremental() %}

changed_orders as (

    {{ changed_raw_keys(raw_lines, raw_key('order_id'), 'order_id', extra_keys=(
        'select order_id from ' ~ orders_relation ~ ' where _loaded_at > ' ~ last_loaded_at())) }}

),
{%- endif %}

orders as (

    select
        order_id,
        customer_id,
        ordered_at,
        reject_reason
    from {{ orders_relation }}
    {%- if is_incremental() %}
    where order_id in (select changed_key from changed_orders)
    {%- endif %}

),

source as {{ inlined_at_full_build() }} (

    select
        order_id,
        line_number,
        product_id,
        product_category,
        quantity,
        unit_price
    from {{ raw_lines }}
    {%- if is_incremental() %}
    where {{ raw_key('order_id') }} in (select changed_key from changed_orders)
    {%- endif %}

),

order_status as (

    select
        order_id,
        max(case when reject_reason is null then 1 else 0 end) as is_staged,
        max(case when reject_reason is null then customer_id end) as staged_customer_id,
        min(case
            when ordered_at >= cast('1990-01-01' as {{ dbt.type_timestamp() }})
                then {{ reporting_date('ordered_at') }}
        end) as order_date
    from orders
    group by 1

),

typed as (

    select
        -- raw values, kept for the quarantine
        order_id as raw_order_id,
        line_number as raw_line_number,
        product_id as raw_product_id,
        product_category as raw_product_category,
        quantity as raw_quantity,
        unit_price as raw_unit_price,

        -- typed values
        cast(order_id as {{ dbt.type_string() }}) as order_id,
        {{ dbt.safe_cast('line_number', dbt.type_int()) }} as line_number,
        cast(product_id as {{ dbt.type_string() }}) as product_id,
        cast(product_category as {{ dbt.type_string() }}) as product_category,
        {{ dbt.safe_cast('quantity', dbt.type_int()) }} as quantity,
        {{ dbt.safe_cast('unit_price', 'decimal(18, 2)') }} as unit_price

    from source

),

versioned as (

    {{ versioned_rows(
            'typed',
            ['order_id', 'line_number'],
            order_by=[
            'product_id asc',
            'product_category asc',
            'quantity asc',
            'unit_price asc',
            ],
            columns=['product_id', 'product_category', 'quantity', 'unit_price'],
        ) }}

),

checked as (

    select
        versioned.*,
        order_status.order_date,
        order_status.staged_customer_id,
        case
            when versioned.order_id is null or versioned.line_number is null then 'missing_key'
            when versioned.is_exact_copy then 'exact_duplicate'
            when versioned.version_number > 1 then 'duplicate_key'
            when order_status.order_id is null then 'unknown_order'
            when order_status.is_staged = 0 then 'order_rejected'
            when versioned.quantity is null then 'missing_quantity'
            when versioned.quantity < 0 then 'negative_quantity'
            when versioned.unit_price is null then 'missing_unit_price'
            when versioned.unit_price < 0 then 'negative_unit_price'
        end as reject_reason
    from versioned
    left join order_status
        on versioned.order_id = order_status.order_id

),

{#- Raw values are kept for the quarantined rows only: a staged row's are its typed ones. #}

final as (

    select
        {{ raw_key('checked.order_id') }} as order_id,
        checked.line_number,
        checked.product_id,
        checked.product_category,
        checked.quantity,
        checked.unit_price,
        checked.reject_reason,
        {{ raw_if_rejected(typed_columns, 'checked') }},
        checked.order_date as _order_date,
        checked.staged_customer_id as _order_customer_id,
        {{ loaded_at() }} as _loaded_at
    from checked

)

select
    *,
    {{ key_bucket_column('order_id') }}
from final
