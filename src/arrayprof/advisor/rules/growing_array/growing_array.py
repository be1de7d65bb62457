"""growing-array: np.append / concatenate / vstack / hstack / insert / np.r_ of an array onto itself
inside a loop.
"""

from __future__ import annotations

import ast
from typing import Any

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.config import CONFIG
from arrayprof.advisor.facts import describe, finding, iterations, nbytes
from arrayprof.advisor.rule import Rule
from arrayprof.advisor.vectorizer import (
    MIN_ITERATIONS,
    iteration_of,
)
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report, Rewrite

GROWERS = ("append", "concatenate", "vstack", "hstack", "row_stack", "column_stack", "insert",
           "stack", "dstack")


def grow_call(stmt: ast.stmt, ns: dict[str, Any]) -> tuple[str, ast.Call] | None:
    """``x = np.append(x, ...)`` style, in any spelling of the target (``x``, ``log["loss"]``,
    ``self.rows``) and with the call anywhere in the value (``r if x is None else
    np.vstack([x, r])``): (the target's source text, the call)."""
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and
            isinstance(stmt.targets[0], ast.Name | ast.Subscript | ast.Attribute)):
        return None
    target = at.unparse(stmt.targets[0])
    for call in at.walk_no_defs(stmt.value):
        if isinstance(call, ast.Subscript) and at.is_obj(call.value, ns, np.r_, np.c_) and \
                isinstance(call.slice, ast.Tuple) and \
                any(at.unparse(e) == target for e in call.slice.elts):
            return target, call  # type: ignore[return-value]  # np.r_[x, v]
        if not (isinstance(call, ast.Call) and at.np_func(call.func, ns, *GROWERS) and call.args):
            continue
        first = call.args[0]
        items = first.elts if isinstance(first, ast.List | ast.Tuple) else [first]
        if any(at.unparse(item) == target for item in items):
            return target, call
    return None


def innermost_loop(tree: ast.Module, stmt: ast.stmt) -> ast.For | ast.While | None:
    """The nearest loop whose body holds `stmt` (not counting nested function bodies)."""
    best = None
    for loop in at.loops(tree):
        if loop.lineno < stmt.lineno <= (loop.end_lineno or loop.lineno) and \
                any(node is stmt for node in at.walk_no_defs(loop)):
            if best is None or loop.lineno > best.lineno:
                best = loop
    return best


def check(report: Report, context: CellContext) -> list[Finding]:
    """np.append / concatenate / vstack / hstack of an array onto itself inside a loop."""
    assert context.tree is not None
    ns = context.namespace
    found = []
    for stmt in at.walk_no_defs(context.tree):
        if not isinstance(stmt, ast.Assign):
            continue
        hit = grow_call(stmt, ns)
        if hit is None:
            continue
        loop = innermost_loop(context.tree, stmt)
        if loop is None:
            continue
        name, call = hit
        line = report.line(stmt.lineno)
        copied = line.allocated_bytes if line else 0
        walk = iteration_of(loop, ns) if isinstance(loop, ast.For) else None
        runs = walk.count if walk is not None and walk.count is not None else \
            iterations(report, range(stmt.lineno, stmt.lineno + 1))
        if runs < MIN_ITERATIONS and copied < CONFIG.silent_bytes:
            continue  # a few appends of small arrays: quadratic in theory, free here
        final = at.try_eval(stmt.targets[0], ns) if not isinstance(stmt.targets[0], ast.Name) \
            else ns.get(name)
        size = describe(final) if isinstance(final, np.ndarray) else name
        rewrite = growing_rewrite(context, loop, stmt, name, call, ns)
        func = at.unparse(call.func if isinstance(call, ast.Call) else call.value)
        explanation = (
            f"Line {stmt.lineno} rebuilds {name} with {func} on every pass: each call "
            f"allocates a new array and copies everything so far, so the work grows with the "
            f"square of the length. Here that copied {nbytes(copied)} in all to end with "
            f"{size}. Rule of thumb: collect the pieces in a list and join them once after "
            "the loop (or preallocate and fill).")
        found.append(finding("growing-array", stmt.lineno,
                             f"{func} inside a loop copies {name} on every iteration",
                             explanation, rewrite=rewrite, bytes_wasted=copied,
                             seconds_lost=report.wall_s * 0.5))
    return found


def parts_name(target: ast.expr, taken: set[str]) -> str:
    """A fresh list name for the pieces of `target` (``x`` -> ``x_parts``, ``log["loss"]`` ->
    ``loss_parts``)."""
    if isinstance(target, ast.Name):
        stem = target.id
    elif isinstance(target, ast.Attribute):
        stem = target.attr
    elif isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant) and \
            isinstance(target.slice.value, str) and target.slice.value.isidentifier():
        stem = target.slice.value
    else:
        stem = at.root_name(target) or "grown"
    name = f"{stem}_parts"
    k = 2
    while name in taken:
        name, k = f"{stem}_parts{k}", k + 1
    return name


def growing_rewrite(context: CellContext, loop: ast.For | ast.While, stmt: ast.Assign,
                    name: str, call: ast.Call, ns: dict[str, Any]) -> Rewrite | None:
    assert context.tree is not None
    if loop.orelse or stmt.value is not call or not isinstance(call, ast.Call):
        return None
    target = stmt.targets[0]
    root = at.root_name(target)
    inside = [n for n in at.walk_no_defs(loop) if isinstance(n, ast.stmt) and n is not stmt
              and not isinstance(n, ast.For | ast.While | ast.If | ast.With | ast.Try)]
    if root is None or any(root in at.names_in(s) for s in inside):
        return None  # the loop reads the array it grows: the pieces are not enough
    func = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
    parts = parts_name(target, at.names_in(context.tree) | set(ns))
    keywords = {k.arg: at.unparse(k.value) for k in call.keywords}
    verb = "append"
    if func == "append":
        if not (2 <= len(call.args) <= 3) or at.unparse(call.args[0]) != name:
            return None
        axis = keywords.get("axis") or (at.unparse(call.args[2]) if len(call.args) > 2 else None)
        piece = at.unparse(call.args[1])
        if axis is None:
            start, add, join = f"[np.ravel({name})]", f"np.ravel({piece})", \
                f"np.concatenate({parts})"
        else:
            start, add, join = f"[{name}]", piece, f"np.concatenate({parts}, axis={axis})"
    elif func in ("concatenate", "vstack", "hstack", "row_stack", "column_stack", "dstack"):
        if len(call.args) != 1 or not isinstance(call.args[0], ast.List | ast.Tuple):
            return None
        items = call.args[0].elts
        if not items or at.unparse(items[0]) != name or \
                any(root in at.names_in(i) for i in items[1:]):
            return None
        extra = "".join(f", {k}={v}" for k, v in keywords.items())
        start = f"[{name}]"
        add = ", ".join(at.unparse(i) for i in items[1:])
        join = f"np.{func}({parts}{extra})"
        if len(items) > 2:
            add, verb = f"[{add}]", "extend"
    else:
        return None
    lines = context.source.splitlines()
    loop_indent = at.indent_of(lines[loop.lineno - 1])
    body_indent = at.indent_of(lines[stmt.lineno - 1])
    new_body = [*lines[loop.lineno - 1: stmt.lineno - 1],
                f"{body_indent}{parts}.{verb}({add})",
                *lines[(stmt.end_lineno or stmt.lineno): loop.end_lineno]]
    code = "\n".join([f"{loop_indent}{parts} = {start}", *new_body,
                      f"{loop_indent}{name} = {join}"])
    return Rewrite(kind="equivalent", code=code, lines=[loop.lineno, loop.end_lineno or
                                                        loop.lineno], compared=[root])


RULE = Rule(
    name="growing-array",
    category="growing-array",
    finds="An assignment inside a for or while loop that rebuilds its own target (a name, "
          "d[\"key\"], self.attr) with np.append, concatenate, vstack, hstack, row_stack, "
          "column_stack, dstack, stack, insert or np.r_ / np.c_ including the target, when the "
          "loop runs 50 or more passes or the line copied 64 KiB or more. The rewrite collects "
          "the pieces in a list and joins them once after the loop, when the loop reads the "
          "array nowhere else.",
    why="Each call allocates a new array and copies everything grown so far: the work and the "
        "memory churn grow with the square of the final length.",
    example="for k in range(n):\n    out = np.append(out, f(k))\n->\n"
            "out_parts = [np.ravel(out)]\nfor k in range(n):\n    "
            "out_parts.append(np.ravel(f(k)))\nout = np.concatenate(out_parts)",
    near_misses="A list collected in the loop and concatenated once after it; a few appends of "
                "small arrays (under 50 passes and 64 KiB copied); a concatenate outside any "
                "loop; a target not among the joined pieces.",
    rewrite="equivalent",
    check=check,
)
