{#- Average customer lifespan in years = 1 / annual churn rate; NULL when the churn rate is 0
    or NULL (no one left: the lifespan is unbounded, not infinite money). -#}
{% macro avg_lifespan_years(annual_churn_rate) -%}
    (case when ({{ annual_churn_rate }}) > 0 then 1.0 / ({{ annual_churn_rate }}) end)
{%- endmacro %}
