"""A lower bound for `make bench`, not a baseline: dbt's own cost for the project's models.

Usage: python bench/dbt_floor.py --manifest PROJECT/target/manifest.json --dir FOLDER

Writes into ``--dir`` a dbt project with the same models as the project's manifest, by name,
materialization and dependencies, each one trivial: ``select 1 as id``. A Python model
becomes a SQL table; an ephemeral model runs inside its readers, so it is left out and its
readers depend on what it read; seeds and sources are left out. The incremental models take
the ``delete+insert`` path (a unique key, no new rows on an incremental run). The
dependencies are ``-- depends_on:`` comments: dbt orders the models as the project's, so
its two threads wait where the project's wait, but no query reads another model. And a
``profiles.yml`` beside it: DuckDB, 2 threads, the warehouse ``floor.duckdb`` in the folder.
It prints the models per materialization, as JSON.

The bench runs ``dbt run`` in that folder twice and times the second: like the project's
nightly run, it reuses the first run's parse (partial parsing) and its incremental models
take the incremental path. Whatever the project's models compute, its nightly run cannot be
faster than this on the same machine: the time is dbt's start, its parse check, and its work
per node (compiling, the materialization's statements, the artefacts) in the project's order.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

CONFIG = {
    "table": "materialized='table'",
    "view": "materialized='view'",
    "incremental": "materialized='incremental', incremental_strategy='delete+insert', "
                   "unique_key='id'",
}
INCREMENTAL_FILTER = (
    "{% if is_incremental() %}where id > (select max(id) from {{ this }}){% endif %}\n")
PROFILE = """floor:
  target: duckdb
  outputs:
    duckdb:
      type: duckdb
      path: "{path}"
      threads: 2
"""


@dataclass(frozen=True)
class Model:
    name: str
    materialized: str
    parents: tuple[str, ...]  # the names of the floor's models it depends on


def plan(manifest: dict) -> list[Model]:
    """The floor's models: the enabled, non-ephemeral models of the manifest's project, each
    with the models it depends on (through ephemeral models, to what they read)."""
    project = manifest.get("metadata", {}).get("project_name")
    nodes = {
        key: node for key, node in manifest["nodes"].items()
        if node.get("resource_type") == "model"
        and node.get("config", {}).get("enabled", True)
        and (project is None or node.get("package_name") == project)
    }

    def parents(key: str, seen: frozenset = frozenset()) -> set[str]:
        found = set()
        for parent in nodes[key]["depends_on"]["nodes"]:
            if parent not in nodes or parent in seen:
                continue  # a seed, a source, another package's model
            if nodes[parent]["config"]["materialized"] == "ephemeral":
                found |= parents(parent, seen | {parent})
            else:
                found.add(nodes[parent]["name"])
        return found

    models = []
    for key, node in sorted(nodes.items()):
        kind = node["config"].get("materialized")
        if kind == "ephemeral":
            continue
        if kind not in CONFIG:
            raise SystemExit(f"{key}: materialization {kind!r} has no trivial model here "
                             f"(known: {', '.join(CONFIG)})")
        models.append(Model(node["name"], kind, tuple(sorted(parents(key)))))
    return models


def counts(models: list[Model]) -> Counter:
    """Models per materialization (table, incremental, view)."""
    return Counter(model.materialized for model in models)


def model_sql(model: Model) -> str:
    depends = "".join(f"-- depends_on: {{{{ ref('{parent}') }}}}\n" for parent in model.parents)
    return (f"{{{{ config({CONFIG[model.materialized]}) }}}}\n{depends}select 1 as id\n"
            + (INCREMENTAL_FILTER if model.materialized == "incremental" else ""))


def write_project(folder: Path, models: list[Model]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    sql = folder / "models"
    sql.mkdir(exist_ok=True)
    for old in sql.glob("*.sql"):
        old.unlink()
    for model in models:
        (sql / f"{model.name}.sql").write_text(model_sql(model))
    (folder / "dbt_project.yml").write_text(
        "name: floor\nversion: '1.0'\nconfig-version: 2\nprofile: floor\n")
    (folder / "profiles.yml").write_text(
        PROFILE.format(path=(folder / "floor.duckdb").resolve()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", type=Path, required=True,
                        help="the project's manifest.json (dbt parse)")
    parser.add_argument("--dir", type=Path, required=True, help="where to write the project")
    args = parser.parse_args()
    models = plan(json.loads(args.manifest.read_text()))
    write_project(args.dir, models)
    print(json.dumps(dict(counts(models))))


if __name__ == "__main__":
    main()
