"""Function scopes: code inside the cell's own functions, judged with the function's locals.

Rules decide by what names *are* at run time (an ndarray of which shape and dtype, a list, a
NumPy function), but a function's local variables are gone when the cell ends, so a loop or a
chain inside ``def standardise(values): ...`` would be invisible.  For each function the cell
defines, this module builds the namespace its body ran in:

* statically, by binding the parameters to the arguments of a call in the cell (plain names and
  constants), which needs no re-run;
* then, when it is safe (`effects.EffectCheck`, the judge verification uses: nothing it runs
  acts outside the copies, so nothing observable happens twice) and cheap (the cell was quick),
  by re-running the statements from the definitions through the last call on copies of the
  cell's inputs, under a tracer that keeps each function's locals (and its return value, as
  ``__return__``) when it last returns.

The rules then run a second time on each function body with that namespace.  Rewrites they offer
for lines inside a function are verified by running the definitions *and* the calls, comparing what
the calls bind (see verify.set_scope).
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor import effects
from arrayprof.advisor.config import CONFIG
from arrayprof.context import CellContext
from arrayprof.report import Report

RETURN = "__return__"  # pseudo-name of a function's return value in its captured locals


@dataclass
class Scope:
    """One function the cell defines, with the namespace its body saw."""

    func: ast.FunctionDef
    namespace: dict[str, Any]
    replayed: bool = False  # locals come from a real (re-)run, not only from static binding
    calls: list[int] = field(default_factory=list)  # top-level statements calling it (indices)
    targets: list[str] = field(default_factory=list)  # names those statements bind

    @property
    def first(self) -> int:
        """First line of the definition (decorators included)."""
        return min([self.func.lineno, *[d.lineno for d in self.func.decorator_list]])

    @property
    def last(self) -> int:
        return self.func.end_lineno or self.func.lineno

    def contains(self, lineno: int | None) -> bool:
        """Whether `lineno` is in the function's body (not its def line)."""
        return lineno is not None and self.func.body[0].lineno <= lineno <= self.last

    def context(self, outer: CellContext) -> CellContext:
        """A context whose tree is the function body and whose namespace holds its locals."""
        tree = ast.Module(body=self.func.body, type_ignores=[])
        return CellContext(source=outer.source, filename=outer.filename, tree=tree,
                           namespace=self.namespace, inputs=None, new_names=[])


# -- finding functions and their calls -----------------------------------------------------------
def cell_functions(tree: ast.Module) -> list[ast.FunctionDef]:
    """Functions the cell defines at its top level (inside if/with/try blocks too)."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            out.append(node)
    return out


def calls_in(node: ast.AST, names: set[str], methods: set[str] | None = None) -> bool:
    """Whether `node` (outside nested definitions) loads one of `names`, or calls a method
    named in `methods` (``obj.apply(...)`` for a class the cell defines)."""
    for sub in at.walk_no_defs(node):
        if isinstance(sub, ast.Name) and sub.id in names and isinstance(sub.ctx, ast.Load):
            return True
        if methods and isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and \
                sub.func.attr in methods:
            return True
    return False


def method_names(tree: ast.Module) -> set[str]:
    """Names of the methods of the classes the cell defines."""
    return at.memo(tree, "scopes.method_names", lambda: {
        f.name for c in ast.walk(tree) if isinstance(c, ast.ClassDef) for f in c.body
        if isinstance(f, ast.FunctionDef)})


def uses_of(node: ast.AST) -> tuple[set[str], set[str]]:
    """(names loaded, attribute names called) in `node` outside nested definitions: what
    `calls_in` tests, gathered in one walk so that many questions cost one pass."""
    loads: set[str] = set()
    called: set[str] = set()
    for sub in at.walk_no_defs(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
            loads.add(sub.id)
        elif isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute):
            called.add(sub.func.attr)
    return loads, called


def _statement_uses(tree: ast.Module) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """For the top-level statements that are not definitions: the indices of those loading each
    name, and of those calling each attribute (`uses_of`), once per tree."""
    def compute() -> tuple[dict[str, list[int]], dict[str, list[int]]]:
        loading: dict[str, list[int]] = {}
        calling: dict[str, list[int]] = {}
        for i, stmt in enumerate(tree.body):
            if isinstance(stmt, ast.FunctionDef | ast.ClassDef):
                continue
            loads, called = uses_of(stmt)
            for name in loads:
                loading.setdefault(name, []).append(i)
            for attr in called:
                calling.setdefault(attr, []).append(i)
        return loading, calling
    return at.memo(tree, "scopes.statement_uses", compute)


def calling_statements(tree: ast.Module, names: set[str]) -> list[int]:
    """Indices of top-level statements (not definitions) that use one of `names` (functions
    by name, methods of the cell's classes by attribute)."""
    methods = names & method_names(tree)
    loading, calling = _statement_uses(tree)
    found: set[int] = set()
    for name in names:
        found.update(loading.get(name, ()))
    for attr in methods:
        found.update(calling.get(attr, ()))
    return sorted(found)


def users(tree: ast.Module, funcs: list[ast.FunctionDef]) -> dict[str, set[str]]:
    """For each function, itself and the cell functions that call it (transitively), so a call
    of `outer` counts as a call of the `inner` it uses."""
    called_by: dict[str, set[str]] = {f.name: {f.name} for f in funcs}
    methods = method_names(tree)
    body_uses = [(g, uses_of(ast.Module(body=g.body, type_ignores=[]))) for g in funcs]
    callers_of: dict[str, list[ast.FunctionDef]] = {}
    for g, (loads, called) in body_uses:
        for name in loads | (called & methods):
            callers_of.setdefault(name, []).append(g)
    for f in funcs:
        for g in callers_of.get(f.name, ()):
            if g is not f:
                called_by[f.name].add(g.name)
    changed = True
    while changed:
        changed = False
        for name, callers in called_by.items():
            for caller in list(callers):
                extra = called_by.get(caller, set()) - callers
                if extra:
                    callers |= extra
                    changed = True
            called_by[name] = callers
    return called_by


def bound_targets(stmt: ast.stmt) -> list[str]:
    return sorted(n for n in at.stored_names(stmt)
                  if not isinstance(stmt, ast.FunctionDef | ast.ClassDef))


# -- static binding ------------------------------------------------------------------------------
def static_binding(tree: ast.Module, func: ast.FunctionDef,
                   namespace: dict[str, Any]) -> dict[str, Any]:
    """Parameters bound to the arguments of the first call in the cell (names and constants)."""
    params = [a.arg for a in func.args.args]
    bound: dict[str, Any] = {}
    defaults = func.args.defaults
    for param, default in zip(params[len(params) - len(defaults):], defaults, strict=True):
        if isinstance(default, ast.Constant):
            bound[param] = default.value
    for node in _calls_by_name(tree).get(func.name, ()):
        if func.lineno <= node.lineno <= (func.end_lineno or func.lineno):
            continue  # a recursive call says nothing about the outer values
        for param, arg in zip(params, node.args, strict=False):
            value = arg_value(arg, namespace)
            if value is not at.MISSING:
                bound[param] = value
        for keyword in node.keywords:
            if keyword.arg in params:
                value = arg_value(keyword.value, namespace)
                if value is not at.MISSING:
                    bound[keyword.arg] = value
        break
    return bound


def _calls_by_name(tree: ast.Module) -> dict[str, list[ast.Call]]:
    """Calls of plain names (``f(...)``) by name, in `ast.walk` order, once per tree."""
    def compute() -> dict[str, list[ast.Call]]:
        out: dict[str, list[ast.Call]] = {}
        for node in at.nodes(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                out.setdefault(node.func.id, []).append(node)
        return out
    return at.memo(tree, "scopes.calls_by_name", compute)


def arg_value(node: ast.expr, namespace: dict[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return namespace.get(node.id, at.MISSING)
    return at.try_eval(node, namespace)


# -- replay with a tracer ------------------------------------------------------------------------
class LocalsTracer:
    """Keeps the locals (and return value) of frames running functions called `names` from
    code compiled under `filename`, at each return; the last one wins.  Line events are switched
    off in those frames, so the cost is one callback per call and return."""

    def __init__(self, filename: str, names: set[str]) -> None:
        self.filename = filename
        self.names = names
        self.captured: dict[str, dict[str, Any]] = {}
        self.sizes: dict[str, int] = {}

    def global_trace(self, frame: FrameType, event: str, arg: Any) -> Callable[..., Any] | None:
        code = frame.f_code
        if event == "call" and code.co_filename == self.filename and code.co_name in self.names:
            frame.f_trace_lines = False
            return self.local_trace
        return None

    def local_trace(self, frame: FrameType, event: str, arg: Any) -> Callable[..., Any] | None:
        if event == "return":
            local = dict(frame.f_locals)
            local[RETURN] = arg
            name = frame.f_code.co_name
            size = sum(v.nbytes for v in local.values() if isinstance(v, np.ndarray))
            # Keep the call that handled the most data: it is the one whose costs the report
            # measured, when a function runs on inputs of several sizes.
            if size >= self.sizes.get(name, -1):
                self.captured[name] = local
                self.sizes[name] = size
        return self.local_trace


def traced_exec(code: Any, namespace: dict[str, Any], filename: str,
                names: set[str]) -> tuple[dict[str, dict[str, Any]], bool]:
    """exec `code` (compiled under `filename`) with a LocalsTracer for `names`."""
    tracer = LocalsTracer(filename, names)
    previous = sys.gettrace()
    failed = False
    with effects.quiet_warnings():  # the cell's own run already showed them
        sys.settrace(tracer.global_trace)
        try:
            exec(code, namespace)
        except Exception:
            failed = True  # not kept: its traceback's frames would make a cycle
        finally:
            sys.settrace(previous)
    return tracer.captured, failed


def replay(report: Report, context: CellContext, funcs: list[ast.FunctionDef],
           ) -> dict[str, dict[str, Any]]:
    """Re-run the definitions through the last call on copies of the inputs; the locals each
    function had when it (last) returned.  Empty when unsafe, too slow or impossible."""
    from arrayprof.advisor import verify

    assert context.tree is not None
    if report.wall_s > CONFIG.scope_replay_seconds or context.inputs is None:
        return {}
    names = {f.name for f in funcs}
    body = context.tree.body
    calls = calling_statements(context.tree, names)
    defs = [i for i, stmt in enumerate(body) if any(stmt is f or any(n is f for n in ast.walk(
        stmt)) for f in funcs)]
    if not calls or not defs:
        return {}
    start, stop = min(defs + calls), max(calls)
    module = ast.Module(body=body[start:stop + 1], type_ignores=[])
    # Method calls on parameters are judged by what the calls pass in (an ndarray's .mean() is
    # safe to repeat; a file's .write() is not).
    bound: dict[str, Any] = {}
    for func in funcs:
        bound.update(static_binding(context.tree, func, context.namespace))
    check = verify.effect_check(context, {**bound, **context.namespace})
    if check.code(module) or effects.errstate_effect():
        return {}
    try:
        base = verify.base_namespace(context, start, verify.free_names(module) | check.reads)
        verify.rebind_cell_functions(base, context.filename)
    except verify.NotVerified:
        return {}
    copies = sum(v.nbytes for v in base.values() if isinstance(v, np.ndarray))
    if copies * 2 + report.numpy.peak_bytes > CONFIG.verify_bytes:
        base.clear()
        return {}
    base.setdefault("np", np)
    filename = f"<arrayprof-scope-{id(module):x}>"
    code = compile(module, filename, "exec")
    try:
        with effects.kept_global_state():
            captured, failed = traced_exec(code, base, filename, names)
    finally:
        base.clear()  # functions it defined point back at it: no cycle left behind
    if failed and not captured:
        return {}
    return captured


def function_scopes(report: Report, context: CellContext) -> list[Scope]:
    """A Scope for every function the cell defines (replayed when safe and cheap)."""
    if context.tree is None:
        return []
    funcs = cell_functions(context.tree)
    if not funcs:
        return []
    captured = replay(report, context, funcs)
    called_by = users(context.tree, funcs)
    scopes = []
    for func in funcs:
        local = captured.get(func.name)
        namespace = {**context.namespace, **static_binding(context.tree, func, context.namespace)}
        if local:
            namespace.update(local)
        calls = calling_statements(context.tree, called_by.get(func.name, {func.name}))
        targets = sorted({n for i in calls for n in bound_targets(context.tree.body[i])})
        scopes.append(Scope(func, namespace, replayed=bool(local), calls=calls,
                            targets=targets))
    return scopes


def scope_for(context: CellContext, func: ast.FunctionDef) -> Scope:
    """A Scope for `func` without replay (enough to verify a rewrite inside it)."""
    assert context.tree is not None
    funcs = cell_functions(context.tree)
    called_by = users(context.tree, funcs)
    calls = calling_statements(context.tree, called_by.get(func.name, {func.name}))
    targets = sorted({n for i in calls for n in bound_targets(context.tree.body[i])})
    return Scope(func, dict(context.namespace), calls=calls, targets=targets)
