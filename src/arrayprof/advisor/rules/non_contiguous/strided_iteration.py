"""strided-iteration: a loop iterating the items of a transposed (or otherwise strided) array,
``for col in M.T``, whose items are slices with elements a cache line or more apart."""

from __future__ import annotations

import ast
from typing import Any

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.facts import describe, finding
from arrayprof.advisor.loop_strides import MIN_ITERATIONS, long_loops, strided
from arrayprof.advisor.rule import Rule
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report


def check(report: Report, context: CellContext) -> list[Finding]:
    """One finding per loop header, for the first strided array it iterates."""
    assert context.tree is not None
    ns = context.namespace
    found = []
    flagged: set[int] = set()
    for loop, _ in long_loops(context.tree, ns):
        if not isinstance(loop, ast.For) or loop.lineno in flagged:
            continue
        for expr, array in iterated_arrays(loop.iter, ns):
            if array.ndim < 2 or len(array) < MIN_ITERATIONS or not strided(array[0]):
                continue
            flagged.add(loop.lineno)
            text = at.unparse(expr)
            step = min(abs(s) for s in array[0].strides if s)
            found.append(finding(
                "non-contiguous", loop.lineno,
                f"iterating {text} walks its items against the memory order",
                f"Each item of {text} ({describe(array)}) is a slice whose elements are "
                f"{step:,} bytes apart (a column of the underlying buffer); the loop reads "
                f"{len(array):,} of them against the memory order. Reduce along the axis in one "
                "call, or iterate the axis that is contiguous.",
                seconds_lost=report.wall_s * 0.5))
            break
    return found


def iterated_arrays(iterable: ast.expr, ns: dict[str, Any]) -> list[tuple[ast.expr, np.ndarray]]:
    """The arrays a loop iterates over item by item: ``M.T``, ``np.transpose(M)``,
    ``M.transpose()``, a plain name, also inside ``enumerate(...)`` and ``zip(...)``."""
    if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name) and \
            iterable.func.id in ("enumerate", "zip"):
        return [hit for arg in iterable.args for hit in iterated_arrays(arg, ns)]
    value: Any = None
    if isinstance(iterable, ast.Call) and not iterable.keywords and (
            (at.np_func(iterable.func, ns, "transpose") and len(iterable.args) == 1) or
            (isinstance(iterable.func, ast.Attribute) and iterable.func.attr == "transpose" and
             not iterable.args)):
        inner = iterable.args[0] if iterable.args else iterable.func.value  # type: ignore[attr-defined]
        base = at.safe_eval(inner, ns)
        value = base.T if isinstance(base, np.ndarray) else None
    elif isinstance(iterable, ast.Name | ast.Attribute | ast.Subscript):
        value = at.safe_eval(iterable, ns)
    return [(iterable, value)] if isinstance(value, np.ndarray) else []


RULE = Rule(
    name="strided-iteration",
    category="non-contiguous",
    finds="A for loop over the items of an array of 2 or more dimensions with at least 50 "
          "items, each a slice of at least 16 elements 64 bytes or more apart: M.T, "
          "np.transpose(M), M.transpose(), a name bound to such a view, also inside "
          "enumerate(...) or zip(...).",
    why="Each item is a column of the underlying buffer: every element read fetches its own "
        "cache line, item after item.",
    example="for col in M.T:\n    out.append(col.std())\n->\nout = M.std(axis=0)",
    near_misses="Iterating the rows of a C-ordered array; transposed arrays of fewer than 50 "
                "items or with short items; a transposed copy made contiguous first "
                "(np.ascontiguousarray(M.T)).",
    rewrite="none",
    check=check,
)
