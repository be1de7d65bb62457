"""nonfinite-int-cast: NaN or inf cast to an integer type; no integer type holds them, so no
wider dtype is a fix (issue 12: ``np.array([np.nan]).astype(int)`` was called a wrap-around int8
would fix)."""

from __future__ import annotations

import ast

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.dtype_facts import cast_of
from arrayprof.advisor.facts import finding
from arrayprof.advisor.rule import Rule
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report


def check(report: Report, context: CellContext) -> list[Finding]:
    """Casts to an integer type (x.astype(int), np.array(x, dtype=np.int32)) of float values of
    which some are NaN or infinite."""
    assert context.tree is not None
    ns = context.namespace
    found = []
    for node in at.walk_no_defs(context.tree):
        spec = cast_of(node, ns)
        if spec is None:
            continue
        source, dtype = spec
        values = at.array_of(source, ns)
        if values is None or values.size == 0 or values.dtype.kind != "f" or \
                dtype.kind not in "iu":
            continue
        nonfinite = int(values.size - np.count_nonzero(np.isfinite(values)))
        if not nonfinite:
            continue
        stmt = at.statement_at(context.tree, node.lineno)  # type: ignore[attr-defined]
        lineno = stmt.lineno if stmt is not None else node.lineno  # type: ignore[attr-defined]
        found.append(nonfinite_cast(lineno, source, values, dtype, nonfinite))
    return found


def nonfinite_cast(lineno: int, source: ast.expr, values: np.ndarray, dtype: np.dtype,
                   nonfinite: int) -> Finding:
    """NaN or inf cast to an integer type: no integer type holds them, so no wider dtype is a
    fix (issue 12: ``np.array([np.nan]).astype(int)`` was called a wrap-around int8 would fix).
    NumPy gives an arbitrary integer (typically the type's minimum) and, since 2.0, a warning."""
    explanation = (
        f"Line {lineno} casts {at.unparse(source)} ({values.dtype}) to {dtype}, but "
        f"{nonfinite:,} of its {values.size:,} values are NaN or infinite. No integer type "
        "holds them: the cast gives an arbitrary integer (typically the type's minimum), not a "
        "wrap-around a wider type would avoid. Deal with them first: keep a float array, "
        "replace them on purpose (np.nan_to_num(x, nan=...) or np.where(np.isfinite(x), x, "
        "fill)), or cast only x[np.isfinite(x)].")
    return finding("dtype-overflow", lineno,
                   f"casting NaN or inf to {dtype} gives arbitrary integers", explanation,
                   force="warning")


RULE = Rule(
    name="nonfinite-int-cast",
    category="dtype-overflow",
    finds="x.astype(D), np.array(x, dtype=D) or np.asarray(x, dtype=D), D an integer type, of "
          "a float array some of whose values are NaN or infinite (counted on the data).",
    why="No integer holds NaN or inf: the cast gives an arbitrary integer (typically the type's "
        "minimum), a wrong number that looks like data.",
    example="idx = np.array([np.nan, 1.0]).astype(int)\n->\n(no rewrite: replace the NaN on "
            "purpose, np.nan_to_num(x, nan=...), or cast x[np.isfinite(x)])",
    near_misses="Float arrays with only finite values (narrowing-cast judges their range); "
                "casts to float types; NaN in arrays that are not cast.",
    rewrite="none",
    check=check,
)
