"""python-loop: Python loops and comprehensions doing element-wise work one array expression can
do (the vectorizer builds the expression), double loops summing products (a product of two
sums), and, measured first, loops whose passes the report shows doing scalar work.

One rule, not four: its parts are ordered on purpose.  A loop inside a separable double sum is
left to the sum; the measured part speaks only of loops and comprehensions no earlier part
covered (nor a loop around one), so it never repeats, without a rewrite, a loop the vectorizer
rewrote.  Split, each part would have to run the ones before it again to know what they cover.
"""

from __future__ import annotations

import ast
import builtins
from typing import Any

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor import measured
from arrayprof.advisor.facts import finding, seconds
from arrayprof.advisor.rewriting import ReplaceNode, statement_of
from arrayprof.advisor.rule import Rule
from arrayprof.advisor.vectorizer import (
    BUILTIN_TO_NP,
    MIN_ITERATIONS,
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


def check(report: Report, context: CellContext) -> list[Finding]:
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


RULE = Rule(
    name="python-loop",
    category="python-loop",
    finds="A for loop (at least 50 passes, or an unknown number) whose body does element-wise "
          "array work one expression can do (the vectorizer builds it: out[i] = f(x[i]), "
          "accumulations, masked updates), or a scalar element loop over an array of 5,000 or "
          "more elements; a comprehension, generator or map() over an array (inside np.array, "
          "a NumPy call, sum/max/min/any/all, or as a list); a double loop r += f(x) * g(y) "
          "over two 1-d arrays (a product of two sums); and, measured first, a loop or "
          "comprehension the report shows spending the cell's time on scalar work (counted "
          "passes, ufunc calls of at most 1,024 elements, no arrays made per pass), named by its "
          "idiom: np.nditer, one random draw per pass, an escape-time loop per point, one "
          "function call per point, counting in a dict, Python lists.",
    why="Every pass goes through the interpreter and boxes each element into a Python object: "
        "10-200x slower than the same work in compiled code. A double loop summing products does "
        "len(X) * len(Y) passes for len(X) + len(Y) numbers' worth of work.",
    example="for i in range(len(x)):\n    out[i] = (x[i] - mu) / sd\n->\nout[:] = (x - mu) / sd",
    near_misses="Recurrences (x[i] = r * x[i - 1] * (1 - x[i - 1]), a state each pass decides "
                "on), early exits, loops of whole-array steps (time steps, stencils, epochs), "
                "output, loops of fewer than 50 passes, element loops that draw random numbers "
                "(advice only, never a rewrite: the stream would change), comprehensions "
                "calling functions outside NumPy, math and the builtins.",
    rewrite="equivalent",
    check=check,
)
