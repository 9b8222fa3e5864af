{#- The watermark of `this`: the newest `_loaded_at` it holds. Rows an upstream model wrote
    after it are new to this model; a run that failed or wrote nothing leaves the watermark
    where it was, so the next run sees those rows again. -#}
{% macro last_loaded_at() -%}
    {{ timestamp_literal(scalar_of_this('max(_loaded_at)')) }}
{%- endmacro %}
