"""nested-comprehension: [[f(v) for v in row] for row in M] over a 2-d array of 5,000 elements
or more, doing arithmetic on every element.
"""

from __future__ import annotations

import ast

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.facts import describe, finding
from arrayprof.advisor.rule import Rule
from arrayprof.advisor.vectorizer import (
    SCALAR_LOOP_MIN,
    SECONDS_PER_STEP,
    uses_foreign_calls,
)
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report


def check(report: Report, context: CellContext) -> list[Finding]:
    """``[[f(v) for v in row] for row in M]``: a comprehension over the rows of a 2-d array
    whose element is a comprehension over each row, doing arithmetic on every element (no call
    outside NumPy, math and builtins).  One array expression on M does it."""
    assert context.tree is not None
    ns = context.namespace
    found = []
    for node in ast.walk(context.tree):
        if not (isinstance(node, ast.ListComp | ast.GeneratorExp) and
                len(node.generators) == 1 and isinstance(node.elt, ast.ListComp) and
                len(node.elt.generators) == 1):
            continue
        outer, inner = node.generators[0], node.elt.generators[0]
        if not (isinstance(outer.target, ast.Name) and isinstance(inner.iter, ast.Name) and
                inner.iter.id == outer.target.id and isinstance(inner.target, ast.Name)):
            continue
        array = at.safe_eval(outer.iter, ns)
        if not isinstance(array, np.ndarray) or array.ndim != 2 or \
                array.size < SCALAR_LOOP_MIN or outer.ifs or inner.ifs:
            continue
        element = ast.Expr(value=node.elt.elt)
        if uses_foreign_calls([element], ns, set(at.inlinable_functions(context.tree, ns))):
            continue
        if not (at.loaded_names(node.elt.elt) & {inner.target.id}):
            continue
        text = at.unparse(outer.iter)
        found.append(finding(
            "python-loop", node.lineno,
            f"nested comprehension over the {array.shape[0]:,} rows of {text} works element by "
            "element",
            f"Line {node.lineno} builds a list of lists from {describe(array)}: the inner "
            f"comprehension runs {at.unparse(node.elt.elt)} once per element, {array.size:,} "
            "times through the interpreter. Written on the whole array (the same expression with "
            f"{text} in place of {inner.target.id}), NumPy does it in compiled code and "
            "returns a 2-d array directly.",
            seconds_lost=min(report.wall_s, array.size * SECONDS_PER_STEP * 3)))
    return found


RULE = Rule(
    name="nested-comprehension",
    category="python-loop",
    finds="A list (or generator) comprehension over the rows of a 2-d array of 5,000 or more "
          "elements whose element is a list comprehension over each row, with no if clauses, "
          "computing an expression of the inner element that calls nothing outside NumPy, math "
          "and the builtins (functions the cell defines as one expression count).",
    why="Every element goes through the interpreter and becomes a Python object in a list of "
        "lists; the same expression on the whole array runs in compiled code and returns a 2-d "
        "array.",
    example="rows = [[v * 2.0 + 1.0 for v in row] for row in M]\n->\n"
            "rows = (M * 2.0 + 1.0).tolist()  (or keep the array: M * 2.0 + 1.0)",
    near_misses="Comprehensions over a 1-d array or a small matrix; an inner element that does "
                "not use the inner variable; filters (if clauses); calls into other libraries "
                "or string work.",
    rewrite="none",
    check=check,
)
