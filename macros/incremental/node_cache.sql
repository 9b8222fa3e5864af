{#- A dict that lives as long as the node's context: the model's compilation, then its
    materialization, each get their own. The scope macros read the same run state and
    watermark of `this` many times per node (is_partial_run, last_loaded_at); they keep the
    first answer here instead of asking the warehouse again. Only facts that hold for the
    whole context belong here: `this` as it was before the model's statements ran. -#}
{% macro node_cache() -%}
    {%- if model is not mapping -%}
        {{ return({}) }}
    {%- endif -%}
    {%- if '_loyalty_node_cache' not in model -%}
        {%- do model.update({'_loyalty_node_cache': {}}) -%}
    {%- endif -%}
    {{ return(model['_loyalty_node_cache']) }}
{%- endmacro %}
