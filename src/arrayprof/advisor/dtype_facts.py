"""What the dtype rules share: which ufuncs are arithmetic, which integer types are narrow, the
statement an integer or float16 result is computed by and the values it read, and the casts a cell
makes (dtype-upcast, dtype-overflow; see advisor/rules/dtype_overflow/).

Overflow is only reported when it really happened or is certain: the rules re-compute the line's
expression on the values it read (`values_before`), in a wider type, and compare element by
element.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.scopes import RETURN
from arrayprof.advisor.verify import NotVerified, base_namespace
from arrayprof.context import CellContext

# ufuncs (and operators) that compute in the dtype NumPy promotes their operands to
ARITH = ("add", "subtract", "multiply", "true_divide", "divide", "power", "square", "left_shift",
         "negative", "absolute", "floor_divide")
# the integer types whose arithmetic and casts the overflow rules check
NARROW = ("int8", "int16", "int32", "uint8", "uint16", "uint32")


def smallest_holding(low: int, high: int, unsigned: bool) -> np.dtype:
    """The narrowest integer type holding low..high (unsigned ones when asked and low >= 0):
    what a widened computation or cast needs, said in the finding and used by its fix."""
    kinds = ("uint8", "uint16", "uint32", "uint64") if unsigned and low >= 0 else \
        ("int8", "int16", "int32", "int64")
    for name in kinds:
        info = np.iinfo(name)
        if info.min <= low and high <= info.max:
            return np.dtype(name)
    return np.dtype("int64")


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
