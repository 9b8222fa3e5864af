{#- The fitted BTYD models: one row per model and parameter, with the fit's diagnostics
    (docs/predictive_clv.md). BG/NBD alpha is per week. -#}
with

parameters as (

    select
        model_name,
        parameter_name,
        parameter_value,
        log_likelihood,
        customers,
        repeat_customers,
        fitted_customers,
        fitted_rows,
        iterations,
        is_converged,
        message,
        observation_date,
        frequency_monetary_correlation
    from {{ ref('int_btyd_parameters_fitted') }}

),

final as (

    select
        cast(model_name as varchar) as model_name,
        cast(parameter_name as varchar) as parameter_name,
        cast(parameter_value as double) as parameter_value,
        cast(log_likelihood as double) as log_likelihood,
        cast(customers as bigint) as customers,
        cast(repeat_customers as bigint) as repeat_customers,
        cast(fitted_customers as bigint) as fitted_customers,
        cast(fitted_rows as bigint) as fitted_rows,
        cast(iterations as bigint) as iterations,
        cast(is_converged as boolean) as is_converged,
        cast(message as varchar) as message,
        cast(observation_date as date) as observation_date,
        cast(frequency_monetary_correlation as double) as frequency_monetary_correlation
    from parameters

)

select * from final
