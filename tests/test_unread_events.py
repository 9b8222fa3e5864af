"""The tests' dbt commands drop the events nothing would read before building their log
message (tests/unread_events.py): an event below every logger's level goes nowhere; what a
logger writes, what dbt prints at any level, warnings and what a callback asks for still
arrive. An event builds its message only when something reads it, and then reads as dbt's
own."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
import unread_events
from dbt.adapters.events.types import SQLQuery
from dbt.tracking import track_behavior_change_warn
from dbt_common.events.base_types import BaseEvent, EventLevel
from dbt_common.events.event_manager import EventManager
from dbt_common.events.logger import LoggerConfig
from dbt_common.events.types import Note, PrintEvent


def recorded(monkeypatch, name: str, text: Callable[..., str]) -> list[str]:
    """``text(*args, **kwargs)`` of each call of ``unread_events.<name>`` from now on."""
    seen: list[str] = []
    original = getattr(unread_events, name)

    def recording(*args, **kwargs):
        seen.append(text(*args, **kwargs))
        return original(*args, **kwargs)

    monkeypatch.setattr(unread_events, name, recording)
    return seen


@pytest.fixture
def built(monkeypatch) -> list[str]:
    """The text of each event whose message dbt went on to build and hand on."""
    return recorded(monkeypatch, "FIRE_EVENT", lambda manager, event, **_: event.msg)


def manager(level: EventLevel, out: io.StringIO) -> EventManager:
    """An event manager as a test's dbt command sets it up: one logger, dbt's callback."""
    events = EventManager()
    events.add_logger(LoggerConfig(name=f"unread_events_{level.value}", level=level,
                                   output_stream=out))
    events.add_callback(track_behavior_change_warn)
    return events


def test_the_tests_drop_unread_events():
    # conftest installs it once, for every in-process dbt command of the session
    assert EventManager.fire_event is unread_events.fire_event
    assert BaseEvent.__init__ is unread_events.keep_arguments


def test_an_event_below_every_loggers_level_is_not_built(built):
    out = io.StringIO()
    events = manager(EventLevel.INFO, out)
    events.fire_event(Note(msg="a debug line"), level=EventLevel.DEBUG)
    events.fire_event(Note(msg="an info line"), level=EventLevel.INFO)
    assert built == ["an info line"]
    assert "an info line" in out.getvalue() and "a debug line" not in out.getvalue()


def test_what_dbt_prints_and_warnings_go_on_under_quiet(built):
    out = io.StringIO()
    events = manager(EventLevel.ERROR, out)  # --quiet
    events.fire_event(PrintEvent(msg="printed"))  # info level, written as an error
    events.fire_event(Note(msg="a warning"), level=EventLevel.WARN)  # --warn-error may raise
    events.fire_event(Note(msg="an info line"), level=EventLevel.INFO)
    assert built == ["printed", "a warning"]
    assert "printed" in out.getvalue()


def test_a_debug_logger_or_another_callback_gets_every_event(built):
    out = io.StringIO()
    events = manager(EventLevel.DEBUG, out)  # --log-level debug
    events.fire_event(Note(msg="a debug line"), level=EventLevel.DEBUG)
    assert "a debug line" in out.getvalue()
    read: list[str] = []
    events = manager(EventLevel.INFO, io.StringIO())
    events.add_callback(lambda message: read.append(message.info.msg))  # dbtRunner(callbacks=)
    events.fire_event(Note(msg="another debug line"), level=EventLevel.DEBUG)
    assert read == ["another debug line"]
    assert built == ["a debug line", "another debug line"]


def test_a_dropped_event_never_builds_its_message(monkeypatch):
    made = recorded(monkeypatch, "BUILD_MESSAGE", lambda event, **fields: fields["msg"])
    events = manager(EventLevel.INFO, io.StringIO())
    events.fire_event(Note(msg="a debug line"), level=EventLevel.DEBUG)
    events.fire_event(Note(msg="an info line"), level=EventLevel.INFO)
    assert made == ["an info line"]


def test_an_event_reads_as_the_one_dbt_builds():
    late = SQLQuery(conn_name="master", sql="select 1", node_info={})
    built = SQLQuery.__new__(SQLQuery)
    unread_events.BUILD_MESSAGE(built, conn_name="master", sql="select 1", node_info={})
    assert late.sql == "select 1" and late.message() == built.message() == "On master: select 1"
    assert late.to_dict() == built.to_dict()
    late.sql = "select 2"  # dbt sets fields on the message
    assert late.pb_msg.sql == "select 2"
    # under pytest dbt raises on fields its message does not have: on the first read now
    wrong = Note(msg="text", no_such_field=1)
    for _ in range(2):  # and on every read after
        with pytest.raises(Exception, match="Unable to parse logging event dictionary"):
            str(wrong.msg)
