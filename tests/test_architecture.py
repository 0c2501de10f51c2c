"""The import contract: siqa's floors (docs/architecture.md), checked on the source with `ast`.

Every import counts, at module level or inside a function (a lazy import still ties the two modules together:
it only moves the failure to run time), and so does `importlib.import_module("siqa....")` with a literal name;
imports under `if TYPE_CHECKING:` do not, as they never run. A module may import only from its own floor and
the floors below; siblings joined by `|` may not import each other; and no module takes part in an import cycle.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "siqa"
DOC = ROOT / "docs" / "architecture.md"

# Top to bottom. A tuple of names is one floor: `independent` floors' members may not import each other.
LAYERS: list[tuple[tuple[str, ...], bool]] = [
    (("siqa", "siqa.__main__"), False),
    (("siqa.cli",), False),
    (("siqa.api", "siqa.testing", "siqa.demo"), True),
    (("siqa.export", "siqa.synth"), True),
    (("siqa.reports",), False),
    (("siqa.audit",), False),
    (("siqa.engine",), False),
    (("siqa.validators",), False),
    (("siqa.asr", "siqa.identity"), True),
    (("siqa.signals",), False),
    (("siqa.patches",), False),
    (("siqa.outputs",), False),
    (("siqa.registry", "siqa.config", "siqa.norms", "siqa.context", "siqa.batch_pass", "siqa.release",
      "siqa.causes", "siqa.decisions", "siqa.project_config"), False),
    (("siqa.dataset",), False),
    (("siqa.findings", "siqa.finding_fingerprints", "siqa.schemas", "siqa.log", "siqa.exit_codes"), False),
]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _type_checking_only(tree: ast.Module) -> set[int]:
    return {id(node) for block in ast.walk(tree) if isinstance(block, ast.If) and "TYPE_CHECKING" in
            ast.unparse(block.test) for node in ast.walk(block)}


def _targets(node: ast.AST, module: str, is_package: bool) -> Iterator[str]:
    """The siqa modules one statement imports: a submodule named in `from package import submodule`, the
    package itself for any other name."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
        base = module.split(".")[: None if is_package else -1]
        source = ".".join(base[: len(base) - node.level + 1] + [node.module or ""]).strip(".") if node.level \
            else node.module or ""
        for alias in node.names:
            yield f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules() else source
    elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "import_module"
          and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
        yield node.args[0].value


def _resolve(name: str) -> str | None:
    """The module a dotted name lives in (`siqa.findings.Scope` -> `siqa.findings`); None outside siqa."""
    while name and name not in modules():
        name = name.rpartition(".")[0]
    return name or None


@cache
def imports() -> dict[str, frozenset[str]]:
    """Module -> the siqa modules it imports (itself and its own packages left out: importing a module imports
    them anyway)."""
    graph = {}
    for module, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skipped = _type_checking_only(tree)
        found = set()
        for node in ast.walk(tree):
            if id(node) not in skipped:
                found.update(t for n in _targets(node, module, path.name == "__init__.py") if (t := _resolve(n)))
        graph[module] = frozenset(t for t in found if t != module and not module.startswith(t + "."))
    return graph


def floor_of(module: str) -> tuple[int, str]:
    """(floor index from the top, the contract's name that holds the module)."""
    for index, (names, _) in enumerate(LAYERS):
        for name in names:
            if module == name or (name != "siqa" and module.startswith(name + ".")):
                return index, name
    raise AssertionError(f"{module} is on no floor of the contract: add it to LAYERS and docs/architecture.md")


def test_every_module_is_on_a_floor():
    assert all(floor_of(module) for module in modules())


def test_no_module_imports_a_floor_above_its_own_or_an_independent_sibling():
    breaches = []
    for module, targets in sorted(imports().items()):
        floor, name = floor_of(module)
        for target in sorted(targets):
            target_floor, target_name = floor_of(target)
            if target_floor < floor or (target_floor == floor and target_name != name and LAYERS[floor][1]):
                breaches.append(f"{module} -> {target}")
    assert breaches == []


def cycles(graph: dict[str, frozenset[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_there_are_no_import_cycles():
    assert cycles(imports()) == []


def test_the_cycle_finder_finds_a_cycle_and_only_it():
    graph = {"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}), "d": frozenset({"a"})}
    assert cycles(graph) == [["a", "b", "c"]]


@pytest.mark.parametrize(("source", "expected"), [
    ("from siqa.findings import Scope\n", {"siqa.findings"}),
    ("def f():\n    from siqa.engine import task\n", {"siqa.engine.task"}),
    ("import importlib\nimportlib.import_module('siqa.engine.internal')\n", {"siqa.engine.internal"}),
    ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from siqa.audit import run_audit\n", set()),
])
def test_lazy_and_dynamic_imports_count_and_type_only_imports_do_not(source, expected):
    tree = ast.parse(source)
    skipped = _type_checking_only(tree)
    found = {_resolve(t) for node in ast.walk(tree) if id(node) not in skipped
             for t in _targets(node, "siqa.example", False)}
    assert found - {None} == expected


def doc_layers() -> list[tuple[tuple[str, ...], bool]]:
    """The floors the doc draws: the fenced block under "## Floors", a floor a line, top to bottom, its names
    joined by `|` (independent) or `,` (may import each other), then two spaces and what it holds."""
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"^## Floors\n.*?^```\w*\n(.*?)^```", text, re.S | re.M)
    assert block is not None, "docs/architecture.md has no fenced block under '## Floors'"
    layers = []
    for line in block.group(1).splitlines():
        names = re.split(r"\s{2,}", line.strip(), maxsplit=1)[0]
        if names:
            independent = "|" in names
            layers.append((tuple(n.strip() for n in re.split(r"[|,]", names)), independent))
    return layers


def test_the_architecture_doc_draws_exactly_the_contract():
    assert doc_layers() == LAYERS
