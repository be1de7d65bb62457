"""Layout: non-contiguous.

A strided slice is fine once; inside a loop it is read again and again against the memory order
(a column of a C-ordered matrix touches one element per cache line).  The rule evaluates the
slice the loop takes (with the loop index at 0) to see its real strides.
"""

from __future__ import annotations

import ast
from typing import Any

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor import rule
from arrayprof.advisor.facts import describe, finding, nbytes
from arrayprof.report import Finding, Report, Rewrite
from arrayprof.session import CellContext

MIN_ITERATIONS = 50
MIN_ELEMENTS = 16


def loop_slice(node: ast.Subscript, loop_names: set[str], ns: dict[str, Any]) -> np.ndarray | None:
    """The view ``M[:, j]`` takes for j = 0, when M is an array and only j varies."""
    if not isinstance(node.value, ast.Name):
        return None
    array = ns.get(node.value.id)
    if not isinstance(array, np.ndarray) or array.ndim < 2:
        return None
    elts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
    index: list[Any] = []
    varies = False
    for elt in elts:
        if isinstance(elt, ast.Name) and elt.id in loop_names:
            index.append(0)
            varies = True
        elif isinstance(elt, ast.Slice) and elt.lower is None and elt.upper is None and \
                elt.step is None:
            index.append(slice(None))
        elif at.const_int(elt) is not None:
            index.append(at.const_int(elt))
        else:
            return None
    if len(index) > array.ndim:
        return None
    index += [slice(None)] * (array.ndim - len(index))  # F[i] is F[i, :]
    if not varies or not any(isinstance(i, slice) for i in index):
        return None
    try:
        view = array[tuple(index)]
    except IndexError:
        return None
    return view if isinstance(view, np.ndarray) else None


def strided(view: np.ndarray) -> bool:
    return view.size >= MIN_ELEMENTS and not view.flags.c_contiguous and \
        min(abs(s) for s in view.strides if s) >= 64 if view.strides else False


@rule
def non_contiguous(report: Report, context: CellContext) -> list[Finding]:
    """Strided slices read in a loop against the memory order, and big strided operands."""
    assert context.tree is not None
    from arrayprof.advisor.loops import judge_loop

    ns = context.namespace
    found = []
    flagged: set[int] = set()
    for loop in at.loops(context.tree):
        if not isinstance(loop, ast.For):
            continue
        names = at.stored_names(loop.target)
        count = loop_count(loop, ns)
        if count is not None and count < MIN_ITERATIONS:
            continue
        for node in ast.walk(loop):
            hit: tuple[int, np.ndarray, str] | None = None
            if isinstance(node, ast.Subscript):  # read or written: both walk the memory
                view = loop_slice(node, names, ns)
                if view is not None and strided(view):
                    hit = (node.lineno, view, at.unparse(node))
            if hit is None or hit[0] in flagged:
                continue
            lineno, view, text = hit
            flagged.add(lineno)
            verdict = judge_loop(loop, context.tree, ns)
            rewrite = None
            if verdict.elementwise and verdict.code:
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
        if isinstance(loop.iter, ast.Attribute) and loop.iter.attr == "T" and \
                loop.lineno not in flagged:
            array = ns.get(at.root_name(loop.iter) or "")
            if isinstance(array, np.ndarray) and array.ndim == 2 and array.flags.c_contiguous \
                    and array.shape[1] >= MIN_ITERATIONS:
                flagged.add(loop.lineno)
                found.append(finding(
                    "non-contiguous", loop.lineno,
                    f"iterating {at.unparse(loop.iter)} walks columns of a C-ordered array",
                    f"Each item of {at.unparse(loop.iter)} is a column of {describe(array)}, "
                    f"with elements {array.strides[0]:,} bytes apart; the loop reads against the "
                    "memory order. Reduce along axis 0 in one call, or iterate the rows.",
                    seconds_lost=report.wall_s * 0.5))
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


def loop_count(loop: ast.For, ns: dict[str, Any]) -> int | None:
    if isinstance(loop.iter, ast.Call) and isinstance(loop.iter.func, ast.Name) and \
            loop.iter.func.id == "range" and loop.iter.args:
        args = [at.safe_eval(a, ns) for a in loop.iter.args]
        if all(isinstance(a, int | np.integer) for a in args):
            return len(range(*[int(a) for a in args]))  # type: ignore[arg-type]
    return None
