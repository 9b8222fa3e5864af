"""dbt's macro namespace of a node built from a layout kept per manifest, for the tests'
in-process dbt commands.

dbt gives every node two contexts (the compile's and the run's), and each builds the whole
macro namespace anew: one ``MacroGenerator`` per macro of the manifest (about 700 with the
adapters' own), sorted into the project's, the node's package's and the internal packages'
dicts (``MacroNamespaceBuilder.build_namespace``), then copied key by key into the context
through ``MacroNamespace``'s search order. A build of the demo data makes 711 of them, of
697 macros each: about a fifth of its CPU under py-spy.

Where each macro goes depends only on the manifest's macros, the project, the node's package
and the adapter's packages. This works that out once per manifest with dbt's own builder
(anew whenever the manifest's macros are not the very objects it was worked out from: a
parse adds macros to the manifest in place), then makes each namespace from it: the same
generators (a new one per macro, bound to the node's context, node and macro stack, as
dbt's) in the same dicts. The namespace it returns is dbt's ``MacroNamespace`` with the
search's answer for every key worked out once, so copying it into the context is a dict
update. A manifest whose macros clash (``DuplicateMacroNameError``) fails in dbt's builder,
every time: no layout is kept.

tests/test_macro_namespaces.py checks it against dbt's own builder.
"""

from __future__ import annotations

from collections import OrderedDict
from operator import is_
from typing import Any

from dbt.clients.jinja import MacroGenerator
from dbt.context import macros as dbt_macros

BUILD_NAMESPACE = dbt_macros.MacroNamespaceBuilder.build_namespace
_LAYOUTS: OrderedDict[tuple, tuple[Any, Layout]] = OrderedDict()
_KEPT = 16


class Layout:
    """Where each macro of a manifest goes for one project, package and adapter: the macros
    in dbt's order, and each dict as (name, index of its macro) pairs."""

    def __init__(self, builder: dbt_macros.MacroNamespaceBuilder,
                 macros_by_package: dict[str, dict[str, Any]], macros: list[Any]):
        probe = dbt_macros.MacroNamespaceBuilder(
            builder.root_package, builder.search_package, None,
            builder.internal_package_names_order, None)
        namespace = BUILD_NAMESPACE(probe, macros_by_package, {})
        self.macros = macros
        index = {id(macro): position for position, macro in enumerate(self.macros)}

        def pairs(flat: dict) -> list[tuple[str, int]]:
            return [(name, index[id(generator.macro)]) for name, generator in flat.items()]

        self.locals = pairs(namespace.local_namespace)
        self.globals = pairs(namespace.global_namespace)
        self.internal = pairs(namespace.global_project_namespace)
        self.packages = [(package, pairs(flat)) for package, flat in namespace.packages.items()]


class FlatMacroNamespace(dbt_macros.MacroNamespace):
    """dbt's ``MacroNamespace`` (same dicts, same ``get_from_package``), with the first match
    of its search order for every key kept in one dict."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        flat: dict[str, Any] = {}
        for searched in reversed(list(self._search_order())):
            flat.update(searched)
        self._flat = flat

    def __getitem__(self, key: str) -> Any:
        return self._flat[key]

    def __iter__(self):
        return iter(self._flat)

    def __len__(self) -> int:
        return len(self._flat)

    def __contains__(self, key: object) -> bool:
        return key in self._flat

    def keys(self):
        return self._flat.keys()


def _layout(builder: dbt_macros.MacroNamespaceBuilder,
            macros_by_package: dict[str, dict[str, Any]], macros: list[Any]) -> Layout:
    """The kept layout for these macros, or a new one. dbt adds a parsed macro to the
    manifest's dict in place (``Manifest.add_macro``): a layout is used only for the very
    macro objects, in the very order, it was made from."""
    key = (id(macros_by_package), builder.root_package, builder.search_package,
           tuple(builder.internal_package_names_order))
    kept = _LAYOUTS.get(key)
    if (kept is not None and kept[0] is macros_by_package
            and len(kept[1].macros) == len(macros) and all(map(is_, kept[1].macros, macros))):
        _LAYOUTS.move_to_end(key)
        return kept[1]
    layout = Layout(builder, macros_by_package, macros)
    _LAYOUTS[key] = (macros_by_package, layout)
    while len(_LAYOUTS) > _KEPT:
        _LAYOUTS.popitem(last=False)
    return layout


def build_namespace(self: dbt_macros.MacroNamespaceBuilder,
                    macros_by_package: dict[str, dict[str, Any]],
                    ctx: dict[str, Any]) -> dbt_macros.MacroNamespace:
    """``MacroNamespaceBuilder.build_namespace``, from the manifest's layout."""
    macros = [macro for package in macros_by_package.values() for macro in package.values()]
    layout = _layout(self, macros_by_package, macros)
    node, stack = self.node, self.thread_ctx
    generators = [MacroGenerator(macro, ctx, node, stack) for macro in macros]
    self.locals = {name: generators[i] for name, i in layout.locals}
    self.globals = {name: generators[i] for name, i in layout.globals}
    self.packages = {package: {name: generators[i] for name, i in flat}
                     for package, flat in layout.packages}
    return FlatMacroNamespace(
        self.globals, self.locals,
        {name: generators[i] for name, i in layout.internal}, self.packages)


def install() -> None:
    """Build the macro namespaces from kept layouts in this process."""
    dbt_macros.MacroNamespaceBuilder.build_namespace = build_namespace

