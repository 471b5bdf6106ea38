"""The house rules, read from the imports: a core that imports no feature, one-way features."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "leadgen"
FEATURES = {
    path.name
    for path in PACKAGE.iterdir()
    if path.is_dir() and (path / "__init__.py").exists() and path.name != "translations"
}
# The factory module: features are built by it, never the other way round.
FACTORY_NAMES = {"create_app", "TEMPLATES", "MIGRATIONS", "TRANSLATIONS"}
MAX_LINES = 300
# Lowest first: a feature may import only features on a lower level (the e-book registers its
# hook in mail, leads use the e-book and mail, appointments build on leads, the follow-up series
# writes to leads, embed and admin sit on top).
LEVELS = {
    "site": 0,
    "mail": 0,
    "ebook": 1,
    "funnel": 1,
    "leads": 2,
    "appointments": 3,
    "followup": 3,
    "embed": 4,
    "admin": 4,
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    # A package is known by its own name: leadgen/__init__.py is `leadgen`, the factory.
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in PACKAGE.rglob("*.py")}


def _imports(path: Path) -> set[str]:
    package = _module_name(path if path.name == "__init__.py" else path.parent / "__init__.py")
    return imports_in(path.read_text(), package, str(path))


def imports_in(source: str, package: str = "leadgen", filename: str = "<source>") -> set[str]:
    """Every leadgen module or name `source` imports, as dotted names, also inside functions.

    Relative imports are resolved against `package`, the package the source lives in.
    """
    found: set[str] = set()
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            module = ".".join([*base, node.module or ""] if node.level else [node.module or ""])
            found |= {f"{module.rstrip('.')}.{alias.name}" for alias in node.names}
    return {name for name in found if name == "leadgen" or name.startswith("leadgen.")}


def _feature(dotted: str) -> str | None:
    """The feature a dotted name belongs to (`leadgen.leads` too), or None for the core."""
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in FEATURES else None


def _feature_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {feature: set() for feature in FEATURES}
    for module, path in _modules().items():
        source = _feature(module)
        if source is None:
            continue
        for target in map(_feature, _imports(path)):
            if target and target != source:
                graph[source].add(target)
    return graph


def test_the_core_imports_no_feature():
    offenders = {
        module: sorted(name for name in _imports(path) if _feature(name))
        for module, path in _modules().items()
        if _feature(module) is None and module != "leadgen"
    }
    assert {m: names for m, names in offenders.items() if names} == {}


def test_no_feature_imports_the_factory():
    offenders = {
        module: sorted(
            name
            for name in _imports(path)
            if name.count(".") == 1 and name.split(".")[1] in FACTORY_NAMES
        )
        for module, path in _modules().items()
        if _feature(module)
    }
    assert {m: names for m, names in offenders.items() if names} == {}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A path that comes back to where it started, or None when the graph has no cycle."""
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if cycle := visit(target):
                return cycle
        path.pop()
        done.add(node)
        return None

    for node in sorted(graph):
        if cycle := visit(node):
            return cycle
    return None


def test_features_import_each_other_in_one_direction():
    assert find_cycle(_feature_graph()) is None


def test_every_feature_has_a_level():
    assert set(LEVELS) == FEATURES


def test_features_import_only_lower_levels():
    upward = {
        f"{source} -> {target}"
        for source, targets in _feature_graph().items()
        for target in targets
        if LEVELS.get(target, 99) >= LEVELS.get(source, -1)
    }
    assert upward == set()


def test_the_rules_see_what_they_must():
    # Imports inside functions count (that is where cycles like to hide), and a cycle is found.
    assert imports_in("def f():\n    from leadgen.leads import service\n") == {
        "leadgen.leads.service"
    }
    # A feature imported as a name of the package, or relatively, is still that feature.
    assert _feature(next(iter(imports_in("from leadgen import mail\n")))) == "mail"
    assert imports_in("from ..mail import outbox\n", "leadgen.leads") == {"leadgen.mail.outbox"}
    assert imports_in("from . import service\n", "leadgen.leads") == {"leadgen.leads.service"}
    assert imports_in("import os\nfrom flask import g\n") == set()
    assert find_cycle({"leads": {"mail"}, "mail": {"leads"}}) == ["leads", "mail", "leads"]
    assert find_cycle({"leads": {"mail"}, "mail": set()}) is None


@pytest.mark.parametrize("module", sorted(_modules()))
def test_no_module_is_over_300_lines(module):
    lines = len(_modules()[module].read_text().splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines"


def test_views_take_only_what_flask_passes(app):
    # A parameter Flask never passes is a second way to call a view (the embed once did).
    named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    extra = {
        rule.endpoint: sorted(
            name
            for name, parameter in inspect.signature(
                app.view_functions[rule.endpoint]
            ).parameters.items()
            if parameter.kind in named and name not in rule.arguments
        )
        for rule in app.url_map.iter_rules()
    }
    assert {endpoint: names for endpoint, names in extra.items() if names} == {}
