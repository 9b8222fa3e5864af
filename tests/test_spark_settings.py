"""The `spark` target of profiles.example.yml and loyalty_analytics.spark.session_config() hold
the same settings: dbt-spark's session method starts the session from the first when a user
runs dbt, the engine tests and scripts/engine_build.py start it from the second."""

from __future__ import annotations

import yaml
from conftest import PROJECT_DIR

from loyalty_analytics.spark import JVM_OPTIONS, session_config

# Set from environment variables in the profile (Jinja), from arguments in session_config().
PATHS = {"spark.sql.warehouse.dir", "spark.driver.extraJavaOptions"}
# Added to every profile's server_side_parameters by dbt-spark itself (SparkCredentials).
SET_BY_DBT_SPARK = {"spark.sql.ansi.enabled": "false"}


def profile_parameters() -> dict:
    """The `spark` target's server_side_parameters in profiles.example.yml."""
    profile = yaml.safe_load((PROJECT_DIR / "profiles.example.yml").read_text())
    return profile["loyalty_analytics"]["outputs"]["spark"]["server_side_parameters"]


def session_parameters() -> dict[str, str]:
    return session_config("warehouse/spark", "warehouse/spark-metastore")


def test_the_profile_and_the_session_set_the_same():
    in_profile = {**profile_parameters(), **SET_BY_DBT_SPARK}
    in_session = session_parameters()
    assert set(in_profile) == set(in_session)
    assert {key: str(value) for key, value in in_profile.items() if key not in PATHS} == {
        key: value for key, value in in_session.items() if key not in PATHS}


def test_the_jvm_options_beyond_the_metastore_path_are_the_same():
    in_profile = profile_parameters()["spark.driver.extraJavaOptions"]
    in_session = session_parameters()["spark.driver.extraJavaOptions"]
    # the profile's path is Jinja (env_var), the session's a resolved path without spaces
    path, _, options = in_profile.partition(" }}")
    assert path.startswith("-Dderby.system.home={{ env_var('DBT_SPARK_METASTORE_DIR'")
    assert options.split() == in_session.split()[1:] == JVM_OPTIONS.split()
    assert in_session.startswith("-Dderby.system.home=")
