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
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report, Rewrite

MIN_ITERATIONS = 50
MIN_ELEMENTS = 16


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


def pass_count(loop: ast.AST, ns: dict[str, Any]) -> int | None:
    """How many passes a loop makes, where that can be read off its header."""
    if isinstance(loop, ast.For):
        return loop_count(loop, ns)
    if isinstance(loop, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
        total = 1
        for gen in loop.generators:
            count = loop_count(ast.For(target=gen.target, iter=gen.iter, body=[], orelse=[]), ns)
            if count is None:
                value = at.safe_eval(gen.iter, ns)
                count = len(value) if isinstance(value, np.ndarray) and value.ndim else None
            if count is None:
                return None
            total *= count
        return total
    if isinstance(loop, ast.While) and isinstance(loop.test, ast.Compare) and \
            len(loop.test.ops) == 1 and isinstance(loop.test.ops[0], ast.Lt | ast.LtE):
        bound = at.safe_eval(loop.test.comparators[0], ns)
        return int(bound) if isinstance(bound, int | np.integer) else None
    return None


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


def strided(view: np.ndarray) -> bool:
    return view.size >= MIN_ELEMENTS and not view.flags.c_contiguous and \
        min(abs(s) for s in view.strides if s) >= 64 if view.strides else False


@rule
def non_contiguous(report: Report, context: CellContext) -> list[Finding]:
    """Strided slices read in a loop against the memory order, and big strided operands."""
    assert context.tree is not None
    from arrayprof.advisor.vectorizer import judge_loop

    ns = context.namespace
    found = []
    flagged: set[int] = set()
    loops = [n for n in ast.walk(context.tree) if isinstance(
        n, ast.For | ast.While | ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp)]
    for loop in loops:
        names = loop_index_names(loop)
        count = pass_count(loop, ns)
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
        if loop.lineno in flagged:
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
