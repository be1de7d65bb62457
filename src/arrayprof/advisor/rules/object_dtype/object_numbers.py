"""object-numbers: an object-dtype array whose elements are all numbers (int, float or complex
that fit int64/float64/complex128): every element is a boxed Python object."""

from __future__ import annotations

import ast

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.facts import finding, nbytes, shape
from arrayprof.advisor.object_arrays import (
    gappy_sources,
    numeric_kind,
    numeric_names,
    object_arrays,
)
from arrayprof.advisor.rule import Rule
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report, Rewrite


def single_assign(context: CellContext, lineno: int) -> ast.Assign | None:
    assert context.tree is not None
    statements = at.statements_on(context.tree, lineno)
    if len(statements) == 1 and isinstance(statements[0], ast.Assign) and \
            len(statements[0].targets) == 1 and isinstance(statements[0].targets[0], ast.Name):
        return statements[0]
    return None


def check(report: Report, context: CellContext) -> list[Finding]:
    """Object arrays that hold only numbers: every element is a boxed Python object."""
    assert context.tree is not None
    ns = context.namespace
    found = []
    candidates = object_arrays(report, context)
    numeric = numeric_names(context, candidates)
    # an array made from another object array of numbers (or from a None-gapped one, which
    # none-gaps reports) is not the cause: that one is
    sources = numeric | set(gappy_sources(context, candidates, numeric))
    for name, lineno in candidates.items():
        if name not in numeric:
            continue
        value = ns[name]
        kind = numeric_kind(value)
        if kind is None:
            continue
        bindings = at.binding_lines(context.tree, name)
        inside = lineno is not None and any(
            isinstance(f, ast.FunctionDef | ast.Lambda) and
            f.lineno < lineno <= (f.end_lineno or f.lineno) for f in ast.walk(context.tree))
        if bindings and lineno is not None and not inside:
            # the statement that bound the name (a later ``x[:] = ...`` only fills it); a
            # function of the cell that made the array keeps its own line, where it was made
            lineno = max([b for b in bindings if b <= lineno] or bindings[:1])
        stmt = at.statement_at(context.tree, lineno) if lineno else None
        made = made_in_function(report, context, stmt)
        if made is not None:
            lineno, stmt = made, at.statement_at(context.tree, made)
        if stmt is not None and (at.loaded_names(stmt) & (sources - {name})):
            continue  # derived from another object array of numbers: that one is the cause
        if lineno is None:
            uses = [n.lineno for n in ast.walk(context.tree) if isinstance(n, ast.Name) and
                    n.id == name]
            lineno = min(uses) if uses else None
        if lineno is None:
            continue
        rewrite = object_rewrite(context, name, lineno, kind)
        dtype = {"int": "int64", "float": "float64", "complex": "complex128"}[kind]
        ops = [op for op in report.ops if any(o.get("dtype") == "object" for o in op.operands)]
        seconds_lost = report.wall_s * 0.8 if ops else 0.0
        explanation = (
            f"{name} is a {shape(value.shape)} array of dtype object holding only numbers: each "
            f"element is a separate Python object ({nbytes(value.nbytes)} of pointers plus the "
            "objects themselves), and every operation on it runs in the interpreter, element by "
            f"element. As {dtype} it would be one compact buffer and use compiled loops. Rule of "
            "thumb: dtype=object is for mixed or non-numeric data only.")
        found.append(finding("object-dtype", lineno,
                             f"{name} is an object array of numbers; use {dtype}", explanation,
                             rewrite=rewrite, seconds_lost=seconds_lost,
                             bytes_wasted=value.size * 24))
    return found


def made_in_function(report: Report, context: CellContext, stmt: ast.stmt | None) -> int | None:
    """For ``arr = load(vals)`` where ``load`` is a function of the cell with one ``return``
    that allocated (``return np.array(v, dtype=object)``): that return's line, where the array
    was made."""
    assert context.tree is not None
    if not (isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call) and
            isinstance(stmt.value.func, ast.Name)):
        return None
    funcs = [f for f in context.tree.body if isinstance(f, ast.FunctionDef) and
             f.name == stmt.value.func.id]
    if len(funcs) != 1:
        return None
    returns = [n for n in ast.walk(funcs[0]) if isinstance(n, ast.Return) and n.value is not None]
    if len(returns) != 1:
        return None
    line = report.line(returns[0].lineno)
    return returns[0].lineno if line is not None and line.allocations else None


def object_rewrite(context: CellContext, name: str, lineno: int, kind: str) -> Rewrite | None:
    assert context.tree is not None
    stmt = single_assign(context, lineno)
    if stmt is None or stmt.targets[0].id != name:  # type: ignore[attr-defined]
        return None
    call = stmt.value
    if not isinstance(call, ast.Call):
        return None
    dtype_kw = [k for k in call.keywords if k.arg == "dtype"]
    if len(dtype_kw) != 1 or at.unparse(dtype_kw[0].value) not in ("object", "np.object_", "'O'",
                                                                    '"O"', "'object'"):
        return None
    new_kw = ast.keyword(arg="dtype", value=ast.Name(id={"int": "np.int64", "float": "float",
                                                         "complex": "complex"}[kind],
                                                     ctx=ast.Load()))
    from arrayprof.advisor.rewriting import ReplaceNode

    new = ReplaceNode(dtype_kw[0], new_kw).visit(stmt)
    users = [s for s in context.tree.body if s.lineno > lineno and name in at.loaded_names(s)]
    compared = sorted({n for s in users for n in at.stored_names(s)} - {name})
    lines = context.source.splitlines()
    last = max([lineno, *[(s.end_lineno or s.lineno) for s in users]])
    code = "\n".join([at.reindent(at.unparse(new), at.indent_of(lines[lineno - 1])),
                      *lines[(stmt.end_lineno or lineno):last]])
    return Rewrite(kind="equivalent", code=code, lines=[lineno, last],
                   compared=compared or [name])


RULE = Rule(
    name="object-numbers",
    category="object-dtype",
    finds="An array of dtype object whose elements are all numbers (bools, ints that fit "
          "int64, floats, complex), made by the cell (reported on the statement that made it, "
          "also the return of a cell function that made it) or read by it. Arrays derived "
          "from another such array are left to the one they come from.",
    why="Every element is a separate Python object: arithmetic runs in the interpreter "
        "(10-100x slower) and the array takes pointers plus the objects (several times the "
        "memory of a numeric buffer).",
    example="nums = np.array(values, dtype=object)\n->\nnums = np.array(values, dtype=float)",
    near_misses="Object arrays of strings, ragged lists or mixed objects; Python ints beyond "
                "int64 (object is right there); numbers with None gaps (none-gaps); empty "
                "object arrays.",
    rewrite="equivalent",
    check=check,
)
