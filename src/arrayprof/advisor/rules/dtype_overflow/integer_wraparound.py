"""integer-wraparound: integer arithmetic in a narrow type (int8..uint32) whose results wrapped
around on this cell's data.

The line's expression is re-computed on the values it read with every narrow integer widened to
int64, and the two results are compared element by element: only wrap-around that really
happened is reported, at the innermost sub-expression that wrapped.
"""

from __future__ import annotations

import ast
from typing import Any

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.config import CONFIG
from arrayprof.advisor.dtype_facts import (
    ARITH,
    NARROW,
    overflow_statements,
    smallest_holding,
    values_before,
)
from arrayprof.advisor.facts import finding
from arrayprof.advisor.rule import Rule
from arrayprof.advisor.scopes import RETURN
from arrayprof.advisor.verify import forget, set_fix_check, unsafe_call
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report, Rewrite


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


def check(report: Report, context: CellContext) -> list[Finding]:
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


RULE = Rule(
    name="integer-wraparound",
    category="dtype-overflow",
    finds="A statement outside loops (y = ..., y += ..., return ...) whose integer arithmetic "
          "(add, subtract, multiply, power, shifts, add/multiply reductions and cumulative "
          "sums) computes in int8..uint32, where re-computing the expression on the same values "
          "with every narrow integer widened to int64 gives different numbers. The finding "
          "names the innermost sub-expression that wrapped and one value it changed.",
    why="NumPy integer arithmetic never warns: it keeps the low bits, and the numbers are wrong "
        "without a sign.",
    example="total = counts + 100  # counts: uint8 up to 250\n->\n"
            "total = counts.astype(np.uint16) + 100",
    near_misses="Arithmetic that stays in range on this data; widened accumulators (dtype= on "
                "a sum, .astype() first); results written with out=; lines inside loops "
                "(their values change per pass); inputs larger than "
                "`CONFIG.overflow_check_bytes`.",
    rewrite="fix",
    check=check,
)
