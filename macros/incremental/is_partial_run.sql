{#- True when this run of an incremental model may recompute only its scope: the table exists
    (is_incremental) and was built with today's history settings (run_state.sql). Otherwise
    the model computes every row, and the replace_scope strategy replaces every row. -#}
{% macro is_partial_run() -%}
    {{ return(is_incremental() and changed_history_settings() | length == 0) }}
{%- endmacro %}
