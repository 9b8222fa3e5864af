"""`make bench` splits dbt's floor and the project's nightly run into phases, from the times
in dbt's debug log (bench/run_bench.py, dbt_phases): start-up, parse check, relation cache and
hooks, models, artifacts and exit. The logs here are written by hand in dbt's format, with
times chosen so that each phase's length is known."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import pytest
from conftest import load_bench

run_bench = load_bench("run_bench")
PHASES = [name for name, _ in run_bench.DBT_PHASES]
COLOR = "\x1b[0m"


def epoch(text: str) -> float:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp()


def invocation(times: dict[str, str]) -> list[str]:
    """The lines of one dbt command as dbt writes them, at the given times of day."""
    return [
        f"{COLOR}{times['args']} [debug] [MainThread]: running dbt with arguments {{'x': 1}}",
        f"{COLOR}{times['args']} [debug] [MainThread]: Partial parsing enabled: 0 files",
        f"{COLOR}{times['found']} [info ] [MainThread]: Found 70 models, 4 operations",
        f"{COLOR}{times['found']} [info ] [MainThread]: Concurrency: 2 threads",
        f"{COLOR}{times['node']} [debug] [Thread-1 (]: Began running node model.p.a",
        # a node's own end is not the models' end
        f"{COLOR}{times['node']} [debug] [Thread-1 (]: Finished running node model.p.a",
        # a statement's continuation line has no time: it never ends a phase
        "    select 'Finished running 2 models' as text",
        f"{COLOR}{times['done']} [info ] [MainThread]: Finished running 70 models in 2.50s",
        f"{COLOR}{times['done']} [debug] [MainThread]: Command `dbt run` succeeded",
    ]


def write_log(path: Path, *invocations: list[str]) -> Path:
    path.write_text("\n".join(line for lines in invocations for line in lines) + "\n")
    return path


def test_phases_of_the_last_command(tmp_path):
    earlier = invocation({"args": "04:58:01.000000", "found": "04:58:09.000000",
                          "node": "04:58:10.000000", "done": "04:58:20.000000"})
    last = invocation({"args": "05:00:01.500000", "found": "05:00:02.250000",
                       "node": "05:00:02.500000", "done": "05:00:05.000000"})
    log = write_log(tmp_path / "dbt.log", earlier, last)
    phases = run_bench.dbt_phases(log, epoch("2026-12-07T05:00:00"), 5.6)
    assert phases == {
        PHASES[0]: 1.5,   # 05:00:00 -> 05:00:01.5, the arguments logged
        PHASES[1]: 0.75,  # -> 05:00:02.25, "Found 70 models"
        PHASES[2]: 0.25,  # -> 05:00:02.5, the first node begins
        PHASES[3]: 2.5,   # -> 05:00:05, "Finished running 70", not the node's own end
        PHASES[4]: 0.6,   # -> 05:00:05.6, the process's end
    }
    # the phases add up to the command's wall time: 5.6 s
    assert sum(phases.values()) == pytest.approx(5.6)


def test_a_command_past_midnight(tmp_path):
    log = write_log(tmp_path / "dbt.log", invocation(
        {"args": "23:59:59.900000", "found": "00:00:00.400000",
         "node": "00:00:00.500000", "done": "00:00:01.500000"}))
    # started 23:59:59, ended 3 s later at 00:00:02
    phases = run_bench.dbt_phases(log, epoch("2026-12-06T23:59:59"), 3.0)
    # 0.9 (to 23:59:59.9), 0.5 (to 00:00:00.4 the next day), 0.1, 1.0, 0.5
    assert list(phases.values()) == [0.9, 0.5, 0.1, 1.0, 0.5]


def test_no_phases_without_every_mark_or_log(tmp_path):
    failed = [line for line in invocation({"args": "05:00:01.000000",
                                           "found": "05:00:02.000000",
                                           "node": "05:00:03.000000",
                                           "done": "05:00:04.000000"})
              if "Finished running 70" not in line]
    log = write_log(tmp_path / "dbt.log", failed)
    assert run_bench.dbt_phases(log, epoch("2026-12-07T05:00:00"), 5.0) is None
    assert run_bench.dbt_phases(tmp_path / "missing.log", epoch("2026-12-07T05:00:00"),
                                5.0) is None


def measurement(tool: str, rep: int, phases: dict | None):
    return run_bench.Measurement(tool, "100k", rep, 0.0, 0, 0.0, 0.0, 0, "",
                                 dbt_summary={"phases": phases} if phases else {})


def test_the_report_takes_medians_over_the_runs(tmp_path):
    bench = run_bench.Bench(argparse.Namespace(data_dir=tmp_path))
    bench.measurements = [
        measurement("dbtfloor", 1, dict(zip(PHASES, [1.5, 0.7, 0.1, 2.7, 0.6], strict=True))),
        measurement("dbtfloor", 2, dict(zip(PHASES, [1.7, 0.7, 0.1, 2.9, 0.6], strict=True))),
        measurement("dbtfloor", 3, None),  # a failed run has no phases: left out
        measurement("incremental", 1, dict(zip(PHASES, [1.6, 1.5, 0.3, 6.5, 1.0],
                                               strict=True))),
    ]
    rows = [line for line in bench.phases_markdown("100k") if line.startswith("| ")][1:]
    # floor medians: 1.6 (1.5, 1.7), 0.7, 0.1, 2.8 (2.7, 2.9), 0.6; total 5.8
    assert rows == [
        f"| {PHASES[0]} | 1.60 | 1.60 | +0.00 |",
        f"| {PHASES[1]} | 0.70 | 1.50 | +0.80 |",
        f"| {PHASES[2]} | 0.10 | 0.30 | +0.20 |",
        f"| {PHASES[3]} | 2.80 | 6.50 | +3.70 |",
        f"| {PHASES[4]} | 0.60 | 1.00 | +0.40 |",
        "| all | 5.80 | 10.90 | +5.10 |",
    ]
    assert bench.phases_markdown("1m") == []  # no runs at that size
