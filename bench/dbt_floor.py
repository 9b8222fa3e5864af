"""A lower bound for `make bench`, not a baseline: dbt's own cost for as many models.

Usage: python bench/dbt_floor.py --manifest PROJECT/target/manifest.json --dir FOLDER

Writes into ``--dir`` a dbt project with as many models of each materialization as the
project's manifest runs (tables, incremental models, views; a Python model counts as a table;
ephemeral models run inside others and are left out), each one trivial: ``select 1 as id``,
the incremental ones on the project's ``delete+insert`` path (a unique key, no new rows on
an incremental run). No model reads another, so dbt's two threads are never kept waiting:
the most dbt can do in parallel. And a ``profiles.yml`` beside it: DuckDB, 2 threads, the
warehouse ``floor.duckdb`` in the folder.

The bench runs ``dbt run`` in that folder twice and times the second: like the project's
nightly run, it reuses the first run's parse (partial parsing) and its incremental models
take the incremental path. Whatever the project's models compute, its nightly run cannot be
faster than this on the same machine: the time is dbt's start, its parse check, and its work
per node (compiling, the materialization's statements, the artefacts).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

MODELS = {
    "table": "{{ config(materialized='table') }}\nselect 1 as id\n",
    "view": "{{ config(materialized='view') }}\nselect 1 as id\n",
    "incremental": (
        "{{ config(materialized='incremental', incremental_strategy='delete+insert',"
        " unique_key='id') }}\n"
        "select 1 as id\n"
        "{% if is_incremental() %}where id > (select max(id) from {{ this }}){% endif %}\n"),
}
PROFILE = """floor:
  target: duckdb
  outputs:
    duckdb:
      type: duckdb
      path: "{path}"
      threads: 2
"""


def counts(manifest: Path) -> Counter:
    """Models per materialization (table, incremental, view) the manifest's project runs."""
    nodes = json.loads(manifest.read_text())["nodes"]
    found: Counter = Counter()
    for node in nodes.values():
        config = node.get("config", {})
        if node.get("resource_type") != "model" or not config.get("enabled", True):
            continue
        kind = config.get("materialized")
        if kind == "ephemeral":
            continue
        if kind not in MODELS:
            raise SystemExit(f"{node['unique_id']}: materialization {kind!r} has no trivial "
                             f"model here (known: {', '.join(MODELS)})")
        found[kind] += 1
    return found


def write_project(folder: Path, found: Counter) -> None:
    models = folder / "models"
    models.mkdir(parents=True, exist_ok=True)
    for old in models.glob("*.sql"):
        old.unlink()
    for kind in sorted(found):
        for number in range(1, found[kind] + 1):
            (models / f"{kind}_{number:03d}.sql").write_text(MODELS[kind])
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
    found = counts(args.manifest)
    write_project(args.dir, found)
    print(json.dumps(dict(found)))


if __name__ == "__main__":
    main()
