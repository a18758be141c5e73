"""The package's public surface: every public name has a docstring, the
type stubs name what the native module has, and the package says it is
typed (py.typed)."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import keel
import keel._keel
import keel.asyncio
import keel.twisted

PACKAGE = Path(keel.__file__).parent


def public(obj) -> list:
    return [name for name in dir(obj) if not name.startswith("_")]


def test_every_public_name_has_a_docstring() -> None:
    missing = []
    for module in (keel, keel.asyncio, keel.twisted):
        assert inspect.getdoc(module), module.__name__
        for name in getattr(module, "__all__", public(module)):
            obj = getattr(module, name)
            if not inspect.getdoc(obj):
                missing.append(f"{module.__name__}.{name}")
            if inspect.isclass(obj) and obj.__module__.startswith("keel"):
                # Members the class defines itself (not those inherited
                # from Twisted or asyncio).
                for member in [m for m in public(obj) if m in vars(obj) or obj.__module__ == "keel._keel"]:
                    attr = getattr(obj, member)
                    if (callable(attr) or isinstance(attr, property) or type(attr).__name__ == "getset_descriptor") \
                            and not inspect.getdoc(attr) and member not in {"args", "with_traceback", "add_note"}:
                        missing.append(f"{module.__name__}.{name}.{member}")
    assert missing == []


def test_the_stubs_name_what_the_native_module_has() -> None:
    tree = ast.parse((PACKAGE / "_keel.pyi").read_text())
    stubbed = {node.name for node in tree.body if isinstance(node, ast.ClassDef)}
    native = {name for name in public(keel._keel) if inspect.isclass(getattr(keel._keel, name))}
    assert stubbed == native
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            methods = {n.name for n in node.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")}
            cls = getattr(keel._keel, node.name)
            assert methods <= set(public(cls)), (node.name, methods - set(public(cls)))


def test_the_package_is_typed() -> None:
    assert (PACKAGE / "py.typed").exists()
    assert sorted(keel.__all__) == sorted(n for n in public(keel._keel) if inspect.isclass(getattr(keel._keel, n)))
