-- A lower bound for `make bench`, not a baseline: the least work the data contract's staging
-- rules ask of any full build. Every raw row must be staged or quarantined, and a key that
-- arrives twice must be found (docs/data-contract.md, "Staging rules"), so a full
-- build groups every row of the five raw tables by its key at least once. This query does
-- only that, in DuckDB, and writes nothing: no typing, no other rule, no mart. A build of the
-- project cannot take less time than this on the same machine and engine.
--
-- One row per raw table: its rows and the keys that occur more than once.

with

orders as (
    select order_id
    from raw.orders
    group by 1
    having count(*) > 1
),

order_items as (
    select
        order_id,
        line_number
    from raw.order_items
    group by 1, 2
    having count(*) > 1
),

customers as (
    select customer_id
    from raw.customers
    group by 1
    having count(*) > 1
),

survey_responses as (
    select response_id
    from raw.survey_responses
    group by 1
    having count(*) > 1
),

engagement_events as (
    select event_id
    from raw.engagement_events
    group by 1
    having count(*) > 1
)

select 'orders' as raw_table, (select count(*) from raw.orders) as raw_rows, (select count(*) from orders) as repeated_keys
union all
select 'order_items', (select count(*) from raw.order_items), (select count(*) from order_items)
union all
select 'customers', (select count(*) from raw.customers), (select count(*) from customers)
union all
select 'survey_responses', (select count(*) from raw.survey_responses), (select count(*) from survey_responses)
union all
select 'engagement_events', (select count(*) from raw.engagement_events), (select count(*) from engagement_events)
