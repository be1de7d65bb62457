"""Copies of a cell's inputs taken before it runs, so rewrites can be verified later on the values
the cell started from (cells change their inputs in place), never on the user's arrays.

Only what verification needs is copied: arrays the cell reads *and* may change (rebinds, writes
into, passes as ``out=``, calls a mutating method on).  Arrays it only reads are the same object
after the cell, so looking them up again by name is enough and costs nothing.  Copies respect a
memory budget.

Nothing here may change what the user's program does, now or later (the inputs live on with the
last report):

* no reference to a user object is kept, strong or weak: a strong one delays ``__del__`` and
  frees past the user's ``del``; a weak one makes ``a.resize(...)`` fail (NumPy refuses to resize
  an array with weak references).  What is not copied is looked up by name and identity later;
* only plain data is copied: arrays without Python objects inside, and containers of numbers,
  strings and such arrays.  Copying anything else could run user code (``__deepcopy__``,
  ``__reduce__``, a subclass's ``__array_finalize__``), and copies of objects with ``__del__``
  would run it when they die;
* random generators are copied with their state, so replaying the cell's lines draws from the
  copy and the user's generator stays where the cell left it.
"""

from __future__ import annotations

import ast
import copy
import mmap
import random
import types
from dataclasses import dataclass, field
from typing import Any

import numpy as np

MUTATING_METHODS = {"sort", "fill", "resize", "put", "itemset", "setfield", "partition", "byteswap",
                    "setflags", "__setitem__", "__iadd__", "__isub__", "__imul__"}
# functions that change their first argument in place (``np.add.at(counts, i, 1)``,
# ``rng.shuffle(a)``)
MUTATING_FUNCTIONS = {"copyto", "put", "place", "putmask", "fill_diagonal", "put_along_axis",
                      "at", "shuffle"}
SMALL_OBJECT_BYTES = 1 << 20
VIEW_METHODS = {"ravel", "reshape", "view", "transpose", "swapaxes", "squeeze", "diagonal"}


@dataclass
class CellInputs:
    """Pre-cell values by name: copies, or lookups of values the cell does not change."""

    values: dict[str, Any] = field(default_factory=dict)
    weak: dict[str, Any] = field(default_factory=dict)  # name -> callable: the value, or None
    missing: dict[str, str] = field(default_factory=dict)  # name -> why it could not be kept
    released: bool = False

    def release(self) -> None:
        """Drop the copies once the cell's report is built: a cell that changes a 400 MB input
        in place would otherwise keep 400 MB alive until the next cell.  What is asked later
        (``%arrayprof advise``) is then not verified, and says so."""
        self.values.clear()
        self.weak.clear()
        self.missing.clear()
        self.released = True

    def get(self, name: str) -> Any:
        """A fresh copy of the pre-cell value (KeyError if it was not kept)."""
        if name in self.values:
            value = self.values[name]
        elif name in self.weak:
            value = self.weak[name]()
            if value is None:
                raise KeyError(name)
        else:
            raise KeyError(name)
        return value.copy() if isinstance(value, np.ndarray) else copy.copy(value)

    def names(self) -> set[str]:
        return set(self.values) | set(self.weak)


class Unchanged:
    """The value a name is bound to now, if it is still the object it was before the cell; None
    otherwise.  Called like a weak reference, but holds no reference to the object at all."""

    __slots__ = ("identity", "name", "namespace")

    def __init__(self, namespace: dict[str, Any], name: str, value: Any) -> None:
        self.namespace = namespace
        self.name = name
        self.identity = identity(value)

    def __call__(self) -> Any:
        value = self.namespace.get(self.name)
        return value if value is not None and identity(value) == self.identity else None


def identity(value: Any) -> tuple[Any, ...]:
    """``id`` alone can be recycled; an array's buffer and geometry make that practically safe."""
    if isinstance(value, np.ndarray):
        return (id(value), type(value), value.__array_interface__["data"][0], value.shape,
                value.strides, value.dtype)
    return (id(value), type(value))


RANDOM_STATES = (np.random.Generator, np.random.RandomState, np.random.BitGenerator,
                 random.Random)
PLAIN_SCALARS = (int, float, complex, str, bytes, bool, type(None), np.generic)
SCALAR_TYPES = frozenset({int, float, complex, str, bytes, bool, type(None)})
MAX_PLAIN_ITEMS = 1_000_000


def file_backed_reason(value: np.ndarray, name: str) -> str | None:
    """Why an array's memory is a mapped file (np.memmap, or a view of one), or None: copying
    it reads the user's file, and verification never re-runs what opened it."""
    current: Any = value
    for _ in range(64):  # chains of views are short; a bound keeps a cycle from hanging us
        if current is None:
            return None
        if isinstance(current, np.memmap | mmap.mmap):
            return (f"{name} is a memory-mapped file (np.memmap); running code on it again "
                    "could read or write the file")
        # only an array's own base is followed: another object's `base` could be a property
        current = current.base if isinstance(current, np.ndarray) else None
    return None


def plain_array(value: np.ndarray, limit: int = MAX_PLAIN_ITEMS) -> bool:
    """An array whose copy runs no user code and shares no mutable user objects: NumPy's own
    array types, holding no Python objects other than numbers and strings (at most `limit` of
    them, to bound the time spent looking)."""
    if type(value) is not np.ndarray and type(value).__module__.split(".")[0] != "numpy":
        return False
    if not value.dtype.hasobject:
        return True
    return value.dtype == object and value.size <= limit and \
        all(kind in SCALAR_TYPES or numpy_number(kind) for kind in set(map(type, value.flat)))


def numpy_number(kind: type) -> bool:
    """NumPy's own immutable number scalars (``np.float64``, ``np.int32``, ``np.bool_``...), as
    an object array filled from another array (``o[i] = x[i]``) holds them; not subclasses."""
    return issubclass(kind, np.number | np.bool_) and kind.__module__ == "numpy"


def plain_data(value: Any, budget: list[int]) -> bool:
    """Numbers, strings, plain arrays and (nested) lists, tuples, dicts and sets of them, at most
    `budget[0]` items in all: what can be deep-copied, or looked at, without running user code.
    Element types are gathered in C (``set(map(type, ...))``): about 15 ms per million."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind in SCALAR_TYPES or issubclass(kind, np.generic):
            continue
        if kind in (list, tuple, set, frozenset, dict):
            elements: Any = item
            if kind is dict:
                if not set(map(type, item)) <= SCALAR_TYPES:
                    return False  # keys that are objects: hashing them ran their code already
                elements = item.values()
            budget[0] -= len(item)
            if budget[0] < 0:
                return False
            if not set(map(type, elements)) <= SCALAR_TYPES:
                stack.extend(e for e in elements if type(e) not in SCALAR_TYPES)
            continue
        if issubclass(kind, np.ndarray):
            if not plain_array(item, max(budget[0], 0)):
                return False
            continue
        return False
    return True


def view_base(value: ast.expr) -> str | None:
    """The name a slicing / attribute / view-method / alias expression may share memory with."""
    if isinstance(value, ast.Name):
        return value.id
    if isinstance(value, ast.Subscript | ast.Attribute) and isinstance(value.value, ast.Name):
        return value.value.id
    if (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
            and value.func.attr in VIEW_METHODS and isinstance(value.func.value, ast.Name)):
        return value.func.value.id
    return None


SPLIT_FUNCTIONS = {"split", "array_split", "hsplit", "vsplit", "dsplit", "unstack"}


def split_base(value: ast.expr) -> str | None:
    """The array ``np.split(a, ...)`` and kin return views of."""
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and \
            value.func.attr in SPLIT_FUNCTIONS and value.args and \
            isinstance(value.args[0], ast.Name):
        return value.args[0].id
    return None


def names_read_and_changed(tree: ast.AST) -> tuple[set[str], set[str]]:
    """Names the cell loads, and names it may change (rebinding or in-place).  A write through a
    view made in the cell (`b = a[3:7]; b[:] = 99`) changes its base too."""
    reads: set[str] = set()
    changed: set[str] = set()

    def root_name(node: ast.AST) -> str | None:
        while isinstance(node, ast.Subscript | ast.Attribute | ast.Starred):
            node = node.value
        return node.id if isinstance(node, ast.Name) else None

    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (reads if isinstance(node.ctx, ast.Load) else changed).add(node.id)
        elif isinstance(node, ast.Subscript | ast.Attribute) and isinstance(node.ctx, ast.Store):
            name = root_name(node)
            if name:
                changed.add(name)
        elif isinstance(node, ast.AugAssign):
            name = root_name(node.target)
            if name:
                changed.add(name)
                reads.add(name)  # ``acc += ...`` reads acc: its pre-cell value is an input
        elif isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "out":
                    for sub in ast.walk(keyword.value):
                        if isinstance(sub, ast.Name):
                            changed.add(sub.id)
            func = node.func
            if isinstance(func, ast.Attribute):
                if func.attr in MUTATING_METHODS:
                    name = root_name(func.value)
                    if name:
                        changed.add(name)
                if func.attr in MUTATING_FUNCTIONS and node.args:
                    name = root_name(node.args[0])
                    if name:
                        changed.add(name)
    aliases: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            base = view_base(node.value)
            if base is not None:
                aliases.setdefault(node.targets[0].id, set()).add(base)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Tuple | ast.List):
            # ``lo, hi = data[:5], data[5:]`` pairs up; ``top, bottom = np.split(data, 2)`` or
            # ``first, second = rows`` makes every target a possible view of one base
            targets = node.targets[0].elts
            if isinstance(node.value, ast.Tuple | ast.List) and \
                    len(node.value.elts) == len(targets):
                pairs = [(t, view_base(v)) for t, v in zip(targets, node.value.elts, strict=True)]
            else:
                shared = view_base(node.value) or split_base(node.value)
                pairs = [(t, shared) for t in targets]
            for target, base in pairs:
                name = root_name(target)
                if isinstance(target, ast.Name | ast.Starred) and name and base is not None:
                    aliases.setdefault(name, set()).add(base)
    grew = True
    while grew:  # views of views: propagate until nothing new is changed
        grew = False
        for view, bases in aliases.items():
            if view in changed and not bases <= changed:
                changed |= bases
                grew = True
    return reads, changed


INERT_ITEMS = MAX_PLAIN_ITEMS  # items looked at per container or object array, after every cell
NUMPY_MODULES = ("numpy", "math", "cmath", "random", "builtins", "operator", "functools")


def inert(value: Any) -> bool:
    """Whether reading the value, its attributes and items, and computing with it run no user
    code: what the advisor may look at.  Judged by the type alone (``isinstance`` could ask a
    ``__class__`` property).  Numbers, strings, NumPy's own arrays without Python objects inside,
    NumPy, math and standard-library objects, functions, classes, modules without a module-level
    ``__getattr__`` (NumPy's is its own), and containers of such plain data.  Not inert: instances
    of user classes (properties, ``__getitem__``, ``__len__``, arithmetic), array subclasses
    defined outside NumPy (``__array_ufunc__``, ``__array_finalize__``), generators and iterators
    (looking at them consumes them), arrays and containers holding user objects."""
    kind = type(value)
    if kind in PLAIN_SCALARS or issubclass(kind, np.generic):
        return True
    if issubclass(kind, np.ndarray):
        return plain_array(value, INERT_ITEMS)
    if kind in (list, tuple, dict, set, frozenset):
        return plain_data(value, [INERT_ITEMS])
    if kind is types.ModuleType:
        return value.__name__.split(".")[0] == "numpy" or "__getattr__" not in vars(value)
    if issubclass(kind, type) or kind in (types.FunctionType, types.BuiltinFunctionType,
                                           types.MethodType, types.BuiltinMethodType):
        return kind is not types.MethodType or inert(value.__self__)
    # iterators and generators of the standard library and NumPy (np.nditer): looking at one
    # consumes it
    return kind.__module__.split(".")[0] in NUMPY_MODULES and not hasattr(kind, "__next__")


def advisor_namespace(namespace: dict[str, Any]) -> dict[str, Any]:
    """The names the advisor may see after a cell: the inert values only (see `inert`).  Rules
    resolve dotted names with ``getattr`` and evaluate small expressions to learn shapes and
    ranges; on a user object that would run its properties, ``__getitem__`` or arithmetic, draw
    from its generator, exhaust its iterator.  A shallow copy: it holds references while the
    advisor runs and must not be kept (the user's ``del`` would no longer free memory)."""
    safe = {}
    for name, value in list(namespace.items()):
        try:
            if inert(value):
                safe[name] = value
        except Exception:
            continue
    return safe


def capture_inputs(tree: ast.AST, namespace: dict[str, Any], budget_bytes: int) -> CellInputs:
    inputs = CellInputs()
    reads, changed = names_read_and_changed(tree)
    spent = 0
    for name in sorted(reads):
        if name not in namespace:
            continue
        value = namespace[name]
        kind = type(value)  # never isinstance: it reads __class__, a property on lazy proxies
        if issubclass(kind, np.ndarray):
            mapped = file_backed_reason(value, name)
            if mapped:
                inputs.missing[name] = mapped  # never copied: that would read the file
            elif name not in changed:
                inputs.weak[name] = Unchanged(namespace, name, value)
            elif not plain_array(value):
                inputs.missing[name] = (f"{name} holds Python objects or is a subclass with its own "
                                        "__array_finalize__; copying it could run user code")
            elif spent + value.nbytes <= budget_bytes:
                inputs.values[name] = value.copy()
                spent += value.nbytes
            else:
                inputs.missing[name] = f"{name} ({value.nbytes:,} bytes) is over the copy budget"
        elif kind in PLAIN_SCALARS or issubclass(kind, np.generic):
            inputs.values[name] = value  # immutable
        elif issubclass(kind, RANDOM_STATES):
            try:
                inputs.values[name] = copy.deepcopy(value)  # the state before the cell's draws
            except Exception:
                inputs.missing[name] = f"{name} (a random generator) could not be copied"
        elif name in changed and kind in (list, dict, tuple, set):
            if plain_data(value, [MAX_PLAIN_ITEMS]):
                inputs.values[name] = copy.deepcopy(value)
            else:
                inputs.missing[name] = (f"{name} holds objects whose copy could run user code, "
                                        "or too many items")
        elif inert(value):
            inputs.weak[name] = Unchanged(namespace, name, value)  # modules, functions, ...
        elif hasattr(kind, "__next__"):
            inputs.missing[name] = (f"{name} is an iterator; running code on it again would "
                                    "consume it")
        else:
            inputs.missing[name] = (f"{name} is an object whose use could run user code; the "
                                    "verifier leaves it alone")
    return inputs
