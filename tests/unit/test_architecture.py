"""The package layout the architecture promises: imports point one way, no module cycles, small files."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "catalog", "orders", "producers", "search", "reports", "finance", "onboarding")
# Lower ranks are imported by higher ones, never the other way. Packages of one rank above the domain
# (search, reports, finance) read the domain packages and not each other.
RANK = {"app": 0, "catalog": 1, "orders": 2, "producers": 3, "search": 4, "reports": 4, "finance": 4, "onboarding": 4}
# The composition root and demo seeding wire every package together.
COMPOSITION = ("app.asgi", "app.cli", "app.registry", "app.demo")
# Files the size rule does not apply to: generated migrations and the embedded search engine.
SIZE_EXEMPT = ("search/embedded.py",)
MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 80


def source_files() -> Iterator[Path]:
    for package in PACKAGES:
        folder = ROOT / package
        if folder.is_dir():
            yield from sorted(folder.rglob("*.py"))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def known_modules() -> frozenset[str]:
    return frozenset(module_name(p) for p in source_files())


def is_web_layer(module: str) -> bool:
    """Routes may call any package's services; so may the composition root."""
    return any(part.endswith("routes") for part in module.split(".")) or module.startswith(COMPOSITION)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import that runs, at module level or inside a function, but not type-checking-only ones."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _resolve(name: str) -> str | None:
    """The project module an import names: the longest known prefix."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in known_modules():
            return candidate
    return None


@cache
def imports_of(path: Path) -> frozenset[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in _import_nodes(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif node.level or not node.module:
            continue
        else:
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        for name in names:
            target = _resolve(name)
            if target:
                found.add(target)
    return frozenset(found)


def graph() -> dict[str, frozenset[str]]:
    return {module_name(p): imports_of(p) for p in source_files()}


def test_domain_imports_point_one_way() -> None:
    wrong = []
    for path in source_files():
        module = module_name(path)
        if is_web_layer(module):
            continue
        package = module.split(".")[0]
        for target in imports_of(path):
            other = target.split(".")[0]
            if other == package:
                continue
            if RANK[other] >= RANK[package]:
                wrong.append(f"{module} imports {target}")
    order = "app <- catalog <- orders <- producers <- search/reports"
    assert wrong == [], f"imports against the layer order ({order}):\n" + "\n".join(sorted(wrong))


def _cycles(edges: dict[str, frozenset[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, frozenset()):
            if target == node:
                continue
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def _without_package_inits(edges: dict[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    """A package's __init__ re-exporting its own modules is not a cycle of logic: leave those edges out."""
    result = {}
    for module, targets in edges.items():
        if (ROOT / Path(*module.split(".")) / "__init__.py").exists():
            targets = frozenset(t for t in targets if not t.startswith(module + "."))
        result[module] = targets
    return result


def test_no_module_cycles() -> None:
    assert _cycles(_without_package_inits(graph())) == []


def test_cycle_finder_finds_a_cycle() -> None:
    edges = {"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}), "d": frozenset({"a"})}
    assert _cycles(edges) == [["a", "b", "c"]]


@pytest.mark.parametrize("package", [p for p in PACKAGES if (ROOT / p).is_dir()])
def test_no_source_file_over_limit(package: str) -> None:
    folder = ROOT / package
    too_long = []
    for path in sorted(folder.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative in SIZE_EXEMPT:
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_FILE_LINES:
            too_long.append(f"{relative}: {lines} lines")
    assert too_long == []


def _long_functions(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno is not None:
            first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
            length = node.end_lineno - first + 1
            if length > MAX_FUNCTION_LINES:
                yield f"{path.relative_to(ROOT).as_posix()}:{node.lineno} {node.name} ({length} lines)"


def test_no_function_over_limit() -> None:
    found = [entry for path in source_files() for entry in _long_functions(path)]
    assert found == []
