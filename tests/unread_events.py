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

An event's message is also built late: dbt builds it when the event is made
(``BaseEvent.__init__`` fills the protobuf message through ``ParseDict`` straight away),
before ``fire_event`` can drop it. Here the event keeps its arguments and builds the message
the first time anything reads it (its fields, ``pb_msg``, ``to_dict``): an event that is
dropped never builds it. That was about a seventh of the CPU of a ``dbt test`` on the demo
data. One difference, in the tests only: dbt raises at once on an event whose fields do not
fit its message, under pytest; a dropped event now never finds out. The events are dbt's own
and the project's ``log()`` lines, text only.

tests/test_unread_events.py checks both.
"""

from __future__ import annotations

from typing import Any

from dbt.tracking import track_behavior_change_warn
from dbt_common.events.base_types import BaseEvent, EventLevel
from dbt_common.events.event_manager import EventManager
from dbt_common.events.logger import PRINT_EVENT_NAMES
from dbt_common.events.logger import _log_level_map as RANK  # the loggers' order of levels

FIRE_EVENT = EventManager.fire_event
BUILD_MESSAGE = BaseEvent.__init__  # fills pb_msg from the event's arguments
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


def keep_arguments(self: BaseEvent, *args: Any, **kwargs: Any) -> None:
    """``BaseEvent.__init__``, but the message is built when it is first read."""
    self.__dict__["_arguments"] = (args, kwargs)


def message(self: BaseEvent):
    """The event's protobuf message, built from its arguments on the first read."""
    if "_message" not in self.__dict__:
        # kept until built: an event whose fields do not fit raises again on the next read
        args, kwargs = self.__dict__["_arguments"]
        BUILD_MESSAGE(self, *args, **kwargs)  # sets pb_msg, that is set_message
        self.__dict__.pop("_arguments", None)
    return self.__dict__["_message"]


def set_message(self: BaseEvent, value) -> None:
    self.__dict__["_message"] = value


def install() -> None:
    """Drop the unread events in this process, and build an event's message only when read.
    (``BaseEvent`` routes every attribute but ``pb_msg`` to the message; ``pb_msg`` becomes a
    property that builds it.)"""
    EventManager.fire_event = fire_event
    BaseEvent.__init__ = keep_arguments
    BaseEvent.pb_msg = property(message, set_message)
