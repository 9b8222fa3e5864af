"""Python tooling of the loyalty_analytics dbt project: sample data, loaders, reports."""

__version__ = "0.1.0"
