"""API misuse: a slower or less accurate call where a better one exists.

``inv(A) @ b`` (solve is faster and more accurate), comparisons with NaN (always False), legacy
global random functions, counting with ``len(np.where(...)[0])``, and ``np.sort(x)[-1]`` for a
maximum.
"""

from __future__ import annotations

import ast
import math
from typing import Any

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor import rule
from arrayprof.advisor.facts import describe, finding, seconds
from arrayprof.advisor.verify import set_fix_check
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report, Rewrite

LEGACY_RANDOM = ("rand", "randn", "randint", "random", "random_sample", "ranf", "sample",
                 "normal", "uniform", "choice", "permutation", "shuffle", "seed", "poisson",
                 "binomial", "exponential", "standard_normal", "random_integers", "beta", "gamma",
                 "RandomState", "lognormal", "multinomial", "multivariate_normal", "laplace",
                 "geometric", "chisquare", "triangular", "weibull", "dirichlet", "rayleigh")


def statement_rewrite(context: CellContext, node: ast.AST, new: ast.expr,
                      kind: str = "equivalent") -> Rewrite | None:
    from arrayprof.advisor.rewriting import statement_replacing

    rewrite = statement_replacing(context, node, new)
    if rewrite is not None:
        rewrite.kind = kind
    return rewrite


def inv_call(node: ast.AST, ns: dict[str, Any]) -> ast.expr | None:
    """The matrix A when `node` is ``np.linalg.inv(A)`` (any alias)."""
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords and \
            at.np_func(node.func, ns, "linalg.inv"):
        return node.args[0]
    return None


def nan_constant(node: ast.AST, ns: dict[str, Any]) -> bool:
    value = at.resolve(node, ns) if isinstance(node, ast.Name | ast.Attribute) else at.MISSING
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
        node.func.id == "float" and len(node.args) == 1 and isinstance(node.args[0], ast.Constant) \
        and str(node.args[0].value).lower() == "nan"


@rule
def api_misuse(report: Report, context: CellContext) -> list[Finding]:
    assert context.tree is not None
    found = []
    parents = at.parents(context.tree)
    for node in ast.walk(context.tree):
        hit = (solve_instead(report, context, node, parents) or nan_compare(context, node)
               or nan_membership(context, node)
               or count_nonzero(context, node)
               or sort_for_extreme(context, node) or cancellation(context, node)
               or where_index(context, node) or argsort_for_extreme(context, node)
               or pinv_instead(report, context, node) or diagonal_of_product(context, node)
               or sorted_for_few(context, node) or sum_of_product(context, node))
        if hit is not None:
            found.append(hit)
    found.extend(inverse_kept(report, context))
    note = legacy_random_note(report, context)
    if note is not None:
        found.append(note)
    return found


def solve_instead(report: Report, context: CellContext, node: ast.AST,
                  parents: dict[ast.AST, ast.AST]) -> Finding | None:
    ns = context.namespace
    matrix = rhs = None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
        matrix, rhs = inv_call(node.left, ns), node.right
    elif isinstance(node, ast.Call) and len(node.args) == 1 and isinstance(node.func, ast.Attribute) \
            and node.func.attr == "dot":
        matrix, rhs = inv_call(node.func.value, ns), node.args[0]
    elif isinstance(node, ast.Call) and len(node.args) == 2 and at.np_func(node.func, ns, "dot",
                                                                            "matmul"):
        matrix, rhs = inv_call(node.args[0], ns), node.args[1]
    if matrix is None or rhs is None:
        return None
    # inv(A) @ B @ y is (inv(A) @ B) @ y: solve A x = B @ y once instead of solving for all of B
    outer: ast.AST = node
    while isinstance(parents.get(outer), ast.BinOp) and isinstance(
            parents[outer].op, ast.MatMult) and parents[outer].left is outer:  # type: ignore
        outer = parents[outer]
        rhs = ast.BinOp(left=rhs, op=ast.MatMult(), right=outer.right)  # type: ignore
    new = at.parse_expr(f"np.linalg.solve({at.unparse(matrix)}, {at.unparse(rhs)})")
    rewrite = statement_rewrite(context, outer, new)
    value = at.array_of(matrix, ns)
    size = value.shape[0] if value is not None and value.ndim == 2 else 0
    explanation = (
        f"Line {node.lineno} inverts {describe(value) if value is not None else 'a matrix'} and "
        "multiplies by the inverse. np.linalg.solve factorises the matrix once and solves "
        "directly: about 3x less arithmetic, no n x n inverse in memory, and smaller rounding "
        f"errors (the cell took {seconds(report.wall_s)}). Rule of thumb: never form inv(A) to "
        "compute inv(A) @ b.")
    return finding("api-misuse", node.lineno, "inv(A) @ b: use np.linalg.solve(A, b)",
                   explanation, rewrite=rewrite,
                   seconds_lost=report.wall_s * 0.5 if size >= 100 else 0.0)


def inverse_uses(tree: ast.Module, name: str, after: int) -> list[tuple[ast.AST, ast.expr]]:
    """Every read of `name` after line `after`, as (the product node, the right-hand side) when
    it is ``name @ b`` / ``name.dot(b)`` / ``np.dot(name, b)``, else (the read, None)."""
    parents = at.parents(tree)
    out: list[tuple[ast.AST, Any]] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Name) and node.id == name and
                isinstance(node.ctx, ast.Load) and node.lineno > after):
            continue
        parent = parents.get(node)
        if isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.MatMult) and \
                parent.left is node:
            out.append((parent, parent.right))
        elif isinstance(parent, ast.Attribute) and parent.attr == "dot" and \
                isinstance(parents.get(parent), ast.Call) and \
                len(parents[parent].args) == 1:  # type: ignore[attr-defined]
            call = parents[parent]
            out.append((call, call.args[0]))  # type: ignore[attr-defined]
        elif isinstance(parent, ast.Call) and len(parent.args) == 2 and parent.args[0] is node \
                and isinstance(parent.func, ast.Attribute) and parent.func.attr in ("dot",
                                                                                   "matmul"):
            out.append((parent, parent.args[1]))
        else:
            out.append((node, None))
    return out


def inverse_kept(report: Report, context: CellContext) -> list[Finding]:
    """``Ainv = inv(A)`` whose only use is one product ``Ainv @ b``: the same misuse, written
    on two lines (reported on the line that inverts)."""
    assert context.tree is not None
    ns = context.namespace
    found = []
    for stmt in at.walk_no_defs(context.tree):
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and
                isinstance(stmt.targets[0], ast.Name)):
            continue
        matrix = inv_call(stmt.value, ns)
        if matrix is None:
            continue
        name = stmt.targets[0].id
        uses = inverse_uses(context.tree, name, stmt.end_lineno or stmt.lineno)
        if len(uses) != 1 or uses[0][1] is None or \
                at.rebound_anywhere(context.tree, name, stmt.lineno):
            continue
        product, rhs = uses[0]
        rewrite = None
        use_stmt = next((s for s in context.tree.body if any(n is product for n in ast.walk(s))),
                        None)
        if stmt in context.tree.body and use_stmt is not None and not isinstance(
                use_stmt, ast.For | ast.While | ast.If | ast.With | ast.FunctionDef):
            from arrayprof.advisor.rewriting import ReplaceNode

            new = at.parse_expr(f"np.linalg.solve({at.unparse(matrix)}, {at.unparse(rhs)})")
            replaced = ReplaceNode(product, new).visit(use_stmt)
            lines = context.source.splitlines()
            first, last = stmt.lineno, use_stmt.end_lineno or use_stmt.lineno
            between = lines[(stmt.end_lineno or stmt.lineno):use_stmt.lineno - 1]
            compared = sorted(at.stored_names(use_stmt))
            if compared:
                rewrite = Rewrite(kind="equivalent", code="\n".join(
                    [*between, at.unparse(replaced)]), lines=[first, last], compared=compared)
        value = at.array_of(matrix, ns)
        size = value.shape[0] if value is not None and value.ndim == 2 else 0
        explanation = (
            f"Line {stmt.lineno} inverts {describe(value) if value is not None else 'a matrix'}"
            f" into {name}, and the cell only uses {name} to multiply "
            f"{at.unparse(rhs)} (line {product.lineno}). np.linalg.solve"  # type: ignore
            f"({at.unparse(matrix)}, {at.unparse(rhs)}) gives the same product with about 3x "
            "less arithmetic, no n x n inverse in memory and smaller rounding errors. Rule of "
            "thumb: never form inv(A) to compute inv(A) @ b.")
        found.append(finding("api-misuse", stmt.lineno,
                             f"{name} = inv(...) only feeds {name} @ ...: use np.linalg.solve",
                             explanation, rewrite=rewrite,
                             seconds_lost=report.wall_s * 0.5 if size >= 100 else 0.0))
    return found


def nan_membership(context: CellContext, node: ast.AST) -> Finding | None:
    """``np.nan in arr``: an ndarray's ``in`` is ``(arr == value).any()``, always False for
    NaN (a list would find the np.nan object itself by identity; an array never does)."""
    ns = context.namespace
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1 and
            isinstance(node.ops[0], ast.In | ast.NotIn) and nan_constant(node.left, ns)):
        return None
    other = node.comparators[0]
    if at.array_of(other, ns) is None:
        return None
    negate = isinstance(node.ops[0], ast.NotIn)
    new = at.parse_expr(("not " if negate else "") + f"np.isnan({at.unparse(other)}).any()")
    rewrite = statement_rewrite(context, node, new, kind="fix")
    if rewrite is not None:

        def check(before: dict[str, Any], after: dict[str, Any],
                  error: BaseException | None) -> str:
            values = at.try_eval(other, before)
            values = np.asarray(values) if values is not at.MISSING else np.asarray([])
            nans = int(np.count_nonzero(np.isnan(values))) if values.dtype.kind in "fc" else 0
            return (f"np.isnan finds {nans:,} NaN element(s) in {at.unparse(other)}, which "
                    f"`{'not in' if negate else 'in'}` missed (an array's `in` compares with ==, "
                    "and NaN equals nothing)")

        set_fix_check(rewrite, check)
    explanation = (
        f"Line {node.lineno} asks whether NaN is {'not ' if negate else ''}in "
        f"{at.unparse(other)}. For an array, `in` means (array == value).any(), and NaN is not "
        f"equal to anything, itself included, so the answer is always "
        f"{'True' if negate else 'False'}, NaNs or not. Rule of thumb: test for NaN with "
        "np.isnan(...).any().")
    return finding("api-misuse", node.lineno, f"`np.nan {'not in' if negate else 'in'}` an "
                   f"array is always {'True' if negate else 'False'}; use np.isnan(...).any()",
                   explanation, rewrite=rewrite, force="warning")


def nan_compare(context: CellContext, node: ast.AST) -> Finding | None:
    ns = context.namespace
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1 and
            isinstance(node.ops[0], ast.Eq | ast.NotEq | ast.Is | ast.IsNot)):
        return None
    left, right = node.left, node.comparators[0]
    if nan_constant(right, ns):
        other = left
    elif nan_constant(left, ns):
        other = right
    else:
        return None
    negate = isinstance(node.ops[0], ast.NotEq | ast.IsNot)
    new = at.parse_expr(("~" if negate else "") + f"np.isnan({at.unparse(other)})")
    rewrite = statement_rewrite(context, node, new, kind="fix")
    if rewrite is not None:

        def check(before: dict[str, Any], after: dict[str, Any],
                  error: BaseException | None) -> str:
            values = at.try_eval(other, before)
            values = np.asarray(values) if values is not at.MISSING else np.asarray([])
            nans = int(np.count_nonzero(np.isnan(values))) if values.dtype.kind in "fc" else 0
            matched = "every element" if negate else "nothing"
            return (f"np.isnan finds {nans:,} NaN element(s) in {at.unparse(other)}, which the "
                    f"comparison with NaN missed (it matched {matched}: NaN never equals "
                    "anything, itself included)")

        set_fix_check(rewrite, check)
    explanation = (
        f"Line {node.lineno} compares {at.unparse(other)} with NaN using "
        f"{'!=' if negate else '=='}. NaN is not equal to anything, itself included, so the "
        f"result is {'always True' if negate else 'always False'} and finds no NaNs. "
        "Rule of thumb: test for NaN with np.isnan.")
    return finding("api-misuse", node.lineno, "comparison with NaN is always "
                   + ("True" if negate else "False") + "; use np.isnan", explanation,
                   rewrite=rewrite, force="warning")


def legacy_call(node: ast.AST, ns: dict[str, Any]) -> str | None:
    """The function name when `node` calls NumPy's legacy global random API."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
            node.func.attr in LEGACY_RANDOM and at.resolve(node.func.value, ns) is np.random:
        return node.func.attr
    return None


# Measured on NumPy 2.x (2-core machine): per call of 10^6 draws a Generator is 1.4x (normal)
# to 10x (integers) faster than the legacy functions; for single draws it is as fast or slower.
# So the note needs draws of this size in the cell, or lines that took real time.
LEGACY_NOTE_BYTES = 8_000_000  # about 10^6 float64 draws


def legacy_random_note(report: Report, context: CellContext) -> Finding | None:
    """The legacy ``np.random.*`` API, at most once per cell, at info level, and only with a
    measured reason: its lines drew large arrays here (or took real time, when the report has
    per-line seconds).  On idiomatic code drawing a few numbers it says nothing (issue 12: the
    note was on almost every cell, claiming a speed the Generator does not have for small
    draws)."""
    assert context.tree is not None
    ns = context.namespace
    calls: dict[int, str] = {}
    for node in ast.walk(context.tree):
        name = legacy_call(node, ns)
        if name is not None and name != "seed":
            calls.setdefault(node.lineno, name)
    if not calls:
        return None
    rows = {row.lineno: row for row in report.lines if row.lineno in calls}
    drawn = sum(row.allocated_bytes for row in rows.values())
    spent = sum(getattr(row, "seconds", None) or 0.0 for row in rows.values())  # issue 11
    from arrayprof.advisor.config import CONFIG

    if drawn < LEGACY_NOTE_BYTES and spent < CONFIG.warn_seconds:
        return None
    first = min(calls)
    names = ", ".join(f"np.random.{n}" for n in dict.fromkeys(calls[k] for k in sorted(calls)))
    measured = f"they allocated {describe_bytes(drawn)}" if drawn >= LEGACY_NOTE_BYTES else \
        f"they took {seconds(spent)}"
    explanation = (
        f"Line{'s' if len(calls) > 1 else ''} {', '.join(map(str, sorted(calls)))} draw with "
        f"the legacy global RandomState API ({names}), and {measured}. At that size a "
        "Generator (rng = np.random.default_rng(seed), then rng.random, rng.normal, "
        "rng.integers, ...) draws 1.4-10x faster (measured per call of a million numbers; for "
        "a few numbers it is no faster) and keeps no hidden global state. The streams differ, "
        "so this is advice rather than a drop-in rewrite.")
    return finding("api-misuse", first, "large draws from the legacy np.random API; a "
                   "Generator is faster at this size", explanation, force="info")


def describe_bytes(n: float) -> str:
    from arrayprof.advisor.facts import nbytes

    return nbytes(n)


def counted(node: ast.AST) -> ast.expr | None:
    """E for ``len(E)``, ``E.size``, ``E.shape[0]``, ``np.size(E)``."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len" \
            and len(node.args) == 1 and not node.keywords:
        return node.args[0]
    if isinstance(node, ast.Attribute) and node.attr == "size" and isinstance(node.ctx, ast.Load):
        return node.value
    if isinstance(node, ast.Subscript) and at.const_int(node.slice) == 0 and \
            isinstance(node.value, ast.Attribute) and node.value.attr == "shape":
        return node.value.value
    return None


def matches_of(node: ast.expr, ns: dict[str, Any]) -> ast.expr | None:
    """The condition whose True elements `node` lists, for ``np.where(c)[0]``,
    ``np.nonzero(c)[0]``, ``c.nonzero()[0]``, ``np.argwhere(c)``, ``np.flatnonzero(c)`` and a
    boolean-mask selection ``x[c]`` (c with x's shape)."""
    if isinstance(node, ast.Subscript) and at.const_int(node.slice) == 0 and \
            isinstance(node.value, ast.Call):
        call = node.value
        if len(call.args) == 1 and not call.keywords and at.np_func(call.func, ns, "where",
                                                                      "nonzero"):
            return call.args[0]
        if not call.args and isinstance(call.func, ast.Attribute) and \
                call.func.attr == "nonzero" and at.array_of(call.func.value, ns) is not None:
            return call.func.value
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords and \
            at.np_func(node.func, ns, "argwhere", "flatnonzero"):
        return node.args[0]
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and \
            not isinstance(node.slice, ast.Slice | ast.Tuple):
        base = at.array_of(node.value, ns)
        mask = at.array_of(node.slice, ns)
        if base is not None and mask is not None and mask.dtype == bool and \
                mask.shape == base.shape:
            return node.slice
    return None


def count_nonzero(context: CellContext, node: ast.AST) -> Finding | None:
    """Counting matches by building them: ``len(np.where(c)[0])``, ``np.argwhere(c).shape[0]``,
    ``x[x > t].size`` ... -- np.count_nonzero(c) counts without allocating anything."""
    ns = context.namespace
    inner = counted(node)
    condition = matches_of(inner, ns) if inner is not None else None
    if condition is None:
        return None
    new = at.parse_expr(f"np.count_nonzero({at.unparse(condition)})")
    rewrite = statement_rewrite(context, node, new)
    return finding("api-misuse", node.lineno,  # type: ignore[attr-defined]
                   "counting matches by listing them: use np.count_nonzero",
                   f"Line {node.lineno} builds {at.unparse(inner)} -- every match, "  # type: ignore
                   "as indices or values -- only to take its length; np.count_nonzero"
                   f"({at.unparse(condition)}) counts without allocating it.", rewrite=rewrite)


def cancellation(context: CellContext, node: ast.AST) -> Finding | None:
    """``np.log(1 + x)`` / ``np.exp(x) - 1`` where x is so small on this data that the result
    loses digits; np.log1p / np.expm1 keep them."""
    ns = context.namespace
    small = None
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords and \
            at.np_func(node.func, ns, "log") and isinstance(node.args[0], ast.BinOp) and \
            isinstance(node.args[0].op, ast.Add):
        left, right = node.args[0].left, node.args[0].right
        if is_one(left):
            small = right
        elif is_one(right):
            small = left
        better = "log1p"
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub) and is_one(node.right) and \
            isinstance(node.left, ast.Call) and len(node.left.args) == 1 and \
            at.np_func(node.left.func, ns, "exp"):
        small = node.left.args[0]
        better = "expm1"
    if small is None:
        return None
    values = at.array_of(small, ns)
    if values is None or values.dtype.kind != "f" or not values.size:
        return None
    with np.errstate(all="ignore"):
        naive = np.log(1 + values) if better == "log1p" else np.exp(values) - 1
        exact = getattr(np, better)(values)
        scale = np.where(exact != 0, np.abs(exact), 1.0)
        error = np.abs(naive - exact) / scale
    lost = float(np.nanmax(error)) if error.size else 0.0
    if not lost > 1e-9:
        return None  # not small enough here to matter: say nothing
    new = at.parse_expr(f"np.{better}({at.unparse(small)})")
    rewrite = statement_rewrite(context, node, new, kind="fix")
    if rewrite is not None:
        target = rewrite.compared[0]

        def check(before: dict[str, Any], after: dict[str, Any],
                  error: BaseException | None) -> str:
            old, fixed = np.asarray(before.get(target)), np.asarray(after.get(target))
            if old.shape != fixed.shape or fixed.dtype.kind != "f":
                return f"np.{better} ran; {target} changed shape or dtype"
            with np.errstate(all="ignore"):
                rel = np.abs(old - fixed) / np.where(fixed != 0, np.abs(fixed), 1.0)
            return (f"np.{better} keeps full precision: the original was off by up to "
                    f"{float(np.nanmax(rel)):.1e} relative on this data")

        set_fix_check(rewrite, check)
    naive_text = f"np.log(1 + {at.unparse(small)})" if better == "log1p" else \
        f"np.exp({at.unparse(small)}) - 1"
    return finding("api-misuse", node.lineno,  # type: ignore[attr-defined]
                   f"{naive_text} loses precision for small values: use np.{better}",
                   f"Line {node.lineno} computes {naive_text}. For values this small (down to "  # type: ignore
                   f"{float(np.nanmin(np.abs(values[values != 0]))) if np.any(values) else 0:.1e}"
                   f") 1 + x rounds away most of x's digits: the results are off by up to "
                   f"{lost:.1e} relative. np.{better} computes the same function without the "
                   "cancellation.", rewrite=rewrite, force="warning")


def is_one(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value in (1, 1.0) and \
        not isinstance(node.value, bool)


def sort_for_extreme(context: CellContext, node: ast.AST) -> Finding | None:
    """``np.sort(x)[-1]`` / ``[0]``: an O(n log n) sort for a maximum or minimum."""
    ns = context.namespace
    if not (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Call) and
            at.np_func(node.value.func, ns, "sort") and len(node.value.args) == 1 and
            not node.value.keywords):
        return None
    position = at.const_int(node.slice)
    if position not in (0, -1):
        return None
    array = node.value.args[0]
    value = at.array_value(array, ns)
    if value is None or value.ndim != 1:
        return None
    new = at.parse_expr(f"np.{'max' if position == -1 else 'min'}({at.unparse(array)})")
    rewrite = statement_rewrite(context, node, new)
    return finding("api-misuse", node.lineno,
                   f"sorting to take the {'largest' if position == -1 else 'smallest'} element",
                   f"Line {node.lineno} sorts {describe(value)} (a copy, O(n log n)) to read one "
                   "end; np.max / np.min scan it once without a copy.", rewrite=rewrite)


def where_index(context: CellContext, node: ast.AST) -> Finding | None:
    """``x[np.where(c)]`` / ``x[np.nonzero(c)]``: builds the index arrays of every match to
    select what the boolean mask ``x[c]`` selects directly."""
    ns = context.namespace
    if not (isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and
            isinstance(node.slice, ast.Call) and len(node.slice.args) == 1 and
            not node.slice.keywords and at.np_func(node.slice.func, ns, "where", "nonzero")):
        return None
    base = at.array_of(node.value, ns)
    mask = at.array_of(node.slice.args[0], ns)
    if base is None or mask is None or mask.dtype != bool or mask.shape != base.shape:
        return None
    new = ast.Subscript(value=node.value, slice=node.slice.args[0], ctx=ast.Load())
    rewrite = statement_rewrite(context, node, new)
    return finding("api-misuse", node.lineno,
                   "indexing with np.where(mask): index with the mask itself",
                   f"Line {node.lineno} turns the mask {at.unparse(node.slice.args[0])} into "
                   "index arrays with np.where and then gathers through them; indexing with the "
                   "boolean mask selects the same elements in one pass, without the index "
                   "arrays.", rewrite=rewrite)


def argsort_for_extreme(context: CellContext, node: ast.AST) -> Finding | None:
    """``np.argsort(x)[-1]`` / ``[0]``: an O(n log n) sort for np.argmax / np.argmin."""
    ns = context.namespace
    if not (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Call) and
            len(node.value.args) == 1 and not node.value.keywords):
        return None
    call = node.value
    if at.np_func(call.func, ns, "argsort"):
        array = call.args[0]
    elif isinstance(call.func, ast.Attribute) and call.func.attr == "argsort" and \
            not call.args:
        array = call.func.value
    else:
        return None
    position = at.const_int(node.slice)
    value = at.array_of(array, ns)
    if position not in (0, -1) or value is None or value.ndim != 1:
        return None
    new = at.parse_expr(f"np.{'argmax' if position == -1 else 'argmin'}({at.unparse(array)})")
    rewrite = statement_rewrite(context, node, new)
    return finding("api-misuse", node.lineno,
                   f"sorting to find the {'largest' if position == -1 else 'smallest'} "
                   "element's position",
                   f"Line {node.lineno} sorts the indices of {describe(value)} (O(n log n)) to "
                   f"read one end; np.{'argmax' if position == -1 else 'argmin'} finds it in one "
                   "pass.", rewrite=rewrite)


def pinv_instead(report: Report, context: CellContext, node: ast.AST) -> Finding | None:
    """``np.linalg.pinv(A) @ b``: np.linalg.lstsq solves the least-squares problem without
    forming the pseudo-inverse (an SVD and an n x m matrix)."""
    ns = context.namespace
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult) and
            isinstance(node.left, ast.Call) and len(node.left.args) == 1 and
            not node.left.keywords and at.np_func(node.left.func, ns, "linalg.pinv")):
        return None
    matrix, rhs = node.left.args[0], node.right
    new = at.parse_expr(f"np.linalg.lstsq({at.unparse(matrix)}, {at.unparse(rhs)}, "
                        "rcond=None)[0]")
    rewrite = statement_rewrite(context, node, new)
    value = at.array_of(matrix, ns)
    return finding("api-misuse", node.lineno, "pinv(A) @ b: use np.linalg.lstsq(A, b)",
                   f"Line {node.lineno} forms the pseudo-inverse of "
                   f"{describe(value) if value is not None else 'a matrix'} only to multiply "
                   "it by one right-hand side. np.linalg.lstsq solves the same least-squares "
                   "problem directly, with less work and less memory.", rewrite=rewrite,
                   seconds_lost=report.wall_s * 0.3)


def diagonal_of_product(context: CellContext, node: ast.AST) -> Finding | None:
    """``np.diag(A @ B)`` / ``(A @ B).diagonal()`` / ``np.trace(A @ B)``: the whole n x n product
    is computed to keep n numbers (or one); np.einsum computes just those."""
    ns = context.namespace
    product = None
    kind = None
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords and \
            at.np_func(node.func, ns, "diag", "diagonal", "trace"):
        product, kind = node.args[0], ("trace" if at.np_func(node.func, ns, "trace")
                                       else "diag")
    elif isinstance(node, ast.Call) and not node.args and not node.keywords and \
            isinstance(node.func, ast.Attribute) and node.func.attr in ("diagonal", "trace"):
        product, kind = node.func.value, ("trace" if node.func.attr == "trace" else "diag")
    product = matmul_operands(product, ns)
    if product is None:
        return None
    left, right = at.array_of(product.left, ns), at.array_of(product.right, ns)
    if left is None or right is None or left.ndim != 2 or right.ndim != 2 or \
            left.shape[0] != right.shape[1] or left.shape[0] < 100:
        return None
    spec = "'ij,ji->i'" if kind == "diag" else "'ij,ji->'"
    new = at.parse_expr(f"np.einsum({spec}, {at.unparse(product.left)}, "
                        f"{at.unparse(product.right)})")
    rewrite = statement_rewrite(context, node, new)
    n = left.shape[0]
    return finding("api-misuse", node.lineno,
                   f"the full {n} x {n} product computed for its "
                   + ("diagonal" if kind == "diag" else "trace"),
                   f"Line {node.lineno} multiplies two matrices ({n:,} x {n:,} result, about "
                   f"{2 * n * n * left.shape[1]:,} operations) and keeps only "
                   + ("the diagonal" if kind == "diag" else "the trace")
                   + f". np.einsum({spec}, ...) computes just those {n:,} dot products.",
                   rewrite=rewrite)


def matmul_operands(node: ast.AST | None, ns: dict[str, Any]) -> ast.BinOp | None:
    """``A @ B`` for ``A @ B``, ``np.dot(A, B)``, ``np.matmul(A, B)`` and ``A.dot(B)``."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
        return node
    if isinstance(node, ast.Call) and not node.keywords:
        if len(node.args) == 2 and at.np_func(node.func, ns, "dot", "matmul"):
            return ast.BinOp(left=node.args[0], op=ast.MatMult(), right=node.args[1])
        if len(node.args) == 1 and isinstance(node.func, ast.Attribute) and \
                node.func.attr == "dot" and at.array_of(node.func.value, ns) is not None:
            return ast.BinOp(left=node.func.value, op=ast.MatMult(), right=node.args[0])
    return None


FEW_OF_MANY = 10_000  # elements before sorting all of them for a few is worth a word


def sorted_source(node: ast.AST, ns: dict[str, Any]) -> tuple[str, ast.expr] | None:
    """("sort" | "argsort", x) for ``np.sort(x)``, ``np.argsort(x)``, ``x.argsort()``."""
    if not (isinstance(node, ast.Call) and not node.keywords):
        return None
    if len(node.args) == 1 and at.np_func(node.func, ns, "sort", "argsort"):
        return ("argsort" if at.np_func(node.func, ns, "argsort") else "sort"), node.args[0]
    if not node.args and isinstance(node.func, ast.Attribute) and node.func.attr == "argsort" \
            and at.array_of(node.func.value, ns) is not None:
        return "argsort", node.func.value
    return None


def sorted_for_few(context: CellContext, node: ast.AST) -> Finding | None:
    """``np.argsort(z)[-n:]``, ``z.argsort()[::-1][:n]``, ``np.sort(x)[-n:]``, ``[:n]``: all
    of a big array sorted (O(N log N)) to keep n of its ends.  np.partition / np.argpartition
    find those n in O(N), and sorting just them keeps the order: issue 12 measured 7.6x on
    10^7 values.  Exact when the values have no ties (verification compares on the data)."""
    ns = context.namespace
    if not (isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and
            isinstance(node.slice, ast.Slice) and node.slice.step is None):
        return None
    inner, reverse = node.value, False
    if isinstance(inner, ast.Subscript) and isinstance(inner.slice, ast.Slice):
        step = inner.slice.step
        if inner.slice.lower is None and inner.slice.upper is None and step is not None and \
                isinstance(step, ast.UnaryOp) and at.unparse(step) == "-1":
            inner, reverse = inner.value, True
    found = sorted_source(inner, ns)
    if found is None:
        return None
    kind, source = found
    values = at.array_of(source, ns)
    if values is None or values.ndim != 1 or values.size < FEW_OF_MANY:
        return None
    lower, upper = node.slice.lower, node.slice.upper
    take = at.safe_eval(lower, ns) if lower is not None and upper is None else \
        at.safe_eval(upper, ns) if upper is not None and lower is None else None
    if not isinstance(take, int | np.integer):
        return None
    tail = (lower is not None) != reverse  # the largest values
    k = -int(take) if lower is not None else int(take)
    if not 0 < k <= values.size // 10:
        return None
    x = at.unparse(source)
    count = at.unparse(lower.operand) if isinstance(lower, ast.UnaryOp) and \
        isinstance(lower.op, ast.USub) else at.unparse(upper) if upper is not None else str(k)
    kth = f"-{count}" if tail else f"{count} - 1"
    part = f"[-{count}:]" if tail else f"[:{count}]"
    order = "[::-1]" if reverse else ""
    stmt = at.statement_at(context.tree, node.lineno) if context.tree is not None else None
    rewrite = None
    if kind == "sort":
        new = at.parse_expr(f"np.sort(np.partition({x}, {kth}){part}){order}")
        rewrite = statement_rewrite(context, node, new)
    elif isinstance(stmt, ast.Assign) and stmt.value is node and len(stmt.targets) == 1 and \
            isinstance(stmt.targets[0], ast.Name):
        t = stmt.targets[0].id
        indent = at.indent_of(context.source.splitlines()[stmt.lineno - 1])
        rewrite = Rewrite(kind="equivalent",
                          code=f"{indent}{t} = np.argpartition({x}, {kth}){part}\n"
                               f"{indent}{t} = {t}[np.argsort({x}[{t}])]{order}",
                          lines=[stmt.lineno, stmt.end_lineno or stmt.lineno], compared=[t])
    what = "values" if kind == "sort" else "positions"
    return finding(
        "api-misuse", node.lineno,
        f"all {values.size:,} elements sorted to keep the {k} "
        + ("largest" if tail else "smallest"),
        f"Line {node.lineno} sorts {describe(values)} (O(n log n), and a full-size "
        f"{'copy' if kind == 'sort' else 'index array'}) to keep the {what} of its {k} "
        f"{'largest' if tail else 'smallest'} elements. np.{'' if kind == 'sort' else 'arg'}"
        f"partition finds those {k} in one O(n) pass; sorting only them keeps the order.",
        rewrite=rewrite)


def sum_of_product(context: CellContext, node: ast.AST) -> Finding | None:
    """``(A @ B).sum()`` / ``np.sum(A @ B)``: an n x m product (n*k*m operations) for one number
    that ``A.sum(axis=0) @ B.sum(axis=1)`` gives in n*k + k*m."""
    ns = context.namespace
    product = None
    if isinstance(node, ast.Call) and not node.keywords:
        if not node.args and isinstance(node.func, ast.Attribute) and node.func.attr == "sum":
            product = matmul_operands(node.func.value, ns)
        elif len(node.args) == 1 and at.np_func(node.func, ns, "sum"):
            product = matmul_operands(node.args[0], ns)
    if product is None:
        return None
    left, right = at.array_of(product.left, ns), at.array_of(product.right, ns)
    if left is None or right is None or left.ndim != 2 or right.ndim != 2 or \
            min(left.shape[0], right.shape[1]) < 100:
        return None
    new = at.parse_expr(f"{at.unparse(product.left)}.sum(axis=0) @ "
                        f"{at.unparse(product.right)}.sum(axis=1)")
    rewrite = statement_rewrite(context, node, new)
    n, k, m = left.shape[0], left.shape[1], right.shape[1]
    return finding("api-misuse", node.lineno,
                   f"a {n:,} x {m:,} matrix product computed only to be summed",
                   f"Line {node.lineno} multiplies two matrices (about {2 * n * k * m:,} "
                   "operations and a full result) and keeps only its sum. Sum first: the sum "
                   "of A @ B is A.sum(axis=0) @ B.sum(axis=1), a dot product of two vectors.",
                   rewrite=rewrite)
