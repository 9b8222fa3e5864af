"""`make install` sets the thresholds of Python's cyclic garbage collector for every Python
process of .venv (the Makefile's GC_THRESHOLDS, written into a .pth file of its
site-packages): dbt, sqlfluff, pytest and mf collect less often (docs/performance.md)."""

from __future__ import annotations

import gc
import os
import re
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
# Python's own thresholds, what a process starts with when no .pth file sets others.
PYTHON_DEFAULTS = (700, 10, 10)


def makefile_thresholds() -> tuple[int, ...]:
    """The thresholds `make install` wrote: GC_THRESHOLDS as `make test-pytest` passes it on
    (LOYALTY_GC_THRESHOLDS; empty: no file, Python's defaults), else the Makefile's default."""
    value = os.environ.get("LOYALTY_GC_THRESHOLDS")
    if value is None:
        text = (PROJECT_DIR / "Makefile").read_text()
        [value] = re.findall(r"^GC_THRESHOLDS \?= (.+)$", text, flags=re.MULTILINE)
    if not value.strip():
        return PYTHON_DEFAULTS
    return tuple(int(part) for part in value.split(","))


def test_a_new_python_of_the_venv_starts_with_them():
    started = subprocess.run(
        [sys.executable, "-c", "import gc; print(*gc.get_threshold())"],
        capture_output=True, text=True, check=True)
    assert tuple(map(int, started.stdout.split())) == makefile_thresholds(), (
        "run `make install`: it writes the thresholds into .venv")


def test_this_test_process_runs_with_them():
    assert gc.get_threshold() == makefile_thresholds()


def test_without_site_python_keeps_its_defaults():
    # the .pth file is all there is to it: `python -S` skips site and its .pth files
    started = subprocess.run(
        [sys.executable, "-S", "-c", "import gc; print(*gc.get_threshold())"],
        capture_output=True, text=True, check=True)
    assert tuple(map(int, started.stdout.split())) == PYTHON_DEFAULTS
