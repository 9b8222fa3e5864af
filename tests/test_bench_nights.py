"""`make bench` times at least three nightly runs and three SQL baselines per size, the two
parts of the nightly target (bench/run_bench.py, bench_nights and more_baseline_runs): at a
size with one full run (10m), the second and third nights run on copies of the warehouse as it
was before the first, so that each night has the same work to do."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import load_bench

run_bench = load_bench("run_bench")


@pytest.mark.parametrize(("requested", "runs_with_night", "expected"), [
    (0, 1, 3),  # 10m: one full run, three nights after it
    (0, 2, 2),  # two full runs: four nights
    (0, 3, 1),  # 100k: a night after each of the three full runs
    (0, 5, 1),
    (2, 3, 2),  # asked for
])
def test_nights_per_run(requested, runs_with_night, expected):
    assert run_bench.nights_per_run(requested, runs_with_night) == expected


class FakeBench:
    """What bench_nights uses of the Bench: its arguments, run_dbt, record and
    keep_model_timings. run_dbt notes what the warehouse held, then changes it, as a night
    writes its warehouse."""

    def __init__(self, nights: int, incremental_reps: int = 3):
        self.args = SimpleNamespace(nights=nights, incremental_reps=incremental_reps)
        self.seen, self.recorded, self.kept = [], [], []

    def run_dbt(self, tool, command, size, rep, warehouse, run_dir):
        self.seen.append(warehouse.read_text())
        warehouse.write_text(f"after night {rep}")
        return SimpleNamespace(tool=tool, command=command, size=size, rep=rep)

    def record(self, m):
        self.recorded.append(m.rep)

    def keep_model_timings(self, label, tool, m):
        self.kept.append((label, tool, m.rep))


def nights(fake: FakeBench, rep: int, reps: int, run_dir: Path) -> Path:
    warehouse = run_dir / "warehouse.duckdb"
    warehouse.write_text(f"full run {rep} and the day")
    run_bench.Bench.bench_nights(fake, "10m", rep, reps, warehouse, run_dir)
    return warehouse


def test_one_full_run_gets_three_nights_each_on_the_warehouse_before_the_first(tmp_path):
    fake = FakeBench(nights=0)
    nights(fake, 1, 1, tmp_path)
    assert fake.seen == ["full run 1 and the day"] * 3
    assert fake.recorded == [1, 2, 3]
    assert fake.kept == [("10m", "incremental", 1)], "the first night's timings only"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["warehouse.duckdb"], "no copy left"


def test_three_full_runs_get_a_night_each_numbered_by_run(tmp_path):
    fake = FakeBench(nights=0)
    for rep in (1, 2, 3):
        nights(fake, rep, 3, tmp_path)
    assert fake.seen == [f"full run {rep} and the day" for rep in (1, 2, 3)]
    assert fake.recorded == [1, 2, 3]


def test_two_nights_asked_after_each_of_two_runs_are_numbered_one_to_four(tmp_path):
    fake = FakeBench(nights=2)
    for rep in (1, 2):
        nights(fake, rep, 2, tmp_path)
    assert fake.recorded == [1, 2, 3, 4]
    assert fake.seen == ["full run 1 and the day"] * 2 + ["full run 2 and the day"] * 2


class FakeBaselineBench:
    """What more_baseline_runs uses of the Bench: its work folder, run_query and record."""

    def __init__(self, work: Path):
        self.work = work
        self.recorded = []

    def run_query(self, tool, label, rep, data, sql_file, out_csv):
        return SimpleNamespace(tool=tool, size=label, rep=rep, sql_file=sql_file)

    def record(self, m):
        self.recorded.append((m.tool, m.size, m.rep, m.sql_file))


@pytest.mark.parametrize(("reps", "more"), [(1, [2, 3]), (2, [3]), (3, []), (5, [])])
def test_the_sql_baseline_runs_three_times_whatever_the_size_runs(tmp_path, reps, more):
    fake = FakeBaselineBench(tmp_path)
    run_bench.Bench.more_baseline_runs(fake, "10m", None, reps)
    assert fake.recorded == [("sql", "10m", rep, "baseline_monthly.sql") for rep in more]
