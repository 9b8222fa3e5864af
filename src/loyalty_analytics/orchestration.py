"""The nightly pipeline in Dagster (docs/orchestration.md): the Dagster code location of
`make dagster` (``dagster dev -m loyalty_analytics.orchestration``).

- Every dbt model and seed is an asset, with dbt's lineage; the raw source tables are its
  upstream assets, external: loaded by the project's loaders or the user's pipeline, never
  materialised here.
- Every dbt data test is an asset check on the asset it tests; the tests on the raw sources
  (``rows_reconcile``: every raw row staged or quarantined) are checks on the raw assets.
- One job, ``nightly_dbt_build``: the project's usual incremental ``dbt build`` on the
  target of profiles.yml, scheduled daily at 02:00 in the reporting time zone (the dbt var
  ``reporting_timezone``), the dbt step retried on failure.

The manifest comes from ``dbt parse``: on every load under ``dagster dev``
(``DbtProject.prepare_if_dev``), and on the first load elsewhere when target/ has none.
This module is not imported by the rest of the package (importing dagster takes seconds).
"""

import json
import os
import sys
from pathlib import Path

import dagster as dg
import yaml
from dagster import AssetExecutionContext
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    build_schedule_from_dbt_selection,
    dbt_assets,
)

PROJECT_DIR = Path(__file__).resolve().parents[2]
JOB_NAME = "nightly_dbt_build"
SCHEDULE_NAME = "nightly_dbt_build_schedule"
# Daily at 02:00, in the reporting time zone: after the night's deliveries have landed.
NIGHTLY_CRON = "0 2 * * *"
# A failed dbt build is run again, whole: up to twice, 5 then 15 minutes later. Safe: a
# failed run leaves the incremental models' watermarks where they were, so the next one sees
# the same changes again (docs/incremental.md).
DBT_RETRY_POLICY = dg.RetryPolicy(max_retries=2, delay=300, backoff=dg.Backoff.EXPONENTIAL)

# dbt tests become asset checks, those on the raw sources too.
TRANSLATOR = DagsterDbtTranslator(
    settings=DagsterDbtTranslatorSettings(
        enable_asset_checks=True, enable_source_tests_as_checks=True)
)


def dbt_executable() -> str:
    """The dbt beside this Python (the venv's), else the first on PATH."""
    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.exists() else "dbt"


def reporting_timezone(project_dir: Path = PROJECT_DIR) -> str:
    """The dbt var ``reporting_timezone`` of dbt_project.yml (an IANA name)."""
    project = yaml.safe_load((project_dir / "dbt_project.yml").read_text())
    return str(project["vars"]["reporting_timezone"])


def dbt_project(project_dir: Path = PROJECT_DIR, profiles_dir: Path | None = None,
                target_path: Path | None = None) -> DbtProject:
    """The dbt project with a manifest: parsed now under ``dagster dev``, or when missing.

    ``profiles_dir`` defaults to DBT_PROFILES_DIR, else the project (its profiles.yml);
    ``target_path`` to DBT_TARGET_PATH, else target/.
    """
    profiles = profiles_dir or os.environ.get("DBT_PROFILES_DIR") or project_dir
    target = target_path or os.environ.get("DBT_TARGET_PATH") or "target"
    project = DbtProject(project_dir=project_dir, profiles_dir=profiles, target_path=target)
    project.prepare_if_dev()
    if not project.manifest_path.exists():
        DbtCliResource(project_dir=project, dbt_executable=dbt_executable()).cli(
            ["parse", "--quiet"], target_path=project.target_path).wait()
    return project


def build_definitions(project: DbtProject | None = None) -> dg.Definitions:
    """The assets, checks, job, schedule and dbt resource of the nightly pipeline."""
    project = project or dbt_project()

    manifest = attach_source_tests(json.loads(Path(project.manifest_path).read_text()))

    @dbt_assets(manifest=manifest, project=project, name="loyalty_dbt",
                dagster_dbt_translator=TRANSLATOR, retry_policy=DBT_RETRY_POLICY)
    def loyalty_dbt(context: AssetExecutionContext, dbt: DbtCliResource):
        yield from dbt.cli(["build"], context=context).stream()

    raw_sources = raw_source_specs(manifest, project)
    nightly = build_schedule_from_dbt_selection(
        [loyalty_dbt],
        job_name=JOB_NAME,
        schedule_name=SCHEDULE_NAME,
        cron_schedule=NIGHTLY_CRON,
        execution_timezone=reporting_timezone(Path(project.project_dir)),
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
    return dg.Definitions(
        assets=[*raw_sources, loyalty_dbt],
        schedules=[nightly],
        resources={"dbt": DbtCliResource(project_dir=project, dbt_executable=dbt_executable())},
    )


def attach_source_tests(manifest: dict) -> dict:
    """Attach each test written on a raw source to that source: its asset check's asset.

    dbt attaches a generic test to the model, seed or snapshot it is written on, never to a
    source; dagster-dbt then finds the asset of a test with several parents (rows_reconcile
    reads the raw table, the staged model and the quarantine) nowhere, and drops its check.
    The test's ``model`` argument, ``source('raw', 'orders')``, names the table it is on.
    """
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test" or node.get("attached_node"):
            continue
        sources = [p for p in node["depends_on"]["nodes"] if p.startswith("source.")]
        tested = node.get("test_metadata", {}).get("kwargs", {}).get("model", "")
        if len(sources) == 1 and "source(" in tested:
            node["attached_node"] = sources[0]
    return manifest


def raw_source_specs(manifest: dict, project: DbtProject) -> list[dg.AssetSpec]:
    """One external asset per enabled raw source table, keyed as dagster-dbt keys them."""
    return [
        TRANSLATOR.get_asset_spec(manifest, unique_id, project).replace_attributes(
            group_name="raw")
        for unique_id in sorted(manifest["sources"])
    ]


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions()
