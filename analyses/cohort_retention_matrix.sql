{#- The cohort retention matrix: first-order cohorts as rows, months since the first order as
    columns (0 to 12), the share of the cohort buying in that month as values. -#}
with

cohorts as (

    select
        cohort_month,
        months_since_first_order,
        cohort_size,
        retention_share
    from {{ ref('mart_cohorts') }}
    where months_since_first_order <= 12

),

final as (

    select
        cohort_month,
        max(cohort_size) as cohort_size,
        max(case when months_since_first_order = 0 then retention_share end) as month_0,
        max(case when months_since_first_order = 1 then retention_share end) as month_1,
        max(case when months_since_first_order = 2 then retention_share end) as month_2,
        max(case when months_since_first_order = 3 then retention_share end) as month_3,
        max(case when months_since_first_order = 4 then retention_share end) as month_4,
        max(case when months_since_first_order = 5 then retention_share end) as month_5,
        max(case when months_since_first_order = 6 then retention_share end) as month_6,
        max(case when months_since_first_order = 7 then retention_share end) as month_7,
        max(case when months_since_first_order = 8 then retention_share end) as month_8,
        max(case when months_since_first_order = 9 then retention_share end) as month_9,
        max(case when months_since_first_order = 10 then retention_share end) as month_10,
        max(case when months_since_first_order = 11 then retention_share end) as month_11,
        max(case when months_since_first_order = 12 then retention_share end) as month_12
    from cohorts
    group by 1

)

select * from final
order by 1
