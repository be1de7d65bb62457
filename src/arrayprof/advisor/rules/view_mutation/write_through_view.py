"""write-through-view (category view-mutation): a write through a view into an array the cell also
uses under another name, where intent is unclear (the parent read only before the write, or a
reordering write). An explanation at info level, never a fix: a ``.copy()`` would break every
deliberate in-place update (issue 12)."""

from __future__ import annotations

import ast

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.aliasing import rebound_between, view_source
from arrayprof.advisor.facts import finding
from arrayprof.advisor.rule import Rule
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report


def write_through_view(report: Report, context: CellContext) -> list[Finding]:
    """A write through a view changes an array the cell also uses under another name."""
    assert context.tree is not None
    ns = context.namespace
    views: dict[str, tuple[str, int]] = {}
    for stmt in at.walk_no_defs(context.tree):
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
            pairs = [(target, stmt.value)]
            if isinstance(target, ast.Tuple | ast.List) and isinstance(
                    stmt.value, ast.Tuple | ast.List) and len(target.elts) == len(
                    stmt.value.elts):
                pairs = list(zip(target.elts, stmt.value.elts, strict=True))
            for name, value in pairs:
                if not isinstance(name, ast.Name):
                    continue
                base = view_source(value, ns)
                if base is not None and isinstance(ns.get(base), np.ndarray):
                    views[name.id] = (base, stmt.lineno)
    for info in report.arrays:
        if info.is_view and info.base and info.name not in views and info.lineno:
            # the line that bound the name (``row *= 0`` later does not make a new view)
            bindings = at.binding_lines(context.tree, info.name)
            views[info.name] = (info.base, bindings[-1] if bindings else info.lineno)
    found = []
    functions = {f.name: f for f in context.tree.body if isinstance(f, ast.FunctionDef)}
    for stmt in ast.walk(context.tree):
        if not isinstance(stmt, ast.stmt):
            continue
        for view, (base, created) in views.items():
            if stmt.lineno <= created or not writes_through(stmt, view, functions):
                continue
            if view in at.stored_names(context.tree.body[:0]) or rebound_between(
                    context.tree, view, created, stmt.lineno):
                continue
            parents = at.parents(context.tree)
            uses = [n.lineno for n in ast.walk(context.tree) if isinstance(n, ast.Name) and
                    n.id == base and isinstance(n.ctx, ast.Load) and n.lineno != created and
                    not written_only(n, parents)]
            if not uses or updated_state(context.tree, stmt, view, base, uses):
                continue
            found.append(mutation_finding(context, stmt, view, base, created, uses))
            break
    return found


REORDERING = ("sort", "partition", "shuffle", "permutation")


def updated_state(tree: ast.Module, stmt: ast.stmt, view: str, base: str,
                  uses: list[int]) -> bool:
    """Whether the write through `view` is the cell's way of updating `base` (issue 12: a
    stencil's ``u += ...`` in a time loop, ``flat = Z.ravel(); flat[idx] = 0``, ``Y[:] = Z`` as
    an in-place conversion): the write reads `base` itself, or the cell goes on to read `base`
    after it (later lines, or any line of a loop around the write, which runs again).  Then
    a ``.copy()`` would silently stop the update, so there is no finding.  A reordering write
    (``flat.sort()``) scrambles a differently shaped parent, which is rarely the point: that
    one stays a note."""
    call = stmt.value if isinstance(stmt, ast.Expr | ast.Assign) and isinstance(
        stmt.value, ast.Call) else None
    if call is not None and isinstance(call.func, ast.Attribute) and \
            call.func.attr in REORDERING:
        return False
    if any(isinstance(n, ast.Name) and n.id == base and isinstance(n.ctx, ast.Load)
           for n in ast.walk(stmt)):
        return True
    last = stmt.end_lineno or stmt.lineno
    loops = at.enclosing_loops(tree, stmt.lineno)
    first_loop = loops[0] if loops else None
    for line in uses:
        if line > last:
            return True
        if first_loop is not None and \
                first_loop.lineno <= line <= (first_loop.end_lineno or first_loop.lineno):
            return True
    return False


def written_only(name: ast.Name, parents: dict[ast.AST, ast.AST]) -> bool:
    """``img[10:20] = 1.0``: the name only designates where to write; no value of it is read,
    so a later write through a view cannot surprise this line."""
    parent = parents.get(name)
    return isinstance(parent, ast.Subscript | ast.Attribute) and parent.value is name and \
        isinstance(parent.ctx, ast.Store)


IN_PLACE_METHODS = ("fill", "sort", "put", "partition", "itemset")


IN_PLACE_FUNCTIONS = ("copyto", "fill_diagonal", "put", "place", "putmask", "put_along_axis")


def writes_through(stmt: ast.stmt, view: str,
                   functions: dict[str, ast.FunctionDef] | None = None) -> bool:
    """Whether `stmt` writes into the array named `view`: subscript stores, augmented
    assignments, in-place methods and NumPy functions (``np.copyto(view, ...)``,
    ``rng.shuffle(view)``), ``out=view``, or a call passing `view` to a function of the cell
    that writes into that parameter."""
    if isinstance(stmt, ast.Assign):
        if any(isinstance(t, ast.Subscript) and at.root_name(t) == view for t in stmt.targets):
            return True
    if isinstance(stmt, ast.AugAssign):
        return at.root_name(stmt.target) == view
    calls = [stmt.value] if isinstance(stmt, ast.Expr | ast.Assign) and \
        isinstance(stmt.value, ast.Call) else []
    for call in calls:
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in IN_PLACE_METHODS and \
                isinstance(func.value, ast.Name) and func.value.id == view:
            return True
        first = call.args[0] if call.args else None
        is_view = isinstance(first, ast.Name) and first.id == view
        if is_view and isinstance(func, ast.Attribute) and (
                func.attr in IN_PLACE_FUNCTIONS or func.attr == "shuffle"):
            return True
        if any(k.arg == "out" and at.root_name(k.value) == view for k in call.keywords):
            return True
        if functions and isinstance(func, ast.Name) and func.id in functions:
            params = [a.arg for a in functions[func.id].args.args]
            for position, arg in enumerate(call.args[:len(params)]):
                if isinstance(arg, ast.Name) and arg.id == view and any(
                        writes_through(inner, params[position])
                        for inner in ast.walk(functions[func.id]) if isinstance(inner, ast.stmt)
                        and inner is not functions[func.id]):
                    return True
    return False


def mutation_finding(context: CellContext, stmt: ast.stmt, view: str, base: str, created: int,
                     uses: list[int]) -> Finding:
    # Only reached when intent is unclear (`updated_state` is False): the cell read `base`
    # before the write and not after, or the write reorders it.  Whether the change to `base`
    # is wanted cannot be told from the cell, so this is an explanation at info level and no
    # fix: a `.copy()` offered as "verified" would break every deliberate in-place update.
    assert context.tree is not None
    explanation = (
        f"{view} was made on line {created} as a view of {base}: it shares {base}'s memory. "
        f"Line {stmt.lineno} writes into {view}, so it also changes {base}, which the cell uses "
        f"on line{'s' if len(uses) > 1 else ''} {', '.join(map(str, sorted(set(uses))))}. "
        f"That is right if the cell means to update {base} in place; if {view} was meant to be "
        "independent, take a .copy() when you make it. Rule of thumb: basic slices, .T, "
        "reshape and ravel return views; writing to them writes to the original.")
    return finding("view-mutation", stmt.lineno,
                   f"writing to {view} also changes {base} (it is a view)", explanation,
                   force="info")


RULE = Rule(
    name="write-through-view",
    category="view-mutation",
    finds=("A write (subscript store, +=, in-place method or NumPy function, out=, a cell function writing"
           " its parameter) through a name bound to a view (basic slice, .T, reshape, ravel, view...) into"
           " a parent the cell reads only before the write, or a reordering write (sort, partition, "
           "shuffle) through a view."),
    why=("The parent changes silently under its own name; if the view was meant to be independent, values "
         "the cell uses are not what they look like."),
    example="head = prices[:5]\ntotal_before = prices.sum()\nhead[:] = 0.0\n-> (an info note; no rewrite)",
    near_misses=("Writes the cell goes on to use as the updated parent: a stencil's u += ... in a time "
                 "loop, flat = Z.ravel(); flat[idx] = 0, Y = Z.view(np.int32); Y[:] = Z; writes that read "
                 "the parent; writes into copies."),
    rewrite="none",
    check=write_through_view,
)
