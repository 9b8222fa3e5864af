with

checked as (

    select * from {{ ref('base_raw__customers') }}
    where reject_reason is null

),

renamed as (

    select
        -- ids
        customer_id,

        -- categories
        segment,
        country,

        {#- extra raw columns for dim_customers (var loyalty_customers_pass_through_columns) #}
        {%- for column in customer_pass_through_columns() %}
        {{ pass_through_base_name(column) }} as {{ column['alias'] }},
        {%- endfor %}

        -- timestamps
        created_at,
        updated_at

    from checked

)

select * from renamed
