"""The project's own dbt-score rules (``make check-project``, pyproject.toml [tool.dbt-score]).

dbt-score's generic rules check that models, their YAML columns and seeds are described; these
add the habits of dbt Labs' dbt-project-evaluator that it lacks: every column the warehouse
has is described (from catalog.json, not only the YAML's columns), every model has a data
test and a tested key, sources are read only in staging, model names carry their layer's
prefix, and every source and source column is described.

Parameters (exemptions with their reason) are set in pyproject.toml under
[tool.dbt-score.rules."loyalty_analytics.dbt_score_rules.<rule>"].
"""

# No `from __future__ import annotations`: dbt-score reads each rule's annotation as a class.

import json
from functools import cache
from pathlib import Path

from dbt_score import Model, RuleViolation, Severity, Source, rule

# Model name prefixes by layer (style: dbt Labs' "How we structure our dbt projects").
LAYER_PREFIXES = ("base_", "stg_", "int_", "fct_", "dim_", "mart_", "quarantine_")
# The prefixes of staging models, which alone live in, and alone may read sources from,
# models/staging/.
STAGING_PREFIXES = ("base_", "stg_")
STAGING_DIR = "models/staging/"
# Tests that prove a column is never NULL, besides a not_null constraint of an enforced contract.
NOT_NULL = "not_null"
UNIQUE = "unique"
# The project's key test (tests/generic/primary_key.sql): unique and never NULL, on the key
# column or, with column_names, on the model for a composite key.
PRIMARY_KEY = "primary_key"


def _is_staging_path(path: str) -> bool:
    return path.replace("\\", "/").startswith(STAGING_DIR)


def _is_contract_enforced(model: Model) -> bool:
    return bool((model.config.get("contract") or {}).get("enforced"))


def _never_null(model: Model, column_name: str) -> bool:
    column = model.get_column(column_name)
    if column is None:
        return False
    if any(test.type == NOT_NULL for test in column.tests):
        return True
    # An enforced contract creates the table with the constraint: the database refuses NULLs.
    return _is_contract_enforced(model) and any(c.type == NOT_NULL for c in column.constraints)


@rule(severity=Severity.HIGH)
def model_has_data_test(model: Model) -> RuleViolation | None:
    """A model has at least one data test, on the model or on a column."""
    if model.tests or any(column.tests for column in model.columns):
        return None
    return RuleViolation("Model has no data test.")


@rule(severity=Severity.HIGH)
def model_key_is_tested(model: Model, keyless: dict | None = None) -> RuleViolation | None:
    """A model's key is tested: primary_key on the key column, or on the model with
    column_names for a composite key; or unique on a column that is never NULL (not_null, or
    the constraint of an enforced contract). Models in `keyless` have none."""
    if model.name in (keyless or {}):
        return None
    if any(test.type == PRIMARY_KEY for test in model.tests):
        return None
    if any(t.type == PRIMARY_KEY for c in model.columns for t in c.tests):
        return None
    unique = [c.name for c in model.columns if any(t.type == UNIQUE for t in c.tests)]
    if not unique:
        return RuleViolation(
            "No key test: add primary_key to the key column, or to the model with "
            "column_names: [...] for a composite key (or list it in `keyless` with why)."
        )
    if any(_never_null(model, name) for name in unique):
        return None
    return RuleViolation(f"Key {', '.join(unique)} is tested unique but not not_null.")


@rule(severity=Severity.HIGH)
def model_named_by_layer(model: Model) -> RuleViolation | None:
    """A model's name starts with its layer's prefix; base_ and stg_ models live in
    models/staging/ and only they do."""
    if not model.name.startswith(LAYER_PREFIXES) and model.name not in _DBT_REQUIRED_NAMES:
        return RuleViolation(f"Name lacks a layer prefix ({', '.join(LAYER_PREFIXES)}).")
    in_staging = _is_staging_path(model.original_file_path)
    if model.name.startswith(STAGING_PREFIXES) and not in_staging:
        return RuleViolation(f"A staging model outside {STAGING_DIR}.")
    if in_staging and not model.name.startswith(STAGING_PREFIXES):
        return RuleViolation(f"A model in {STAGING_DIR} that is not base_ or stg_.")
    return None


# Names that dbt or MetricFlow require as they are.
_DBT_REQUIRED_NAMES = frozenset({"metricflow_time_spine"})


@rule(severity=Severity.HIGH)
def model_reads_sources_only_in_staging(model: Model) -> RuleViolation | None:
    """Only staging models (models/staging/) select from a source; the others ref() them."""
    sources = [node for node in model.depends_on.get("nodes", []) if node.startswith("source.")]
    if sources and not _is_staging_path(model.original_file_path):
        names = ", ".join(s.split(".", 2)[-1] for s in sources)
        return RuleViolation(f"Reads source {names} directly: ref() its staging model instead.")
    return None


@rule(severity=Severity.HIGH)
def model_columns_in_warehouse_are_described(
    model: Model, catalog: str = "target/catalog.json", pending: dict | None = None
) -> RuleViolation | None:
    """Every column the built relation has (catalog.json) is in the YAML with a description."""
    if model.name in (pending or {}):
        return None
    relation = _catalog(catalog).get(model.unique_id)
    if relation is None:
        return RuleViolation(f"Not in {catalog}: build the model and run dbt docs generate.")
    described = {c.name.lower() for c in model.columns if (c.description or "").strip()}
    missing = [name for name in relation if name.lower() not in described]
    if missing:
        return RuleViolation(f"Columns without a description: {', '.join(missing)}.")
    return None


@rule(severity=Severity.HIGH)
def source_is_described(source: Source) -> RuleViolation | None:
    """A source and its table have a description, and so has every column of the table."""
    if not (source.source_description or "").strip():
        return RuleViolation(f"Source {source.source_name} lacks a description.")
    if not (source.description or "").strip():
        return RuleViolation("Source table lacks a description.")
    missing = [c.name for c in source.columns if not (c.description or "").strip()]
    if missing:
        return RuleViolation(f"Columns without a description: {', '.join(missing)}.")
    if not source.columns:
        return RuleViolation("Source table lists no column.")
    return None


@cache
def _catalog(path: str) -> dict[str, list[str]]:
    """Column names of every model in catalog.json, by unique_id ({} when the file is missing)."""
    file = Path(path)
    if not file.is_file():
        return {}
    nodes = json.loads(file.read_text())["nodes"]
    return {uid: list(node["columns"]) for uid, node in nodes.items()}
