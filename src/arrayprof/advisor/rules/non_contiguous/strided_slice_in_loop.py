"""strided-slice-in-loop: a slice that takes a loop index (``M[:, j]``, ``M.T[j]``, ``M[..., j]``)
read or written on every pass of a loop or comprehension, whose elements are a cache line or
more apart.  The slice is evaluated with the loop index at 0 to see its real strides."""

from __future__ import annotations

import ast
from typing import Any

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.facts import describe, finding, nbytes
from arrayprof.advisor.loop_strides import long_loops, strided
from arrayprof.advisor.rule import Rule
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report, Rewrite


def check(report: Report, context: CellContext) -> list[Finding]:
    """Strided slices read in a loop against the memory order, one finding per line; the
    rewrite is the loop vectorized, when the vectorizer finds it element-wise."""
    assert context.tree is not None
    from arrayprof.advisor.vectorizer import judge_loop

    ns = context.namespace
    found = []
    flagged: set[int] = set()
    for loop, count in long_loops(context.tree, ns):
        names = loop_index_names(loop)
        for node in ast.walk(loop):
            if not isinstance(node, ast.Subscript):  # read or written: both walk the memory
                continue
            view = loop_slice(node, names, ns)
            if view is None or not strided(view) or node.lineno in flagged:
                continue
            lineno, text = node.lineno, at.unparse(node)
            flagged.add(lineno)
            rewrite = None
            verdict = judge_loop(loop, context.tree, ns) if isinstance(loop, ast.For) else None
            if verdict is not None and verdict.elementwise and verdict.code:
                indent = at.indent_of(context.source.splitlines()[loop.lineno - 1])
                rewrite = Rewrite(kind="equivalent", code=at.reindent(verdict.code, indent),
                                  lines=[loop.lineno, loop.end_lineno or loop.lineno],
                                  compared=verdict.compared)
            runs = count or 0
            step = min(abs(s) for s in view.strides if s)
            explanation = (
                f"Line {lineno} reads {text}, {describe(view)} whose elements are {step:,} bytes "
                f"apart, on each of {runs:,} passes: every element sits on its own 64-byte cache "
                f"line, so the loop moves about {nbytes(view.size * 64 * max(runs, 1))} through "
                "the cache to use a fraction of it. Rule of thumb: work along the last axis of "
                "a C-ordered array, or let one call reduce the whole array along an axis.")
            found.append(finding("non-contiguous", lineno,
                                 f"strided slice {text} read in a loop against the memory order",
                                 explanation, rewrite=rewrite,
                                 seconds_lost=report.wall_s * 0.5))
    return found


def loop_slice(node: ast.Subscript, loop_names: set[str], ns: dict[str, Any]) -> np.ndarray | None:
    """The view ``M[:, j]`` (or ``M.T[j]``, ``M[..., j]``, ``obj.M[:, j]``) takes for j = 0, when
    the subscripted value is an array of two or more dimensions, a loop index is one of the
    subscripts and everything else is a constant or a full slice."""
    elts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
    if not any(isinstance(e, ast.Name) and e.id in loop_names for e in elts):
        return None
    for elt in elts:
        if isinstance(elt, ast.Name) and elt.id in loop_names:
            continue
        if isinstance(elt, ast.Slice) and elt.lower is None and elt.upper is None and \
                elt.step is None:
            continue
        if isinstance(elt, ast.Constant) and elt.value is Ellipsis:
            continue
        if at.const_int(elt) is None:
            return None
    if at.names_in(node.value) & loop_names:
        return None
    array = at.safe_eval(node.value, ns)
    if not isinstance(array, np.ndarray) or array.ndim < 2:
        return None
    index = tuple(0 if isinstance(e, ast.Name) and e.id in loop_names else
                  Ellipsis if isinstance(e, ast.Constant) and e.value is Ellipsis else
                  slice(None) if isinstance(e, ast.Slice) else at.const_int(e) for e in elts)
    try:
        view = array[index]
    except (IndexError, TypeError):
        return None
    return view if isinstance(view, np.ndarray) and view.ndim >= 1 else None


def loop_index_names(loop: ast.AST) -> set[str]:
    """The names that change from one pass to the next: a ``for`` target, the targets of a
    comprehension's generators, or the counters a ``while`` loop's test reads and its body
    rebinds (``j += 1``)."""
    if isinstance(loop, ast.For):
        return at.stored_names(loop.target)
    if isinstance(loop, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
        return set().union(*(at.stored_names(g.target) for g in loop.generators))
    if isinstance(loop, ast.While):
        return at.loaded_names(loop.test) & at.stored_names(loop.body)
    return set()


RULE = Rule(
    name="strided-slice-in-loop",
    category="non-contiguous",
    finds="A subscript of a 2-D or larger array in a loop or comprehension of at least 50 "
          "passes (or an unknown number) that takes the loop index and otherwise only full "
          "slices, constants or ``...`` (M[:, j], M.T[j], obj.M[..., j]; a for target, "
          "comprehension targets or a while counter), whose view, taken at index 0, has at "
          "least 16 elements 64 bytes or more apart.",
    why="Each element sits on its own 64-byte cache line: the loop moves about eight times "
        "(float64) the bytes it uses through the cache, on every pass.",
    example="for j in range(n):\n    col[j] = A[:, j].sum()\n->\ncol[:] = A.sum(axis=0)",
    near_misses="Rows of a C-ordered array (A[i], A[i, :]); loops of fewer than 50 passes; "
                "slices under 16 elements; strided slices read once, outside a loop; slices "
                "whose array changes with the loop index.",
    rewrite="equivalent",
    check=check,
)
