"""The semantic layer's validation kept by its content, for the tests' in-process dbt parses.

Every parse of the project validates its semantic layer: dbt-core hands the semantic
manifest (11 semantic models, 147 metrics, 9 saved queries) to MetricFlow's
``SemanticManifestValidator``, which runs its 26 rules over it: 0.4 of the 2.2 CPU-s of a
parse. The tests parse the project about fifty times, once per set of vars and database, and
the semantic layer reads none of them: it is the same each time. The validator's answer
depends on nothing but its rules and the manifest it is given, so this keeps the answer by
the two, the manifest as its JSON (0.02 s to write), and validates anything else anew. A
manifest that fails keeps its errors: the parse still fails, with the same message.

Measured 2026-12-06 in one process: 0.40 CPU-s of validation per parse, 0.02 for the key.
tests/test_semantic_cache.py checks it.
"""

from __future__ import annotations

from typing import Any

from dbt_semantic_interfaces.validations.semantic_manifest_validator import (
    SemanticManifestValidator,
)

VALIDATE = SemanticManifestValidator.validate_semantic_manifest
_RESULTS: dict[tuple, Any] = {}


def validate_cached(validator: SemanticManifestValidator, semantic_manifest: Any,
                    multi_process: bool = False) -> Any:
    """``SemanticManifestValidator.validate_semantic_manifest``, with the results of a
    manifest validated before by the same rules kept."""
    key = (tuple(type(rule) for rule in validator._rules), type(semantic_manifest),
           semantic_manifest.json())
    if key not in _RESULTS:
        _RESULTS[key] = VALIDATE(validator, semantic_manifest, multi_process)
    return _RESULTS[key]


def install() -> None:
    """Keep the semantic layer's validation results in this process."""
    SemanticManifestValidator.validate_semantic_manifest = validate_cached
