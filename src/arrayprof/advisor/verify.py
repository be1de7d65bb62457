"""Verification: run the original lines and the rewrite on copies of the cell's inputs, compare the
results, and measure best-of-N time and peak NumPy bytes of both.

Never touches the user's arrays: inputs come from `context.inputs` (copies taken before the cell
ran) or, for names the cell itself built before the rewritten lines and did not change after, from
copies of the live namespace; otherwise the cell's earlier statements are replayed in a scratch
namespace.  Verification never repeats an effect outside its own copies: code is run (replayed,
verified) only when `effects.code_effect` finds nothing it could do outside them (files, memory-
mapped files, the network, functions of the user's that NumPy would call back, the global random
states, module attributes), and only on values `fresh` can copy; otherwise the rewrite is
``verified: false`` and ``check`` says why.
"""

from __future__ import annotations

import ast
import builtins
import copy
import gc
import math
import sys
import time
import types
from collections import ChainMap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor import effects
from arrayprof.advisor.config import CONFIG, AdvisorConfig
from arrayprof.context import CellContext
from arrayprof.notify import note
from arrayprof.report import Finding, Report, Rewrite
from arrayprof.snapshot import (
    MAX_PLAIN_ITEMS,
    PLAIN_SCALARS,
    RANDOM_STATES,
    file_backed_reason,
    plain_array,
    plain_data,
)
from arrayprof.units import human_bytes

RETURN_NAME = "__return__"  # scopes.RETURN: a traced function's return value

# A fix's rewrite may carry a checker: (original namespace, rewritten namespace, original error)
# -> what was confirmed, in words.
FixCheck = Callable[[dict[str, Any], dict[str, Any], BaseException | None], str]

# What a rule hands verification beside its rewrite travels on the rewrite itself, as attributes
# outside its dataclass fields (the report's encoders, `asdict` and orjson's `_present_fields`,
# write fields only), and `advise()` takes them off before the findings leave it: a checker
# closes over the cell's values and a scope holds a function's namespace.
_FIX_CHECK = "_arrayprof_fix_check"
_SCOPE = "_arrayprof_scope"


def set_fix_check(rewrite: Rewrite, check: FixCheck) -> None:
    """Attach the checker that says what a `fix` rewrite confirmed, in words (original
    namespace, rewritten namespace, original error) -> text."""
    vars(rewrite)[_FIX_CHECK] = check


def fix_check(rewrite: Rewrite) -> FixCheck | None:
    return vars(rewrite).get(_FIX_CHECK)


def set_scope(rewrite: Rewrite, scope: Any) -> None:
    """Mark a rewrite as changing the body of a cell function (a scopes.Scope): it is verified
    by running the definition and the statements that call it."""
    vars(rewrite)[_SCOPE] = scope


def scope_of(rewrite: Rewrite) -> Any:
    return vars(rewrite).get(_SCOPE)


def forget(rewrite: Rewrite) -> None:
    """Take off what the rules attached for verification (see `set_fix_check`)."""
    vars(rewrite).pop(_FIX_CHECK, None)
    vars(rewrite).pop(_SCOPE, None)


# How the advisor runs code, given by its caller (arrayprof.session.measure): the advisor does not
# drive the tracker itself (issue 16, tests/test_layers.py).  measure(code, namespace, filename)
# runs `code` in `namespace` profiled and returns (peak NumPy bytes, the code's exception or None).
Measure = Callable[[str, dict[str, Any], str], tuple[int, BaseException | None]]


@dataclass
class Budget:
    """What is left of the per-cell verification budget, and how to run code within it."""

    config: AdvisorConfig = field(default_factory=lambda: CONFIG)
    started: float = field(default_factory=time.perf_counter)
    announced: bool = False
    # seconds for this cell; None: config.verify_seconds.  Automatic mode passes
    # `proportional(report)` (issue 12: verification within the cell's own time again + 50 ms)
    limit: float | None = None
    measure: Measure | None = None  # None: rewrites cannot be run, so none is verified

    @property
    def seconds(self) -> float:
        return self.config.verify_seconds if self.limit is None else self.limit

    def remaining(self) -> float:
        return self.seconds - (time.perf_counter() - self.started)

    def words(self) -> str:
        """The budget as the check of a skipped rewrite states it."""
        if self.limit is None:
            return f"the {self.seconds:g} s time budget"
        return (f"this cell's verification budget ({self.seconds * 1000:.0f} ms: its own run "
                "time again plus 50 ms)")


def proportional(report: Report, config: AdvisorConfig = CONFIG) -> float:
    """The verification budget of a cell in automatic mode: at most the cell's own time again
    (`auto_verify_factor`) plus `auto_verify_slack` seconds, and never over `verify_seconds`."""
    return min(config.verify_seconds,
               report.wall_s * config.auto_verify_factor + config.auto_verify_slack)


class NotVerified(Exception):
    """Verification is impossible or unsafe; the message says why, in words."""


# -- safety --------------------------------------------------------------------------------------
def unsafe_call(tree: ast.AST, namespace: dict[str, Any],
                defs: dict[str, Any] | None = None) -> str | None:
    """Why evaluating `tree` on the user's own values (`namespace`, not copies) could act on
    anything, or None: the rules that recompute an expression of the cell use this."""
    return effects.code_effect(tree, namespace, defs, live=True)


# -- namespaces ----------------------------------------------------------------------------------
def fresh(value: Any, name: str = "an input") -> Any:
    """A private copy of an input for one verification run.  Only plain data is copied (see
    `arrayprof.snapshot`): copying user objects can run their code, and each copy of an object
    with ``__del__`` runs it again when the copy dies, printing into the user's cell.  Random
    generators are copied with their state, so the runs never draw from the user's own.  A
    memory-mapped array is not copied at all: reading it reads the user's file, and the code
    that made it (np.memmap) is never re-run either.  Other values (modules, NumPy's and the
    cell's functions, immutable scalars) are shared: `effects.code_effect` judges their use."""
    kind = type(value)
    if issubclass(kind, np.ndarray):
        reason = file_backed_reason(value, name)
        if reason:
            raise NotVerified(reason)
        if not plain_array(value):
            raise NotVerified(f"{name} holds Python objects or is an array subclass with its "
                              "own code; copying it could run user code")
        return value.copy()
    if kind in PLAIN_SCALARS or issubclass(kind, np.generic):
        return value
    if issubclass(kind, RANDOM_STATES):
        return copy.deepcopy(value)
    if kind in (list, dict, set, tuple, frozenset):
        if not plain_data(value, [MAX_PLAIN_ITEMS]):
            raise NotVerified(f"{name} holds objects whose copy could run user code, or too "
                              "many items to copy")
        if kind in (tuple, frozenset) and all(type(v) in PLAIN_SCALARS for v in value):
            return value  # immutable all the way down
        return copy.deepcopy(value)
    if kind is bytearray:
        return bytearray(value)
    reason = unshareable(value, name)
    if reason:
        raise NotVerified(reason)
    return value


def unshareable(value: Any, name: str) -> str | None:
    """Why a value that is not copied cannot be handed to a run as it is, or None.  Shared:
    modules, classes, dtypes, ranges and slices, and callables not bound to an object of the
    user's (what calling them does is judged by `effects.EffectCheck`).  Not shared: iterators
    and generators (a run would consume the user's), methods bound to the user's objects
    (``add = items.append``), anything else the verifier does not know."""
    kind = type(value)
    if issubclass(kind, type | types.ModuleType | np.dtype | range | slice) or \
            value is Ellipsis:
        return None
    if hasattr(kind, "__next__"):
        return f"{name} is an iterator; running code on it again would consume it"
    if callable(value):
        owner = getattr(value, "__self__", None)
        if owner is None or isinstance(owner, types.ModuleType | type | np.ufunc) or \
                owner is np.random.mtrand._rand or kind in (np.ufunc, np.vectorize):
            return None
        return f"{name} is a method bound to an object of yours, which the verifier cannot copy"
    return f"{name} is a {kind.__name__}, which the verifier cannot copy"


def fresh_namespace(base: dict[str, Any], cell_file: str | None = None) -> dict[str, Any]:
    """Copies of `base` for one run.  Functions the cell defined (compiled from `cell_file`),
    and np.vectorize objects and np.frompyfunc ufuncs made of them, are re-made with this
    namespace as their globals: called from the run, or by NumPy, they read and change the
    copies, never the user's namespace (`effects.EffectCheck` judged their bodies)."""
    ns = {k: fresh(v, k) for k, v in base.items()}
    if cell_file is not None:
        rebind_cell_functions(ns, cell_file)
    return ns


def rebind_cell_functions(ns: dict[str, Any], cell_file: str) -> None:
    """Re-make the cell's functions in `ns` (see fresh_namespace) with `ns` as their globals."""
    for name, value in list(ns.items()):
        ns[name] = rebound_callable(value, ns, name, cell_file)


def rebound_callable(value: Any, ns: dict[str, Any], name: str, cell_file: str) -> Any:
    func = effects.python_function(value)
    if func is None or func.__code__.co_filename != cell_file:
        return value
    clone = rebound(func, ns, name)
    if value is func:
        return clone
    if isinstance(value, np.vectorize):
        return np.vectorize(clone, otypes=value.otypes, doc=value.__doc__,
                            excluded=value.excluded, cache=value.cache,
                            signature=value.signature)
    extra = {} if value.identity is None else {"identity": value.identity}
    return np.frompyfunc(clone, value.nin, value.nout, **extra)


def rebound(func: types.FunctionType, ns: dict[str, Any], name: str) -> types.FunctionType:
    """`func` with `ns` as its globals and copies of its defaults."""
    if func.__closure__:
        raise NotVerified(f"{name} uses variables of an enclosing function, which the "
                          "verifier cannot copy")
    for default in [*(func.__defaults__ or ()), *(func.__kwdefaults__ or {}).values()]:
        if callable(default) and not isinstance(default, type | np.ndarray):
            reason = effects.callable_effect(default, f"a default of {name}")
            if reason:
                raise NotVerified(reason)
    defaults = tuple(fresh(d, f"a default of {name}") for d in func.__defaults__ or ())
    clone = types.FunctionType(func.__code__, ns, func.__name__, defaults or None, None)
    clone.__kwdefaults__ = {k: fresh(v, f"a default of {name}")
                            for k, v in (func.__kwdefaults__ or {}).items()} or None
    clone.__qualname__ = func.__qualname__
    return clone


def effect_check(context: CellContext, namespace: Mapping[str, Any]) -> effects.EffectCheck:
    """A judge of code to run again for this cell (its functions judged by their bodies)."""
    return effects.EffectCheck(namespace, cell_file=context.filename, cell_tree=context.tree)


def input_value(context: CellContext, name: str) -> Any:
    inputs = context.inputs
    if inputs is None:
        return at.MISSING
    if name in inputs.values:
        return fresh(inputs.values[name], name)
    if name in inputs.weak:
        value = inputs.weak[name]()
        return at.MISSING if value is None else fresh(value, name)
    return at.MISSING


def read_after(context: CellContext, region: ast.Module, last_line: int) -> set[str]:
    """Names `region` binds (outside its functions) that the cell reads after `last_line`."""
    assert context.tree is not None
    bound = {n.id for n in at.walk_no_defs(region) if isinstance(n, ast.Name) and
             isinstance(n.ctx, ast.Store)}
    index, _, _ = at.top_level_span(context.tree, last_line, last_line)
    later = {n.id for stmt in context.tree.body[index + 1:] for n in ast.walk(stmt)
             if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return bound & later


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
                ns[name] = fresh(context.namespace[name], name)
            else:
                replay.add(name)
            continue
        value = input_value(context, name)
        if value is not at.MISSING:
            ns[name] = value
        elif name in context.namespace and name not in changed_anywhere:
            ns[name] = fresh(context.namespace[name], name)
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
    free = free_names(module)
    changed = at.changed_names(context.tree.body)
    for name in at.loaded_names(module):
        value = input_value(context, name)
        if value is at.MISSING and name in context.namespace and name not in changed:
            value = fresh(context.namespace[name], name)
        if value is not at.MISSING:
            scratch[name] = value
        elif name in free and context.inputs is not None and name in context.inputs.missing:
            raise NotVerified(context.inputs.missing[name])
    check = effect_check(context, ChainMap(scratch, context.namespace))
    reason = check.code(module)
    for name in check.reads - set(scratch):
        if name in context.namespace and name not in changed:
            scratch[name] = fresh(context.namespace[name], name)
    if reason:
        raise NotVerified(f"rebuilding {', '.join(sorted(names))} would re-run earlier lines, "
                          f"and {reason}")
    rebind_cell_functions(scratch, context.filename)  # the values are copies already
    try:
        with effects.kept_global_state():
            # compiled as the cell: functions it defines are re-bound like the cell's own
            exec(compile(module, context.filename, "exec"), scratch)
    except Exception as exc:
        raise NotVerified(f"re-running the lines before failed ({type(exc).__name__})") from exc
    try:
        return {name: scratch[name] for name in names if name in scratch}
    finally:
        scratch.clear()  # functions it defined point back at it: no cycle left behind


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


def timed_exec(compiled: Any, namespace: dict[str, Any]) -> float:
    """Seconds one plain run takes, with the cyclic collector paused as `timeit` does: a full
    collection of a large process heap (a long-lived kernel's) landing in one side's run made a
    rewrite that is 2.5x faster measure 0.02x."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        t0 = time.perf_counter()
        exec(compiled, namespace)
        return time.perf_counter() - t0
    finally:
        if collecting:
            gc.enable()


def run_code(code: str, base: dict[str, Any], repeats: int, budget: Budget,
             cell_file: str | None = None, trace: str | None = None) -> Run:
    """One profiled run (peak bytes, results) and up to `repeats` - 1 timed plain runs, each on
    fresh copies of `base` (the cell's functions re-bound to them, see fresh_namespace).  With
    `trace`, the profiled run also keeps the locals of the cell function of that name when it
    last returned (rewrites inside functions compare them).  Warnings the code raises were
    already shown when the cell ran; repeating them for every verification run is noise."""
    with effects.quiet_warnings():
        return run_quietly(code, base, repeats, budget, cell_file, trace)


def run_quietly(code: str, base: dict[str, Any], repeats: int, budget: Budget,
                cell_file: str | None, trace: str | None) -> Run:
    from arrayprof.advisor.scopes import LocalsTracer

    ns = fresh_namespace(base, cell_file)
    filename = f"<arrayprof-verify-{id(ns):x}>"
    tracer = LocalsTracer(filename, {trace} if trace else set())
    previous = sys.gettrace()
    if trace:
        sys.settrace(tracer.global_trace)
    started = time.perf_counter()
    try:
        if budget.measure is None:
            raise NotVerified("no way to run code was given to the advisor")
        peak_bytes, error = budget.measure(code, ns, filename)
    finally:
        if trace:
            sys.settrace(previous)
    if error is not None:
        error.__traceback__ = None  # its frames would hold this one: a cycle
    best = time.perf_counter() - started
    compiled = compile(code, "<arrayprof-verify>", "exec")
    if error is None:
        spent = 0.0
        for done in range(repeats - 1):
            # a run of 50 ms times itself well enough: stop repeating once this much was spent
            # (profile() then costs about twice a slow cell, not `repeats` times)
            if budget.remaining() < best * 2 or (done and spent > TIMING_SECONDS):
                break
            scratch = fresh_namespace(base, cell_file)
            elapsed = timed_exec(compiled, scratch)
            scratch.clear()  # functions it defined point back at it: no cycle left behind
            spent += elapsed
            best = min(best, elapsed)
    return Run(ns, error, peak_bytes, best,
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
    if context.inputs.released:
        raise NotVerified("the copies of the cell's inputs were released when its report was "
                          "built")
    # the original and the rewrite each run at least once; the fixed budget keeps half a second
    # in hand, a proportional one only what those two runs need
    need = report.wall_s * 3 if budget.limit is not None else max(0.5, report.wall_s * 3)
    if budget.remaining() < need:
        raise NotVerified(f"skipped: over {budget.words()} (the cell took "
                          f"{report.wall_s * 1000:.1f} ms)")
    scope = scope_of(rewrite)
    if scope is not None:
        index, original, rewritten = scope_region_code(context, rewrite, scope)
    else:
        index, original, rewritten = region_code(context, rewrite)
    try:
        original_tree = ast.parse(original)
        rewritten_tree = ast.parse(rewritten)
    except SyntaxError as exc:
        raise NotVerified(f"the rewrite does not parse ({exc.msg})") from exc
    if scope is None and rewrite.kind == "equivalent":
        # every value the region binds that the rest of the cell reads is compared too, not
        # only the rule's own names (issue 12: equal means equal for what the cell goes on with)
        rewrite.compared = [*rewrite.compared,
                            *sorted(read_after(context, original_tree, rewrite.lines[-1]) -
                                    set(rewrite.compared))]
    names = ChainMap(context.namespace, scope.namespace) if scope is not None else \
        context.namespace
    # judged before anything runs (rebuilding the inputs may replay earlier lines), then again
    # on the values the runs will get
    check = effect_check(context, names)
    for tree in (original_tree, rewritten_tree):
        reason = check.code(tree)
        if reason:
            raise NotVerified(f"{reason}; re-running it could repeat side effects")
    reason = effects.errstate_effect()
    if reason:
        raise NotVerified(reason)
    needed = free_names(original_tree) | free_names(rewritten_tree) | check.reads
    needed -= {n for n in needed if hasattr(builtins, n) and n not in context.namespace}
    base = base_namespace(context, index, needed)
    base.setdefault("np", np)
    base.setdefault("math", math)
    check = effect_check(context, ChainMap(base, names))
    for tree in (original_tree, rewritten_tree):
        reason = check.code(tree)
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
    trace = scope.func.name if scope is not None else None
    with effects.kept_global_state():
        before = run_code(original, base, config.verify_repeats, budget, context.filename, trace)
        after = run_code(rewritten, base, config.verify_repeats, budget, context.filename, trace)
    base.clear()
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
    checker = fix_check(rewrite)
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
    from arrayprof.advisor.facts import Cost, cost_of, set_cost

    cost = cost_of(finding)
    if cost is None:
        cost = Cost()
        set_cost(finding, cost)
    cost.measured = before.error is None and after.error is None
    cost.seconds_lost = max(0.0, before.best_s - after.best_s)
    # NumPy's peak cannot see a pinned base that outlives the cell, nor the Python objects an
    # object array points to: for those the estimate stands
    cost.bytes_wasted = max(cost.bytes_wasted if finding.category in ("view-pins-base",
                                                                      "object-dtype")
                            else 0.0, float(before.peak_bytes - after.peak_bytes))
