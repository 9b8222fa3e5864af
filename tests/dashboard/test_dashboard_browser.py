"""The dashboard in a real browser: `streamlit run dashboard/app.py` on the demo warehouse,
driven by Selenium in Debian's headless Chromium (`make browser` installs it).

The numbers on screen are read back and compared with the marts, the grain and segment
selectors are used as a person would, and the screenshots are taken: into a temporary
directory, so that `make test` leaves the work tree as it was, or into
$DASHBOARD_SCREENSHOT_DIR (`make screenshots` sets it to docs/img/ to refresh the docs).
"""

from __future__ import annotations

import atexit
import io
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import BAD_ROWS, BIN, DASHBOARD_DIR

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# The flags of the machine notes: no sandbox as root, and no background connections, which
# this machine's closed network refuses.
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1400,2200",
)
if os.environ.get("DASHBOARD_SCREENSHOT_DIR"):
    SCREENSHOT_DIR = Path(os.environ["DASHBOARD_SCREENSHOT_DIR"])
else:
    SCREENSHOT_DIR = Path(tempfile.mkdtemp(prefix="dashboard-screenshots-"))
    atexit.register(shutil.rmtree, SCREENSHOT_DIR, ignore_errors=True)
WAIT_SECONDS = 45

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()) and os.environ.get("CI") != "true",
    reason="Chromium is not installed: run `make browser` (CI always runs this test)")

# Tile label -> (column of mart_loyalty_kpis, kind). Written out here, not imported from the
# dashboard, so that a wrong mapping there shows up as a mismatch.
TILES = {
    "Customer retention rate": ("customer_retention_rate", "rate"),
    "Churn rate": ("churn_rate", "rate"),
    "Repeat purchase rate": ("repeat_purchase_rate", "rate"),
    "Returning customer rate": ("returning_customer_rate", "rate"),
    "NPS": ("nps", "score"),
    "CSAT (share 4–5)": ("csat_pct", "rate"),
    "Customer Loyalty Index": ("cli", "score"),
    "Historical CLV": ("clv", "money"),
    "Customers in the base": ("customers_end", "count"),
    "Active customers": ("active_customers", "count"),
    "Revenue": ("revenue", "money"),
    "Mean engagement score": ("mean_engagement_score", "mean"),
}
# Half the last digit shown, as a fraction of the mart's unit.
TOLERANCE = {"rate": 0.0005, "score": 0.05, "money": 0.005, "count": 0, "mean": 0.005}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def dashboard_url(demo, tmp_path_factory):
    """The dashboard served by Streamlit on a free localhost port, stopped afterwards."""
    port = free_port()
    cwd = tmp_path_factory.mktemp("streamlit")  # no project .streamlit/ config is picked up
    # The warehouse under its default relative name, as `make dashboard` shows it.
    (cwd / "warehouse").mkdir()
    (cwd / "warehouse" / "loyalty.duckdb").symlink_to(demo.warehouse)
    env = {**demo.env(), "HOME": str(cwd), "DBT_DUCKDB_PATH": "warehouse/loyalty.duckdb"}
    log = (cwd / "streamlit.log").open("w")
    server = subprocess.Popen(
        [str(BIN / "streamlit"), "run", str(DASHBOARD_DIR / "app.py"),
         "--server.headless", "true", "--server.address", "127.0.0.1",
         "--server.port", str(port), "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none", "--client.toolbarMode", "viewer"],
        cwd=cwd, env=env,
        stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            assert server.poll() is None, (cwd / "streamlit.log").read_text()
            assert time.monotonic() < deadline, "Streamlit did not start within 60 s"
            time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def page(browser, dashboard_url):
    browser.get(dashboard_url)
    wait_for_dashboard(browser)
    return browser


def wait_until(driver, condition, message: str, seconds: float = WAIT_SECONDS):
    def safe(d):
        try:
            return condition(d)
        except StaleElementReferenceException:
            return False
    try:
        return WebDriverWait(driver, seconds, poll_frequency=0.25).until(safe)
    except TimeoutException:
        raise AssertionError(f"timed out waiting for {message}") from None


def wait_for_dashboard(driver) -> None:
    """Streamlit renders asynchronously: wait for the tiles, every chart and the last panel."""
    wait_until(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, '[data-testid="stMetric"]'))
               == len(TILES), "the KPI tiles")
    wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".st-key-section_quality"),
               "the data-quality panel")
    wait_until(driver, charts_drawn, "every chart to be drawn")


def charts_drawn(driver) -> bool:
    charts = driver.find_elements(By.CSS_SELECTOR, '[data-testid="stVegaLiteChart"]')
    return len(charts) >= 9 and all(
        c.find_elements(By.CSS_SELECTOR, "canvas, svg.marks") for c in charts)


def text_of(driver, css: str) -> str:
    return driver.find_element(By.CSS_SELECTOR, css).text


def read_tiles(driver) -> dict[str, tuple[str, str | None]]:
    tiles = {}
    for tile in driver.find_elements(By.CSS_SELECTOR, '[data-testid="stMetric"]'):
        label = tile.find_element(By.CSS_SELECTOR, '[data-testid="stMetricLabel"]').text.strip()
        value = tile.find_element(By.CSS_SELECTOR, '[data-testid="stMetricValue"]').text.strip()
        deltas = tile.find_elements(By.CSS_SELECTOR, '[data-testid="stMetricDelta"]')
        tiles[label] = (value, deltas[0].text.strip() if deltas else None)
    return tiles


def parse(shown: str) -> float | None:
    """'97.6 %' -> 0.976, '+18.8' -> 18.8, '1,835.40' -> 1835.4, '–' -> None."""
    if shown in {"–", "-", ""}:
        return None
    number = float(re.sub(r"[^0-9.+-]", "", shown.replace("−", "-")))
    return number / 100 if shown.endswith("%") else number


def parse_delta(shown: str, kind: str) -> float:
    number = float(re.sub(r"[^0-9.+-]", "", shown.replace("−", "-")))
    return number / 100 if kind == "rate" else number


def mismatches(tiles, current: dict, previous: dict | None) -> list[str]:
    wrong = []
    for label, (column, kind) in TILES.items():
        if label not in tiles:
            wrong.append(f"{label}: no tile")
            continue
        value, delta = tiles[label]
        expected = current[column]
        got = parse(value)
        if expected is None or got is None:
            if expected is not None or got is not None:
                wrong.append(f"{label}: shows {value!r}, mart has {expected}")
            continue
        if abs(got - float(expected)) > TOLERANCE[kind] + 1e-9:
            wrong.append(f"{label}: shows {value!r}, mart has {expected}")
        before = previous[column] if previous else None
        if before is not None and delta is not None:
            change = float(expected) - float(before)
            if abs(parse_delta(delta, kind) - change) > TOLERANCE[kind] + 1e-9:
                wrong.append(f"{label}: delta {delta!r}, mart change {change}")
        elif before is not None and delta is None:
            wrong.append(f"{label}: no delta, previous period has {before}")
    return wrong


def latest_two(demo, grain: str, segment: str) -> tuple[dict, dict | None]:
    rows = demo.query(
        "select * from analytics.mart_loyalty_kpis where period_grain = ? and segment = ? "
        "order by period_start desc limit 2", [grain, segment])
    return rows[0], rows[1] if len(rows) > 1 else None


def assert_tiles_match(driver, demo, grain: str, segment: str) -> None:
    current, previous = latest_two(demo, grain, segment)
    found: list[str] = []

    def matching(d):
        found[:] = mismatches(read_tiles(d), current, previous)
        return not found

    try:
        wait_until(driver, matching, f"the tiles of {grain} / {segment}", seconds=20)
    except AssertionError:
        raise AssertionError("\n".join(found)) from None


def screenshot(driver, css: str, name: str) -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / name
    element = driver.find_element(By.CSS_SELECTOR, css)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    time.sleep(0.3)
    element.screenshot(str(path))
    return path


def test_header_shows_the_as_of_date_and_that_the_last_month_is_cut(page, demo):
    [row] = demo.query("select max(period_end) as as_of from analytics.mart_loyalty_kpis")
    header = text_of(page, ".st-key-as_of")
    assert f"As of {row['as_of']:%Y-%m-%d}" in header
    # Data to 2025-06-15: June is cut at the as-of date.
    assert "last month: 2025-06, not complete" in header


def test_kpi_tiles_equal_the_latest_month_of_mart_loyalty_kpis(page, demo):
    assert "Headline KPIs · all · 2025-06*" in text_of(page, ".st-key-section_kpis")
    assert_tiles_match(page, demo, "month", "all")


def test_every_panel_is_drawn_from_its_mart(page, demo):
    assert len(page.find_elements(
        By.CSS_SELECTOR, '.st-key-section_trends [data-testid="stVegaLiteChart"]')) == 7
    assert page.find_elements(
        By.CSS_SELECTOR, '.st-key-section_cohorts [data-testid="stVegaLiteChart"]')
    # Engagement of the selected period (June 2025, all segments): the customers with an event
    # in mart_engagement, and their mean score in mart_loyalty_kpis.
    [engaged] = demo.query(
        "select count(*) as customers, avg(engagement_score) as mean_score "
        "from analytics.mart_engagement "
        "where period_grain = 'month' and period_start = date '2025-06-01'")
    assert (f"{engaged['customers']:,} engaged customers, mean score {engaged['mean_score']:.2f}"
            in text_of(page, ".st-key-section_engagement"))
    # The predicted CLV: the table of the top customers, or the note when the mart is missing.
    [has_clv] = demo.query(
        "select count(*) as n from information_schema.tables "
        "where table_name = 'mart_customer_clv'")
    clv_panel = page.find_element(By.CSS_SELECTOR, ".st-key-section_clv")
    if has_clv["n"]:
        assert clv_panel.find_elements(By.CSS_SELECTOR, '[data-testid="stDataFrame"]')
    else:
        assert "mart_customer_clv is not in this warehouse" in clv_panel.text
    # The quarantined rows that the demo fixture added.
    quality = text_of(page, ".st-key-section_quality")
    assert f"{sum(BAD_ROWS.values())} raw rows quarantined" in quality


def test_screenshots_for_the_readme(page):
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.execute_script("window.scrollTo(0, 0);")
    from PIL import Image  # Pillow comes with Streamlit

    full = Image.open(io.BytesIO(page.get_screenshot_as_png()))
    full.crop((0, 0, full.width, min(full.height, 1150))).save(SCREENSHOT_DIR / "dashboard.png")
    shots = [
        screenshot(page, ".st-key-section_trends", "dashboard_trends.png"),
        screenshot(page, ".st-key-section_cohorts", "dashboard_cohorts.png"),
        screenshot(page, ".st-key-section_clv", "dashboard_clv.png"),
        screenshot(page, ".st-key-section_engagement", "dashboard_engagement.png"),
        screenshot(page, ".st-key-section_quality", "dashboard_data_quality.png"),
    ]
    for path in [SCREENSHOT_DIR / "dashboard.png", *shots]:
        assert path.stat().st_size > 10_000, path


def test_grain_and_segment_selectors_change_the_tiles(page, demo):
    sidebar = page.find_element(By.CSS_SELECTOR, '[data-testid="stSidebar"]')
    sidebar.find_element(By.XPATH, ".//label[.//p[text()='Quarter']]").click()
    wait_until(page, lambda d: "Headline KPIs · all · 2025-Q2*" in text_of(
        d, ".st-key-section_kpis"), "the quarter view")
    segment_box = sidebar.find_elements(By.CSS_SELECTOR, '[data-testid="stSelectbox"]')[0]
    segment_box.find_element(By.CSS_SELECTOR, "input").click()
    segment_box.find_element(By.CSS_SELECTOR, "input").send_keys("B2B", Keys.ENTER)
    wait_until(page, lambda d: "Headline KPIs · B2B · 2025-Q2*" in text_of(
        d, ".st-key-section_kpis"), "the B2B quarter view")
    assert_tiles_match(page, demo, "quarter", "B2B")


def test_who_to_win_back_shows_the_segment_grid_and_the_list(page, demo):
    wait_until(page, lambda d: d.find_elements(By.CSS_SELECTOR, ".st-key-section_win_back"),
               "the win-back section")
    section = page.find_element(By.CSS_SELECTOR, ".st-key-section_win_back")
    [listed] = demo.query(
        "select count(*) as customers, sum(value_at_risk) as value "
        "from analytics.mart_customers_at_risk")
    assert listed["customers"] > 0, "the demo data has customers to win back"
    assert (f"{listed['customers']:,} customers to win back, value at risk "
            f"{listed['value']:,.2f}") in section.text
    wait_until(page, lambda d: d.find_elements(
        By.CSS_SELECTOR, '.st-key-section_win_back [data-testid="stVegaLiteChart"] canvas, '
        '.st-key-section_win_back [data-testid="stVegaLiteChart"] svg.marks'),
        "the segment grid")
    assert section.find_elements(By.CSS_SELECTOR, '[data-testid="stDataFrame"]')
    path = screenshot(page, ".st-key-section_win_back", "dashboard_win_back.png")
    assert path.stat().st_size > 10_000


# --- the "Loyalty program" page (dashboard/pages/1_Loyalty_program.py) -----------------------

# 4 member-against-non-member lines, the join effect, 2 of the points, the returning AOV
PROGRAM_CHARTS = 8


def program_charts_drawn(driver) -> bool:
    charts = driver.find_elements(By.CSS_SELECTOR, '[data-testid="stVegaLiteChart"]')
    return len(charts) == PROGRAM_CHARTS and all(
        c.find_elements(By.CSS_SELECTOR, "canvas, svg.marks") for c in charts)


def test_loyalty_program_page_shows_the_program_marts(browser, dashboard_url, demo):
    browser.get(f"{dashboard_url}/Loyalty_program")
    wait_until(browser,
               lambda d: d.find_elements(By.CSS_SELECTOR, ".st-key-section_program_points"),
               "the points section of the program page")
    wait_until(browser, program_charts_drawn, "every chart of the program page")
    members = text_of(browser, ".st-key-section_program_members")
    assert "Members vs non-members · any · all" in members
    assert "What joining changed" in text_of(browser, ".st-key-section_program_join")
    assert "31 % more" in text_of(browser, ".st-key-section_program_returning")
    (latest,) = demo.query("""
        select period_start, is_period_complete, repeat_purchase_rate,
               repeat_purchase_rate_ratio, avg_order_value_ratio
        from analytics.mart_program_impact
        where period_grain = 'month' and segment = 'all' and program = 'any'
          and member_status = 'member'
        order by period_start desc limit 1""")
    (non_member,) = demo.query("""
        select repeat_purchase_rate from analytics.mart_program_impact
        where period_grain = 'month' and segment = 'all' and program = 'any'
          and member_status = 'non_member' and period_start = ?""", [latest["period_start"]])
    label = f"{latest['period_start']:%Y-%m}" + ("" if latest["is_period_complete"] else "*")
    tiles = read_tiles(browser)
    expected = {
        f"RPR, members · {label}": (latest["repeat_purchase_rate"], "rate"),
        f"RPR, non-members · {label}": (non_member["repeat_purchase_rate"], "rate"),
        f"RPR members ÷ non-members · {label}": (latest["repeat_purchase_rate_ratio"], "ratio"),
        f"AOV members ÷ non-members · {label}": (latest["avg_order_value_ratio"], "ratio"),
    }
    for title, (value, kind) in expected.items():
        assert title in tiles, (title, sorted(tiles))
        assert parse(tiles[title][0]) == pytest.approx(value, abs=0.0005 if kind == "rate"
                                                       else 0.005), title
    (liability,) = demo.query("""
        select sum(points_outstanding) as total from analytics.mart_program_points
        where period_grain = 'month'
          and period_start = (select max(period_start) from analytics.mart_program_points)""")
    outstanding = [value for title, (value, _) in tiles.items()
                   if title.startswith("Points outstanding")]
    assert outstanding == [f"{int(liability['total']):,}"]
    assert screenshot(browser, ".st-key-section_program_members",
                      "dashboard_program.png").stat().st_size > 10_000
