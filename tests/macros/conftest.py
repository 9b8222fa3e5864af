"""Fixtures for the macro tests.

``dbt.show`` only runs SELECTs, so all macro tests share one DuckDB path: the dbt profile then
stays the same from test to test and dbt can parse the project partially (a new path per test
changes the profile and costs a full parse on every call).
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def macro_warehouse(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("macro_warehouse") / "warehouse.duckdb"


@pytest.fixture
def warehouse(macro_warehouse) -> Path:
    """Overrides tests/conftest.py's per-test file for the tests in this folder only."""
    return macro_warehouse
