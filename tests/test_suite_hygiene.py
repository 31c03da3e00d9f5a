"""The suite fails loudly: a broken ``salessim`` module is an error, never a skip or a silent
fallback. Scanned (AST, no import): ``pytest.importorskip("salessim...")``, ``pytest.skip(...)``
whose reason names a salessim module, and ``try: <import of salessim...> except ImportError`` in
the tests and in the package (a package module that swallows the import error of another hides it
from every test)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _own(name: str | None) -> bool:
    return bool(name) and (name == "salessim" or name.startswith("salessim."))


def _imported(nodes) -> list[str]:
    names = []
    for stmt in nodes:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Import):
                names += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names.append(node.module or "")
    return names


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(k, ast.Name) and k.id in ("ImportError", "ModuleNotFoundError") for k in kinds)


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def offences(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        where = f"{shown}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            arg = str(node.args[0].value)
            if _call_name(node) == "importorskip" and _own(arg):
                found.append(f"{where}: pytest.importorskip({arg!r})")
            if _call_name(node) == "skip" and "salessim." in arg:
                found.append(f"{where}: pytest.skip({arg!r})")
        if isinstance(node, ast.Try) and any(_catches_import_error(h) for h in node.handlers if h.type is not None):
            own = [name for name in _imported(node.body) if _own(name)]
            if own:
                found.append(f"{where}: ImportError of {', '.join(own)} caught")
    return found


def test_no_test_skips_or_passes_when_a_salessim_module_fails_to_import():
    found = [o for path in sorted((ROOT / "tests").glob("*.py")) for o in offences(path)]
    assert not found, "import salessim modules plainly, so that a broken one fails:\n" + "\n".join(found)


def test_no_package_module_hides_the_import_error_of_another():
    found = [o for path in sorted((ROOT / "src" / "salessim").rglob("*.py")) for o in offences(path)]
    assert not found, "import salessim modules plainly, so that a broken one fails:\n" + "\n".join(found)


def test_the_scan_finds_what_it_looks_for(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text('import pytest\npytest.importorskip("salessim.nlu")\n'
                     'try:\n    from salessim import metrics\nexcept ImportError:\n    metrics = None\n'
                     'def test_x():\n    pytest.skip("salessim.nlu.phrase is not available")\n')
    assert len(offences(probe)) == 3
