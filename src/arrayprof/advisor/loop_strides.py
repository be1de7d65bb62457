"""What the non-contiguous rules share: the loops worth looking at (those making at least
MIN_ITERATIONS passes, or an unknown number) and whether a view's elements sit on separate cache
lines (rules/non_contiguous/).

A strided slice is fine once; inside a loop it is read again and again against the memory order
(a column of a C-ordered matrix touches one element per cache line).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any

import numpy as np

from arrayprof.advisor import ast_tools as at

MIN_ITERATIONS = 50
MIN_ELEMENTS = 16
LOOPS = (ast.For, ast.While, ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


def long_loops(tree: ast.AST, ns: dict[str, Any]) -> Iterator[tuple[ast.AST, int | None]]:
    """(loop, its pass count or None) for every loop and comprehension of `tree` (in
    `ast.walk` order) whose header does not show fewer than MIN_ITERATIONS passes."""
    for loop in [n for n in ast.walk(tree) if isinstance(n, LOOPS)]:
        count = pass_count(loop, ns)
        if count is None or count >= MIN_ITERATIONS:
            yield loop, count


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


def loop_count(loop: ast.For, ns: dict[str, Any]) -> int | None:
    """Passes of ``for ... in range(...)`` whose bounds are known integers, else None."""
    if isinstance(loop.iter, ast.Call) and isinstance(loop.iter.func, ast.Name) and \
            loop.iter.func.id == "range" and loop.iter.args:
        args = [at.safe_eval(a, ns) for a in loop.iter.args]
        if all(isinstance(a, int | np.integer) for a in args):
            return len(range(*[int(a) for a in args]))  # type: ignore[arg-type]
    return None


def strided(view: np.ndarray) -> bool:
    """Whether a view of at least MIN_ELEMENTS elements is not C-contiguous and its closest
    elements are a cache line (64 bytes) or more apart: each one read costs a line fetched."""
    return view.size >= MIN_ELEMENTS and not view.flags.c_contiguous and \
        min(abs(s) for s in view.strides if s) >= 64 if view.strides else False
