"""Loop family: python-loop, np-vectorize, python-builtin, growing-array.

A Python loop is only `python-loop` when its body does element-wise array work one expression can
do.  The rule proves that by building the expression: it turns the loop body into array code
(``out[i] = a[i] * 2`` becomes ``out[:] = a * 2``).  A body that reads what an earlier iteration
wrote (a recurrence) is not element-wise, unless ``np.cumsum`` / ``ufunc.accumulate`` express it
exactly; a body calling user functions is not either.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor import rule
from arrayprof.advisor.config import CONFIG
from arrayprof.advisor.facts import describe, finding, iterations, nbytes, seconds
from arrayprof.report import Finding, Report, Rewrite
from arrayprof.session import CellContext

MIN_ITERATIONS = 50  # fewer iterations than this cost nothing worth a word
SECONDS_PER_STEP = 1.5e-7  # rough interpreter cost of one indexed element operation
BUILTIN_TO_NP = {"sum": "sum", "max": "max", "min": "min", "any": "any", "all": "all"}


@dataclass
class Iteration:
    """How a loop walks: range indices and/or array elements, and how many steps."""

    loop_vars: list[at.LoopVar] = field(default_factory=list)
    elements: dict[str, str] = field(default_factory=dict)
    count: int | None = None
    arrays: set[str] = field(default_factory=set)  # arrays iterated directly


class Recurrence(Exception):
    """The body reads what an earlier iteration wrote."""


def range_spec(call: ast.expr, name: str, axis: int, ns: dict[str, Any]) -> at.LoopVar | None:
    """``range(...)``, or ``np.arange(...)`` of integers (the same indices, as NumPy ints)."""
    if not (isinstance(call, ast.Call) and not call.keywords and 1 <= len(call.args) <= 3):
        return None
    if isinstance(call.func, ast.Name) and call.func.id == "range":
        if ns.get("range", range) is not range:
            return None
    elif not at.np_func(call.func, ns, "arange") or not all(
            isinstance(at.safe_eval(a, ns), int | np.integer) for a in call.args):
        return None
    args = call.args
    if len(args) == 3 and at.const_int(args[2]) != 1:
        return None
    start = "0" if len(args) == 1 else at.unparse(args[0])
    stop = at.unparse(args[-1] if len(args) == 1 else args[1])
    stop_value = at.safe_eval(at.parse_expr(stop), ns)
    return at.LoopVar(name, start, stop, axis,
                      stop_value if isinstance(stop_value, int | np.integer) else None)


def iteration_of(loop: ast.For, ns: dict[str, Any], axis: int = 0) -> Iteration | None:
    """Iteration over range(...), an array, enumerate(array) or zip(arrays); None otherwise."""
    it = Iteration()
    target, source = loop.target, loop.iter
    if isinstance(source, ast.Call) and not source.keywords and (
            (isinstance(source.func, ast.Attribute) and source.func.attr == "tolist" and
             not source.args and isinstance(source.func.value, ast.Name)) or
            (isinstance(source.func, ast.Name) and source.func.id == "list" and
             len(source.args) == 1 and isinstance(source.args[0], ast.Name) and
             ns.get("list", list) is list)):
        inner = source.func.value if isinstance(source.func, ast.Attribute) else source.args[0]
        value = ns.get(inner.id)  # type: ignore[attr-defined]
        if isinstance(value, np.ndarray) and value.ndim == 1:
            source = inner  # x.tolist() / list(x) hands out the same values as x
    if isinstance(target, ast.Name):
        var = range_spec(source, target.id, axis, ns)
        if var is not None:
            it.loop_vars.append(var)
        elif isinstance(source, ast.Name) and isinstance(ns.get(source.id), np.ndarray):
            it.elements[target.id] = source.id
            it.arrays.add(source.id)
        elif isinstance(source, ast.Attribute) and source.attr == "T" and isinstance(
                source.value, ast.Name) and isinstance(ns.get(source.value.id), np.ndarray):
            it.elements[target.id] = f"{source.value.id}.T"
            it.arrays.add(source.value.id)
        else:
            return None
    elif nested_enumerate_zip(target, source, ns):
        # for i, (p, q) in enumerate(zip(a, b)): i indexes, p and q are elements
        index, pair = target.elts  # type: ignore[attr-defined]
        arrays = [a.id for a in source.args[0].args]  # type: ignore[attr-defined]
        it.loop_vars.append(at.LoopVar(index.id, "0", f"len({arrays[0]})", axis,
                                       len(ns[arrays[0]])))
        for elt, array in zip(pair.elts, arrays, strict=True):
            it.elements[elt.id] = array
            it.arrays.add(array)
    elif isinstance(target, ast.Tuple) and isinstance(source, ast.Call) and isinstance(
            source.func, ast.Name) and all(isinstance(t, ast.Name) for t in target.elts):
        names = [t.id for t in target.elts]  # type: ignore[attr-defined]
        if source.func.id == "enumerate" and len(source.args) == 1 and len(names) == 2 and \
                isinstance(source.args[0], ast.Name) and \
                isinstance(ns.get(source.args[0].id), np.ndarray):
            array = source.args[0].id
            it.loop_vars.append(at.LoopVar(names[0], "0", f"len({array})", axis,
                                           len(ns[array])))
            it.elements[names[1]] = array
            it.arrays.add(array)
        elif source.func.id == "zip" and len(source.args) == len(names) and all(
                isinstance(a, ast.Name) and isinstance(ns.get(a.id), np.ndarray)
                for a in source.args):
            lengths = {len(ns[a.id]) for a in source.args}  # type: ignore[attr-defined]
            if len(lengths) != 1:
                return None
            for n, a in zip(names, source.args, strict=True):
                it.elements[n] = a.id  # type: ignore[attr-defined]
                it.arrays.add(a.id)  # type: ignore[attr-defined]
        else:
            return None
    else:
        return None
    if it.elements:
        first = next(iter(it.elements.values()))
        value = ns.get(first.removesuffix(".T"))
        if isinstance(value, np.ndarray) and value.ndim:
            it.count = value.shape[-1] if first.endswith(".T") else value.shape[0]
    if it.loop_vars:
        var = it.loop_vars[0]
        start = at.safe_eval(at.parse_expr(var.start), ns)
        if var.stop_value is not None and isinstance(start, int | np.integer):
            it.count = int(var.stop_value) - int(start)
    return it


def nested_enumerate_zip(target: ast.expr, source: ast.expr, ns: dict[str, Any]) -> bool:
    """``i, (p, q)`` over ``enumerate(zip(a, b))`` with a, b equally long arrays."""
    if not (isinstance(target, ast.Tuple) and len(target.elts) == 2 and
            isinstance(target.elts[0], ast.Name) and isinstance(target.elts[1], ast.Tuple) and
            all(isinstance(e, ast.Name) for e in target.elts[1].elts)):
        return False
    if not (isinstance(source, ast.Call) and isinstance(source.func, ast.Name) and
            source.func.id == "enumerate" and len(source.args) == 1 and not source.keywords):
        return False
    inner = source.args[0]
    if not (isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name) and
            inner.func.id == "zip" and len(inner.args) == len(target.elts[1].elts) and
            all(isinstance(a, ast.Name) and isinstance(ns.get(a.id), np.ndarray)
                for a in inner.args)):
        return False
    return len({len(ns[a.id]) for a in inner.args}) == 1  # type: ignore[attr-defined]


def increment_of(stmt: ast.stmt) -> str | None:
    """The name ``i += 1`` / ``i = i + 1`` / ``i = 1 + i`` steps by one, else None."""
    if isinstance(stmt, ast.AugAssign) and isinstance(stmt.op, ast.Add) and \
            isinstance(stmt.target, ast.Name) and at.const_int(stmt.value) == 1:
        return stmt.target.id
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and \
            isinstance(stmt.targets[0], ast.Name) and isinstance(stmt.value, ast.BinOp) and \
            isinstance(stmt.value.op, ast.Add):
        name = stmt.targets[0].id
        left, right = stmt.value.left, stmt.value.right
        if isinstance(left, ast.Name) and left.id == name and at.const_int(right) == 1:
            return name
        if isinstance(right, ast.Name) and right.id == name and at.const_int(left) == 1:
            return name
    return None


def while_as_for(loop: ast.While, tree: ast.Module,
                 ns: dict[str, Any]) -> tuple[ast.For, list[ast.stmt]] | None:
    """``i = 0; while i < n: ...; i += 1`` (or ``i = i + 1``, or ``i <= n - 1``) seen as
    ``for i in range(0, n)``."""
    test = loop.test
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and
            isinstance(test.ops[0], ast.Lt | ast.LtE) and isinstance(test.left, ast.Name)
            and loop.body and not loop.orelse):
        return None
    name = test.left.id
    if increment_of(loop.body[-1]) != name:
        return None
    body = loop.body[:-1]
    if name in at.stored_names(body):
        return None
    start = "0"
    latest = 0
    for stmt in ast.walk(tree):
        if isinstance(stmt, ast.Assign) and latest < stmt.lineno < loop.lineno and \
                len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) and \
                stmt.targets[0].id == name:
            start, latest = at.unparse(stmt.value), stmt.lineno
    bound = test.comparators[0]
    stop = at.unparse(bound)
    if isinstance(test.ops[0], ast.LtE):
        if isinstance(bound, ast.BinOp) and isinstance(bound.op, ast.Sub) and \
                at.const_int(bound.right) == 1:
            stop = at.unparse(bound.left)
        else:
            stop = f"{stop} + 1"
    call = at.parse_expr(f"range({start}, {stop})")
    fake = ast.For(target=ast.Name(id=name, ctx=ast.Store()), iter=call, body=body, orelse=[],
                   lineno=loop.lineno, end_lineno=loop.end_lineno)
    return fake, body


def list_at_loop(name: str, loop: ast.AST, tree: ast.Module, ns: dict[str, Any]) -> bool:
    """Whether `name` holds a list while the loop runs: it is one now, or the last assignment
    before the loop made a list literal (``out = []`` ... ``out = np.array(out)`` after)."""
    if isinstance(ns.get(name), list):
        return True
    latest: ast.Assign | None = None
    for stmt in ast.walk(tree):
        if isinstance(stmt, ast.Assign) and stmt.lineno < loop.lineno and any(  # type: ignore
                isinstance(t, ast.Name) and t.id == name for t in stmt.targets) and \
                (latest is None or stmt.lineno > latest.lineno):
            latest = stmt
    if latest is None:
        return False
    value = latest.value
    return isinstance(value, ast.List | ast.ListComp) or (
        isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and
        value.func.id == "list" and ns.get("list", list) is list)


# -- turning a loop body into array statements ---------------------------------------------------
def index_key(node: ast.Subscript) -> str:
    return at.unparse(node.slice)


def check_dependencies(body: list[ast.stmt], iteration: Iteration) -> None:
    """Raise Recurrence when a body reads an array it writes at another index, or reads an
    accumulator outside its own update."""
    written: dict[str, str] = {}
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store) and \
                    isinstance(node.value, ast.Name):
                written[node.value.id] = index_key(node)
            if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Subscript) and \
                    isinstance(node.target.value, ast.Name):
                written[node.target.value.id] = index_key(node.target)
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and \
                    isinstance(node.value, ast.Name) and node.value.id in written and \
                    index_key(node) != written[node.value.id]:
                raise Recurrence(f"{node.value.id}[{index_key(node)}]")
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and \
                    node.id in written and not is_subscripted(node, stmt):
                raise Recurrence(node.id)


def is_subscripted(name: ast.Name, stmt: ast.stmt) -> bool:
    return any(isinstance(n, ast.Subscript) and n.value is name for n in ast.walk(stmt))


def store_target(target: ast.Subscript, vec: at.Vectorizer) -> ast.expr:
    """``out[i, j]`` -> ``out[:]`` (whole range) or ``out[a:b, c:d]``; ``out[:, j]`` ->
    ``out[:, :]`` (a column per iteration)."""
    elts = target.slice.elts if isinstance(target.slice, ast.Tuple) else [target.slice]
    if isinstance(target.value, ast.Name):
        columns = vec.column(target.value.id, elts)
        if columns is not None:
            expr = columns[0]
            if isinstance(expr, ast.Name):
                expr = ast.Subscript(value=expr, slice=ast.Tuple(
                    elts=[ast.Slice() for _ in elts], ctx=ast.Load()), ctx=ast.Load())
            return ast.Subscript(value=expr.value, slice=expr.slice,  # type: ignore
                                 ctx=ast.Store())
    if any(vec.uses_loop(e) for e in elts) and any(vec.loop_offset(e) is None and
                                                   vec.uses_loop(e) for e in elts):
        raise at.NotVectorizable("index computed from the loop variable (a scatter)")
    hits = [vec.loop_offset(e) for e in elts]
    if any(h is None or h[1] != 0 for h in hits) or len(hits) != len(vec.loop_vars):
        raise at.NotVectorizable("store index is not the loop index")
    axes = [h[0].axis for h in hits if h]
    if axes != list(range(len(axes))):
        raise at.NotVectorizable("store indexes out of loop order")
    array = target.value.id if isinstance(target.value, ast.Name) else None
    if array is None:
        raise at.NotVectorizable("store into an expression")
    slices = [vec.slice_for(h[0], 0, array, k) for k, h in enumerate(hits) if h]
    if all(isinstance(s, ast.Slice) and s.lower is None and s.upper is None for s in slices):
        slices = [ast.Slice()]
    index = slices[0] if len(slices) == 1 else ast.Tuple(elts=slices, ctx=ast.Load())
    return ast.Subscript(value=ast.Name(id=array, ctx=ast.Load()), slice=index, ctx=ast.Store())


def running_extreme(stmt: ast.stmt) -> tuple[str, str, ast.expr] | None:
    """``if e > best: best = e`` -> (best, "max", e); ``if e < low: low = e`` -> min."""
    if not (isinstance(stmt, ast.If) and not stmt.orelse and len(stmt.body) == 1 and
            isinstance(stmt.test, ast.Compare) and len(stmt.test.ops) == 1 and
            isinstance(stmt.test.ops[0], ast.Gt | ast.GtE | ast.Lt | ast.LtE)):
        return None
    assign = stmt.body[0]
    if not (isinstance(assign, ast.Assign) and len(assign.targets) == 1 and
            isinstance(assign.targets[0], ast.Name)):
        return None
    name = assign.targets[0].id
    left, right = stmt.test.left, stmt.test.comparators[0]
    bigger = isinstance(stmt.test.ops[0], ast.Gt | ast.GtE)
    value = at.unparse(assign.value)
    if isinstance(right, ast.Name) and right.id == name and at.unparse(left) == value:
        return name, "max" if bigger else "min", assign.value
    if isinstance(left, ast.Name) and left.id == name and at.unparse(right) == value:
        return name, "min" if bigger else "max", assign.value
    return None


def accumulator(stmt: ast.stmt) -> tuple[str, ast.operator | str, ast.expr] | None:
    """``s += e`` / ``s = s + e`` / ``s = max(s, e)`` / ``if e > s: s = e`` -> (s, op, e)."""
    extreme = running_extreme(stmt)
    if extreme is not None:
        return extreme
    if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
        return stmt.target.id, stmt.op, stmt.value
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0],
                                                                               ast.Name):
        name = stmt.targets[0].id
        value = stmt.value
        if isinstance(value, ast.BinOp) and isinstance(value.left, ast.Name) and \
                value.left.id == name and isinstance(value.op, ast.Add | ast.Mult | ast.Sub):
            return name, value.op, value.right
        if isinstance(value, ast.BinOp) and isinstance(value.right, ast.Name) and \
                value.right.id == name and isinstance(value.op, ast.Add | ast.Mult):
            return name, value.op, value.left
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and \
                value.func.id in ("max", "min") and len(value.args) == 2:
            args = value.args
            if isinstance(args[0], ast.Name) and args[0].id == name:
                return name, value.func.id, args[1]
            if isinstance(args[1], ast.Name) and args[1].id == name:
                return name, value.func.id, args[0]
    return None


REDUCE_FOR_OP = {ast.Add: "sum", ast.Sub: "sum", ast.Mult: "prod"}


def vectorize_body(body: list[ast.stmt], vec: at.Vectorizer, ns: dict[str, Any],
                   mask: ast.expr | None = None) -> list[str]:
    """Array statements doing what `body` does over the whole iteration."""
    out: list[str] = []
    accumulators: set[str] = set()
    carried_state(body, vec)
    for stmt in body:
        if isinstance(stmt, ast.Pass):
            continue
        acc = accumulator(stmt)
        if isinstance(stmt, ast.If) and acc is None:
            if mask is not None:
                raise at.NotVectorizable("nested if")
            out.extend(vectorize_if(stmt, vec, ns))
            continue
        if acc is not None and acc[0] not in vec.loop_vars and acc[0] not in vec.temps:
            name, op, value = acc
            if name in accumulators:
                raise at.NotVectorizable("accumulator updated twice")
            others = [s for s in body if s is not stmt]
            if any(name in at.loaded_names(s) for s in others):
                raise Recurrence(name)
            if name in at.names_in(value):
                raise Recurrence(name)
            expr = vec.vectorize(value)
            if not vec.depends:
                raise at.NotVectorizable("accumulates a constant")
            if mask is not None:
                neutral = "1" if isinstance(op, ast.Mult) else "0"
                expr = at.np_call("where", mask, expr, at.parse_expr(neutral))
            accumulators.add(name)
            if isinstance(op, str):
                out.append(f"{name} = {op}({name}, np.{op}({at.unparse(expr)}))")
            else:
                reducer = REDUCE_FOR_OP.get(type(op))
                if reducer is None:
                    raise at.NotVectorizable("accumulation operator")
                symbol = {ast.Add: "+=", ast.Sub: "-=", ast.Mult: "*="}[type(op)]
                out.append(f"{name} {symbol} np.{reducer}({at.unparse(expr)})")
            continue
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
            if isinstance(target, ast.Subscript):
                want = vec.element_ndim(ast.Subscript(value=target.value, slice=target.slice,
                                                      ctx=ast.Load()))
                have = vec.element_ndim(stmt.value) if vec.uses_loop(stmt.value) else None
                value = vec.vectorize(stmt.value)
                value = vec.align(value, have, want)
                read_as, vec.position = vec.position, None
                new_target = store_target(target, vec)
                if {read_as, vec.position} == {"first", "last"}:
                    # B[:, i] = A[i, :]: rows read, columns written -- the transpose
                    value = ast.Attribute(value=value, attr="T", ctx=ast.Load())
                elif read_as is not None and vec.position is None:
                    vec.position = read_as
                if mask is not None:
                    value = at.np_call("where", mask, value, ast.Subscript(
                        value=new_target.value, slice=new_target.slice, ctx=ast.Load()))
                out.append(f"{at.unparse(new_target)} = {at.unparse(value)}")
                continue
            if isinstance(target, ast.Name) and mask is None and target.id not in vec.loop_vars:
                if target.id in at.loaded_names(stmt.value):
                    raise Recurrence(target.id)  # running = 0.9 * running + x[i]
                vec.temps[target.id] = vec.vectorize(stmt.value)
                continue
        if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Subscript) and \
                mask is None and scatter_index(stmt.target, vec) is not None:
            out.append(scatter(stmt, vec))
            continue
        if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Subscript):
            new_target = store_target(stmt.target, vec)
            want = vec.element_ndim(ast.Subscript(value=stmt.target.value,
                                                  slice=stmt.target.slice, ctx=ast.Load()))
            have = vec.element_ndim(stmt.value) if vec.uses_loop(stmt.value) else None
            value = vec.align(vec.vectorize(stmt.value), have, want)
            if mask is not None:
                neutral = "1" if isinstance(stmt.op, ast.Mult | ast.Div) else "0"
                value = at.np_call("where", mask, value, at.parse_expr(neutral))
            symbol = at.unparse(ast.AugAssign(target=ast.Name(id="x", ctx=ast.Store()),
                                              op=stmt.op, value=ast.Constant(1))).split()[1]
            out.append(f"{at.unparse(new_target)} {symbol} {at.unparse(value)}")
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and \
                isinstance(stmt.value.func, ast.Attribute) and stmt.value.func.attr == "append" \
                and isinstance(stmt.value.func.value, ast.Name) and \
                stmt.value.func.value.id in vec.lists and \
                len(stmt.value.args) == 1 and len(vec.loop_vars) + bool(vec.elements) >= 1:
            if len(vec.loop_vars) > 1:
                raise at.NotVectorizable("append in nested loops")
            value = vec.vectorize(stmt.value.args[0])
            if not vec.depends:
                raise at.NotVectorizable("appends a constant")
            if mask is not None:
                value = ast.Subscript(value=value, slice=mask, ctx=ast.Load())
            out.append(f"{stmt.value.func.value.id}.extend({at.unparse(value)})")
            continue
        raise at.NotVectorizable(f"statement {type(stmt).__name__}")
    return out


SCATTER_UFUNC = {ast.Add: "add", ast.Sub: "subtract", ast.Mult: "multiply"}


def scatter_index(target: ast.Subscript, vec: at.Vectorizer) -> ast.expr | None:
    """The index of ``counts[label] += v`` when it is computed from the loop (an element, or
    ``idx[i]``) rather than the loop index itself: iterations may hit the same slot."""
    if not isinstance(target.value, ast.Name) or isinstance(target.slice, ast.Tuple | ast.Slice):
        return None
    index = target.slice
    if not vec.uses_loop(index) or vec.loop_offset(index) is not None:
        return None
    if target.value.id in at.names_in(index):
        return None
    return index


def scatter(stmt: ast.AugAssign, vec: at.Vectorizer) -> str:
    """``counts[label] += v`` -> ``np.add.at(counts, labels, v)``, which adds once per
    occurrence even when labels repeat (``counts[labels] += v`` would not)."""
    ufunc = SCATTER_UFUNC.get(type(stmt.op))
    target = stmt.target
    assert isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name)
    if ufunc is None:
        raise at.NotVectorizable("index computed from the loop variable (a scatter)")
    index = vec.vectorize(target.slice)
    value = vec.vectorize(stmt.value)
    return f"np.{ufunc}.at({target.value.id}, {at.unparse(index)}, {at.unparse(value)})"


def carried_state(body: list[ast.stmt], vec: at.Vectorizer) -> None:
    """Raise Recurrence when a statement reads a name the body assigns only later (or in an
    ``if``): its value then comes from the previous iteration, state carried through the
    loop, which no element-wise expression reproduces."""
    plain = {t.id for s in body for n in ast.walk(s) if isinstance(n, ast.Assign)
             for t in n.targets if isinstance(t, ast.Name)} - set(vec.loop_vars)
    assigned: set[str] = set()
    for stmt in body:
        if accumulator(stmt) is not None:
            continue  # s += e and friends: judged as accumulators
        early = (at.loaded_names(stmt) & plain) - assigned
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and \
                isinstance(stmt.targets[0], ast.Name):
            early -= {stmt.targets[0].id} - at.loaded_names(stmt.value)
        if early:
            raise Recurrence(sorted(early)[0])
        if isinstance(stmt, ast.If):
            # assigned on both branches: a value of this iteration either way
            assigned |= names_assigned(stmt.body) & names_assigned(stmt.orelse)
        else:
            assigned |= names_assigned([stmt])


def names_assigned(stmts: list[ast.stmt]) -> set[str]:
    return {t.id for s in stmts for n in ast.walk(s) if isinstance(n, ast.Assign)
            for t in n.targets if isinstance(t, ast.Name)}


def vectorize_if(stmt: ast.If, vec: at.Vectorizer, ns: dict[str, Any]) -> list[str]:
    test = vec.vectorize(stmt.test)
    if stmt.orelse and len(stmt.body) == 1 and len(stmt.orelse) == 1 and \
            all(isinstance(b, ast.Assign) and len(b.targets) == 1 and
                isinstance(b.targets[0], ast.Name) for b in (stmt.body[0], stmt.orelse[0])) and \
            stmt.body[0].targets[0].id == stmt.orelse[0].targets[0].id and \
            stmt.body[0].targets[0].id not in vec.loop_vars:  # type: ignore[attr-defined]
        # if v > 0: s = v  else: s = -v   ->  s = np.where(v > 0, v, -v), used afterwards
        name = stmt.body[0].targets[0].id  # type: ignore[attr-defined]
        yes = vec.vectorize(stmt.body[0].value)  # type: ignore[attr-defined]
        no = vec.vectorize(stmt.orelse[0].value)  # type: ignore[attr-defined]
        vec.temps[name] = at.np_call("where", test, yes, no)
        return []
    if stmt.orelse:
        if not (len(stmt.body) == 1 and len(stmt.orelse) == 1 and
                isinstance(stmt.body[0], ast.Assign) and isinstance(stmt.orelse[0], ast.Assign)
                and at.unparse(stmt.body[0].targets[0]) == at.unparse(stmt.orelse[0].targets[0])
                and isinstance(stmt.body[0].targets[0], ast.Subscript)):
            raise at.NotVectorizable("if/else that is not one assignment each")
        target = store_target(stmt.body[0].targets[0], vec)  # type: ignore[arg-type]
        yes = vec.vectorize(stmt.body[0].value)
        no = vec.vectorize(stmt.orelse[0].value)
        return [f"{at.unparse(target)} = {at.unparse(at.np_call('where', test, yes, no))}"]
    return vectorize_body(stmt.body, vec, ns, mask=test)


def accumulate_rewrite(loop: ast.For, iteration: Iteration, ns: dict[str, Any]) -> str | None:
    """``acc[i] = acc[i-1] + e`` and friends, written with cumsum / cumprod / accumulate."""
    if len(iteration.loop_vars) != 1 or iteration.elements or len(loop.body) != 1:
        return None
    stmt = loop.body[0]
    var = iteration.loop_vars[0]
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and
            isinstance(stmt.targets[0], ast.Subscript) and
            isinstance(stmt.targets[0].value, ast.Name)):
        return None
    target = stmt.targets[0]
    array = target.value.id  # type: ignore[attr-defined]
    if at.unparse(target.slice) != var.name:
        return None
    previous = f"{array}[{var.name} - 1]"
    value = stmt.value
    kind: str | None = None
    other: ast.expr | None = None
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add | ast.Mult):
        for mine, theirs in ((value.left, value.right), (value.right, value.left)):
            if at.unparse(mine) == previous:
                kind, other = ("add" if isinstance(value.op, ast.Add) else "multiply"), theirs
    elif isinstance(value, ast.Call) and len(value.args) == 2 and not value.keywords:
        name = value.func.id if isinstance(value.func, ast.Name) else (
            value.func.attr if isinstance(value.func, ast.Attribute) else "")
        if name in ("max", "min", "maximum", "minimum"):
            for mine, theirs in ((value.args[0], value.args[1]), (value.args[1], value.args[0])):
                if at.unparse(mine) == previous:
                    kind, other = ("maximum" if "max" in name else "minimum"), theirs
    if kind is None or other is None or array in at.names_in(other):
        return None
    vec = at.Vectorizer(iteration.loop_vars, {}, ns)
    try:
        expr = at.unparse(vec.vectorize(other))
    except at.NotVectorizable:
        return None
    if not vec.depends:
        return None
    first = f"{array}[{var.start} - 1]" if var.start != "0" else None
    if first is None:
        return None
    sl = f"{var.start}:{var.stop}"
    if kind == "add":
        return f"{array}[{sl}] = {first} + np.cumsum({expr})"
    if kind == "multiply":
        return f"{array}[{sl}] = {first} * np.cumprod({expr})"
    return f"{array}[{sl}] = np.{kind}.accumulate(np.{kind}({first}, {expr}))"


@dataclass
class LoopVerdict:
    loop: ast.For | ast.While
    elementwise: bool
    code: str | None = None
    lineno: int = 0
    iterations: int | None = None
    why: str = ""
    compared: list[str] = field(default_factory=list)
    arrays: set[str] = field(default_factory=set)


def uses_foreign_calls(body: list[ast.stmt], ns: dict[str, Any],
                       inlinable: set[str] | frozenset[str] = frozenset()) -> str | None:
    """Calls the body makes to functions outside NumPy, math and builtins (not element work);
    the cell's own small functions in `inlinable` are element work once inlined."""
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                    node.func.id in inlinable:
                continue
            if isinstance(node, ast.Call):
                target = at.resolve(node.func, ns)
                if isinstance(node.func, ast.Attribute):
                    owner = at.resolve(node.func.value, ns)
                    if isinstance(owner, np.ndarray | list | np.generic) or \
                            isinstance(node.func.value, ast.Subscript):
                        continue
                    if isinstance(node.func.value, ast.BinOp | ast.UnaryOp | ast.Call) and \
                            node.func.attr in at.PURE_METHODS:
                        continue  # (M[i] - w).max(): a method of an arithmetic result
                if target is at.MISSING:
                    return at.unparse(node.func)
                if getattr(builtins, getattr(node.func, "id", ""), None) is target:
                    continue
                if at.is_numpy_object(target) or getattr(target, "__module__", "") == "math":
                    continue
                return at.unparse(node.func)
    return None


def judge_loop(loop: ast.For | ast.While, tree: ast.Module, ns: dict[str, Any]) -> LoopVerdict:
    verdict = LoopVerdict(loop, False, lineno=loop.lineno)
    loop = at.normalise(loop, ns)  # a[i][j] -> a[i, j]; line numbers kept
    if isinstance(loop, ast.While):
        converted = while_as_for(loop, tree, ns)
        if converted is None:
            verdict.why = "not a counting while loop"
            return verdict
        node, _ = converted
    else:
        node = loop
    if node.orelse or any(isinstance(n, ast.Break | ast.Continue | ast.Return | ast.Yield)
                          for s in node.body for n in ast.walk(s)):
        verdict.why = "control flow"
        return verdict
    iteration = iteration_of(node, ns)
    if iteration is None:
        verdict.why = "not over a range or an array"
        return verdict
    body = node.body
    if len(body) == 1 and isinstance(body[0], ast.For) and iteration.loop_vars and \
            not iteration.elements:
        inner = iteration_of(body[0], ns, axis=1)
        if inner is not None and inner.loop_vars and not inner.elements and \
                not body[0].orelse:
            iteration.loop_vars += inner.loop_vars
            if iteration.count is not None and inner.count is not None:
                iteration.count *= inner.count
            body = body[0].body
    verdict.iterations = iteration.count
    functions = at.inlinable_functions(tree, ns)
    foreign = uses_foreign_calls(body, ns, set(functions))
    if foreign:
        verdict.why = f"calls {foreign}"
        return verdict
    arrays = set(iteration.arrays)
    loop_names = {v.name for v in iteration.loop_vars} | set(iteration.elements)
    for stmt in body:
        for sub in ast.walk(stmt):
            if isinstance(sub, ast.Subscript) and isinstance(sub.value, ast.Name) and \
                    isinstance(ns.get(sub.value.id), np.ndarray) and \
                    at.names_in(sub.slice) & loop_names:
                arrays.add(sub.value.id)
    verdict.arrays = arrays
    if not arrays:
        verdict.why = "no array indexed by the loop"
        return verdict
    try:
        check_dependencies(body, iteration)
    except Recurrence as exc:
        code = accumulate_rewrite(node, iteration, ns)
        if code is None:
            verdict.why = f"recurrence through {exc}"
            return verdict
        verdict.elementwise, verdict.code = True, code
        verdict.why = "a running recurrence that np.cumsum / ufunc.accumulate express exactly"
        verdict.compared = sorted(written_names(body, ns))
        return verdict
    verdict.elementwise = True
    vec = at.Vectorizer(iteration.loop_vars, iteration.elements, ns)
    vec.lists = {n for n in appended_names(body) if list_at_loop(n, loop, tree, ns)}
    vec.functions = functions
    try:
        statements = vectorize_body(body, vec, ns)
    except Recurrence as exc:
        verdict.elementwise = False
        verdict.why = f"recurrence through {exc}"
        return verdict
    except at.NotVectorizable as exc:
        # Only a gather/scatter through an index array is still element-wise work one
        # expression can do (a[perm], np.add.at); other failures mean the body is not, unless
        # each pass only handles one short row of a long array (below).
        verdict.why = str(exc)
        verdict.elementwise = "index computed from the loop variable" in verdict.why or \
            short_rows(iteration, arrays, ns)
        return verdict
    if not statements:
        verdict.why = "nothing to vectorize"
        verdict.elementwise = False
        return verdict
    if isinstance(loop, ast.While) and isinstance(node.target, ast.Name):
        # the counter ends at max(start, stop); keep that when the cell reads it afterwards
        counter = node.target.id
        later = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == counter and
                 isinstance(n.ctx, ast.Load) and n.lineno > (loop.end_lineno or loop.lineno)]
        if later:
            stop = at.unparse(node.iter.args[1])  # type: ignore[attr-defined]
            statements.append(f"{counter} = max({counter}, {stop})")
    verdict.code = "\n".join(statements)
    verdict.compared = sorted(written_names(body, ns) - set(vec.temps) - loop_names)
    return verdict


SHORT_ROW = 64          # elements a pass may handle and still be dominated by the interpreter
MANY_ROWS = 1_000       # passes


def short_rows(iteration: Iteration, arrays: set[str], ns: dict[str, Any]) -> bool:
    """Each of many passes works on one short row (at most SHORT_ROW elements) of arrays indexed
    by the loop, with no recurrence between passes (checked before): per-row NumPy calls whose
    cost is the interpreter and the call overhead, which one call along axis 1 (keepdims for
    the reductions) does in compiled code: a softmax, a norm or a min-max scaling per row."""
    if iteration.count is None or iteration.count < MANY_ROWS or not arrays:
        return False
    rows = [ns[name] for name in arrays if isinstance(ns.get(name), np.ndarray)]
    big = [a for a in rows if a.ndim >= 2 and a.shape[0] >= MANY_ROWS]
    return bool(big) and all(a.ndim >= 2 and a.size // max(a.shape[0], 1) <= SHORT_ROW
                             for a in rows if a.ndim >= 2)


NOT_ARRAY_WORK = frozenset({"print", "input", "open", "str", "repr", "format", "hash", "id",
                            "getattr", "setattr", "exec", "eval", "isinstance", "type", "chr",
                            "ord", "bytes", "dict", "set"})
SCALAR_LOOP_MIN = 5_000  # passes of scalar element work before a loop is worth a word unrewritten


def header_count(iterable: ast.expr, ns: dict[str, Any]) -> int | None:
    """Passes a ``for`` header makes: range with any step, reversed(...), enumerate(...),
    zip(...), np.ndenumerate(A), np.ndindex(shape), x.tolist(), or an array itself."""
    if isinstance(iterable, ast.Call) and not iterable.keywords:
        func, args = iterable.func, iterable.args
        if isinstance(func, ast.Name) and func.id == "range" and ns.get("range", range) is range:
            values = [at.safe_eval(a, ns) for a in args]
            if values and all(isinstance(v, int | np.integer) for v in values):
                try:
                    return len(range(*[int(v) for v in values]))  # type: ignore[arg-type]
                except ValueError:
                    return None
            return None
        if isinstance(func, ast.Name) and func.id in ("reversed", "enumerate", "list") and \
                len(args) == 1:
            return header_count(args[0], ns)
        if isinstance(func, ast.Name) and func.id == "zip" and args:
            counts = [header_count(a, ns) for a in args]
            return None if None in counts else min(counts)  # type: ignore[type-var]
        if at.np_func(func, ns, "ndenumerate") and len(args) == 1:
            array = at.safe_eval(args[0], ns)
            return array.size if isinstance(array, np.ndarray) else None
        if at.np_func(func, ns, "ndindex") and args:
            dims = [at.safe_eval(a, ns) for a in args]
            if len(dims) == 1 and isinstance(dims[0], tuple):
                dims = list(dims[0])
            return int(np.prod(dims)) if all(isinstance(d, int | np.integer) for d in dims) \
                else None
        if isinstance(func, ast.Attribute) and func.attr == "tolist" and not args:
            array = at.safe_eval(func.value, ns)
            return len(array) if isinstance(array, np.ndarray) and array.ndim == 1 else None
        return None
    value = at.safe_eval(iterable, ns)
    if isinstance(value, np.ndarray) and value.ndim == 1:
        return len(value)
    return None


def element_sources(iterable: ast.expr, ns: dict[str, Any]) -> bool:
    """Whether the header hands out array elements (or indices into arrays): ranges, 1-d
    arrays and their lists, np.ndenumerate / np.ndindex."""
    return header_count(iterable, ns) is not None


def accumulation(stmt: ast.stmt) -> str | None:
    """The scalar a statement accumulates into: ``s += e``, ``s = s + e``, ``s = max(s, e)``
    (``e`` not reading ``s``), else None."""
    if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name) and \
            isinstance(stmt.op, ast.Add | ast.Sub | ast.Mult | ast.BitOr | ast.BitAnd) and \
            stmt.target.id not in at.loaded_names(stmt.value):
        return stmt.target.id
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and \
            isinstance(stmt.targets[0], ast.Name):
        name, value = stmt.targets[0].id, stmt.value
        if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add | ast.Mult) and \
                isinstance(value.left, ast.Name) and value.left.id == name and \
                name not in at.loaded_names(value.right):
            return name
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and \
                value.func.id in ("max", "min") and len(value.args) == 2 and \
                isinstance(value.args[0], ast.Name) and value.args[0].id == name and \
                name not in at.loaded_names(value.args[1]):
            return name
    return None


def draws_random(body: list[ast.stmt], ns: dict[str, Any]) -> bool:
    """The body draws a few NumPy random numbers per pass (``rng.random(2)``,
    ``np.random.rand()``): no size, or a small constant one."""
    for stmt in body:
        for node in ast.walk(stmt):
            if not isinstance(node, ast.Call):
                continue
            target = at.resolve(node.func, ns)
            owner = getattr(target, "__self__", None)
            if not (isinstance(owner, np.random.Generator | np.random.RandomState) or
                    getattr(target, "__module__", "") == "numpy.random" or
                    (isinstance(owner, type(np.random)) and owner is np.random)):
                continue
            sizes = [a for a in node.args] + [k.value for k in node.keywords if k.arg == "size"]
            if all((at.const_int(a) is not None and (at.const_int(a) or 0) <= 16) or
                   (isinstance(a, ast.Constant) and isinstance(a.value, float)) for a in sizes):
                return True
    return False


def scalar_element_loop(loop: ast.For, tree: ast.Module, ns: dict[str, Any]) -> bool:
    """A ``for`` loop of many passes that the rewriter could not turn into an expression but
    whose passes are still independent scalar work on array elements: each pass reads (and
    writes) single elements at the loop's index, or one element handed out by the header, with
    no call outside NumPy, math and builtins, no break, and no state carried from one pass to
    the next other than sums, counts and running extremes.  Counting with ``if``, offsets
    (``d[i - 1] = x[i] - x[i - 1]``), steps and reversed ranges, ``np.ndenumerate``."""
    count = header_count(loop.iter, ns)
    if count is None or count < SCALAR_LOOP_MIN or loop.orelse:
        return False
    body = loop.body
    if any(isinstance(n, ast.Break | ast.Return | ast.Yield | ast.YieldFrom | ast.For |
                      ast.While | ast.With | ast.Try | ast.FunctionDef | ast.Lambda)
           for s in body for n in ast.walk(s)):
        return False
    if uses_foreign_calls(body, ns, set(at.inlinable_functions(tree, ns))):
        return False
    if any(isinstance(n, ast.JoinedStr) or (
            isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in NOT_ARRAY_WORK)
           for s in body for n in ast.walk(s)):
        return False  # output, text, hashing: not arithmetic one array expression does
    loop_names = at.stored_names(loop.target)
    touched = False
    written: dict[str, str] = {}
    for stmt in body:
        for node in ast.walk(stmt):
            if not isinstance(node, ast.Subscript):
                continue
            array = ns.get(node.value.id) if isinstance(node.value, ast.Name) else None
            if not isinstance(array, np.ndarray):
                continue
            elts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            if not at.names_in(node.slice) & loop_names:
                if isinstance(node.ctx, ast.Store):
                    return False  # a write that does not move with the loop
                continue
            whole = isinstance(node.slice, ast.Name) and node.slice.id in loop_names
            if not whole and (any(isinstance(e, ast.Slice) for e in elts) or
                              len(elts) != array.ndim):
                return False  # a row or a slice per pass: not scalar element work
            touched = True
            if isinstance(node.ctx, ast.Store):
                written[node.value.id] = index_key(node)
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and \
                    isinstance(node.value, ast.Name) and node.value.id in written and \
                    index_key(node) != written[node.value.id]:
                return False  # reads what another pass wrote: a recurrence
    if not touched and draws_random(body, ns):
        touched = True  # a few random numbers per pass: one call draws them all
    if not touched:
        iterated = loop.iter
        while isinstance(iterated, ast.Call) and isinstance(iterated.func, ast.Name) and \
                iterated.func.id in ("reversed", "enumerate", "list") and iterated.args:
            iterated = iterated.args[0]
        if isinstance(iterated, ast.Call) and isinstance(iterated.func, ast.Attribute) and \
                iterated.func.attr == "tolist":
            iterated = iterated.func.value
        if isinstance(iterated, ast.Call) and at.np_func(iterated.func, ns, "ndenumerate"):
            iterated = iterated.args[0]
        if not isinstance(at.safe_eval(iterated, ns), np.ndarray):
            return False
    # scalars carried from one pass to the next: only accumulations
    assigned: set[str] = set()
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        assigned.add(target.id)
    accumulated = {name for stmt in body for node in ast.walk(stmt)
                   if isinstance(node, ast.stmt) and (name := accumulation(node))}
    for name in assigned - accumulated - loop_names:
        first_store = min((n.lineno, n.col_offset) for s in body for n in ast.walk(s)
                          if isinstance(n, ast.Name) and n.id == name and
                          isinstance(n.ctx, ast.Store))
        if any((n.lineno, n.col_offset) < first_store for s in body for n in ast.walk(s)
               if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)):
            return False  # read before this pass sets it: carried state
    for name in accumulated:
        uses = [n for s in body for n in ast.walk(s) if isinstance(n, ast.Name) and
                n.id == name and isinstance(n.ctx, ast.Load)]
        own = [n for s in body for n in ast.walk(s) if isinstance(n, ast.stmt) and
               accumulation(n) == name]
        own_loads = sum(1 for st in own for n in ast.walk(st) if isinstance(n, ast.Name) and
                        n.id == name and isinstance(n.ctx, ast.Load))
        if len(uses) > own_loads:
            return False  # the running value is read elsewhere in the pass
    return True


def appended_names(body: list[ast.stmt]) -> set[str]:
    """Names whose ``.append(...)`` the body calls."""
    return {n.func.value.id for s in body for n in ast.walk(s)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and
            n.func.attr == "append" and isinstance(n.func.value, ast.Name)}


def written_names(body: list[ast.stmt], ns: dict[str, Any]) -> set[str]:
    out: set[str] = set()
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Subscript | ast.Name) and isinstance(node.ctx, ast.Store):
                name = at.root_name(node)
                if name:
                    out.add(name)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                    node.func.attr == "append":
                name = at.root_name(node.func.value)
                if name:
                    out.add(name)
    return {n for n in out if n in ns}


def loop_verdicts(tree: ast.Module, ns: dict[str, Any]) -> list[LoopVerdict]:
    """Outermost loops first; a loop nested in a flagged loop is covered by it."""
    out = []
    covered: set[int] = set()
    for loop in sorted(at.loops(tree), key=lambda n: n.lineno):
        if id(loop) in covered:
            continue
        verdict = judge_loop(loop, tree, ns)
        out.append(verdict)
        if verdict.elementwise:
            for inner in at.loops(loop):
                if inner is not loop:
                    covered.add(id(inner))
    return out


def work_line(loop: ast.For | ast.While) -> int:
    """The line in the loop doing the work (the first simple statement of the innermost body)."""
    node: Any = loop
    while isinstance(node, ast.For | ast.While) and node.body:
        first = node.body[0]
        if isinstance(first, ast.For | ast.While):
            node = first
        else:
            return first.lineno
    return loop.lineno


@rule
def python_loop(report: Report, context: CellContext) -> list[Finding]:
    """Loops and comprehensions doing element-wise work one array expression can do."""
    assert context.tree is not None
    ns = context.namespace
    found = []
    for verdict in loop_verdicts(context.tree, ns):
        if not verdict.elementwise:
            loop = verdict.loop
            if not isinstance(loop, ast.For) or verdict.why.startswith(("recurrence", "calls ")) \
                    or not scalar_element_loop(loop, context.tree, ns):
                continue
            verdict.elementwise, verdict.code = True, None
            verdict.iterations = header_count(loop.iter, ns)
            verdict.arrays = verdict.arrays or {
                n for n in at.loaded_names(loop) if isinstance(ns.get(n), np.ndarray)}
        n = verdict.iterations
        if n is not None and n < MIN_ITERATIONS:
            continue
        loop = verdict.loop
        steps = sum(1 for s in ast.walk(loop) if isinstance(s, ast.Subscript | ast.BinOp))
        estimate = min(report.wall_s, (n or 0) * SECONDS_PER_STEP * max(1, steps))
        rewrite = None
        lines = [loop.lineno, loop.end_lineno or loop.lineno]
        if verdict.code and draws_random(loop.body, ns):
            # noise[i] = np.random.normal(0, 2) is not noise[:] = np.random.normal(0, 2) (one
            # draw for all); a vectorized draw changes the stream anyway (issue 12)
            verdict.code = None
        if not verdict.code and draws_random(loop.body, ns):
            continue  # measured_loops says it with the numbers and the idiom (draw up front)
        if verdict.code:
            indent = at.indent_of(at.line_text(context.source, loop.lineno, loop.lineno)[0])
            rewrite = Rewrite(kind="equivalent", code=at.reindent(verdict.code, indent),
                              lines=lines, compared=verdict.compared)
        count = f"{n:,} times" if n else "once per element"
        arrays = ", ".join(sorted(verdict.arrays))
        explanation = (
            f"The loop on line {loop.lineno} runs its body {count}, and each pass does a few "
            f"scalar operations on elements of {arrays} through the Python interpreter "
            f"(the cell took {seconds(report.wall_s)} in all). "
            + ("It is " + verdict.why + "; " if "recurrence" in verdict.why else "")
            + "One array expression does the same work in compiled code, element by element, "
            "usually 10-100x faster. Rule of thumb: if iteration i only touches element i, "
            "drop the loop and write the expression on whole arrays.")
        found.append(finding(
            "python-loop", loop.lineno,
            f"Python loop over {arrays} does element-wise work one array expression can do",
            explanation, rewrite=rewrite, seconds_lost=estimate))
    found.extend(comprehension_findings(report, context))
    found.extend(measured_loops(report, context, found))
    return found


def measured_loops(report: Report, context: CellContext, found: list[Finding]) -> list[Finding]:
    """Measure first (issue 12): loops and comprehensions the rewriter could not turn into an
    expression but whose passes the report shows doing scalar work (few or tiny ufunc calls,
    many passes, the cell's time) are python-loop findings with their numbers and the idiom
    that replaces them; a verified rewrite only where one is derived (``np.nditer`` bodies)."""
    from arrayprof.advisor import measured

    assert context.tree is not None
    ns = context.namespace
    covered: set[int] = set()
    for f in found:
        if f.lineno is not None:
            covered.add(f.lineno)
            for loop in at.enclosing_loops(context.tree, f.lineno):
                covered |= measured.span(loop)
    out: list[Finding] = []
    candidates: list[tuple[ast.AST, int]] = []
    for node in ast.walk(context.tree):
        if isinstance(node, ast.For):
            candidates.append((node, node.lineno))
        elif isinstance(node, ast.ListComp | ast.GeneratorExp | ast.SetComp | ast.DictComp):
            stmt = at.statement_at(context.tree, node.lineno)
            candidates.append((node, stmt.lineno if stmt is not None else node.lineno))
    measures = measured.Measures(report, context.tree) if candidates else None
    for node, lineno in sorted(candidates, key=lambda c: (c[0].lineno, -(c[0].end_lineno or 0))):
        lines = measured.span(node)
        if not lines.isdisjoint(covered):
            continue
        try:
            cost = measured.loop_cost(node, lineno, report, context.tree, ns,  # type: ignore
                                      measures)
        except Exception:
            cost = None
        if cost is None:
            continue
        covered |= lines
        title, advice = measured.IDIOMS[cost.idiom]
        rewrite = None
        if cost.idiom == "nditer" and isinstance(node, ast.For):
            code = measured.nditer_rewrite(node, ns)
            if code is not None:
                indent = at.indent_of(at.line_text(context.source, node.lineno, node.lineno)[0])
                rewrite = Rewrite(kind="equivalent", code=at.reindent(code, indent),
                                  lines=[node.lineno, node.end_lineno or node.lineno],
                                  compared=sorted({at.root_name(t) or "" for s in node.body
                                                   for t in ast.walk(s)
                                                   if isinstance(t, ast.Subscript) and
                                                   isinstance(t.ctx, ast.Store)} - {""}))
                rewrite.compared = [measured_target(node, name) for name in rewrite.compared]
        explanation = (
            f"The {'loop' if isinstance(node, ast.For) else 'comprehension'} on line {lineno} "
            f"is {title}: {measured.complexity_note(cost)}; the cell took "
            f"{seconds(report.wall_s)} in all. {advice}")
        out.append(finding("python-loop", lineno,
                           f"{title}: {cost.passes:,} passes of scalar Python work",
                           explanation, rewrite=rewrite, seconds_lost=cost.seconds))
    return out


def measured_target(loop: ast.For, name: str) -> str:
    """The array a loop target of ``np.nditer([a, out])`` stands for (what the rewrite binds)."""
    header = loop.iter
    operands = header.args[0] if isinstance(header, ast.Call) and header.args else None
    elts = operands.elts if isinstance(operands, ast.List | ast.Tuple) else [operands]
    targets = loop.target.elts if isinstance(loop.target, ast.Tuple) else [loop.target]
    for target, elt in zip(targets, elts, strict=False):
        if isinstance(target, ast.Name) and target.id == name and isinstance(elt, ast.Name):
            return elt.id
    return name


# -- comprehensions ------------------------------------------------------------------------------
def comprehension_iteration(comp: ast.ListComp | ast.GeneratorExp,
                            ns: dict[str, Any]) -> Iteration | None:
    if len(comp.generators) != 1 or comp.generators[0].is_async:
        return None
    gen = comp.generators[0]
    fake = ast.For(target=gen.target, iter=gen.iter, body=[], orelse=[])
    return iteration_of(fake, ns)


def vectorize_comprehension(comp: ast.ListComp | ast.GeneratorExp, ns: dict[str, Any],
                            functions: dict[str, Any] | None = None,
                            ) -> tuple[ast.expr, ast.expr | None, Iteration] | None:
    functions = functions or {}
    iteration = comprehension_iteration(comp, ns)
    if iteration is None or len(iteration.loop_vars) > 1:
        return None
    if uses_foreign_calls([ast.Expr(value=comp.elt)] + [ast.Expr(value=c) for c in
                                                         comp.generators[0].ifs], ns,
                          set(functions)):
        return None
    vec = at.Vectorizer(iteration.loop_vars, iteration.elements, ns)
    vec.functions = functions
    try:
        expr = vec.vectorize(comp.elt)
        if not vec.depends:
            return None
        mask = None
        for cond in comp.generators[0].ifs:
            part = vec.vectorize(cond)
            mask = part if mask is None else at.np_call("logical_and", mask, part)
    except at.NotVectorizable:
        return None
    arrays = set(iteration.arrays)
    for sub in ast.walk(comp.elt):
        if isinstance(sub, ast.Subscript) and isinstance(sub.value, ast.Name) and \
                isinstance(ns.get(sub.value.id), np.ndarray):
            arrays.add(sub.value.id)
    if not arrays:
        return None
    iteration.arrays = arrays
    return expr, mask, iteration


def statement_of(node: ast.AST, parent: dict[ast.AST, ast.AST]) -> ast.stmt | None:
    while node in parent and not isinstance(node, ast.stmt):
        node = parent[node]
    return node if isinstance(node, ast.stmt) else None


def map_as_comprehension(node: ast.AST, ns: dict[str, Any],
                         ) -> tuple[ast.AST, ast.ListComp | ast.GeneratorExp] | None:
    """``list(map(f, a, b))`` as ``[f(p, q) for p, q in zip(a, b)]`` (a bare ``map(...)`` as a
    generator): (the node it replaces, the comprehension).  A lambda's body is used directly."""
    wrapped = None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
            node.func.id == "list" and len(node.args) == 1 and not node.keywords and \
            at.resolve(node.func, ns) is list:
        wrapped, node = node, node.args[0]
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and
            node.func.id == "map" and at.resolve(node.func, ns) is map and
            len(node.args) >= 2 and not node.keywords):
        return None
    func, sources = node.args[0], node.args[1:]
    if isinstance(func, ast.Lambda):
        params = [a.arg for a in func.args.args]
        if len(params) != len(sources) or func.args.vararg:
            return None
        elt = func.body
    else:
        params = [f"_v{k}" for k in range(len(sources))]
        elt = ast.Call(func=func, args=[ast.Name(id=p, ctx=ast.Load()) for p in params],
                       keywords=[])
    target: ast.expr = ast.Name(id=params[0], ctx=ast.Store()) if len(params) == 1 else \
        ast.Tuple(elts=[ast.Name(id=p, ctx=ast.Store()) for p in params], ctx=ast.Store())
    source = sources[0] if len(sources) == 1 else ast.Call(
        func=ast.Name(id="zip", ctx=ast.Load()), args=list(sources), keywords=[])
    generator = ast.comprehension(target=target, iter=source, ifs=[], is_async=0)
    kind = ast.ListComp if wrapped is not None else ast.GeneratorExp
    comp = ast.copy_location(kind(elt=elt, generators=[generator]), node)
    at.fix_missing_locations(comp)
    return (wrapped or node), comp


def comprehension_findings(report: Report, context: CellContext) -> list[Finding]:
    assert context.tree is not None
    ns = context.namespace
    parent = at.parents(context.tree)
    functions = at.inlinable_functions(context.tree, ns)
    found = []
    candidates: list[tuple[ast.AST, ast.ListComp | ast.GeneratorExp]] = []
    for node in ast.walk(context.tree):
        if isinstance(node, ast.ListComp | ast.GeneratorExp):
            candidates.append((node, node))
        else:
            mapped = map_as_comprehension(node, ns)
            if mapped is not None and not any(mapped[0] is c[0] for c in candidates):
                candidates.append(mapped)
    for original, comp in candidates:
        done = vectorize_comprehension(comp, ns, functions)
        if done is None:
            continue
        if original is not comp:
            parent[comp] = parent[original]
        expr, mask, iteration = done
        if iteration.count is not None and iteration.count < MIN_ITERATIONS:
            continue
        holder = parent.get(comp)
        replace: ast.AST = original
        new: ast.expr
        body = at.parse_expr(f"({at.unparse(expr)})")
        if mask is not None:
            body = ast.Subscript(value=at.np_call("broadcast_to", body, ast.Attribute(
                value=mask, attr="shape", ctx=ast.Load())) if not iteration.elements else body,
                slice=mask, ctx=ast.Load())
        builtin_name = None
        if isinstance(holder, ast.Call) and len(holder.args) == 1 and not holder.keywords and \
                holder.args[0] is original:
            if at.np_func(holder.func, ns, "array", "asarray"):
                replace, new = holder, body
            elif at.is_numpy_object(at.resolve(holder.func, ns)) and \
                    isinstance(comp, ast.ListComp | ast.GeneratorExp) and \
                    not at.np_func(holder.func, ns, "fromiter"):
                new = body  # np.sum([v * v for v in x]) -> np.sum(x * x)
            elif isinstance(holder.func, ast.Name) and holder.func.id in BUILTIN_TO_NP and \
                    at.resolve(holder.func, ns) is getattr(builtins, holder.func.id):
                builtin_name = holder.func.id
                replace, new = holder, at.np_call(BUILTIN_TO_NP[builtin_name], body)
            else:
                new = ast.Call(func=ast.Attribute(value=body, attr="tolist", ctx=ast.Load()),
                               args=[], keywords=[])
        elif isinstance(comp, ast.ListComp):
            new = ast.Call(func=ast.Attribute(value=body, attr="tolist", ctx=ast.Load()),
                           args=[], keywords=[])
        else:
            continue
        stmt = statement_of(comp, parent)
        rewrite = None
        if stmt is not None and not isinstance(stmt, ast.For | ast.While | ast.If | ast.With):
            new_stmt = ReplaceNode(replace, new).visit(stmt)
            compared = [at.root_name(t) for t in getattr(stmt, "targets", [])
                        if at.root_name(t)] or ([at.root_name(stmt.target)]
                                                if isinstance(stmt, ast.AugAssign) else [])
            if compared:
                indent = at.indent_of(at.line_text(context.source, stmt.lineno, stmt.lineno)[0])
                rewrite = Rewrite(kind="equivalent", code=at.reindent(at.unparse(new_stmt),
                                                                      indent),
                                  lines=[stmt.lineno, stmt.end_lineno or stmt.lineno],
                                  compared=[c for c in compared if c])
        n = iteration.count or 0
        estimate = min(report.wall_s, n * SECONDS_PER_STEP * 3)
        arrays = ", ".join(sorted(iteration.arrays))
        kind = "a generator" if isinstance(comp, ast.GeneratorExp) else "a comprehension"
        what = f"{builtin_name}() over {kind}" if builtin_name else "a comprehension"
        explanation = (
            f"Line {comp.lineno} builds {what} that visits {n:,} elements of {arrays} one at a "
            "time in the interpreter, making a Python object for each. The same element-wise "
            "expression on whole arrays runs in compiled code. Rule of thumb: a comprehension "
            "over an array is a loop; write the expression on the array instead.")
        if builtin_name:
            # One finding for the line: the builtin consumes a Python-level loop (python-loop in
            # REPORT.md's table), not an array, and the rewrite removes both at once.
            explanation += (f" {builtin_name}() then adds up the {n:,} Python objects one by "
                            f"one as well; np.{BUILTIN_TO_NP[builtin_name]} on the array "
                            "expression does both in compiled code.")
        message = (f"Python's {what} over {arrays}: element-wise work one array expression "
                   "can do" if builtin_name else
                   f"{what.capitalize()} over {arrays} does element-wise work one array "
                   "expression can do")
        found.append(finding("python-loop", comp.lineno, message, explanation, rewrite=rewrite,
                             seconds_lost=estimate))
    return found


class ReplaceNode(ast.NodeTransformer):
    """Replace one node (by identity) in a copy of a statement, leaving the original alone."""

    def __init__(self, old: ast.AST, new: ast.AST,
                 more: list[tuple[ast.AST, ast.AST]] | None = None) -> None:
        self.pairs = [(old, new), *(more or [])]

    def visit(self, node: ast.AST) -> Any:
        for old, new in self.pairs:
            if node is old:
                return new
        fields = {}
        for name, value in ast.iter_fields(node):
            if isinstance(value, list):
                fields[name] = [self.visit(v) if isinstance(v, ast.AST) else v for v in value]
            elif isinstance(value, ast.AST):
                fields[name] = self.visit(value)
            else:
                fields[name] = value
        clone = type(node)(**fields)
        return ast.copy_location(clone, node)


# -- np.vectorize --------------------------------------------------------------------------------
def vectorized_functions(tree: ast.Module, ns: dict[str, Any]) -> dict[str, ast.expr | None]:
    """Names bound to np.vectorize / np.frompyfunc objects, with the Python function wrapped."""
    out: dict[str, ast.expr | None] = {}
    defs = {n.name: n for n in at.nodes(tree) if isinstance(n, ast.FunctionDef)}
    for node in at.nodes(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Call) and \
                at.np_func(node.value.func, ns, "vectorize", "frompyfunc") and node.value.args:
            func = node.value.args[0]
            if isinstance(func, ast.Name) and func.id in defs:
                out[node.targets[0].id] = defs[func.id]  # type: ignore[assignment]
            else:
                out[node.targets[0].id] = func
        if isinstance(node, ast.FunctionDef) and any(
                at.np_func(d, ns, "vectorize") for d in node.decorator_list):
            out[node.name] = node  # type: ignore[assignment]
    vectorize = np.vectorize
    for name, value in ns.items():  # (one test per value: this runs once per cell function)
        if isinstance(value, vectorize) and name not in out:
            out[name] = None
    return out


def function_as_expression(func: ast.AST | None) -> tuple[list[str], ast.expr] | None:
    """(parameters, body expression) of a lambda or a def that only returns (if/else allowed)."""
    if isinstance(func, ast.Lambda):
        return [a.arg for a in func.args.args], func.body
    if isinstance(func, ast.FunctionDef):
        params = [a.arg for a in func.args.args]
        expr = at.returned_expression(func.body)
        return (params, expr) if expr is not None else None
    return None


@rule
def np_vectorize(report: Report, context: CellContext) -> list[Finding]:
    """np.vectorize / np.frompyfunc called on arrays as if it were compiled code."""
    assert context.tree is not None
    ns = context.namespace
    wrapped = vectorized_functions(context.tree, ns)
    found = []
    parent = at.parents(context.tree)
    for node in ast.walk(context.tree):
        if not isinstance(node, ast.Call):
            continue
        func_ast: ast.AST | None
        if isinstance(node.func, ast.Name) and node.func.id in wrapped:
            func_ast = wrapped[node.func.id]
        elif isinstance(node.func, ast.Call) and at.np_func(node.func.func, ns, "vectorize",
                                                            "frompyfunc") and node.func.args:
            func_ast = node.func.args[0]
            if isinstance(func_ast, ast.Name):
                func_ast = next((d for d in ast.walk(context.tree) if isinstance(
                    d, ast.FunctionDef) and d.name == func_ast.id), func_ast)
        else:
            continue
        args = node.args
        sizes = [ns[a.id].size for a in args if isinstance(a, ast.Name) and
                 isinstance(ns.get(a.id), np.ndarray)]
        n = max(sizes, default=0)
        rewrite = None
        spec = function_as_expression(func_ast)
        stmt = statement_of(node, parent)
        if spec is not None and stmt is not None and len(spec[0]) == len(args) and \
                isinstance(stmt, ast.Assign | ast.AugAssign | ast.Expr) and \
                all(isinstance(a, ast.Name) for a in args):
            params, expr = spec
            elements = {p: a.id for p, a in zip(params, args, strict=True)}  # type: ignore
            vec = at.Vectorizer([], elements, ns)
            try:
                new = vec.vectorize(expr)
                new_stmt = ReplaceNode(node, new).visit(stmt)
                compared = [at.root_name(t) for t in getattr(stmt, "targets", [])]
                if compared and all(compared):
                    indent = at.indent_of(at.line_text(context.source, stmt.lineno,
                                                       stmt.lineno)[0])
                    rewrite = Rewrite(kind="equivalent",
                                      code=at.reindent(at.unparse(new_stmt), indent),
                                      lines=[stmt.lineno, stmt.end_lineno or stmt.lineno],
                                      compared=compared)  # type: ignore[arg-type]
            except at.NotVectorizable:
                rewrite = None
        estimate = min(report.wall_s, n * 4e-7)
        explanation = (
            f"Line {node.lineno} calls a np.vectorize'd function on {n:,} elements. np.vectorize "
            "is a convenience loop: it calls the Python function once per element, so it runs "
            f"at Python speed (the cell took {seconds(report.wall_s)}). "
            "Write the function body with array operations (np.where for if/else, "
            "np.minimum/np.maximum for min/max, np.clip for both) instead.")
        found.append(finding("np-vectorize", node.lineno,
                             "np.vectorize runs a Python function once per element",
                             explanation, rewrite=rewrite, seconds_lost=estimate))
    return found


# -- builtins over arrays ------------------------------------------------------------------------
ARRAY_METHODS = {"copy", "ravel", "flatten", "reshape", "astype", "T", "squeeze", "transpose"}


def is_array_expression(node: ast.AST, ns: dict[str, Any]) -> np.ndarray | None:
    """A representative array when `node` certainly evaluates to an ndarray (names, slices,
    arithmetic on arrays, ufunc calls), else None."""
    if isinstance(node, ast.Name):
        value = ns.get(node.id)
        return value if isinstance(value, np.ndarray) else None
    if isinstance(node, ast.Subscript):
        base = is_array_expression(node.value, ns)
        if base is not None and any(isinstance(e, ast.Slice) for e in (
                node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice])):
            sliced = at.try_eval(node, ns)  # table[:, 0] is 1-D although table is not
            return sliced if isinstance(sliced, np.ndarray) else base
        return None
    if isinstance(node, ast.BinOp):
        return is_array_expression(node.left, ns) if is_array_expression(node.left, ns) \
            is not None else is_array_expression(node.right, ns)
    if isinstance(node, ast.UnaryOp):
        return is_array_expression(node.operand, ns)
    if isinstance(node, ast.Attribute) and node.attr == "T":
        return is_array_expression(node.value, ns)
    if isinstance(node, ast.Call):
        target = at.resolve(node.func, ns)
        if isinstance(target, np.ufunc) and node.args:
            for arg in node.args:
                found = is_array_expression(arg, ns)
                if found is not None:
                    return found
        if isinstance(node.func, ast.Attribute) and node.func.attr in ARRAY_METHODS:
            base = is_array_expression(node.func.value, ns)
            if base is not None and node.func.attr in ("ravel", "flatten", "reshape",
                                                       "squeeze", "transpose"):
                shaped = at.try_eval(node, ns)  # M.ravel() is 1-D although M is not
                return shaped if isinstance(shaped, np.ndarray) else base
            return base
    return None


BUILTIN_REWRITE = {"sum": "np.sum({})", "max": "np.max({})", "min": "np.min({})",
                   "sorted": "np.sort({}).tolist()", "any": "np.any({})", "all": "np.all({})",
                   "list": "{}.tolist()"}


@rule
def python_builtin(report: Report, context: CellContext) -> list[Finding]:
    """sum/max/min/sorted/any/all/list over an array walk it element by element."""
    assert context.tree is not None
    ns = context.namespace
    parent = at.parents(context.tree)
    found = []
    replaced: dict[int, list[tuple[ast.AST, ast.expr]]] = {}  # per statement, this call only
    stmt_lines: dict[int, int] = {}
    for node in ast.walk(context.tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and
                node.func.id in BUILTIN_REWRITE and len(node.args) == 1):
            continue
        keywords = {k.arg: k.value for k in node.keywords}
        reverse = keywords.pop("reverse", None) if node.func.id == "sorted" else None
        if keywords or (reverse is not None and not isinstance(reverse, ast.Constant)):
            continue
        if at.resolve(node.func, ns) is not getattr(builtins, node.func.id):
            continue
        array = is_array_expression(node.args[0], ns)
        if array is None and not isinstance(node.args[0], ast.GeneratorExp | ast.ListComp |
                                            ast.Constant | ast.List | ast.Tuple):
            array = at.array_of(node.args[0], ns)
        if array is None or array.ndim == 0 or array.shape[0] < MIN_ITERATIONS:
            continue  # a few elements: as cheap in Python as in NumPy
        name = node.func.id
        if array.ndim > 1 and name in ("max", "min", "sorted", "any", "all"):
            continue
        arg = at.unparse(node.args[0])
        if not isinstance(node.args[0], ast.Name | ast.Subscript | ast.Attribute | ast.Call):
            arg = f"({arg})"
        replacement = BUILTIN_REWRITE[name].format(arg)
        if reverse is not None and reverse.value:
            replacement = f"np.sort({arg})[::-1].tolist()"
        if name == "sum" and array.ndim > 1:
            replacement = f"np.sum({arg}, axis=0)"
        stmt = statement_of(node, parent)
        rewrite = None
        if stmt is not None and isinstance(stmt, ast.Assign | ast.AugAssign | ast.Return) and \
                not enclosing_loop_lines(context.tree, stmt.lineno):
            from arrayprof.advisor.copies import statement_replacing

            # every builtin of the statement replaced at once (``sum(x) * sum(y)``: issue 12
            # found only the first replaced); the statement's first finding carries it
            earlier = replaced.setdefault(id(stmt), [])
            earlier.append((node, at.parse_expr(replacement)))
            rewrite = statement_replacing(context, earlier[0][0], earlier[0][1], earlier[1:])
            if len(earlier) > 1:
                first = next(f for f in found if f.lineno == stmt_lines[id(stmt)])
                first.rewrite = rewrite
                rewrite = None
            stmt_lines[id(stmt)] = node.lineno
        n = array.shape[0]
        estimate = min(report.wall_s, n * 5e-8 * (3 if name == "sorted" else 1))
        explanation = (
            f"Python's {name}() on line {node.lineno} iterates over {describe(array)} one "
            f"element at a time, boxing each of the {n:,} items into a NumPy scalar and "
            f"combining them in the interpreter. {replacement.split('(')[0]} does the same in "
            "one compiled call. Rule of thumb: call NumPy's version of a builtin on arrays.")
        found.append(finding("python-builtin", node.lineno,
                             f"Python's {name}() over a {n:,}-element array",
                             explanation, rewrite=rewrite, seconds_lost=estimate))
    return found


def enclosing_loop_lines(tree: ast.Module, lineno: int) -> bool:
    return bool(at.enclosing_loops(tree, lineno))


# -- growing arrays ------------------------------------------------------------------------------
GROWERS = ("append", "concatenate", "vstack", "hstack", "row_stack", "column_stack", "insert",
           "stack", "dstack")


def grow_call(stmt: ast.stmt, ns: dict[str, Any]) -> tuple[str, ast.Call] | None:
    """``x = np.append(x, ...)`` style, in any spelling of the target (``x``, ``log["loss"]``,
    ``self.rows``) and with the call anywhere in the value (``r if x is None else
    np.vstack([x, r])``): (the target's source text, the call)."""
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and
            isinstance(stmt.targets[0], ast.Name | ast.Subscript | ast.Attribute)):
        return None
    target = at.unparse(stmt.targets[0])
    for call in at.walk_no_defs(stmt.value):
        if isinstance(call, ast.Subscript) and at.is_obj(call.value, ns, np.r_, np.c_) and \
                isinstance(call.slice, ast.Tuple) and \
                any(at.unparse(e) == target for e in call.slice.elts):
            return target, call  # type: ignore[return-value]  # np.r_[x, v]
        if not (isinstance(call, ast.Call) and at.np_func(call.func, ns, *GROWERS) and call.args):
            continue
        first = call.args[0]
        items = first.elts if isinstance(first, ast.List | ast.Tuple) else [first]
        if any(at.unparse(item) == target for item in items):
            return target, call
    return None


def innermost_loop(tree: ast.Module, stmt: ast.stmt) -> ast.For | ast.While | None:
    """The nearest loop whose body holds `stmt` (not counting nested function bodies)."""
    best = None
    for loop in at.loops(tree):
        if loop.lineno < stmt.lineno <= (loop.end_lineno or loop.lineno) and \
                any(node is stmt for node in at.walk_no_defs(loop)):
            if best is None or loop.lineno > best.lineno:
                best = loop
    return best


@rule
def growing_array(report: Report, context: CellContext) -> list[Finding]:
    """np.append / concatenate / vstack / hstack of an array onto itself inside a loop."""
    assert context.tree is not None
    ns = context.namespace
    found = []
    for stmt in at.walk_no_defs(context.tree):
        if not isinstance(stmt, ast.Assign):
            continue
        hit = grow_call(stmt, ns)
        if hit is None:
            continue
        loop = innermost_loop(context.tree, stmt)
        if loop is None:
            continue
        name, call = hit
        line = report.line(stmt.lineno)
        copied = line.allocated_bytes if line else 0
        walk = iteration_of(loop, ns) if isinstance(loop, ast.For) else None
        runs = walk.count if walk is not None and walk.count is not None else \
            iterations(report, range(stmt.lineno, stmt.lineno + 1))
        if runs < MIN_ITERATIONS and copied < CONFIG.silent_bytes:
            continue  # a few appends of small arrays: quadratic in theory, free here
        final = at.try_eval(stmt.targets[0], ns) if not isinstance(stmt.targets[0], ast.Name) \
            else ns.get(name)
        size = describe(final) if isinstance(final, np.ndarray) else name
        rewrite = growing_rewrite(context, loop, stmt, name, call, ns)
        func = at.unparse(call.func if isinstance(call, ast.Call) else call.value)
        explanation = (
            f"Line {stmt.lineno} rebuilds {name} with {func} on every pass: each call "
            f"allocates a new array and copies everything so far, so the work grows with the "
            f"square of the length. Here that copied {nbytes(copied)} in all to end with "
            f"{size}. Rule of thumb: collect the pieces in a list and join them once after "
            "the loop (or preallocate and fill).")
        found.append(finding("growing-array", stmt.lineno,
                             f"{func} inside a loop copies {name} on every iteration",
                             explanation, rewrite=rewrite, bytes_wasted=copied,
                             seconds_lost=report.wall_s * 0.5))
    return found


def parts_name(target: ast.expr, taken: set[str]) -> str:
    """A fresh list name for the pieces of `target` (``x`` -> ``x_parts``, ``log["loss"]`` ->
    ``loss_parts``)."""
    if isinstance(target, ast.Name):
        stem = target.id
    elif isinstance(target, ast.Attribute):
        stem = target.attr
    elif isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant) and \
            isinstance(target.slice.value, str) and target.slice.value.isidentifier():
        stem = target.slice.value
    else:
        stem = at.root_name(target) or "grown"
    name = f"{stem}_parts"
    k = 2
    while name in taken:
        name, k = f"{stem}_parts{k}", k + 1
    return name


def growing_rewrite(context: CellContext, loop: ast.For | ast.While, stmt: ast.Assign,
                    name: str, call: ast.Call, ns: dict[str, Any]) -> Rewrite | None:
    assert context.tree is not None
    if loop.orelse or stmt.value is not call or not isinstance(call, ast.Call):
        return None
    target = stmt.targets[0]
    root = at.root_name(target)
    inside = [n for n in at.walk_no_defs(loop) if isinstance(n, ast.stmt) and n is not stmt
              and not isinstance(n, ast.For | ast.While | ast.If | ast.With | ast.Try)]
    if root is None or any(root in at.names_in(s) for s in inside):
        return None  # the loop reads the array it grows: the pieces are not enough
    func = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
    parts = parts_name(target, at.names_in(context.tree) | set(ns))
    keywords = {k.arg: at.unparse(k.value) for k in call.keywords}
    verb = "append"
    if func == "append":
        if not (2 <= len(call.args) <= 3) or at.unparse(call.args[0]) != name:
            return None
        axis = keywords.get("axis") or (at.unparse(call.args[2]) if len(call.args) > 2 else None)
        piece = at.unparse(call.args[1])
        if axis is None:
            start, add, join = f"[np.ravel({name})]", f"np.ravel({piece})", \
                f"np.concatenate({parts})"
        else:
            start, add, join = f"[{name}]", piece, f"np.concatenate({parts}, axis={axis})"
    elif func in ("concatenate", "vstack", "hstack", "row_stack", "column_stack", "dstack"):
        if len(call.args) != 1 or not isinstance(call.args[0], ast.List | ast.Tuple):
            return None
        items = call.args[0].elts
        if not items or at.unparse(items[0]) != name or \
                any(root in at.names_in(i) for i in items[1:]):
            return None
        extra = "".join(f", {k}={v}" for k, v in keywords.items())
        start = f"[{name}]"
        add = ", ".join(at.unparse(i) for i in items[1:])
        join = f"np.{func}({parts}{extra})"
        if len(items) > 2:
            add, verb = f"[{add}]", "extend"
    else:
        return None
    lines = context.source.splitlines()
    loop_indent = at.indent_of(lines[loop.lineno - 1])
    body_indent = at.indent_of(lines[stmt.lineno - 1])
    new_body = [*lines[loop.lineno - 1: stmt.lineno - 1],
                f"{body_indent}{parts}.{verb}({add})",
                *lines[(stmt.end_lineno or stmt.lineno): loop.end_lineno]]
    code = "\n".join([f"{loop_indent}{parts} = {start}", *new_body,
                      f"{loop_indent}{name} = {join}"])
    return Rewrite(kind="equivalent", code=code, lines=[loop.lineno, loop.end_lineno or
                                                        loop.lineno], compared=[root])


# -- np.apply_along_axis -------------------------------------------------------------------------
APPLY_MIN_CALLS = 1_000  # calls of the Python function below this cost little


@rule
def apply_along_axis(report: Report, context: CellContext) -> list[Finding]:
    """``np.apply_along_axis(f, axis, arr)`` is a Python loop: it calls ``f`` once per 1-d slice.
    With many short slices the interpreter and call overhead are the cost; a NumPy function
    that takes ``axis`` (or an expression written on the whole array) does it in one call."""
    assert context.tree is not None
    ns = context.namespace
    found = []
    for node in ast.walk(context.tree):
        if not (isinstance(node, ast.Call) and at.np_func(node.func, ns, "apply_along_axis") and
                len(node.args) >= 3 and not node.keywords):
            continue
        axis = at.safe_eval(node.args[1], ns)
        array = at.safe_eval(node.args[2], ns)
        if not isinstance(axis, int | np.integer) or not isinstance(array, np.ndarray) or \
                array.ndim == 0 or not -array.ndim <= int(axis) < array.ndim:
            continue
        length = array.shape[int(axis)]
        calls = array.size // max(length, 1)
        if calls < APPLY_MIN_CALLS:
            continue
        func = at.resolve(node.args[0], ns)
        name = getattr(func, "__name__", "")
        rewrite = None
        stmt = at.statement_at(context.tree, node.lineno)
        if len(node.args) == 3 and at.is_numpy_object(func) and name in at.REDUCTIONS and \
                isinstance(stmt, ast.Assign) and stmt.value is node and \
                len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) and \
                stmt.lineno == stmt.end_lineno:
            target = stmt.targets[0].id
            indent = at.indent_of(context.source.splitlines()[stmt.lineno - 1])
            rewrite = Rewrite(kind="equivalent", lines=[stmt.lineno, stmt.lineno],
                              code=f"{indent}{target} = np.{name}({at.unparse(node.args[2])}, "
                                   f"axis={at.unparse(node.args[1])})", compared=[target])
        text = at.unparse(node.args[0])
        estimate = min(report.wall_s, calls * 2e-6)
        found.append(finding(
            "python-loop", node.lineno,
            f"np.apply_along_axis calls {text if len(text) <= 40 else 'its function'} "
            f"{calls:,} times from Python",
            f"np.apply_along_axis is a Python loop in disguise: it calls "
            f"{text if len(text) <= 60 else 'the function'} once for each of the {calls:,} "
            f"slices of length {length:,} along axis {int(axis)} of {describe(array)}, each "
            "call going through the interpreter. A NumPy function that takes axis= (keepdims "
            "where the result is broadcast back), or the same arithmetic written on the whole "
            "array, does the work in one compiled call.",
            rewrite=rewrite, seconds_lost=estimate))
    return found


# -- nested comprehensions over a 2-d array ------------------------------------------------------
@rule
def nested_comprehension(report: Report, context: CellContext) -> list[Finding]:
    """``[[f(v) for v in row] for row in M]``: a comprehension over the rows of a 2-d array
    whose element is a comprehension over each row, doing arithmetic on every element (no call
    outside NumPy, math and builtins).  One array expression on M does it."""
    assert context.tree is not None
    ns = context.namespace
    found = []
    for node in ast.walk(context.tree):
        if not (isinstance(node, ast.ListComp | ast.GeneratorExp) and
                len(node.generators) == 1 and isinstance(node.elt, ast.ListComp) and
                len(node.elt.generators) == 1):
            continue
        outer, inner = node.generators[0], node.elt.generators[0]
        if not (isinstance(outer.target, ast.Name) and isinstance(inner.iter, ast.Name) and
                inner.iter.id == outer.target.id and isinstance(inner.target, ast.Name)):
            continue
        array = at.safe_eval(outer.iter, ns)
        if not isinstance(array, np.ndarray) or array.ndim != 2 or \
                array.size < SCALAR_LOOP_MIN or outer.ifs or inner.ifs:
            continue
        element = ast.Expr(value=node.elt.elt)
        if uses_foreign_calls([element], ns, set(at.inlinable_functions(context.tree, ns))):
            continue
        if not (at.loaded_names(node.elt.elt) & {inner.target.id}):
            continue
        text = at.unparse(outer.iter)
        found.append(finding(
            "python-loop", node.lineno,
            f"nested comprehension over the {array.shape[0]:,} rows of {text} works element by "
            "element",
            f"Line {node.lineno} builds a list of lists from {describe(array)}: the inner "
            f"comprehension runs {at.unparse(node.elt.elt)} once per element, {array.size:,} "
            "times through the interpreter. Written on the whole array (the same expression with "
            f"{text} in place of {inner.target.id}), NumPy does it in compiled code and "
            "returns a 2-d array directly.",
            seconds_lost=min(report.wall_s, array.size * SECONDS_PER_STEP * 3)))
    return found
