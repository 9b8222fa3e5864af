"""The tests' dbt commands build dbt's event messages with their constructor
(tests/fast_events.py): it must give the very messages protobuf's ParseDict gives."""

from __future__ import annotations

import copy
import json
from collections import Counter

import dbt_common.events.base_types as base_types
import fast_events
from e2e import dataset


def test_the_tests_build_events_with_the_constructor():
    # conftest installs it once, for every in-process dbt command of the session
    assert base_types.ParseDict is fast_events.parse_dict


def test_constructor_and_parse_dict_give_the_same_events(dbt, monkeypatch):
    """Every event of a small build, both ways: the same bytes, or the constructor declines
    and ParseDict is used. A build fires node, query, test result and run events."""
    calls: list[tuple[dict, type]] = []

    def recording(js, message, *args, **kwargs):
        calls.append((copy.deepcopy(js), type(message)))
        return fast_events.parse_dict(js, message, *args, **kwargs)

    monkeypatch.setattr(base_types, "ParseDict", recording)
    dataset.load_raw(dbt.warehouse)
    dbt.invoke("build", "--select", "+stg_orders", "--indirect-selection", "cautious",
               "--vars", json.dumps({"as_of_date": dataset.AS_OF_DATE}))

    compared, declined, names = 0, Counter(), Counter()
    for js, message_type in calls:
        expected = fast_events.PARSE_DICT(js, message_type())
        try:
            built = fast_events.construct(js, message_type())
        except Exception:
            declined[message_type.__name__] += 1
            continue
        assert built.SerializeToString(deterministic=True) == expected.SerializeToString(
            deterministic=True), (message_type.__name__, js)
        compared += 1
        names[js["info"]["name"] if "info" in js else message_type.__name__] += 1

    # the envelope of every event, and the events' own fields
    assert {"NodeStart", "SQLQuery", "SQLQueryStatus", "LogTestResult"} <= set(names)
    assert {"NodeStart", "SQLQuery", "SQLQueryStatus", "LogTestResult"} <= {
        message_type.__name__ for _, message_type in calls}
    # the constructor builds nearly all of them: what it declines is a small part
    assert compared > 500
    assert sum(declined.values()) < compared / 10, declined
