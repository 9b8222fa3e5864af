"""The tests' dbt parses keep the semantic layer's validation by its content
(tests/semantic_cache.py): the same manifest gets the same answer, any other is validated
anew, and a manifest that breaks a rule still fails."""

from __future__ import annotations

import json

import semantic_cache
from conftest import Dbt
from dbt.contracts.graph.semantic_manifest import SemanticManifest
from dbt_semantic_interfaces.implementations.semantic_manifest import PydanticSemanticManifest
from dbt_semantic_interfaces.validations.semantic_manifest_validator import (
    SemanticManifestValidator,
)


def the_projects(dbt_dirs, warehouse) -> PydanticSemanticManifest:
    """The project's semantic manifest, as a parse for `dbt build` hands it to the validator."""
    manifest = Dbt(dbt_dirs, warehouse)._manifest(("build",))
    return SemanticManifest(manifest)._get_pydantic_semantic_manifest()


def validate(semantic_manifest):
    return SemanticManifestValidator[PydanticSemanticManifest]().validate_semantic_manifest(
        semantic_manifest)


def test_the_tests_keep_the_validation():
    # conftest installs it once, for every in-process dbt parse of the session
    assert (SemanticManifestValidator.validate_semantic_manifest
            is semantic_cache.validate_cached)


def test_the_same_manifest_gets_the_kept_answer(dbt_dirs, warehouse):
    semantic_manifest = the_projects(dbt_dirs, warehouse)
    first = validate(semantic_manifest)
    kept = len(semantic_cache._RESULTS)
    assert not first.errors  # the project's semantic layer is valid
    # an equal manifest built anew finds the answer under its key (none is added)
    again = validate(PydanticSemanticManifest.parse_raw(semantic_manifest.json()))
    assert again is first
    assert len(semantic_cache._RESULTS) == kept


def test_a_manifest_that_breaks_a_rule_is_validated_and_fails(dbt_dirs, warehouse):
    semantic_manifest = the_projects(dbt_dirs, warehouse)
    assert not validate(semantic_manifest).errors
    kept = len(semantic_cache._RESULTS)
    # the first semantic model twice: its dimensions now pair with its primary entity twice
    broken = json.loads(semantic_manifest.json())
    first = broken["semantic_models"][0]
    broken["semantic_models"].append(first)
    results = validate(PydanticSemanticManifest.parse_obj(broken))
    assert len(semantic_cache._RESULTS) == kept + 1
    assert any(error.message.startswith("Duplicate dimension + primary entity pairing")
               and f"Semantic model `{first['name']}`" in error.message
               for error in results.errors), [e.message for e in results.errors]
    # and the same broken manifest again: the same errors, from the kept answer
    assert validate(PydanticSemanticManifest.parse_obj(broken)).errors == results.errors
    assert len(semantic_cache._RESULTS) == kept + 1
