"""``loyalty check-project``: the dbt project's metadata linted with dbt-score.

The project is built empty (``dbt build --empty``, every model with zero rows) in a warehouse
of its own whose raw tables are empty, so that ``dbt docs generate`` writes a catalog.json with
the columns each model really has (an ephemeral model has no relation: dbt show runs its
compiled query in the same warehouse, and its columns are added to the catalog); dbt-score
then lints the manifest with dbt-score's generic rules and the project's own
(loyalty_analytics.dbt_score_rules), configured in pyproject.toml [tool.dbt-score]. The
thresholds there are 10.0 for the project and for every item: a single broken rule anywhere
fails the check, and each finding names its node and the rule.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

CATALOG_RULE = "loyalty_analytics.dbt_score_rules.model_columns_in_warehouse_are_described"


@dataclass(frozen=True)
class Finding:
    """One broken rule: the node (``model.x``, ``source.raw.orders``), the rule and why."""

    node: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.node}: {self.rule}: {self.message}"


@dataclass(frozen=True)
class CheckResult:
    findings: tuple[Finding, ...]
    project_score: float
    items: int
    fail_project_under: float
    fail_any_item_under: float

    @property
    def passed(self) -> bool:
        return not self.findings and self.project_score >= self.fail_project_under


def build_catalog(project_dir: Path, target_dir: Path, profiles_dir: Path | None = None,
                  log_dir: Path | None = None) -> Path:
    """Build every model empty in ``target_dir/check.duckdb`` and write its catalog.json;
    return the target directory (manifest.json and catalog.json)."""
    from dbt.cli.main import dbtRunner

    from loyalty_analytics.load import load_directory

    target_dir.mkdir(parents=True, exist_ok=True)
    warehouse = target_dir / "check.duckdb"
    warehouse.unlink(missing_ok=True)
    # The raw tables, empty (load prints a warning per table: kept out of the report).
    with tempfile.TemporaryDirectory() as empty, contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(io.StringIO()):
        load_directory(empty, warehouse, allow_missing=True)
    common = ["--project-dir", str(project_dir), "--target-path", str(target_dir),
              "--log-path", str(log_dir or target_dir / "logs"), "--quiet"]
    if profiles_dir is not None:
        common += ["--profiles-dir", str(profiles_dir)]
    previous = os.environ.get("DBT_DUCKDB_PATH")
    os.environ["DBT_DUCKDB_PATH"] = str(warehouse)
    try:
        for args in (["build", "--empty", "--exclude", "resource_type:test",
                      "resource_type:unit_test"], ["docs", "generate"]):
            result = dbtRunner().invoke([*args, *common])
            if not result.success:
                raise RuntimeError(f"dbt {' '.join(args)} failed: {result.exception or ''}"
                                   f" (log in {log_dir or target_dir / 'logs'})")
        # dbt docs generate lists relations only; an ephemeral model is a CTE of its readers.
        # dbt show runs its compiled query (no rows) and returns the columns.
        shown = dbtRunner().invoke(["show", "--select", "config.materialized:ephemeral",
                                    "--limit", "0", *common])
        if not shown.success:
            raise RuntimeError(f"dbt show of the ephemeral models failed: {shown.exception or ''}")
        add_to_catalog(target_dir / "catalog.json", {
            node.node.unique_id: list(node.agate_table.column_names)
            for node in (shown.result.results if shown.result else [])
            if node.node.resource_type == "model"})
    finally:
        if previous is None:
            os.environ.pop("DBT_DUCKDB_PATH", None)
        else:
            os.environ["DBT_DUCKDB_PATH"] = previous
    return target_dir


def add_to_catalog(catalog_file: Path, columns: dict[str, list[str]]) -> None:
    """Add models that have no relation (ephemeral) to catalog.json with their columns."""
    catalog = json.loads(catalog_file.read_text())
    for unique_id, names in columns.items():
        catalog["nodes"][unique_id] = {
            "metadata": {"type": "EPHEMERAL", "schema": None, "name": unique_id.split(".")[-1],
                         "database": None, "comment": None, "owner": None},
            "columns": {name: {"type": None, "index": index, "name": name, "comment": None}
                        for index, name in enumerate(names, 1)},
            "stats": {}, "unique_id": unique_id,
        }
    catalog_file.write_text(json.dumps(catalog))


def lint(target_dir: Path, config_file: Path) -> CheckResult:
    """dbt-score on ``target_dir/manifest.json`` with the configuration of ``config_file``,
    the catalog rule reading ``target_dir/catalog.json``."""
    from dbt_score.config import Config
    from dbt_score.lint import lint_dbt_project
    from dbt_score.rule import RuleConfig, RuleViolation

    from loyalty_analytics import dbt_score_rules

    dbt_score_rules._catalog.cache_clear()
    config = Config()
    config._load_toml_file(str(config_file))
    config.config_file = config_file
    catalog_rule = config.rules_config.setdefault(CATALOG_RULE, RuleConfig())
    catalog_rule.config["catalog"] = str(target_dir / "catalog.json")
    # dbt-score's formatter prints; the findings are printed by report.py instead.
    with contextlib.redirect_stdout(io.StringIO()):
        evaluation = lint_dbt_project(target_dir / "manifest.json", config, "json")
    findings = []
    for evaluable, results in evaluation.results.items():
        node = _node_name(evaluable)
        for rule_class, result in results.items():
            if isinstance(result, RuleViolation):
                findings.append(Finding(node, rule_class.source(), result.message or ""))
            elif isinstance(result, Exception):
                findings.append(Finding(node, rule_class.source(), f"rule crashed: {result!r}"))
    return CheckResult(
        findings=tuple(sorted(findings, key=lambda f: (f.node, f.rule))),
        project_score=evaluation.project_score.value,
        items=len(evaluation.scores),
        fail_project_under=config.fail_project_under,
        fail_any_item_under=config.fail_any_item_under,
    )


def check_project(project_dir: Path, target_dir: Path | None = None,
                  profiles_dir: Path | None = None) -> CheckResult:
    """Build the catalog in ``target_dir`` (default target/check) and lint the project."""
    target = target_dir or project_dir / "target" / "check"
    build_catalog(project_dir, target, profiles_dir=profiles_dir)
    return lint(target, project_dir / "pyproject.toml")


def _node_name(evaluable) -> str:
    """``model.dim_customers``, ``source.raw.orders``, ``seed.loyalty_benchmarks``."""
    kind = type(evaluable).__name__.lower()
    if kind == "source":
        return f"source.{evaluable.source_name}.{evaluable.name}"
    return f"{kind}.{evaluable.name}"
