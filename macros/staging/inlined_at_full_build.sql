{#- The keyword between `source as` and its query in a base model: `not materialized` when
    the model is built from all the raw rows (not is_incremental()) on DuckDB, nothing
    otherwise.

    versioned_rows reads the typed rows three times (the keys seen twice, the rows seen once,
    the rows seen twice). DuckDB inlines `typed`, a projection, into the three and then
    materializes `source`, the raw table's columns, once for all three: at a full build, a
    copy of every raw row, spilled past the memory limit. Left to be inlined, each of the
    three scans the raw table, which costs less than the copy. At 10m orders, each query
    alone into a table (create table as, checkpoint): base_raw__engagement_events (33M rows)
    17.4-17.6 -> 14.1-14.5 s and 1.4 -> 0.4 GB on disk, orders 5.3 -> 4.8 s, loyalty_points
    4.7 -> 4.3 s, order_items 11.7-13.4 -> 11.4-13.0 s (no change); `dbt run --threads 1`
    125.4 -> 117.8 s. With two threads the full run varies more than that (BENCHMARKS.md).
    An incremental run keeps `source` materialized: there it is the raw rows of the changed
    keys, whose search (changed_raw_keys) would otherwise run three times.
    Other engines: their own defaults (Spark has no such keyword). -#}
{% macro inlined_at_full_build() -%}
    {{ return(adapter.dispatch('inlined_at_full_build', 'loyalty_analytics')()) }}
{%- endmacro %}

{% macro default__inlined_at_full_build() -%}
{%- endmacro %}

{% macro duckdb__inlined_at_full_build() -%}
    {%- if not is_incremental() %}not materialized{% endif -%}
{%- endmacro %}
