"""Stopgap until the snapshot knows about views: a write through a view changes its base.

`arrayprof.snapshot` copies only the inputs a cell may change, judged by name; a cell that writes
``b[:] = 99`` after ``b = a[3:7]`` changes ``a`` without naming it, so ``a`` was kept as a weak
reference and verification saw its post-cell values.  This wraps the snapshot's name analysis so
the bases of views (and plain aliases) made in the cell count as changed when the view is.  It is
installed once when the advisor is imported and does nothing if the snapshot module changes shape.
"""

from __future__ import annotations

import ast
from typing import Any

VIEW_METHODS = ("ravel", "reshape", "view", "transpose", "swapaxes", "squeeze", "diagonal")


def view_base(value: ast.expr) -> str | None:
    """The name a slicing / .T / reshape / alias expression may share memory with."""
    if isinstance(value, ast.Name):
        return value.id
    if isinstance(value, ast.Subscript | ast.Attribute) and isinstance(value.value, ast.Name):
        return value.value.id
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and \
            value.func.attr in VIEW_METHODS and isinstance(value.func.value, ast.Name):
        return value.func.value.id
    return None


def with_view_bases(original: Any) -> Any:
    def names_read_and_changed(tree: ast.AST) -> tuple[set[str], set[str]]:
        reads, changed = original(tree)
        aliases: dict[str, set[str]] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                    isinstance(node.targets[0], ast.Name):
                base = view_base(node.value)
                if base is not None:
                    aliases.setdefault(node.targets[0].id, set()).add(base)
        grew = True
        while grew:
            grew = False
            for view, bases in aliases.items():
                if view in changed and not bases <= changed:
                    changed |= bases
                    grew = True
        return reads, changed

    names_read_and_changed.__wrapped__ = original  # type: ignore[attr-defined]
    return names_read_and_changed


def install() -> None:
    from arrayprof import snapshot

    current = getattr(snapshot, "names_read_and_changed", None)
    if current is None or hasattr(current, "__wrapped__"):
        return
    snapshot.names_read_and_changed = with_view_bases(current)
