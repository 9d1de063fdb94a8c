"""The layout shows the design: imports between our modules never run in a circle, the core and
storage know no platform, and no module grows past about 600 lines.

Every import counts — at the top of a module, inside a function, or under `TYPE_CHECKING` —
because each one is a dependency a reader has to follow."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "adapters", "storage", "afterview")
MAX_LINES = 600
PLATFORM_LIBRARIES = ("telegram", "slack_bolt", "slack_sdk")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            found[_module_name(path)] = path
    return found


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    """The most specific of our modules that `name` refers to (a submodule, else its package)."""
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports(module: str, path: Path, known: dict[str, Path]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    targets: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".") if is_package else module.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from bot.x import y` may name a submodule or a name in the package
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base
                     for a in node.names]
        else:
            continue
        for name in names:
            target = _resolve(name, known)
            if target is not None and target != module:
                targets.add(target)
    return targets


def _graph() -> dict[str, set[str]]:
    known = _modules()
    return {module: _imports(module, path, known) for module, path in known.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), each as one circle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def _circle(graph: dict[str, set[str]], group: list[str]) -> str:
    """One concrete circle through the group, written a -> b -> … -> a."""
    members = set(group)
    start = group[0]
    path, seen = [start], {start}
    node = start
    while True:
        nexts = sorted(t for t in graph[node] if t in members)
        if start in nexts and len(path) > 1:
            return " -> ".join([*path, start])
        fresh = [t for t in nexts if t not in seen]
        if not fresh:
            return " <-> ".join(group)
        node = fresh[0]
        path.append(node)
        seen.add(node)


def test_the_checker_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _circle(graph, ["a", "b", "c"]) == "a -> b -> c -> a"


def test_no_module_imports_itself_back_in_a_circle() -> None:
    graph = _graph()
    circles = [_circle(graph, group) for group in _cycles(graph)]
    assert not circles, "imports run in a circle:\n  " + "\n  ".join(circles)


def test_the_core_and_storage_know_no_platform() -> None:
    leaks = []
    for module, path in _modules().items():
        if module.split(".")[0] not in ("bot", "storage"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            leaks += [f"{module} imports {n}" for n in names
                      if n.split(".")[0] in PLATFORM_LIBRARIES]
    assert not leaks, "\n".join(leaks)


def test_adapters_do_not_reach_back_into_the_composition_root() -> None:
    graph = _graph()
    back = sorted(f"{m} -> {t}" for m, targets in graph.items() if m.startswith("adapters")
                  for t in targets if t.startswith("afterview"))
    assert not back, "adapters import the composition root:\n  " + "\n  ".join(back)


@pytest.mark.parametrize("package", PACKAGES)
def test_no_module_grows_past_about_600_lines(package: str) -> None:
    long = sorted(f"{path.relative_to(ROOT)}: {n} lines"
                  for module, path in _modules().items() if module.split(".")[0] == package
                  for n in [len(path.read_text(encoding="utf-8").splitlines())] if n > MAX_LINES)
    assert not long, "split these by concern:\n  " + "\n  ".join(long)


# Rooms may lean on each other in one direction only. The one pair that goes both ways, named so
# that no other creeps in: the weekly digest (a nudge) shows the pipeline (records), whose next
# steps count the week between contacts with the nudge rules.
ROOMS_BOTH_WAYS = {frozenset({"bot.nudges", "bot.records"})}


def _room(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "bot":
        return ".".join(parts[:2]) if len(parts) > 2 else module
    return parts[0]


def test_no_two_rooms_import_each_other() -> None:
    edges: dict[tuple[str, str], list[str]] = {}
    for module, targets in _graph().items():
        for target in targets:
            a, b = _room(module), _room(target)
            if a != b:
                edges.setdefault((a, b), []).append(f"{module} -> {target}")
    both = sorted({frozenset(pair) for pair in edges if pair[::-1] in edges} - ROOMS_BOTH_WAYS,
                  key=sorted)
    shown = [" <-> ".join(sorted(pair)) + ": " + "; ".join(
        edges[tuple(sorted(pair))] + edges[tuple(sorted(pair))[::-1]]) for pair in both]
    assert not shown, "rooms that import each other:\n  " + "\n  ".join(shown)
