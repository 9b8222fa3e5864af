"""dbt's JSON-schema checks of configs and YAML entries kept by their input, for the tests'
in-process dbt commands.

dbt checks each config it builds and each YAML entry it reads against the JSON schema of
its class (``dbtClassMixin.validate``: a new ``jsonschema.Draft7Validator`` walks the whole
schema each time). A parse of the project does it about 1,500 times, a build a few hundred,
and the tests parse about thirty times and build about fifty: nearly always the same dicts.
The answer depends on nothing but the class's schema and the dict, so this keeps a pass by
the class and the dict's ``repr``, and checks anything else anew. A dict that fails is
never kept: it fails again, with the same error. The checks classes add around it (the
severity of a test, a seed's settings) still run every time: they call this one through
``super()``.

tests/test_schema_validation_cache.py checks it.
"""

from __future__ import annotations

from typing import Any

from dbt_common.dataclass_schema import dbtClassMixin

VALIDATE = dbtClassMixin.validate.__func__
_PASSED: set[tuple[type, str]] = set()
_KEPT_AT_MOST = 200_000


def validate_cached(cls: type, data: Any) -> None:
    """``dbtClassMixin.validate``, with the dicts that passed for ``cls`` kept."""
    key = (cls, repr(data))
    if key in _PASSED:
        return
    VALIDATE(cls, data)  # raises when ``data`` does not fit the schema
    if len(_PASSED) >= _KEPT_AT_MOST:
        _PASSED.clear()
    _PASSED.add(key)


def install() -> None:
    """Keep the passed schema checks in this process."""
    dbtClassMixin.validate = classmethod(validate_cached)
