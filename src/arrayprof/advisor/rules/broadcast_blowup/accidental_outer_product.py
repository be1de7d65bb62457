"""accidental-outer-product: a flat (N,) array combined with an (N, 1) column, so broadcasting
pairs every element with every other one (N x N values) where N matched pairs were meant.

Category broadcast-blowup (the same measured op), but a fix: flattening the column changes the
result on purpose, and the check says how.
"""

from __future__ import annotations

import ast
from typing import Any

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.facts import nbytes
from arrayprof.advisor.outer_products import (
    accidental_pair,
    big_broadcasts,
    blowup_finding,
    explicit_outer,
    line_kept,
)
from arrayprof.advisor.rule import Rule
from arrayprof.advisor.verify import set_fix_check
from arrayprof.context import CellContext
from arrayprof.report import Finding, OpRecord, Report, Rewrite

WHY = ("One operand is a column ((N, 1)) and the other a flat (N,) array, so broadcasting pairs "
       "every element with every other one instead of matching them up: the result is N times "
       "larger than intended.")


def accidental_outer_product(report: Report, context: CellContext) -> list[Finding]:
    """A big broadcast of (N,) against (N, 1) on a line that asks for no outer product."""
    assert context.tree is not None
    found = []
    seen: set[int] = set()
    for op, source in big_broadcasts(report, context):
        assert op.lineno is not None
        if op.lineno in seen or accidental_pair(op) is None or explicit_outer(source):
            continue
        kept = line_kept(report, context, op.lineno)
        seen.add(op.lineno)
        lineno = at.first_line(context.tree, op.lineno)
        rewrite = accidental_rewrite(context, lineno, op)
        found.append(blowup_finding(report, op, lineno, WHY, kept, rewrite))
    return found


def op_size(op: OpRecord) -> int:
    """N of an accidental (N,) against (N, 1) pairing, or 0."""
    pair = accidental_pair(op)
    return pair[0] if pair else 0


def accidental_rewrite(context: CellContext, lineno: int, op: OpRecord) -> Rewrite | None:
    """Flatten the (N, 1) operand so the two arrays pair element by element (a fix)."""
    assert context.tree is not None
    statements = at.statements_on(context.tree, lineno)
    if len(statements) != 1 or not isinstance(statements[0], ast.Assign):
        return None
    stmt = statements[0]
    columns = [n.id for n in ast.walk(stmt.value) if isinstance(n, ast.Name) and isinstance(
        context.namespace.get(n.id), np.ndarray) and context.namespace[n.id].ndim == 2 and
        context.namespace[n.id].shape[1] == 1]
    if len(set(columns)) != 1:
        return None
    column = columns[0]

    new = at.Substitute({column: at.parse_expr(f"{column}[:, 0]")}).visit(
        ast.parse(at.unparse(stmt)).body[0])
    names = [at.root_name(t) for t in stmt.targets]
    if not all(names):
        return None
    indent = at.indent_of(context.source.splitlines()[lineno - 1])
    rewrite = Rewrite(kind="fix", code=at.reindent(at.unparse(new), indent),
                      lines=[lineno, lineno], compared=names)  # type: ignore[arg-type]
    target = names[0]

    def check(before: dict[str, Any], after: dict[str, Any], error: BaseException | None) -> str:
        old, fixed = before.get(target), after.get(target)
        if not isinstance(fixed, np.ndarray | np.generic | float | int | complex) or \
                isinstance(fixed, bool):
            return f"{target} was not produced" if fixed is None else \
                f"{target} is a {type(fixed).__name__}, not a number or an array"
        was = f"{np.shape(old)}" if error is None else f"an error ({type(error).__name__})"
        if np.ndim(fixed) == 0:
            # a reduction of the pairing (``((y_pred - y_true) ** 2).mean()``): a NumPy or
            # Python scalar, now computed from the N matched pairs instead of the N x N outer
            # product
            pairs = f"{op_size(op):,}" if op_size(op) else "the"
            value = f"{float(np.real(fixed)):.6g}"
            if error is None and np.ndim(old) == 0 and old is not None:
                return (f"{target} is now computed from the {pairs} matched pairs, not the "
                        f"outer product: {value} instead of {float(np.real(old)):.6g}")
            return (f"{target} is now computed from the {pairs} matched pairs, not the outer "
                    f"product: {value} instead of {was}")
        return (f"{target} now pairs elements one to one: shape {fixed.shape} "
                f"({nbytes(fixed.nbytes)}) instead of {was}")

    set_fix_check(rewrite, check)
    return rewrite


RULE = Rule(
    name="accidental-outer-product",
    category="broadcast-blowup",
    finds="A broadcast of a flat (N,) array against an (N, 1) column (N > 1) whose result is at "
          "least `blowup_factor` times its largest input and `silent_bytes`, on a line that "
          "asks for no outer product (no None, newaxis, reshape, np.outer, ix_, meshgrid...).",
    why="Broadcasting pairs every element with every other one: N x N values in memory and time "
        "where N matched pairs were meant, and a wrong result (a mean over all pairs).",
    example="mse = np.mean((pred - y) ** 2)  # pred (N, 1), y (N,)\n->\n"
            "mse = np.mean((pred[:, 0] - y) ** 2)",
    near_misses="Outer products written on purpose ([:, None], reshape(-1, 1), np.outer, "
                "np.subtract.outer); an (N, 1) column against an (M,) array of another length; "
                "pairings below `silent_bytes`.",
    rewrite="fix",
    check=accidental_outer_product,
)
