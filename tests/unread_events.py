"""dbt's events that nothing would read are not turned into log messages, for the tests'
in-process dbt commands.

dbt fires an event for nearly everything it does: a small build of the project fires about
6,700, most of them at debug level (each SQL statement, each node's start and timing). For
each one ``EventManager.fire_event`` builds the log message (a protobuf message filled
through ``json_format.ParseDict``, the event's text formatted) and hands it to the callbacks
and the loggers; each logger formats its line, and only then does Python's logging drop what
is below the logger's level. The tests' commands have one logger, stdout at info (error with
``--quiet``; no log file: conftest sets DBT_LOG_LEVEL_FILE=none), and one callback, dbt's
tracking of behaviour-change warnings, which reads nothing else. Building the messages alone
took about 1.0 of a small build's 11.5 CPU-s.

So an event below every logger's level, with no callback but that one and no warning
handling to do, is dropped before its message is built: no logger would have written it and
no callback would have read it. Anything else goes the usual way: a warning or an error (dbt
may turn it into an error, ``--warn-error``), the events dbt prints whatever the level
(``dbt show``'s table, ``print()`` in a macro: its loggers write them as errors), a logger at
a lower level (``--log-level debug``, ``DBT_LOG_LEVEL_FILE=debug``), another callback
(``dbtRunner(callbacks=...)``).

tests/test_unread_events.py checks it.
"""

from __future__ import annotations

from typing import Any

from dbt.tracking import track_behavior_change_warn
from dbt_common.events.base_types import BaseEvent, EventLevel
from dbt_common.events.event_manager import EventManager
from dbt_common.events.logger import PRINT_EVENT_NAMES
from dbt_common.events.logger import _log_level_map as RANK  # the loggers' order of levels

FIRE_EVENT = EventManager.fire_event
# Callbacks known to read only behaviour-change warnings (a warning is never dropped).
READ_ONLY_WARNINGS = (track_behavior_change_warn,)


def unread(manager: EventManager, event: BaseEvent, level: EventLevel | None,
           force_warn_or_error_handling: bool) -> bool:
    """Whether no logger would write ``event`` and no callback would read it."""
    if force_warn_or_error_handling or manager.require_warn_or_error_handling:
        return False
    if type(event).__name__ in PRINT_EVENT_NAMES:  # written at any level
        return False
    rank = RANK[level or event.level_tag()]
    if rank >= RANK[EventLevel.WARN]:
        return False
    if any(callback not in READ_ONLY_WARNINGS for callback in manager.callbacks):
        return False
    return all(rank < RANK[logger.level] for logger in manager.loggers)


def fire_event(self: EventManager, e: BaseEvent, level: EventLevel | None = None,
               node: Any = None, force_warn_or_error_handling: bool = False) -> None:
    """``EventManager.fire_event``, but an unread event is dropped before its message is
    built."""
    if unread(self, e, level, force_warn_or_error_handling):
        return
    FIRE_EVENT(self, e, level=level, node=node,
               force_warn_or_error_handling=force_warn_or_error_handling)


def install() -> None:
    """Drop the unread events in this process."""
    EventManager.fire_event = fire_event
