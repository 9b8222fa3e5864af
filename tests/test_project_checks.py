"""loyalty check-project: dbt-score with the project's rules holds on the project, and each
rule of loyalty_analytics.dbt_score_rules fails on a node that breaks it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from dbt_score import Model, RuleViolation, Source
from dbt_score.models import Column, Constraint
from dbt_score.models import Test as DataTest

from loyalty_analytics import dbt_score_rules as rules
from loyalty_analytics.project_checks import check_project, lint

PROJECT_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def checked(dbt_dirs, tmp_path_factory):
    target = tmp_path_factory.mktemp("check-project")
    return target, check_project(PROJECT_DIR, target_dir=target, profiles_dir=dbt_dirs["profiles"])


def test_the_project_breaks_no_rule(checked):
    _, result = checked
    broken = "\n".join(str(finding) for finding in result.findings)
    assert not result.findings, f"{len(result.findings)} broken rules:\n{broken}"
    assert result.passed and result.project_score == 10.0
    assert result.fail_project_under == result.fail_any_item_under == 10.0
    # Every model, source table, seed and macro was scored: 40 models at least.
    assert result.items > 40


def test_a_column_without_description_is_named(checked, tmp_path):
    target, _ = checked
    for name in ("manifest.json", "catalog.json"):
        shutil.copy(target / name, tmp_path / name)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    node = manifest["nodes"]["model.loyalty_analytics.mart_retention"]
    node["columns"]["churn_rate"]["description"] = ""
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))

    result = lint(tmp_path, PROJECT_DIR / "pyproject.toml")

    assert not result.passed
    assert [(f.node, f.rule.rsplit(".", 1)[-1]) for f in result.findings] == [
        ("model.mart_retention", "columns_have_description"),
        ("model.mart_retention", "model_columns_in_warehouse_are_described"),
    ]
    assert "churn_rate" in result.findings[1].message



def test_an_ephemeral_model_is_checked_against_its_query(checked, tmp_path):
    # int_clv_churn_counted is ephemeral: no relation, so dbt docs generate leaves it out of
    # the catalog; check-project adds the columns its compiled query returns.
    target, _ = checked
    catalog = json.loads((target / "catalog.json").read_text())
    unique_id = "model.loyalty_analytics.int_clv_churn_counted"
    assert list(catalog["nodes"][unique_id]["columns"]) == [
        "period_grain", "period_start", "segment", "customers_year_before",
        "churned_customers_year"]

    # A column the query returns but the YAML does not list is named.
    for name in ("manifest.json", "catalog.json"):
        shutil.copy(target / name, tmp_path / name)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    del manifest["nodes"][unique_id]["columns"]["churned_customers_year"]
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))

    result = lint(tmp_path, PROJECT_DIR / "pyproject.toml")

    assert [(f.node, f.rule.rsplit(".", 1)[-1]) for f in result.findings] == [
        ("model.int_clv_churn_counted", "model_columns_in_warehouse_are_described")]
    assert "churned_customers_year" in result.findings[0].message

# --- each rule on hand-made nodes --------------------------------------------------------------


def model(name="dim_things", path="models/marts/dim_things.sql", columns=(), tests=(),
          contract=False, sources=()) -> Model:
    return Model(
        unique_id=f"model.p.{name}", name=name, relation_name=None, description="A model.",
        original_file_path=path, config={"contract": {"enforced": contract}}, meta={},
        columns=list(columns), package_name="p", database="db", schema="s", raw_code="",
        language="sql", access="protected", group=None, tests=list(tests),
        depends_on={"nodes": [f"source.p.{s}" for s in sources]},
    )


def column(name, *tests, description="A column.", constraints=()) -> Column:
    return Column(name=name, description=description,
                  constraints=[Constraint(type=c) for c in constraints],
                  tests=[DataTest(name=f"{t}_{name}", type=t) for t in tests])


COMPOSITE = DataTest(name="key", type="primary_key", kwargs={"column_names": ["a", "b"]})


def evaluate(rule_class, node, **config):
    return rule_class().evaluate(node, **{**rule_class.default_config, **config})


def test_model_has_data_test():
    assert isinstance(evaluate(rules.model_has_data_test, model(columns=[column("id")])),
                      RuleViolation)
    assert evaluate(rules.model_has_data_test, model(columns=[column("id", "not_null")])) is None
    assert evaluate(rules.model_has_data_test, model(tests=[COMPOSITE])) is None


@pytest.mark.parametrize(
    ("node", "broken"),
    [
        (model(columns=[column("id")]), True),  # no key test at all
        (model(columns=[column("id", "unique")]), True),  # unique, may be NULL
        (model(columns=[column("id", "unique", constraints=["not_null"])]), True),  # no contract
        (model(columns=[column("id", "unique", "not_null")]), False),
        (model(columns=[column("id", "primary_key")]), False),
        (model(columns=[column("id", "not_null")]), True),  # never NULL, may repeat
        (model(columns=[column("id", "unique", constraints=["not_null"])], contract=True), False),
        (model(tests=[COMPOSITE]), False),
    ],
)
def test_model_key_is_tested(node, broken):
    result = evaluate(rules.model_key_is_tested, node)
    assert isinstance(result, RuleViolation) is broken


def test_a_keyless_model_is_exempt_only_when_listed():
    node = model(name="quarantine_things", columns=[column("reason", "not_null")])
    assert isinstance(evaluate(rules.model_key_is_tested, node), RuleViolation)
    assert evaluate(rules.model_key_is_tested, node,
                    keyless={"quarantine_things": "duplicates"}) is None


@pytest.mark.parametrize(
    ("name", "path", "broken"),
    [
        ("dim_things", "models/marts/dim_things.sql", False),
        ("things", "models/marts/things.sql", True),  # no layer prefix
        ("stg_things", "models/marts/stg_things.sql", True),  # staging outside staging
        ("int_things", "models/staging/int_things.sql", True),  # not staging inside it
        ("base_raw__things", "models/staging/raw/base/base_raw__things.sql", False),
        ("metricflow_time_spine", "models/semantic/metricflow_time_spine.sql", False),
    ],
)
def test_model_named_by_layer(name, path, broken):
    result = evaluate(rules.model_named_by_layer, model(name=name, path=path))
    assert isinstance(result, RuleViolation) is broken


def test_model_reads_sources_only_in_staging():
    outside = model(sources=["raw.orders"])
    result = evaluate(rules.model_reads_sources_only_in_staging, outside)
    assert isinstance(result, RuleViolation) and "raw.orders" in result.message
    inside = model(name="stg_orders", path="models/staging/raw/stg_orders.sql",
                   sources=["raw.orders"])
    assert evaluate(rules.model_reads_sources_only_in_staging, inside) is None


def test_model_columns_in_warehouse_are_described(tmp_path):
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps({"nodes": {"model.p.dim_things": {"columns": {
        "id": {}, "label": {}, "extra": {}}}}}))
    rules._catalog.cache_clear()
    node = model(columns=[column("id"), column("label", description=" ")])
    result = evaluate(rules.model_columns_in_warehouse_are_described, node, catalog=str(catalog))
    # label: a blank description; extra: in the warehouse, not in the YAML.
    assert result.message == "Columns without a description: label, extra."
    assert evaluate(rules.model_columns_in_warehouse_are_described, node, catalog=str(catalog),
                    pending={"dim_things": "later"}) is None
    missing = evaluate(rules.model_columns_in_warehouse_are_described, node,
                       catalog=str(tmp_path / "none.json"))
    assert isinstance(missing, RuleViolation) and "Not in" in missing.message


def source(source_description="Raw tables.", description="A table.", columns=None) -> Source:
    return Source(
        unique_id="source.p.raw.things", name="things", description=description,
        source_name="raw", source_description=source_description, original_file_path="x.yml",
        config={}, meta={}, source_meta={},
        columns=[column("id")] if columns is None else columns, package_name="p",
        database="db", schema="raw", identifier="things", loader="", freshness=None,
    )


@pytest.mark.parametrize(
    ("node", "broken"),
    [
        (source(), False),
        (source(source_description=""), True),
        (source(description=""), True),
        (source(columns=[column("id", description="")]), True),
        (source(columns=[]), True),
    ],
)
def test_source_is_described(node, broken):
    assert isinstance(evaluate(rules.source_is_described, node), RuleViolation) is broken
