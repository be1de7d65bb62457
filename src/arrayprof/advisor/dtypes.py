"""Dtypes: dtype-upcast, dtype-overflow, object-dtype.

Overflow is only reported when it really happened or is certain: the line's expression is
re-computed on the same values with every narrow integer widened to int64 and the two results are
compared, element by element.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor import rule
from arrayprof.advisor.config import CONFIG
from arrayprof.advisor.facts import finding, nbytes, shape
from arrayprof.advisor.scopes import RETURN
from arrayprof.advisor.verify import (
    NotVerified,
    base_namespace,
    forget,
    set_fix_check,
    unsafe_call,
)
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report, Rewrite

ARITH = ("add", "subtract", "multiply", "true_divide", "divide", "power", "square", "left_shift",
         "negative", "absolute", "floor_divide")
# ufuncs that return floats for integer input (np.sqrt of int32 is float64)
FLOATING = ("sqrt", "exp", "exp2", "log", "log2", "log10", "log1p", "expm1", "sin", "cos", "tan",
            "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "cbrt", "reciprocal", "hypot",
            "arctan2")


def single_assign(context: CellContext, lineno: int) -> ast.Assign | None:
    assert context.tree is not None
    statements = at.statements_on(context.tree, lineno)
    if len(statements) == 1 and isinstance(statements[0], ast.Assign) and \
            len(statements[0].targets) == 1 and isinstance(statements[0].targets[0], ast.Name):
        return statements[0]
    return None


@rule
def dtype_upcast(report: Report, context: CellContext) -> list[Finding]:
    """A silent promotion (int8 * 1.5 -> float64) that multiplies the memory of the result."""
    found = []
    seen: set[int] = set()
    for op in report.ops:
        if op.kind not in ("ufunc", "binop", "unaryop") or op.name not in ARITH + FLOATING or \
                op.result is None or op.lineno is None or op.lineno in seen or \
                at.internal_op(op, context.tree):
            continue
        arrays = [o for o in op.operands if o.get("value", "array") == "array" and o["shape"]]
        if not arrays:
            continue
        narrow = min(np.dtype(o["dtype"]).itemsize for o in arrays)
        # a small operand broadcast over the result (img - img.mean(axis=(0, 1)), three
        # float64 means against a uint8 image) sets the dtype like a scalar, not like data
        elements = int(np.prod(op.result.get("shape") or [1]))
        full = [o for o in arrays if int(np.prod(o["shape"])) * 2 >= elements] or arrays
        widest_in = max(np.dtype(o["dtype"]).itemsize for o in full)
        small = [o for o in arrays if o not in full]
        result_dtype = np.dtype(op.result["dtype"])
        if result_dtype.itemsize < CONFIG.upcast_factor * widest_in or \
                result_dtype.kind not in "fc" or result_dtype.itemsize < 4:
            continue  # float16 from uint8 is already the narrowest float there is
        result_bytes = op.result.get("nbytes", 0)
        if result_bytes < CONFIG.silent_bytes:
            continue
        if result_dtype.kind == "c" and result_dtype.itemsize <= 2 * max(
                4, *(np.dtype(o["dtype"]).itemsize for o in arrays
                     if np.dtype(o["dtype"]).kind == "f")):
            # X + Y * 1j: the result must be complex, and complex of the float inputs' width
            # (complex64 from float32) is the narrowest there is (issue 12)
            continue
        scalar = [o for o in op.operands if o.get("value") in ("python", "scalar")]
        strong = [o for o in scalar if o.get("value") == "scalar"]
        if result_dtype == np.float32 and any(np.dtype(o["dtype"]) == result_dtype
                                              for o in strong):
            # uint8 * np.float32(1.5): the float32 was chosen on purpose, and it is the
            # narrowest float NumPy computes in that holds the integers exactly
            continue
        seen.add(op.lineno)
        source = next(o for o in arrays if np.dtype(o["dtype"]).itemsize == narrow)
        wide_small = [o for o in small if np.dtype(o["dtype"]).itemsize > widest_in]
        if wide_small and not scalar:
            cause = (f"a small {shape(wide_small[0]['shape'])} {wide_small[0]['dtype']} array "
                     "broadcast over it (a few values, but their dtype sets the result's)")
        elif strong:
            cause = (f"a NumPy {strong[0]['dtype']} scalar (a strong type: since NEP 50, NumPy "
                     "2, a NumPy scalar sets the result dtype as an array would, where a Python "
                     "float would follow the array)")
        elif scalar:
            cause = ("a Python float (weak, but an integer array has no float precision to "
                     "keep, so NumPy computes in float64)")
        else:
            cause = "a wider array operand"
        wasted = max(0, result_bytes - result_bytes * 4 // result_dtype.itemsize)
        rewrite = upcast_rewrite(context, op.lineno) if result_bytes > CONFIG.warn_bytes and \
            scalar and result_dtype.itemsize > 4 else None
        advice = (" If float32 precision (7 digits) is enough, a float32 scalar keeps the result "
                  f"at {nbytes(result_bytes * 4 // result_dtype.itemsize)}."
                  if result_dtype.itemsize > 4 and scalar else
                  " If float32 precision (7 digits) is enough, cast the wider operand to "
                  f"float32 and the result takes {nbytes(result_bytes * 4 // result_dtype.itemsize)}."
                  if result_dtype.itemsize > 4 else "")
        explanation = (
            f"Line {op.lineno} combines a {shape(source['shape'])} {source['dtype']} array "
            f"({nbytes(source.get('nbytes', 0))}) with {cause} in {op.name}, and NumPy promotes "
            f"the result to {result_dtype} ({nbytes(result_bytes)}, "
            f"{result_dtype.itemsize // narrow}x the input).{advice}"
            " Rule of thumb: the widest operand sets the result dtype; choose it on purpose.")
        found.append(finding("dtype-upcast", op.lineno,
                             f"{source['dtype']} promoted to {result_dtype}: result "
                             f"{nbytes(result_bytes)}", explanation, rewrite=rewrite,
                             bytes_wasted=wasted))
    return found


class Float32Scalars(ast.NodeTransformer):
    """Make the float scalars of a statement float32: float literals, names bound to Python or
    NumPy float scalars, and an integer literal divisor (``img / 255`` promotes to float64 just
    the same)."""

    def __init__(self, ns: dict[str, Any]) -> None:
        self.ns = ns
        self.count = 0

    def wrap(self, node: ast.expr) -> ast.expr:
        self.count += 1
        return at.parse_expr(f"np.float32({at.unparse(node)})")

    def visit_Constant(self, node: ast.Constant) -> Any:
        if isinstance(node.value, float):
            return self.wrap(node)
        return node

    def visit_Name(self, node: ast.Name) -> Any:
        value = self.ns.get(node.id)
        if isinstance(node.ctx, ast.Load) and isinstance(value, float | np.floating) and \
                not isinstance(value, np.float32 | np.float16):
            return self.wrap(node)
        return node

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        if isinstance(node.op, ast.Div) and isinstance(node.right, ast.Constant) and \
                isinstance(node.right.value, int) and not isinstance(node.right.value, bool):
            node.left = self.visit(node.left)
            node.right = self.wrap(node.right)
            return node
        return self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> Any:
        if at.np_func(node.func, self.ns, "float32"):
            return node  # already float32
        if at.np_func(node.func, self.ns, "float64", "double") and len(node.args) == 1 and \
                not node.keywords:
            return self.wrap(node.args[0])  # np.float64(1.5) -> np.float32(1.5), never nested
        return self.generic_visit(node)


def upcast_rewrite(context: CellContext, lineno: int) -> Rewrite | None:
    assert context.tree is not None
    stmt = at.statement_at(context.tree, lineno)
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and \
            isinstance(stmt.targets[0], ast.Name):
        target = stmt.targets[0].id
    elif isinstance(stmt, ast.Return) and stmt.value is not None:
        target = RETURN
    else:
        return None
    transformer = Float32Scalars(context.namespace)
    new = transformer.visit(ast.parse(at.unparse(stmt)).body[0])
    if not transformer.count:
        return None
    indent = at.indent_of(context.source.splitlines()[stmt.lineno - 1])
    rewrite = Rewrite(kind="fix", code=at.reindent(at.unparse(new), indent),
                      lines=[stmt.lineno, stmt.end_lineno or stmt.lineno], compared=[target])
    shown = "the result" if target == RETURN else target

    def check(before: dict[str, Any], after: dict[str, Any], error: BaseException | None) -> str:
        old, fixed = before.get(target), after.get(target)
        if isinstance(old, list | tuple) and isinstance(fixed, list | tuple) and old and \
                len(old) == len(fixed) and all(isinstance(v, np.ndarray) for v in (*old, *fixed)):
            old, fixed = np.stack(old), np.stack(fixed)  # a list of arrays, one per item
        if not isinstance(old, np.ndarray) or not isinstance(fixed, np.ndarray):
            return "the fix ran, but the results are not arrays"
        if fixed.dtype.itemsize >= old.dtype.itemsize:
            return f"the fix still gives {fixed.dtype}"
        scale = float(np.abs(old).max()) or 1.0
        worst = float(np.abs(old - fixed).max()) / scale
        return (f"{shown} is now {fixed.dtype} ({nbytes(fixed.nbytes)} instead of "
                f"{nbytes(old.nbytes)}); it matches the {old.dtype} result within {worst:.1e} "
                "relative (float32 precision)")

    set_fix_check(rewrite, check)
    return rewrite


# -- overflow ------------------------------------------------------------------------------------
NARROW = ("int8", "int16", "int32", "uint8", "uint16", "uint32")


def is_narrow(value: Any) -> bool:
    return isinstance(value, np.ndarray | np.integer) and value.dtype.name in NARROW


def widen(value: Any) -> Any:
    return value.astype(np.int64) if is_narrow(value) else value


class Widen(ast.NodeTransformer):
    """Wrap every narrow-integer name and every call that may build one in ``__widen(...)``."""

    def __init__(self, ns: dict[str, Any]) -> None:
        self.ns = ns

    def wrap(self, node: ast.expr) -> ast.expr:
        return ast.Call(func=ast.Name(id="__widen", ctx=ast.Load()), args=[node], keywords=[])

    def visit_Name(self, node: ast.Name) -> Any:
        return self.wrap(node) if is_narrow(self.ns.get(node.id)) else node

    def visit_Call(self, node: ast.Call) -> Any:
        self.generic_visit(node)
        for keyword in node.keywords:
            if keyword.arg == "dtype" and narrow_dtype(keyword.value, self.ns):
                keyword.value = at.parse_expr("np.int64")  # np.cumsum(x, dtype=np.int16)
        return self.wrap(node)

    def visit_Subscript(self, node: ast.Subscript) -> Any:
        self.generic_visit(node)
        return self.wrap(node)


def narrow_dtype(node: ast.AST, ns: dict[str, Any]) -> bool:
    """Whether a ``dtype=`` argument names one of the NARROW integer types."""
    from arrayprof.advisor.rewriting import dtype_of

    dtype = dtype_of(node, ns)
    return dtype is not None and dtype.name in NARROW


def smallest_holding(low: int, high: int, unsigned: bool) -> np.dtype:
    kinds = ("uint8", "uint16", "uint32", "uint64") if unsigned and low >= 0 else \
        ("int8", "int16", "int32", "int64")
    for name in kinds:
        info = np.iinfo(name)
        if info.min <= low and high <= info.max:
            return np.dtype(name)
    return np.dtype("int64")


@rule
def dtype_overflow(report: Report, context: CellContext) -> list[Finding]:
    """Integer arithmetic in a narrow dtype whose results wrapped around (checked on the data)."""
    assert context.tree is not None
    found = []
    lines = sorted({op.lineno for op in report.ops if op.lineno and op.result and (
        (op.kind in ("ufunc", "binop") and op.name in ARITH) or
        (op.kind in ("accumulate", "reduce") and op.name.split(".")[0] in ("add", "multiply")))
        and np.dtype(op.result["dtype"]).name in NARROW})
    for stmt, expr, target in overflow_statements(context, lines):
        if any(k.arg == "out" for n in ast.walk(expr) if isinstance(n, ast.Call)
               for k in n.keywords):
            continue
        checked = wraparound(context, stmt, expr)
        if checked is None:
            continue
        original, widened, wrapped, ns = checked
        if wrapped == 0:
            continue
        found.append(overflow_finding(context, stmt, expr, target, original, widened, wrapped,
                                      ns))
    return found


def overflow_statements(context: CellContext, lines: list[int]) -> Iterator[tuple[ast.stmt, ast.expr, str]]:
    """overflow_statement for each of `lines` outside loops, each statement once."""
    done: set[int] = set()
    for lineno in lines:
        if at.enclosing_loops(context.tree, lineno):
            continue
        spec = overflow_statement(context, lineno)
        if spec is None or spec[0].lineno in done:
            continue
        done.add(spec[0].lineno)
        yield spec


def overflow_statement(context: CellContext, lineno: int,
                       ) -> tuple[ast.stmt, ast.expr, str] | None:
    """(statement, the integer expression it computes, the name its result goes to) for
    ``y = <expr>``, ``y += <expr>`` (computing ``y + <expr>``) and ``return <expr>`` (the result
    is the function's return value)."""
    assert context.tree is not None
    stmt = at.statement_at(context.tree, lineno)
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and \
            isinstance(stmt.targets[0], ast.Name):
        return stmt, stmt.value, stmt.targets[0].id
    if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name) and \
            isinstance(stmt.op, ast.Add | ast.Sub | ast.Mult | ast.LShift | ast.FloorDiv
                       | ast.Pow):
        expr = ast.BinOp(left=ast.Name(id=stmt.target.id, ctx=ast.Load()), op=stmt.op,
                         right=stmt.value)
        return stmt, at.fix_missing_locations(ast.copy_location(expr, stmt)), stmt.target.id
    if isinstance(stmt, ast.Return) and stmt.value is not None:
        return stmt, stmt.value, RETURN
    return None


def values_before(context: CellContext, stmt: ast.stmt) -> dict[str, Any] | None:
    """The names `stmt` reads, as they were when it ran (None when that cannot be known)."""
    assert context.tree is not None
    index, _, _ = at.top_level_span(context.tree, stmt.lineno, stmt.lineno)
    needed = at.loaded_names(stmt)
    if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
        needed.add(stmt.target.id)  # x += 1 reads x
    later = at.changed_names(context.tree.body[index:])
    if not (needed & later) or context.inputs is None:
        ns = {n: context.namespace[n] for n in needed if n in context.namespace}
        if needed & later:
            return None
        return ns
    try:
        return base_namespace(context, index, needed)
    except NotVerified:
        return None


def wraparound(context: CellContext, stmt: ast.stmt, expr: ast.expr,
               ) -> tuple[np.ndarray, np.ndarray, int, dict[str, Any]] | None:
    ns = values_before(context, stmt)
    if ns is None:
        return None
    ns = {**{"np": np}, **ns}
    if unsafe_call(expr, {**context.namespace, **ns}):
        return None
    size = sum(v.nbytes for v in ns.values() if isinstance(v, np.ndarray))
    if size * 8 > CONFIG.overflow_check_bytes:
        return None
    widened_expr = at.fix_missing_locations(ast.Expression(body=Widen(ns).visit(
        ast.parse(at.unparse(expr), mode="eval").body)))
    try:
        with np.errstate(all="ignore"):
            original = eval(compile(ast.Expression(body=at.copy_node(expr)), "<overflow>",
                                    "eval"), dict(ns))
            widened = eval(compile(widened_expr, "<overflow>", "eval"),
                           {**ns, "__widen": widen})
    except Exception:
        return None
    original, widened = np.asarray(original), np.asarray(widened)
    if original.shape != widened.shape or original.dtype.kind not in "iu":
        return None
    wrapped = int(np.count_nonzero(original.astype(np.int64) != widened))
    return original, widened, wrapped, ns


def culprit(expr: ast.expr, ns: dict[str, Any]) -> tuple[ast.expr, np.ndarray, np.ndarray] | None:
    """The innermost narrow-integer sub-expression that wraps around, with its values as
    computed and as computed in int64: in ``(w8 * x8).astype(np.int32).sum()`` the int8
    product is what overflows, not the int64 sum it feeds."""
    best = None
    for node in ast.walk(expr):
        if not isinstance(node, ast.BinOp | ast.Call | ast.UnaryOp) or node is expr:
            continue
        try:
            with np.errstate(all="ignore"):
                plain = np.asarray(eval(compile(ast.Expression(body=at.copy_node(node)),
                                                "<overflow>", "eval"), dict(ns)))
                wide = np.asarray(eval(compile(at.fix_missing_locations(ast.Expression(
                    body=Widen(ns).visit(at.copy_node(node)))), "<overflow>", "eval"),
                    {**ns, "__widen": widen}))
        except Exception:
            continue
        if plain.dtype.name not in NARROW or plain.shape != wide.shape:
            continue
        if np.array_equal(plain.astype(np.int64), wide):
            continue
        if best is None or any(n is node for n in ast.walk(best[0])):
            best = (node, plain, wide)  # deeper than the one found so far
    return best


def overflow_finding(context: CellContext, stmt: ast.stmt, expr: ast.expr, target: str,
                     original: np.ndarray, widened: np.ndarray, wrapped: int,
                     ns: dict[str, Any]) -> Finding:
    lineno = stmt.lineno
    whole = (original, widened)
    inner = culprit(expr, ns) if original.dtype.name not in NARROW else None
    if inner is not None:
        # say what wrapped where it wrapped; the fix is checked against the whole statement
        focus, original, widened = inner
        wrapped = int(np.count_nonzero(original.astype(np.int64) != widened))
    else:
        focus = expr
    position = int(np.flatnonzero(original.ravel().astype(np.int64) != widened.ravel())[0])
    example = f"{widened.ravel()[position]} became {original.ravel()[position]}"
    dtype = original.dtype
    if widened.dtype.kind in "iu":
        low, high = int(widened.min()), int(widened.max())
        wide = smallest_holding(low, high, dtype.kind == "u")
    else:
        wide = np.dtype("float64")
    rewrite = None
    ladder = [np.dtype(n) for n in (("uint16", "uint32", "int64") if dtype.kind == "u" and
                                    widened.min() >= 0 else ("int16", "int32", "int64"))]
    for candidate in [d for d in ladder if d.itemsize > dtype.itemsize]:
        attempt = overflow_rewrite(context, stmt, expr, candidate, target, whole[1], ns, focus)
        if attempt is None:
            break
        try:
            with np.errstate(all="ignore"):
                fixed_expr = ast.Expression(body=ast.parse(attempt.code.strip()).body[0].value)
                value = np.asarray(eval(compile(fixed_expr, "<fix>", "eval"), dict(ns)))
        except Exception:
            continue
        if value.shape == whole[1].shape and np.array_equal(value, whole[1]):
            rewrite, wide = attempt, candidate
            break
        forget(attempt)
    info = np.iinfo(dtype)
    where = f" ({at.unparse(focus)})" if focus is not expr else ""
    explanation = (
        f"Line {lineno} computes{where} in {dtype}, which holds {info.min}..{info.max}. On this "
        f"data {wrapped:,} of {original.size:,} results wrapped around ({example}): NumPy integer "
        f"arithmetic never warns, it silently keeps the low bits. Recomputed in a wider dtype the "
        f"results need {wide}. Rule of thumb: widen (astype) before arithmetic that can leave "
        "the input's range.")
    return finding("dtype-overflow", lineno,
                   f"{dtype} arithmetic wrapped around in {wrapped:,} elements", explanation,
                   rewrite=rewrite, force="warning")


def overflow_rewrite(context: CellContext, stmt: ast.stmt, expr: ast.expr, wide: np.dtype,
                     target: str, widened: np.ndarray, values: dict[str, Any],
                     focus: ast.expr | None = None) -> Rewrite | None:
    """Widen the first narrow array the expression (or its wrapping part, `focus`) reads
    (``a.astype(np.int16) - b``); an augmented assignment becomes a plain one, since
    ``x += ...`` cannot change x's dtype."""
    ns = {**context.namespace, **values}
    from arrayprof.advisor.rewriting import ReplaceNode

    keyword = next((k for n in ast.walk(expr) if isinstance(n, ast.Call) for k in n.keywords
                    if k.arg == "dtype" and narrow_dtype(k.value, ns)), None)
    names = [n for n in ast.walk(focus if focus is not None else expr) if isinstance(
        n, ast.Name) and isinstance(ns.get(n.id), np.ndarray) and ns[n.id].dtype.name in NARROW]
    if keyword is not None:
        # the narrow type is asked for explicitly (np.cumsum(x, dtype=np.int16)): widen that
        first: ast.AST = keyword.value
        widened_name = at.parse_expr(f"np.{wide.name}")
    elif names:
        first = min(names, key=lambda n: (n.lineno, n.col_offset))
        widened_name = at.parse_expr(f"{first.id}.astype(np.{wide.name})")  # type: ignore
    else:
        return None
    if isinstance(stmt, ast.AugAssign):
        new: ast.AST = ast.Assign(targets=[ast.Name(id=target, ctx=ast.Store())],
                                  value=ReplaceNode(first, widened_name).visit(expr), lineno=0)
    else:
        new = ReplaceNode(first, widened_name).visit(stmt)
    indent = at.indent_of(context.source.splitlines()[stmt.lineno - 1])
    rewrite = Rewrite(kind="fix", code=at.reindent(at.unparse(new), indent),
                      lines=[stmt.lineno, stmt.end_lineno or stmt.lineno], compared=[target])
    shown = "the result" if target == RETURN else target

    def check(before: dict[str, Any], after: dict[str, Any], error: BaseException | None) -> str:
        fixed = after.get(target)
        if not isinstance(fixed, np.ndarray | np.generic | int):
            return "the fix ran, but gave no numbers"
        fixed = np.asarray(fixed)
        same = fixed.shape == widened.shape and bool(np.array_equal(fixed.astype(np.int64)
                                                                    if fixed.dtype.kind in "iu"
                                                                    else fixed, widened))
        old = before.get(target)
        old = np.asarray(old) if isinstance(old, np.ndarray | np.generic | int) else None
        wrapped = int(np.count_nonzero(old.astype(np.int64) != widened)) if \
            old is not None and old.shape == widened.shape else 0
        if same:
            return (f"no wraparound: {shown} ({fixed.dtype}) equals the computation in int64; "
                    f"the original wrapped {wrapped:,} of {widened.size:,} elements")
        return f"the fix still differs from the computation in int64 ({fixed.dtype})"

    set_fix_check(rewrite, check)
    return rewrite


@rule
def narrowing_cast(report: Report, context: CellContext) -> list[Finding]:
    """``x.astype(np.int16)`` (or ``np.array(x, dtype=...)``) of values the narrower integer
    type cannot hold: the cast wraps them around silently (float to int too; float64 to float16
    overflows to inf)."""
    assert context.tree is not None
    ns = context.namespace
    found = []
    for node in at.walk_no_defs(context.tree):
        spec = cast_of(node, ns)
        if spec is None:
            continue
        source, dtype = spec
        values = at.array_of(source, ns)
        if values is None or values.size == 0 or values.dtype.kind not in "iuf":
            continue
        bad, wide = out_of_range(values, dtype)
        if bad == 0:
            continue
        stmt = at.statement_at(context.tree, node.lineno)  # type: ignore[attr-defined]
        lineno = stmt.lineno if stmt is not None else node.lineno  # type: ignore[attr-defined]
        nonfinite = int(values.size - np.count_nonzero(np.isfinite(values))) \
            if values.dtype.kind == "f" and dtype.kind in "iu" else 0
        if nonfinite:
            found.append(nonfinite_cast(lineno, source, values, dtype, nonfinite))
            continue
        rewrite = cast_rewrite(context, stmt, node, source, dtype, wide, values)
        low, high = values.min(), values.max()
        explanation = (
            f"Line {lineno} casts {at.unparse(source)} ({values.dtype}, values {low}..{high}) to "
            f"{dtype}, which holds {range_words(dtype)}: {bad:,} of {values.size:,} values do "
            "not fit and are silently "
            + ("turned into inf" if dtype.kind == "f" else "wrapped around (only the low bits "
               "are kept)")
            + f". {wide} holds them all. Rule of thumb: check the range (x.min(), x.max()) "
            "before casting to a narrower type.")
        found.append(finding("dtype-overflow", lineno,
                             f"casting to {dtype} loses {bad:,} values that do not fit",
                             explanation, rewrite=rewrite, force="warning"))
    return found


def nonfinite_cast(lineno: int, source: ast.expr, values: np.ndarray, dtype: np.dtype,
                   nonfinite: int) -> Finding:
    """NaN or inf cast to an integer type: no integer type holds them, so no wider dtype is a
    fix (issue 12: ``np.array([np.nan]).astype(int)`` was called a wrap-around int8 would fix).
    NumPy gives an arbitrary integer (typically the type's minimum) and, since 2.0, a warning."""
    explanation = (
        f"Line {lineno} casts {at.unparse(source)} ({values.dtype}) to {dtype}, but "
        f"{nonfinite:,} of its {values.size:,} values are NaN or infinite. No integer type "
        "holds them: the cast gives an arbitrary integer (typically the type's minimum), not a "
        "wrap-around a wider type would avoid. Deal with them first: keep a float array, "
        "replace them on purpose (np.nan_to_num(x, nan=...) or np.where(np.isfinite(x), x, "
        "fill)), or cast only x[np.isfinite(x)].")
    return finding("dtype-overflow", lineno,
                   f"casting NaN or inf to {dtype} gives arbitrary integers", explanation,
                   force="warning")


def cast_of(node: ast.AST, ns: dict[str, Any]) -> tuple[ast.expr, np.dtype] | None:
    """(the cast expression, the target dtype) for ``x.astype(D)``, ``np.array(x, dtype=D)``,
    ``np.asarray(x, dtype=D)``, ``D(x)`` with D a NumPy scalar type (np.int16(x))."""
    if not isinstance(node, ast.Call):
        return None
    dtype_node = None
    source = None
    keywords = {k.arg: k.value for k in node.keywords}
    if isinstance(node.func, ast.Attribute) and node.func.attr == "astype" and node.args and \
            not isinstance(at.resolve(node.func.value, ns), type(np)):
        source, dtype_node = node.func.value, node.args[0]
    elif at.np_func(node.func, ns, "array", "asarray") and node.args and "dtype" in keywords:
        source, dtype_node = node.args[0], keywords["dtype"]
    if source is None or dtype_node is None:
        return None
    from arrayprof.advisor.rewriting import dtype_of

    dtype = dtype_of(dtype_node, ns)
    if dtype is None or not (dtype.kind in "iu" or dtype == np.float16):
        return None
    return source, dtype


def out_of_range(values: np.ndarray, dtype: np.dtype) -> tuple[int, np.dtype]:
    """(how many values the cast cannot hold, the narrowest dtype of the same kind that can)."""
    with np.errstate(all="ignore"):
        if dtype.kind == "f":
            finite = np.isfinite(values)
            bad = int(np.count_nonzero(finite & (np.abs(values) > np.finfo(dtype).max)))
            return bad, np.dtype(np.float32)
        info = np.iinfo(dtype)
        data = values[np.isfinite(values)] if values.dtype.kind == "f" else values
        bad = int(np.count_nonzero((data < info.min) | (data > info.max)))
        if values.dtype.kind == "f":
            bad += int(values.size - data.size)  # NaN and inf have no integer value
        low, high = (int(data.min()), int(data.max())) if data.size else (0, 0)
        return bad, smallest_holding(low, high, dtype.kind == "u")


def range_words(dtype: np.dtype) -> str:
    if dtype.kind == "f":
        return f"magnitudes up to {np.finfo(dtype).max:g}"
    info = np.iinfo(dtype)
    return f"{info.min}..{info.max}"


def cast_rewrite(context: CellContext, stmt: ast.stmt | None, node: ast.AST,
                 source: ast.expr, dtype: np.dtype, wide: np.dtype,
                 values: np.ndarray) -> Rewrite | None:
    """The same cast to the narrowest type that holds every value (a fix: the dtype changes)."""
    if stmt is None:
        return None
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and \
            isinstance(stmt.targets[0], ast.Name):
        target = stmt.targets[0].id
    elif isinstance(stmt, ast.Return):
        target = RETURN
    else:
        return None
    from arrayprof.advisor.rewriting import ReplaceNode

    assert isinstance(node, ast.Call)
    if isinstance(node.func, ast.Attribute) and node.func.attr == "astype":
        new: ast.expr = ast.Call(func=node.func, args=[at.parse_expr(f"np.{wide.name}"),
                                                       *node.args[1:]], keywords=node.keywords)
    else:
        new = ast.Call(func=node.func, args=node.args, keywords=[
            ast.keyword(arg=k.arg, value=at.parse_expr(f"np.{wide.name}")) if k.arg == "dtype"
            else k for k in node.keywords])
    indent = at.indent_of(context.source.splitlines()[stmt.lineno - 1])
    rewrite = Rewrite(kind="fix", code=at.reindent(at.unparse(ReplaceNode(node, new).visit(stmt)),
                                                   indent),
                      lines=[stmt.lineno, stmt.end_lineno or stmt.lineno], compared=[target])
    shown = "the result" if target == RETURN else target

    def check(before: dict[str, Any], after: dict[str, Any], error: BaseException | None) -> str:
        fixed, old = after.get(target), before.get(target)
        if not isinstance(fixed, np.ndarray):
            return "the fix ran, but gave no array"
        exact = fixed.shape == values.shape and bool(np.array_equal(fixed, values))
        changed = int(np.count_nonzero(np.asarray(old) != values)) if isinstance(
            old, np.ndarray) and old.shape == values.shape else -1
        if exact:
            return (f"no wraparound: {shown} ({fixed.dtype}) keeps every value exactly; the "
                    f"{dtype} cast changed {changed:,} of {values.size:,}")
        return f"the fix still changes values ({fixed.dtype})"

    set_fix_check(rewrite, check)
    return rewrite


# -- object arrays -------------------------------------------------------------------------------
INT64 = np.iinfo(np.int64)

def numeric_kind(array: np.ndarray) -> str | None:
    """'int', 'float' or 'complex' when every (sampled) element is a number, else None.

    Every element up to a million is looked at (a strided sample can step over every None of
    a pattern like ``[1.5, None, 3.0] * n``); beyond that a random sample.  Types are collected
    in one pass; Python ints are then checked to fit int64 (beyond it, object is right)."""
    flat = array.ravel()
    sample = flat if flat.size <= 1_000_000 else flat[np.random.default_rng(0).integers(
        0, flat.size, 200_000)]
    kinds = set()
    for kind_of in set(map(type, sample)):
        if issubclass(kind_of, bool | np.bool_):
            kinds.add("bool")
        elif issubclass(kind_of, int | np.integer):
            kinds.add("int")
        elif issubclass(kind_of, float | np.floating):
            kinds.add("float")
        elif issubclass(kind_of, complex | np.complexfloating):
            kinds.add("complex")
        else:
            return None
    if not kinds:
        return None
    if kinds <= {"int", "bool"}:
        try:
            sample.astype(np.int64)
        except (OverflowError, TypeError, ValueError):
            return None  # beyond int64: object (Python ints) is the right choice
    for kind in ("complex", "float", "int"):
        if kind in kinds:
            return kind
    return "int"


def numbers_with_none(array: np.ndarray) -> bool:
    """Every element a number or None, with both present: numbers with gaps marked None."""
    flat = array.ravel()
    sample = flat if flat.size <= 1_000_000 else flat[np.random.default_rng(0).integers(
        0, flat.size, 200_000)]
    kinds = set(map(type, sample))
    if type(None) not in kinds or len(kinds) < 2:
        return False
    return all(k is type(None) or (issubclass(k, int | float | np.integer | np.floating) and
                                   not issubclass(k, bool | np.bool_)) for k in kinds)


@rule
def object_dtype(report: Report, context: CellContext) -> list[Finding]:
    """Object arrays that hold only numbers: every element is a boxed Python object."""
    assert context.tree is not None
    ns = context.namespace
    found = []
    candidates: dict[str, int | None] = {a.name: a.lineno for a in report.arrays
                                         if a.dtype == "object"}
    for name in at.loaded_names(context.tree):
        value = ns.get(name)
        if isinstance(value, np.ndarray) and value.dtype == object and name not in candidates:
            candidates[name] = None
    numeric = {name for name in candidates if isinstance(ns.get(name), np.ndarray) and
               ns[name].size and numeric_kind(ns[name]) is not None}
    gappy = gappy_sources(report, context, candidates, numeric)
    found.extend(gappy.values())
    sources = numeric | set(gappy)
    for name, lineno in candidates.items():
        if name not in numeric:
            continue
        value = ns[name]
        kind = numeric_kind(value)
        if kind is None:
            continue
        bindings = at.binding_lines(context.tree, name)
        inside = lineno is not None and any(
            isinstance(f, ast.FunctionDef | ast.Lambda) and
            f.lineno < lineno <= (f.end_lineno or f.lineno) for f in ast.walk(context.tree))
        if bindings and lineno is not None and not inside:
            # the statement that bound the name (a later ``x[:] = ...`` only fills it); a
            # function of the cell that made the array keeps its own line, where it was made
            lineno = max([b for b in bindings if b <= lineno] or bindings[:1])
        stmt = at.statement_at(context.tree, lineno) if lineno else None
        made = made_in_function(report, context, stmt)
        if made is not None:
            lineno, stmt = made, at.statement_at(context.tree, made)
        if stmt is not None and (at.loaded_names(stmt) & (sources - {name})):
            continue  # derived from another object array of numbers: that one is the cause
        if lineno is None:
            uses = [n.lineno for n in ast.walk(context.tree) if isinstance(n, ast.Name) and
                    n.id == name]
            lineno = min(uses) if uses else None
        if lineno is None:
            continue
        rewrite = object_rewrite(context, name, lineno, kind)
        dtype = {"int": "int64", "float": "float64", "complex": "complex128"}[kind]
        ops = [op for op in report.ops if any(o.get("dtype") == "object" for o in op.operands)]
        seconds_lost = report.wall_s * 0.8 if ops else 0.0
        explanation = (
            f"{name} is a {shape(value.shape)} array of dtype object holding only numbers: each "
            f"element is a separate Python object ({nbytes(value.nbytes)} of pointers plus the "
            "objects themselves), and every operation on it runs in the interpreter, element by "
            f"element. As {dtype} it would be one compact buffer and use compiled loops. Rule of "
            "thumb: dtype=object is for mixed or non-numeric data only.")
        found.append(finding("object-dtype", lineno,
                             f"{name} is an object array of numbers; use {dtype}", explanation,
                             rewrite=rewrite, seconds_lost=seconds_lost,
                             bytes_wasted=value.size * 24))
    return found


def made_in_function(report: Report, context: CellContext, stmt: ast.stmt | None) -> int | None:
    """For ``arr = load(vals)`` where ``load`` is a function of the cell with one ``return``
    that allocated (``return np.array(v, dtype=object)``): that return's line, where the array
    was made."""
    assert context.tree is not None
    if not (isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call) and
            isinstance(stmt.value.func, ast.Name)):
        return None
    funcs = [f for f in context.tree.body if isinstance(f, ast.FunctionDef) and
             f.name == stmt.value.func.id]
    if len(funcs) != 1:
        return None
    returns = [n for n in ast.walk(funcs[0]) if isinstance(n, ast.Return) and n.value is not None]
    if len(returns) != 1:
        return None
    line = report.line(returns[0].lineno)
    return returns[0].lineno if line is not None and line.allocations else None


def binding_statement(context: CellContext, name: str, lineno: int | None) -> ast.stmt | None:
    assert context.tree is not None
    bindings = at.binding_lines(context.tree, name)
    if not bindings:
        return None
    if lineno is not None:
        lineno = max([b for b in bindings if b <= lineno] or bindings[:1])
    else:
        lineno = bindings[0]
    return at.statement_at(context.tree, lineno)


def gappy_sources(report: Report, context: CellContext, candidates: dict[str, int | None],
                  numeric: set[str]) -> dict[str, Finding]:
    """An object array of numbers with None for the gaps (``np.array([1.5, None, ...])``) that
    the cell then treats as numbers: it makes an object array of numbers from it (by dropping
    the Nones).  As float64 the Nones would be NaN and everything after it compiled.  The
    finding goes to the line that made the gappy array; the derived one is not reported again
    (its statement loads this one)."""
    ns = context.namespace
    out: dict[str, Finding] = {}
    for name, lineno in candidates.items():
        value = ns.get(name)
        if name in numeric or not isinstance(value, np.ndarray) or not value.size or \
                not numbers_with_none(value):
            continue
        users = [n for n in numeric if n != name and
                 (stmt := binding_statement(context, n, candidates.get(n))) is not None and
                 name in at.loaded_names(stmt)]
        stmt = binding_statement(context, name, lineno)
        if not users or stmt is None:
            continue
        gaps = int(sum(v is None for v in value.ravel()))
        out[name] = finding(
            "object-dtype", stmt.lineno,
            f"{name} is an object array of numbers with None gaps; use float64 with NaN",
            f"{name} is a {shape(value.shape)} array of dtype object: {value.size - gaps:,} "
            f"numbers and {gaps:,} None, each a separate Python object, and the cell then "
            f"treats it as numbers ({', '.join(sorted(users))}). Made with dtype=float the Nones "
            "become NaN, the array is one compact buffer and np.isnan / np.nanmean / masks run "
            "compiled. Rule of thumb: missing numbers are NaN, not None.",
            seconds_lost=report.wall_s * 0.5, bytes_wasted=value.size * 24)
    return out


def object_rewrite(context: CellContext, name: str, lineno: int, kind: str) -> Rewrite | None:
    assert context.tree is not None
    stmt = single_assign(context, lineno)
    if stmt is None or stmt.targets[0].id != name:  # type: ignore[attr-defined]
        return None
    call = stmt.value
    if not isinstance(call, ast.Call):
        return None
    dtype_kw = [k for k in call.keywords if k.arg == "dtype"]
    if len(dtype_kw) != 1 or at.unparse(dtype_kw[0].value) not in ("object", "np.object_", "'O'",
                                                                    '"O"', "'object'"):
        return None
    new_kw = ast.keyword(arg="dtype", value=ast.Name(id={"int": "np.int64", "float": "float",
                                                         "complex": "complex"}[kind],
                                                     ctx=ast.Load()))
    from arrayprof.advisor.rewriting import ReplaceNode

    new = ReplaceNode(dtype_kw[0], new_kw).visit(stmt)
    users = [s for s in context.tree.body if s.lineno > lineno and name in at.loaded_names(s)]
    compared = sorted({n for s in users for n in at.stored_names(s)} - {name})
    lines = context.source.splitlines()
    last = max([lineno, *[(s.end_lineno or s.lineno) for s in users]])
    code = "\n".join([at.reindent(at.unparse(new), at.indent_of(lines[lineno - 1])),
                      *lines[(stmt.end_lineno or lineno):last]])
    return Rewrite(kind="equivalent", code=code, lines=[lineno, last],
                   compared=compared or [name])


# -- float16 accumulation ------------------------------------------------------------------------
HALF_OPS = ("add.reduce", "add.accumulate", "multiply.reduce", "multiply.accumulate")


def as_wide(value: Any) -> Any:
    if isinstance(value, np.ndarray) and value.dtype == np.float16:
        return value.astype(np.float64)
    if isinstance(value, np.float16):
        return np.float64(value)
    return value


@rule
def float16_loss(report: Report, context: CellContext) -> list[Finding]:
    """Sums, cumulative sums, products and arithmetic computed in float16 whose result is
    infinite or off by more than 1% from the same expression on float64 copies of the inputs:
    float16 holds 3 significant digits and nothing above 65,504, so a running total stops
    growing at 2,048 (adding 0.5 no longer changes it) or overflows to inf."""
    assert context.tree is not None
    lines = sorted({op.lineno for op in report.ops if op.lineno and op.result and
                    op.result.get("dtype") == "float16" and (
                        op.name in HALF_OPS or
                        (op.kind in ("ufunc", "binop") and op.name in ARITH))})
    found = []
    for stmt, expr, target in overflow_statements(context, lines):
        ns = values_before(context, stmt)
        if ns is None:
            continue
        ns = {"np": np, **ns}
        if unsafe_call(expr, {**context.namespace, **ns}):
            continue
        size = sum(v.nbytes for v in ns.values() if isinstance(v, np.ndarray))
        if size * 8 > CONFIG.overflow_check_bytes:
            continue
        try:
            code = compile(ast.Expression(body=at.copy_node(expr)), "<float16>", "eval")
            with np.errstate(all="ignore"):
                narrow = np.asarray(eval(code, dict(ns)), dtype=np.float64)
                wide = np.asarray(eval(code, {k: as_wide(v) for k, v in ns.items()}),
                                  dtype=np.float64)
        except Exception:
            continue
        if narrow.shape != wide.shape or not wide.size or not np.isfinite(wide).all():
            continue
        scale = float(np.abs(wide).max()) or 1.0
        infinite = int(np.count_nonzero(~np.isfinite(narrow)))
        error = float(np.nanmax(np.abs(np.where(np.isfinite(narrow), narrow, 0.0) - wide)))
        if not infinite and error <= 0.01 * scale:
            continue
        what = (f"{infinite:,} value{'s' if infinite != 1 else ''} overflowed to inf" if infinite
                else f"off by up to {error:,.4g} (of values up to {scale:,.4g})")
        name = "the returned value" if target == RETURN else target
        found.append(finding(
            "dtype-overflow", stmt.lineno,
            f"float16 arithmetic lost the result: {what}",
            f"Line {stmt.lineno} computes {name} in float16: {what}, compared with the same "
            "expression on float64 copies of the inputs. float16 keeps about 3 significant "
            "digits and nothing above 65,504, so a running total stops growing once the terms "
            "are below its resolution, and a large sum or product becomes inf. Accumulate in "
            "a wider type: dtype=np.float32 or np.float64 in the reduction, or .astype(...) "
            "first; keep float16 for storage only.", force="warning"))
    return found
