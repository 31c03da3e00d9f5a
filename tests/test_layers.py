"""One direction of imports (docs/architecture.md#layers): a module imports only from its own
package or from lower layers, at module level or inside a function; an import inside a function
is only for a heavy optional dependency, marked with a ``# lazy:`` comment. Read from the source
(the AST of every module), so an upward import fails this test even if it would import fine."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "salessim"

#: bottom to top; packages on one line are one layer and never import each other
LAYERS = [
    {"", "errors"},
    {"datafiles", "schema"},
    {"api"},
    {"store", "constraints", "nlu", "llm"},
    {"personas"},
    {"metrics"},
    {"local"},
    {"shoppers", "agents"},
    {"sim"},
    {"importers", "report", "train", "testing", "play"},
    {"sweep"},
    {"export"},
    {"cli"},
    {"__main__"},
]
LEVEL = {pkg: i for i, layer in enumerate(LAYERS) for pkg in layer}


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _modules():
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC.parent).with_suffix("")
        name = ".".join(rel.parts).removesuffix(".__init__")
        yield name, path


def _imports(tree: ast.AST):
    """(imported module, (first line, last line), inside a function) for every import statement."""
    inside: set[int] = set()
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inside |= {id(n) for n in ast.walk(fn) if isinstance(n, (ast.Import, ast.ImportFrom))}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, (node.lineno, node.end_lineno), id(node) in inside
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module, (node.lineno, node.end_lineno), id(node) in inside


def test_every_package_has_a_layer():
    packages = {_package(name) for name, _ in _modules()}
    assert packages <= set(LEVEL), f"add to LAYERS: {sorted(packages - set(LEVEL))}"


def test_imports_go_down_only():
    upward = []
    for name, path in _modules():
        here = _package(name)
        for target, (line, _), _ in _imports(ast.parse(path.read_text())):
            if not target.startswith("salessim"):
                continue
            there = _package(target)
            if there != here and LEVEL[there] >= LEVEL[here]:
                upward.append(f"{path.relative_to(SRC.parent)}:{line}: {name} ({LEVEL[here]}) imports {target} "
                              f"({LEVEL[there]})")
    assert not upward, "imports that do not go down:\n" + "\n".join(upward)


def test_imports_inside_functions_are_only_lazy_heavy_dependencies():
    bad = []
    for name, path in _modules():
        lines = path.read_text().splitlines()
        for target, (line, last), inside in _imports(ast.parse("\n".join(lines))):
            if not inside:
                continue
            marked = (any("# lazy:" in text for text in lines[line - 1:last])
                      or lines[line - 2].strip().startswith("# lazy:"))
            if target.startswith("salessim") or not marked:
                bad.append(f"{path.relative_to(SRC.parent)}:{line}: {target}")
    assert not bad, "imports inside functions (hoist them, or mark a heavy optional one `# lazy: why`):\n" + "\n".join(bad)


def test_the_check_would_fail_on_an_upward_import(tmp_path):
    """The rule itself: an api module importing sim is reported."""
    tree = ast.parse("from salessim.sim.runner import run_benchmark\n")
    found = [(t, _package(t)) for t, _, _ in _imports(tree)]
    assert found == [("salessim.sim.runner", "sim")] and LEVEL["sim"] > LEVEL["api"]


@pytest.mark.parametrize("module", ["salessim.api", "salessim.schema", "salessim.nlu", "salessim.metrics"])
def test_importing_a_layer_loads_no_higher_one(module):
    """Run in a fresh interpreter: what importing ``module`` pulls into sys.modules."""
    code = (f"import sys, {module}\n"
            "print('\\n'.join(m for m in sys.modules if m.startswith('salessim.')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    here = LEVEL[_package(module)]
    higher = sorted(m for m in loaded if LEVEL.get(_package(m), 0) > here)
    assert not higher, f"importing {module} loaded {higher}"
