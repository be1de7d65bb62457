"""narrowing-cast: a cast to a narrower integer type (or float64 to float16) of values that type
cannot hold, found on the values the cast read."""

from __future__ import annotations

import ast
from typing import Any

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.dtype_facts import cast_of, smallest_holding
from arrayprof.advisor.facts import finding
from arrayprof.advisor.rule import Rule
from arrayprof.advisor.scopes import RETURN
from arrayprof.advisor.verify import set_fix_check
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report, Rewrite


def check(report: Report, context: CellContext) -> list[Finding]:
    """``x.astype(np.int16)`` (or ``np.array(x, dtype=...)``) of values the narrower integer
    type cannot hold: the cast wraps them around silently (float to int too; float64 to float16
    overflows to inf).  Casts of NaN or inf to an integer are nonfinite-int-cast's: no wider
    type holds them."""
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
        if values.dtype.kind == "f" and dtype.kind in "iu" and not np.isfinite(values).all():
            continue  # NaN or inf to an integer: no wider dtype is a fix (nonfinite-int-cast)
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


RULE = Rule(
    name="narrowing-cast",
    category="dtype-overflow",
    finds="x.astype(D), np.array(x, dtype=D) or np.asarray(x, dtype=D), D an integer type or "
          "float16, where some of the values the cast reads (finite ones) lie outside D's "
          "range. It names how many do not fit and the narrowest type that holds them all.",
    why="The cast keeps the low bits (integers) or gives inf (float16) without a warning: the "
        "numbers are silently wrong.",
    example="small = big.astype(np.int16)  # values up to 70,000\n->\n"
            "small = big.astype(np.int32)",
    near_misses="Casts whose values all fit on this data; casts to float32/float64; NaN or inf "
                "cast to an integer (nonfinite-int-cast: no wider type is a fix); casts inside "
                "functions the cell defines whose values are not known.",
    rewrite="fix",
    check=check,
)
