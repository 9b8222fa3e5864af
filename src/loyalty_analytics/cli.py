"""The ``loyalty`` command: generate sample data, load raw tables, print the KPIs.

    loyalty generate --customers 2000 --years 3 --seed 42 --end-date 2025-12-31 --out data/sample
        [--shape default|steady] [--currencies SEK,NOK,EUR,DKK]
    loyalty load data/sample --warehouse warehouse/loyalty.duckdb [--schema raw] [--allow-missing]
    loyalty load-cdnow CDNOW_master.txt --warehouse warehouse/loyalty.duckdb [--schema raw]
    loyalty kpis --warehouse warehouse/loyalty.duckdb [--grain month] [--segment all]
    loyalty at-risk [--warehouse warehouse/loyalty.duckdb] [--top 20] [--csv out.csv]
    loyalty validate --warehouse warehouse/loyalty.duckdb [--docs-dir docs/data-docs] [--suite all]
    loyalty dirty data/sample --out data/dirty [--seed 42]
    loyalty dirty-report --warehouse warehouse/loyalty.duckdb [--schema analytics]
    loyalty check-project [--project-dir .] [--target-dir target/check]
    loyalty cdnow-proof [--data CDNOW_sample.txt] [--docs-dir docs] [--warehouse FILE]

Mistakes a user can make (a missing file or column, a bad argument) end with a one-line
message on stderr and exit status 2, without a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import duckdb

from loyalty_analytics import __version__
from loyalty_analytics.contract import RAW_SCHEMA
from loyalty_analytics.load import LoadError

USAGE_ERROR = 2


class UsageError(Exception):
    """A problem with the command line or its inputs: message only, exit status 2."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        # A handler returns None, or an exit status (validate: 1 when an expectation failed).
        status = args.handler(args)
    except (UsageError, LoadError, FileNotFoundError, ValueError, duckdb.Error) as error:
        print(f"loyalty {args.command}: error: {_one_line(error)}", file=sys.stderr)
        return USAGE_ERROR
    return status or 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="loyalty", description="Sample data, loaders and reports for loyalty_analytics."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    generate = commands.add_parser(
        "generate", help="write deterministic sample data as Parquet files",
        description="Write <out>/<table>.parquet for the five raw tables and the two of "
                    "the loyalty program.",
    )
    generate.add_argument("--customers", type=_positive_int, default=2000)
    generate.add_argument("--years", type=_positive_int, default=3)
    generate.add_argument("--seed", type=_non_negative_int, default=42)
    generate.add_argument("--end-date", type=_iso_date, default=None,
                          help="last day of the data, YYYY-MM-DD (default 2025-12-31)")
    generate.add_argument("--out", type=Path, default=Path("data/sample"))
    generate.add_argument("--shape", choices=("default", "steady"), default="default",
                          help="population: default (BTYD with seasonality) or steady "
                               "(even joins, a steady rate, no dropout)")
    generate.add_argument("--currencies", type=_currency_list, default=None,
                          metavar="SEK,NOK,EUR,DKK",
                          help="a multi-currency sample: orders in these currencies (by the "
                               "customer's country), the first the reporting currency, and "
                               "exchange_rates.parquet (default: one currency, no rates)")
    generate.set_defaults(handler=_generate)

    load = commands.add_parser(
        "load", help="load CSV or Parquet files into the raw tables of a DuckDB file",
        description="Load <dir>/<table>.parquet, <dir>/<table>.csv or <dir>/<table>/*.parquet "
        "into the raw tables.",
    )
    load.add_argument("directory", type=Path)
    load.add_argument("--warehouse", type=Path, required=True)
    load.add_argument("--schema", default=RAW_SCHEMA)
    load.add_argument("--allow-missing", action="store_true",
                      help="create a table empty when it has no file (with a warning)")
    load.set_defaults(handler=_load)

    cdnow = commands.add_parser(
        "load-cdnow", help="load the CDNOW purchase data into the raw tables",
        description="Load CDNOW_master.txt or CDNOW_sample.txt into the raw tables.",
    )
    cdnow.add_argument("file", type=Path)
    cdnow.add_argument("--warehouse", type=Path, required=True)
    cdnow.add_argument("--schema", default=RAW_SCHEMA)
    cdnow.set_defaults(handler=_load_cdnow)

    kpis = commands.add_parser("kpis", help="print the headline loyalty KPIs")
    kpis.add_argument("--warehouse", type=Path, required=True)
    kpis.add_argument("--grain", default="month")
    kpis.add_argument("--segment", default="all")
    kpis.add_argument("--top-clv", type=_non_negative_int, default=0, metavar="N",
                      help="also list the N customers with the highest predicted CLV")
    kpis.set_defaults(handler=_kpis)

    at_risk = commands.add_parser(
        "at-risk", help="print the win-back list (mart_customers_at_risk), or write it as CSV",
        description="The customers still in the base (or out of it for less than the churn "
        "window) who are overdue or probably gone, ranked by the value at risk.",
    )
    at_risk.add_argument("--warehouse", type=Path, default=Path("warehouse/loyalty.duckdb"))
    at_risk.add_argument("--top", type=_non_negative_int, default=20, metavar="N",
                         help="print the first N (default 20; 0: print nothing)")
    at_risk.add_argument("--csv", type=Path, default=None, metavar="FILE",
                         help="write the whole list to FILE as CSV (for a marketing tool)")
    at_risk.set_defaults(handler=_at_risk)

    validate = commands.add_parser(
        "validate", help="run the Great Expectations suites of the raw tables and the marts",
        description="Validate the raw tables (before dbt) and the marts (after dbt), write the "
        "HTML Data Docs; exit status 1 when an expectation fails.",
    )
    validate.add_argument("--warehouse", type=Path, default=Path("warehouse/loyalty.duckdb"))
    validate.add_argument("--docs-dir", type=Path, default=Path("docs/data-docs"))
    validate.add_argument("--suite", choices=("raw", "marts", "all"), default="all")
    validate.set_defaults(handler=_validate)

    dirty = commands.add_parser(
        "dirty", help="copy raw files with bad rows of every staging rule mixed in",
        description="Write <out>/<table>.parquet: the clean rows of CLEAN_DIR untouched, bad "
        "rows mixed in (each breaks one staging rule), and <out>/dirty_manifest.json.",
    )
    dirty.add_argument("clean_dir", type=Path, metavar="CLEAN_DIR")
    dirty.add_argument("--out", type=Path, required=True)
    dirty.add_argument("--seed", type=_non_negative_int, default=0)
    dirty.set_defaults(handler=_dirty)

    dirty_report = commands.add_parser(
        "dirty-report", help="print the rejected raw rows of a built warehouse by table and "
        "reason",
        description="Print the quarantine report: the raw rows the staging rules rejected, "
        "summed by source table and reject reason (mart_data_quality).",
    )
    dirty_report.add_argument("--warehouse", type=Path, required=True)
    dirty_report.add_argument("--schema", default="analytics",
                              help="schema of the marts (default analytics)")
    dirty_report.set_defaults(handler=_dirty_report)

    check = commands.add_parser(
        "check-project", help="lint the dbt project's metadata with dbt-score",
        description="Build every model empty in a warehouse of its own, generate the dbt "
        "catalog and lint the manifest with dbt-score (pyproject.toml [tool.dbt-score]): "
        "descriptions, key tests, layers. Exit status 1 when a rule is broken.",
    )
    check.add_argument("--project-dir", type=Path, default=Path("."))
    check.add_argument("--target-dir", type=Path, default=None,
                       help="where the empty build, manifest and catalog go "
                       "(default: PROJECT_DIR/target/check)")
    check.add_argument("--profiles-dir", type=Path, default=None)
    check.set_defaults(handler=_check_project)

    proof = commands.add_parser(
        "cdnow-proof", help="fit the predictive CLV models on CDNOW and compare with the papers",
        description="Load the CDNOW 1/10 sample into a temporary warehouse, build the "
        "predictive models at 1997-09-30, compare the fitted parameters with the published "
        "ones (1 %%) and weeks 40-78 with the predictions; write docs/predictive_clv.md and "
        "its plot. Exit status 1 when a parameter is off by more than 1 %%.",
    )
    proof.add_argument("--data", type=Path, default=None,
                       help="CDNOW_sample.txt (default: datasets/cdnow/CDNOW_sample.txt)")
    proof.add_argument("--docs-dir", type=Path, default=None,
                       help="where predictive_clv.md and img/ are written (default: docs)")
    proof.add_argument("--no-docs", action="store_true", help="print only, write nothing")
    proof.add_argument("--warehouse", type=Path, default=None,
                       help="keep the DuckDB warehouse here (default: a temporary file)")
    proof.set_defaults(handler=_cdnow_proof)
    return parser


def _currency_list(text: str) -> tuple[str, ...]:
    from loyalty_analytics.generate import _check_currencies

    try:
        return _check_currencies(tuple(text.split(",")))
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def _generate(args: argparse.Namespace) -> None:
    from loyalty_analytics.generate import DEFAULT_END_DATE, generate

    rows = generate(
        args.out,
        customers=args.customers,
        years=args.years,
        seed=args.seed,
        end_date=args.end_date or DEFAULT_END_DATE,
        progress=True,
        shape=args.shape,
        currencies=args.currencies,
    )
    for table, count in rows.items():
        print(f"{args.out / (table + '.parquet')}: {count:,} rows")


def _load(args: argparse.Namespace) -> None:
    from loyalty_analytics.load import load_directory

    load_directory(args.directory, args.warehouse, schema=args.schema,
                   allow_missing=args.allow_missing)


def _load_cdnow(args: argparse.Namespace) -> None:
    from loyalty_analytics.cdnow import load_cdnow

    load_cdnow(args.file, args.warehouse, schema=args.schema)


def _kpis(args: argparse.Namespace) -> None:
    # The warehouse must exist: connecting to a missing DuckDB file would create it.
    if not args.warehouse.is_file():
        raise UsageError(f"warehouse not found: {args.warehouse} (load data and run dbt build "
                         "first)")
    from loyalty_analytics.report import print_kpis

    print_kpis(warehouse=args.warehouse, grain=args.grain, segment=args.segment)
    if args.top_clv:
        from loyalty_analytics.cdnow_proof import print_top_predicted

        print()
        print_top_predicted(args.warehouse, n=args.top_clv)


def _at_risk(args: argparse.Namespace) -> None:
    if not args.warehouse.is_file():
        raise UsageError(f"warehouse not found: {args.warehouse} (load data and run dbt build "
                         "first)")
    from loyalty_analytics.report import print_at_risk

    print_at_risk(args.warehouse, top=args.top, csv_path=args.csv)


def _validate(args: argparse.Namespace) -> int:
    # Checked here: a missing DuckDB file would be created by a connection.
    if not args.warehouse.is_file():
        raise UsageError(f"warehouse not found: {args.warehouse}")
    from loyalty_analytics.validate import run

    return run(warehouse=args.warehouse, docs_dir=args.docs_dir, suite=args.suite)


def _cdnow_proof(args: argparse.Namespace) -> int:
    from loyalty_analytics.cdnow_proof import DEFAULT_DOCS_DIR, DEFAULT_SAMPLE, run_proof

    data = args.data or DEFAULT_SAMPLE
    if not data.is_file():
        raise UsageError(f"CDNOW sample not found: {data}")
    docs = None if args.no_docs else (args.docs_dir or DEFAULT_DOCS_DIR)
    try:
        result = run_proof(data, docs_dir=docs, warehouse=args.warehouse)
    except RuntimeError as error:  # dbt build failed: its output is in the message
        print(f"loyalty cdnow-proof: {error}", file=sys.stderr)
        return 1
    return 0 if result.passed else 1


def _check_project(args: argparse.Namespace) -> int:
    from loyalty_analytics.project_checks import check_project
    from loyalty_analytics.report import format_project_check

    if not (args.project_dir / "dbt_project.yml").is_file():
        raise UsageError(f"no dbt_project.yml in {args.project_dir}")
    try:
        result = check_project(args.project_dir.resolve(), target_dir=args.target_dir,
                               profiles_dir=args.profiles_dir)
    except RuntimeError as error:  # the empty build failed: dbt's log says why
        print(f"loyalty check-project: {error}", file=sys.stderr)
        return 1
    print(format_project_check(result))
    return 0 if result.passed else 1


def _dirty(args: argparse.Namespace) -> None:
    from loyalty_analytics.dirty import make_dirty
    from loyalty_analytics.report import format_dirty_copy

    manifest = make_dirty(args.clean_dir, args.out, seed=args.seed)
    print(format_dirty_copy(manifest, args.out))


def _dirty_report(args: argparse.Namespace) -> None:
    # Checked here: a missing DuckDB file would be created by a connection.
    if not args.warehouse.is_file():
        raise UsageError(f"warehouse not found: {args.warehouse} (load data and run dbt build "
                         "first)")
    from loyalty_analytics.report import print_quarantine_report

    # A warehouse without mart_data_quality: duckdb.CatalogException, one line, status 2.
    print_quarantine_report(args.warehouse, schema=args.schema)


def _positive_int(text: str) -> int:
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text}")
    return value


def _non_negative_int(text: str) -> int:
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text}")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text}") from None


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text}") from None


def _one_line(error: BaseException) -> str:
    text = str(error).strip()
    if isinstance(error, FileNotFoundError) and error.filename:
        text = f"file not found: {error.filename}"
    return text.splitlines()[0] if text else type(error).__name__


if __name__ == "__main__":
    sys.exit(main())
