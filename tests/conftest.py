"""Shared fixtures: run dbt programmatically against a throw-away DuckDB warehouse.

Each test that builds gets its own DuckDB file (``warehouse`` fixture); the dbt target
directory is shared per pytest session. dbt's partial parsing cannot help across tests: the
warehouse path is an environment variable of the profile, and a new profile or new vars make
dbt parse the whole project again (4-6 s). So ``Dbt.invoke`` parses once per set of what
the parse depends on (``_parse_key``) and hands each command a fresh copy of the parsed
manifest (a run changes the manifest it is given: the compiled tests of ephemeral models,
among others). The commands write no JSON artefacts (``--no-write-json``): no test reads them,
and writing manifest.json and semantic_manifest.json took 0.3 s a command, about as long as
a small `dbt show` itself.
"""

from __future__ import annotations

import dataclasses
import fcntl
import gc
import hashlib
import importlib.util
import os
import pickle
import shutil
import sys
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import behavior_source
import duckdb
import macro_namespaces
import pytest
import schema_validation_cache
import semantic_cache
import template_cache
import unread_events
import yaml
from dbt.cli.main import dbtRunner, dbtRunnerResult
from dbt_common.tests import enable_test_caching

# A pytest-xdist worker (make test runs two) has a bare __main__ module, which
# pyspark.sql.connect, imported through great_expectations, takes for a doctest run and
# answers with sys.exit(0), killing the worker. Give it a file name.
_MAIN = sys.modules.get("__main__")
if _MAIN is not None and _MAIN.__spec__ is None and not hasattr(_MAIN, "__file__"):
    _MAIN.__file__ = "<pytest-xdist worker>"

# No debug log file for the tests' dbt commands, in this process and the ones it starts:
# dbt formats every event for it and scrubs each line of the environment's secrets, about a
# tenth of a small build's CPU (14.3 -> 12.8 s). DBT_LOG_LEVEL_FILE=debug brings it back.
os.environ.setdefault("DBT_LOG_LEVEL_FILE", "none")

# dbt's caches for test suites (dbt-core's own functional-test fixture turns them on): the
# Jinja parse trees and the top-level blocks of the project's files, by their text, and the
# list of installed dbt plugins, kept across the commands of this process. A parse of the
# project took 3.2 CPU-s with them, 4.0 without.
enable_test_caching()
# ... and Jinja's compiled code by template text (tests/template_cache.py): a parse 3.0 -> 2.2
# CPU-s, a small build 9.9 -> 8.8 CPU-s.
template_cache.install()
# ... and the semantic layer's validation by its content (tests/semantic_cache.py): the same
# in nearly every parse, 0.4 of its 2.2 CPU-s.
semantic_cache.install()
# ... and dbt's JSON-schema checks of configs and YAML entries by their input
# (tests/schema_validation_cache.py): about 1,500 a parse, nearly all the same in every parse
# (a parse 3.8 -> 2.9 CPU-s, four each way, alternating).
schema_validation_cache.install()
# ... and dbt's events that no logger would write and no callback read are dropped before
# their log message is built (tests/unread_events.py): about 6,700 a small build, most at
# debug level (a small build 13.2 -> 11.7 CPU-s, three each way, alternating); an event's
# message is built when first read, not when the event is made (10.6 -> 9.6 CPU-s).
unread_events.install()
# ... and each node's macro namespace is built from where each macro goes, worked out once per
# manifest (tests/macro_namespaces.py): dbt sorted about 700 macros anew for each of a node's
# two contexts (a small build 8.2 -> 7.3 CPU-s, six each way, alternating).
macro_namespaces.install()
# ... and a behaviour flag's source module is found by walking up the stack to it
# (tests/behavior_source.py), not by inspect.stack(), which read the source lines of every
# frame on pytest's deep stack for each flag of each adapter: 2.7 % of pytest's CPU.
behavior_source.install()

# Python's cyclic garbage collector runs less often in every process of .venv, these among
# them: `make install` writes its thresholds into a .pth file (Makefile, GC_THRESHOLDS;
# tests/test_gc_thresholds.py).

PROJECT_DIR = Path(__file__).resolve().parents[1]
DATASETS_DIR = PROJECT_DIR / "datasets"


def load_bench(name: str):
    """The script bench/``name``.py as a module (bench/ is not a package)."""
    spec = importlib.util.spec_from_file_location(name, PROJECT_DIR / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def write_profiles(folder: Path) -> Path:
    """``folder`` with the tests' profiles.yml: profiles.example.yml, whose DuckDB target runs
    the tests' builds on one dbt thread and one DuckDB thread. Two pytest workers keep both
    cores busy; a second dbt thread only added switching between them (a small build 9.3 ->
    8.8 CPU-s), and so did a second DuckDB thread for each small query (a build 7.95 -> 7.28
    CPU-s, six each way, alternating; tests/reference, tests/e2e and test_edge_cases on two
    workers, two runs each way, alternating: 151.5 and 148.6 -> 147.6 and 137.3 s)."""
    folder.mkdir(parents=True)
    profile = yaml.safe_load((PROJECT_DIR / "profiles.example.yml").read_text())
    duckdb_target = profile["loyalty_analytics"]["outputs"]["duckdb"]
    duckdb_target["threads"] = 1
    duckdb_target["settings"]["threads"] = 1
    (folder / "profiles.yml").write_text(yaml.safe_dump(profile, sort_keys=False))
    return folder


@pytest.fixture(scope="session")
def dbt_dirs(tmp_path_factory) -> dict[str, Path]:
    """A profiles dir made from profiles.example.yml and a target dir for this session; under
    pytest-xdist, the folder where the workers share their parsed manifests (``manifests``)."""
    root = tmp_path_factory.mktemp("dbt")
    profiles = write_profiles(root / "profiles")
    dirs = {"profiles": profiles, "target": root / "target", "logs": root / "logs"}
    if "PYTEST_XDIST_WORKER" in os.environ:
        dirs["manifests"] = tmp_path_factory.getbasetemp().parent / "manifests"
    return dirs


# The dbt unit tests read only the rows their YAML gives, never the warehouse's: the default
# build of the e2e data set (e2e/dataset.py), test_pipeline.py, the demo and every engine's
# build run them; the builds of other data sets and settings leave them out (about 0.9 s of a
# small build's CPU, seven tests).
WITHOUT_UNIT_TESTS = ("--exclude", "resource_type:unit_test")

# The small generated sample of the pipeline and dashboard tests (`loyalty generate` options):
# a demo warehouse in a few seconds, two years of 400 customers.
DEMO_SAMPLE = ("--customers", "400", "--years", "2", "--seed", "11", "--end-date", "2025-06-15")

# The commands that read the project's manifest (dbt parses before running them).
_MANIFEST_COMMANDS = {"build", "run", "test", "seed", "show", "compile", "ls", "list",
                      "run-operation", "snapshot"}
# The options whose value changes what dbt parses (parse_options).
_PARSE_OPTIONS = {"--vars", "--target", "-t", "--profile"}
# The parsed manifests of this process, pickled (each command gets its own copy), the most
# recently used last.
_MANIFESTS: OrderedDict[tuple, tuple[type, bytes]] = OrderedDict()
_MANIFESTS_KEPT = 8


def _project_stamp() -> tuple:
    """The number, total size and latest change of the files dbt parses: a test that writes
    one into the project parses anew."""
    stamp = [0, 0, 0]
    for name in ("models", "macros", "seeds", "analyses", "tests"):
        for path in (PROJECT_DIR / name).rglob("*"):
            if path.suffix in {".sql", ".yml", ".yaml", ".csv", ".py", ".md"} and (
                    name != "tests" or path.suffix in {".sql", ".yml", ".yaml"}):
                info = path.stat()
                stamp[0] += 1
                stamp[1] += info.st_size
                stamp[2] = max(stamp[2], info.st_mtime_ns)
    info = (PROJECT_DIR / "dbt_project.yml").stat()
    return (*stamp, info.st_size, info.st_mtime_ns)


def parse_options(args) -> tuple[tuple[str, str], ...]:
    """The options among ``args`` whose value changes what dbt parses, as (name, value)."""
    options = []
    for index, arg in enumerate(args):
        name = arg.split("=", 1)[0]
        if name in _PARSE_OPTIONS:
            value = arg.split("=", 1)[1] if "=" in arg else args[index + 1]
            options.append(("--target" if name == "-t" else name, value))
    return tuple(options)


def _parse_key(args: tuple[str, ...], warehouse: Path) -> tuple | None:
    """What a parse of the project depends on, for a command that parses: the parse
    options, the database (DuckDB names it after the file's stem: it is in every relation of
    the manifest), the dbt environment variables but the warehouse path, and the project's
    files. None for a command that does not parse."""
    if not args or args[0] not in _MANIFEST_COMMANDS:
        return None
    environment = tuple(sorted(
        (name, value) for name, value in os.environ.items()
        if name.startswith("DBT_") and name != "DBT_DUCKDB_PATH"))
    return (parse_options(args), warehouse.stem, environment, _project_stamp())


def _pickled(manifest) -> tuple[type, bytes]:
    """A parsed manifest as its class and its fields, pickled: a copy is then one unpickling.
    Fields, not the manifest: its __reduce_ex__ does not line up with its fields in dbt-core
    1.11 (the lookups land one field off, in ``fixtures`` among others). The lookups and
    caches, left out, are rebuilt on first use."""
    fields = {
        field.name: getattr(manifest, field.name)
        for field in dataclasses.fields(manifest)
        if not field.name.startswith("_")
    }
    return type(manifest), pickle.dumps(fields, protocol=pickle.HIGHEST_PROTOCOL)


def _shared_parse(folder: Path | None, key: tuple,
                  parse: Callable[[], tuple[type, bytes] | None]) -> tuple[type, bytes] | None:
    """``parse()``, or what another pytest-xdist worker saved in ``folder`` when it parsed for
    the same key: the first to ask parses under a file lock, the other waits and reads it
    (the same key came up in both workers three times a run, about 5 s of CPU each). A failed
    parse is not saved. No ``folder`` (one process): ``parse()``."""
    if folder is None:
        return parse()
    folder.mkdir(exist_ok=True)
    name = hashlib.sha256(repr(key).encode()).hexdigest()[:32]
    saved = folder / f"{name}.pickle"
    with (folder / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if saved.exists():
            return pickle.loads(saved.read_bytes())
        pickled = parse()
        if pickled is not None:
            saved.write_bytes(pickle.dumps(pickled, protocol=pickle.HIGHEST_PROTOCOL))
        return pickled


def _copy_manifest(pickled: tuple[type, bytes]):
    """A fresh copy of a pickled manifest: 0.03 s, where copy.deepcopy took 0.35 s. The
    garbage collector is held while it unpickles: its passes over the many new objects took
    most of the time."""
    manifest_type, blob = pickled
    enabled = gc.isenabled()
    gc.disable()
    try:
        return manifest_type(**pickle.loads(blob))
    finally:
        if enabled:
            gc.enable()


class Dbt:
    """Runs dbt commands in-process with dbtRunner, one at a time."""

    def __init__(self, dirs: dict[str, Path], warehouse: Path):
        self.dirs = dirs
        self.warehouse = warehouse
        self._failed_parse: dbtRunnerResult | None = None

    def _common(self) -> list[str]:
        return [
            "--project-dir", str(PROJECT_DIR),
            "--profiles-dir", str(self.dirs["profiles"]),
            "--target-path", str(self.dirs["target"]),
            "--log-path", str(self.dirs["logs"]),
            "--no-write-json",
        ]

    def _manifest(self, args: tuple[str, ...]):
        """A copy of the parsed manifest for ``args``, from this process's cache or parsed now
        (None when the parse fails: ``invoke`` then answers with the failed parse)."""
        key = _parse_key(args, self.warehouse)
        if key is None:
            return None
        if key not in _MANIFESTS:
            pickled = _shared_parse(self.dirs.get("manifests"), key, lambda: self._parse(key))
            if pickled is None:
                return None
            _MANIFESTS[key] = pickled
            while len(_MANIFESTS) > _MANIFESTS_KEPT:
                _MANIFESTS.popitem(last=False)
        _MANIFESTS.move_to_end(key)
        return _copy_manifest(_MANIFESTS[key])

    def _parse(self, key: tuple) -> tuple[type, bytes] | None:
        """A full parse for ``key``, without dbt's partial parsing: each key is parsed once,
        so the state saved in the target folder was another key's (vars, database). dbt read
        it only to parse everything again, and wrote it anew: 2.5 -> 2.2 CPU-s a parse."""
        parsed = dbtRunner().invoke(
            ["parse", "--quiet", "--no-partial-parse",
             *[part for option in key[0] for part in option], *self._common()])
        if not parsed.success:
            self._failed_parse = parsed
            return None
        return _pickled(parsed.result)

    def invoke(self, *args: str, expect_success: bool = True) -> dbtRunnerResult:
        """``dbt *args``. When the project's parse fails (an invalid var, among others), the
        command would fail in the same parse, with the same error: the failed parse is its
        result (a second parse of each bad var took about 1 s)."""
        os.environ["DBT_DUCKDB_PATH"] = str(self.warehouse)
        full = [*args, *self._common()]
        self._failed_parse = None
        manifest = self._manifest(args)
        if manifest is None and self._failed_parse is not None:
            result = self._failed_parse
        else:
            result = dbtRunner(manifest=manifest).invoke(full)
        if expect_success and not result.success:
            raise AssertionError(f"dbt {' '.join(args)} failed: {failure_detail(result)}")
        return result

    def show(self, sql: str) -> list[dict]:
        """Render ``sql`` (Jinja, macros) with dbt and run it: rows as dicts."""
        result = self.invoke("show", "--inline", sql, "--limit", "-1", "--quiet")
        table = result.result.results[0].agate_table
        return [dict(zip(table.column_names, row, strict=True)) for row in table.rows]

    def query(self, sql: str) -> list[dict]:
        """Run plain SQL on the warehouse file after a build.

        Not read_only: dbt-duckdb keeps its own connection to the file open in this process,
        and DuckDB refuses a second one with a different configuration.
        """
        with duckdb.connect(str(self.warehouse)) as con:
            cursor = con.execute(sql)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def failure_detail(result: dbtRunnerResult) -> str:
    """Why a dbt command failed: its exception, or else the nodes that neither succeeded nor
    passed, one a line."""
    if result.exception:
        return str(result.exception)
    lines = []
    for node_result in getattr(result.result, "results", []) or []:
        if str(node_result.status) not in {"success", "pass"}:
            lines.append(f"{node_result.node.name}: {node_result.status}: {node_result.message}")
    return "\n".join(lines) or "unknown failure"


# The test files that take longest, longest first (the seconds of each on one worker,
# measured on 2026-12-05; `make test` lists the slowest tests with --durations). They run
# before the others: pytest-xdist hands each worker a whole file as it comes free (--dist
# loadfile), and a long file handed out last kept one worker busy while the other had
# nothing left (test_validate.py and test_pipeline.py, last in collection order: 20 s). The
# Makefile turns off xdist's own order (--no-loadscope-reorder: files with the most tests
# first, which puts these, with few tests each, last).
LONGEST_FIRST = (
    "tests/reference/test_marts_match_reference.py",  # 93 s: five settings, a build each
    # 78 s; 68 s since its mf commands run in one process (the two MetricFlow modules
    # alone, 2026-12-06): the demo's build, then 9 s of MetricFlow planning per query
    "tests/dashboard/test_metricflow.py",
    "tests/test_incremental.py",  # 67 s
    "tests/incremental/test_deliveries.py",  # 47 s
    "tests/e2e/test_currencies.py",  # 45 s
    "tests/attack/test_edge_cases.py",  # 42 s
    "tests/e2e/test_time_zones.py",  # 37 s, with the shared e2e build when it makes it
    "tests/test_predictive_models.py",  # 36 s
    "tests/test_integration_project.py",  # 36 s
    "tests/attack/test_dirty_vs_clean.py",  # 31 s
    "tests/test_orchestration.py",  # 30 s
    "tests/test_program_optional.py",  # 25 s; 23 s alone, cold, since its builds run in-process
    "tests/test_validate.py",  # 23 s
    "tests/test_pipeline.py",  # 22 s
    "tests/e2e/test_own_tables.py",  # 17 s
    "tests/e2e/test_segments_and_win_back.py",  # 16 s
    "tests/e2e/test_marts_short_windows.py",  # 16 s
    "tests/attack/test_properties.py",  # 14 s
    "tests/test_project_checks.py",  # 14 s
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The files of LONGEST_FIRST first, in that order; the rest as collected. The sort is
    stable: the tests of a file keep their order."""
    rank = {path: index for index, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.location[0], len(rank)))


# The folders built_once made in this process, by name.
_BUILT_ONCE: dict[str, Path] = {}


def built_once(tmp_path_factory, name: str, build: Callable[[Path], None]) -> Path:
    """A folder that ``build(folder)`` filled, once per pytest session. Under pytest-xdist the
    first worker that asks builds it in the folder the workers share (the session's temporary
    folder), under a file lock; the others wait for it and reuse it. Callers copy out what
    they open: a DuckDB file that one process has open for writing, no other can open.

    LOYALTY_SHARED_BUILDS names a folder that pytest sessions running side by side share the
    same way (make test's Postgres and Spark tests): the folder must be new to the sessions."""
    root = os.environ.get("LOYALTY_SHARED_BUILDS")
    if root:
        shared = Path(root) / name
    elif "PYTEST_XDIST_WORKER" in os.environ:
        shared = tmp_path_factory.getbasetemp().parent / name
    else:
        if name not in _BUILT_ONCE:
            folder = tmp_path_factory.mktemp(name)
            build(folder)
            _BUILT_ONCE[name] = folder
        return _BUILT_ONCE[name]
    with (shared.parent / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / ".built").exists():
            shutil.rmtree(shared, ignore_errors=True)
            shared.mkdir()
            build(shared)
            (shared / ".built").touch()
    return shared


def warehouse_file(folder: Path) -> Path:
    """``folder``/warehouse.duckdb, the folder made. dbt-duckdb names the database after the
    file, and the name is part of what a parse depends on (``_parse_key``): warehouses of one
    name in folders of their own share one parse (about 5 s each)."""
    folder.mkdir(parents=True)
    return folder / "warehouse.duckdb"


def checkpoint(warehouse: Path) -> None:
    """Write everything written to ``warehouse`` so far into the file. dbt-duckdb keeps the
    files it used open in this process, and a file open elsewhere in the process keeps its
    latest writes in the write-ahead log after a connection closes: a copy of the file, or
    another process reading it, would miss them."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute("checkpoint")


def copy_warehouse(source: Path, target: Path) -> None:
    """A copy of a warehouse file with everything written to it so far (``checkpoint``).
    ``target`` must be a file that this process has not opened."""
    checkpoint(source)
    shutil.copyfile(source, target)


@pytest.fixture
def warehouse(tmp_path) -> Path:
    return tmp_path / "warehouse.duckdb"


@pytest.fixture
def dbt(dbt_dirs, warehouse) -> Dbt:
    return Dbt(dbt_dirs, warehouse)
