"""The repository stands on its own, and its README is a map a newcomer can follow.

- No tracked file points outside the repository, at the reference material the project was
  first written from: the definitions live in docs/metrics.md and docs/data-contract.md, the
  CDNOW data in datasets/cdnow/.
- Every relative link of README.md and docs/*.md points to a file that exists (and, with a
  ``#fragment``, to a heading of it).
- README.md stays under 8 KB, opens with the two set-up commands, and names every folder.
- ``make help`` lists every target of the Makefile with its description.

Each checker is also run on planted mistakes, so that a check finding nothing means something.
The forbidden strings are assembled at run time: this file must not trip its own check.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[1]
FORBIDDEN = ("../" + "shared", "shared" + "/spec", "shared" + "/data")
# The lock file pins package versions; nothing else is exempt.
EXEMPT = {"requirements.lock"}
# The folders whose every subfolder the README's map must name.
MAPPED_ROOTS = ("models", "macros", "tests", "src", "dashboard", "bench", "docs", "analyses",
                "seeds", "datasets", "scripts")
README_LIMIT_BYTES = 8 * 1024


def repository_files(root: Path) -> list[str]:
    """Files git tracks in ``root``, and untracked ones it would add (not ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=root, capture_output=True, check=True)
    return sorted({p for p in listed.stdout.decode().split("\0") if p})


# --------------------------------------------------------------------------------------------
# No reference outside the repository


def outside_references(root: Path, files: list[str]) -> list[str]:
    """``path:line: text`` for every line of ``files`` that holds a forbidden string."""
    found = []
    for relative in files:
        if relative in EXEMPT:
            continue
        try:
            data = (root / relative).read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            continue  # deleted in the working tree, or a submodule
        if b"\0" in data[:8192]:
            continue  # binary (the screenshots)
        for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), 1):
            if any(text in line for text in FORBIDDEN):
                found.append(f"{relative}:{number}: {line.strip()}")
    return found


def test_no_file_points_outside_the_repository():
    found = outside_references(PROJECT_DIR, repository_files(PROJECT_DIR))
    assert not found, "references outside the repository:\n" + "\n".join(found)


def test_outside_reference_check_finds_planted_references(tmp_path):
    (tmp_path / "ok.md").write_text("See docs/metrics.md and datasets/cdnow/.\n")
    (tmp_path / "bad.py").write_text("x = 1\npath = '" + FORBIDDEN[0] + "/x'\n")
    (tmp_path / "bad.yml").write_text("a: " + FORBIDDEN[1] + "/metrics.md\n")
    (tmp_path / "Makefile").write_text("CDNOW ?= ../" + FORBIDDEN[2] + "/cdnow\n")
    (tmp_path / "requirements.lock").write_text(FORBIDDEN[1] + "\n")  # exempt
    (tmp_path / "image.png").write_bytes(b"\x89PNG\0" + FORBIDDEN[2].encode())  # binary
    files = ["ok.md", "bad.py", "bad.yml", "Makefile", "requirements.lock", "image.png"]
    found = outside_references(tmp_path, files)
    assert [f.split(": ")[0] for f in found] == ["bad.py:2", "bad.yml:1", "Makefile:1"]


# --------------------------------------------------------------------------------------------
# Markdown links resolve

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"(?ms)^```.*?^```")
HEADING = re.compile(r"(?m)^#{1,6}\s+(.+?)\s*#*\s*$")


def heading_anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = heading.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = FENCE.sub("", path.read_text())
    return {heading_anchor(h) for h in HEADING.findall(text)}


def broken_links(root: Path, pages: list[Path]) -> list[str]:
    """``page: target (why)`` for each relative link of ``pages`` that does not resolve."""
    broken = []
    for page in pages:
        text = FENCE.sub("", page.read_text())
        text = re.sub(r"`[^`\n]*`", "", text)  # code spans are not links
        for target in LINK.findall(text):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):
                continue  # https:, mailto: ...
            path_part, _, fragment = target.partition("#")
            linked = (page.parent / path_part).resolve() if path_part else page
            name = f"{page.relative_to(root)}: {target}"
            if not linked.exists():
                broken.append(f"{name} (no such file)")
            elif fragment and linked.suffix == ".md" and fragment not in anchors(linked):
                broken.append(f"{name} (no such heading)")
    return broken


def documentation_pages(root: Path) -> list[Path]:
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def test_every_relative_link_of_the_readme_and_docs_resolves():
    pages = documentation_pages(PROJECT_DIR)
    assert len(pages) > 10  # README.md and the pages under docs/
    broken = broken_links(PROJECT_DIR, pages)
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_link_check_finds_planted_broken_links(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# Page A\n\n## Two words\n")
    (tmp_path / "README.md").write_text(
        "# Title\n\n"
        "[ok](docs/a.md) [ok anchor](docs/a.md#two-words) [own heading](#title)\n"
        "[web](https://example.com/x.md) `[code](nope.md)`\n"
        "```\n[fenced](nope.md)\n```\n"
        "[missing](docs/b.md) [bad anchor](docs/a.md#three-words) ![img](img/x.png)\n")
    broken = broken_links(tmp_path, documentation_pages(tmp_path))
    assert broken == [
        "README.md: docs/b.md (no such file)",
        "README.md: docs/a.md#three-words (no such heading)",
        "README.md: img/x.png (no such file)",
    ]


def test_heading_anchors_follow_github():
    # "dbt: `models/`" -> drop ':', '`', '/'; spaces to hyphens.
    assert heading_anchor("dbt: `models/`") == "dbt-models"
    assert heading_anchor("Predictive CLV: the inputs") == "predictive-clv-the-inputs"
    assert heading_anchor("Inputs: sources in schema `raw`") == "inputs-sources-in-schema-raw"


# --------------------------------------------------------------------------------------------
# The README is a map


def test_readme_is_under_8_kb_and_opens_with_the_two_commands():
    data = (PROJECT_DIR / "README.md").read_bytes()
    assert len(data) < README_LIMIT_BYTES, f"README.md is {len(data)} bytes"
    first_block = FENCE.search(data.decode()).group(0)
    commands = [line.split("#")[0].strip() for line in first_block.splitlines()[1:-1]]
    assert commands == ["make demo", "make test"]


def test_readme_names_every_folder():
    folders = {str(Path(f).parent) for f in repository_files(PROJECT_DIR)}
    mapped = sorted(f for f in folders if f.split("/")[0] in MAPPED_ROOTS)
    assert "models/staging/raw/base" in mapped and "datasets/cdnow" in mapped
    readme = (PROJECT_DIR / "README.md").read_text()
    missing = [f for f in mapped if f"`{f}/`" not in readme]
    assert not missing, "folders missing from the README's map: " + ", ".join(missing)


# --------------------------------------------------------------------------------------------
# make help

TARGET = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_.-]*)\s*:(?!=)", re.MULTILINE)


def makefile_targets(text: str) -> list[str]:
    """The targets a user types: rules whose name is a plain word (not $(VAR)/file stamps)."""
    return TARGET.findall(text)


def test_makefile_targets_parse():
    text = "VAR := 1\nX ?= 2\n.PHONY: a\na: b ## one\n\tcmd: x\n$(BIN)/x: y\nb.yml:\n"
    assert makefile_targets(text) == ["a", "b.yml"]


@pytest.fixture(scope="module")
def make_help() -> str:
    if shutil.which("make") is None:
        pytest.fail("make is not installed")
    result = subprocess.run(["make", "--no-print-directory", "help"], cwd=PROJECT_DIR,
                            capture_output=True, text=True, check=True)
    return result.stdout


def test_make_help_lists_every_target_with_a_description(make_help):
    targets = makefile_targets((PROJECT_DIR / "Makefile").read_text())
    assert {"help", "demo", "test", "cdnow", "clean"} <= set(targets)
    described = {}
    for line in make_help.splitlines():
        match = re.match(r"^\s+make (\S+)\s+(.*)$", line)
        if match:
            described[match.group(1)] = match.group(2).strip()
    missing = [t for t in targets if t not in described]
    assert not missing, "targets missing from make help: " + ", ".join(missing)
    undocumented = [t for t in targets if described[t] in ("", "(no description)")]
    assert not undocumented, "targets without a ## description: " + ", ".join(undocumented)


def test_plain_make_is_make_help(make_help):
    plain = subprocess.run(["make", "--no-print-directory"], cwd=PROJECT_DIR,
                           capture_output=True, text=True, check=True)
    assert plain.stdout == make_help


# --------------------------------------------------------------------------------------------
# The metric definitions are documented where they are implemented


def test_docs_metrics_names_every_metric_macro():
    macros = {name for path in (PROJECT_DIR / "macros" / "metrics").glob("*.sql")
              for name in re.findall(r"\{%-?\s*macro\s+(\w+)", path.read_text())}
    assert {"safe_divide", "churn_rate", "clv", "engagement_score"} <= macros
    page = (PROJECT_DIR / "docs" / "metrics.md").read_text()
    missing = sorted(m for m in macros if f"`{m}`" not in page)
    assert not missing, "macros of macros/metrics/ missing from docs/metrics.md: " + ", ".join(
        missing)


def test_every_metric_doc_block_is_used():
    blocks = re.findall(r"\{% docs (metric_\w+) %\}", (PROJECT_DIR / "models" / "docs.md")
                        .read_text())
    assert len(blocks) >= 15
    yaml = "\n".join(p.read_text() for p in (PROJECT_DIR / "models").rglob("*.yml"))
    unused = [b for b in blocks if f"doc('{b}')" not in yaml]
    assert not unused, "metric doc blocks no column uses: " + ", ".join(unused)


def test_the_longest_files_that_run_first_exist():
    """conftest.LONGEST_FIRST names test files by path: a renamed file would drop out of the
    order without a word."""
    from conftest import LONGEST_FIRST

    missing = [path for path in LONGEST_FIRST if not (PROJECT_DIR / path).is_file()]
    assert not missing, missing
