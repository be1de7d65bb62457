"""The loop vectorizer: shared machinery of the loop rules and the layout rule (issue 12, part 1).

It proves a Python loop is element-wise array work by building the expression: the loop body
becomes array code (``out[i] = a[i] * 2`` becomes ``out[:] = a * 2``).  A body that reads what
an earlier iteration wrote (a recurrence) is not element-wise, unless ``np.cumsum`` /
``ufunc.accumulate`` express it exactly; a body calling user functions is not either.
`judge_loop` gives a loop's verdict; `scalar_element_loop` recognises loops of independent
scalar work the rewriter could not turn into an expression.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from arrayprof.advisor import ast_tools as at

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
            return at.range_length(args, ns)
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


