"""apply-along-axis: np.apply_along_axis(f, axis, arr) calling a Python function once per 1-d
slice, 1,000 times or more.
"""

from __future__ import annotations

import ast

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.facts import describe, finding
from arrayprof.advisor.rule import Rule
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report, Rewrite

APPLY_MIN_CALLS = 1_000  # calls of the Python function below this cost little


def check(report: Report, context: CellContext) -> list[Finding]:
    """``np.apply_along_axis(f, axis, arr)`` is a Python loop: it calls ``f`` once per 1-d slice.
    With many short slices the interpreter and call overhead are the cost; a NumPy function
    that takes ``axis`` (or an expression written on the whole array) does it in one call."""
    assert context.tree is not None
    ns = context.namespace
    found = []
    for node in ast.walk(context.tree):
        if not (isinstance(node, ast.Call) and at.np_func(node.func, ns, "apply_along_axis") and
                len(node.args) >= 3 and not node.keywords):
            continue
        axis = at.safe_eval(node.args[1], ns)
        array = at.safe_eval(node.args[2], ns)
        if not isinstance(axis, int | np.integer) or not isinstance(array, np.ndarray) or \
                array.ndim == 0 or not -array.ndim <= int(axis) < array.ndim:
            continue
        length = array.shape[int(axis)]
        calls = array.size // max(length, 1)
        if calls < APPLY_MIN_CALLS:
            continue
        func = at.resolve(node.args[0], ns)
        name = getattr(func, "__name__", "")
        rewrite = None
        stmt = at.statement_at(context.tree, node.lineno)
        if len(node.args) == 3 and at.is_numpy_object(func) and name in at.REDUCTIONS and \
                isinstance(stmt, ast.Assign) and stmt.value is node and \
                len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) and \
                stmt.lineno == stmt.end_lineno:
            target = stmt.targets[0].id
            indent = at.indent_of(context.source.splitlines()[stmt.lineno - 1])
            rewrite = Rewrite(kind="equivalent", lines=[stmt.lineno, stmt.lineno],
                              code=f"{indent}{target} = np.{name}({at.unparse(node.args[2])}, "
                                   f"axis={at.unparse(node.args[1])})", compared=[target])
        text = at.unparse(node.args[0])
        estimate = min(report.wall_s, calls * 2e-6)
        found.append(finding(
            "python-loop", node.lineno,
            f"np.apply_along_axis calls {text if len(text) <= 40 else 'its function'} "
            f"{calls:,} times from Python",
            f"np.apply_along_axis is a Python loop in disguise: it calls "
            f"{text if len(text) <= 60 else 'the function'} once for each of the {calls:,} "
            f"slices of length {length:,} along axis {int(axis)} of {describe(array)}, each "
            "call going through the interpreter. A NumPy function that takes axis= (keepdims "
            "where the result is broadcast back), or the same arithmetic written on the whole "
            "array, does the work in one compiled call.",
            rewrite=rewrite, seconds_lost=estimate))
    return found


RULE = Rule(
    name="apply-along-axis",
    category="python-loop",
    finds="np.apply_along_axis(f, axis, arr) (positional arguments, no keywords) on an array "
          "whose known axis leaves 1,000 or more slices: f is called once per slice. Where f is "
          "a NumPy reduction and the call is the whole value of a one-line assignment, the "
          "rewrite calls the reduction with axis=.",
    why="It is a Python loop in disguise: each of the slices goes through the interpreter and "
        "a function call, where one NumPy call with axis= does them all in compiled code.",
    example="m = np.apply_along_axis(np.mean, 1, X)\n->\nm = np.mean(X, axis=1)",
    near_misses="Fewer than 1,000 slices (a few long rows: the per-call overhead is small); "
                "the reduction already called with axis=; an axis or array not known from the "
                "cell's values.",
    rewrite="equivalent",
    check=check,
)
