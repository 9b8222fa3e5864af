"""The tests' dbt commands build each node's macro namespace from a layout kept per manifest
(tests/macro_namespaces.py): the same generators in the same dicts as dbt's own builder, the
same answer for every name, and a manifest whose macros clash fails every time."""

from __future__ import annotations

from types import SimpleNamespace

import macro_namespaces
import pytest
from dbt.clients.jinja import MacroGenerator, MacroStack
from dbt.context.macros import MacroNamespaceBuilder
from dbt.exceptions import DuplicateMacroNameError

# The adapter's packages, as dbt orders them for DuckDB (get_adapter_package_names).
INTERNAL = ["dbt_duckdb", "dbt"]


def macro(package: str, name: str) -> SimpleNamespace:
    return SimpleNamespace(package_name=package, name=name,
                           unique_id=f"macro.{package}.{name}",
                           original_file_path=f"macros/{name}.sql")


# A project that overrides a macro of dbt's and of an adapter, a package beside it, and the
# internal packages, one of which overrides dbt's own.
MACROS = {
    "loyalty_analytics": {name: macro("loyalty_analytics", name)
                          for name in ("round_to", "date_trunc", "generate_schema_name")},
    "helpers": {name: macro("helpers", name) for name in ("round_to", "helper_only")},
    "dbt": {name: macro("dbt", name)
            for name in ("date_trunc", "generate_schema_name", "run_query", "safe_cast")},
    "dbt_duckdb": {name: macro("dbt_duckdb", name) for name in ("safe_cast", "duckdb__x")},
}


def build(build_namespace, search_package: str, macros=MACROS, ctx=None, node=None):
    builder = MacroNamespaceBuilder("loyalty_analytics", search_package, MacroStack(),
                                    INTERNAL, node)
    return build_namespace(builder, macros, {} if ctx is None else ctx)


def described(flat: dict) -> dict:
    """Each name's generator as the attributes it carries (the context by identity)."""
    return {name: (type(generator), generator.macro, id(generator.context), generator.node,
                   type(generator.stack))
            for name, generator in flat.items()}


def test_the_tests_build_namespaces_from_the_layout():
    # conftest installs it once, for every in-process dbt command of the session
    assert MacroNamespaceBuilder.build_namespace is macro_namespaces.build_namespace


@pytest.mark.parametrize("search_package", ["loyalty_analytics", "helpers", "dbt"])
def test_the_namespace_is_dbts(search_package):
    ctx, node = {"this": "a context"}, SimpleNamespace(name="a node")
    ours = build(macro_namespaces.build_namespace, search_package, ctx=ctx, node=node)
    theirs = build(macro_namespaces.BUILD_NAMESPACE, search_package, ctx=ctx, node=node)
    for part in ("local_namespace", "global_namespace", "global_project_namespace"):
        assert described(getattr(ours, part)) == described(getattr(theirs, part)), part
    assert ours.packages.keys() == theirs.packages.keys()
    for package in theirs.packages:
        assert described(ours.packages[package]) == described(theirs.packages[package])
    # the context gets every name, each with the macro dbt's search order finds first
    assert sorted(ours) == sorted(theirs) and len(ours) == len(theirs)
    for name in theirs:
        if isinstance(theirs[name], MacroGenerator):
            assert ours[name].macro is theirs[name].macro, name
        else:  # a package's own dict
            assert described(ours[name]) == described(theirs[name]), name
    assert dict(ours).keys() == dict(theirs).keys()
    assert ours.get_from_package("dbt", "safe_cast").macro is MACROS["dbt_duckdb"]["safe_cast"]
    assert ours.get_from_package("helpers", "round_to").macro is MACROS["helpers"]["round_to"]


def test_each_node_gets_its_own_generators_bound_to_its_context():
    first = build(macro_namespaces.build_namespace, "loyalty_analytics", ctx={"node": 1})
    second = build(macro_namespaces.build_namespace, "loyalty_analytics", ctx={"node": 2})
    assert first["round_to"] is not second["round_to"]
    assert first["round_to"].context == {"node": 1}
    assert second["round_to"].context == {"node": 2}
    # one generator per macro, in every dict that holds it
    assert first["round_to"] is first.packages["loyalty_analytics"]["round_to"]


def test_another_manifest_gets_its_own_layout():
    build(macro_namespaces.build_namespace, "helpers")
    grown = {**MACROS, "helpers": {**MACROS["helpers"], "new": macro("helpers", "new")}}
    assert build(macro_namespaces.build_namespace, "helpers", grown)["new"].macro \
        is grown["helpers"]["new"]
    assert "new" not in build(macro_namespaces.build_namespace, "helpers")


def test_macros_added_or_replaced_in_place_get_a_new_layout():
    # a parse adds each macro to the manifest's dict in place (Manifest.add_macro)
    macros = {package: dict(flat) for package, flat in MACROS.items()}
    build(macro_namespaces.build_namespace, "helpers", macros)
    macros["helpers"]["added"] = macro("helpers", "added")
    assert build(macro_namespaces.build_namespace, "helpers", macros)["added"].macro \
        is macros["helpers"]["added"]
    macros["helpers"]["round_to"] = replaced = macro("helpers", "round_to")
    assert build(macro_namespaces.build_namespace, "helpers", macros)["round_to"].macro \
        is replaced


def test_clashing_macros_fail_every_time():
    # two macros of one package under one name (dbt's manifest keys them by package first)
    clash = {**MACROS, "elsewhere": {"round_to": macro("loyalty_analytics", "round_to")}}
    for _ in range(2):
        with pytest.raises(DuplicateMacroNameError):
            build(macro_namespaces.build_namespace, "loyalty_analytics", clash)
