"""End-to-end tests: build every mart on a small hand-made raw data set (see dataset.py)."""
