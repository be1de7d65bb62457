"""Broadcasting family: broadcast-blowup, missing-keepdims, temporary-chain.

All three are judged from measured bytes: the op records say what each broadcast produced, the
line figures and the timeline say how far memory rose while a line ran.  NumPy's temporary elision
already removes many temporaries, so a chain is only reported when the measured peak shows it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor import rule
from arrayprof.advisor.config import CONFIG
from arrayprof.advisor.facts import describe, finding, growth_over, kept_bytes, line_growth, nbytes, shape
from arrayprof.advisor.scopes import RETURN
from arrayprof.advisor.verify import set_fix_check
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


@rule
def broadcast_blowup(report: Report, context: CellContext) -> list[Finding]:
    """A broadcast that materialises far more than its inputs and than what the line keeps."""
    assert context.tree is not None
    found = []
    seen: set[int] = set()
    lines: list[str] | None = None  # split once, and only when an op qualifies
    for op in report.ops:
        if not op.broadcast or op.result is None or op.lineno is None or op.lineno in seen or \
                at.internal_op(op, context.tree):
            continue
        result_bytes = op.result.get("nbytes", 0)
        largest = max((o.get("nbytes", 0) for o in op.operands), default=0)
        if result_bytes < CONFIG.silent_bytes or result_bytes < CONFIG.blowup_factor * max(
                largest, 1):
            continue
        lineno = op.lineno
        if lines is None:
            lines = context.source.splitlines()
        source = lines[lineno - 1] if lineno <= len(lines) else ""
        kept = line_kept(report, context, lineno)
        accidental = accidental_pair(op) is not None and not explicit_outer(source)
        reduced_as = None
        reduced_here = None if accidental else reduced_in_line(context, lineno)
        if kept * CONFIG.blowup_factor > result_bytes and not accidental:
            if reduced_here is None or result_bytes < CONFIG.reduced_factor * kept:
                reduced_here = None
                reduced_as = only_reduced_later(context, lineno)
                if reduced_as is None:
                    continue  # the line keeps the big array: the user asked for it
                kept = 0  # kept only to be reduced: all of it is the waste
        seen.add(lineno)
        lineno = at.first_line(context.tree, lineno)
        inputs = " and ".join(f"{shape(o['shape'])} {o['dtype']} ({nbytes(o.get('nbytes', 0))})"
                              for o in op.operands if o.get("value", "array") == "array")
        peak = line_growth(report, lineno)
        rewrite = blowup_rewrite(context, lineno, op) if not accidental else \
            accidental_rewrite(context, lineno, op)
        if rewrite is None and not accidental:
            rewrite = pairwise_rewrite(context, lineno)
        if accidental:
            why = ("One operand is a column ((N, 1)) and the other a flat (N,) array, so "
                   "broadcasting pairs every element with every other one instead of matching "
                   "them up: the result is N times larger than intended.")
        elif reduced_as is not None:
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
        explanation = (
            f"Line {lineno} built {describe(op.result)} by broadcasting {inputs} in "
            f"{op.name} ({op.expansion:,.0f}x the largest input); memory rose by {nbytes(peak)} "
            f"while the line ran. {why} Rule of thumb: do not materialise an outer product "
            "just to reduce it; reduce first, work in chunks, or use an identity (for example "
            "max |x_i - x_j| = x.max() - x.min()).")
        found.append(finding("broadcast-blowup", lineno,
                             f"broadcast in {op.name} materialises {nbytes(result_bytes)} from "
                             f"{nbytes(largest)} inputs", explanation, rewrite=rewrite,
                             bytes_wasted=max(peak, result_bytes) - kept))
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


# -- missing keepdims ----------------------------------------------------------------------------
REDUCERS = ("mean", "sum", "std", "var", "max", "min", "median", "prod", "nanmean", "nansum",
            "nanstd", "nanmax", "nanmin", "average", "amax", "amin", "ptp", "norm")
# position of `axis` among the positional arguments, after the array, for NumPy functions
AXIS_POSITION = {"norm": 2}


@dataclass
class Reduction:
    """A reduction along one axis without keepdims=True."""

    source: str  # the reduced expression's source text
    axis: int | tuple[int, ...]  # normalised to the source's dimensions
    call: ast.Call
    value: np.ndarray  # the source's value (shape, dtype)
    reducer: str  # "mean", "sum", "norm", ...


def reduction_info(node: ast.AST, ns: dict[str, Any]) -> Reduction | None:
    """``X.mean(axis=1)``, ``X.sum(1)``, ``np.std(X, axis=1)``, ``np.linalg.norm(X, axis=1)`` --
    of any array expression -- without keepdims=True; None otherwise (axis 0 too: the result
    then broadcasts back along the right axis)."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return None
    keywords = {k.arg: k.value for k in node.keywords}
    if "keepdims" in keywords or node.func.attr not in REDUCERS:
        return None
    name = node.func.attr
    function = at.np_func(node.func, ns, name) or (
        name == "norm" and at.np_func(node.func, ns, "linalg.norm"))
    if function:
        if not node.args:
            return None
        array = node.args[0]
        position = AXIS_POSITION.get(name, 1)
        axis_node = keywords.get("axis") or (node.args[position] if len(node.args) > position
                                             else None)
    elif isinstance(at.resolve(node.func.value, ns), type(np)):
        return None
    else:
        array, axis_node = node.func.value, keywords.get("axis") or (
            node.args[0] if node.args else None)
    if axis_node is None:
        return None
    if isinstance(axis_node, ast.Tuple):
        axes = [at.const_int(e) for e in axis_node.elts]
    else:
        axes = [at.const_int(axis_node)]
    if not axes or any(a is None for a in axes):
        return None
    value = at.array_of(array, ns)
    if value is None or value.ndim < 2 or not all(-value.ndim <= a < value.ndim
                                                  for a in axes):  # type: ignore[operator]
        return None
    normal = sorted({a % value.ndim for a in axes})  # type: ignore[operator]
    if normal == list(range(len(normal))):
        return None  # leading axes: (C,) broadcasts against (R, C) along the right axis
    return Reduction(at.unparse(array), normal[0] if len(normal) == 1 else tuple(normal),
                     node, value, name)


ELEMENTWISE = (ast.BinOp, ast.UnaryOp)


def derived_from(other: ast.expr, source: str, ns: dict[str, Any]) -> bool:
    """Whether `other` is the reduced source itself or an element-wise expression of it
    (``batch - mu[:, None]``, ``np.exp(z)``), so it keeps the source's full shape."""
    if at.unparse(other) == source:
        return True
    leaves: list[ast.expr] = []
    todo = [other]
    while todo:
        node = todo.pop()
        if at.unparse(node) == source:
            leaves.append(node)
        elif isinstance(node, ast.BinOp) and not isinstance(node.op, ast.MatMult):
            todo += [node.left, node.right]
        elif isinstance(node, ast.UnaryOp):
            todo.append(node.operand)
        elif isinstance(node, ast.Call) and isinstance(at.resolve(node.func, ns), np.ufunc):
            todo += node.args
    return bool(leaves)


@rule
def missing_keepdims(report: Report, context: CellContext) -> list[Finding]:
    """A reduction over a non-leading axis combined with its own source without keepdims."""
    assert context.tree is not None
    ns = context.namespace
    reduced_names: dict[str, tuple[Reduction, int]] = {}
    for stmt in ast.walk(context.tree):
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and \
                isinstance(stmt.targets[0], ast.Name):
            info = reduction_info(stmt.value, ns)
            if info is not None:
                reduced_names[stmt.targets[0].id] = (info, stmt.lineno)
    found = []
    seen: set[int] = set()
    for node in ast.walk(context.tree):
        pairs = combined_operands(node, ns)
        if pairs is None:
            continue
        for mine, other in pairs:
            info = reduction_info(mine, ns)
            via = None
            if info is None and isinstance(mine, ast.Name) and mine.id in reduced_names:
                info, via = reduced_names[mine.id]
                if via >= node.lineno or rebound_between(context.tree, mine.id, via,
                                                         node.lineno):
                    continue
            if info is None or not derived_from(other, info.source, ns):
                continue
            lineno = at.first_line(context.tree, node.lineno)
            if lineno in seen:
                continue
            seen.add(lineno)
            found.append(keepdims_finding(context, node, mine, info, via, lineno))
    return found


COMBINING = (ast.Sub, ast.Div, ast.Add, ast.Mult, ast.FloorDiv)
COMBINING_UFUNCS = {"subtract": ast.Sub, "divide": ast.Div, "true_divide": ast.Div,
                    "add": ast.Add, "multiply": ast.Mult, "floor_divide": ast.FloorDiv}


def combined_operands(node: ast.AST, ns: dict[str, Any],
                      ) -> list[tuple[ast.expr, ast.expr]] | None:
    """(candidate reduction, the other operand) pairs of an element-wise combination: ``a - b``,
    ``a -= b`` (the target is the other operand) and ``np.subtract(a, b)``."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, COMBINING):
        return [(node.right, node.left), (node.left, node.right)]
    if isinstance(node, ast.AugAssign) and isinstance(node.op, COMBINING):
        target = ast.copy_location(ast.Name(id=node.target.id, ctx=ast.Load()), node.target) \
            if isinstance(node.target, ast.Name) else node.target
        return [(node.value, target)]
    if isinstance(node, ast.Call) and len(node.args) == 2 and isinstance(node.func, ast.Attribute):
        for name in COMBINING_UFUNCS:
            if at.np_func(node.func, ns, name):
                return [(node.args[1], node.args[0]), (node.args[0], node.args[1])]
    return None


def operator_of(node: ast.AST, ns: dict[str, Any]) -> ast.operator:
    if isinstance(node, ast.BinOp | ast.AugAssign):
        return node.op
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    return COMBINING_UFUNCS.get(node.func.attr, ast.Sub)()


def rebound_between(tree: ast.Module, name: str, first: int, last: int) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store)
               and first < n.lineno < last for n in ast.walk(tree))


def keepdims_finding(context: CellContext, node: ast.AST, mine: ast.expr, info: Reduction,
                     via: int | None, lineno: int) -> Finding:
    assert context.tree is not None
    array, axis, call = info.source, info.axis, info.call
    op = operator_of(node, context.namespace)
    dims = info.value.shape
    axes = axis if isinstance(axis, tuple) else (axis,)
    reduced = tuple(d for k, d in enumerate(dims) if k not in axes)
    stmt = at.statement_at(context.tree, node.lineno)
    rewrite = None
    if isinstance(stmt, ast.Assign | ast.AugAssign | ast.Return):
        if isinstance(mine, ast.Name):
            index = ", ".join(":" if k not in axes else "None" for k in range(max(axes) + 1))
            replacement = at.parse_expr(f"{mine.id}[{index}]")
        else:
            replacement = ast.Call(func=call.func, args=call.args, keywords=[
                *call.keywords, ast.keyword(arg="keepdims", value=ast.Constant(True))])
        from arrayprof.advisor.rewriting import ReplaceNode

        new_stmt = ReplaceNode(mine, replacement).visit(stmt)
        # (x - x.min(1)) / (x.max(1) - x.min(1)): every such reduction of the source needs it
        while True:
            pending = next((n for n in ast.walk(new_stmt) if isinstance(n, ast.Call) and (
                more := reduction_info(n, context.namespace)) is not None and
                more.source == array), None)
            if pending is None:
                break
            new_stmt = ReplaceNode(pending, ast.Call(
                func=pending.func, args=pending.args, keywords=[
                    *pending.keywords,
                    ast.keyword(arg="keepdims", value=ast.Constant(True))])).visit(new_stmt)
        if isinstance(stmt, ast.Return):
            names: list[str | None] = [RETURN]
        else:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            names = [at.root_name(t) for t in targets]
        if all(names):
            indent = at.indent_of(context.source.splitlines()[stmt.lineno - 1])
            rewrite = Rewrite(kind="fix", code=at.reindent(at.unparse(new_stmt), indent),
                              lines=[stmt.lineno, stmt.end_lineno or stmt.lineno],
                              compared=names)  # type: ignore[arg-type]
            set_fix_check(rewrite, keepdims_check(names[0], axis, op,  # type: ignore
                                                  info.reducer))
    op_word = {ast.Sub: "subtracts", ast.Div: "divides by", ast.Add: "adds",
               ast.Mult: "multiplies by", ast.FloorDiv: "divides by"}[type(op)]
    source = f"the reduction on line {via}" if via else "the reduction"
    square = len(set(dims)) < len(dims)
    consequence = ("Because the array is square the shapes happen to fit, so the result is "
                   "silently wrong: each row gets another row's statistic." if square else
                   "The shapes only line up along the wrong axis (or not at all).")
    explanation = (
        f"Line {lineno} {op_word} {source} ({info.reducer} over axis {axis} of {array}, shape "
        f"{dims} -> {reduced}) against {array} itself. Without keepdims=True the reduced axis "
        f"is dropped, and broadcasting aligns shapes from the right, so the {reduced} values are "
        f"spread along the last axis instead of axis {axis}. {consequence} Rule of thumb: "
        "reduce with keepdims=True whenever the result is combined with its source.")
    return finding("missing-keepdims", lineno,
                   f"reduction over axis {axis} combined with {array} without keepdims=True",
                   explanation, rewrite=rewrite, force="warning")


# What a correct keepdims fix guarantees, per (operator, reducer): the statistic every slice
# along the axis then has.
FIXED_STATISTIC = {
    ("Sub", "mean"): ("mean", 0.0), ("Sub", "nanmean"): ("mean", 0.0),
    ("Sub", "max"): ("max", 0.0), ("Sub", "amax"): ("max", 0.0),
    ("Sub", "min"): ("min", 0.0), ("Sub", "amin"): ("min", 0.0),
    ("Sub", "median"): ("median", 0.0),
    ("Div", "sum"): ("sum", 1.0), ("Div", "nansum"): ("sum", 1.0),
    ("Div", "max"): ("max", 1.0), ("Div", "amax"): ("max", 1.0),
    ("Div", "std"): ("std", 1.0), ("Div", "norm"): ("norm", 1.0),
}


def keepdims_check(target: str, axis: int | tuple[int, ...], op: ast.operator,
                   reducer: str) -> Any:
    def check(before: dict[str, Any], after: dict[str, Any], error: BaseException | None) -> str:
        fixed = after.get(target)
        shown = "the result" if target == RETURN else target
        if not isinstance(fixed, np.ndarray):
            return f"the fix ran; {shown} is not an array"
        parts = [f"the fix gives {shown} shape {fixed.shape}"]
        expected = FIXED_STATISTIC.get((type(op).__name__, reducer))
        if expected is not None and fixed.dtype.kind == "f":
            statistic, goal = expected
            if statistic == "norm":
                values = np.linalg.norm(fixed, axis=axis)  # type: ignore[arg-type]
            else:
                values = getattr(np, statistic)(fixed, axis=axis)
            worst = float(np.nanmax(np.abs(values - goal))) if values.size else 0.0
            parts.append(f"every slice along axis {axis} now has {statistic} {goal:g} "
                         f"(within {worst:.1e})")
        if error is not None:
            parts.append(f"the original raised {type(error).__name__}")
        elif isinstance(before.get(target), np.ndarray):
            old = before[target]
            differ = int(np.count_nonzero(old != fixed)) if old.shape == fixed.shape else -1
            parts.append(f"the original had shape {old.shape}" if differ < 0 else
                         f"the original differed in {differ:,} of {fixed.size:,} elements")
        return "; ".join(parts)

    return check


# -- temporary chains ----------------------------------------------------------------------------
CHAIN_KINDS = ("ufunc", "binop", "unaryop")


def chain_depth(node: ast.AST) -> int:
    """How many array-producing operations an expression nests."""
    return sum(1 for n in ast.walk(node) if isinstance(n, ast.BinOp | ast.UnaryOp | ast.Call))


@rule
def temporary_chain(report: Report, context: CellContext) -> list[Finding]:
    """A statement whose measured peak rises well above its result because of temporaries."""
    assert context.tree is not None
    blown = {op.lineno for op in report.ops if op.broadcast and op.expansion >= CONFIG.blowup_factor}
    found = []
    done: set[int] = set()
    for line in report.lines:
        stmt = at.statement_at(context.tree, line.lineno)
        if stmt is None or id(stmt) in done:
            continue
        done.add(id(stmt))
        if not isinstance(stmt, ast.Assign | ast.AugAssign | ast.Return) or stmt.value is None:
            continue
        lines = range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1)
        if blown & set(lines) or chain_depth(stmt.value) < 3:
            continue
        stats = [row for row in report.lines if row.lineno in lines]
        temporaries = sum(row.temporaries for row in stats)
        temporary_bytes = sum(row.temporary_bytes for row in stats)
        if temporaries < 2:
            continue
        ops = [op for op in report.ops if op.lineno in lines and op.kind in CHAIN_KINDS
               and op.result and op.name not in NOT_ELEMENTWISE
               and not at.internal_op(op, context.tree)]
        if len(ops) < 3:
            continue
        target: ast.expr | None = None
        name = None
        if isinstance(stmt, ast.Assign):
            target = stmt.targets[0]
        elif isinstance(stmt, ast.AugAssign):
            target = stmt.target
        if target is not None:
            name = at.root_name(target)
        target_value = context.namespace.get(name) if name else None
        result = target_value.nbytes if isinstance(target_value, np.ndarray) else max(
            (op.result.get("nbytes", 0) for op in ops if op.result), default=0)
        growth = statement_growth(report, lines)
        new_kept = sum(kept_bytes(row) for row in stats)
        excess = growth - new_kept
        temp_bytes = sum(op.result.get("nbytes", 0) for op in ops if not op.inplace
                         and op.result)
        # Below a warning's worth the temporaries cost nothing anyone would notice, and every
        # vectorized expression has a few: saying nothing is the right answer there.
        if excess < CONFIG.warn_bytes or excess < CONFIG.temporary_factor * max(result, 1) or \
                excess > temp_bytes * 1.05:
            continue
        rewrite = chain_rewrite(context, stmt, target, name)
        lineno = stmt.lineno
        # What was measured: the line's peak minus what was live when it started (per-line
        # peak and timeline), not the sum of every temporary it made over its run.
        each = temporary_bytes // temporaries
        together = ""
        if each and temporary_bytes == each * temporaries and excess >= each:
            alive = min(temporaries, round(excess / each))  # the growth the result is not
            together = (f"; at the worst moment {alive} of them ({nbytes(alive * each)}) "
                        "were alive together" if alive < temporaries else
                        "; all of them were alive together")
        explanation = (
            f"Line {lineno} evaluates a chain of {len(ops)} array operations whose result "
            f"is {nbytes(result)}, but NumPy memory rose {nbytes(growth)} above what was live "
            f"before the line while it ran (the line's peak minus the level it started from). "
            f"It made {temporaries} temporaries ({nbytes(temporary_bytes)} over the whole "
            f"line){together}. NumPy reuses a temporary only in simple chains; separate "
            "subexpressions each need their own buffer. Rule of thumb: for big arrays write the "
            "chain as in-place steps (out=, +=, *=) into the result, or use numexpr.")
        found.append(finding("temporary-chain", lineno,
                             f"temporaries raise memory by {nbytes(growth)} while the line "
                             f"runs, for a {nbytes(result)} result", explanation, rewrite=rewrite,
                             bytes_wasted=excess - result))
    return found


# ufuncs whose temporaries out= cannot remove (their outputs are not element-wise results)
NOT_ELEMENTWISE = ("matmul", "dot", "vecdot", "matvec", "vecmat")


def statement_growth(report: Report, lines: range) -> int:
    """How far NumPy memory rose above its level when a statement spanning `lines` started
    (worst run), from the timeline; a one-line statement is facts.line_growth."""
    if len(lines) == 1:
        return line_growth(report, lines[0])
    return growth_over(report, lines)


SIMPLE = (ast.Name, ast.Constant, ast.Attribute, ast.Subscript)
COMMUTATIVE = (ast.Add, ast.Mult)
AUG = {ast.Add: "+=", ast.Sub: "-=", ast.Mult: "*=", ast.Div: "/="}
UFUNC_OF = {ast.Add: "add", ast.Sub: "subtract", ast.Mult: "multiply", ast.Div: "divide"}


class InPlace:
    """Emit a chain as in-place steps into `dest` with as few scratch buffers as possible."""

    def __init__(self, ns: dict[str, Any]) -> None:
        self.ns = ns
        self.lines: list[str] = []
        self.scratch = 0

    def cheap(self, node: ast.AST) -> bool:
        """Evaluable with at most one temporary (a leaf or one ufunc on leaves)."""
        if isinstance(node, SIMPLE):
            return True
        return isinstance(node, ast.Call) and all(isinstance(a, SIMPLE) for a in node.args)

    def emit(self, node: ast.AST, dest: str, exists: bool) -> None:
        if isinstance(node, ast.BinOp) and type(node.op) in AUG:
            op = type(node.op)
            if op in COMMUTATIVE and isinstance(node.left, ast.Constant) and \
                    not isinstance(node.right, ast.Constant):
                # 0.5 * t: start from the array, scale it in place
                self.emit(node.right, dest, exists)
                self.lines.append(f"{dest} {AUG[op]} {at.unparse(node.left)}")
                return
            if self.cheap(node.right):
                self.emit(node.left, dest, exists)
                self.lines.append(f"{dest} {AUG[op]} {at.unparse(node.right)}")
                return
            if op in COMMUTATIVE and self.cheap(node.left):
                self.emit(node.right, dest, exists)
                self.lines.append(f"{dest} {AUG[op]} {at.unparse(node.left)}")
                return
            self.emit(node.left, dest, exists)
            self.scratch += 1
            tmp = f"_tmp{self.scratch}"
            self.emit(node.right, tmp, False)
            self.lines.append(f"{dest} {AUG[op]} {tmp}")
            self.lines.append(f"del {tmp}")
            return
        if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords and \
                isinstance(at.resolve(node.func, self.ns), np.ufunc):
            func = at.unparse(node.func)
            if isinstance(node.args[0], SIMPLE):
                if exists:
                    self.lines.append(f"{func}({at.unparse(node.args[0])}, out={dest})")
                else:
                    self.lines.append(f"{dest} = {at.unparse(node)}")
                return
            self.emit(node.args[0], dest, exists)
            self.lines.append(f"{func}({dest}, out={dest})")
            return
        if exists and isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and \
                isinstance(node.operand, SIMPLE) and self.ns.get("np") is np:
            self.lines.append(f"np.negative({at.unparse(node.operand)}, out={dest})")
        elif exists:
            self.lines.append(f"{dest}[...] = {at.unparse(node)}")
        elif isinstance(node, ast.Name | ast.Attribute | ast.Subscript):
            self.lines.append(f"{dest} = np.array({at.unparse(node)})")  # a copy, never an alias
        else:
            self.lines.append(f"{dest} = {at.unparse(node)}")


def sum_terms(node: ast.expr, op: type) -> list[tuple[ast.expr, type]]:
    """``t1 + t2 - t3`` added to (op Add) or subtracted from (op Sub) a target, as (term, op)
    pairs: ``acc += t1 + t2 - t3`` is ``acc += t1; acc += t2; acc -= t3``."""
    flip = {ast.Add: ast.Sub, ast.Sub: ast.Add}
    if isinstance(node, ast.BinOp) and type(node.op) in (ast.Add, ast.Sub):
        right_op = op if isinstance(node.op, ast.Add) else flip[op]
        return [*sum_terms(node.left, op), *sum_terms(node.right, right_op)]
    return [(node, op)]


def chain_rewrite(context: CellContext, stmt: ast.Assign | ast.AugAssign | ast.Return,
                  target: ast.expr | None, name: str | None) -> Rewrite | None:
    """The chain as in-place steps: into the assigned name (or ``name[:]``), into a fresh
    local returned afterwards (``return <chain>``), or into one scratch array added to the
    target (``acc += <chain>``)."""
    assert context.tree is not None
    taken = at.names_in(context.tree) | set(context.namespace)
    fresh = next(f"chain{k}" if k else "chain" for k in range(100)
                 if (f"chain{k}" if k else "chain") not in taken)
    emitter = InPlace(context.namespace)
    tail: list[str] = []
    compared: list[str]
    if isinstance(stmt, ast.Return):
        emitter.emit(stmt.value, fresh, False)
        tail = [f"return {fresh}"]
        compared = [RETURN]
    elif isinstance(stmt, ast.AugAssign):
        if not isinstance(stmt.target, ast.Name) or type(stmt.op) not in AUG or \
                stmt.target.id in at.loaded_names(stmt.value):
            return None
        # acc += t1 + t2 - t3: one term at a time into acc, through one scratch buffer, so
        # no two terms are ever alive together
        terms = sum_terms(stmt.value, type(stmt.op)) if type(stmt.op) in (ast.Add, ast.Sub) \
            else [(stmt.value, type(stmt.op))]
        if any(isinstance(term, ast.Constant) for term, _ in terms):
            terms = [(stmt.value, type(stmt.op))]
        for k, (term, op) in enumerate(terms):
            emitter.emit(term, fresh, k > 0)
            emitter.lines.append(f"{stmt.target.id} {AUG[op]} {fresh}")
        tail = [f"del {fresh}"]
        compared = [stmt.target.id]
    else:
        if len(stmt.targets) != 1 or name is None:
            return None
        if isinstance(target, ast.Subscript):
            if at.unparse(target.slice) not in (":", "...") or \
                    not isinstance(target.value, ast.Name):
                return None
            dest, exists = name, True
        elif isinstance(target, ast.Name):
            dest, exists = name, False
            if name in at.loaded_names(stmt.value):
                return None
        else:
            return None
        emitter.emit(stmt.value, dest, exists)
        compared = [name]
    if len(emitter.lines) < 2:
        return None
    indent = at.indent_of(context.source.splitlines()[stmt.lineno - 1])
    return Rewrite(kind="equivalent", code=at.reindent("\n".join(emitter.lines + tail), indent),
                   lines=[stmt.lineno, stmt.end_lineno or stmt.lineno], compared=compared)
