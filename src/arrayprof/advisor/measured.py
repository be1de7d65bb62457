"""Measure first, then judge: what a loop or comprehension of the cell cost, from the report.

Shared machinery for the python-loop rule (issue 12, part 2): a loop that spends the cell's time
on scalar work is a finding even when no rewrite can be derived.  Whether it is worth one, and
how severe, comes from measurements: how many passes it made (counted from the data its header
walks), the element counts of the ufunc calls it made (a time-step loop of whole-array calls is
not scalar work), and the seconds of its lines when the report has them (``lines[].seconds``,
read with a default so this works before that field exists), else the cell's time bounded by an
interpreter-cost estimate.  The AST only names the idiom (nditer, one random draw per pass, one
function call per point, counting in a dict, Python lists) and excludes what no array expression
does (recurrences, early exits, output).

Plain functions of (AST, namespace, report); no rule lives here and nothing here imports a rule.
"""

from __future__ import annotations

import ast
import builtins
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.vectorizer import SECONDS_PER_STEP
from arrayprof.report import Report

MIN_PASSES = 1_000  # passes of scalar work before a loop is worth a word
MIN_CALL_PASSES = 100  # passes when each calls a function: a call costs microseconds
SCALAR_ELEMENTS = 1_024  # mean elements per ufunc call up to which a pass is per-element work
SCALAR_BYTES = 4_096  # mean bytes per allocation in the loop up to which it makes no real arrays
SECONDS_PER_CALL = 2e-6  # one NumPy call on a small array, or a call of a Python function
NOT_WORK = frozenset({"print", "input", "open", "repr", "format", "hash", "id", "exec", "eval",
                      "setattr", "getattr", "breakpoint"})
CONTAINERS = (list, tuple, dict, set, str, range, np.ndarray)


@dataclass
class LoopCost:
    """What one loop (or comprehension) of the cell cost, and which idiom it is."""

    node: ast.AST
    lineno: int
    passes: int
    seconds: float  # measured (line seconds) or bounded estimate
    measured: bool  # seconds come from per-line timings
    idiom: str  # key of IDIOMS
    elements_per_call: float  # mean elements per ufunc call in the loop (0: none)
    lines: set[int] = field(default_factory=set)


# -- passes ------------------------------------------------------------------------------------
def passes_of(iterable: ast.expr, ns: dict[str, Any], tree: ast.AST | None = None) -> int | None:
    """How many items a loop header hands out, from the values it walks: ranges, lists, arrays
    (their first axis), ``np.nditer`` (every element), zip/enumerate/reversed/sorted/list, and a
    name bound in the cell to one of those (``it = np.nditer(a)`` then ``for v in it``)."""
    if (isinstance(iterable, ast.Call) and not iterable.keywords) or (
            isinstance(iterable, ast.Call) and at.np_func(iterable.func, ns, "nditer")):
        func, args = iterable.func, iterable.args  # type: ignore[union-attr]
        if at.np_func(func, ns, "nditer", "ndenumerate") and args:
            operands = at.safe_eval(args[0], ns)
            arrays = operands if isinstance(operands, list | tuple) else [operands]
            sizes = [a.size for a in arrays if isinstance(a, np.ndarray)]
            return max(sizes) if sizes else None
        if at.np_func(func, ns, "ndindex") and args:
            dims = [at.safe_eval(a, ns) for a in args]
            if len(dims) == 1 and isinstance(dims[0], tuple):
                dims = list(dims[0])
            return int(np.prod(dims)) if dims and all(
                isinstance(d, int | np.integer) for d in dims) else None
        if isinstance(func, ast.Name) and getattr(builtins, func.id, None) is ns.get(
                func.id, getattr(builtins, func.id, None)):
            if func.id == "range":
                return at.range_length(args, ns)
            if func.id in ("enumerate", "reversed", "sorted", "list", "tuple", "iter") and args:
                return passes_of(args[0], ns, tree)
            if func.id == "zip" and args:
                counts = [passes_of(a, ns, tree) for a in args]
                return None if None in counts else min(counts)  # type: ignore[type-var]
        if isinstance(func, ast.Attribute) and func.attr in ("tolist", "items", "keys",
                                                             "values", "flatten", "ravel"):
            value = at.safe_eval(func.value, ns)
            if isinstance(value, np.ndarray):
                return value.size if func.attr != "tolist" or value.ndim == 1 else len(value)
            return len(value) if isinstance(value, dict) else None
        return None
    if isinstance(iterable, ast.Attribute) and iterable.attr == "flat":
        value = at.safe_eval(iterable.value, ns)
        return value.size if isinstance(value, np.ndarray) else None
    value = at.safe_eval(iterable, ns)
    if isinstance(value, np.nditer):
        return int(value.itersize)
    if isinstance(value, CONTAINERS) and not isinstance(value, np.ndarray):
        return len(value)
    if isinstance(value, np.ndarray):
        return len(value) if value.ndim else None
    if isinstance(iterable, ast.Name) and tree is not None:
        for line in reversed(at.binding_lines(tree, iterable.id)):
            bound = at.bound_value(tree, iterable.id, line)
            if bound is not None and line < iterable.lineno:
                return passes_of(bound, ns, None)
    return None


def nested_passes(node: ast.AST, ns: dict[str, Any], tree: ast.AST) -> int | None:
    """Passes of a loop or comprehension times those of the loops and generators nested in it
    whose headers can be counted (a ``while`` inside counts once: its trip count is data)."""
    if isinstance(node, ast.For):
        outer = passes_of(node.iter, ns, tree)
        if outer is None:
            return None
        inner = [nested_passes(s, ns, tree) for s in node.body if isinstance(s, ast.For)]
        known = [n for n in inner if n]
        return outer * (max(known) if known else 1)
    if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
        total = 1
        for generator in node.generators:
            count = passes_of(generator.iter, ns, tree)
            if count is None:
                return None
            total *= count
        element = node.elt if not isinstance(node, ast.DictComp) else node.value
        inner = [nested_passes(c, ns, tree) for c in ast.walk(element)
                 if isinstance(c, ast.ListComp | ast.GeneratorExp)]
        known = [n for n in inner if n]
        return total * (max(known) if known else 1)
    return None


# -- what the body does -------------------------------------------------------------------------
def cell_functions(tree: ast.AST) -> dict[str, ast.FunctionDef]:
    return {f.name: f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)}


def called_functions(node: ast.AST, functions: dict[str, ast.FunctionDef]) -> list[ast.FunctionDef]:
    """The cell's own functions `node` calls (one level: what each pass runs)."""
    names = {c.func.id for c in ast.walk(node) if isinstance(c, ast.Call) and
             isinstance(c.func, ast.Name) and c.func.id in functions}
    return [functions[n] for n in sorted(names)]


def random_owner(value: Any) -> bool:
    owner = getattr(value, "__self__", None)
    return isinstance(owner, np.random.Generator | np.random.RandomState) or \
        owner is np.random or getattr(value, "__module__", "") in ("numpy.random", "random") or \
        isinstance(owner, random.Random)


def draws_per_pass(body: list[ast.AST], ns: dict[str, Any]) -> bool:
    """Each pass draws one (or a few) random numbers: a NumPy Generator, the legacy
    ``np.random.*`` or the ``random`` module, called with no size or a small constant one."""
    for stmt in body:
        for node in ast.walk(stmt):
            if not isinstance(node, ast.Call):
                continue
            target = at.resolve(node.func, ns)
            if target is at.MISSING or not random_owner(target):
                continue
            # no size, or a small constant one (the arguments may be sizes or parameters)
            sizes = [*node.args, *(k.value for k in node.keywords if k.arg == "size")]
            if all((at.const_int(s) is not None and (at.const_int(s) or 0) <= 16) or
                   (isinstance(s, ast.Constant) and isinstance(s.value, float)) or
                   (isinstance(s, ast.List | ast.Tuple) and len(s.elts) <= 16)
                   for s in sizes):
                return True
    return False


def foreign_call(body: list[ast.AST], ns: dict[str, Any], functions: set[str]) -> str | None:
    """A call each pass makes to code that is neither NumPy, math, random, builtins, container
    methods nor the cell's own functions: user objects whose work no array expression
    replaces (a model's step, a plotting call).  Output and text are not array work either."""
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.JoinedStr):
                return "an f-string"
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Name) and func.id in functions:
                continue
            if isinstance(func, ast.Name) and func.id in NOT_WORK:
                return func.id
            target = at.resolve(func, ns)
            if isinstance(func, ast.Attribute):
                owner = at.resolve(func.value, ns)
                if isinstance(owner, list | dict | set | str | np.ndarray | np.generic | int |
                              float | complex | np.nditer) or \
                        (isinstance(func.value, ast.Subscript | ast.BinOp | ast.Call | ast.Name) \
                        and owner is at.MISSING and func.attr in CONTAINER_METHODS):
                    continue
                if isinstance(func.value, ast.Name) and func.value.id not in ns:
                    continue  # a method of a function's local (an array it computed)
            if target is at.MISSING:
                if isinstance(func, ast.Name) and func.id not in ns:
                    continue  # a local of a function being judged in the cell's namespace
                return at.unparse(func)
            if getattr(builtins, getattr(func, "id", ""), None) is target or \
                    at.is_numpy_object(target) or random_owner(target) or \
                    getattr(target, "__module__", "") in ("math", "cmath"):
                continue
            return at.unparse(func)
    return None


CONTAINER_METHODS = frozenset({"append", "get", "items", "keys", "values", "extend", "sum",
                               "mean", "max", "min", "std", "copy", "real", "imag", "conjugate"})


GROWING = ("append", "concatenate", "vstack", "hstack", "stack", "column_stack", "insert")


def grows(body: list[ast.AST], ns: dict[str, Any]) -> bool:
    """An array grown per pass (np.append ...): growing-array's finding, not scalar work."""
    return any(isinstance(n, ast.Call) and at.np_func(n.func, ns, *GROWING)
               for b in body for n in ast.walk(b))


def early_exit(body: list[ast.AST]) -> bool:
    """A ``break``/``return`` of the loop itself: a search that stops early."""
    for stmt in body:
        for node in at.walk_no_defs(stmt):
            if isinstance(node, ast.Break | ast.Return | ast.Yield | ast.YieldFrom):
                return True
    return False


def simple_statements(body: list[ast.stmt]) -> Iterator[tuple[set[str], set[str], bool]]:
    """(names loaded, names stored, is an accumulation) per statement in execution order; the
    header of a compound statement counts as one statement before its body."""
    for stmt in body:
        if isinstance(stmt, ast.If | ast.While):
            yield at.loaded_names(stmt.test), set(), False
            yield from simple_statements(stmt.body)
            yield from simple_statements(stmt.orelse)
        elif isinstance(stmt, ast.For):
            yield at.loaded_names(stmt.iter), at.stored_names(stmt.target), False
            yield from simple_statements(stmt.body)
        elif isinstance(stmt, ast.With | ast.Try):
            yield from simple_statements(stmt.body)
        elif isinstance(stmt, ast.AugAssign):
            target = stmt.target
            stored = {target.id} if isinstance(target, ast.Name) else set()
            loads = at.loaded_names(stmt.value)
            accumulating = isinstance(stmt.op, ast.Add | ast.Sub | ast.Mult | ast.BitOr |
                                      ast.BitAnd) and not (stored & loads)
            yield loads | (set() if accumulating else stored), stored, accumulating
        elif isinstance(stmt, ast.Assign | ast.AnnAssign):
            value = stmt.value
            loads = at.loaded_names(value) if value is not None else set()
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            stored: set[str] = set()
            for target in targets:
                if isinstance(target, ast.Name | ast.Tuple | ast.List):
                    stored |= at.stored_names(target)
                else:
                    loads |= at.loaded_names(target)
            yield loads, stored, False
        elif not isinstance(stmt, ast.FunctionDef | ast.ClassDef):
            yield at.loaded_names(stmt), set(), False


def carried_state(body: list[ast.stmt], loop_names: set[str]) -> str | None:
    """`carried` as one value: the name or element carried from pass to pass, or None."""
    found = carried(body, loop_names)
    return found[1] if found is not None else None


def carried(body: list[ast.stmt], loop_names: set[str]) -> tuple[str, str] | None:
    """A name one pass reads before setting it (state carried from the pass before), other
    than sums and counts (``s += e``), or an array element read at another index than the one
    the body writes (``x[i] = x[i - 1] * r``): a recurrence, which no array expression does in
    general.  None when the passes are independent."""
    stored_anywhere = set().union(*(s for _, s, _ in simple_statements(body))) - loop_names
    set_this_pass: set[str] = set()
    for loads, stores, _ in simple_statements(body):
        for name in sorted((loads & stored_anywhere) - set_this_pass):
            return "scalar", name
        set_this_pass |= stores  # read after its update: a running sum, np.cumsum
    written: dict[str, str] = {}
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
                root = at.root_name(node)
                if root:
                    written[root] = at.unparse(node)
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and \
                    isinstance(node.value, ast.Name | ast.Subscript):
                root = at.root_name(node)
                text = at.unparse(node)
                if root in written and text != written[root] and \
                        not written[root].startswith(text + "["):
                    return "element", text  # (N[x] read to write N[x][y] is no read)
    return None


# -- cost -----------------------------------------------------------------------------------------
def span(node: ast.AST) -> set[int]:
    return set(range(node.lineno, (node.end_lineno or node.lineno) + 1))  # type: ignore


class Measures:
    """The report's figures by line, built once per advisor run (one pass over its ops and
    lines), so judging every loop of a long cell stays linear in the cell's size."""

    def __init__(self, report: Report, tree: ast.AST) -> None:
        self.report = report
        self.functions = cell_functions(tree)
        self.ops: dict[int, list[tuple[int, int]]] = {}  # line -> [(calls, elements per call)]
        self.op_seconds = 0.0  # what all ufunc calls cost, at a generous 1 us each
        for op in report.ops:
            if op.lineno is None:
                continue
            sizes = [int(np.prod(o.get("shape") or [1])) for o in op.operands
                     if isinstance(o, dict)]
            if op.result:
                sizes.append(int(np.prod(op.result.get("shape") or [1])))
            self.ops.setdefault(op.lineno, []).append((op.count, max(sizes or [1])))
            self.op_seconds += op.count * 1e-6
        self.rows = {row.lineno: row for row in report.lines}
        # per-line seconds count only when the report really timed its lines (a field that
        # defaults to 0.0 in a report made without timing must not read as "cost nothing")
        self.timed = any((getattr(row, "seconds", None) or 0.0) > 0.0 for row in report.lines)
        self.alloc_seconds = sum(row.allocated_bytes for row in report.lines) * 1e-9

    def elements_per_call(self, lines: set[int]) -> tuple[float, int]:
        """(mean elements per ufunc call, calls) of the ops charged to `lines`."""
        calls = elements = 0
        for line in lines:
            for count, size in self.ops.get(line, ()):
                calls += count
                elements += count * size
        return (elements / calls if calls else 0.0), calls

    def line_seconds(self, lines: set[int]) -> float | None:
        """Seconds charged to `lines` (``lines[].seconds``, when the report has it)."""
        if not self.timed:
            return None
        known = [s for line in lines if line in self.rows and
                 (s := getattr(self.rows[line], "seconds", None)) is not None]
        return sum(known) if known else None

    def outside(self, lines: set[int]) -> float:
        """What the rest of the cell measurably did, at generous rates: its ufunc calls and
        the bytes its lines allocated."""
        inside = sum(count * 1e-6 for line in lines for count, _ in self.ops.get(line, ()))
        inside += sum(self.rows[line].allocated_bytes * 1e-9 for line in lines
                      if line in self.rows)
        return self.op_seconds + self.alloc_seconds - inside


def steps_in(nodes: list[ast.AST]) -> tuple[int, int]:
    """(element operations, calls) a pass of `nodes` runs, counted from the AST."""
    steps = calls = 0
    for node in nodes:
        for sub in ast.walk(node):
            if isinstance(sub, ast.BinOp | ast.Subscript | ast.Compare | ast.UnaryOp):
                steps += 1
            elif isinstance(sub, ast.Call):
                calls += 1
    return steps, calls


def loop_cost(node: ast.For | ast.ListComp | ast.GeneratorExp | ast.SetComp | ast.DictComp,
              lineno: int, report: Report, tree: ast.Module, ns: dict[str, Any],
              measures: Measures | None = None) -> LoopCost | None:
    """The measured cost of one loop or comprehension doing scalar work, or None when it is not
    one (few passes, whole-array calls per pass, a recurrence, an early exit, output)."""
    if measures is None:
        measures = Measures(report, tree)
    functions = measures.functions
    body: list[ast.AST] = list(node.body) if isinstance(node, ast.For) else \
        [node.elt if not isinstance(node, ast.DictComp) else node.value,
         *[g for gen in node.generators for g in gen.ifs]]
    called = called_functions(ast.Module(body=body, type_ignores=[]), functions)
    per_point = bool(called) or any(
        isinstance(c, ast.Call) and at.is_numpy_object(at.resolve(c.func, ns))
        for b in body for c in ast.walk(b))
    passes = nested_passes(node, ns, tree)
    if passes is None or passes < (MIN_CALL_PASSES if per_point else MIN_PASSES):
        return None
    if early_exit(body) or foreign_call(body, ns, set(functions)) or grows(body, ns):
        return None
    for function in called:
        if foreign_call(function.body, ns, set(functions)):
            return None
    random_draws = draws_per_pass(body, ns)
    if isinstance(node, ast.For):
        loop_names = at.stored_names(node.target) | {
            n for s in ast.walk(node) if isinstance(s, ast.For) for n in at.stored_names(s.target)}
        state = carried(node.body, loop_names)
        # a walk x[i] = x[i - 1] + draw is a cumsum of draws made up front; a state the pass
        # decides on (pos += draw if pos > -50 else 1.0) has to stay a loop
        if state is not None and not (random_draws and state[0] == "element"):
            return None
    if not touches_data(node, body, ns, called, random_draws) and \
            not nditer_header(node, ns, tree):
        return None  # builds values from a range only ([[k, k * 0.5] for k in range(n)])
    lines = span(node)
    for function in called:
        lines |= span(function)
    per_call, _ufunc_calls = measures.elements_per_call(lines)
    if per_call > SCALAR_ELEMENTS:
        return None  # whole-array work per pass: a time step, not scalar work
    rows = [measures.rows[line] for line in lines if line in measures.rows]
    allocations = sum(row.allocations for row in rows)
    if allocations * 2 >= passes and \
            sum(row.allocated_bytes for row in rows) > allocations * SCALAR_BYTES:
        return None  # arrays made per pass (chunks drawn, np.append): array work, not scalars
    measured = measures.line_seconds(lines)
    if measured is not None:
        seconds = measured
    else:
        steps, calls = steps_in([*body, *[s for f in called for s in f.body]])
        inner_loops = sum(1 for f in called for s in ast.walk(f) if isinstance(s, ast.For |
                                                                                ast.While))
        estimate = passes * (max(1, steps) * SECONDS_PER_STEP * (1 + 4 * inner_loops) +
                             calls * SECONDS_PER_CALL)
        # what the rest of the cell measurably did (its ufunc calls and the bytes its lines
        # allocated, at generous rates) is not the loop's; the rest of the cell's time is,
        # and never less than the interpreter estimate
        outside = measures.outside(lines)
        seconds = min(report.wall_s, max(estimate, report.wall_s - outside))
    return LoopCost(node=node, lineno=lineno, passes=passes, seconds=seconds,
                    measured=measured is not None,
                    idiom=idiom_of(node, body, ns, called, random_draws, tree),
                    elements_per_call=per_call, lines=lines)


def nditer_header(node: ast.AST, ns: dict[str, Any], tree: ast.AST | None) -> bool:
    """Whether the loop walks an ``np.nditer``, made in its header or bound to a name before
    (``it = np.nditer(img, flags=['multi_index'])`` then ``for v in it``)."""
    headers = [node.iter] if isinstance(node, ast.For) else \
        [g.iter for g in getattr(node, "generators", [])]
    for header in headers:
        if isinstance(header, ast.Call) and at.np_func(header.func, ns, "nditer"):
            return True
        if isinstance(header, ast.Name):
            if isinstance(ns.get(header.id), np.nditer):
                return True
            if tree is not None:
                for line in at.binding_lines(tree, header.id):
                    bound = at.bound_value(tree, header.id, line)
                    if line < header.lineno and isinstance(bound, ast.Call) and \
                            at.np_func(bound.func, ns, "nditer"):
                        return True
    return False


def touches_data(node: ast.AST, body: list[ast.AST], ns: dict[str, Any],
                 called: list[ast.FunctionDef], random_draws: bool) -> bool:
    """Whether the passes work on data: the header walks an array, a list or np.nditer, the
    body indexes one, calls one of the cell's functions, or draws random numbers."""
    if called or random_draws:
        return True
    headers = [node.iter] if isinstance(node, ast.For) else \
        [g.iter for g in getattr(node, "generators", [])]
    for header in headers:
        for sub in ast.walk(header):
            if isinstance(sub, ast.Name) and isinstance(ns.get(sub.id), list | np.ndarray |
                                                        np.nditer | tuple | dict):
                if not (isinstance(header, ast.Call) and isinstance(header.func, ast.Name) and
                        header.func.id == "range"):
                    return True
            if isinstance(sub, ast.Call) and at.np_func(sub.func, ns, "nditer"):
                return True
    for b in body:
        for sub in ast.walk(b):
            if isinstance(sub, ast.Subscript) and isinstance(
                    ns.get(at.root_name(sub) or ""), list | np.ndarray | dict):
                return True
    return False


# -- idioms ---------------------------------------------------------------------------------------
def idiom_of(node: ast.AST, body: list[ast.AST], ns: dict[str, Any],
             called: list[ast.FunctionDef], random_draws: bool,
             tree: ast.AST | None = None) -> str:
    headers = [node.iter] if isinstance(node, ast.For) else \
        [g.iter for g in getattr(node, "generators", [])]
    if nditer_header(node, ns, tree):
        return "nditer"
    if random_draws:
        return "random"
    if any(isinstance(f, ast.While | ast.For) for c in called for f in ast.walk(c)) or any(
            isinstance(s, ast.While) for b in body for s in ast.walk(b)):
        return "escape"
    if called or any(isinstance(c, ast.Call) and at.is_numpy_object(at.resolve(c.func, ns))
                     for b in body for c in ast.walk(b)):
        return "per-point"
    for b in body:
        for sub in ast.walk(b):
            # counts[v] = counts.get(v, 0) + 1
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and \
                    sub.func.attr == "get" and len(sub.args) == 2 and \
                    at.const_int(sub.args[1]) == 0 and \
                    not isinstance(ns.get(at.root_name(sub.func) or ""), np.ndarray):
                return "counting"
    names = {n.id for b in [*headers, *body] for n in ast.walk(b) if isinstance(n, ast.Name)}
    if any(isinstance(ns.get(n), list) for n in names):
        return "lists"
    return "scalar"


IDIOMS = {
    "nditer": ("np.nditer loop",
               "np.nditer hands the loop one element at a time, so every element goes through "
               "the interpreter. Write the expression on the whole array instead (for a "
               "readwrite loop `v[...] = f(v)`: `a[...] = f(a)`)."),
    "random": ("one random draw per pass",
               "Each pass draws one random number. Draw them all in one call (rng.normal(size=n), "
               "rng.choice([-1, 1], size=n), np.random.randint(0, 2, n)) and combine them with "
               "array operations (a random walk is np.cumsum of the steps); even a recurrence "
               "that must stay a loop gets faster with its numbers drawn up front. The stream "
               "of numbers changes, so this is advice, not a drop-in rewrite."),
    "escape": ("an escape-time loop per point",
               "Each point runs its own Python loop (a Mandelbrot-style iteration). Iterate all "
               "points at once instead: keep the state of every point in arrays and update, at "
               "each step, only those still running (a boolean mask such as np.abs(Z) < 2)."),
    "per-point": ("one function call per point",
                  "Each pass calls a function for one point (or row). Call it once on the whole "
                  "array: reductions take axis= (np.mean(M, axis=1), np.linalg.norm(P - q, "
                  "axis=1)), and a function written for one point usually works on all of them "
                  "with an extra axis (P[:, None, :]) and axis= in its reductions."),
    "counting": ("counting in a dict",
                 "The loop counts values one at a time in a dict. np.unique(values, "
                 "return_counts=True) (or np.bincount for small non-negative integers) counts "
                 "them all in one call."),
    "lists": ("a loop over Python lists",
              "The loop works on Python lists element by element. Convert them to arrays once "
              "(np.asarray) and use array operations: sums of products are np.dot, neighbour "
              "sums are shifted slices (Z[:-2, 1:-1] + Z[2:, 1:-1] + ...), a matrix product "
              "is A @ B."),
    "scalar": ("scalar Python loop",
               "Each pass does scalar work in the interpreter. The same work on whole arrays "
               "runs in compiled code, usually 10-100x faster."),
}


def nditer_rewrite(loop: ast.For, ns: dict[str, Any]) -> str | None:
    """``for v in np.nditer(a, op_flags=['readwrite']): v[...] = f(v)`` -> ``a[...] = f(a)``,
    and ``for x, y in np.nditer([a, out], ...): y[...] = f(x)`` -> ``out[...] = f(a)``: every
    statement of the body writes ``t[...]`` of a loop target from loop targets, constants and
    scalars (never another array, whose shape would have to match)."""
    header = loop.iter
    if not (isinstance(header, ast.Call) and at.np_func(header.func, ns, "nditer") and
            header.args) or loop.orelse:
        return None
    operands = header.args[0]
    elts = operands.elts if isinstance(operands, ast.List | ast.Tuple) else [operands]
    if not all(isinstance(e, ast.Name) and isinstance(ns.get(e.id), np.ndarray) for e in elts):
        return None
    arrays = [ns[e.id] for e in elts]  # type: ignore[union-attr]
    if any(a.shape != arrays[0].shape for a in arrays):
        return None
    targets = loop.target.elts if isinstance(loop.target, ast.Tuple) else [loop.target]
    if len(targets) != len(elts) or not all(isinstance(t, ast.Name) for t in targets):
        return None
    if any(k.arg not in ("op_flags", "flags") for k in header.keywords) or \
            len(header.args) > 2:
        return None
    mapping = {t.id: e.id for t, e in zip(targets, elts, strict=True)}  # type: ignore[union-attr]
    lines = []
    for stmt in loop.body:
        if not (isinstance(stmt, ast.Assign | ast.AugAssign)):
            return None
        target = stmt.targets[0] if isinstance(stmt, ast.Assign) else stmt.target
        if isinstance(stmt, ast.Assign) and len(stmt.targets) != 1:
            return None
        if not (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) and
                target.value.id in mapping and isinstance(target.slice, ast.Constant) and
                target.slice.value is Ellipsis):
            return None
        for sub in ast.walk(stmt.value):
            if isinstance(sub, ast.Name) and sub.id not in mapping and (
                    isinstance(ns.get(sub.id), np.ndarray | list) or sub.id not in ns):
                return None
            if isinstance(sub, ast.Call | ast.Subscript | ast.Lambda | ast.IfExp |
                          ast.BoolOp | ast.Compare):
                return None
        renamed = ast.parse(at.unparse(stmt)).body[0]
        for sub in ast.walk(renamed):
            if isinstance(sub, ast.Name) and sub.id in mapping:
                sub.id = mapping[sub.id]
        lines.append(at.unparse(renamed))
    return "\n".join(lines) if lines else None


def complexity_note(cost: LoopCost) -> str:
    """The numbers a finding states: passes, the cell's time, how the loop's share is known."""
    share = "measured on its lines" if cost.measured else \
        "estimated from the passes, bounded by the cell's time"
    calls = f", ufunc calls on {cost.elements_per_call:.0f} elements on average" \
        if cost.elements_per_call else ", no array operations"
    return (f"{cost.passes:,} passes of scalar work{calls}; about "
            f"{cost.seconds * 1e3:.1f} ms ({share})")


__all__ = ["IDIOMS", "LoopCost", "carried_state", "loop_cost", "nditer_rewrite", "passes_of"]
