"""The arrays inventory: NumPy arrays bound to names after a cell, with view and layout facts.

Which names count: those the cell bound anew or rebound (compared with fingerprints taken before
the cell; a buffer the cell allocated marks its array new even if its ``id`` was recycled).  Names
starting with an underscore are IPython's output cache and private helpers, and are left out.

Bounded in the namespace's size: a cell costs one cheap pass over the namespace (a type test and
an ``id`` per array, no attribute read), and only the names the cell's text mentions (or whose
object changed) are fingerprinted fully; the named base of a view is looked up among the arrays
on the same buffer (an index by owning buffer, with an interval prefilter), never by a pairwise
scan of the namespace.
"""

from __future__ import annotations

import ast
import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from arrayprof.layout_model import (
    MAX_CELLS,
    LayoutModel,
    array_layout_model,
    row_length,
    span_of,
)
from arrayprof.report import ArrayInfo
from arrayprof.tracker import layout

# Calls through which a cell can rebind or change any global without naming it: with one of these
# in the cell every array name is fingerprinted fully.
OPAQUE_CALLS = frozenset({"globals", "vars", "locals", "exec", "eval", "get_ipython",
                          "__import__", "setattr", "delattr"})


class NameSnapshot(dict):  # type: ignore[type-arg]
    """Fingerprints of the arrays bound before a cell: name -> fingerprint for the names the cell
    mentions (all of them when `mentioned` is None), and `ids`, name -> ``id`` of every public
    array (a cheap test that the name still denotes the same object).  A plain ``{}`` is an empty
    snapshot (every array is new)."""

    def __init__(self, full: dict[str, Any] | None = None, ids: dict[str, int] | None = None,
                 mentioned: frozenset[str] | None = None) -> None:
        super().__init__(full or {})
        self.ids: dict[str, int] = ids or {}
        self.mentioned = mentioned


def fingerprint(array: np.ndarray) -> tuple[Any, ...]:
    """What identifies an array without holding a reference to it: no strong reference (it would
    keep buffers alive that the cell frees, and falsify freed_bytes and the peak) and no weak one
    either (NumPy refuses ``a.resize(...)`` on an array that has weak references)."""
    return (id(array), type(array), array.__array_interface__["data"][0], array.shape,
            array.strides, array.dtype)


def mentioned_names(tree: ast.AST | None) -> frozenset[str] | None:
    """Every name the cell's text can reach an array by: names read, bound or deleted anywhere
    (function bodies included), ``global`` declarations, imports.  None when the cell calls
    something that reaches globals without naming them (``globals()``, ``exec``, magics)."""
    if tree is None:
        return None
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            found.update(node.names)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.add(node.name)
        elif isinstance(node, ast.alias):
            found.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            return None
        elif isinstance(node, ast.Attribute) and node.attr == "__dict__":
            return None
        elif isinstance(node, ast.Constant) and node.value == "__main__":
            return None
    if found & OPAQUE_CALLS:
        return None
    return frozenset(found)


def _array_ids(namespace: dict[str, Any]) -> dict[str, int]:
    """name -> id of every public array: one type test per value (never ``isinstance``, see
    `snapshot_names`), no attribute read.  Iterates a shallow copy (safe if another thread binds
    names meanwhile) without a tuple per item: 10^6 tuples would set off collections of the
    user's whole heap."""
    ndarray = np.ndarray
    return {name: id(value) for name, value in dict(namespace).items()
            if issubclass(type(value), ndarray) and not name.startswith("_")}


def snapshot_names(namespace: dict[str, Any], tree: ast.AST | None = None) -> NameSnapshot:
    """Fingerprints of the arrays bound before the cell.  Arrays are told by their type, never
    by ``isinstance``: that reads ``__class__``, a property on lazy proxies, whose first read
    loads what they wrap (Django's SimpleLazyObject, lazy-object-proxy).

    With the cell's `tree`, only the names it mentions are fingerprinted (the rest get an ``id``):
    a cell among 10^6 arrays costs one cheap pass, not 10^6 fingerprints.  Without a tree
    (a syntax error) every array is fingerprinted."""
    ids = _array_ids(namespace)
    mentioned = mentioned_names(tree)
    if mentioned is None:
        wanted: Iterable[str] = ids
    else:
        wanted = mentioned & ids.keys() if len(mentioned) < len(ids) else \
            [n for n in ids if n in mentioned]
    full = {name: fingerprint(namespace[name]) for name in wanted}
    return NameSnapshot(full, ids, mentioned)


def is_public_name(name: str) -> bool:
    return not name.startswith("_")


def new_or_rebound(namespace: dict[str, Any], before: dict[str, Any],
                   allocated: dict[int, Any] | None = None) -> list[str]:
    """Public array names bound anew or rebound by the cell.  `allocated`: buffers the cell
    allocated that are still alive (by address); an array on one of them is new, even where a
    freed array's ``id`` was recycled for it.

    A name the cell's text does not mention and that still denotes the same object (by ``id``)
    is not inspected further: only code the cell calls but does not contain (a function of an
    earlier cell resizing a global in place) could have changed it, and that is not looked for."""
    ids = getattr(before, "ids", None)
    mentioned = getattr(before, "mentioned", None)
    now = _array_ids(namespace)
    if ids is not None and mentioned is not None:
        # a name the cell does not mention, still on the same object: not inspected further
        check = [n for n, i in now.items() if n in mentioned or ids.get(n) != i or n in before]
    else:
        check = list(now)
    names = []
    for name in check:
        value = namespace.get(name)
        if not issubclass(type(value), np.ndarray):
            continue
        old = before.get(name)
        if old is None or old != fingerprint(value) or (allocated and _on_buffer_of(value,
                                                                                 allocated)):
            names.append(name)
    return names


def _on_buffer_of(array: np.ndarray, allocated: dict[int, Any]) -> bool:
    owner = owner_of(array)[0]
    return isinstance(owner, np.ndarray) and owner.__array_interface__["data"][0] in allocated


@dataclass
class Bindings:
    """Cell lines that bind each top-level name: plainly (`x = ...`, loops, `with ... as x`) or by
    augmented assignment (`x += 1`, which keeps an array's identity)."""

    plain: dict[str, set[int]] = field(default_factory=dict)
    augmented: dict[str, set[int]] = field(default_factory=dict)


def binding_lines(tree: ast.AST | None) -> Bindings:
    """Where the cell binds each top-level name.  Only names themselves count as bound: in
    `w[::2] = 0` or `obj.attr = v`, `w` and `obj` are used, not rebound."""
    found = Bindings()
    if tree is not None:
        _Binder(found).visit(tree)
    return found


def _bind(target: ast.AST, lineno: int, into: dict[str, set[int]]) -> None:
    if isinstance(target, ast.Name):
        into.setdefault(target.id, set()).add(lineno)
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            _bind(element, lineno, into)
    elif isinstance(target, ast.Starred):
        _bind(target.value, lineno, into)


class _Binder(ast.NodeVisitor):
    """`binding_lines`' visitor.  At module level, not defined per call: a class or a recursive
    closure made per cell is cyclic garbage, which would move the user's garbage collections."""

    def __init__(self, found: Bindings) -> None:
        self.found = found

    def visit_FunctionDef(self, node: ast.AST) -> None:  # names inside functions are local
        self.found.plain.setdefault(node.name, set()).add(node.lineno)  # type: ignore[attr-defined]

    visit_AsyncFunctionDef = visit_ClassDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        return None

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            _bind(target, node.lineno, self.found.plain)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        _bind(node.target, node.lineno, self.found.augmented)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            _bind(node.target, node.lineno, self.found.plain)
        self.generic_visit(node)

    def visit_For(self, node: ast.For) -> None:
        _bind(node.target, node.lineno, self.found.plain)
        self.generic_visit(node)

    visit_AsyncFor = visit_For

    def visit_withitem(self, node: ast.withitem) -> None:
        if node.optional_vars is not None:
            _bind(node.optional_vars, node.context_expr.lineno, self.found.plain)
        self.generic_visit(node)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        _bind(node.target, node.lineno, self.found.plain)
        self.generic_visit(node)


def creation_line(name: str, array: np.ndarray, owner: Any, bindings: Bindings,
                  live_lines: dict[int, tuple[int, int]]) -> int | None:
    """The cell line that created the array bound to `name`.

    An array that owns a buffer the cell allocated on a line binding that name was created there
    (`v = np.arange(3); v *= 2` -> line 1; `s = 0; s += a` -> line 2).  Otherwise the last plain
    binding (`x = x[::2]` -> that line), then the last augmented one, then the line that
    allocated the buffer (names bound inside functions: `global z`)."""
    plain = bindings.plain.get(name, set())
    augmented = bindings.augmented.get(name, set())
    allocated = None
    if isinstance(owner, np.ndarray):
        entry = live_lines.get(owner.__array_interface__["data"][0])
        allocated = entry[0] if entry and entry[0] > 0 else None
    if array.base is None and allocated is not None and allocated in plain | augmented:
        return allocated
    if plain:
        return max(plain)
    if augmented:
        return max(augmented)
    return allocated


def owner_of(array: np.ndarray) -> tuple[Any, int]:
    """The object that owns the memory behind `array`, and the bytes of that buffer."""
    owner: Any = array
    while True:
        if isinstance(owner, np.ndarray) and owner.base is not None:
            owner = owner.base
        elif (not isinstance(owner, np.ndarray) and hasattr(owner, "__array_interface__")
              and getattr(owner, "base", None) is not None):
            owner = owner.base  # as_strided / sliding_window_view wrap their source like this
        else:
            break
    if isinstance(owner, np.ndarray):
        return owner, int(owner.nbytes)
    try:
        return owner, int(memoryview(owner).nbytes)
    except TypeError:
        return owner, int(array.nbytes)


def byte_interval(array: np.ndarray) -> tuple[int, int]:
    """[low, high) addresses `array` can touch, from its shape and strides alone (no element walk:
    this runs for every pair of arrays on a buffer, and a walk costs milliseconds on big views)."""
    address = array.__array_interface__["data"][0]
    if array.size == 0:
        return address, address
    low = sum((n - 1) * s for n, s in zip(array.shape, array.strides, strict=True) if s < 0)
    high = sum((n - 1) * s for n, s in zip(array.shape, array.strides, strict=True) if s > 0)
    return address + low, address + high + array.itemsize


def holds_address(array: np.ndarray, address: int) -> bool:
    """Is `address` the first byte of one of `array`'s elements?  Exact for up to two dimensions
    (one modular check per row of the shorter axis); arrays of more dimensions are assumed to."""
    offset = address - array.__array_interface__["data"][0]
    shape, strides = array.shape, array.strides
    if array.ndim == 0:
        return offset == 0
    if array.ndim == 1:
        (n,), (s,) = shape, strides
        if s == 0:
            return offset == 0
        return offset % s == 0 and 0 <= offset // s < n
    if array.ndim == 2:
        (n0, n1), (s0, s1) = shape, strides
        return _solves_2d(offset, n0, s0, n1, s1)
    return True


def _extended_gcd(a: int, b: int) -> tuple[int, int, int]:
    """(g, x, y) with a*x + b*y = g = gcd(a, b) >= 0."""
    x0, y0, x1, y1 = 1, 0, 0, 1
    while b:
        q, a, b = a // b, b, a % b
        x0, x1 = x1, x0 - q * x1
        y0, y1 = y1, y0 - q * y1
    if a < 0:
        a, x0, y0 = -a, -x0, -y0
    return a, x0, y0


def _k_range(c: int, d: int, lo: int, hi: int) -> tuple[int, int]:
    """The integers k with lo <= c + k*d <= hi (d != 0), as an inclusive range."""
    if d > 0:
        return -((c - lo) // d), (hi - c) // d
    return -((hi - c) // -d), (c - lo) // -d


def _solves_2d(offset: int, n0: int, s0: int, n1: int, s1: int) -> bool:
    """Whether i*s0 + j*s1 == offset for some 0 <= i < n0, 0 <= j < n1: in closed form (one
    extended gcd), so a view of any shape, 10^9 rows or zero strides, costs the same."""
    if n0 <= 0 or n1 <= 0:
        return False
    if s0 == 0 and s1 == 0:
        return offset == 0
    if s0 == 0 or s1 == 0:
        n, s = (n1, s1) if s0 == 0 else (n0, s0)
        return offset % s == 0 and 0 <= offset // s < n
    g, x, y = _extended_gcd(s0, s1)
    if offset % g:
        return False
    m = offset // g
    # every solution: i = x*m + k*(s1/g), j = y*m - k*(s0/g)
    lo_i, hi_i = _k_range(x * m, s1 // g, 0, n0 - 1)
    lo_j, hi_j = _k_range(y * m, -(s0 // g), 0, n1 - 1)
    return max(lo_i, lo_j) <= min(hi_i, hi_j)


def corner_addresses(array: np.ndarray) -> list[int]:
    """The first element, the last, and one step along each axis: enough to tell whether another
    array's element grid holds this one."""
    start = array.__array_interface__["data"][0]
    corners = {start, start + sum((n - 1) * s for n, s in zip(array.shape, array.strides,
                                                                 strict=True))}
    corners.update(start + s for n, s in zip(array.shape, array.strides, strict=True) if n > 1)
    return sorted(corners)


def _named_base(name: str, array: np.ndarray, owner: Any, candidates: dict[str, np.ndarray],
                owners: dict[str, Any], born: dict[str, int] | None = None) -> str | None:
    """The smallest other named array on the same buffer whose span contains this one's.

    Broadcast and overlapping views (zero strides, sliding windows) repeat elements, so they are
    taken as a base only when no plain array fits: `w = sliding_window_view(a[0], 3)` is a view of
    `a`, not of some `z = np.broadcast_to(a[0], ...)` that happens to span the same bytes.
    An array cannot derive from one the cell made after it (`born`: the cell line that bound each
    name, 0 for names older than the cell): in `a = np.arange(6).reshape(2, 3); e = a[..., None]`,
    `a` is a view of the unnamed arange, not of `e`.
    A strided candidate must hold this array's elements, not only span them: `w = p[1000:2000]`
    is not a view of `e = p[::2]`, whose span contains it.
    """
    group = BufferGroup([n for n in candidates if owners[n] is owner], candidates)
    return group.base_of(name, array, born or {})


class BufferGroup:
    """The named arrays on one buffer, with their byte intervals and ranking keys in arrays, so
    that finding the base of one of them is a vectorised interval test over the group, then exact
    checks of the containing candidates best first, stopping at the first rank that passes: one
    click or one cell never costs a pairwise scan, even with 10^5 views of one buffer."""

    def __init__(self, names: list[str], arrays: dict[str, np.ndarray]) -> None:
        self.names = names
        self.arrays = [arrays[n] for n in names]
        self.intervals = [byte_interval(a) for a in self.arrays]
        # float64 for the prefilter and the ranking only; exact ints decide containment
        self.lows = np.array([lo for lo, _ in self.intervals], dtype=np.float64)
        self.highs = np.array([hi for _, hi in self.intervals], dtype=np.float64)
        spans = [hi - lo for lo, hi in self.intervals]
        self.spans = np.array(spans, dtype=np.float64)
        self.repeats = np.array([1 if a.nbytes > span else 0
                                 for a, span in zip(self.arrays, spans, strict=True)],
                                dtype=np.int8)
        self.views = np.array([0 if a.base is None else 1 for a in self.arrays], dtype=np.int8)
        # the whole group best first, once: no repeated elements, smallest span, owning its
        # data, then by name (the order `_named_base` always ranked candidates in)
        self.order = np.lexsort((np.array(names, dtype=object).astype(str) if names else
                                 np.array([], dtype=str), self.views, self.spans, self.repeats))

    def base_of(self, name: str, array: np.ndarray, born: dict[str, int] | Any) -> str | None:
        if array.size == 0 or not self.names:
            return None
        low, high = byte_interval(array)
        order = self.order
        inside = order[(self.lows[order] <= float(low)) & (self.highs[order] >= float(high))]
        own_birth = born.get(name)
        corners: list[int] | None = None
        for i in inside.tolist():  # best first: the first that passes the exact checks wins
            other_name, other = self.names[i], self.arrays[i]
            if other_name == name or other is array:
                continue
            other_low, other_high = self.intervals[i]
            if not (other_low <= low and high <= other_high):
                continue
            other_birth = born.get(other_name)
            if own_birth is not None and other_birth is not None and other_birth > own_birth:
                continue
            gapless = other.flags.c_contiguous or other.flags.f_contiguous
            if not gapless and other.itemsize == array.itemsize:
                if corners is None:
                    corners = corner_addresses(array)
                if not all(holds_address(other, c) for c in corners):
                    continue
            return other_name
        return None


class OwnerIndex:
    """The public named arrays of a namespace grouped by the buffer that owns their memory, built
    in one pass when a view's base is first asked for (`owner_of` runs for views only: an array
    owning its data is its own owner).  Holds references only while a report is built."""

    def __init__(self, namespace: dict[str, Any],
                 arrays: dict[str, np.ndarray] | None = None) -> None:
        self.namespace = namespace
        self._arrays = arrays
        self._by_owner: dict[int, list[str]] | None = None
        self._owner_bytes: dict[int, int] = {}
        self._groups: dict[int, BufferGroup] = {}
        self._columns: tuple[list[str], list[Any], list[Any], dict[int, int]] | None = None

    @property
    def arrays(self) -> dict[str, np.ndarray]:
        if self._arrays is None:
            self._arrays = public_arrays(self.namespace)
        return self._arrays

    def names_on(self, owner: Any) -> list[str]:
        """Names of the arrays on `owner`'s buffer.  Without the full index (the panel's list
        builds it), one identity test per array: NumPy collapses a view's ``base`` to the array
        owning the data, so ``v.base is owner`` decides all but views of non-array buffers or
        of arrays that do not own theirs, which are walked to their owner once."""
        if self._by_owner is not None:
            return self._by_owner.get(id(owner), [])
        if self._columns is None:
            names = list(self.arrays)
            values = list(self.arrays.values())
            bases = [v.base for v in values]
            ndarray = np.ndarray
            deep = {i: id(owner_of(values[i])[0]) for i, b in enumerate(bases)
                    if b is not None and (not isinstance(b, ndarray) or b.base is not None)}
            self._columns = (names, values, bases, deep)
        names, values, bases, deep = self._columns
        key = id(owner)
        return [n for i, (n, v, b) in enumerate(zip(names, values, bases, strict=True))
                if (v is owner if b is None else b is owner if i not in deep else
                    deep[i] == key)]

    def by_owner(self) -> dict[int, list[str]]:
        """id of each owning buffer -> the names on it, in namespace order (one pass)."""
        if self._by_owner is None:
            by_owner: dict[int, list[str]] = {}
            owner_bytes = self._owner_bytes
            ndarray = np.ndarray
            for n, v in self.arrays.items():
                base = v.base
                if base is None:
                    key = id(v)
                    if key not in by_owner:
                        by_owner[key] = []
                        owner_bytes[key] = v.nbytes
                    by_owner[key].append(n)
                    continue
                while isinstance(base, ndarray) and base.base is not None:  # `owner_of`, inlined
                    base = base.base
                nbytes = None
                if not isinstance(base, ndarray):  # as_strided's wrapper, bytes, mmap: walk
                    base, nbytes = owner_of(v)
                key = id(base)
                if key not in by_owner:
                    by_owner[key] = []
                    owner_bytes[key] = base.nbytes if nbytes is None else nbytes
                by_owner[key].append(n)
            self._by_owner = by_owner
        return self._by_owner

    def buffer_bytes(self) -> int:
        """Bytes of the distinct buffers the arrays own or keep alive, each counted once."""
        self.by_owner()
        return int(sum(self._owner_bytes.values()))

    def group(self, owner: Any) -> BufferGroup:
        key = id(owner)
        if key not in self._groups:
            self._groups[key] = BufferGroup(self.names_on(owner), self.arrays)
        return self._groups[key]


def offset_in_owner(array: np.ndarray, owner: Any) -> int | None:
    """Bytes from the start of the owning buffer to element 0 (not the lowest byte when a stride
    is negative); None when the owner's address is not known (bytes, mmap objects)."""
    interface = getattr(owner, "__array_interface__", None)
    if not isinstance(interface, dict) or "data" not in interface:
        return None
    return int(array.__array_interface__["data"][0] - interface["data"][0])


def describe_array(name: str, array: np.ndarray, lineno: int | None, base: str | None,
                   base_nbytes: int, offset_bytes: int | None = None) -> ArrayInfo:
    facts = layout(array)
    # None only for more dimensions than the native build knows: then the span NumPy's shape
    # and strides imply, computed in Python integers, and no cache-line count
    span_bytes = facts["span_bytes"]
    span = int(span_bytes) if span_bytes is not None else _span_in_python(array)
    nbytes = int(array.nbytes)
    return ArrayInfo(
        name=name,
        shape=[int(n) for n in array.shape],
        dtype=str(array.dtype),
        strides=[int(s) for s in array.strides],
        nbytes=nbytes,
        itemsize=int(array.itemsize),
        lineno=lineno,
        is_view=array.base is not None,
        base=base,
        base_nbytes=base_nbytes,
        c_contiguous=bool(array.flags.c_contiguous),
        f_contiguous=bool(array.flags.f_contiguous),
        writeable=bool(array.flags.writeable),
        span_bytes=span,
        utilization=(nbytes / span) if span else 1.0,
        cache_lines=int(facts["cache_lines"] or 0),
        offset_bytes=offset_bytes,
        cache_lines_exact=bool(facts["cache_lines_exact"]),
    )


def live_array_info(name: str, array: np.ndarray, base: str | None = None) -> ArrayInfo:
    """The ArrayInfo a report would hold for a live array (its facts the native inspector's),
    without a cell: for the panel's detail and ``explain``."""
    owner, owner_bytes = owner_of(array)
    return describe_array(name, array, None, base, owner_bytes, offset_in_owner(array, owner))


def live_layout_model(name: str, array: np.ndarray, base_name: str | None = None,
                      base: np.ndarray | None = None, max_cells: int = MAX_CELLS) -> LayoutModel:
    """The layout model of a live array, built exactly as the report's renderers build it
    (``layout_model.array_layout_model`` of its ArrayInfo, rows from its named `base`): the panel
    and ``explain`` draw the same cells as the widget and the HTML."""
    info = live_array_info(name, array, base_name)
    base_info = live_array_info(base_name or "", base) if base is not None else None
    return array_layout_model(info, row_length(info, (base_info, info)), max_cells)


class _Born:
    """`_named_base`'s `born` without a dict of the whole namespace: the creation line of the
    names the cell made, 0 (older than the cell) for every other name."""

    def __init__(self, made_here: set[str], lines: dict[str, int | None]) -> None:
        self.made_here, self.lines = made_here, lines

    def get(self, name: str) -> int | None:
        return self.lines.get(name) if name in self.made_here else 0


def public_arrays(namespace: dict[str, Any]) -> dict[str, np.ndarray]:
    """Public names bound to arrays (told by type, see `snapshot_names`)."""
    ndarray = np.ndarray
    return {n: v for n, v in dict(namespace).items()
            if issubclass(type(v), ndarray) and not n.startswith("_")}


def _span_in_python(array: np.ndarray) -> int:
    low, high = span_of(array.shape, array.strides, array.itemsize)
    return high - low


def build_inventory(namespace: dict[str, Any], names: list[str], tree: ast.AST | None,
                    live_lines: dict[int, tuple[int, int]],
                    candidates: dict[str, np.ndarray] | None = None,
                    index: OwnerIndex | None = None) -> list[ArrayInfo]:
    """ArrayInfo for each of `names`; `live_lines` maps buffers the cell allocated to their line.
    Costs one pass over the namespace plus work for `names` and the arrays sharing their buffers
    (`candidates`/`index` let a caller that already has them pass them in)."""
    if index is None:
        index = OwnerIndex(namespace, candidates)
    if candidates is None:  # the namespace is scanned only if a view's base is looked for
        candidates = {n: namespace[n] for n in names}
    owners: dict[str, Any] = {}
    owner_bytes: dict[str, int] = {}
    for n in names:
        owners[n], owner_bytes[n] = owner_of(candidates[n])
    bindings = binding_lines(tree)
    made_here = set(names) if tree is not None else set()
    linenos: dict[str, int | None] = {}
    for name in names:
        linenos[name] = creation_line(name, candidates[name], owners[name], bindings, live_lines)
    born = _Born(made_here, {n: line for n, line in linenos.items() if line is not None})
    infos = []
    for name in names:
        array = candidates[name]
        owner = owners[name]
        base = (index.group(owner).base_of(name, array, born)
                if array.base is not None else None)
        infos.append(describe_array(name, array, linenos[name], base, owner_bytes[name],
                                    offset_in_owner(array, owner)))
    return infos


def largest_names(arrays: dict[str, np.ndarray], count: int) -> list[str]:
    """The `count` largest arrays by bytes (ties by name), without sorting the whole namespace:
    a partition of their sizes, then a sort of the few that can make the cut."""
    if len(arrays) <= count:
        return [n for _, n in sorted((-int(v.nbytes), n) for n, v in arrays.items())]
    names = list(arrays)
    sizes = np.fromiter((v.nbytes for v in arrays.values()), dtype=np.int64, count=len(names))
    cut = np.partition(sizes, len(sizes) - count)[len(sizes) - count]  # the count-th largest
    near = np.flatnonzero(sizes >= cut).tolist()
    return [n for _, n in heapq.nsmallest(count, ((-int(sizes[i]), names[i]) for i in near))]


def namespace_inventory(namespace: dict[str, Any], limit: int | None = None) -> list[ArrayInfo]:
    """Every public array in a namespace (not only those a cell made), for live views; with
    `limit`, only that many of the largest (the rest are not described at all)."""
    candidates = public_arrays(namespace)
    names = list(candidates) if limit is None else largest_names(candidates, limit)
    return build_inventory(namespace, names, None, {}, candidates)
