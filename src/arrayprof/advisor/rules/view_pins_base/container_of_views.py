"""container-of-views: a list, tuple or dict the cell built of small views, each keeping a big
buffer alive that no name reaches: ``heads = [load(k)[:10] for k in range(20)]``."""

from __future__ import annotations

import ast

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.aliasing import owner
from arrayprof.advisor.config import CONFIG
from arrayprof.advisor.facts import finding, nbytes
from arrayprof.advisor.rewriting import statement_replacing
from arrayprof.advisor.rule import Rule
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report


def container_of_views(report: Report, context: CellContext) -> list[Finding]:
    """A list (or tuple, or dict) the cell built of small views, each keeping a big buffer
    alive that no name reaches: ``heads = [load(k)[:10] for k in range(20)]``."""
    assert context.tree is not None
    ns = context.namespace
    found = []
    arrays: dict[str, np.ndarray] | None = None
    index = at.tree_index(context.tree)
    # only names the tree binds can qualify; in namespace order, as before
    bound = index.bindings() if index is not None else None
    names = [n for n in ns if n in bound] if bound is not None else list(ns)
    for name in names:
        value = ns[name]
        if not isinstance(value, list | tuple | dict):
            continue
        bindings = at.binding_lines(context.tree, name)
        if not bindings:
            continue
        items = list(value.values()) if isinstance(value, dict) else value
        if not items or len(items) > 100_000:
            continue
        views = [v for v in items if isinstance(v, np.ndarray) and v.base is not None]
        if not views:
            continue
        if arrays is None:  # the namespace's arrays, gathered once for every container
            arrays = {k: v for k, v in ns.items() if isinstance(v, np.ndarray)}
        others = [v for k, v in arrays.items() if k != name]
        reachable = {id(owner(v)) for v in others} | {id(v) for v in others}
        owners = {id(owner(v)): owner(v) for v in views}
        pinned = sum(o.nbytes for key, o in owners.items() if isinstance(o, np.ndarray) and
                     key not in reachable)
        held = sum(v.nbytes for v in views)
        if pinned < CONFIG.pin_factor * max(held, 1) or pinned < CONFIG.silent_bytes:
            continue
        lineno = bindings[-1]
        # filled later (heads.append(big[:10]), res["head"] = big[:10]): the views are made on
        # the line that puts them in, not where the empty container was bound
        fills = [stmt.lineno for stmt in ast.walk(context.tree) if stmt_fills(stmt, name)]
        if fills and max(fills) > lineno:
            lineno = max(fills)
        rewrite = None
        bound = at.bound_value(context.tree, name, lineno)
        if isinstance(bound, ast.ListComp):
            copied = ast.ListComp(elt=ast.Call(func=ast.Attribute(
                value=bound.elt, attr="copy", ctx=ast.Load()), args=[], keywords=[]),
                generators=bound.generators)
            rewrite = statement_replacing(context, bound, copied)
        found.append(finding(
            "view-pins-base", lineno,
            f"{name} holds {len(views)} views ({nbytes(held)}) keeping {nbytes(pinned)} alive",
            f"{name}, built on line {lineno}, holds {len(views):,} small views "
            f"({nbytes(held)} in all) of {len(owners):,} larger buffers that no name reaches "
            f"any more: a view keeps its whole base alive, so {nbytes(pinned)} stay allocated "
            "for nothing. Rule of thumb: .copy() the small slices you keep from big temporary "
            "arrays.", rewrite=rewrite, bytes_wasted=pinned - held))
    return found


def stmt_fills(stmt: ast.AST, name: str) -> bool:
    """``name.append(...)`` / ``extend`` / ``insert`` or ``name[key] = ...``."""
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and \
            isinstance(stmt.value.func, ast.Attribute) and \
            stmt.value.func.attr in ("append", "extend", "insert") and \
            isinstance(stmt.value.func.value, ast.Name) and stmt.value.func.value.id == name:
        return True
    return isinstance(stmt, ast.Assign) and any(
        isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and t.value.id == name
        for t in stmt.targets)


RULE = Rule(
    name="container-of-views",
    category="view-pins-base",
    finds=("A list, tuple or dict bound by the cell (up to 100,000 items) holding views whose bases, "
           "together at least `pin_factor` times the views and `silent_bytes`, no other name reaches; "
           "reported on the line that filled it (append, extend, insert, item assignment)."),
    why=("Each view keeps its whole base buffer alive: the container holds the big arrays in memory for a "
         "few small slices of them."),
    example=("heads = [load(k)[:10] for k in range(20)]\n->\nheads = [load(k)[:10].copy() for k in "
             "range(20)]"),
    near_misses=("Containers of copies or of owning arrays; views whose bases are still named; bases not "
                 "much larger than the views."),
    rewrite="equivalent",
    check=container_of_views,
)
