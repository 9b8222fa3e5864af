"""The tests' dbt commands keep Jinja's compiled code by template text (tests/template_cache.py):
a template made from kept code must render as one compiled anew."""

from __future__ import annotations

import template_cache
from dbt_common.clients.jinja import MacroFuzzEnvironment, get_template, render_template
from jinja2 import pass_context


def render(text: str, native: bool = False, **context):
    return render_template(get_template(text, context, native=native), context)


def test_the_tests_keep_the_compiled_code():
    # conftest installs it once, for every in-process dbt command of the session
    assert MacroFuzzEnvironment.compile is template_cache.compile_cached


def test_a_text_compiled_again_renders_with_the_context_of_the_moment():
    text = "{% set twice = n * 2 %}{{ name }}: {{ twice }}  # test_template_cache"
    kept = len(template_cache._CODE)
    assert render(text, name="a", n=1) == "a: 2  # test_template_cache"
    assert len(template_cache._CODE) == kept + 1
    # the second render found the code under its key (a key not kept would add an entry)
    assert render(text, name="b", n=21) == "b: 42  # test_template_cache"
    assert len(template_cache._CODE) == kept + 1


def test_text_and_native_environments_keep_code_of_their_own():
    # the native environment generates other code for the same source: it yields values, and
    # text code would turn the value as_native marks into a plain string
    text = "{{ (6 * 7) | as_native }}"
    assert render(text) == "42"
    assert render(text, native=True) == 42
    assert render(text) == "42"
    assert render(text, native=True) == 42


def test_a_filter_passed_another_argument_gets_code_of_its_own():
    # the code calls a filter with the context first when it asks for it (pass_context)
    plain, with_context = MacroFuzzEnvironment(), MacroFuzzEnvironment()
    plain.filters["shout"] = lambda value: f"{value}!"
    with_context.filters["shout"] = pass_context(
        lambda context, value: f"{value}, {context['who']}!")
    text = "{{ 'hello' | shout }} (shout)"
    assert plain.from_string(text).render({}) == "hello! (shout)"
    assert with_context.from_string(text).render({"who": "you"}) == "hello, you! (shout)"


def test_a_different_text_is_compiled_anew():
    assert render("{{ x }}-{{ y }}", x=1, y=2) == "1-2"
    assert render("{{ y }}-{{ x }}", x=1, y=2) == "2-1"
