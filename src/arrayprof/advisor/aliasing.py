"""Who shares memory with whom, and when names change: the facts the copy and view rules judge by.

Copies are judged by whether a view would give the same values for the rest of the cell (the copy
is never written to and its source never changes afterwards); views by who else can still reach
their buffer, read from the live namespace after the cell.  Shared by the unexpected-copy,
view-pins-base, view-mutation and missing-keepdims rules.
"""

from __future__ import annotations

import ast
from typing import Any

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.facts import describe, finding, iterations, nbytes
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report, Rewrite


def changed_after(tree: ast.Module, name: str, lineno: int) -> bool:
    """Whether `name` is written in place or rebound on a line after `lineno` (or in a loop
    around it, which runs the line again)."""
    loops = at.enclosing_loops(tree, lineno)
    for stmt in ast.walk(tree):
        if not isinstance(stmt, ast.stmt) or isinstance(stmt, ast.For | ast.While | ast.If):
            continue
        later = stmt.lineno > lineno or any(
            loop.lineno <= stmt.lineno <= (loop.end_lineno or 0) for loop in loops)
        if later and stmt.lineno != lineno and name in at.changed_names([stmt]):
            return True
    return False


def rebound_between(tree: ast.Module, name: str, first: int, last: int) -> bool:
    """Whether `name` is bound again strictly between lines `first` and `last`."""
    return any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store)
               and first < n.lineno < last for n in ast.walk(tree))


def owner(array: np.ndarray) -> Any:
    """The array that owns the memory `array` views (`array` itself when it owns it)."""
    base = array
    while isinstance(base, np.ndarray) and base.base is not None:
        base = base.base
    return base


def target_name(context: CellContext, node: ast.AST) -> str | None:
    """The plain name an expression is assigned to, when it is the whole right-hand side."""
    assert context.tree is not None
    parent = at.parents(context.tree).get(node)
    if isinstance(parent, ast.Assign) and parent.value is node and len(parent.targets) == 1 and \
            isinstance(parent.targets[0], ast.Name):
        return parent.targets[0].id
    return None


def read_only_use(context: CellContext, node: ast.AST, source: str | None) -> bool:
    """The copy is not written to, and its source not changed, for the rest of the cell."""
    assert context.tree is not None
    name = target_name(context, node)
    parent = at.parents(context.tree).get(node)
    if isinstance(parent, ast.Subscript | ast.Attribute) and isinstance(
            getattr(parent, "ctx", None), ast.Store):
        return False
    if name and changed_after(context.tree, name, node.lineno):  # type: ignore[attr-defined]
        return False
    if name and isinstance(parent, ast.Assign) and name == source:
        return False
    return not (source and changed_after(context.tree, source,
                                         node.lineno))  # type: ignore[attr-defined]


def copy_finding(context: CellContext, report: Report, node: ast.AST, array: np.ndarray,
                 what: str, instead: str, rewrite: Rewrite | None) -> Finding:
    """The unexpected-copy finding of a copy made where a view would do (flatten, astype,
    np.array): `what` copies, `instead` says what returns a view."""
    assert context.tree is not None
    lineno = node.lineno  # type: ignore[attr-defined]
    loops = at.enclosing_loops(context.tree, lineno)
    runs = max(1, iterations(report, range(lineno, lineno + 1))) if loops else 1
    copied = array.nbytes * runs
    explanation = (
        f"On line {lineno}, {what}: {describe(array)} duplicated"
        + (f" {runs:,} times ({nbytes(copied)} in all)" if runs > 1 else "")
        + f", although nothing writes to the copy afterwards. {instead}, which costs no memory "
        "and no time. Rule of thumb: copy only when you will modify one side.")
    return finding("unexpected-copy", lineno, f"{what.split(':')[0]}: a view would do",
                   explanation, rewrite=rewrite, bytes_wasted=copied)


VIEW_METHODS = ("ravel", "reshape", "view", "transpose", "swapaxes", "squeeze", "T", "diagonal")


def view_source(value: ast.expr, ns: dict[str, Any]) -> str | None:
    """The array a basic-slicing / reshape / .T expression is a view of."""
    if isinstance(value, ast.Subscript) and isinstance(value.value, ast.Name):
        elts = value.slice.elts if isinstance(value.slice, ast.Tuple) else [value.slice]
        if all(isinstance(e, ast.Slice) or at.const_int(e) is not None or (
                isinstance(e, ast.Constant) and e.value in (None, Ellipsis)) for e in elts):
            if any(isinstance(e, ast.Slice) for e in elts):
                return value.value.id
    if isinstance(value, ast.Attribute) and value.attr == "T" and isinstance(value.value, ast.Name):
        return value.value.id
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and \
            value.func.attr in VIEW_METHODS and isinstance(value.func.value, ast.Name):
        return value.func.value.id
    return None
