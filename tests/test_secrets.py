"""No credentials in the repository: every file git tracks (or would add: untracked files not
ignored) is scanned for private key blocks, cloud access keys, and password / secret / token /
API key settings with a literal value. Credentials come from environment variables only
(profiles.example.yml reads them with env_var()).

The scanner is tested on planted secrets too, so that a scan finding nothing means something.
The planted strings are assembled at run time: this file must not trip its own scan.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[1]

# Files whose `name = value` / `name: value` lines are settings (code and configuration).
SETTING_SUFFIXES = {".yml", ".yaml", ".toml", ".ini", ".cfg", ".conf", ".py", ".sql", ".env",
                    ".sh", ".json", ".mk"}
SETTING_NAMES = {"Makefile", "makefile", "GNUmakefile", ".env", ".sqlfluff", ".user.yml"}

# A name that holds a credential: password, secret, token, API key, access or private key.
_CREDENTIAL = (r"[A-Za-z0-9_.-]*(?:passw(?:or)?d|passwd|secret|token|api[_-]?key|"
               r"access[_-]?key|private[_-]?key|client[_-]?secret)[A-Za-z0-9_.-]*")
# `name: value`, `name = value`, `name := value`, `"name": "value"`, `name='value'`, with an
# optional `export` or a leading quote; the value runs to the end of the line or its quote.
ASSIGNMENT = re.compile(
    r"""(?ix)
    (?:^|[\s,{(;])(?:export\s+)?
    (?P<q1>["']?)(?P<name>""" + _CREDENTIAL + r""")(?P=q1)
    \s*(?::=|\?=|=|:)\s*
    (?:(?P<q>["'])(?P<quoted>.*?)(?P=q)|(?P<bare>[^\s#,;]+))
    """
)
# SQL: CREATE SECRET (... SECRET 'x'), IDENTIFIED BY 'x', PASSWORD 'x'.
SQL_LITERAL = re.compile(
    r"(?i)\b(?:secret|password|token|identified\s+by)\s+'(?P<quoted>[^']+)'")
PRIVATE_KEY = re.compile("-" * 5 + r"BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?" + "-" * 5)
AWS_ACCESS_KEY_ID = re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}\b")
AWS_SECRET_KEY = re.compile(
    r"(?i)aws.{0,20}?(?:secret|key).{0,20}?['\"=:\s](?P<key>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])")
GITHUB_TOKEN = re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b")

# Values that are not secrets: read from the environment, empty, or a placeholder.
_ALLOWED_VALUE = re.compile(
    r"""(?ix)^(?:
        .*\benv_var\s*\(.*            # dbt:      {{ env_var('X') }}
      | .*\bos\.(?:environ|getenv)\b.*
      | \$\{?[A-Za-z_][A-Za-z0-9_]*\}?[)}]*  # shell:    $X, ${X}
      | \$\([A-Za-z_][A-Za-z0-9_]*\)[)}]*  # make:     $(X)
      | %\([a-z_]+\)s                # ini interpolation
      | <[^>]*>                      # <your-password>
      | \{\{.*\}\}                   # other Jinja expressions
      | \{[A-Za-z_][\w.()]*\}        # a format template: "{password}"
      | x+ | \*+ | \.\.\. | - | ~
      | null | none | true | false
      | changeme | change-me | placeholder | redacted | example | dummy | secret | password
      | your[_-].* | replace[_-]?me.*
    )$""")


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    rule: str

    def __str__(self) -> str:  # never the value itself
        return f"{self.path}:{self.line}: {self.rule}"


def is_allowed_value(value: str) -> bool:
    value = value.strip()
    return value == "" or bool(_ALLOWED_VALUE.match(value))


def scan_text(text: str, path: str) -> list[Finding]:
    """Credential-like strings in ``text`` (the contents of the file ``path``)."""
    name = Path(path).name
    settings = Path(path).suffix.lower() in SETTING_SUFFIXES or name in SETTING_NAMES
    is_python = path.endswith(".py")
    findings = []
    for number, line in enumerate(text.splitlines(), start=1):
        if PRIVATE_KEY.search(line):
            findings.append(Finding(path, number, "private key block"))
        if AWS_ACCESS_KEY_ID.search(line):
            findings.append(Finding(path, number, "AWS access key id"))
        if AWS_SECRET_KEY.search(line):
            findings.append(Finding(path, number, "AWS secret access key"))
        if GITHUB_TOKEN.search(line):
            findings.append(Finding(path, number, "GitHub token"))
        if not settings:
            continue
        for match in ASSIGNMENT.finditer(line):
            quoted, bare = match.group("quoted"), match.group("bare")
            if is_python and quoted is None:
                continue  # `token = make_token()`: an expression, not a literal
            value = quoted if quoted is not None else bare
            if not is_allowed_value(value):
                findings.append(Finding(path, number, f"literal value for {match['name']}"))
        if path.endswith(".sql"):
            for match in SQL_LITERAL.finditer(line):
                if not is_allowed_value(match.group("quoted")):
                    findings.append(Finding(path, number, "literal credential in SQL"))
    return findings


def repository_files(root: Path) -> list[str]:
    """Files git tracks in ``root``, and untracked ones it would add (not ignored)."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=root, capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.skip(f"not a git checkout: {error}")
    return sorted({p for p in listed.stdout.decode().split("\0") if p})


def read_text(path: Path) -> str | None:
    try:
        data = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        return None  # deleted in the working tree, or a submodule
    if b"\0" in data[:8192]:
        return None  # binary
    return data.decode("utf-8", errors="replace")


def scan_repository(root: Path) -> list[Finding]:
    findings = []
    for relative in repository_files(root):
        text = read_text(root / relative)
        if text is not None:
            findings += scan_text(text, relative)
    return findings


def test_no_file_in_the_repository_holds_a_credential():
    files = repository_files(PROJECT_DIR)
    assert "profiles.example.yml" in files and "Makefile" in files
    assert [str(f) for f in scan_repository(PROJECT_DIR)] == []


def test_the_repository_scan_finds_a_committed_and_an_untracked_secret(tmp_path):
    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
                       cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / ".gitignore").write_text("ignored.yml\n")
    (tmp_path / "profiles.yml").write_text(f"dev:\n  {PW}: {PLANTED_VALUE}\n")
    (tmp_path / "clean.py").write_text("x = 1\n")
    git("add", ".")
    git("commit", "-q", "-m", "planted")
    (tmp_path / "new_key.pem").write_text("-" * 5 + "BEGIN PRIVATE KEY" + "-" * 5 + "\n")
    (tmp_path / "ignored.yml").write_text(f"{PW}: {PLANTED_VALUE}\n")  # not in the repo
    found = [str(f) for f in scan_repository(tmp_path)]
    assert found == ["new_key.pem:1: private key block",
                     f"profiles.yml:2: literal value for {PW}"]


def test_profiles_example_reads_every_credential_with_env_var():
    text = (PROJECT_DIR / "profiles.example.yml").read_text()
    fields = re.findall(
        r"(?im)^\s*#?\s*(password|token|private_key(?:_passphrase)?|keyfile|client_secret)"
        r"\s*:\s*(.*)$", text)
    names = {name.lower() for name, _ in fields}
    assert {"password", "token"} <= names, "the example shows where credentials go"
    for name, value in fields:
        assert "env_var(" in value, f"{name}: {value}"


# --- the scanner on planted secrets ---------------------------------------------------------

PW = "pass" + "word"
PLANTED_VALUE = "hunter2-" + "Xq9"
PLANTED = [
    ("profiles.yml", f"      {PW}: {PLANTED_VALUE}"),
    ("profiles.yml", f'      {PW}: "{PLANTED_VALUE}"'),
    ("dbt_project.yml", f"  api_key: '{PLANTED_VALUE}'"),
    ("settings.toml", f'token = "{PLANTED_VALUE}"'),
    ("setup.cfg", f"client_secret={PLANTED_VALUE}"),
    ("src/app.py", f'DB_{PW.upper()} = "{PLANTED_VALUE}"'),
    ("src/app.py", f'connect(host="h", {PW}="{PLANTED_VALUE}")'),
    ("src/app.py", f'config = {{"{PW}": "{PLANTED_VALUE}"}}'),
    ("Makefile", f"export DATABRICKS_TOKEN := {PLANTED_VALUE}"),
    ("Makefile", f"SNOWFLAKE_{PW.upper()}={PLANTED_VALUE}"),
    ("macros/s3.sql", f"create secret s3 (type s3, key_id 'k', secret '{PLANTED_VALUE}')"),
    ("models/x.sql", f"{{{{ config({PW}='{PLANTED_VALUE}') }}}}"),
    ("notes.md", "-" * 5 + "BEGIN RSA PRIVATE KEY" + "-" * 5),
    ("notes.txt", "-" * 5 + "BEGIN OPENSSH PRIVATE KEY" + "-" * 5),
    ("README.md", "key: " + "AKIA" + "IOSFODNN7EXAMPLE"),
    ("run.sh", "aws_secret_access_key = " + "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY"),
    ("ci.yml", "token: " + "ghp_" + "a" * 36),
]


@pytest.mark.parametrize(("path", "line"), PLANTED, ids=[f"{p}:{i}" for i, (p, _) in
                                                          enumerate(PLANTED)])
def test_the_scanner_finds_a_planted_secret(path, line):
    assert scan_text(f"# some file\n{line}\n", path), line


ALLOWED = [
    ("profiles.yml", f"      {PW}: \"{{{{ env_var('DBT_POSTGRES_{PW.upper()}') }}}}\""),
    ("profiles.yml", f"      {PW}: \"{{{{ env_var('DBT_POSTGRES_{PW.upper()}', '') }}}}\""),
    ("profiles.yml", "      token: \"{{ env_var('DATABRICKS_TOKEN') }}\""),
    ("profiles.yml", f"      {PW}:"),
    ("profiles.yml", f"      {PW}: ''"),
    ("profiles.yml", f"      {PW}: <your-{PW}>"),
    ("src/app.py", f'env = {{"DBT_POSTGRES_{PW.upper()}": ""}}'),
    ("src/app.py", f'{PW} = os.environ["PG_{PW.upper()}"]'),
    ("src/app.py", "token = tokens[0]"),
    ("src/app.py", f'{PW} = os.getenv("PG_{PW.upper()}", "")'),
    ("Makefile", "export DATABRICKS_TOKEN ?= $(TOKEN)"),
    ("Makefile", f"SNOWFLAKE_{PW.upper()}=${{SNOWFLAKE_{PW.upper()}}}"),
    ("models/docs.md", f"The {PW}: read from the environment, never stored."),
    ("macros/s3.sql", "create secret s3 (type s3, provider credential_chain)"),
]


@pytest.mark.parametrize(("path", "line"), ALLOWED, ids=[f"{p}:{i}" for i, (p, _) in
                                                          enumerate(ALLOWED)])
def test_the_scanner_allows_env_vars_empty_values_and_placeholders(path, line):
    assert scan_text(f"{line}\n", path) == []


def test_a_finding_names_the_place_but_not_the_value():
    (finding,) = scan_text(f"x: 1\n{PW}: {PLANTED_VALUE}\n", "profiles.yml")
    assert str(finding) == f"profiles.yml:2: literal value for {PW}"
    assert PLANTED_VALUE not in str(finding)
