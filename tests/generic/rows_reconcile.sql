{#- On a source table: every raw row is either staged or quarantined, never both, never
    neither (data-contract.md, "Staging rules"). Fails with the three counts when
    raw != staged + quarantined. `optional`: the table may not exist (then its models are
    empty and there is nothing to reconcile). -#}
{% test rows_reconcile(model, staged, quarantined, optional=false) %}

{%- if optional and execute and load_relation(model) is none %}

select 0 as raw_rows, 0 as staged_rows, 0 as quarantined_rows
where 1 = 0

{%- else %}

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

{%- endif %}

{% endtest %}
