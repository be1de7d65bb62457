"""python-builtin: Python's sum, max, min, sorted, any, all or list() walking an array element by
element.
"""

from __future__ import annotations

import ast
import builtins
from typing import Any

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.facts import describe, finding
from arrayprof.advisor.rewriting import statement_of, statement_replacing
from arrayprof.advisor.rule import Rule
from arrayprof.advisor.vectorizer import (
    MIN_ITERATIONS,
)
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report

ARRAY_METHODS = {"copy", "ravel", "flatten", "reshape", "astype", "T", "squeeze", "transpose"}


def is_array_expression(node: ast.AST, ns: dict[str, Any]) -> np.ndarray | None:
    """A representative array when `node` certainly evaluates to an ndarray (names, slices,
    arithmetic on arrays, ufunc calls), else None."""
    if isinstance(node, ast.Name):
        value = ns.get(node.id)
        return value if isinstance(value, np.ndarray) else None
    if isinstance(node, ast.Subscript):
        base = is_array_expression(node.value, ns)
        if base is not None and any(isinstance(e, ast.Slice) for e in (
                node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice])):
            sliced = at.try_eval(node, ns)  # table[:, 0] is 1-D although table is not
            return sliced if isinstance(sliced, np.ndarray) else base
        return None
    if isinstance(node, ast.BinOp):
        return is_array_expression(node.left, ns) if is_array_expression(node.left, ns) \
            is not None else is_array_expression(node.right, ns)
    if isinstance(node, ast.UnaryOp):
        return is_array_expression(node.operand, ns)
    if isinstance(node, ast.Attribute) and node.attr == "T":
        return is_array_expression(node.value, ns)
    if isinstance(node, ast.Call):
        target = at.resolve(node.func, ns)
        if isinstance(target, np.ufunc) and node.args:
            for arg in node.args:
                found = is_array_expression(arg, ns)
                if found is not None:
                    return found
        if isinstance(node.func, ast.Attribute) and node.func.attr in ARRAY_METHODS:
            base = is_array_expression(node.func.value, ns)
            if base is not None and node.func.attr in ("ravel", "flatten", "reshape",
                                                       "squeeze", "transpose"):
                shaped = at.try_eval(node, ns)  # M.ravel() is 1-D although M is not
                return shaped if isinstance(shaped, np.ndarray) else base
            return base
    return None


BUILTIN_REWRITE = {"sum": "np.sum({})", "max": "np.max({})", "min": "np.min({})",
                   "sorted": "np.sort({}).tolist()", "any": "np.any({})", "all": "np.all({})",
                   "list": "{}.tolist()"}


def check(report: Report, context: CellContext) -> list[Finding]:
    """sum/max/min/sorted/any/all/list over an array walk it element by element."""
    assert context.tree is not None
    ns = context.namespace
    parent = at.parents(context.tree)
    found = []
    replaced: dict[int, list[tuple[ast.AST, ast.expr]]] = {}  # per statement, this call only
    stmt_lines: dict[int, int] = {}
    for node in ast.walk(context.tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and
                node.func.id in BUILTIN_REWRITE and len(node.args) == 1):
            continue
        keywords = {k.arg: k.value for k in node.keywords}
        reverse = keywords.pop("reverse", None) if node.func.id == "sorted" else None
        if keywords or (reverse is not None and not isinstance(reverse, ast.Constant)):
            continue
        if at.resolve(node.func, ns) is not getattr(builtins, node.func.id):
            continue
        array = is_array_expression(node.args[0], ns)
        if array is None and not isinstance(node.args[0], ast.GeneratorExp | ast.ListComp |
                                            ast.Constant | ast.List | ast.Tuple):
            array = at.array_of(node.args[0], ns)
        if array is None or array.ndim == 0 or array.shape[0] < MIN_ITERATIONS:
            continue  # a few elements: as cheap in Python as in NumPy
        name = node.func.id
        if array.ndim > 1 and name in ("max", "min", "sorted", "any", "all"):
            continue
        arg = at.unparse(node.args[0])
        if not isinstance(node.args[0], ast.Name | ast.Subscript | ast.Attribute | ast.Call):
            arg = f"({arg})"
        replacement = BUILTIN_REWRITE[name].format(arg)
        if reverse is not None and reverse.value:
            replacement = f"np.sort({arg})[::-1].tolist()"
        if name == "sum" and array.ndim > 1:
            replacement = f"np.sum({arg}, axis=0)"
        stmt = statement_of(node, parent)
        rewrite = None
        if stmt is not None and isinstance(stmt, ast.Assign | ast.AugAssign | ast.Return) and \
                not enclosing_loop_lines(context.tree, stmt.lineno):
            # every builtin of the statement replaced at once (``sum(x) * sum(y)``: issue 12
            # found only the first replaced); the statement's first finding carries it
            earlier = replaced.setdefault(id(stmt), [])
            earlier.append((node, at.parse_expr(replacement)))
            rewrite = statement_replacing(context, earlier[0][0], earlier[0][1], earlier[1:])
            if len(earlier) > 1:
                first = next(f for f in found if f.lineno == stmt_lines[id(stmt)])
                first.rewrite = rewrite
                rewrite = None
            stmt_lines[id(stmt)] = node.lineno
        n = array.shape[0]
        estimate = min(report.wall_s, n * 5e-8 * (3 if name == "sorted" else 1))
        explanation = (
            f"Python's {name}() on line {node.lineno} iterates over {describe(array)} one "
            f"element at a time, boxing each of the {n:,} items into a NumPy scalar and "
            f"combining them in the interpreter. {replacement.split('(')[0]} does the same in "
            "one compiled call. Rule of thumb: call NumPy's version of a builtin on arrays.")
        found.append(finding("python-builtin", node.lineno,
                             f"Python's {name}() over a {n:,}-element array",
                             explanation, rewrite=rewrite, seconds_lost=estimate))
    return found


def enclosing_loop_lines(tree: ast.Module, lineno: int) -> bool:
    return bool(at.enclosing_loops(tree, lineno))


RULE = Rule(
    name="python-builtin",
    category="python-builtin",
    finds="Python's sum, max, min, sorted (reverse= a constant), any, all or list() called on "
          "one argument that is an array of 50 or more rows: a name, a slice, arithmetic or a "
          "ufunc call on arrays, ravel/reshape/astype/.T of one. max, min, sorted, any and all "
          "only on 1-d arrays; sum of a 2-d array becomes np.sum(axis=0). Every builtin of one "
          "statement is replaced in one rewrite (sum(x) * sum(y)); inside a loop the "
          "finding comes without a rewrite.",
    why="The builtin boxes every element into a NumPy scalar and combines them in the "
        "interpreter; NumPy's version does it in one compiled call.",
    example="s = sum(x) * sum(y)\n->\ns = np.sum(x) * np.sum(y)",
    near_misses="Builtins over Python values, lists of arrays, or arrays of fewer than 50 "
                "rows; a builtin shadowed by a name of the cell; keyword arguments (sum(x, "
                "start=...), max(x, key=...)); comprehensions inside the builtin (python-loop "
                "speaks of those).",
    rewrite="equivalent",
    check=check,
)
