"""np-vectorize: calls of a np.vectorize / np.frompyfunc function (bound to a name, used as a
decorator, or called in place) as if they made the function fast.
"""

from __future__ import annotations

import ast
from typing import Any

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.facts import finding, seconds
from arrayprof.advisor.rewriting import ReplaceNode, statement_of
from arrayprof.advisor.rule import Rule
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report, Rewrite


def vectorized_functions(tree: ast.Module, ns: dict[str, Any]) -> dict[str, ast.expr | None]:
    """Names bound to np.vectorize / np.frompyfunc objects, with the Python function wrapped."""
    out: dict[str, ast.expr | None] = {}
    defs = {n.name: n for n in at.nodes(tree) if isinstance(n, ast.FunctionDef)}
    for node in at.nodes(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Call) and \
                at.np_func(node.value.func, ns, "vectorize", "frompyfunc") and node.value.args:
            func = node.value.args[0]
            if isinstance(func, ast.Name) and func.id in defs:
                out[node.targets[0].id] = defs[func.id]  # type: ignore[assignment]
            else:
                out[node.targets[0].id] = func
        if isinstance(node, ast.FunctionDef) and any(
                at.np_func(d, ns, "vectorize") for d in node.decorator_list):
            out[node.name] = node  # type: ignore[assignment]
    vectorize = np.vectorize
    for name, value in ns.items():  # (one test per value: this runs once per cell function)
        if isinstance(value, vectorize) and name not in out:
            out[name] = None
    return out


def function_as_expression(func: ast.AST | None) -> tuple[list[str], ast.expr] | None:
    """(parameters, body expression) of a lambda or a def that only returns (if/else allowed)."""
    if isinstance(func, ast.Lambda):
        return [a.arg for a in func.args.args], func.body
    if isinstance(func, ast.FunctionDef):
        params = [a.arg for a in func.args.args]
        expr = at.returned_expression(func.body)
        return (params, expr) if expr is not None else None
    return None


def check(report: Report, context: CellContext) -> list[Finding]:
    """np.vectorize / np.frompyfunc called on arrays as if it were compiled code."""
    assert context.tree is not None
    ns = context.namespace
    wrapped = vectorized_functions(context.tree, ns)
    found = []
    parent = at.parents(context.tree)
    for node in ast.walk(context.tree):
        if not isinstance(node, ast.Call):
            continue
        func_ast: ast.AST | None
        if isinstance(node.func, ast.Name) and node.func.id in wrapped:
            func_ast = wrapped[node.func.id]
        elif isinstance(node.func, ast.Call) and at.np_func(node.func.func, ns, "vectorize",
                                                            "frompyfunc") and node.func.args:
            func_ast = node.func.args[0]
            if isinstance(func_ast, ast.Name):
                func_ast = next((d for d in ast.walk(context.tree) if isinstance(
                    d, ast.FunctionDef) and d.name == func_ast.id), func_ast)
        else:
            continue
        args = node.args
        sizes = [ns[a.id].size for a in args if isinstance(a, ast.Name) and
                 isinstance(ns.get(a.id), np.ndarray)]
        n = max(sizes, default=0)
        rewrite = None
        spec = function_as_expression(func_ast)
        stmt = statement_of(node, parent)
        if spec is not None and stmt is not None and len(spec[0]) == len(args) and \
                isinstance(stmt, ast.Assign | ast.AugAssign | ast.Expr) and \
                all(isinstance(a, ast.Name) for a in args):
            params, expr = spec
            elements = {p: a.id for p, a in zip(params, args, strict=True)}  # type: ignore
            vec = at.Vectorizer([], elements, ns)
            try:
                new = vec.vectorize(expr)
                new_stmt = ReplaceNode(node, new).visit(stmt)
                compared = [at.root_name(t) for t in getattr(stmt, "targets", [])]
                if compared and all(compared):
                    indent = at.indent_of(at.line_text(context.source, stmt.lineno,
                                                       stmt.lineno)[0])
                    rewrite = Rewrite(kind="equivalent",
                                      code=at.reindent(at.unparse(new_stmt), indent),
                                      lines=[stmt.lineno, stmt.end_lineno or stmt.lineno],
                                      compared=compared)  # type: ignore[arg-type]
            except at.NotVectorizable:
                rewrite = None
        estimate = min(report.wall_s, n * 4e-7)
        explanation = (
            f"Line {node.lineno} calls a np.vectorize'd function on {n:,} elements. np.vectorize "
            "is a convenience loop: it calls the Python function once per element, so it runs "
            f"at Python speed (the cell took {seconds(report.wall_s)}). "
            "Write the function body with array operations (np.where for if/else, "
            "np.minimum/np.maximum for min/max, np.clip for both) instead.")
        found.append(finding("np-vectorize", node.lineno,
                             "np.vectorize runs a Python function once per element",
                             explanation, rewrite=rewrite, seconds_lost=estimate))
    return found


RULE = Rule(
    name="np-vectorize",
    category="np-vectorize",
    finds="A call of a function wrapped by np.vectorize or np.frompyfunc (assigned to a name, "
          "the @np.vectorize decorator, np.vectorize(f)(x) in place, or a np.vectorize object "
          "already in the namespace). Where the wrapped function is a lambda or a def that only "
          "returns an expression (if/else allowed) and the call's arguments are names, the "
          "rewrite is that expression written on the whole arrays (np.where for if/else).",
    why="np.vectorize is a convenience loop: it calls the Python function once per element, so "
        "it runs at Python speed, 10-100x slower than array operations.",
    example="f = np.vectorize(lambda v: 0 if v < 0.5 else 1)\nlabels = f(u)\n->\n"
            "labels = np.where(u < 0.5, 0, 1)",
    near_misses="Functions with no array equivalent (string work, calls into other "
                "libraries): reported without a rewrite; plain Python functions applied to "
                "arrays directly.",
    rewrite="equivalent",
    check=check,
)
