"""silent-promotion: an arithmetic result NumPy promoted to a float or complex type several times
wider than the array it computes on (uint8 * 1.5 -> float64)."""

from __future__ import annotations

import ast
from typing import Any

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.config import CONFIG
from arrayprof.advisor.dtype_facts import ARITH
from arrayprof.advisor.facts import finding, nbytes, shape
from arrayprof.advisor.rule import Rule
from arrayprof.advisor.scopes import RETURN
from arrayprof.advisor.verify import set_fix_check
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report, Rewrite

# ufuncs that return floats for integer input (np.sqrt of int32 is float64)
FLOATING = ("sqrt", "exp", "exp2", "log", "log2", "log10", "log1p", "expm1", "sin", "cos", "tan",
            "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "cbrt", "reciprocal", "hypot",
            "arctan2")


def check(report: Report, context: CellContext) -> list[Finding]:
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


RULE = Rule(
    name="silent-promotion",
    category="dtype-upcast",
    finds="An arithmetic ufunc or operator (add, multiply, true_divide, sqrt, exp, ...) whose "
          "result NumPy promoted to a float or complex type at least "
          "`CONFIG.upcast_factor` times as wide as the widest array it computes on, where the "
          "result is big enough to matter: an integer or float32 array times a Python float, a "
          "NumPy float64 scalar, a wider array, or a small wider array broadcast over it "
          "(three float64 channel means against a uint8 image). It says which operand set the "
          "dtype.",
    why="The result takes 2-8x the bytes the data needs (uint8 -> float64 is 8x), and every "
        "later operation on it moves that many bytes.",
    example="scaled = img * 1.5  # img: uint8\n->\nscaled = img * np.float32(1.5)",
    near_misses="Complex results built from floats (X + Y * 1j: complex of the float inputs' "
                "width is the narrowest); float16 from bytes; results under "
                "`CONFIG.silent_bytes`; an explicit np.float32 scalar; ufuncs NumPy calls "
                "inside std or norm (not the cell's own lines).",
    rewrite="fix",
    check=check,
)
