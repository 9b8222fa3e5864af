"""The module that made a behaviour flag, found by walking up the stack to it, for the tests'
in-process dbt commands.

Each adapter that dbt makes (every command makes one) renders its behaviour flags, and each
flag asks ``BehaviorFlagRendered._default_source`` which module made it, even when the flag
names its source (``flag.get("source", self._default_source())``). That answer is the first
module up the stack that is not ``dbt_common.behavior_flags``: the frame right above
``Behavior``, ``dbt.adapters.base.impl`` for every adapter here. dbt finds it with
``inspect.stack()``, which builds the frame record of every frame on the stack first, each
with lines of its source file read, before the loop looks at the first three. Under pytest
the stack is about a hundred frames deep: 2.7 % of the pytest run's CPU under py-spy
(2026-12-07; ``getmodule`` and ``findsource`` under ``BehaviorFlagRendered.__init__``).

This walks up the same frames one at a time, asking ``inspect.getmodule`` of each as dbt
does, and stops at the same one: the same answer, without the records of the frames it
never looks at. tests/test_behavior_source.py checks it against dbt's own.
"""

from __future__ import annotations

import inspect
import sys

from dbt_common import behavior_flags

DEFAULT_SOURCE = behavior_flags.BehaviorFlagRendered._default_source


def default_source() -> str:
    """``BehaviorFlagRendered._default_source``: the name of the first module up the stack,
    from the frame that called this, that is not ``dbt_common.behavior_flags``."""
    frame = sys._getframe(1)
    while frame is not None:
        module = inspect.getmodule(frame)
        if module and module.__name__ != behavior_flags.__name__:
            return module.__name__
        frame = frame.f_back
    return "Unknown"


def install() -> None:
    """Find the behaviour flags' source this way in this process."""
    behavior_flags.BehaviorFlagRendered._default_source = staticmethod(default_source)
