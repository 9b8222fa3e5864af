{#- Monthly churn of each segment beside the churn norms the first source article quotes.
    The article names no period for its figures: read a monthly rate against them with care. -#}
with

retention as (

    select
        period_start,
        segment,
        churn_rate,
        is_period_complete
    from {{ ref('mart_retention') }}
    where period_grain = 'month'

),

benchmarks as (

    select
        dimension_value,
        rate_low,
        rate_high
    from {{ ref('loyalty_benchmarks') }}
    where metric_column = 'churn_rate' and dimension = 'company_size'

),

final as (

    select
        retention.period_start,
        retention.segment,
        retention.churn_rate,
        retention.is_period_complete,
        benchmarks.dimension_value as benchmark,
        benchmarks.rate_low as benchmark_low,
        benchmarks.rate_high as benchmark_high,
        retention.churn_rate > benchmarks.rate_high as is_above_benchmark
    from retention
    cross join benchmarks

)

select * from final
order by 1, 2, 5
