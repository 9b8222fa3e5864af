{#- On a source table: every raw row is either staged or quarantined, never both, never
    neither (data-contract.md, "Staging rules"). Fails with the three counts when
    raw != staged + quarantined. -#}
{% test rows_reconcile(model, staged, quarantined) %}

with

counts as (

    select
        (select count(*) from {{ model }}) as raw_rows,
        (select count(*) from {{ staged }}) as staged_rows,
        (select count(*) from {{ quarantined }}) as quarantined_rows

)

select *
from counts
where raw_rows != staged_rows + quarantined_rows

{% endtest %}
