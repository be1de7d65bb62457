"""tile-to-broadcast: ``np.tile`` / ``np.repeat`` used only to make an operand as large as the
array it is combined with in arithmetic, which broadcasting does for free."""

from __future__ import annotations

import ast

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.aliasing import changed_after, target_name
from arrayprof.advisor.facts import finding, nbytes
from arrayprof.advisor.rewriting import statement_replacing
from arrayprof.advisor.rule import Rule
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report


def tile_to_broadcast(report: Report, context: CellContext) -> list[Finding]:
    """Every ``np.tile(...)`` / ``np.repeat(...)`` whose result only feeds arithmetic."""
    assert context.tree is not None
    ns = context.namespace
    found: list[Finding] = []
    for node in at.nodes(context.tree):
        if isinstance(node, ast.Call) and at.np_func(node.func, ns, "tile", "repeat"):
            hit = tile_to_match(context, report, node)
            if hit:
                found.append(hit)
    return found


def tile_to_match(context: CellContext, report: Report, node: ast.Call) -> Finding | None:
    """np.tile / np.repeat used only to match another operand's shape in arithmetic."""
    assert context.tree is not None
    ns = context.namespace
    parent = at.parents(context.tree)
    holder = parent.get(node)
    small = node.args[0] if node.args else None
    if small is None:
        return None
    small_value = at.array_of(small, ns)
    uses: list[ast.BinOp] = []
    name = target_name(context, node)
    if isinstance(holder, ast.BinOp):
        uses = [holder]
    elif name:
        uses = [n for n in ast.walk(context.tree) if isinstance(n, ast.BinOp) and any(
            isinstance(side, ast.Name) and side.id == name for side in (n.left, n.right))]
        if name and changed_after(context.tree, name, node.lineno):
            return None
    if not uses:
        return None
    tiled = ns.get(name) if name else None
    if not isinstance(tiled, np.ndarray):
        tiled = None
    if tiled is None and small_value is None:
        return None
    rewrite = None
    if small_value is not None and isinstance(holder, ast.BinOp):
        other = holder.right if holder.left is node else holder.left
        other_value = at.array_value(other, ns)
        if other_value is not None:
            try:
                if np.broadcast_shapes(small_value.shape, other_value.shape) == other_value.shape:
                    rewrite = statement_replacing(context, node, small)
            except ValueError:
                rewrite = None
    elif tiled is not None and isinstance(small, ast.Name):
        new = at.parse_expr(f"np.broadcast_to({small.id}[...], {tiled.shape})")
        if isinstance(small_value, np.ndarray):
            try:
                np.broadcast_to(small_value, tiled.shape)
                rewrite = statement_replacing(context, node, new)
            except ValueError:
                rewrite = None
    size = tiled.nbytes if tiled is not None else 0
    line = report.line(node.lineno)
    copied = max(size, line.allocated_bytes if line else 0)
    func = at.unparse(node.func)
    explanation = (
        f"Line {node.lineno} uses {func} to make {at.unparse(small)} as large as the array it "
        f"is combined with ({nbytes(copied)} allocated), but broadcasting stretches the smaller "
        "operand for free, without materialising it. Rule of thumb: give the small array the "
        "right number of axes (None / reshape) and let broadcasting do the rest; np.broadcast_to "
        "gives a read-only view when a full-shape array is needed.")
    return finding("unexpected-copy", node.lineno, f"{func} copies data broadcasting would "
                   "stretch for free", explanation, rewrite=rewrite, bytes_wasted=copied)


RULE = Rule(
    name="tile-to-broadcast",
    category="unexpected-copy",
    finds=("np.tile(a, ...) or np.repeat(a, ...) whose result is an operand of arithmetic (directly, or "
           "through a name the cell does not change afterwards)."),
    why=("The tiled copy materialises the full shape, a pass over memory and its bytes, where broadcasting"
         " stretches the small operand for free."),
    example="out = X - np.tile(mu, (n, 1))\n->\nout = X - mu",
    near_misses=("np.tile/np.repeat whose result is not used in arithmetic (kept, indexed, returned); a "
                 "tiled name the cell changes afterwards."),
    rewrite="equivalent",
    check=tile_to_broadcast,
)
