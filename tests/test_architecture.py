"""The layers of docs/architecture.md are enforced here: which package may import which, no
import cycle, and no import hidden inside a function (outside CLI commands)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
# Entry points may call any domain's use cases: they sit above every layer. Each is still a
# thin module (parse, call one use case, answer). A domain with many use cases splits them
# into `usecases.py` and `<topic>_usecases.py`.
ENTRY_FILES = {"api.py", "web.py", "cli.py", "usecases.py", "auth.py"}


def layers() -> list[list[str]]:
    """The `layers` block of docs/architecture.md: one line per layer, lowest first."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    block = re.search(r"```layers\n(.*?)```", text, re.S)
    assert block, "docs/architecture.md has no ```layers block"
    found = []
    for line in block.group(1).splitlines():
        if line.strip():
            _, _, names = line.partition(":")
            found.append(names.split())
    return found


def modules() -> dict[str, Path]:
    found = {}
    for path in (SRC / "tipline").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        name = ".".join(path.relative_to(SRC).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> Iterator[tuple[str, int, bool]]:
    """(imported tipline module, line, inside a function or class body)."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if not node.module.startswith("tipline"):
                continue
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                target = sub if sub in known else node.module
                yield target, node.lineno, node.col_offset > 0
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("tipline"):
                    yield alias.name, node.lineno, node.col_offset > 0


def package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "tipline"


def is_entry(module: str, known: dict[str, Path]) -> bool:
    name = known[module].name
    return (name in ENTRY_FILES or name.endswith("_usecases.py")
            or package(module) in COMPOSITION)


def graph() -> dict[str, set[str]]:
    known = modules()
    edges: dict[str, set[str]] = {m: set() for m in known}
    for name, path in known.items():
        for target, _, _ in imports(name, path, known):
            # A package's __init__ runs before its submodules: importing it is no edge.
            if target in known and target != name and not name.startswith(target + "."):
                edges[name].add(target)
    return edges


COMPOSITION = {"app", "state", "http", "client", "web_errors", "web", "cli", "cli_context",
               "demo", "openapi"}


def test_every_package_is_in_a_layer() -> None:
    listed = {p for layer in layers() for p in layer}
    packages = {package(m) for m in modules()} - COMPOSITION - {"tipline", "models"}
    assert not packages - listed, f"missing from docs/architecture.md: {packages - listed}"
    assert not listed - packages, f"unknown in docs/architecture.md: {listed - packages}"


def test_imports_follow_the_layers() -> None:
    order = {p: i for i, p in enumerate(p for layer in layers() for p in layer)}
    known, wrong = modules(), []
    for name, targets in graph().items():
        if is_entry(name, known) or package(name) not in order:
            continue
        for target in targets:
            mine, theirs = package(name), package(target)
            if theirs == mine or theirs == "tipline":
                continue
            if is_entry(target, known) or order.get(theirs, 1 << 30) >= order[mine]:
                wrong.append(f"{name} imports {target}")
    assert not wrong, "imports against docs/architecture.md:\n" + "\n".join(sorted(wrong))


def test_no_import_cycle() -> None:
    edges, state, cycles = graph(), {}, []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == "open":
                cycles.append(" -> ".join([*stack[stack.index(nxt):], nxt]))
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_no_import_hidden_in_a_function() -> None:
    """A function-level import hides a dependency from the module's header (and from the layer
    check's reader); only CLI commands may defer imports, for start-up time."""
    known, hidden = modules(), []
    for name, path in known.items():
        if path.name == "cli.py" or package(name) in {"cli", "demo"}:
            continue
        for target, line, nested in imports(name, path, known):
            if nested and package(target) != package(name):
                hidden.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert not hidden, "\n".join(hidden)


def test_the_readme_links_only_to_files_in_the_repository() -> None:
    readme = (ROOT / "README.md").read_text()
    for target in re.findall(r"\]\(([^)#]+)", readme):
        assert "://" not in target and not target.startswith(("/", "..")), target
        assert (ROOT / target).exists(), f"README links to a missing file: {target}"
