"""AST helpers shared by the rules: resolving names against the namespace, finding loops, reading
and splicing cell lines, and turning element-wise Python code into one array expression.

Rules judge code by what the names *are* at run time (an ndarray, a NumPy function, a user
function), so most helpers take the namespace the cell ran in.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import copy
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

MISSING = object()


# -- resolving -----------------------------------------------------------------------------------
def resolve(node: ast.AST, namespace: dict[str, Any]) -> Any:
    """The object a dotted name (``np.linalg.inv``) denotes, without calling anything."""
    if isinstance(node, ast.Name):
        if node.id in namespace:
            return namespace[node.id]
        return getattr(builtins, node.id, MISSING)
    if isinstance(node, ast.Attribute):
        base = resolve(node.value, namespace)
        if base is MISSING or isinstance(base, np.ndarray):
            return MISSING
        try:
            return getattr(base, node.attr)
        except Exception:
            return MISSING
    return MISSING


def is_obj(node: ast.AST, namespace: dict[str, Any], *objects: Any) -> bool:
    """Whether `node` names one of `objects` (identity, so aliases and `from numpy import` work)."""
    value = resolve(node, namespace)
    return value is not MISSING and any(value is obj for obj in objects)


def np_func(node: ast.AST, namespace: dict[str, Any], *names: str) -> bool:
    """Whether `node` names ``numpy.<name>`` for one of `names` (dotted names allowed)."""
    objects = []
    for name in names:
        obj: Any = np
        for part in name.split("."):
            obj = getattr(obj, part, None)
        if obj is not None:
            objects.append(obj)
    return is_obj(node, namespace, *objects)


def is_numpy_object(value: Any) -> bool:
    module = getattr(value, "__module__", None) or getattr(type(value), "__module__", "") or ""
    return (isinstance(value, np.ufunc | np.vectorize) or module == "numpy"
            or module.startswith("numpy."))


def array_value(node: ast.AST, namespace: dict[str, Any]) -> np.ndarray | None:
    """The ndarray a plain name holds, else None."""
    if isinstance(node, ast.Name):
        value = namespace.get(node.id)
        if isinstance(value, np.ndarray):
            return value
    return None


def root_name(node: ast.AST) -> str | None:
    while isinstance(node, ast.Subscript | ast.Attribute | ast.Starred | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def names_in(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def loaded_names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def stored_names(nodes: list[ast.stmt] | ast.AST) -> set[str]:
    """Names bound (assigned, deleted, imported, defined, loop targets) by these statements."""
    out: set[str] = set()
    for stmt in nodes if isinstance(nodes, list) else [nodes]:
        for n in ast.walk(stmt):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store | ast.Del):
                out.add(n.id)
            elif isinstance(n, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef):
                out.add(n.name)
            elif isinstance(n, ast.Import | ast.ImportFrom):
                out.update((a.asname or a.name).split(".")[0] for a in n.names)
    return out


def changed_names(nodes: list[ast.stmt]) -> set[str]:
    """Names rebound or changed in place by these statements."""
    from arrayprof.snapshot import names_read_and_changed

    out: set[str] = set()
    for stmt in nodes:
        out |= names_read_and_changed(stmt)[1]
        out |= stored_names(stmt)
    return out



# -- per-tree indexes (linear advisor) -----------------------------------------------------------
class TreeIndex:
    """What the rules ask of one tree again and again (per line, per name, per loop), computed
    once per tree while an `indexed()` block runs: the nodes in `ast.walk` order, the simple
    statement covering each line, the binding lines of each name, the loops, the parents.  The
    answers are the ones the plain walks give, in the same order; only the repetition is gone
    (a 1,000-line cell walked its whole tree once per line)."""

    def __init__(self, tree: ast.AST) -> None:
        self.tree = tree
        self.nodes: list[ast.AST] = list(ast.walk(tree))
        self._simple_at: dict[int, ast.stmt] | None = None
        self._bindings: dict[str, list[int]] | None = None
        self._loops: list[ast.For | ast.While] | None = None
        self._parents: dict[ast.AST, ast.AST] | None = None
        self._starting: dict[int, list[ast.stmt]] | None = None
        self._enclosing: dict[int, list[ast.For | ast.While]] | None = None
        self.memo: dict[str, Any] = {}  # other per-tree answers, by the helper that made them

    def simple_at(self) -> dict[int, ast.stmt]:
        if self._simple_at is None:
            table: dict[int, ast.stmt] = {}
            for node in self.nodes:  # walk order: a later node of the same first line wins
                if isinstance(node, SIMPLE_STATEMENTS):
                    for line in range(node.lineno, (node.end_lineno or node.lineno) + 1):
                        best = table.get(line)
                        if best is None or node.lineno >= best.lineno:
                            table[line] = node
            self._simple_at = table
        return self._simple_at

    def bindings(self) -> dict[str, list[int]]:
        if self._bindings is None:
            found: dict[str, list[int]] = {}
            for node in self.nodes:
                for name in _bound_by(node):
                    found.setdefault(name, []).append(node.lineno)  # type: ignore[attr-defined]
            self._bindings = {name: sorted(lines) for name, lines in found.items()}
        return self._bindings

    def loops(self) -> list[ast.For | ast.While]:
        if self._loops is None:
            self._loops = [n for n in self.nodes if isinstance(n, ast.For | ast.While)]
        return self._loops

    def enclosing(self) -> dict[int, list[ast.For | ast.While]]:
        """Loops whose body holds each line, outermost first (as `enclosing_loops` sorts)."""
        if self._enclosing is None:
            table: dict[int, list[ast.For | ast.While]] = {}
            for loop in sorted(self.loops(), key=lambda n: n.lineno):
                for line in range(loop.lineno + 1, (loop.end_lineno or loop.lineno) + 1):
                    table.setdefault(line, []).append(loop)
            self._enclosing = table
        return self._enclosing

    def parents(self) -> dict[ast.AST, ast.AST]:
        if self._parents is None:
            out: dict[ast.AST, ast.AST] = {}
            for node in self.nodes:
                for child in ast.iter_child_nodes(node):
                    out[child] = node
            self._parents = out
        return self._parents

    def starting(self) -> dict[int, list[ast.stmt]]:
        """Statements (any kind) by first line, in walk order."""
        if self._starting is None:
            out: dict[int, list[ast.stmt]] = {}
            for node in self.nodes:
                if isinstance(node, ast.stmt):
                    out.setdefault(node.lineno, []).append(node)
            self._starting = out
        return self._starting


# tree -> its index (AST nodes hash by identity; the dict keeps its trees alive while active)
_INDEXES: dict[ast.AST, TreeIndex] | None = None


@contextlib.contextmanager
def indexed() -> Iterator[None]:
    """Cache a `TreeIndex` per tree for the duration of the block (one advisor run).  Outside it
    every helper walks afresh, so a tree changed between runs is never answered from a stale
    index, and no tree is kept alive after the cell."""
    global _INDEXES
    outer = _INDEXES
    if outer is None:
        _INDEXES = {}
    try:
        yield
    finally:
        if outer is None:
            _INDEXES = None


def tree_index(tree: ast.AST) -> TreeIndex | None:
    """The index of `tree` inside an `indexed()` block, else None."""
    if _INDEXES is None:
        return None
    found = _INDEXES.get(tree)
    if found is None:
        found = _INDEXES[tree] = TreeIndex(tree)
    return found


def memo(tree: ast.AST, key: str, compute: Any) -> Any:
    """`compute()` once per tree and `key` inside an `indexed()` block; every time outside it."""
    index = tree_index(tree)
    if index is None:
        return compute()
    if key not in index.memo:
        index.memo[key] = compute()
    return index.memo[key]


def nodes(tree: ast.AST) -> list[ast.AST] | Iterator[ast.AST]:
    """``ast.walk(tree)``, from the index when one is active."""
    index = tree_index(tree)
    return index.nodes if index is not None else ast.walk(tree)


def _bound_by(node: ast.AST) -> list[str]:
    """Names `binding_lines` counts as bound by this one node (once per target binding it)."""
    out: list[str] = []
    if isinstance(node, ast.Assign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            elts = target.elts if isinstance(target, ast.Tuple | ast.List) else [target]
            out.extend({e.id for e in elts if isinstance(e, ast.Name)})
    elif isinstance(node, ast.For):
        out.extend({n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)})
    return out

# -- structure -----------------------------------------------------------------------------------
def parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    index = tree_index(tree)
    if index is not None:
        return index.parents()
    out: dict[ast.AST, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            out[child] = node
    return out


def loops(tree: ast.AST) -> list[ast.For | ast.While]:
    index = tree_index(tree)
    if index is not None:
        return list(index.loops())
    return [n for n in ast.walk(tree) if isinstance(n, ast.For | ast.While)]


def enclosing_loops(tree: ast.AST, lineno: int) -> list[ast.For | ast.While]:
    """Loops whose body contains `lineno`, outermost first."""
    index = tree_index(tree)
    if index is not None:
        return list(index.enclosing().get(lineno, ()))
    found = [loop for loop in loops(tree)
             if loop.lineno < lineno <= (loop.end_lineno or loop.lineno)]
    return sorted(found, key=lambda n: n.lineno)


def statements_on(tree: ast.Module, lineno: int) -> list[ast.stmt]:
    """Innermost simple statements starting on `lineno`."""
    index = tree_index(tree)
    found = index.starting().get(lineno, []) if index is not None else ast.walk(tree)
    return [n for n in found if isinstance(n, ast.stmt) and n.lineno == lineno
            and not isinstance(n, ast.For | ast.While | ast.If | ast.With | ast.FunctionDef
                               | ast.Try)]


def top_level_span(tree: ast.Module, first: int, last: int) -> tuple[int, int, int]:
    """(index of first top-level statement, its first line, last line) covering [first, last]."""
    index = None
    start, end = first, last
    for i, stmt in enumerate(tree.body):
        s_end = stmt.end_lineno or stmt.lineno
        if s_end >= first and stmt.lineno <= last:
            if index is None:
                index = i
                start = min(start, stmt.lineno)
            end = max(end, s_end)
    return (index if index is not None else len(tree.body)), start, end


def line_text(source: str, first: int, last: int) -> list[str]:
    return source.splitlines()[first - 1:last]


def indent_of(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def reindent(code: str, indent: str) -> str:
    """`code` (written at column 0) indented to `indent`."""
    return "\n".join(indent + line if line.strip() else line for line in code.splitlines())


def splice(source: str, first: int, last: int, code: str) -> str:
    lines = source.splitlines()
    return "\n".join([*lines[: first - 1], *code.splitlines(), *lines[last:]])


def dedent_block(lines: list[str]) -> str:
    if not lines:
        return ""
    indent = min((len(x) - len(x.lstrip()) for x in lines if x.strip()), default=0)
    return "\n".join(x[indent:] for x in lines)


def unparse(node: ast.AST) -> str:
    return ast.unparse(node)


def const_int(node: ast.AST) -> int | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(
            node.value, bool):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = const_int(node.operand)
        return -inner if inner is not None else None
    return None


SAFE_EVAL_CALLS = {"len", "int", "min", "max", "abs"}


def range_length(args: list[ast.expr], namespace: dict[str, Any]) -> int | None:
    """How many values ``range(*args)`` yields, when its arguments evaluate safely to integers
    (the loop rules count a loop's passes with it); None otherwise."""
    values = [safe_eval(a, namespace) for a in args]
    if not values or not all(isinstance(v, int | np.integer) for v in values):
        return None
    try:
        return len(range(*[int(v) for v in values]))
    except ValueError:  # a zero step
        return None


def safe_eval(node: ast.AST, namespace: dict[str, Any]) -> Any:
    """Evaluate a small expression (names, attributes, len, shape, arithmetic) without side effects;
    MISSING when it needs anything else."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            if not (isinstance(sub.func, ast.Name) and sub.func.id in SAFE_EVAL_CALLS):
                return MISSING
        elif not isinstance(sub, ast.expr | ast.expr_context | ast.operator | ast.unaryop
                            | ast.cmpop | ast.boolop | ast.keyword):
            return MISSING
        if isinstance(sub, ast.Lambda | ast.NamedExpr | ast.ListComp | ast.GeneratorExp):
            return MISSING
    try:
        env = {"__builtins__": {k: getattr(builtins, k) for k in SAFE_EVAL_CALLS}}
        return eval(compile(ast.Expression(body=node), "<arrayprof-eval>", "eval"),
                    env, namespace)
    except Exception:
        return MISSING


# -- vectorizing element-wise code ---------------------------------------------------------------
class NotVectorizable(Exception):
    """Raised when element-wise code uses something one array expression cannot express."""


MATH_TO_NP = {name: name for name in ("sqrt", "exp", "log", "log10", "log2", "sin", "cos", "tan",
                                      "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
                                      "floor", "ceil", "fabs", "expm1", "log1p", "hypot",
                                      "trunc", "isnan", "isinf", "isfinite", "copysign")}
MATH_TO_NP.update({"asin": "arcsin", "acos": "arccos", "atan": "arctan", "atan2": "arctan2",
                   "pow": "power"})
REDUCTIONS = ("sum", "mean", "max", "min", "prod", "std", "var", "any", "all", "argmax", "argmin")


@dataclass
class LoopVar:
    """A loop index `name` running over range(start, stop) and mapped to array axis `axis`."""

    name: str
    start: str
    stop: str
    axis: int
    stop_value: int | None = None  # the stop evaluated after the cell, to recognise full ranges


def np_attr(name: str) -> ast.expr:
    return ast.Attribute(value=ast.Name(id="np", ctx=ast.Load()), attr=name, ctx=ast.Load())


def np_call(name: str, *args: ast.expr, **kw: ast.expr) -> ast.Call:
    return ast.Call(func=np_attr(name), args=list(args),
                    keywords=[ast.keyword(arg=k, value=v) for k, v in kw.items()])


def parse_expr(text: str) -> ast.expr:
    return ast.parse(text, mode="eval").body


class Vectorizer(ast.NodeTransformer):
    """Rewrite one element's expression into the whole-array expression.

    `loop_vars` are range indices (``a[i]`` becomes ``a[start:stop]``); `elements` are variables
    bound to successive elements of an array (``for v in arr``: ``v`` becomes ``arr``).  With
    several loop vars (nested loops) each gets its own axis and missing axes become ``None``.
    Anything that is not element-wise (user functions, indexes computed from the index, ...) raises
    NotVectorizable.
    """

    def __init__(self, loop_vars: list[LoopVar], elements: dict[str, str],
                 namespace: dict[str, Any], temps: dict[str, ast.expr] | None = None) -> None:
        self.loop_vars = {v.name: v for v in loop_vars}
        self.elements = elements
        self.namespace = namespace
        self.temps = temps or {}
        self.depends = False  # the expression used a loop var or element
        self.lists: set[str] = set()  # names holding a list while the loop runs (appends)
        # where the loop axis sits in the arrays built so far: "first" (rows, ``M[i]``) or
        # "last" (columns, ``M[:, j]``); mixing the two would misalign broadcasting
        self.position: str | None = None
        self.functions: dict[str, ast.FunctionDef | ast.Lambda] = {}  # inlinable helpers

    # axis bookkeeping
    @property
    def naxes(self) -> int:
        return len(self.loop_vars)

    def expand(self, expr: ast.expr, axes: list[int]) -> ast.expr:
        """Insert new axes so an expression over `axes` (in order) broadcasts over all loop axes."""
        if self.naxes <= 1 or sorted(axes) == list(range(self.naxes)):
            return expr
        index: list[ast.expr] = []
        for ax in range(self.naxes):
            index.append(ast.Slice() if ax in axes else ast.Constant(value=None))
        return ast.Subscript(value=expr, slice=ast.Tuple(elts=index, ctx=ast.Load()),
                             ctx=ast.Load())

    def loop_offset(self, node: ast.expr) -> tuple[LoopVar, int] | None:
        """`i`, `i + 2`, `i - 1` for a loop var i."""
        if isinstance(node, ast.Name) and node.id in self.loop_vars:
            return self.loop_vars[node.id], 0
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
            if isinstance(node.left, ast.Name) and node.left.id in self.loop_vars:
                k = const_int(node.right)
                if k is not None:
                    return self.loop_vars[node.left.id], k if isinstance(node.op, ast.Add) else -k
            if isinstance(node.op, ast.Add) and isinstance(node.right, ast.Name) and \
                    node.right.id in self.loop_vars:
                k = const_int(node.left)
                if k is not None:
                    return self.loop_vars[node.right.id], k
        return None

    def covers(self, var: LoopVar, array: str | None, position: int) -> bool:
        """Whether the range runs over the whole of `array`'s axis `position`."""
        value = self.namespace.get(array) if array else None
        return (var.start == "0" and isinstance(value, np.ndarray) and position < value.ndim
                and var.stop_value == value.shape[position])

    def slice_for(self, var: LoopVar, offset: int, array: str | None,
                  position: int = 0) -> ast.expr:
        if offset == 0 and self.covers(var, array, position):
            return ast.Slice()
        start = var.start if offset == 0 else f"{var.start} + {offset}" if offset > 0 \
            else f"{var.start} - {-offset}"
        stop = var.stop if offset == 0 else f"{var.stop} + {offset}" if offset > 0 \
            else f"{var.stop} - {-offset}"
        lower = None if start == "0" else parse_expr(start)
        return ast.Slice(lower=lower, upper=parse_expr(stop))

    def uses_loop(self, node: ast.AST) -> bool:
        return bool(names_in(node) & (set(self.loop_vars) | set(self.elements) | set(self.temps)))

    def place(self, position: str) -> None:
        if self.position is not None and self.position != position:
            raise NotVectorizable("rows and columns of the loop index mixed")
        self.position = position

    def column(self, array: str, elts: list[ast.expr]) -> tuple[ast.expr, list[int]] | None:
        """``M[:, j]`` (full slices, then the loop index on the last axis): the whole range is
        ``M[:, s]``, with the loop axis last."""
        if self.naxes != 1 or len(elts) < 2:
            return None
        value = self.namespace.get(array)
        hit = self.loop_offset(elts[-1])
        if hit is None or not isinstance(value, np.ndarray) or value.ndim != len(elts) or \
                not all(is_full_slice(e) for e in elts[:-1]):
            return None
        var, offset = hit
        piece = self.slice_for(var, offset, array, len(elts) - 1)
        self.place("last")
        if is_full_slice(piece):
            return ast.Name(id=array, ctx=ast.Load()), [var.axis]
        return ast.Subscript(value=ast.Name(id=array, ctx=ast.Load()), slice=ast.Tuple(
            elts=[*elts[:-1], piece], ctx=ast.Load()), ctx=ast.Load()), [var.axis]

    def subscript(self, node: ast.Subscript) -> tuple[ast.expr, list[int]]:
        """(sliced expression, loop axes it spans in order) for ``a[i, j, 0]`` style indexes."""
        array = node.value.id if isinstance(node.value, ast.Name) else None
        if array is None or self.uses_loop(node.value):
            raise NotVectorizable("indexed object is not a plain name")
        elts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        columns = self.column(array, elts)
        if columns is not None:
            return columns
        out: list[ast.expr] = []
        axes: list[int] = []
        trailing_free = False
        for elt in elts:
            hit = self.loop_offset(elt)
            if hit is not None:
                if trailing_free:
                    raise NotVectorizable("slice before a loop index")
                var, offset = hit
                out.append(self.slice_for(var, offset, array, len(out)))
                axes.append(var.axis)
            elif self.uses_loop(elt):
                raise NotVectorizable("index computed from the loop variable")
            else:
                if isinstance(elt, ast.Slice):
                    trailing_free = True
                out.append(elt)
        if not axes:
            return node, []
        value = self.namespace.get(array)
        if self.naxes > 1 and (trailing_free or not isinstance(value, np.ndarray)
                               or value.ndim != len(elts)):
            raise NotVectorizable("nested loops over part of an array")
        if self.naxes == 1 and isinstance(value, np.ndarray):
            rest = sum(isinstance(e, ast.Slice) for e in elts) + value.ndim - len(elts)
            if rest:
                self.place("first")  # M[i] or M[i, :]: the loop axis comes first
        if all(isinstance(e, ast.Slice) and e.lower is None and e.upper is None for e in out):
            expr: ast.expr = ast.Name(id=array, ctx=ast.Load())
        else:
            expr = ast.Subscript(value=ast.Name(id=array, ctx=ast.Load()),
                                 slice=ast.Tuple(elts=out, ctx=ast.Load()) if len(out) > 1
                                 else out[0], ctx=ast.Load())
        if axes != sorted(axes):
            if len(axes) == 2:
                expr = ast.Attribute(value=expr, attr="T", ctx=ast.Load())
                axes = sorted(axes)
            else:
                raise NotVectorizable("indexes out of loop order")
        if len(set(axes)) != len(axes):
            raise NotVectorizable("one loop index used twice")
        return expr, axes

    # visitors
    def visit_Subscript(self, node: ast.Subscript) -> ast.expr:
        if not self.uses_loop(node):
            return node
        expr, axes = self.subscript(node)
        self.depends = True
        return self.expand(expr, axes)

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if node.id in self.temps:
            self.depends = True
            return self.temps[node.id]
        if node.id in self.elements:
            self.depends = True
            return parse_expr(self.elements[node.id])
        if node.id in self.loop_vars:
            var = self.loop_vars[node.id]
            self.depends = True
            start = parse_expr(var.start)
            return self.expand(np_call("arange", start, parse_expr(var.stop)), [var.axis])
        return node

    def visit_Call(self, node: ast.Call) -> ast.expr:
        if not self.uses_loop(node):
            return node
        # reductions of a loop-indexed slice: M[:, j].sum() -> M[:, s].sum(axis=0)
        reduced = self.reduction(node)
        if reduced is not None:
            return reduced
        func = node.func
        if np_func(func, self.namespace, "dot", "inner", "vdot") and len(node.args) == 2 and \
                not node.keywords and all(self.uses_loop(a) for a in node.args):
            return self.row_dot(node.args[0], node.args[1])
        inlined = self.inline(node)
        if inlined is not None:
            return self.visit(inlined)
        args = [self.visit(a) for a in node.args]
        if node.keywords:
            raise NotVectorizable("keyword arguments")
        target = resolve(func, self.namespace)
        if isinstance(func, ast.Name) and func.id in ("abs",) and len(args) == 1:
            return np_call("abs", *args)
        if isinstance(func, ast.Name) and func.id in ("min", "max") and len(args) == 2 and \
                target in (min, max):
            return np_call("minimum" if func.id == "min" else "maximum", *args)
        if isinstance(func, ast.Name) and func.id in ("float", "int", "bool") and len(args) == 1:
            dtype = {"float": "float64", "int": "int64", "bool": "bool_"}[func.id]
            return ast.Call(func=np_attr("asarray"), args=args,
                            keywords=[ast.keyword(arg="dtype", value=np_attr(dtype))])
        if isinstance(func, ast.Attribute) and is_obj(func.value, self.namespace, math):
            name = MATH_TO_NP.get(func.attr)
            if name is None:
                raise NotVectorizable(f"math.{func.attr}")
            return np_call(name, *args)
        if isinstance(target, np.ufunc):
            return ast.Call(func=func, args=args, keywords=[])
        if np_func(func, self.namespace, "where", "clip", "abs", "round", "sign", "square"):
            return ast.Call(func=func, args=args, keywords=[])
        spelled = reduction_spelling(node, self.namespace)
        if spelled is not None and isinstance(spelled[0], ast.Subscript) and \
                self.uses_loop(spelled[0].slice):
            # a reduction over a stretch chosen by the index (a window clipped at the ends, a
            # segment): still one array expression (cumsum differences, reduceat), but not one
            # this rewriter writes
            raise NotVectorizable("index computed from the loop variable (a window)")
        raise NotVectorizable(f"call to {unparse(func)}")

    def reduction(self, node: ast.Call) -> ast.expr | None:
        """One element's reduction as the whole iteration's reduction along an axis.

        ``M[:, j].sum()`` -> ``M.sum(axis=0)``; ``np.linalg.norm(F[i])`` ->
        ``np.linalg.norm(F, axis=1)``; ``col.max()`` for ``col`` in ``T.T`` -> ``T.T.max(axis=1)``;
        a sliding window ``x[t - w + 1:t + 1].mean()`` ->
        ``sliding_window_view(x, w)[...].mean(axis=-1)``."""
        spelled = reduction_spelling(node, self.namespace)
        if spelled is None or self.naxes > 1:
            return None
        operand, build = spelled
        if isinstance(operand, ast.Name) and operand.id in self.elements:
            return self.element_reduction(operand.id, build)
        if isinstance(operand, ast.BinOp | ast.UnaryOp | ast.Call):
            return self.expression_reduction(operand, build)
        if not isinstance(operand, ast.Subscript) or not isinstance(operand.value, ast.Name):
            return None
        value = self.namespace.get(operand.value.id)
        if not isinstance(value, np.ndarray):
            return None
        if value.ndim == 1 and isinstance(operand.slice, ast.Slice):
            return self.window_reduction(operand, value, build)
        if value.ndim < 2 or self.naxes != 1:
            return None
        elts = operand.slice.elts if isinstance(operand.slice, ast.Tuple) else [operand.slice]
        position = None
        for k, elt in enumerate(elts):
            hit = self.loop_offset(elt)
            if hit is not None and hit[1] == 0 and position is None:
                position = k
            elif not (isinstance(elt, ast.Slice) and elt.lower is None and elt.upper is None
                      and elt.step is None):
                return None
        if position is None:
            return None
        var = self.loop_vars[elts[position].id]  # type: ignore[union-attr]
        others = [k for k in range(value.ndim) if k != position]
        if self.covers(var, operand.value.id, position):
            base: ast.expr = ast.Name(id=operand.value.id, ctx=ast.Load())
        else:
            index = [ast.Slice() for _ in range(value.ndim)]
            index[position] = self.slice_for(var, 0, None)
            base = ast.Subscript(value=ast.Name(id=operand.value.id, ctx=ast.Load()),
                                 slice=ast.Tuple(elts=index[: max(position + 1, 1)],
                                                 ctx=ast.Load()), ctx=ast.Load())
        self.depends = True
        return build(base, axis_node(others))

    def expression_reduction(self, operand: ast.expr, build: Any) -> ast.expr | None:
        """``np.sum(M[i, :] * w)`` for every i: the element expression, vectorized, reduced over
        every axis but the loop's.  One element's shape comes from evaluating it at the first
        index; where the loop axis sits from the arrays it reads."""
        if len(self.loop_vars) != 1 or self.elements or not self.uses_loop(operand):
            return None
        var = next(iter(self.loop_vars.values()))
        first = safe_eval(parse_expr(var.start), self.namespace)
        if not isinstance(first, int | np.integer):
            return None
        one = try_eval(operand, {**self.namespace, var.name: int(first)})
        if not isinstance(one, np.ndarray | np.generic | float | int):
            return None
        ndim = int(np.ndim(one))
        expr = self.visit(copy_node(operand))
        if ndim == 0:
            return expr  # the reduction of one number is that number
        if self.position == "last":
            axes = list(range(ndim))
        else:
            axes = list(range(1, ndim + 1))
        return build(expr, axis_node(axes))

    def element_reduction(self, name: str, build: Any) -> ast.expr | None:
        """``v.max()`` where `v` runs over the rows of a 2-D (or more) array."""
        source = parse_expr(self.elements[name])
        value = try_eval(source, self.namespace)
        if not isinstance(value, np.ndarray) or value.ndim < 2:
            return None
        self.depends = True
        return build(source, axis_node(list(range(1, value.ndim))))

    def window_reduction(self, operand: ast.Subscript, value: np.ndarray,
                         build: Any) -> ast.expr | None:
        """``x[i + a:i + b].mean()`` for i in range(start, stop): a fixed-width window moving
        one element per iteration, always inside the array (Python would clip it at the ends)."""
        window = operand.slice
        assert isinstance(window, ast.Slice)
        if window.step is not None or window.lower is None or window.upper is None or \
                len(self.loop_vars) != 1:
            return None
        var = next(iter(self.loop_vars.values()))
        start = safe_eval(parse_expr(var.start), self.namespace)
        if var.stop_value is None or not isinstance(start, int | np.integer):
            return None
        bounds = []
        for at_index in (0, 1):
            scope = {**self.namespace, var.name: at_index}
            low, high = safe_eval(window.lower, scope), safe_eval(window.upper, scope)
            if not isinstance(low, int | np.integer) or not isinstance(high, int | np.integer):
                return None
            bounds.append((int(low), int(high)))
        (a, b), (a1, b1) = bounds
        width = b - a
        if a1 != a + 1 or b1 != b + 1 or width < 1:
            return None
        first, last = int(start), int(var.stop_value) - 1
        if first + a < 0 or last + b > value.shape[0] or first > last:
            return None
        windows = parse_expr(f"np.lib.stride_tricks.sliding_window_view({operand.value.id}, "
                             f"{width})[{first + a}:{last + a + 1}]")
        self.depends = True
        return build(windows, ast.Constant(value=-1))
    def inline(self, node: ast.Call) -> ast.expr | None:
        """A call of one of the cell's small functions (a lambda, or a def that only returns an
        expression, if/else allowed), with the arguments put in place of the parameters."""
        if not isinstance(node.func, ast.Name) or node.keywords or \
                node.func.id not in self.functions:
            return None
        spec = function_body(self.functions[node.func.id])
        if spec is None:
            return None
        params, body = spec
        if len(params) != len(node.args):
            return None
        mapping = dict(zip(params, node.args, strict=True))
        return fix_missing_locations(Substitute(mapping).visit(copy_node(body)))

    def visit_IfExp(self, node: ast.IfExp) -> ast.expr:
        if not self.uses_loop(node):
            return node
        return np_call("where", self.visit(node.test), self.visit(node.body),
                       self.visit(node.orelse))

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.expr:
        if not self.uses_loop(node):
            return node
        values = [self.visit(v) for v in node.values]
        name = "logical_and" if isinstance(node.op, ast.And) else "logical_or"
        expr = values[0]
        for v in values[1:]:
            expr = np_call(name, expr, v)
        return expr

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.expr:
        if isinstance(node.op, ast.Not) and self.uses_loop(node):
            return np_call("logical_not", self.visit(node.operand))
        return self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> ast.expr:
        if not self.uses_loop(node):
            return node
        if any(isinstance(op, ast.In | ast.NotIn | ast.Is | ast.IsNot) for op in node.ops):
            raise NotVectorizable("membership or identity test")
        parts = []
        left = self.visit(node.left)
        for op, right in zip(node.ops, node.comparators, strict=True):
            right = self.visit(right)
            parts.append(ast.Compare(left=left, ops=[op], comparators=[right]))
            left = right
        expr: ast.expr = parts[0]
        for p in parts[1:]:
            expr = np_call("logical_and", expr, p)
        return expr

    def element_ndim(self, node: ast.expr) -> int | None:
        """How many dimensions one iteration's value of `node` has (evaluated at the first
        index / first element); None when that cannot be evaluated."""
        if len(self.loop_vars) + len(self.elements) == 0 or self.naxes > 1:
            return None
        scope = dict(self.namespace)
        for var in self.loop_vars.values():
            start = safe_eval(parse_expr(var.start), self.namespace)
            if not isinstance(start, int | np.integer):
                return None
            scope[var.name] = int(start)
        for name, source in self.elements.items():
            value = try_eval(parse_expr(source), self.namespace)
            if not isinstance(value, np.ndarray) or not len(value):
                return None
            scope[name] = value[0]
        if set(self.temps) & names_in(node):
            return None  # a temporary of this iteration: its value is not at hand
        value = try_eval(node, scope)
        return None if value is MISSING else int(np.ndim(value))

    def align(self, expr: ast.expr, have: int | None, want: int | None) -> ast.expr:
        """With the loop axis first, a value of fewer dimensions than the one it meets must
        gain trailing axes (``R.sum(axis=1)[:, None]`` against ``R``): broadcasting would
        otherwise line it up with the last axis."""
        if have is None or want is None or have >= want or self.position == "last":
            return expr
        index = [ast.Slice(), *[ast.Constant(value=None) for _ in range(want - have)]]
        return ast.Subscript(value=expr, slice=ast.Tuple(elts=index, ctx=ast.Load()),
                             ctx=ast.Load())

    def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
        if not isinstance(node.op, ast.MatMult) and self.uses_loop(node.left) and \
                self.uses_loop(node.right) and self.naxes == 1:
            left_dims, right_dims = self.element_ndim(node.left), self.element_ndim(node.right)
            left, right = self.visit(node.left), self.visit(node.right)
            left = self.align(left, left_dims, right_dims)
            right = self.align(right, right_dims, left_dims)
            return ast.BinOp(left=left, op=node.op, right=right)
        if isinstance(node.op, ast.MatMult):
            left_dep, right_dep = self.uses_loop(node.left), self.uses_loop(node.right)
            if left_dep and right_dep:
                return self.row_dot(node.left, node.right)
            if right_dep and self.naxes == 1:
                return self.matrix_times_rows(node)
            if right_dep or (left_dep and self.naxes != 1):
                raise NotVectorizable("matrix product of loop-indexed operands")
        return self.generic_visit(node)

    def matrix_times_rows(self, node: ast.BinOp) -> ast.expr:
        """``W @ X[i]`` for every i: the rows of X times W's transpose, ``X @ W.T`` (``v @ X[i]``
        with a vector v is ``X @ v``)."""
        matrix = array_of(node.left, self.namespace)
        if matrix is None or matrix.ndim not in (1, 2):
            raise NotVectorizable("matrix product of loop-indexed operands")
        rows = self.stacked_rows(node.right)
        right: ast.expr = node.left if matrix.ndim == 1 else ast.Attribute(
            value=node.left, attr="T", ctx=ast.Load())
        return ast.BinOp(left=rows, op=ast.MatMult(), right=right)

    def stacked_rows(self, node: ast.expr) -> ast.expr:
        """``X[i]`` / ``X[i, :]`` of a 2-D array for every i, as the rows of one array."""
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            value = self.namespace.get(node.value.id)
            elts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            if isinstance(value, np.ndarray) and value.ndim == 2 and \
                    (len(elts) == 1 or (len(elts) == 2 and is_full_slice(elts[1]))):
                hit = self.loop_offset(elts[0])
                if hit is not None:
                    var, offset = hit
                    piece = self.slice_for(var, offset, node.value.id, 0)
                    self.depends = True
                    self.place("first")
                    base: ast.expr = ast.Name(id=node.value.id, ctx=ast.Load())
                    return base if is_full_slice(piece) else ast.Subscript(
                        value=base, slice=piece, ctx=ast.Load())
        raise NotVectorizable("matrix product of loop-indexed operands")

    def stacked(self, node: ast.expr) -> ast.expr:
        """The vectors ``A[k, :]`` / ``B[:, k]`` for every k, stacked as rows."""
        if not (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and
                isinstance(node.slice, ast.Tuple) and len(node.slice.elts) == 2 and
                self.naxes == 1):
            raise NotVectorizable("matrix product of loop-indexed operands")
        value = self.namespace.get(node.value.id)
        first, second = node.slice.elts
        if not isinstance(value, np.ndarray) or value.ndim != 2:
            raise NotVectorizable("matrix product of loop-indexed operands")
        for position, (index, other) in enumerate(((first, second), (second, first))):
            hit = self.loop_offset(index)
            if hit is not None and is_full_slice(other):
                var, offset = hit
                piece = self.slice_for(var, offset, node.value.id, position)
                base: ast.expr = ast.Name(id=node.value.id, ctx=ast.Load())
                if not is_full_slice(piece):
                    base = ast.Subscript(value=base, slice=ast.Tuple(
                        elts=[piece, ast.Slice()] if position == 0 else [ast.Slice(), piece],
                        ctx=ast.Load()), ctx=ast.Load())
                self.depends = True
                return base if position == 0 else ast.Attribute(value=base, attr="T",
                                                                ctx=ast.Load())
        raise NotVectorizable("matrix product of loop-indexed operands")

    def row_dot(self, left: ast.expr, right: ast.expr) -> ast.expr:
        """``A[k, :] @ B[:, k]`` for every k: one einsum over the stacked rows."""
        return np_call("einsum", ast.Constant(value="ij,ij->i"), self.stacked(left),
                       self.stacked(right))

    def visit_Lambda(self, node: ast.Lambda) -> ast.expr:
        raise NotVectorizable("lambda")

    def visit_ListComp(self, node: ast.ListComp) -> ast.expr:
        raise NotVectorizable("nested comprehension")

    visit_GeneratorExp = visit_ListComp  # type: ignore[assignment]
    visit_DictComp = visit_ListComp  # type: ignore[assignment]
    visit_SetComp = visit_ListComp  # type: ignore[assignment]

    def vectorize(self, node: ast.expr) -> ast.expr:
        self.depends = False
        out = self.visit(copy_node(node))
        return fix_missing_locations(out)


def fix_missing_locations(node: Any) -> Any:
    """`ast.fix_missing_locations` without its recursive closure: that closure is a reference
    cycle, garbage for the collector after every call, and the advisor runs after every cell of
    automatic mode, where it would move the user's garbage collections."""
    stack = [(node, 1, 0, 1, 0)]
    while stack:
        item, lineno, col, end_lineno, end_col = stack.pop()
        fields = item._attributes
        if "lineno" in fields:
            if not hasattr(item, "lineno"):
                item.lineno = lineno
            lineno = item.lineno
        if "end_lineno" in fields:
            if getattr(item, "end_lineno", None) is None:
                item.end_lineno = end_lineno
            end_lineno = item.end_lineno
        if "col_offset" in fields:
            if not hasattr(item, "col_offset"):
                item.col_offset = col
            col = item.col_offset
        if "end_col_offset" in fields:
            if getattr(item, "end_col_offset", None) is None:
                item.end_col_offset = end_col
            end_col = item.end_col_offset
        stack.extend((child, lineno, col, end_lineno, end_col)
                     for child in ast.iter_child_nodes(item))
    return node


class Substitute(ast.NodeTransformer):
    """Every loaded name in `mapping` replaced by (a copy of) its expression.  At module level:
    a class made inside a function is a reference cycle, garbage after every cell."""

    def __init__(self, mapping: dict[str, ast.expr]) -> None:
        self.mapping = mapping

    def visit_Name(self, name: ast.Name) -> Any:
        if name.id in self.mapping and isinstance(name.ctx, ast.Load):
            return copy_node(self.mapping[name.id])
        return name


def is_full_slice(node: ast.AST) -> bool:
    return isinstance(node, ast.Slice) and node.lower is None and node.upper is None and \
        node.step is None


def function_body(func: ast.AST) -> tuple[list[str], ast.expr] | None:
    """(parameters, the expression returned) of a lambda, or of a def whose body is returns
    under if/elif/else (a docstring allowed); None for anything else."""
    if isinstance(func, ast.Lambda):
        return [a.arg for a in func.args.args], func.body
    if not isinstance(func, ast.FunctionDef) or func.args.vararg or func.args.kwarg or \
            func.args.kwonlyargs or func.decorator_list:
        return None
    body = func.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    expr = returned_expression(body)
    return ([a.arg for a in func.args.args], expr) if expr is not None else None


def returned_expression(body: list[ast.stmt]) -> ast.expr | None:
    """The value a body of ``if``/``elif``/``else`` and ``return`` statements returns, as one
    conditional expression (``if``s without ``else`` fall through to what follows them)."""
    if not body:
        return None
    first = body[0]
    if isinstance(first, ast.Return) and first.value is not None:
        return first.value
    if isinstance(first, ast.If):
        yes = returned_expression(first.body)
        no = returned_expression([*first.orelse, *body[1:]])
        if yes is not None and no is not None:
            return ast.IfExp(test=first.test, body=yes, orelse=no)
    return None


def inlinable_functions(tree: ast.AST, namespace: dict[str, Any],
                        ) -> dict[str, ast.FunctionDef | ast.Lambda]:
    """The cell's functions (and lambdas bound to names) simple enough to inline, by name;
    only those whose name still denotes them (not rebound to something else)."""
    def compute() -> dict[str, ast.FunctionDef | ast.Lambda]:
        out: dict[str, ast.FunctionDef | ast.Lambda] = {}
        for node in nodes(tree):
            if isinstance(node, ast.FunctionDef) and function_body(node) is not None:
                out[node.name] = node
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                    isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Lambda):
                out[node.targets[0].id] = node.value
        return out
    found = memo(tree, "inlinable_functions", compute)  # once per tree, not once per loop
    return {k: v for k, v in found.items() if callable(namespace.get(k, len))}


def axis_node(axes: list[int]) -> ast.expr:
    if len(axes) == 1:
        return ast.Constant(value=axes[0])
    return ast.Tuple(elts=[ast.Constant(value=k) for k in axes], ctx=ast.Load())


def reduction_spelling(node: ast.Call, namespace: dict[str, Any]) -> tuple[ast.expr, Any] | None:
    """(the reduced operand, a builder (base, axis) -> the same reduction along `axis`) for
    ``x.sum()``, ``np.sum(x)``, ``np.linalg.norm(x)`` without extra arguments; else None."""
    func = node.func
    if not isinstance(func, ast.Attribute) or node.keywords:
        return None
    if func.attr in REDUCTIONS and not node.args and not np_func(func, namespace, func.attr) \
            and not isinstance(resolve(func.value, namespace), type(np)):

        def method(base: ast.expr, axis: ast.expr, attr: str = func.attr) -> ast.expr:
            return ast.Call(func=ast.Attribute(value=base, attr=attr, ctx=ast.Load()), args=[],
                            keywords=[ast.keyword(arg="axis", value=axis)])

        return func.value, method
    numpy_reduction = func.attr in REDUCTIONS and np_func(func, namespace, func.attr)
    if len(node.args) == 1 and (numpy_reduction or np_func(func, namespace, "linalg.norm")):

        def function(base: ast.expr, axis: ast.expr, callee: ast.expr = func) -> ast.expr:
            return ast.Call(func=callee, args=[base],
                            keywords=[ast.keyword(arg="axis", value=axis)])

        return node.args[0], function
    return None


def copy_node(node: ast.AST) -> Any:
    return ast.parse(ast.unparse(node), mode="eval").body if isinstance(node, ast.expr) else node


def walk_no_defs(node: ast.AST) -> Iterator[ast.AST]:
    """ast.walk that does not descend into nested function or class bodies."""
    todo = [node]
    while todo:
        current = todo.pop()
        yield current
        for child in ast.iter_child_nodes(current):
            if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
                              | ast.Lambda):
                todo.append(child)


# -- statements spanning several lines -----------------------------------------------------------
SIMPLE_STATEMENTS = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.Return, ast.Delete)


def statement_at(tree: ast.AST, lineno: int) -> ast.stmt | None:
    """The innermost simple statement whose lines contain `lineno`.

    Op records and line figures name the physical line an operation ran on; a parenthesised
    statement spread over several lines is still one statement, and findings speak of its first
    line (where a reader sees the assignment)."""
    index = tree_index(tree)
    if index is not None:
        return index.simple_at().get(lineno)
    best: ast.stmt | None = None
    for node in ast.walk(tree):
        if isinstance(node, SIMPLE_STATEMENTS) and \
                node.lineno <= lineno <= (node.end_lineno or node.lineno):
            if best is None or node.lineno >= best.lineno:
                best = node
    return best


def statement_lines(tree: ast.AST, lineno: int) -> range:
    """All physical lines of the statement containing `lineno` (just `lineno` when none)."""
    stmt = statement_at(tree, lineno)
    if stmt is None:
        return range(lineno, lineno + 1)
    return range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1)


def first_line(tree: ast.AST, lineno: int) -> int:
    """The first line of the statement containing `lineno`."""
    stmt = statement_at(tree, lineno)
    return stmt.lineno if stmt is not None else lineno


def binding_lines(tree: ast.AST, name: str) -> list[int]:
    """Lines of statements that bind `name` with ``=`` (plain or tuple targets), in order.

    Writes into the array (``name[...] = v``) and augmented assignments keep the array, so they
    are not bindings: the array was created where ``name = ...`` ran."""
    index = tree_index(tree)
    if index is not None:
        return list(index.bindings().get(name, ()))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                elts = target.elts if isinstance(target, ast.Tuple | ast.List) else [target]
                if any(isinstance(e, ast.Name) and e.id == name for e in elts):
                    out.append(node.lineno)
        elif isinstance(node, ast.For) and name in {n.id for n in ast.walk(node.target)
                                                    if isinstance(n, ast.Name)}:
            out.append(node.lineno)
    return sorted(out)


def bound_value(tree: ast.AST, name: str, lineno: int) -> ast.expr | None:
    """The expression bound to `name` by the assignment on `lineno` (tuple targets matched
    position by position), else None."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and node.lineno == lineno:
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == name:
                    return node.value
                if isinstance(target, ast.Tuple | ast.List) and isinstance(
                        node.value, ast.Tuple | ast.List) and \
                        len(target.elts) == len(node.value.elts):
                    for elt, value in zip(target.elts, node.value.elts, strict=True):
                        if isinstance(elt, ast.Name) and elt.id == name:
                            return value
    return None


def rebound_anywhere(tree: ast.AST, name: str, besides: int) -> bool:
    """Whether `name` is assigned on some line other than `besides`."""
    return any(line != besides for line in binding_lines(tree, name))


# -- evaluating small side-effect-free expressions -----------------------------------------------
PURE_METHODS = {"sum", "mean", "max", "min", "std", "var", "prod", "any", "all", "argmax",
                "argmin", "ravel", "reshape", "transpose", "astype", "copy", "flatten",
                "squeeze", "cumsum", "cumprod", "round", "clip", "dot", "nonzero", "tolist",
                "item", "conj", "swapaxes", "take", "repeat", "diagonal", "trace", "ptp"}
PURE_BUILTINS = {"abs", "len", "min", "max", "sum", "int", "float", "bool", "range", "list",
                 "tuple", "round", "sorted", "any", "all", "zip", "enumerate", "reversed"}
EVAL_INPUT_BYTES = 32 << 20


def try_eval(node: ast.AST, namespace: dict[str, Any],
             max_input_bytes: int = EVAL_INPUT_BYTES) -> Any:
    """The value of an expression made only of names, constants, indexing, arithmetic and calls to
    NumPy, math or pure builtins (never ``out=``, never a mutating method), evaluated on the
    namespace; MISSING when it needs anything else or fails.

    Rules use it to learn what an argument *is* (an array? which shape and dtype?) when it is not
    a plain name: ``any(temps > 45)``, ``np.exp(z).sum(axis=-1)``, ``gains[:, None]``.  Calls
    with effects (files, global state, a function of the user's that NumPy calls back: see
    effects.callable_effect) and in-place changes (``np.copyto(a, b)``) are never evaluated."""
    from arrayprof.advisor.effects import callable_effect  # it imports this module
    from arrayprof.snapshot import names_read_and_changed

    if names_read_and_changed(node)[1]:
        return MISSING  # np.copyto(a, b), np.add.at(a, i, 1): it would change a value of theirs
    names: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Lambda | ast.NamedExpr | ast.ListComp | ast.GeneratorExp
                      | ast.DictComp | ast.SetComp | ast.Await | ast.Yield | ast.YieldFrom
                      | ast.Starred):
            return MISSING
        if isinstance(sub, ast.Name):
            names.add(sub.id)
        if isinstance(sub, ast.Attribute) and sub.attr.startswith("_"):
            return MISSING
        if isinstance(sub, ast.Call):
            if any(k.arg in ("out", "where") or k.arg is None for k in sub.keywords):
                return MISSING
            func = sub.func
            if isinstance(func, ast.Name):
                target = resolve(func, namespace)
                if not (func.id in PURE_BUILTINS and target is getattr(builtins, func.id, None))\
                        and not (is_numpy_object(target) or getattr(target, "__module__", "")
                                 == "math"):
                    return MISSING
                if callable_effect(target, func.id):
                    return MISSING  # vf(x) with vf = np.vectorize(a function of theirs)
            elif isinstance(func, ast.Attribute):
                owner = resolve(func.value, namespace)
                target = resolve(func, namespace)
                if target is not MISSING and (is_numpy_object(target) or getattr(
                        target, "__module__", "") == "math"):
                    if isinstance(owner, np.random.RandomState | np.random.Generator) or \
                            owner is np.random:
                        return MISSING  # draws would advance a generator
                    if callable_effect(target, func.attr):
                        return MISSING  # np.save(...), np.memmap(...), np.seterr(...)
                    continue
                if func.attr not in PURE_METHODS:
                    return MISSING
            else:
                return MISSING
    total = 0
    for name in names:
        value = namespace.get(name)
        if isinstance(value, np.ndarray):
            total += value.nbytes
    if total > max_input_bytes:
        return MISSING
    env = {"__builtins__": {k: getattr(builtins, k) for k in PURE_BUILTINS}}
    try:
        with np.errstate(all="ignore"):
            return eval(compile(ast.Expression(body=copy_node(node)), "<arrayprof-eval>",
                                "eval"), env, dict(namespace))
    except Exception:
        return MISSING


def array_of(node: ast.AST, namespace: dict[str, Any]) -> np.ndarray | None:
    """The ndarray an expression evaluates to (plain names directly, others via try_eval)."""
    value = array_value(node, namespace)
    if value is not None:
        return value
    if isinstance(node, ast.Constant):
        return None
    value = try_eval(node, namespace)
    return value if isinstance(value, np.ndarray) else None


# -- normalising spellings -----------------------------------------------------------------------
class ChainedIndex(ast.NodeTransformer):
    """``a[i][j]`` -> ``a[i, j]`` when `a` is an ndarray of at least two dimensions and the first
    index is a single integer-like expression (so both spellings select the same element)."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        self.namespace = namespace

    def visit_Subscript(self, node: ast.Subscript) -> Any:
        self.generic_visit(node)
        inner = node.value
        if isinstance(inner, ast.Subscript) and isinstance(inner.value, ast.Name) and \
                not isinstance(inner.slice, ast.Slice | ast.Tuple) and \
                not isinstance(node.slice, ast.Tuple):
            value = self.namespace.get(inner.value.id)
            if isinstance(value, np.ndarray) and value.ndim >= 2:
                return ast.copy_location(ast.Subscript(
                    value=inner.value, slice=ast.Tuple(elts=[inner.slice, node.slice],
                                                       ctx=ast.Load()), ctx=node.ctx), node)
        return node


def normalise(node: Any, namespace: dict[str, Any]) -> Any:
    """A deep copy of `node` (line numbers kept) with equivalent spellings unified (see
    ChainedIndex), so rules match one spelling of each pattern."""
    clone = copy.deepcopy(node)
    return fix_missing_locations(ChainedIndex(namespace).visit(clone))


# NumPy functions and methods that run ufuncs of their own on the caller's data (std and var
# subtract the mean in float64, norm squares, cov centres): an op they make is not the user's
INTERNAL_UFUNC_CALLS = frozenset({"std", "var", "nanstd", "nanvar", "average", "cov",
                                  "corrcoef", "norm", "ptp", "median", "percentile", "quantile",
                                  "nanmedian", "nanpercentile", "histogram", "gradient"})


def internal_op(op: Any, tree: ast.AST | None) -> bool:
    """Whether a ufunc call charged to a line ran inside a NumPy function the line calls
    (``img.std(axis=0)`` subtracts a float64 mean from the uint8 image internally) rather than
    as an operation the line writes: its dtype and its temporaries are NumPy's choices, which
    the user cannot rewrite (issue 12: dtype-upcast and broadcast-blowup on ``.std()``)."""
    if tree is None or getattr(op, "kind", "") != "ufunc" or op.lineno is None:
        return False
    stmt = statement_at(tree, op.lineno)
    if stmt is None:
        return False
    names = set()
    internal = False
    for node in ast.walk(stmt):
        name = node.attr if isinstance(node, ast.Attribute) else \
            node.id if isinstance(node, ast.Name) else None
        if name is None:
            continue
        names.add(name)
        if name in INTERNAL_UFUNC_CALLS:
            internal = True
    return internal and op.name not in names
