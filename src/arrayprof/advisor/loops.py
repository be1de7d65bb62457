"""Loop family: python-loop, np-vectorize, python-builtin, growing-array.

A Python loop is `python-loop` when its body does element-wise array work one expression can do
(the vectorizer, `advisor.vectorizer`, proves it by building the expression), or when the report
shows it spending the cell's time on scalar work (`advisor.measured`).
"""

from __future__ import annotations

import ast
import builtins
from typing import Any

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor import rule
from arrayprof.advisor.config import CONFIG
from arrayprof.advisor.facts import describe, finding, iterations, nbytes, seconds
from arrayprof.advisor.rewriting import ReplaceNode, statement_of, statement_replacing
from arrayprof.advisor.vectorizer import (
    BUILTIN_TO_NP,
    MIN_ITERATIONS,
    SCALAR_LOOP_MIN,
    SECONDS_PER_STEP,
    Iteration,
    draws_random,
    header_count,
    iteration_of,
    loop_verdicts,
    scalar_element_loop,
    uses_foreign_calls,
)
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report, Rewrite


@rule
def python_loop(report: Report, context: CellContext) -> list[Finding]:
    """Loops and comprehensions doing element-wise work one array expression can do."""
    assert context.tree is not None
    ns = context.namespace
    found = separable_sums(report, context)
    inside = {line for f in found for line in range(f.rewrite.lines[0], f.rewrite.lines[1] + 1)
              if f.rewrite is not None}
    for verdict in loop_verdicts(context.tree, ns):
        if verdict.loop.lineno in inside:
            continue
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


def separable_term(expr: ast.expr, name: str, array: str) -> str | None:
    """`expr` with the loop element `name` replaced by the whole `array`, when it is plain
    element-wise arithmetic of `name` and constants (or free of it); else None."""
    for node in ast.walk(expr):
        if not isinstance(node, ast.BinOp | ast.UnaryOp | ast.Constant | ast.Name |
                          ast.operator | ast.unaryop | ast.expr_context):
            return None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            return None
    copy = ast.parse(at.unparse(expr), mode="eval").body
    for node in ast.walk(copy):
        if isinstance(node, ast.Name) and node.id == name:
            node.id = array
    return at.unparse(copy)


def separable_sums(report: Report, context: CellContext) -> list[Finding]:
    """``for x in X: for y in Y: r += f(x) * g(y)`` is ``r += np.sum(f(X)) * np.sum(g(Y))``:
    len(X) + len(Y) operations instead of len(X) * len(Y), and no outer product (issue 12: the
    rewrite ``np.sum(X[:, None] * Y[None, :])`` was faster but made a len(X) x len(Y) array)."""
    assert context.tree is not None
    ns = context.namespace
    found = []
    for outer in ast.walk(context.tree):
        if not (isinstance(outer, ast.For) and len(outer.body) == 1 and
                isinstance(outer.body[0], ast.For) and not outer.orelse):
            continue
        inner = outer.body[0]
        if inner.orelse or len(inner.body) != 1 or not isinstance(inner.body[0], ast.AugAssign):
            continue
        stmt = inner.body[0]
        if not (isinstance(stmt.op, ast.Add) and isinstance(stmt.target, ast.Name) and
                isinstance(stmt.value, ast.BinOp) and isinstance(stmt.value.op, ast.Mult)):
            continue
        if not (isinstance(outer.target, ast.Name) and isinstance(inner.target, ast.Name) and
                isinstance(outer.iter, ast.Name) and isinstance(inner.iter, ast.Name)):
            continue
        xs, ys = ns.get(outer.iter.id), ns.get(inner.iter.id)
        if not (isinstance(xs, np.ndarray) and isinstance(ys, np.ndarray) and xs.ndim == 1 and
                ys.ndim == 1) or xs.size * ys.size < MIN_ITERATIONS:
            continue
        x, y, acc = outer.target.id, inner.target.id, stmt.target.id
        left, right = stmt.value.left, stmt.value.right
        names_left, names_right = at.loaded_names(left), at.loaded_names(right)
        if acc in names_left | names_right:
            continue
        if y in names_left or x in names_right:
            left, right = right, left
            names_left, names_right = names_right, names_left
        if y in names_left or x in names_right or x not in names_left or y not in names_right:
            continue
        first = separable_term(left, x, outer.iter.id)
        second = separable_term(right, y, inner.iter.id)
        if first is None or second is None:
            continue
        indent = at.indent_of(at.line_text(context.source, outer.lineno, outer.lineno)[0])
        code = f"{indent}{acc} += np.sum({first}) * np.sum({second})"
        rewrite = Rewrite(kind="equivalent", code=code,
                          lines=[outer.lineno, outer.end_lineno or outer.lineno],
                          compared=[acc])
        passes = xs.size * ys.size
        explanation = (
            f"The loops on lines {outer.lineno}-{inner.lineno} run their body {passes:,} times "
            f"to add up products of an element of {outer.iter.id} and an element of "
            f"{inner.iter.id} (the cell took {seconds(report.wall_s)} in all). A sum of such "
            "products is the product of the two sums: two passes of len(X) + len(Y) elements, "
            "and no len(X) x len(Y) array (which np.sum(X[:, None] * Y[None, :]) would make).")
        found.append(finding(
            "python-loop", outer.lineno,
            f"double loop summing products: {passes:,} passes for a product of two sums",
            explanation, rewrite=rewrite,
            seconds_lost=min(report.wall_s, passes * SECONDS_PER_STEP * 3)))
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
