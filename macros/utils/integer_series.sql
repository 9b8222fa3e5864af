{#- The integers 0 .. 2^bits - 1 as a one-column relation `n`, from cross joins of bits
    (dbt_utils' generate_series is not available: the package hub is unreachable). Portable:
    no recursive CTE, no engine-specific series function. -#}
{% macro integer_series(bits=12) -%}
    select
        {% for i in range(bits) -%}
        bit_{{ i }}.b * {{ 2 ** i }}{{ " +" if not loop.last }}
        {% endfor -%}
        as n
    from
        {% for i in range(bits) -%}
        (select 0 as b union all select 1 as b) as bit_{{ i }}{{ "\n        cross join" if not loop.last }}
        {% endfor %}
{%- endmacro %}
