"""reduced-outer-product (category broadcast-blowup): a broadcast that materialises far more than its
inputs and than what the line keeps: a temporary reduced or sliced at once, or a big array only
named to be reduced later.

Judged from measured bytes: the op records say what each broadcast produced, the line figures and
the timeline how far memory rose while the line ran.  An accidental (N,) against (N, 1) pairing
is the accidental-outer-product rule's: its rewrite is a fix, not an identity.
"""

from __future__ import annotations

import ast
from typing import Any

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.config import CONFIG
from arrayprof.advisor.facts import nbytes
from arrayprof.advisor.outer_products import (
    accidental_pair,
    big_broadcasts,
    blowup_finding,
    explicit_outer,
    line_kept,
)
from arrayprof.advisor.rule import Rule
from arrayprof.context import CellContext
from arrayprof.report import Finding, OpRecord, Report, Rewrite


def reduced_outer_product(report: Report, context: CellContext) -> list[Finding]:
    """A broadcast that materialises far more than its inputs and than what the line keeps (an
    accidental (N,) against (N, 1) pairing is accidental-outer-product's)."""
    assert context.tree is not None
    found = []
    seen: set[int] = set()
    for op, source in big_broadcasts(report, context):
        assert op.lineno is not None and op.result is not None
        if op.lineno in seen or (accidental_pair(op) is not None and not explicit_outer(source)):
            continue
        result_bytes = op.result.get("nbytes", 0)
        lineno = op.lineno
        kept = line_kept(report, context, lineno)
        reduced_as = None
        reduced_here = reduced_in_line(context, lineno)
        if kept * CONFIG.blowup_factor > result_bytes:
            if reduced_here is None or result_bytes < CONFIG.reduced_factor * kept:
                reduced_here = None
                reduced_as = only_reduced_later(context, lineno)
                if reduced_as is None:
                    continue  # the line keeps the big array: the user asked for it
                kept = 0  # kept only to be reduced: all of it is the waste
        seen.add(lineno)
        lineno = at.first_line(context.tree, lineno)
        rewrite = blowup_rewrite(context, lineno, op)
        if rewrite is None:
            rewrite = pairwise_rewrite(context, lineno)
        if reduced_as is not None:
            name, used = reduced_as
            why = (f"The line keeps it as {name}, but the cell only ever reduces {name} (line "
                   f"{used}): the big array is a temporary in disguise, and it stays allocated "
                   "as long as the name does.")
        elif reduced_here is not None:
            why = (f"The line only keeps {nbytes(kept)}: the big array exists only to be reduced "
                   f"by {reduced_here} on the same line, {result_bytes / max(kept, 1):.1f}x what "
                   "it keeps.")
            if rewrite is not None and rewrite.code.count("@"):
                why += (" Pairwise distances need no (N, N, d) array: |a - b|^2 = |a|^2 + |b|^2 "
                        "- 2 a.b, and the cross terms are one matrix product (on data centred "
                        "first: a shift changes no distance, and keeps the cancellation small).")
        else:
            why = (f"The line only keeps {nbytes(kept)} of it: the big array is a temporary that "
                   "is reduced or sliced right away.")
        found.append(blowup_finding(report, op, lineno, why, kept, rewrite))
    return found


REDUCING = ("sum", "mean", "min", "max", "argmin", "argmax", "std", "var", "prod", "any", "all",
            "norm", "nansum", "nanmean", "nanmin", "nanmax", "median", "count_nonzero", "amin",
            "amax", "ptp", "average")


def only_reduced_later(context: CellContext, lineno: int) -> tuple[str, int] | None:
    """(name, line) when the statement on `lineno` binds its result to a name that the rest of
    the cell only reduces (``diff = P[:, None] - Q`` then ``(diff ** 2).sum(-1).min(1)``): the
    broadcast was a temporary, only named."""
    assert context.tree is not None
    stmt = at.statement_at(context.tree, lineno)
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and
            isinstance(stmt.targets[0], ast.Name)):
        return None
    name = stmt.targets[0].id
    end = stmt.end_lineno or stmt.lineno
    parents = at.parents(context.tree)
    uses = [n for n in ast.walk(context.tree) if isinstance(n, ast.Name) and n.id == name and
            isinstance(n.ctx, ast.Load) and n.lineno > end]
    if not uses or any(line > end for line in at.binding_lines(context.tree, name)):
        return None
    for use in uses:
        node: ast.AST = use
        while True:
            parent = parents.get(node)
            if isinstance(parent, ast.BinOp | ast.UnaryOp) or (
                    isinstance(parent, ast.Call) and node in parent.args and
                    isinstance(at.resolve(parent.func, context.namespace), np.ufunc)):
                node = parent
                continue
            break
        if not reduces(parent, node, context.namespace):
            return None
    return name, min(u.lineno for u in uses)


def reduces(parent: ast.AST | None, node: ast.AST, ns: dict[str, Any]) -> bool:
    """Whether `parent` reduces `node`: ``node.sum(...)`` or ``np.sum(node, ...)`` and kin."""
    if isinstance(parent, ast.Attribute) and parent.value is node and parent.attr in REDUCING:
        return True
    if isinstance(parent, ast.Call) and parent.args and parent.args[0] is node and \
            isinstance(parent.func, ast.Attribute) and parent.func.attr in REDUCING and \
            at.is_numpy_object(at.resolve(parent.func, ns)):
        return True
    return False


NEWAXIS = ("None", "np.newaxis", "numpy.newaxis")


def inserts_axis(node: ast.AST) -> bool:
    """``x[:, None]``, ``x[None]``, ``x[np.newaxis, :]``: a subscript that adds an axis."""
    if not isinstance(node, ast.Subscript):
        return False
    parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
    return any(at.unparse(p) in NEWAXIS for p in parts)


def elementwise_broadcast(node: ast.AST, ns: dict[str, Any]) -> bool:
    """Whether an element-wise expression (operators, ufunc calls) combines an operand that was
    given a new axis with another operand: the broadcast that materialises the big array."""
    if isinstance(node, ast.BinOp):
        if any(inserts_axis(side) for side in (node.left, node.right)):
            return True
        return elementwise_broadcast(node.left, ns) or elementwise_broadcast(node.right, ns)
    if isinstance(node, ast.UnaryOp):
        return elementwise_broadcast(node.operand, ns)
    if isinstance(node, ast.Call) and isinstance(at.resolve(node.func, ns), np.ufunc):
        return any(inserts_axis(a) for a in node.args) or any(
            elementwise_broadcast(a, ns) for a in node.args)
    return False


def reduced_in_line(context: CellContext, lineno: int) -> str | None:
    """The reduction (``sum``, ``np.linalg.norm``...) the statement on `lineno` applies to an
    element-wise broadcast of its own, or None: the broadcast exists only to be reduced."""
    assert context.tree is not None
    stmt = at.statement_at(context.tree, lineno)
    if stmt is None:
        return None
    ns = context.namespace
    for node in ast.walk(stmt):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute) or \
                node.func.attr not in REDUCING:
            continue
        if at.is_numpy_object(at.resolve(node.func, ns)):
            reduced = node.args[0] if node.args else None
            label = at.unparse(node.func)
        elif isinstance(at.resolve(node.func.value, ns), type(np)):
            continue
        else:
            reduced, label = node.func.value, f".{node.func.attr}()"
        if reduced is not None and elementwise_broadcast(reduced, ns):
            return label
    return None


class PairwiseForm:
    """``np.sqrt(((A[:, None, :] - B[None, :, :]) ** 2).sum(-1))``, ``((A[:, None] - B[None])
    ** 2).sum(axis=2)``, ``np.linalg.norm(A[:, None] - B[None], axis=-1)``: (A, B, root) for 2-D
    A and B, where `root` says whether the distances (not their squares) are wanted."""

    def __init__(self, ns: dict[str, Any]) -> None:
        self.ns = ns

    def pair(self, node: ast.AST) -> tuple[str, str] | None:
        if not isinstance(node, ast.BinOp) or not isinstance(node.op, ast.Sub):
            return None
        left, right = self.base(node.left, "row"), self.base(node.right, "column")
        if left is None or right is None:
            return None
        a, b = at.array_of(at.parse_expr(left), self.ns), at.array_of(at.parse_expr(right),
                                                                      self.ns)
        if a is None or b is None or a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] \
                or a.dtype.kind != "f" or b.dtype.kind != "f":
            return None
        return left, right

    @staticmethod
    def base(node: ast.AST, where: str) -> str | None:
        """``X`` from ``X[:, None, :]``/``X[:, None]`` (row) or ``X[None, :, :]``/``X[None]``
        (column)."""
        if not isinstance(node, ast.Subscript):
            return None
        parts = [at.unparse(p) for p in (node.slice.elts if isinstance(node.slice, ast.Tuple)
                                         else [node.slice])]
        new = [p in NEWAXIS for p in parts]
        if where == "row" and not (len(parts) in (2, 3) and new == [False, True, False][
                :len(parts)] and all(p == ":" for p, n in zip(parts, new, strict=True) if not n)):
            return None
        if where == "column" and not (1 <= len(parts) <= 3 and new[0] and not any(new[1:]) and
                                      all(p == ":" for p in parts[1:])):
            return None
        base = at.unparse(node.value)
        return base if isinstance(node.value, ast.Name | ast.Attribute) else None

    def last_axis(self, call: ast.Call, position: int) -> bool:
        keywords = {k.arg: k.value for k in call.keywords}
        if set(keywords) - {"axis"}:
            return False
        axis = keywords.get("axis") or (call.args[position] if len(call.args) > position
                                        else None)
        return axis is not None and at.const_int(axis) in (-1, 2)

    def squared_sum(self, node: ast.AST) -> tuple[str, str] | None:
        """``(d ** 2).sum(-1)`` or ``np.sum(d ** 2, axis=-1)`` of a pairwise difference d."""
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute) or \
                node.func.attr != "sum":
            return None
        if at.np_func(node.func, self.ns, "sum"):
            if not node.args or not self.last_axis(node, 1):
                return None
            squared = node.args[0]
        else:
            if not self.last_axis(node, 0):
                return None
            squared = node.func.value
        if isinstance(squared, ast.BinOp) and isinstance(squared.op, ast.Pow) and \
                at.unparse(squared.right) in ("2", "2.0"):
            return self.pair(squared.left)
        if isinstance(squared, ast.BinOp) and isinstance(squared.op, ast.Mult) and \
                at.unparse(squared.left) == at.unparse(squared.right):
            return self.pair(squared.left)
        return None

    def match(self, node: ast.AST) -> tuple[str, str, bool] | None:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow) and \
                at.unparse(node.right) == "0.5":
            found = self.squared_sum(node.left)  # (...).sum(-1) ** 0.5
            return (*found, True) if found else None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if at.np_func(node.func, self.ns, "sqrt") and len(node.args) == 1 and \
                    not node.keywords:
                found = self.squared_sum(node.args[0])
                return (*found, True) if found else None
            if node.func.attr == "norm" and at.np_func(node.func, self.ns, "linalg.norm") and \
                    len(node.args) >= 1 and self.last_axis(node, 2) and (
                        len(node.args) < 2 or at.unparse(node.args[1]) == "None"):
                found = self.pair(node.args[0])
                return (*found, True) if found else None
        found = self.squared_sum(node)
        return (*found, False) if found else None


def pairwise_rewrite(context: CellContext, lineno: int) -> Rewrite | None:
    """Pairwise (squared) Euclidean distances through the Gram matrix: no (N, M, d) array."""
    assert context.tree is not None
    statements = at.statements_on(context.tree, lineno)
    if len(statements) != 1 or not isinstance(statements[0], ast.Assign) or \
            len(statements[0].targets) != 1 or not isinstance(statements[0].targets[0], ast.Name):
        return None
    stmt = statements[0]
    if "np" not in context.namespace or context.namespace["np"] is not np:
        return None
    form = PairwiseForm(context.namespace)
    found = form.match(stmt.value)
    if found is None:
        return None
    a, b, root = found
    taken = at.names_in(context.tree) | set(context.namespace)

    def fresh(word: str) -> str:
        return next(f"{word}{k}" if k else word for k in range(100)
                    if (f"{word}{k}" if k else word) not in taken)

    # Distances do not change when both sets shift by the same vector; centring first keeps
    # |a|^2 and |b|^2 small, so their difference with 2 a.b cancels far less (data around 1000
    # would otherwise lose 6 digits).
    if a == b:
        centred, sq = fresh("centred"), fresh("sq")
        lines = [f"{centred} = {a} - {a}.mean(axis=0)", f"{sq} = ({centred} ** 2).sum(1)"]
        squares = f"{sq}[:, None] + {sq}[None, :] - 2 * {centred} @ {centred}.T"
        scratch = [centred, sq]
    else:
        shift, left, right = fresh("shift"), fresh("left"), fresh("right")
        lines = [f"{shift} = {a}.mean(axis=0)", f"{left}, {right} = {a} - {shift}, {b} - {shift}"]
        squares = (f"({left} ** 2).sum(1)[:, None] + ({right} ** 2).sum(1)[None, :] - "
                   f"2 * {left} @ {right}.T")
        scratch = [shift, left, right]
    value = f"np.maximum({squares}, 0)"
    if root:
        value = f"np.sqrt({value})"
    name = stmt.targets[0].id  # type: ignore[attr-defined]
    lines += [f"{name} = {value}", f"del {', '.join(scratch)}"]
    indent = at.indent_of(context.source.splitlines()[lineno - 1])
    return Rewrite(kind="equivalent", code=at.reindent("\n".join(lines), indent),
                   lines=[lineno, stmt.end_lineno or lineno], compared=[name])


class OuterPattern(ast.NodeTransformer):
    """``abs(x[:, None] - x[None, :]).max()`` -> ``x.max() - x.min()`` (same x both sides)."""

    def __init__(self) -> None:
        self.hit = False

    def visit_Call(self, node: ast.Call) -> Any:
        self.generic_visit(node)
        if isinstance(node.func, ast.Attribute) and node.func.attr == "max" and not node.args \
                and not node.keywords:
            inner = node.func.value
            if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute | ast.Name) \
                    and at.unparse(inner.func) in ("np.abs", "np.absolute", "abs") and \
                    len(inner.args) == 1:
                inner = inner.args[0]
            if isinstance(inner, ast.BinOp) and isinstance(inner.op, ast.Sub):
                left, right = at.unparse(inner.left), at.unparse(inner.right)
                for suffix_l, suffix_r in (("[:, None]", "[None, :]"),
                                           ("[:, np.newaxis]", "[np.newaxis, :]")):
                    if left.endswith(suffix_l) and right.endswith(suffix_r):
                        name_l, name_r = left[: -len(suffix_l)], right[: -len(suffix_r)]
                        if name_l == name_r:
                            self.hit = True
                            return at.parse_expr(f"({name_l}.max() - {name_l}.min())")
        return node


def blowup_rewrite(context: CellContext, lineno: int, op: OpRecord) -> Rewrite | None:
    assert context.tree is not None
    statements = at.statements_on(context.tree, lineno)
    if len(statements) != 1 or not isinstance(statements[0], ast.Assign):
        return None
    stmt = statements[0]
    pattern = OuterPattern()
    new = pattern.visit(ast.parse(at.unparse(stmt)).body[0])
    if not pattern.hit:
        return None
    names = [at.root_name(t) for t in stmt.targets]
    if not all(names):
        return None
    indent = at.indent_of(context.source.splitlines()[lineno - 1])
    return Rewrite(kind="equivalent", code=at.reindent(at.unparse(new), indent),
                   lines=[lineno, stmt.end_lineno or lineno], compared=names)  # type: ignore


RULE = Rule(
    name="reduced-outer-product",
    category="broadcast-blowup",
    finds="A broadcast whose result is at least `blowup_factor` times its largest input (and at "
          "least `silent_bytes`) and far more than the line keeps: an outer product reduced or "
          "sliced on the same line, or bound to a name the rest of the cell only reduces.",
    why="Memory and time grow with the product of the shapes for a result that needs only their "
        "sum.",
    example="spread = np.abs(x[:, None] - x[None, :]).max()\n->\nspread = x.max() - x.min()",
    near_misses="An outer product the line keeps as its result (a distance matrix asked for, "
                "np.outer, meshgrid); temporaries NumPy makes inside std, var or norm; broadcasts "
                "below `silent_bytes`; an accidental (N,) against (N, 1) pairing "
                "(accidental-outer-product).",
    rewrite="equivalent",
    check=reduced_outer_product,
)
