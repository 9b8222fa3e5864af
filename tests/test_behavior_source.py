"""The tests' dbt commands find a behaviour flag's source module by walking up the stack
(tests/behavior_source.py): the same module dbt's ``inspect.stack()`` search finds."""

from __future__ import annotations

import behavior_source
from dbt_common.behavior_flags import Behavior, BehaviorFlagRendered

FLAG = {"name": "some_flag", "default": False, "description": "a flag of this test"}


def rendered_source(make_behavior) -> str:
    """The source a flag rendered by ``make_behavior()`` was given."""
    behavior = make_behavior()
    return behavior.some_flag._behavior_change_event.flag_source


def test_the_tests_walk_up_the_stack():
    # conftest installs it once, for every in-process dbt command of the session
    assert BehaviorFlagRendered._default_source is behavior_source.default_source


def test_the_source_is_the_module_that_made_the_flags(monkeypatch):
    def make():
        return Behavior([FLAG], {})

    walked = rendered_source(make)
    monkeypatch.setattr(BehaviorFlagRendered, "_default_source",
                        staticmethod(behavior_source.DEFAULT_SOURCE))
    assert rendered_source(make) == walked == __name__


def test_frames_without_a_module_are_passed_over_as_dbt_does(monkeypatch):
    # Code run by exec() has no module file: both go on up to this module.
    def make():
        scope = {"Behavior": Behavior, "FLAG": FLAG}
        exec("made = Behavior([FLAG], {})", scope)  # noqa: S102 - the frame without a module
        return scope["made"]

    walked = rendered_source(make)
    monkeypatch.setattr(BehaviorFlagRendered, "_default_source",
                        staticmethod(behavior_source.DEFAULT_SOURCE))
    assert rendered_source(make) == walked == __name__


def test_an_adapters_flags_come_from_the_base_adapter(dbt):
    # A dbt command of the tests: its DuckDB adapter's flags, made in dbt.adapters.base.impl.
    dbt.invoke("show", "--inline", "select 1 as one", "--quiet")
    from dbt.adapters.factory import get_adapter_by_type

    flags = get_adapter_by_type("duckdb").behavior._flags
    assert flags, "the adapter has behaviour flags"
    assert {flag._behavior_change_event.flag_source for flag in flags} == {
        "dbt.adapters.base.impl"}
