"""Copies and views: unexpected-copy, view-pins-base, view-mutation.

Copies are judged by whether a view would give the same values for the rest of the cell (the copy
is never written to and its source never changes afterwards); views by who else can still reach
their buffer, read from the live namespace after the cell.
"""

from __future__ import annotations

import ast
import itertools
from typing import Any

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor import rule
from arrayprof.advisor.config import CONFIG
from arrayprof.advisor.facts import describe, finding, iterations, nbytes
from arrayprof.advisor.rewriting import dtype_of, statement_replacing
from arrayprof.advisor.scopes import RETURN
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


def owner(array: np.ndarray) -> Any:
    base = array
    while isinstance(base, np.ndarray) and base.base is not None:
        base = base.base
    return base


def consecutive(values: list[int]) -> tuple[int, int, int] | None:
    """(start, stop, step) when a list of ints is an arithmetic progression."""
    if len(values) < 2:
        return None
    step = values[1] - values[0]
    if step <= 0 or any(b - a != step for a, b in itertools.pairwise(values)):
        return None
    return values[0], values[-1] + step, step


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


@rule
def unexpected_copy(report: Report, context: CellContext) -> list[Finding]:
    """Copies where a view would do: fancy index of a range, flatten, same-dtype astype,
    np.array(array), tile/repeat to match shapes."""
    assert context.tree is not None
    ns = context.namespace
    found: list[Finding] = []
    for node in ast.walk(context.tree):
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            hit = fancy_range(context, report, node)
            if hit:
                found.append(hit)
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "flatten" and not node.args:
            array = at.array_value(func.value, ns)
            source = at.root_name(func.value)
            if array is not None and array.flags.c_contiguous and array.nbytes >= \
                    CONFIG.silent_bytes and read_only_use(context, node, source):
                new = ast.Call(func=ast.Attribute(value=func.value, attr="ravel", ctx=ast.Load()),
                               args=[], keywords=[])
                found.append(copy_finding(context, report, node, array, "flatten() always copies",
                                          "ravel() returns a view of a contiguous array",
                                          statement_replacing(context, node, new)))
        elif isinstance(func, ast.Attribute) and func.attr == "astype" and node.args:
            array = at.array_value(func.value, ns)
            keywords = {k.arg for k in node.keywords}
            if array is None or "copy" in keywords or array.nbytes < CONFIG.silent_bytes:
                continue
            dtype = dtype_of(node.args[0], ns)
            if dtype is None or dtype != array.dtype:
                continue
            if not read_only_use(context, node, at.root_name(func.value)):
                continue
            new = ast.Call(func=func, args=node.args, keywords=[
                *node.keywords, ast.keyword(arg="copy", value=ast.Constant(False))])
            found.append(copy_finding(context, report, node, array,
                                      f"astype({at.unparse(node.args[0])}) of an array that "
                                      f"already is {array.dtype} copies it",
                                      "astype(..., copy=False) returns the array itself",
                                      statement_replacing(context, node, new)))
        elif at.np_func(func, ns, "array") and len(node.args) == 1 and same_dtype_keywords(
                node, ns):
            array = at.array_value(node.args[0], ns)
            if array is None or array.nbytes < CONFIG.silent_bytes:
                continue
            if any(k.arg == "dtype" for k in node.keywords):
                dtype = dtype_of(next(k.value for k in node.keywords if k.arg == "dtype"), ns)
                if dtype != array.dtype:
                    continue
            if not read_only_use(context, node, at.root_name(node.args[0])):
                continue
            new = ast.Call(func=at.np_attr("asarray"), args=node.args, keywords=[
                k for k in node.keywords if k.arg == "dtype"])
            found.append(copy_finding(context, report, node, array,
                                      "np.array(arr) copies an existing array",
                                      "np.asarray(arr) returns it unchanged",
                                      statement_replacing(context, node, new)))
        elif at.np_func(func, ns, "tile", "repeat"):
            hit = tile_to_match(context, report, node)
            if hit:
                found.append(hit)
    return found


def same_dtype_keywords(node: ast.Call, ns: dict[str, Any]) -> bool:
    """np.array's keywords allow a view: none, or only ``dtype=`` (checked by the caller)."""
    return all(k.arg == "dtype" for k in node.keywords)


def copy_finding(context: CellContext, report: Report, node: ast.AST, array: np.ndarray,
                 what: str, instead: str, rewrite: Rewrite | None) -> Finding:
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


def fancy_range(context: CellContext, report: Report, node: ast.Subscript) -> Finding | None:
    """``m[[0, 1, 2, 3]]`` / ``m[np.arange(a, b)]``: a copy where ``m[0:4]`` is a view."""
    ns = context.namespace
    array = at.array_value(node.value, ns)
    if array is None:
        return None
    index = node.slice
    rest = ""
    lead = ""
    axis = 0
    if isinstance(index, ast.Tuple) and index.elts:
        # m[[0, 1, 2], :] selects rows like m[[0, 1, 2]]; m[:, [0, 1, 2]] columns like m[:, 0:3]
        fancy = [k for k, e in enumerate(index.elts) if not isinstance(e, ast.Slice)]
        if len(fancy) != 1 or fancy[0] >= array.ndim:
            return None
        axis = fancy[0]
        lead = "".join(at.unparse(e) + ", " for e in index.elts[:axis])
        rest = "".join(", " + at.unparse(e) for e in index.elts[axis + 1:])
        index = index.elts[axis]
    if isinstance(index, ast.Call) and at.np_func(index.func, ns, "array", "asarray") and \
            len(index.args) == 1 and not index.keywords and isinstance(index.args[0], ast.List):
        index = index.args[0]  # np.array([0, 1, 2]) indexes like [0, 1, 2]
    if isinstance(index, ast.Call) and isinstance(index.func, ast.Name) and \
            index.func.id == "list" and len(index.args) == 1 and \
            at.resolve(index.func, ns) is list:
        index = index.args[0]  # list(range(a, b)) indexes like range(a, b)
    values: list[int] | None = None
    ranged = isinstance(index, ast.Call) and not index.keywords and 1 <= len(index.args) <= 3 \
        and (at.np_func(index.func, ns, "arange") or (
            isinstance(index.func, ast.Name) and index.func.id == "range" and
            at.resolve(index.func, ns) is range))
    if isinstance(index, ast.List) and all(at.const_int(e) is not None for e in index.elts):
        values = [at.const_int(e) for e in index.elts]  # type: ignore[misc]
        rng = consecutive(values)
    elif ranged:
        assert isinstance(index, ast.Call)
        parts = [at.unparse(a) for a in index.args]
        if len(parts) == 3 and (at.const_int(index.args[2]) or 0) <= 0:
            return None  # a negative step from a computed start: leave it
        rng = (0, 0, 1)
        text = ":".join(parts) if len(parts) > 1 else f":{parts[0]}"
        slice_text = text
    else:
        return None
    if rng is None:
        return None
    if values is not None:
        start, stop, step = rng
        if any(v < 0 for v in values):
            return None
        slice_text = f"{start}:{stop}" + (f":{step}" if step != 1 else "")
        count = len(values)
    else:
        count = 0
    parent = at.parents(context.tree).get(node)  # type: ignore[arg-type]
    if isinstance(parent, ast.Assign) and node in parent.targets:
        return None
    name = target_name(context, node)
    if name and changed_after(context.tree, name, node.lineno):  # type: ignore[arg-type]
        return None
    row = array.nbytes // max(1, array.shape[axis])
    new = ast.Subscript(value=node.value,
                        slice=at.parse_expr(f"x[{lead}{slice_text}{rest}]").slice,
                        ctx=ast.Load())
    rewrite = statement_replacing(context, node, new)
    piece = row * count if count else row
    loops = at.enclosing_loops(context.tree, node.lineno)  # type: ignore[arg-type]
    runs = max(1, iterations(report, range(node.lineno, node.lineno + 1))) if loops else 1
    line = report.line(node.lineno)
    copied = max(piece * runs, line.allocated_bytes if line else 0)
    explanation = (
        f"Line {node.lineno} indexes {describe(array)} with a list of consecutive positions. "
        "An integer list is fancy indexing, which always copies the selected "
        + ("rows" if axis == 0 else f"positions along axis {axis}")
        + (f" (here {nbytes(piece)} per run, {runs:,} runs, {nbytes(copied)} allocated)"
           if runs > 1 else f" ({nbytes(copied)} allocated)")
        + f"; the slice [{lead}{slice_text}{rest}] selects the same elements as a view, for free. "
        "Rule of thumb: "
        "use slices for regular runs of indices.")
    return finding("unexpected-copy", node.lineno,
                   "fancy index of consecutive positions copies; a slice is a view",
                   explanation, rewrite=rewrite, bytes_wasted=copied)


def tile_to_match(context: CellContext, report: Report, node: ast.Call) -> Finding | None:
    """np.tile / np.repeat used only to match another operand's shape in arithmetic."""
    assert context.tree is not None
    ns = context.namespace
    parent = at.parents(context.tree)
    holder = parent.get(node)
    small = node.args[0] if node.args else None
    if small is None:
        return None
    small_value = at.array_of(small, ns)
    uses: list[ast.BinOp] = []
    name = target_name(context, node)
    if isinstance(holder, ast.BinOp):
        uses = [holder]
    elif name:
        uses = [n for n in ast.walk(context.tree) if isinstance(n, ast.BinOp) and any(
            isinstance(side, ast.Name) and side.id == name for side in (n.left, n.right))]
        if name and changed_after(context.tree, name, node.lineno):
            return None
    if not uses:
        return None
    tiled = ns.get(name) if name else None
    if not isinstance(tiled, np.ndarray):
        tiled = None
    if tiled is None and small_value is None:
        return None
    rewrite = None
    if small_value is not None and isinstance(holder, ast.BinOp):
        other = holder.right if holder.left is node else holder.left
        other_value = at.array_value(other, ns)
        if other_value is not None:
            try:
                if np.broadcast_shapes(small_value.shape, other_value.shape) == other_value.shape:
                    rewrite = statement_replacing(context, node, small)
            except ValueError:
                rewrite = None
    elif tiled is not None and isinstance(small, ast.Name):
        new = at.parse_expr(f"np.broadcast_to({small.id}[...], {tiled.shape})")
        if isinstance(small_value, np.ndarray):
            try:
                np.broadcast_to(small_value, tiled.shape)
                rewrite = statement_replacing(context, node, new)
            except ValueError:
                rewrite = None
    size = tiled.nbytes if tiled is not None else 0
    line = report.line(node.lineno)
    copied = max(size, line.allocated_bytes if line else 0)
    func = at.unparse(node.func)
    explanation = (
        f"Line {node.lineno} uses {func} to make {at.unparse(small)} as large as the array it "
        f"is combined with ({nbytes(copied)} allocated), but broadcasting stretches the smaller "
        "operand for free, without materialising it. Rule of thumb: give the small array the "
        "right number of axes (None / reshape) and let broadcasting do the rest; np.broadcast_to "
        "gives a read-only view when a full-shape array is needed.")
    return finding("unexpected-copy", node.lineno, f"{func} copies data broadcasting would "
                   "stretch for free", explanation, rewrite=rewrite, bytes_wasted=copied)


# -- views ---------------------------------------------------------------------------------------
@rule
def view_pins_base(report: Report, context: CellContext) -> list[Finding]:
    """A small view that keeps a much larger buffer alive which no name reaches any more."""
    assert context.tree is not None
    ns = context.namespace
    found = []
    for info in report.arrays:
        if not info.is_view or info.lineno is None:  # first: cheap (this runs per function)
            continue
        value = ns.get(info.name)
        if not isinstance(value, np.ndarray):
            continue
        pinned = info.base_nbytes
        if pinned < CONFIG.pin_factor * max(info.nbytes, 1) or pinned < CONFIG.silent_bytes:
            continue
        buffer = owner(value)
        reachable = [name for name, other in ns.items() if name != info.name and isinstance(
            other, np.ndarray) and (other is buffer or owner(other) is buffer) and
            other.nbytes * CONFIG.pin_factor >= pinned]
        if reachable:
            continue
        lineno, rewrite = view_origin(context, info.name, info.lineno)
        if rewrite is None:
            rewrite = pin_rewrite(context, lineno, info.name)
        explanation = (
            f"{info.name} is a view of {nbytes(info.nbytes)} made on line {lineno}, but a view "
            f"keeps its whole base buffer alive: {nbytes(pinned)} stay allocated although no "
            f"name refers to the base any more ({nbytes(pinned - info.nbytes)} held for "
            "nothing). Rule of thumb: .copy() a small slice you keep from a big temporary array, "
            "so the big one can be freed.")
        found.append(finding("view-pins-base", lineno,
                             f"view {info.name} ({nbytes(info.nbytes)}) keeps a "
                             f"{nbytes(pinned)} base alive", explanation, rewrite=rewrite,
                             bytes_wasted=pinned - info.nbytes))
    found.extend(pinned_by_containers(context))
    return found


def pinned_by_containers(context: CellContext) -> list[Finding]:
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


def view_origin(context: CellContext, name: str, lineno: int) -> tuple[int, Rewrite | None]:
    """The line that made the view bound to `name`, and a ``.copy()`` rewrite there when it is
    inside a cell function: ``preview = load()`` where ``load`` ends ``return raw[:20]`` made the
    view on the ``return`` line (the report's line is where the name was bound)."""
    from arrayprof.advisor import scopes
    from arrayprof.advisor.verify import set_scope

    assert context.tree is not None
    bindings = at.binding_lines(context.tree, name)
    if not bindings:
        return lineno, None
    bound_at = bindings[-1] if lineno not in bindings else lineno
    value = at.bound_value(context.tree, name, bound_at)
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)):
        return bound_at, None
    func = next((f for f in scopes.cell_functions(context.tree) if f.name == value.func.id),
                None)
    if func is None:
        return bound_at, None
    returns = [r for r in ast.walk(func) if isinstance(r, ast.Return) and r.value is not None]
    views = [r for r in returns if view_source(r.value, {}) is not None]  # type: ignore
    if len(views) != 1 or len(returns) != 1:
        return bound_at, None
    ret = views[0]
    indent = at.indent_of(context.source.splitlines()[ret.lineno - 1])
    rewrite = Rewrite(kind="equivalent", code=f"{indent}return {at.unparse(ret.value)}.copy()",
                      lines=[ret.lineno, ret.end_lineno or ret.lineno], compared=[RETURN])
    set_scope(rewrite, scopes.scope_for(context, func))
    return ret.lineno, rewrite


def pin_rewrite(context: CellContext, lineno: int, name: str) -> Rewrite | None:
    assert context.tree is not None
    statements = at.statements_on(context.tree, lineno)
    if len(statements) != 1 or not isinstance(statements[0], ast.Assign):
        return None
    stmt = statements[0]
    if not (len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) and
            stmt.targets[0].id == name):
        return None
    lines = context.source.splitlines()
    indent = at.indent_of(lines[lineno - 1])
    code = f"{indent}{name} = ({at.unparse(stmt.value)}).copy()" if not isinstance(
        stmt.value, ast.Subscript | ast.Name | ast.Attribute) else \
        f"{indent}{name} = {at.unparse(stmt.value)}.copy()"
    return Rewrite(kind="equivalent", code=code, lines=[lineno, stmt.end_lineno or lineno],
                   compared=[name])


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


@rule
def view_mutation(report: Report, context: CellContext) -> list[Finding]:
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


def rebound_between(tree: ast.Module, name: str, first: int, last: int) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store)
               and first < n.lineno < last for n in ast.walk(tree))


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
