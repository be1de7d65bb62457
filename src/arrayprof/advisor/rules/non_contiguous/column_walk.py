"""column-walk: ``A[i, j]`` read in nested loops where the inner loop's index selects the axis with
the larger stride (a column-major walk of a C-ordered array, or the reverse)."""

from __future__ import annotations

import ast
from typing import Any

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.facts import describe, finding
from arrayprof.advisor.loop_strides import MIN_ELEMENTS, long_loops, loop_count
from arrayprof.advisor.rule import Rule
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report


def check(report: Report, context: CellContext) -> list[Finding]:
    """One finding per line, for each ``for`` loop (with enough passes) holding the walk."""
    assert context.tree is not None
    ns = context.namespace
    found = []
    flagged: set[int] = set()
    for loop, _ in long_loops(context.tree, ns):
        if not isinstance(loop, ast.For):
            continue
        for hit_line, text, array, axis in scalar_walks(loop, ns):
            if hit_line in flagged:
                continue
            flagged.add(hit_line)
            found.append(finding(
                "non-contiguous", hit_line,
                f"{text} walks {at.unparse(loop.target)} across rows: against the memory order",
                f"Line {hit_line} reads {text} with the inner loop moving along axis {axis} of "
                f"{describe(array)}, whose neighbours along that axis are "
                f"{array.strides[axis]:,} bytes apart: each step lands on another cache line, "
                "so the walk uses a fraction of every line it fetches. Rule of thumb: let the "
                "innermost loop (or better, one array operation) run along the last axis of a "
                "C-ordered array.", seconds_lost=report.wall_s * 0.5))
    return found


def scalar_walks(outer: ast.For, ns: dict[str, Any]) -> list[tuple[int, str, np.ndarray, int]]:
    """``A[i, j]`` read in nested loops where the *inner* loop's index selects an axis with a
    larger stride than the outer one's (a column-major walk of a C-ordered array, or the
    reverse): (line, source, the array, the inner axis)."""
    out: list[tuple[int, str, np.ndarray, int]] = []
    if not isinstance(outer.target, ast.Name):
        return out
    for inner in ast.walk(outer):
        if inner is outer or not isinstance(inner, ast.For) or \
                not isinstance(inner.target, ast.Name):
            continue
        count = loop_count(inner, ns)
        if count is not None and count < MIN_ELEMENTS:
            continue
        outer_name, inner_name = outer.target.id, inner.target.id
        for node in ast.walk(inner):
            if not (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and
                    isinstance(node.slice, ast.Tuple)):
                continue
            array = ns.get(node.value.id)
            elts = node.slice.elts
            if not isinstance(array, np.ndarray) or len(elts) != array.ndim or array.ndim < 2:
                continue
            axes = {e.id: k for k, e in enumerate(elts) if isinstance(e, ast.Name)}
            if inner_name not in axes or outer_name not in axes:
                continue
            inner_axis, outer_axis = axes[inner_name], axes[outer_name]
            step, other = abs(array.strides[inner_axis]), abs(array.strides[outer_axis])
            if step >= 64 and step > other and array.shape[inner_axis] >= MIN_ELEMENTS:
                out.append((node.lineno, at.unparse(node), array, inner_axis))
    return out


RULE = Rule(
    name="column-walk",
    category="non-contiguous",
    finds="Nested for loops reading A[i, j] (one name per axis of an array of 2 or more "
          "dimensions) where the inner loop's index selects an axis whose stride is 64 bytes "
          "or more and larger than the outer index's axis, over at least 16 elements, in an "
          "outer loop of at least 50 passes (or an unknown number).",
    why="Each inner step lands on another cache line: the walk uses one element of every "
        "line it fetches.",
    example="for j in range(m):\n    for i in range(n):\n        s += A[i, j]\n->\n"
            "for i in range(n):\n    for j in range(m):\n        s += A[i, j]\n"
            "(better: s = A.sum())",
    near_misses="The inner loop on the last axis of a C-ordered array (A[i, j] with j inner); "
                "Fortran-ordered arrays walked column by column; inner loops of fewer than 16 "
                "passes.",
    rewrite="none",
    check=check,
)
