"""Broadcasts that build outer products, asked for or by accident: the op records and lines the
reduced-outer-product and accidental-outer-product rules judge.

A broadcast qualifies when its result is at least `silent_bytes` and `blowup_factor` times its
largest input (`big_broadcasts`); whether the line asked for an outer product (None, newaxis,
reshape, np.outer...) or paired a column with a flat array by accident (`accidental_pair`), and
what the line keeps bound to names (`line_kept`), decide which rule speaks.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.config import CONFIG
from arrayprof.advisor.facts import describe, finding, kept_bytes, line_growth, nbytes, shape
from arrayprof.context import CellContext
from arrayprof.report import Finding, OpRecord, Report, Rewrite

EXPLICIT_OUTER = ("outer", "ix_", "meshgrid", "newaxis", "expand_dims", "reshape", "subtract.outer",
                  "multiply.outer", "add.outer")


def explicit_outer(stmt_source: str) -> bool:
    """Whether the line asks for an outer product on purpose (None / newaxis / reshape / outer)."""
    return "None" in stmt_source or any(word in stmt_source for word in EXPLICIT_OUTER)


def line_kept(report: Report, context: CellContext, lineno: int) -> int:
    """Bytes of the arrays the line leaves bound to names (what it keeps)."""
    assert context.tree is not None
    total = 0
    for stmt in at.statements_on(context.tree, lineno):
        targets: list[ast.expr] = []
        if isinstance(stmt, ast.Assign):
            targets = stmt.targets
        elif isinstance(stmt, ast.AugAssign | ast.AnnAssign):
            targets = [stmt.target]
        for target in targets:
            for node in ast.walk(target):
                if isinstance(node, ast.Name):
                    value = context.namespace.get(node.id)
                    if isinstance(value, np.ndarray):
                        total += value.nbytes
    return max(total, kept_bytes(report.line(lineno)) if at.enclosing_loops(
        context.tree, lineno) == [] else 0)


def accidental_pair(op: OpRecord) -> tuple[int, int] | None:
    """(N,) against (N, 1) (or (1, N) against (N, 1)): the classic accidental outer product."""
    shapes = [tuple(o["shape"]) for o in op.operands if o.get("value", "array") == "array"]
    if len(shapes) != 2:
        return None
    a, b = shapes
    for x, y in ((a, b), (b, a)):
        if len(x) == 1 and len(y) == 2 and y[1] == 1 and y[0] == x[0] and x[0] > 1:
            return x[0], 1
    return None



def big_broadcasts(report: Report, context: CellContext) -> Iterator[tuple[OpRecord, str]]:
    """(op, source line) of every broadcast of the cell's own code whose result is at least
    `silent_bytes` and `blowup_factor` times its largest input, in op order."""
    assert context.tree is not None
    lines: list[str] | None = None  # split once, and only when an op qualifies
    for op in report.ops:
        if not op.broadcast or op.result is None or op.lineno is None or \
                at.internal_op(op, context.tree):
            continue
        result_bytes = op.result.get("nbytes", 0)
        largest = max((o.get("nbytes", 0) for o in op.operands), default=0)
        if result_bytes < CONFIG.silent_bytes or result_bytes < CONFIG.blowup_factor * max(
                largest, 1):
            continue
        if lines is None:
            lines = context.source.splitlines()
        yield op, lines[op.lineno - 1] if op.lineno <= len(lines) else ""


def blowup_finding(report: Report, op: OpRecord, lineno: int, why: str, kept: int,
                   rewrite: Rewrite | None) -> Finding:
    """The broadcast-blowup finding of a big broadcast on `lineno`: what was built from what,
    how far memory rose, `why` it is waste, and the bytes beyond what the line keeps."""
    assert op.result is not None
    result_bytes = op.result.get("nbytes", 0)
    largest = max((o.get("nbytes", 0) for o in op.operands), default=0)
    inputs = " and ".join(f"{shape(o['shape'])} {o['dtype']} ({nbytes(o.get('nbytes', 0))})"
                          for o in op.operands if o.get("value", "array") == "array")
    peak = line_growth(report, lineno)
    explanation = (
        f"Line {lineno} built {describe(op.result)} by broadcasting {inputs} in "
        f"{op.name} ({op.expansion:,.0f}x the largest input); memory rose by {nbytes(peak)} "
        f"while the line ran. {why} Rule of thumb: do not materialise an outer product "
        "just to reduce it; reduce first, work in chunks, or use an identity (for example "
        "max |x_i - x_j| = x.max() - x.min()).")
    return finding("broadcast-blowup", lineno,
                   f"broadcast in {op.name} materialises {nbytes(result_bytes)} from "
                   f"{nbytes(largest)} inputs", explanation, rewrite=rewrite,
                   bytes_wasted=max(peak, result_bytes) - kept)
