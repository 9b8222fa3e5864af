{#- The members' trailing year (mart_clv's measures) as changes by day, per program and
    segment: a day's row holds by how much each measure over the members at the end of that
    day differs from the day before. The value at the end of period_end is the sum of the
    changes up to it (int_program_year_by_status), a lookup on this small table instead of a
    join of every member's order days to every period.

    Each customer's facts hold on a range of days t, a member's count on the days of it that
    a spell of membership also holds (member at the end of t):
    - an order on day d: it and its revenue count in the year ending on t for t in
      [d, d + 364];
    - a 365-day spell (int_customer_spells): a purchaser in the year ending on t for t in it;
    - a spell of the churn window W moved 365 days on: in the base at the end of t - 365;
    - the part of such a moved spell that a spell of W also holds: in the base at the end of
      t - 365 and of t (not churned).
    A range [lo, hi] adds at lo and takes away at hi + 1. A customer's spells of one window,
    or of one program, do not overlap, so a customer counts once on a day. 
    Incremental: a change on day D (program_period_cutoff: a changed order, line, membership,
    customers row or a moved as-of date) moves only changes dated D or later (an order moves
    spells that end after it, never one's start before it), so a run recomputes the rows from
    D on, from the facts that end on or after D - 1 (program_change_scope). -#}
{{ config(
    enabled=var('loyalty_program_enabled', true),
    materialized=incremental_or_table(),
    scope='program_change_scope') }}
{%- set window_days = churn_window_days() %}
{#- Called on every run, also while dbt parses, so dbt sees the refs it takes. #}
{%- set first_day = program_period_cutoff() %}
{%- set scope = program_change_scope(first_day) %}
{#- A fact adds at day_from and takes away the day after day_to: only the facts that end on
    or after the day before the first changed day change a row in scope. #}
{%- set last_kept_day = date_literal(first_day - modules.datetime.timedelta(days=1)) %}
{#- The bound read on each source before the joins: a membership that ends after
    last_kept_day, an order on or after last_kept_day - 364 (its year reaches last_kept_day),
    a spell that ends on or after last_kept_day - 365 (moved 365 days on, it reaches it), so
    the joins see the recent facts only; member_facts then drops the facts that end before
    last_kept_day (at 10m orders, a night's query alone: 1.5-1.8 s without, 0.8-0.9 s with). #}
{%- set first_order_day = date_literal(first_day - modules.datetime.timedelta(days=365)) %}
{%- set first_spell_end = date_literal(first_day - modules.datetime.timedelta(days=366)) %}

with

member_spells as (

    -- with the customer's segment: joined to the few spells, not to every fact
    select
        spells.customer_id,
        spells.program,
        customers.segment,
        spells.member_from,
        coalesce(
            cast({{ dbt.dateadd('day', -1, 'spells.member_until') }} as date),
            cast('9999-12-31' as date)
        ) as member_to
    from {{ ref('int_program_member_spells') }} as spells
    inner join {{ ref('dim_customers') }} as customers
        on spells.customer_id = customers.customer_id
    where spells.tier_bucket = 'all'
    {%- if is_partial_run() %}
        and (spells.member_until is null or spells.member_until > {{ last_kept_day }})
    {%- endif %}

),

member_customers as (

    select distinct customer_id from member_spells

),

{#- Each valid order is a fact of its own: summing them per order day first would group
    millions of rows into nearly as many (a customer seldom orders twice a day). #}

member_orders as (

    select
        orders.customer_id,
        orders.order_date,
        orders.revenue
    from {{ ref('int_orders_validated') }} as orders
    inner join member_customers
        on orders.customer_id = member_customers.customer_id
    {%- if is_partial_run() %}
    where orders.order_date >= {{ first_order_day }}
    {%- endif %}

),

spells as (

    select
        spells.customer_id,
        spells.window_days,
        spells.spell_start,
        spells.spell_end
    from {{ ref('int_customer_spells') }} as spells
    inner join member_customers
        on spells.customer_id = member_customers.customer_id
    {%- if is_partial_run() %}
    where spells.spell_end >= {{ first_spell_end }}
    {%- endif %}

),

moved_spells as (

    select
        customer_id,
        cast({{ dbt.dateadd('day', 365, 'spell_start') }} as date) as moved_start,
        cast({{ dbt.dateadd('day', 365, 'spell_end') }} as date) as moved_end
    from spells
    where window_days = {{ window_days }}

),

{#- Each fact: the customer, the days it holds on and its measures (one of them non-zero). #}

facts as (

    select
        customer_id,
        order_date as day_from,
        cast({{ dbt.dateadd('day', 364, 'order_date') }} as date) as day_to,
        1 as orders_365d,
        revenue as revenue_365d,
        0 as purchasing_customers_365d,
        0 as customers_year_before,
        0 as customers_kept_year
    from member_orders

    union all

    select
        customer_id,
        spell_start as day_from,
        spell_end as day_to,
        0 as orders_365d,
        0 as revenue_365d,
        1 as purchasing_customers_365d,
        0 as customers_year_before,
        0 as customers_kept_year
    from spells
    where window_days = 365

    union all

    select
        customer_id,
        moved_start as day_from,
        moved_end as day_to,
        0 as orders_365d,
        0 as revenue_365d,
        0 as purchasing_customers_365d,
        1 as customers_year_before,
        0 as customers_kept_year
    from moved_spells

    union all

    select
        moved_spells.customer_id,
        greatest(moved_spells.moved_start, spells.spell_start) as day_from,
        least(moved_spells.moved_end, spells.spell_end) as day_to,
        0 as orders_365d,
        0 as revenue_365d,
        0 as purchasing_customers_365d,
        0 as customers_year_before,
        1 as customers_kept_year
    from moved_spells
    inner join spells
        on
            moved_spells.customer_id = spells.customer_id
            and spells.window_days = {{ window_days }}
            and moved_spells.moved_start <= spells.spell_end
            and moved_spells.moved_end >= spells.spell_start

),

member_facts as (

    select
        member_spells.program,
        member_spells.segment,
        facts.orders_365d,
        facts.revenue_365d,
        facts.purchasing_customers_365d,
        facts.customers_year_before,
        facts.customers_kept_year,
        greatest(facts.day_from, member_spells.member_from) as day_from,
        least(facts.day_to, member_spells.member_to) as day_to
    from facts
    inner join member_spells
        on
            facts.customer_id = member_spells.customer_id
            and facts.day_to >= member_spells.member_from
            and facts.day_from <= member_spells.member_to
    {%- if is_partial_run() %}
    {#- member_spells holds only the memberships that reach last_kept_day already #}
    where facts.day_to >= {{ last_kept_day }}
    {%- endif %}

),

changes as (

    select
        program,
        segment,
        day_from as change_date,
        orders_365d,
        revenue_365d,
        purchasing_customers_365d,
        customers_year_before,
        customers_kept_year
    from member_facts

    union all

    select
        program,
        segment,
        cast({{ dbt.dateadd('day', 1, 'day_to') }} as date) as change_date,
        -orders_365d as orders_365d,
        -revenue_365d as revenue_365d,
        -purchasing_customers_365d as purchasing_customers_365d,
        -customers_year_before as customers_year_before,
        -customers_kept_year as customers_kept_year
    from member_facts

),

final as (

    select
        program,
        segment,
        change_date,
        cast(sum(orders_365d) as {{ dbt.type_bigint() }}) as orders_365d,
        sum(revenue_365d) as revenue_365d,
        cast(sum(purchasing_customers_365d) as {{ dbt.type_bigint() }}) as purchasing_customers_365d,
        cast(sum(customers_year_before) as {{ dbt.type_bigint() }}) as customers_year_before,
        cast(sum(customers_kept_year) as {{ dbt.type_bigint() }}) as customers_kept_year,
        {{ loaded_at() }} as _loaded_at
    from changes
    {%- if is_partial_run() %}
    where {{ scope }}
    {%- endif %}
    group by 1, 2, 3

)

select * from final
