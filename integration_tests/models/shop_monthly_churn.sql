-- A model of the host on a mart of the package: the package's models are ref'd by name.
select
    period_start,
    customers_start,
    customers_end,
    churned_customers,
    churn_rate
from {{ ref('loyalty_analytics', 'mart_retention') }}
where period_grain = 'month' and segment = 'all'
