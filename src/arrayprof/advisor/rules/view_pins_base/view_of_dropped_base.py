"""view-of-dropped-base (category view-pins-base): a small view bound to a name that keeps a much
larger buffer alive which no name reaches any more, judged from the arrays the cell leaves bound."""

from __future__ import annotations

import ast

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.aliasing import owner, view_source
from arrayprof.advisor.config import CONFIG
from arrayprof.advisor.facts import finding, nbytes
from arrayprof.advisor.rule import Rule
from arrayprof.advisor.scopes import RETURN
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report, Rewrite


def view_of_dropped_base(report: Report, context: CellContext) -> list[Finding]:
    """A small view that keeps a much larger buffer alive which no name reaches any more."""
    assert context.tree is not None
    ns = context.namespace
    found = []
    for info in report.arrays:
        if not info.is_view or info.lineno is None:  # first: cheap (this runs per function)
            continue
        value = ns.get(info.name)
        if not isinstance(value, np.ndarray):
            continue
        pinned = info.base_nbytes
        if pinned < CONFIG.pin_factor * max(info.nbytes, 1) or pinned < CONFIG.silent_bytes:
            continue
        buffer = owner(value)
        reachable = [name for name, other in ns.items() if name != info.name and isinstance(
            other, np.ndarray) and (other is buffer or owner(other) is buffer) and
            other.nbytes * CONFIG.pin_factor >= pinned]
        if reachable:
            continue
        lineno, rewrite = view_origin(context, info.name, info.lineno)
        if rewrite is None:
            rewrite = pin_rewrite(context, lineno, info.name)
        explanation = (
            f"{info.name} is a view of {nbytes(info.nbytes)} made on line {lineno}, but a view "
            f"keeps its whole base buffer alive: {nbytes(pinned)} stay allocated although no "
            f"name refers to the base any more ({nbytes(pinned - info.nbytes)} held for "
            "nothing). Rule of thumb: .copy() a small slice you keep from a big temporary array, "
            "so the big one can be freed.")
        found.append(finding("view-pins-base", lineno,
                             f"view {info.name} ({nbytes(info.nbytes)}) keeps a "
                             f"{nbytes(pinned)} base alive", explanation, rewrite=rewrite,
                             bytes_wasted=pinned - info.nbytes))
    return found


def view_origin(context: CellContext, name: str, lineno: int) -> tuple[int, Rewrite | None]:
    """The line that made the view bound to `name`, and a ``.copy()`` rewrite there when it is
    inside a cell function: ``preview = load()`` where ``load`` ends ``return raw[:20]`` made the
    view on the ``return`` line (the report's line is where the name was bound)."""
    from arrayprof.advisor import scopes
    from arrayprof.advisor.verify import set_scope

    assert context.tree is not None
    bindings = at.binding_lines(context.tree, name)
    if not bindings:
        return lineno, None
    bound_at = bindings[-1] if lineno not in bindings else lineno
    value = at.bound_value(context.tree, name, bound_at)
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)):
        return bound_at, None
    func = next((f for f in scopes.cell_functions(context.tree) if f.name == value.func.id),
                None)
    if func is None:
        return bound_at, None
    returns = [r for r in ast.walk(func) if isinstance(r, ast.Return) and r.value is not None]
    views = [r for r in returns if view_source(r.value, {}) is not None]  # type: ignore
    if len(views) != 1 or len(returns) != 1:
        return bound_at, None
    ret = views[0]
    indent = at.indent_of(context.source.splitlines()[ret.lineno - 1])
    rewrite = Rewrite(kind="equivalent", code=f"{indent}return {at.unparse(ret.value)}.copy()",
                      lines=[ret.lineno, ret.end_lineno or ret.lineno], compared=[RETURN])
    set_scope(rewrite, scopes.scope_for(context, func))
    return ret.lineno, rewrite


def pin_rewrite(context: CellContext, lineno: int, name: str) -> Rewrite | None:
    assert context.tree is not None
    statements = at.statements_on(context.tree, lineno)
    if len(statements) != 1 or not isinstance(statements[0], ast.Assign):
        return None
    stmt = statements[0]
    if not (len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) and
            stmt.targets[0].id == name):
        return None
    lines = context.source.splitlines()
    indent = at.indent_of(lines[lineno - 1])
    code = f"{indent}{name} = ({at.unparse(stmt.value)}).copy()" if not isinstance(
        stmt.value, ast.Subscript | ast.Name | ast.Attribute) else \
        f"{indent}{name} = {at.unparse(stmt.value)}.copy()"
    return Rewrite(kind="equivalent", code=code, lines=[lineno, stmt.end_lineno or lineno],
                   compared=[name])


RULE = Rule(
    name="view-of-dropped-base",
    category="view-pins-base",
    finds=("A view bound to a name, at most 1/`pin_factor` of its base (and a base of at least "
           "`silent_bytes`), whose base no other name reaches: neither the base itself nor another array "
           "of comparable size sharing its memory."),
    why=("A view keeps its whole base buffer alive: the base stays allocated as long as the small view "
         "lives."),
    example="top = np.sort(z)[-10:]\n->\ntop = np.sort(z)[-10:].copy()",
    near_misses=("Views whose base is still named; views not much smaller than their base; slices already "
                 "copied (.copy()); a view the cell deletes."),
    rewrite="equivalent",
    check=view_of_dropped_base,
)
