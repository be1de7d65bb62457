"""Verification: run the original lines and the rewrite on copies of the cell's inputs, compare the
results, and measure best-of-N time and peak NumPy bytes of both.

Never touches the user's arrays: inputs come from `context.inputs` (copies taken before the cell
ran) or, for names the cell itself built before the rewritten lines and did not change after, from
copies of the live namespace; otherwise the cell's earlier statements are replayed in a scratch
namespace.  Code that calls anything outside NumPy, math and side-effect-free builtins is not
re-run, because its effects (files, prints, network, user state) would happen twice.
"""

from __future__ import annotations

import ast
import builtins
import copy
import math
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.config import CONFIG, AdvisorConfig
from arrayprof.notify import note
from arrayprof.report import Finding, Report, Rewrite
from arrayprof.session import CellContext, Session
from arrayprof.snapshot import MAX_PLAIN_ITEMS, RANDOM_STATES, plain_array, plain_data
from arrayprof.units import human_bytes

SAFE_BUILTINS = {
    "abs", "all", "any", "bool", "complex", "dict", "divmod", "enumerate", "filter", "float",
    "int", "isinstance", "len", "list", "map", "max", "min", "pow", "range", "reversed", "round",
    "set", "slice", "sorted", "sum", "tuple", "zip", "iter", "next", "type", "hash", "str",
}
SAFE_METHOD_OWNERS = (np.ndarray, np.generic, list, dict, tuple, set, str, int, float, complex,
                      np.random.Generator, np.random.RandomState, np.dtype)
SAFE_MODULES = ("numpy", "math")
RETURN_NAME = "__return__"  # scopes.RETURN: a traced function's return value

# A fix's rewrite may carry a checker: (original namespace, rewritten namespace, original error)
# -> what was confirmed, in words.
FixCheck = Callable[[dict[str, Any], dict[str, Any], BaseException | None], str]
FIX_CHECKS: dict[int, FixCheck] = {}
# id(rewrite) -> the scopes.Scope of the cell function whose body the rewrite changes: such a
# rewrite is verified by running the definition and the statements that call it.
SCOPED: dict[int, Any] = {}


@dataclass
class Budget:
    """What is left of the per-cell verification budget."""

    config: AdvisorConfig = field(default_factory=lambda: CONFIG)
    started: float = field(default_factory=time.perf_counter)
    announced: bool = False

    def remaining(self) -> float:
        return self.config.verify_seconds - (time.perf_counter() - self.started)


class NotVerified(Exception):
    """Verification is impossible or unsafe; the message says why, in words."""


# -- safety --------------------------------------------------------------------------------------
def unsafe_call(tree: ast.AST, namespace: dict[str, Any],
                defs: dict[str, ast.FunctionDef] | None = None) -> str | None:
    """Why re-running `tree` could repeat side effects, or None when it only calls NumPy, math and
    pure builtins (and functions and lambdas it defines itself, or the cell defined: `defs`)."""
    local = at.stored_names(tree) if isinstance(tree, ast.Module) else set()
    defs = defs or {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for arg in node.args:
                if isinstance(arg, ast.Name) and arg.id in defs and arg.id not in local:
                    inner = unsafe_call(ast.Module(body=defs[arg.id].body, type_ignores=[]),
                                        namespace, {k: v for k, v in defs.items() if k != arg.id})
                    if inner:
                        return inner
                    local = local | {arg.id}
            if isinstance(node.func, ast.Call):
                continue  # np.vectorize(f)(x): the inner call is checked on its own
            callee = node.func.id if isinstance(node.func, ast.Name) else None
            if callee in defs and callee not in local:
                # a function the cell defined: safe when its own body is
                inner = unsafe_call(ast.Module(body=defs[callee].body, type_ignores=[]),
                                    namespace, {k: v for k, v in defs.items() if k != callee})
                if inner:
                    return inner
                local = local | {callee}
        if isinstance(node, ast.Global | ast.Nonlocal):
            return "it declares global names"
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) \
                else [node.module or ""]
            if not all(m.split(".")[0] in SAFE_MODULES for m in modules):
                return f"it imports {', '.join(modules)}"
        if not isinstance(node, ast.Call):
            continue
        reason = call_reason(node.func, namespace, local)
        if reason:
            return reason
    return None


def call_reason(func: ast.expr, namespace: dict[str, Any], local: set[str]) -> str | None:
    if isinstance(func, ast.Lambda):
        return None
    if isinstance(func, ast.Name):
        if func.id in local and func.id not in namespace:
            return None  # defined by the code itself; its body is checked by the same walk
        value = at.resolve(func, namespace)
        if value is at.MISSING:
            return None if func.id in local else f"it calls {func.id}, which is not defined"
        if getattr(builtins, func.id, None) is value:
            return None if func.id in SAFE_BUILTINS else f"it calls the builtin {func.id}()"
        if at.is_numpy_object(value) or getattr(value, "__module__", "") == "math":
            return None
        if func.id in local:
            return None
        return f"it calls {func.id}, which is outside NumPy and could have side effects"
    if isinstance(func, ast.Attribute):
        owner = func.value
        while isinstance(owner, ast.Subscript | ast.Attribute):
            owner = owner.value
        if isinstance(owner, ast.Call):
            inner = call_reason(owner.func, namespace, local)
            if inner:
                return inner
            if isinstance(owner.func, ast.Name) and owner.func.id in local:
                return None  # a method of a class the code defines: its body is walked too
            target = at.resolve(owner.func, namespace)
            if target is at.MISSING or at.is_numpy_object(target) or \
                    getattr(builtins, getattr(owner.func, "id", ""), None) is target:
                return None
            return f"it calls a method on what {at.unparse(owner.func)}() returns"
        if isinstance(owner, ast.Constant | ast.List | ast.Tuple | ast.BinOp | ast.Dict
                      | ast.Compare | ast.UnaryOp | ast.BoolOp):
            return None  # a method of an arithmetic result; the operands' calls are checked
        if isinstance(owner, ast.Name) and owner.id in local and owner.id not in namespace:
            return None
        value = at.resolve(owner, namespace)
        if isinstance(value, SAFE_METHOD_OWNERS):
            return None
        if value is at.MISSING and isinstance(owner, ast.Name) and owner.id in local:
            return None
        if type(value).__name__ == "module" and value.__name__.split(".")[0] in SAFE_MODULES:
            return None
        if at.is_numpy_object(value):
            return None
        if isinstance(owner, ast.Name) and owner.id in local:
            return None
        return f"it calls {at.unparse(func)}, which is outside NumPy and could have side effects"
    return f"it calls {at.unparse(func)}"


# -- namespaces ----------------------------------------------------------------------------------
def fresh(value: Any) -> Any:
    """A private copy of an input for one verification run.  Only plain data is copied (see
    `arrayprof.snapshot`): copying user objects can run their code, and each copy of an object
    with ``__del__`` runs it again when the copy dies, printing into the user's cell.  Random
    generators are copied with their state, so the runs never draw from the user's own."""
    if isinstance(value, np.ndarray):
        if not plain_array(value):
            raise NotVerified("an input holds Python objects or is an array subclass with its "
                              "own code; copying it could run user code")
        return value.copy()
    if isinstance(value, RANDOM_STATES):
        return copy.deepcopy(value)
    if isinstance(value, list | dict | set):
        if not plain_data(value, [MAX_PLAIN_ITEMS]):
            raise NotVerified("an input holds objects whose copy could run user code, or too "
                              "many items to copy")
        return copy.deepcopy(value)
    return value


def fresh_namespace(base: dict[str, Any]) -> dict[str, Any]:
    return {k: fresh(v) for k, v in base.items()}


def input_value(context: CellContext, name: str) -> Any:
    inputs = context.inputs
    if inputs is None:
        return at.MISSING
    if name in inputs.values:
        return fresh(inputs.values[name])
    if name in inputs.weak:
        value = inputs.weak[name]()
        return at.MISSING if value is None else fresh(value)
    return at.MISSING


def region_of(context: CellContext, lines: list[int]) -> tuple[int, int, int]:
    assert context.tree is not None
    return at.top_level_span(context.tree, lines[0], lines[-1])


def base_namespace(context: CellContext, index: int, needed: set[str]) -> dict[str, Any]:
    """Values of `needed` as they were just before top-level statement `index` ran."""
    assert context.tree is not None
    body = context.tree.body
    prefix, rest = body[:index], body[index:]
    prefix_stored = at.stored_names(prefix)
    changed_later = at.changed_names(rest)
    changed_anywhere = at.changed_names(body)
    ns: dict[str, Any] = {}
    replay: set[str] = set()
    for name in sorted(needed):
        if name in prefix_stored:
            if name not in changed_later and name in context.namespace:
                ns[name] = fresh(context.namespace[name])
            else:
                replay.add(name)
            continue
        value = input_value(context, name)
        if value is not at.MISSING:
            ns[name] = value
        elif name in context.namespace and name not in changed_anywhere:
            ns[name] = fresh(context.namespace[name])
        elif context.inputs is not None and name in context.inputs.missing:
            raise NotVerified(context.inputs.missing[name])
        elif name in context.namespace:
            # the cell changed it and no copy from before the cell was kept (for instance a name
            # the cell only updates in place, ``acc += ...``): running on today's value would
            # compare different computations
            raise NotVerified(f"no copy of {name} from before the cell was kept")
    if replay:
        ns.update(replay_prefix(context, index, replay))
    return ns


def replay_prefix(context: CellContext, index: int, names: set[str]) -> dict[str, Any]:
    """Re-run the cell's statements before `index` on input copies, to rebuild `names`."""
    assert context.tree is not None
    module = ast.Module(body=context.tree.body[:index], type_ignores=[])
    scratch: dict[str, Any] = {}
    for name in at.loaded_names(module):
        value = input_value(context, name)
        if value is at.MISSING and name in context.namespace and \
                name not in at.changed_names(context.tree.body):
            value = fresh(context.namespace[name])
        if value is not at.MISSING:
            scratch[name] = value
    reason = unsafe_call(module, {**context.namespace, **scratch})
    if reason:
        raise NotVerified(f"rebuilding {', '.join(sorted(names))} would re-run earlier lines, "
                          f"and {reason}")
    try:
        exec(compile(module, "<arrayprof-replay>", "exec"), scratch)
    except Exception as exc:
        raise NotVerified(f"re-running the lines before failed ({type(exc).__name__})") from exc
    return {name: scratch[name] for name in names if name in scratch}


# -- comparing -----------------------------------------------------------------------------------
def tolerance(dtype: np.dtype) -> float:
    """Relative tolerance fit for the dtype: reordered float sums differ in the last bits."""
    if dtype.kind == "c" or dtype.kind == "f":
        return {2: 1e-2, 4: 1e-4}.get(dtype.itemsize if dtype.kind == "f" else
                                      dtype.itemsize // 2, 1e-7)
    return 0.0


def as_array(value: Any) -> np.ndarray | None:
    try:
        if isinstance(value, list | tuple) and value and isinstance(value[0], np.ndarray):
            return None
        return np.asarray(value)
    except Exception:
        return None


def compare(before: Any, after: Any, *, same_dtype: bool = True) -> tuple[bool, str]:
    """(equal, words) for two results: same shape, same dtype, values within tolerance."""
    if isinstance(before, dict) and isinstance(after, dict):
        if set(before) != set(after):
            return False, "different keys"
        for key in before:
            ok, words = compare(before[key], after[key], same_dtype=same_dtype)
            if not ok:
                return False, f"[{key!r}]: {words}"
        return True, f"{len(before)} entries equal"
    if isinstance(before, list | tuple) and isinstance(after, list | tuple) and before and \
            isinstance(before[0], np.ndarray):
        if len(before) != len(after):
            return False, f"{len(before)} items before, {len(after)} after"
        for x, y in zip(before, after, strict=True):
            ok, words = compare(x, y, same_dtype=same_dtype)
            if not ok:
                return False, words
        return True, f"{len(before)} arrays equal"
    a, b = as_array(before), as_array(after)
    if a is None or b is None:
        return (before == after) is True, "compared as Python values"
    if a.shape != b.shape:
        return False, f"shape {a.shape} before, {b.shape} after"
    if a.dtype == object and b.dtype != object:
        try:
            a = a.astype(b.dtype)
        except (TypeError, ValueError):
            return False, "object values do not convert"
    elif same_dtype and a.dtype != b.dtype:
        return False, f"dtype {a.dtype} before, {b.dtype} after"
    if a.dtype.kind in "fc" or b.dtype.kind in "fc":
        rtol = max(tolerance(a.dtype), tolerance(b.dtype))
        finite = np.abs(a[np.isfinite(a)]) if a.size else a
        scale = float(finite.max()) if finite.size else 0.0
        # The absolute tolerance scales with the data: a value computed by another route near
        # 0 (a distance on the diagonal, a cancelling sum) differs by rounding of the large
        # terms it came from, not of itself.
        ok = bool(np.allclose(a, b, rtol=rtol, atol=rtol * scale, equal_nan=True))
        return ok, (f"values within rtol {rtol:g} and atol {rtol:g} x max |value| "
                    f"(= {rtol * scale:.2g})" if ok else "values differ")
    ok = bool(np.array_equal(a, b))
    return ok, "values identical" if ok else "values differ"


# -- running -------------------------------------------------------------------------------------
@dataclass
class Run:
    namespace: dict[str, Any]
    error: BaseException | None
    peak_bytes: int
    best_s: float
    locals: dict[str, Any] = field(default_factory=dict)  # of the traced function, if any


TIMING_SECONDS = 0.05  # time spent on best-of-N runs of one side before taking the best so far


def run_code(code: str, base: dict[str, Any], repeats: int, budget: Budget,
             rng_state: Any, trace: str | None = None) -> Run:
    """One profiled run (peak bytes, results) and up to `repeats` - 1 timed plain runs.  With
    `trace`, the profiled run also keeps the locals of the cell function of that name when it
    last returned (rewrites inside functions compare them).  Warnings the code raises were
    already shown when the cell ran; repeating them for every verification run is noise."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_quietly(code, base, repeats, budget, rng_state, trace)


def run_quietly(code: str, base: dict[str, Any], repeats: int, budget: Budget,
                rng_state: Any, trace: str | None) -> Run:
    from arrayprof.advisor.scopes import LocalsTracer

    ns = fresh_namespace(base)
    np.random.set_state(rng_state)
    filename = f"<arrayprof-verify-{id(ns):x}>"
    tracer = LocalsTracer(filename, {trace} if trace else set())
    previous = sys.gettrace()
    if trace:
        sys.settrace(tracer.global_trace)
    started = time.perf_counter()
    try:
        report, _, error = Session(code, ns, filename=filename, rss="off").run()
    finally:
        if trace:
            sys.settrace(previous)
    if error is not None:
        error.__traceback__ = None  # its frames would hold this one: a cycle
    best = time.perf_counter() - started
    compiled = compile(code, "<arrayprof-verify>", "exec")
    if error is None:
        spent = best
        for _ in range(repeats - 1):
            # a run of 50 ms times itself well enough: stop repeating once this much was spent
            # (profile() then costs about twice a slow cell, not `repeats` times)
            if budget.remaining() < best * 2 or spent > TIMING_SECONDS:
                break
            scratch = fresh_namespace(base)
            np.random.set_state(rng_state)
            t0 = time.perf_counter()
            exec(compiled, scratch)
            elapsed = time.perf_counter() - t0
            scratch.clear()  # functions it defined point back at it: no cycle left behind
            spent += elapsed
            best = min(best, elapsed)
    return Run(ns, error, report.numpy.peak_bytes, best,
               tracer.captured.get(trace, {}) if trace else {})


def region_code(context: CellContext, rewrite: Rewrite) -> tuple[int, str, str]:
    """(top-level index, original code, rewritten code) for the top-level statements the rewrite
    touches, so a line inside a loop is verified by running the whole loop."""
    index, start, end = region_of(context, rewrite.lines)
    first, last = rewrite.lines
    lines = context.source.splitlines()
    original = "\n".join(lines[start - 1:end])
    new_lines = [*lines[start - 1:first - 1], *rewrite.code.splitlines(), *lines[last:end]]
    return index, original, "\n".join(new_lines)


def statement_start(stmt: ast.stmt) -> int:
    """First line of a top-level statement, decorators included."""
    decorators = getattr(stmt, "decorator_list", [])
    return min([stmt.lineno, *[d.lineno for d in decorators]])


def scope_region_code(context: CellContext, rewrite: Rewrite, scope: Any) -> tuple[int, str, str]:
    """(top-level index, original, rewritten) for a rewrite inside a cell function: from the
    statement holding the definition through the last statement that calls it."""
    assert context.tree is not None
    body = context.tree.body
    holder = next((i for i, stmt in enumerate(body) if any(n is scope.func for n in ast.walk(
        stmt))), None)
    if holder is None or not scope.calls:
        raise NotVerified(f"the cell never calls {scope.func.name}, so the rewrite cannot be "
                          "run")
    stop = max(scope.calls)
    if stop < holder:
        raise NotVerified(f"{scope.func.name} is called before it is defined")
    start, end = statement_start(body[holder]), body[stop].end_lineno or body[stop].lineno
    first, last = rewrite.lines
    lines = context.source.splitlines()
    original = "\n".join(lines[start - 1:end])
    new_lines = [*lines[start - 1:first - 1], *rewrite.code.splitlines(), *lines[last:end]]
    return holder, original, "\n".join(new_lines)


def expression_reads(node: ast.AST) -> set[str]:
    """Names an expression or simple statement loads, without the targets of its own
    comprehensions and the parameters of its lambdas."""
    loaded = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and
              isinstance(n.ctx, ast.Load)}
    own: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.comprehension):
            own |= {n.id for n in ast.walk(sub.target) if isinstance(n, ast.Name)}
        elif isinstance(sub, ast.Lambda):
            own |= {a.arg for a in sub.args.args}
    return loaded - own


def free_names(module: ast.Module) -> set[str]:
    """Names the code reads before binding them itself (``x += 1`` reads ``x``; a ``for``
    target or a function parameter is bound): the inputs it needs from before it runs."""
    bound: set[str] = set()
    free: set[str] = set()
    deferred: set[str] = set()  # read by function bodies: looked up when they are called

    def block(stmts: list[ast.stmt]) -> None:
        for stmt in stmts:
            statement(stmt)

    def read(node: ast.AST | None) -> None:
        if node is not None:
            free.update(expression_reads(node) - bound)

    def statement(stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.For):
            read(stmt.iter)
            bound.update(at.stored_names(stmt.target))
            block(stmt.body)
            block(stmt.orelse)
        elif isinstance(stmt, ast.While | ast.If):
            read(stmt.test)
            block(stmt.body)
            block(stmt.orelse)
        elif isinstance(stmt, ast.With):
            for item in stmt.items:
                read(item.context_expr)
                if item.optional_vars is not None:
                    bound.update(at.stored_names(item.optional_vars))
            block(stmt.body)
        elif isinstance(stmt, ast.Try):
            block(stmt.body)
            for handler in stmt.handlers:
                read(handler.type)
                if handler.name:
                    bound.add(handler.name)
                block(handler.body)
            block(stmt.orelse)
            block(stmt.finalbody)
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            for decorator in stmt.decorator_list:
                read(decorator)
            params = {a.arg for a in ast.walk(stmt) if isinstance(a, ast.arg)}
            inner = set()
            for sub in stmt.body:
                inner |= expression_reads(sub)
            deferred.update(inner - params - at.stored_names(stmt.body))
            bound.add(stmt.name)
        else:
            if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name) and \
                    stmt.target.id not in bound:
                free.add(stmt.target.id)
            read(stmt)
            bound.update(at.stored_names(stmt))

    block(module.body)
    block = None  # type: ignore[assignment]  # break the block <-> statement closure cycle
    return free | (deferred - bound)


def verify(finding: Finding, context: CellContext, report: Report, budget: Budget) -> None:
    """Fill the rewrite's verified/equal/check/speedup/peak fields (never raises)."""
    rewrite = finding.rewrite
    assert rewrite is not None
    try:
        verify_or_raise(finding, rewrite, context, report, budget)
    except NotVerified as exc:
        rewrite.verified = False
        rewrite.check = f"not verified: {exc}"
    except Exception as exc:
        rewrite.verified = False
        rewrite.check = f"not verified: the verifier failed ({type(exc).__name__}: {exc})"


def verify_or_raise(finding: Finding, rewrite: Rewrite, context: CellContext, report: Report,
                    budget: Budget) -> None:
    config = budget.config
    if context.tree is None:
        raise NotVerified("the cell did not parse")
    if context.inputs is None:
        raise NotVerified("no copies of the cell's inputs were taken (verify was off)")
    if budget.remaining() < max(0.5, report.wall_s * 3):
        raise NotVerified(f"over the {config.verify_seconds:g} s time budget "
                          f"(the cell took {report.wall_s:.2f} s)")
    scope = SCOPED.get(id(rewrite))
    if scope is not None:
        index, original, rewritten = scope_region_code(context, rewrite, scope)
    else:
        index, original, rewritten = region_code(context, rewrite)
    try:
        original_tree = ast.parse(original)
        rewritten_tree = ast.parse(rewritten)
    except SyntaxError as exc:
        raise NotVerified(f"the rewrite does not parse ({exc.msg})") from exc
    needed = free_names(original_tree) | free_names(rewritten_tree)
    needed -= {n for n in needed if hasattr(builtins, n) and n not in context.namespace}
    base = base_namespace(context, index, needed)
    base.setdefault("np", np)
    base.setdefault("math", math)
    defs = {d.name: d for d in ast.walk(context.tree) if isinstance(d, ast.FunctionDef)}
    names = {**scope.namespace, **context.namespace} if scope is not None else context.namespace
    for tree in (original_tree, rewritten_tree):
        reason = unsafe_call(tree, {**names, **base}, defs)
        if reason:
            raise NotVerified(f"{reason}; re-running it could repeat side effects")
    copies = sum(v.nbytes for v in base.values() if isinstance(v, np.ndarray))
    if copies * 2 + report.numpy.peak_bytes > config.verify_bytes:
        raise NotVerified(f"over the {human_bytes(config.verify_bytes)} memory budget "
                          f"(inputs {human_bytes(copies)}, cell peak "
                          f"{human_bytes(report.numpy.peak_bytes)})")
    if budget.remaining() > 0 and time.perf_counter() - budget.started > \
            config.progress_after_s and not budget.announced:
        note("arrayprof: verifying rewrites...")
        budget.announced = True
    saved = np.random.get_state()
    trace = scope.func.name if scope is not None else None
    try:
        before = run_code(original, base, config.verify_repeats, budget, saved, trace)
        after = run_code(rewritten, base, config.verify_repeats, budget, saved, trace)
    finally:
        np.random.set_state(saved)
    local_names = set(rewrite.compared)
    if scope is not None:
        # What the calls bind is what the rest of the cell sees; the rule's own names are the
        # function's locals (or its return value), compared too when they were kept.
        local_names = {n for n in rewrite.compared if n in before.locals}
        rewrite.compared = [*[n for n in rewrite.compared if n in local_names
                              and n != RETURN_NAME], *[t for t in scope.targets
                                                      if t not in rewrite.compared]]

    if after.error is not None:
        raise NotVerified(f"the rewrite raised {type(after.error).__name__}: {after.error}")
    rewrite.verified = True
    rewrite.peak_bytes_before = before.peak_bytes
    rewrite.peak_bytes_after = after.peak_bytes
    if before.error is None and after.best_s > 0:
        rewrite.speedup = round(before.best_s / after.best_s, 2)
    results = []
    equal = before.error is None
    for name in rewrite.compared:
        old_ns = before.locals if name in local_names and scope is not None else before.namespace
        new_ns = after.locals if name in local_names and scope is not None else after.namespace
        if name not in new_ns or (before.error is None and name not in old_ns):
            equal = False
            results.append(f"{name} missing")
            continue
        if before.error is not None:
            continue
        ok, words = compare(old_ns[name], new_ns[name])
        equal = equal and ok
        results.append(f"{name}: {words}")
    rewrite.equal = equal
    checker = FIX_CHECKS.get(id(rewrite))
    if rewrite.kind == "fix" and checker is not None:
        # A checker names the rule's own variables: inside a function those are its locals.
        rewrite.check = checker({**before.namespace, **before.locals},
                                {**after.namespace, **after.locals}, before.error)
    elif equal:
        rewrite.check = "equal on copies of the inputs: " + "; ".join(results)
    else:
        rewrite.check = "not equal: " + "; ".join(results) if before.error is None else \
            f"the original raised {type(before.error).__name__}"
    finding_costs_update(finding, before, after)
    for run in (before, after):  # the code's functions point back at these namespaces
        run.namespace.clear()
        run.locals.clear()


def finding_costs_update(finding: Finding, before: Run, after: Run) -> None:
    """Measured figures replace estimates for the severity of performance findings."""
    from arrayprof.advisor.facts import COSTS, Cost

    cost = COSTS.setdefault(id(finding), Cost())
    cost.measured = before.error is None and after.error is None
    cost.seconds_lost = max(0.0, before.best_s - after.best_s)
    # NumPy's peak cannot see a pinned base that outlives the cell, nor the Python objects an
    # object array points to: for those the estimate stands
    cost.bytes_wasted = max(cost.bytes_wasted if finding.category in ("view-pins-base",
                                                                      "object-dtype")
                            else 0.0, float(before.peak_bytes - after.peak_bytes))
