"""Bad input never breaks the pipeline and never loses a row (data-contract.md, "Staging
rules").

A generated clean data set and a dirty copy of it (loyalty dirty: the clean rows plus bad rows
of every staging rule, each with a known reason) are built one after the other, each by a
`dbt build` of every model and data test with the same as_of_date. The dirty build must pass
every data test (rows_reconcile included), quarantine exactly the injected rows with exactly
their reasons, stage exactly the clean rows, and give every mart of the contract identical to
the clean build's. A second build on the dirty warehouse must change nothing.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

import duckdb
import pytest
import yaml
from conftest import PROJECT_DIR, WITHOUT_UNIT_TESTS, Dbt, warehouse_file

from attack import support
from attack.support import (
    MARTS,
    PROGRAM_QUARANTINED,
    PROGRAM_STAGED,
    Table,
    read_table,
    table_differences,
)
from loyalty_analytics.cli import main as loyalty
from loyalty_analytics.contract import CURRENCY_TABLES, OPTIONAL_COLUMNS, RAW_TABLES
from loyalty_analytics.dirty import (
    MANIFEST_NAME,
    REASONS,
    canonical_value,
    quarantine_counts,
)
from loyalty_analytics.generate import generate
from loyalty_analytics.load import load_directory
from loyalty_analytics.report import quarantine_report

END_DATE = date(2025, 6, 30)
# Pinned in both builds: a future-dated row could otherwise move the default as-of date.
DBT_VARS = "{as_of_date: '2025-06-30'}"
# Every model and data test; the unit tests read no raw data (they run in `make test`).
BUILD = ("build", "--vars", DBT_VARS, *WITHOUT_UNIT_TESTS)
# The contract's marts, the staging and quarantine models: read after each build.
# Every raw table, the loyalty program's two included: the dirty copy has bad rows in each.
STAGED = {**support.STAGED, **PROGRAM_STAGED}
QUARANTINED = {**support.QUARANTINED, **PROGRAM_QUARANTINED}
RELATIONS = (*MARTS, *STAGED.values(), *QUARANTINED.values(), "mart_data_quality")


@pytest.fixture(scope="module")
def builds(dbt_dirs, tmp_path_factory) -> dict:
    """Both warehouses built, every relation read after the build (and, for the dirty one,
    read again after a second build)."""
    root = tmp_path_factory.mktemp("dirty_vs_clean")
    generate(root / "clean", customers=150, years=2, seed=23, end_date=END_DATE)
    assert loyalty(["dirty", str(root / "clean"), "--out", str(root / "dirty"),
                    "--seed", "5"]) == 0
    manifest = json.loads((root / "dirty" / MANIFEST_NAME).read_text())
    result = {"root": root, "manifest": manifest}
    for name in ("clean", "dirty", "dirty_again"):
        # warehouse.duckdb in a folder of its own: one database name, one parse (conftest)
        if name != "dirty_again":
            warehouse = warehouse_file(root / "warehouses" / name)
            load_directory(root / name, warehouse)
        built = Dbt(dbt_dirs, warehouse).invoke(*BUILD)
        result[name] = warehouse
        result[f"{name}_results"] = [(r.node.unique_id, str(r.status))
                                     for r in built.result.results]
        with duckdb.connect(str(warehouse)) as con:
            result[f"{name}_tables"] = {
                relation: read_table(warehouse, f"analytics.{relation}", con)
                for relation in RELATIONS}
            result[f"{name}_quarantine"] = quarantine_report(warehouse, read_only=False)
            result[f"{name}_counts"] = quarantine_counts(warehouse, read_only=False)
    return result


@pytest.mark.parametrize("name", ["clean", "dirty", "dirty_again"])
def test_build_passes_every_data_test_including_rows_reconcile(builds, name):
    results = builds[f"{name}_results"]
    failed = [(node, status) for node, status in results
              if status not in {"success", "pass", "no-op"}]
    assert failed == []
    reconciled = {node: status for node, status in results if "rows_reconcile" in node}
    # one per raw table, and one for the optional exchange rates (absent here, reconciled empty)
    assert len(reconciled) == len(RAW_TABLES) + len(CURRENCY_TABLES), reconciled
    assert set(reconciled.values()) == {"pass"}


def test_the_clean_build_quarantines_nothing(builds):
    assert builds["clean_counts"] == {}
    for relation in QUARANTINED.values():
        assert builds["clean_tables"][relation].rows == ()


def test_every_reason_of_the_staging_rules_is_injected(builds):
    added = builds["manifest"]["added"]
    for table, reasons in REASONS.items():
        missing = [reason for reason in reasons if added[table].get(reason, 0) < 1]
        assert missing == [], f"{table}: no row injected for {missing}"


def test_the_injected_reasons_are_those_of_the_base_models():
    """dirty.REASONS lists every reject_reason the base models accept, no more: a new
    staging rule needs bad rows in dirty.py. The optional exchange rates are not in the
    sample dirty.py mixes into: tests/e2e/test_currencies.py gives their rules bad rows."""
    base = sorted(path for path in (PROJECT_DIR / "models/staging/raw/base").glob("base_raw__*.yml")
                  if path.stem.removeprefix("base_raw__") not in CURRENCY_TABLES)
    accepted = {}
    for model in [m for path in base for m in yaml.safe_load(path.read_text())["models"]]:
        (column,) = [c for c in model["columns"] if c["name"] == "reject_reason"]
        (test,) = [t for t in column["data_tests"] if "accepted_values" in t]
        arguments = test["accepted_values"].get("arguments", test["accepted_values"])
        accepted[model["name"].removeprefix("base_raw__")] = set(arguments["values"])
    assert accepted == {table: set(reasons) for table, reasons in REASONS.items()}


def test_quarantine_counts_per_table_and_reason_equal_the_manifest(builds):
    expected = {(table, reason): rows
                for table, reasons in builds["manifest"]["added"].items()
                for reason, rows in reasons.items()}
    assert builds["dirty_counts"] == expected


@pytest.mark.parametrize("table", list(RAW_TABLES))
def test_every_injected_row_is_quarantined_with_its_reason(builds, table):
    """Row by row: the quarantine holds the injected rows, with their original values and
    the expected reason, and nothing else."""
    names = [name for name, _ in RAW_TABLES[table]]
    # the optional columns (orders.currency) are in the quarantine, NULL in this sample
    optional = [name for name, _ in OPTIONAL_COLUMNS.get(table, [])]
    expected = Counter(
        (tuple(entry["row"][name] for name in names), entry["reason"])
        for entry in builds["manifest"]["rows"][table]
    )
    quarantined = builds["dirty_tables"][QUARANTINED[table]]
    assert quarantined.columns == (*names, *optional, "reject_reason", "quarantined_at")
    assert all(value is None for row in quarantined.rows
               for value in row[len(names):len(names) + len(optional)])
    actual = Counter(
        (tuple(canonical_value(v) for v in row[:len(names)]), row[len(names) + len(optional)])
        for row in quarantined.rows
    )
    assert actual - expected == Counter(), "quarantined but not injected (or other reason)"
    assert expected - actual == Counter(), "injected but not quarantined with this reason"


@pytest.mark.parametrize("table", list(RAW_TABLES))
def test_staging_holds_exactly_the_clean_rows(builds, table):
    """No clean row is quarantined and no bad row staged: the staging model of the dirty
    build equals the clean build's, and raw = staged + quarantined."""
    clean = builds["clean_tables"][STAGED[table]]
    dirty = builds["dirty_tables"][STAGED[table]]
    assert table_differences(clean, dirty) == []
    manifest = builds["manifest"]
    assert len(clean.rows) == manifest["clean_rows"][table]
    quarantined = len(builds["dirty_tables"][QUARANTINED[table]].rows)
    assert len(dirty.rows) + quarantined == manifest["dirty_rows"][table]


@pytest.mark.parametrize("mart", MARTS)
def test_every_mart_is_identical_on_clean_and_dirty_input(builds, mart):
    clean = builds["clean_tables"][mart]
    dirty = builds["dirty_tables"][mart]
    assert clean.rows, f"{mart} is empty: the comparison would prove nothing"
    assert table_differences(clean, dirty) == []


def test_the_quarantine_report_shows_every_table_and_reason(builds):
    lines = builds["dirty_quarantine"].splitlines()
    assert lines[0].startswith("Quarantined raw rows")
    total = sum(builds["manifest"]["added_rows"].values())
    assert lines[-1].split() == ["total", f"{total:,}"]
    for table, reasons in builds["manifest"]["added"].items():
        for reason, rows in reasons.items():
            assert any(line.split() == [table, reason, f"{rows:,}"] for line in lines), (
                table, reason)
    assert len({len(line) for line in lines[2:]}) == 1, "an aligned table: one width"
    assert "No raw row was quarantined" in builds["clean_quarantine"]


@pytest.mark.parametrize("relation", RELATIONS)
def test_a_second_build_on_the_same_warehouse_changes_nothing(builds, relation):
    """Idempotency: the dirty warehouse built twice in a row."""
    first = builds["dirty_tables"][relation]
    second = builds["dirty_again_tables"][relation]
    if "quarantined_at" in first.columns:  # the build's start time, by definition
        first, second = (_without(t, "quarantined_at") for t in (first, second))
    assert table_differences(first, second) == []


def _without(table: Table, column: str) -> Table:
    keep = [i for i, name in enumerate(table.columns) if name != column]
    return Table(table.name, tuple(table.columns[i] for i in keep),
                 tuple(table.types[i] for i in keep),
                 tuple(sorted((tuple(row[i] for i in keep) for row in table.rows),
                              key=lambda r: tuple((v is None, str(v)) for v in r))))
