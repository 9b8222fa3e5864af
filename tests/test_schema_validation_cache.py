"""The tests' dbt commands keep dbt's passed JSON-schema checks by their input
(tests/schema_validation_cache.py): the same dict passes without a second check, a dict that
breaks the schema fails every time, and the checks a class adds around it still run."""

from __future__ import annotations

import pytest
import schema_validation_cache
from dbt.artifacts.resources.v1.config import NodeConfig, TestConfig
from dbt_common.dataclass_schema import ValidationError, dbtClassMixin


@pytest.fixture
def checks(monkeypatch) -> list[tuple[type, dict]]:
    """The schema checks that really ran, with an empty store."""
    ran: list[tuple[type, dict]] = []

    def counted(cls, data):
        ran.append((cls, data))
        return original(cls, data)

    original = schema_validation_cache.VALIDATE
    monkeypatch.setattr(schema_validation_cache, "VALIDATE", counted)
    monkeypatch.setattr(schema_validation_cache, "_PASSED", set())
    return ran


def test_the_tests_keep_the_checks():
    # conftest installs it once, for every in-process dbt command of the session
    assert dbtClassMixin.validate.__func__ is schema_validation_cache.validate_cached


def test_a_dict_that_passed_is_not_checked_again(checks):
    NodeConfig.validate({"materialized": "table", "tags": ["nightly"]})
    NodeConfig.validate({"materialized": "table", "tags": ["nightly"]})
    assert checks == [(NodeConfig, {"materialized": "table", "tags": ["nightly"]})]
    # another dict, or the same dict for another class, is checked
    NodeConfig.validate({"materialized": "view", "tags": ["nightly"]})
    NodeConfig.validate({"tags": ["nightly"]})
    TestConfig.validate({"tags": ["nightly"]})
    assert [cls for cls, _ in checks] == [NodeConfig, NodeConfig, NodeConfig, TestConfig]


def test_a_dict_that_breaks_the_schema_fails_every_time(checks):
    for _ in range(2):
        with pytest.raises(ValidationError, match="3 is not of type 'string'"):
            NodeConfig.validate({"materialized": 3})
    assert len(checks) == 2
    assert not schema_validation_cache._PASSED


def test_the_checks_a_class_adds_still_run(checks):
    # TestConfig checks the severity before the schema and the materialisation after it:
    # the schema's part of {"materialized": "table"} passes and is kept, the test's does not.
    for _ in range(2):
        with pytest.raises(ValidationError, match="materialized value of 'test'"):
            TestConfig.validate({"materialized": "table"})
        with pytest.raises(ValidationError, match="Got 'bogus'"):
            TestConfig.validate({"severity": "bogus"})
    assert checks == [(TestConfig, {"materialized": "table"})]
