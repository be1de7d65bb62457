"""fancy-index-range: an integer list (or range, np.arange) of consecutive positions used as an
index, ``m[[0, 1, 2, 3]]``: fancy indexing always copies, where the slice ``m[0:4]`` is a view."""

from __future__ import annotations

import ast
import itertools

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.aliasing import changed_after, target_name
from arrayprof.advisor.facts import describe, finding, iterations, nbytes
from arrayprof.advisor.rewriting import statement_replacing
from arrayprof.advisor.rule import Rule
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report


def fancy_index_range(report: Report, context: CellContext) -> list[Finding]:
    """Every read subscript whose index is a run of consecutive positions."""
    assert context.tree is not None
    found: list[Finding] = []
    for node in at.nodes(context.tree):
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            hit = fancy_range(context, report, node)
            if hit:
                found.append(hit)
    return found


def consecutive(values: list[int]) -> tuple[int, int, int] | None:
    """(start, stop, step) when a list of ints is an arithmetic progression."""
    if len(values) < 2:
        return None
    step = values[1] - values[0]
    if step <= 0 or any(b - a != step for a, b in itertools.pairwise(values)):
        return None
    return values[0], values[-1] + step, step


def fancy_range(context: CellContext, report: Report, node: ast.Subscript) -> Finding | None:
    """``m[[0, 1, 2, 3]]`` / ``m[np.arange(a, b)]``: a copy where ``m[0:4]`` is a view."""
    ns = context.namespace
    array = at.array_value(node.value, ns)
    if array is None:
        return None
    index = node.slice
    rest = ""
    lead = ""
    axis = 0
    if isinstance(index, ast.Tuple) and index.elts:
        # m[[0, 1, 2], :] selects rows like m[[0, 1, 2]]; m[:, [0, 1, 2]] columns like m[:, 0:3]
        fancy = [k for k, e in enumerate(index.elts) if not isinstance(e, ast.Slice)]
        if len(fancy) != 1 or fancy[0] >= array.ndim:
            return None
        axis = fancy[0]
        lead = "".join(at.unparse(e) + ", " for e in index.elts[:axis])
        rest = "".join(", " + at.unparse(e) for e in index.elts[axis + 1:])
        index = index.elts[axis]
    if isinstance(index, ast.Call) and at.np_func(index.func, ns, "array", "asarray") and \
            len(index.args) == 1 and not index.keywords and isinstance(index.args[0], ast.List):
        index = index.args[0]  # np.array([0, 1, 2]) indexes like [0, 1, 2]
    if isinstance(index, ast.Call) and isinstance(index.func, ast.Name) and \
            index.func.id == "list" and len(index.args) == 1 and \
            at.resolve(index.func, ns) is list:
        index = index.args[0]  # list(range(a, b)) indexes like range(a, b)
    values: list[int] | None = None
    ranged = isinstance(index, ast.Call) and not index.keywords and 1 <= len(index.args) <= 3 \
        and (at.np_func(index.func, ns, "arange") or (
            isinstance(index.func, ast.Name) and index.func.id == "range" and
            at.resolve(index.func, ns) is range))
    if isinstance(index, ast.List) and all(at.const_int(e) is not None for e in index.elts):
        values = [at.const_int(e) for e in index.elts]  # type: ignore[misc]
        rng = consecutive(values)
    elif ranged:
        assert isinstance(index, ast.Call)
        parts = [at.unparse(a) for a in index.args]
        if len(parts) == 3 and (at.const_int(index.args[2]) or 0) <= 0:
            return None  # a negative step from a computed start: leave it
        rng = (0, 0, 1)
        text = ":".join(parts) if len(parts) > 1 else f":{parts[0]}"
        slice_text = text
    else:
        return None
    if rng is None:
        return None
    if values is not None:
        start, stop, step = rng
        if any(v < 0 for v in values):
            return None
        slice_text = f"{start}:{stop}" + (f":{step}" if step != 1 else "")
        count = len(values)
    else:
        count = 0
    parent = at.parents(context.tree).get(node)  # type: ignore[arg-type]
    if isinstance(parent, ast.Assign) and node in parent.targets:
        return None
    name = target_name(context, node)
    if name and changed_after(context.tree, name, node.lineno):  # type: ignore[arg-type]
        return None
    row = array.nbytes // max(1, array.shape[axis])
    new = ast.Subscript(value=node.value,
                        slice=at.parse_expr(f"x[{lead}{slice_text}{rest}]").slice,
                        ctx=ast.Load())
    rewrite = statement_replacing(context, node, new)
    piece = row * count if count else row
    loops = at.enclosing_loops(context.tree, node.lineno)  # type: ignore[arg-type]
    runs = max(1, iterations(report, range(node.lineno, node.lineno + 1))) if loops else 1
    line = report.line(node.lineno)
    copied = max(piece * runs, line.allocated_bytes if line else 0)
    explanation = (
        f"Line {node.lineno} indexes {describe(array)} with a list of consecutive positions. "
        "An integer list is fancy indexing, which always copies the selected "
        + ("rows" if axis == 0 else f"positions along axis {axis}")
        + (f" (here {nbytes(piece)} per run, {runs:,} runs, {nbytes(copied)} allocated)"
           if runs > 1 else f" ({nbytes(copied)} allocated)")
        + f"; the slice [{lead}{slice_text}{rest}] selects the same elements as a view, for free. "
        "Rule of thumb: "
        "use slices for regular runs of indices.")
    return finding("unexpected-copy", node.lineno,
                   "fancy index of consecutive positions copies; a slice is a view",
                   explanation, rewrite=rewrite, bytes_wasted=copied)


RULE = Rule(
    name="fancy-index-range",
    category="unexpected-copy",
    finds=("An index that is a list of consecutive non-negative integers ([0, 1, 2, 3], np.array([...]), "
           "list(range(a, b)), range(a, b), np.arange(a, b[, step>0])) on one axis of an array, read and "
           "not assigned to."),
    why=("Fancy indexing always copies the selected rows (in a loop, once per iteration); the slice with "
         "the same start, stop and step selects the same elements as a view, for free."),
    example="rows = m[[0, 1, 2, 3]]\n->\nrows = m[0:4]",
    near_misses=("Irregular index lists ([0, 2, 3]); negative positions; a negative step from a computed "
                 "start; an index that is assigned to (m[[0, 1]] = ...); a result the cell writes to "
                 "afterwards."),
    rewrite="equivalent",
    check=fancy_index_range,
)
