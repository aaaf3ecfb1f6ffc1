"""The layout is the flow: corpus -> annotation -> validation -> releases, and no module cycles.

Every import is read from the source (module level and inside functions alike), so a late
import cannot hide a cycle or a stage reaching into a later one.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STAGES = ["corpus", "annotation", "validation", "releases", "training"]  # in flow order
OURS = (*STAGES, "newsdesk")


def _modules() -> dict[str, Path]:
    found = {}
    for package in OURS:
        for path in (REPO / package).rglob("*.py"):
            parts = path.relative_to(REPO).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _type_checking_only(tree: ast.Module) -> set[int]:
    """Ids of the import nodes under ``if TYPE_CHECKING:``: they name types, and never run."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", getattr(node.test, "attr", "")) == "TYPE_CHECKING":
            found.update(id(n) for child in node.body for n in ast.walk(child))
    return found


def _imports(path: Path, name: str, known: set[str], runtime_only: bool = False) -> set[str]:
    """Our modules that ``name`` imports, resolved to the longest known module name."""
    out = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_checking_only(tree) if runtime_only else set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        targets = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target.split(".")[0] in OURS and target != name:
                out.add(target)
    return out


def _graph(runtime_only: bool = False) -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(path, name, known, runtime_only) for name, path in modules.items()}


def test_no_stage_imports_a_later_stage_or_the_cli():
    wrong = []
    for module, imported in _graph().items():
        stage = module.split(".")[0]
        if stage not in STAGES:
            continue
        for target in imported:
            other = target.split(".")[0]
            if other == "newsdesk" or STAGES.index(other) > STAGES.index(stage):
                wrong.append(f"{module} imports {target}")
    assert not wrong, wrong


def test_no_import_cycles():
    graph = _graph(runtime_only=True)  # a type named for the checker only is no cycle
    # Packages import their own modules from __init__; a cycle through a package's own
    # __init__ is Python's normal way and not counted.
    edges = defaultdict(set)
    for module, imported in graph.items():
        for target in imported:
            if not module.startswith(target + ".") and not target.startswith(module + "."):
                edges[module].add(target)
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycles.append(path[path.index(nxt) :] + [nxt] if nxt in path else [node, nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles, cycles


def test_a_release_build_and_validation_load_no_label_studio():
    # Gold is read from the gold store (validation/gold.py), not from the module that also talks
    # to Label Studio's review project (validation/review.py).
    import subprocess
    import sys

    program = (
        "import sys, releases.build, validation.validate, validation.adjudicate, validation.gold\n"
        "print([m for m in ('label_studio_sdk', 'validation.review', 'annotation.studio') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", program], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
