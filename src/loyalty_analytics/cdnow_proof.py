"""Proof of the predictive CLV models on real data: CDNOW, as in Fader, Hardie & Lee (2005).

``loyalty cdnow-proof`` (``make cdnow-proof``) loads the 1/10 sample (2,357 customers) into a
throw-away DuckDB warehouse, builds the predictive models with dbt at the observation date
1997-09-30 (the end of week 39, the papers' calibration period 1997-01-01..1997-09-30), and
checks what the warehouse fitted against the published per-week estimates (to 1 %). It then sets
the predicted repeat purchases of weeks 40-78 (the papers' holdout period, to 1998-06-30)
beside the actual ones, as a table and a plot, and writes both into docs/predictive_clv.md.
The same build runs the warehouse's holdout validation (var clv_holdout_days = 273, the days
from 1997-10-01 to the as-of date 1998-06-30): mart_clv_holdout, mean holdout purchases by
calibration frequency, predicted vs actual, printed and drawn to docs/img/cdnow_holdout.png.
Every table is printed through loyalty_analytics.report.

``print_top_predicted(warehouse)`` prints the customers with the highest predicted CLV of a
built warehouse (for ``make demo``).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np

from loyalty_analytics import btyd, report

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEFAULT_SAMPLE = PROJECT_DIR / "datasets" / "cdnow" / "CDNOW_sample.txt"
DEFAULT_DOCS_DIR = PROJECT_DIR / "docs"
PLOT_NAME = "cdnow_weekly_repeat_purchases.png"
HOLDOUT_PLOT_NAME = "cdnow_holdout.png"

FIRST_DAY = dt.date(1997, 1, 1)  # day 0 of week 1
OBSERVATION_DATE = dt.date(1997, 9, 30)  # last day of week 39
CALIBRATION_WEEKS = 39
LAST_WEEK = 78  # the data end on 1998-06-30, the last day of week 78
AS_OF_DATE = dt.date(1998, 6, 30)
HOLDOUT_DAYS = (AS_OF_DATE - OBSERVATION_DATE).days  # 273: weeks 40-78 (FHL 2005)
# The build's vars: the live models observe at 1997-09-30, the holdout validation fits on the
# calibration period to the same day and predicts the 273 days after it.
PROOF_VARS = {"clv_observation_date": OBSERVATION_DATE.isoformat(),
              "as_of_date": AS_OF_DATE.isoformat(), "clv_holdout_days": HOLDOUT_DAYS}
TOLERANCE = 0.01
SCHEMA = "analytics"

# Published per-week estimates (btyd.CDNOW_*), and the BG/NBD log-likelihood of the paper.
PUBLISHED = {("bg_nbd", k): v for k, v in btyd.CDNOW_BG_NBD.items()} | {
    ("gamma_gamma", k): v for k, v in btyd.CDNOW_GAMMA_GAMMA.items()}
PUBLISHED_BG_NBD_LOG_LIKELIHOOD = -9582.4

DOC_START = "<!-- cdnow-proof:start (written by `loyalty cdnow-proof`; do not edit by hand) -->"
DOC_END = "<!-- cdnow-proof:end -->"


@dataclass(frozen=True)
class ProofResult:
    parameters: list[dict]  # model, parameter, published, fitted, relative_difference
    log_likelihoods: dict[str, float]
    weekly: list[dict]  # week, week_start, actual, predicted, predicted_unconditional
    holdout: list[dict]  # the rows of mart_clv_holdout, in bucket order
    correlation: float
    customers: int
    repeat_customers: int
    dbt_seconds: float

    @property
    def passed(self) -> bool:
        return all(abs(p["relative_difference"]) <= TOLERANCE for p in self.parameters)


# --------------------------------------------------------------------------------------------
# The proof


def run_proof(sample: str | os.PathLike = DEFAULT_SAMPLE, *,
              docs_dir: str | os.PathLike | None = DEFAULT_DOCS_DIR,
              warehouse: str | os.PathLike | None = None,
              project_dir: str | os.PathLike = PROJECT_DIR) -> ProofResult:
    """Load, build, compare; print the tables and, with ``docs_dir``, write the doc and plot.

    ``warehouse``: keep the DuckDB file there (default: a temporary one, removed afterwards).
    """
    from loyalty_analytics.cdnow import load_cdnow

    with tempfile.TemporaryDirectory(prefix="cdnow-proof-") as tmp:
        root = Path(tmp)
        path = Path(warehouse) if warehouse else root / "cdnow.duckdb"
        if path.exists():
            path.unlink()
        load_cdnow(sample, path)
        started = dt.datetime.now()
        build_predictive(path, Path(project_dir), root, PROOF_VARS)
        dbt_seconds = (dt.datetime.now() - started).total_seconds()
        result = evaluate(path, dbt_seconds)

    print(proof_report(result))
    if docs_dir is not None:
        docs = Path(docs_dir)
        plot = docs / "img" / PLOT_NAME
        try:
            write_plot(result, plot)
        except ImportError:
            print("\nmatplotlib is not installed: the plot is not redrawn", file=sys.stderr)
        holdout_plot = docs / "img" / HOLDOUT_PLOT_NAME
        try:
            write_holdout_plot(result, holdout_plot)
        except ImportError:
            pass
        write_doc(result, docs / "predictive_clv.md", plot, holdout_plot)
        print(f"\nwrote {docs / 'predictive_clv.md'}, {plot} and {holdout_plot}")
    return result


def build_predictive(warehouse: Path, project_dir: Path, work_dir: Path, dbt_vars: dict) -> None:
    """``dbt build`` of the predictive marts and everything upstream, in a child process
    (so the warehouse file is free afterwards), with a throw-away profiles and target dir."""
    profiles = work_dir / "profiles"
    profiles.mkdir(exist_ok=True)
    shutil.copy(project_dir / "profiles.example.yml", profiles / "profiles.yml")
    dbt = Path(sys.executable).with_name("dbt")
    command = [
        str(dbt) if dbt.exists() else "dbt", "build",
        "--select", "+mart_customer_clv", "+mart_clv_model", "+mart_clv_holdout",
        "--indirect-selection", "cautious",
        "--vars", _yaml_map(dbt_vars),
        "--project-dir", str(project_dir),
        "--profiles-dir", str(profiles),
        "--target-path", str(work_dir / "target"),
        "--log-path", str(work_dir / "logs"),
    ]
    env = {**os.environ, "DBT_DUCKDB_PATH": str(warehouse), "DBT_TARGET": "duckdb",
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1"}
    done = subprocess.run(command, cwd=project_dir, env=env, capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"dbt build failed:\n{done.stdout[-4000:]}{done.stderr[-2000:]}")


def evaluate(warehouse: Path, dbt_seconds: float = 0.0, read_only: bool = True) -> ProofResult:
    """Compare the warehouse's fit with the papers, and its predictions with weeks 40-78.

    read_only=False where this process holds the file open already (dbt in-process): DuckDB
    refuses a second connection to it with another configuration."""
    with duckdb.connect(str(warehouse), read_only=read_only) as con:
        fitted = _records(con, f"select * from {SCHEMA}.mart_clv_model")
        try:
            holdout = report.clv_holdout_rows(con, SCHEMA)
        except duckdb.CatalogException:  # built without +mart_clv_holdout
            holdout = []
        # Per customer (in customer_id order): the RFM summary at the observation date.
        rfm = con.execute(f"""
            select r.frequency, r.recency, r.t, r.first_purchase_date
            from {SCHEMA}.int_customer_rfm_summarised as r
            order by r.customer_id
        """).fetchnumpy()
        weekly_actual = dict(con.execute(f"""
            with days as (
                select distinct
                    o.customer_id,
                    o.order_date,
                    r.first_purchase_date
                from {SCHEMA}.int_orders_validated as o
                inner join {SCHEMA}.int_customer_rfm_summarised as r using (customer_id)
            )
            select date_diff('day', ?, order_date) // 7 + 1 as week, count(*)
            from days
            where order_date > first_purchase_date
            group by 1
        """, [FIRST_DAY]).fetchall())

    params = {(r["model_name"], r["parameter_name"]): r for r in fitted}
    parameters = []
    for key, published in PUBLISHED.items():
        value = params[key]["parameter_value"]
        parameters.append({
            "model": key[0], "parameter": key[1], "published": published, "fitted": value,
            "relative_difference": (value - published) / published if value is not None
            else float("inf"),
            "converged": params[key]["is_converged"],
        })
    bg = {k[1]: v["parameter_value"] for k, v in params.items() if k[0] == "bg_nbd"}
    first = next(iter(fitted))

    # Weeks in the papers' unit: T and recency in days / 7; day 0 = 1997-01-01.
    x = rfm["frequency"].astype(float)
    t_x = rfm["recency"].astype(float) / 7
    T = rfm["t"].astype(float) / 7
    first_day = np.array([(d - FIRST_DAY).days for d in _dates(rfm["first_purchase_date"])],
                         dtype=float)
    weekly = []
    previous = 0.0
    for week in range(1, LAST_WEEK + 1):
        end = 7 * week - 1  # last day of the week, days since 1997-01-01
        since_first = np.clip((end - first_day) / 7, 0, None)
        since_first_before = np.clip((end - 7 - first_day) / 7, 0, None)
        unconditional = float(np.sum(btyd.bg_nbd_expected_purchases_new(bg, since_first)
                                     - btyd.bg_nbd_expected_purchases_new(bg, since_first_before)))
        row = {"week": week, "week_start": FIRST_DAY + dt.timedelta(days=7 * (week - 1)),
               "actual": int(weekly_actual.get(week, 0)), "predicted": None,
               "predicted_unconditional": unconditional}
        if week > CALIBRATION_WEEKS:
            cumulative = float(btyd.bg_nbd_expected_purchases(
                bg, week - CALIBRATION_WEEKS, x, t_x, T).sum())
            row["predicted"] = cumulative - previous
            previous = cumulative
        weekly.append(row)

    return ProofResult(
        parameters=parameters,
        log_likelihoods={"bg_nbd": params[("bg_nbd", "r")]["log_likelihood"],
                         "gamma_gamma": params[("gamma_gamma", "p")]["log_likelihood"]},
        weekly=weekly,
        holdout=holdout,
        correlation=first["frequency_monetary_correlation"],
        customers=first["customers"],
        repeat_customers=first["repeat_customers"],
        dbt_seconds=dbt_seconds,
    )


# --------------------------------------------------------------------------------------------
# Output


def parameter_table(result: ProofResult) -> str:
    return report.btyd_parameter_table(result.parameters, TOLERANCE, _symbol)


def weekly_table(result: ProofResult) -> str:
    return report.weekly_purchases_table(
        [w for w in result.weekly if w["week"] > CALIBRATION_WEEKS])


def frequency_table(result: ProofResult) -> str:
    if not result.holdout:
        return "mart_clv_holdout is not built (var clv_holdout_days unset)"
    return report.clv_holdout_table(result.holdout, "frequency (weeks 1-39)")


def proof_report(result: ProofResult) -> str:
    holdout = [w for w in result.weekly if w["week"] > CALIBRATION_WEEKS]
    actual = sum(w["actual"] for w in holdout)
    predicted = sum(w["predicted"] for w in holdout)
    status = "PASS" if result.passed else "FAIL"
    return "\n".join([
        f"CDNOW 1/10 sample: {result.customers:,} customers, {result.repeat_customers:,} with "
        f"a repeat purchase in weeks 1-39 (observation date {OBSERVATION_DATE}).",
        "",
        f"Fitted (warehouse, per week) vs published parameters: {status} (tolerance 1 %)",
        "",
        parameter_table(result),
        "",
        f"BG/NBD log-likelihood {result.log_likelihoods['bg_nbd']:.2f} (published "
        f"{PUBLISHED_BG_NBD_LOG_LIKELIHOOD}); Gamma-Gamma "
        f"{result.log_likelihoods['gamma_gamma']:.2f}; corr(frequency, monetary_value) = "
        f"{result.correlation:.4f}.",
        "",
        "Repeat purchases (purchase days) per week in the holdout weeks 40-78: actual vs "
        "predicted (BG/NBD conditional on weeks 1-39; 'unconditional' = the papers' tracking "
        "curve, from each customer's first purchase)",
        "",
        weekly_table(result),
        "",
        f"Weeks 40-78: actual {actual:,} repeat purchases, predicted {predicted:,.1f} "
        f"({(predicted - actual) / actual * 100:+.1f} %).",
        "",
        "Holdout validation (mart_clv_holdout, var clv_holdout_days = "
        f"{HOLDOUT_DAYS}): mean repeat purchases in weeks 40-78 by the number in weeks 1-39, "
        "actual vs BG/NBD fitted on weeks 1-39 (conditional expectations)",
        "",
        frequency_table(result),
        "",
        f"dbt build (load excluded): {result.dbt_seconds:.1f} s",
    ])


def write_plot(result: ProofResult, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    weeks = [w["week"] for w in result.weekly]
    holdout = [w for w in result.weekly if w["week"] > CALIBRATION_WEEKS]
    figure, axis = plt.subplots(figsize=(9, 4.5), dpi=110)
    axis.plot(weeks, [w["actual"] for w in result.weekly], color="black", linewidth=1.6,
              label="actual")
    axis.plot(weeks, [w["predicted_unconditional"] for w in result.weekly], color="tab:blue",
              linestyle="--", linewidth=1.2, label="BG/NBD, unconditional (papers' tracking)")
    axis.plot([w["week"] for w in holdout], [w["predicted"] for w in holdout], color="tab:red",
              linewidth=1.6, label="BG/NBD, conditional on weeks 1-39 (mart_customer_clv)")
    axis.axvline(CALIBRATION_WEEKS + 0.5, color="grey", linestyle=":", linewidth=1)
    axis.text(CALIBRATION_WEEKS + 1, axis.get_ylim()[1] * 0.92, "observation date\n1997-09-30",
              fontsize=8, color="grey", va="top")
    axis.set_xlabel("week (week 1 starts 1997-01-01)")
    axis.set_ylabel("repeat purchases (purchase days)")
    axis.set_title("CDNOW 1/10 sample: weekly repeat purchases, actual vs BG/NBD")
    axis.set_xlim(1, LAST_WEEK)
    axis.legend(frameon=False, fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Fixed metadata: the same figure gives the same bytes.
    figure.savefig(path, metadata={"Software": None})
    plt.close(figure)


def write_holdout_plot(result: ProofResult, path: Path) -> None:
    """Mean holdout purchases per calibration-frequency bucket, actual vs predicted (bars)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    rows = [r for r in result.holdout if r["frequency_bucket"] != "all" and r["customers"]]
    positions = np.arange(len(rows))
    figure, axis = plt.subplots(figsize=(8, 4.2), dpi=110)
    axis.bar(positions - 0.2, [r["actual_mean"] for r in rows], width=0.4, color="black",
             label="actual")
    axis.bar(positions + 0.2, [r["predicted_mean"] or 0.0 for r in rows], width=0.4,
             color="tab:red", label="BG/NBD, fitted on weeks 1-39 (mart_clv_holdout)")
    axis.set_xticks(positions, [r["frequency_bucket"] for r in rows])
    for x, r in zip(positions, rows, strict=True):
        axis.text(x, max(r["actual_mean"], r["predicted_mean"] or 0.0) + 0.05,
                  f"n={r['customers']:,}", ha="center", fontsize=7, color="grey")
    axis.set_xlabel("repeat purchases in weeks 1-39 (calibration, to 1997-09-30)")
    axis.set_ylabel("mean repeat purchases, weeks 40-78")
    axis.set_title("CDNOW 1/10 sample: holdout purchases by calibration frequency")
    axis.legend(frameon=False, fontsize=8, loc="upper left")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, metadata={"Software": None})
    plt.close(figure)


def write_doc(result: ProofResult, path: Path, plot: Path,
              holdout_plot: Path | None = None) -> None:
    """Replace the generated section of ``path`` (between the markers), keeping the rest."""
    relative = os.path.relpath(plot, path.parent)
    section = "\n".join([
        DOC_START,
        "",
        "```text",
        proof_report(result).replace(
            f"dbt build (load excluded): {result.dbt_seconds:.1f} s", "").rstrip(),
        "```",
        "",
        f"![Weekly repeat purchases on CDNOW, actual vs BG/NBD]({relative})",
        "",
        *([f"![Mean holdout purchases by calibration frequency on CDNOW, actual vs BG/NBD]"
           f"({os.path.relpath(holdout_plot, path.parent)})", ""]
          if holdout_plot is not None else []),
        DOC_END,
    ])
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if DOC_START in text and DOC_END in text:
        before = text[:text.index(DOC_START)]
        after = text[text.index(DOC_END) + len(DOC_END):]
        text = before + section + after
    else:
        text = (text.rstrip() + "\n\n" if text else "") + section + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------------------------
# Top customers by predicted CLV (make demo)


def top_predicted_table(warehouse: str | os.PathLike, n: int = 10, schema: str = SCHEMA,
                        read_only: bool = True) -> str:
    """The ``n`` customers with the highest predicted_clv_365d as a text table."""
    with duckdb.connect(str(warehouse), read_only=read_only) as con:
        models = _records(con, f"""
            select model_name, bool_and(is_converged) as is_converged, min(message) as message,
                max(observation_date) as observation_date
            from {schema}.mart_clv_model group by 1 order by 1
        """)
        top = _records(con, f"""
            select * from {schema}.mart_customer_clv
            where predicted_clv_365d is not null
            order by predicted_clv_365d desc, customer_id
            limit ?
        """, [n])
    observation = next((m["observation_date"] for m in models), None)
    failed = [m for m in models if not m["is_converged"]]
    title = f"Top {n} customers by predicted CLV over the next 365 days, as of {observation}"
    if failed or not top:
        reasons = "; ".join(f"{m['model_name']}: {m['message']}" for m in failed)
        return f"{title}\n\nNo predictions: {reasons or 'no customers'}"
    header = ["customer", "purchases", "recency d", "T d", "avg repeat", "P(alive)",
              "exp. 365d", "exp. AOV", "predicted CLV"]
    rows = [[r["customer_id"], f"{r['frequency'] + 1:,}", f"{r['recency']:,}", f"{r['t']:,}",
             f"{r['monetary_value']:,.2f}", f"{r['p_alive']:.2f}",
             f"{r['expected_purchases_365d']:.2f}", f"{r['expected_avg_order_value']:,.2f}",
             f"{r['predicted_clv_365d']:,.2f}"] for r in top]
    return f"{title}\n\n{report.render_table(header, rows)}"


def print_top_predicted(warehouse: str | os.PathLike, n: int = 10, schema: str = SCHEMA) -> None:
    """Print the top ``n`` customers by predicted CLV of a built warehouse (``make demo``)."""
    path = Path(warehouse)
    if not path.is_file():
        raise SystemExit(f"no warehouse at {path}: run `make demo` first")
    try:
        print(top_predicted_table(path, n=n, schema=schema))
    except duckdb.CatalogException:
        print(f"Predicted CLV: mart_customer_clv is not built in {path} (the predictive models "
              "are built on DuckDB by `dbt build`).", file=sys.stderr)


# --------------------------------------------------------------------------------------------


def _records(con, sql: str, params=None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _dates(values) -> list[dt.date]:
    out = []
    for value in values:
        if isinstance(value, np.datetime64):
            value = value.astype("datetime64[D]").astype(dt.date)
        elif isinstance(value, dt.datetime):
            value = value.date()
        out.append(value)
    return out


def _symbol(name: str) -> str:
    return {"alpha": "alpha", "v": "v (gamma)"}.get(name, name)


def _yaml_map(values: dict) -> str:
    def literal(value):  # numbers stay numbers: the project's vars reject '273'
        return str(value) if isinstance(value, int | float) else f"'{value}'"

    return "{" + ", ".join(f"{k}: {literal(v)}" for k, v in values.items()) + "}"
