"""The arrays inventory: NumPy arrays bound to names after a cell, with view and layout facts.

Which names count: those the cell bound anew or rebound (compared with fingerprints taken before
the cell; a buffer the cell allocated marks its array new even if its ``id`` was recycled).  Names
starting with an underscore are IPython's output cache and private helpers, and are left out.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from arrayprof.report import ArrayInfo
from arrayprof.tracker import layout

NameSnapshot = dict[str, Any]  # name -> fingerprint of the array bound before the cell


def fingerprint(array: np.ndarray) -> tuple[Any, ...]:
    """What identifies an array without holding a reference to it: no strong reference (it would
    keep buffers alive that the cell frees, and falsify freed_bytes and the peak) and no weak one
    either (NumPy refuses ``a.resize(...)`` on an array that has weak references)."""
    return (id(array), type(array), array.__array_interface__["data"][0], array.shape,
            array.strides, array.dtype)


def snapshot_names(namespace: dict[str, Any]) -> NameSnapshot:
    """Fingerprints of every array bound before the cell.  Arrays are told by their type, never
    by ``isinstance``: that reads ``__class__``, a property on lazy proxies, whose first read
    loads what they wrap (Django's SimpleLazyObject, lazy-object-proxy)."""
    return {name: fingerprint(value) for name, value in list(namespace.items())
            if issubclass(type(value), np.ndarray)}


def is_public_name(name: str) -> bool:
    return not name.startswith("_")


def new_or_rebound(namespace: dict[str, Any], before: NameSnapshot,
                   allocated: dict[int, Any] | None = None) -> list[str]:
    """Public array names bound anew or rebound by the cell.  `allocated`: buffers the cell
    allocated that are still alive (by address); an array on one of them is new, even where a
    freed array's ``id`` was recycled for it."""
    names = []
    for name, value in list(namespace.items()):
        if not issubclass(type(value), np.ndarray) or not is_public_name(name):
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
        order = sorted(range(2), key=lambda k: shape[k])  # walk the shorter axis
        (n0, n1), (s0, s1) = (shape[k] for k in order), (strides[k] for k in order)
        rest = offset - np.arange(n0, dtype=np.int64) * s0
        if s1 == 0:
            return bool(np.any(rest == 0))
        return bool(np.any((rest % s1 == 0) & (rest // s1 >= 0) & (rest // s1 < n1)))
    return True


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
    if array.size == 0:
        return None
    low, high = byte_interval(array)
    corners = corner_addresses(array)
    born = born or {}
    own_birth = born.get(name)
    best: tuple[int, int, int, str] | None = None
    for other_name, other in candidates.items():
        if other_name == name or other is array or owners[other_name] is not owner:
            continue
        other_birth = born.get(other_name)
        if own_birth is not None and other_birth is not None and other_birth > own_birth:
            continue
        other_low, other_high = byte_interval(other)
        if other_low <= low and high <= other_high:
            span = other_high - other_low
            gapless = other.flags.c_contiguous or other.flags.f_contiguous
            if not gapless and other.itemsize == array.itemsize and \
                    not all(holds_address(other, c) for c in corners):
                continue
            repeats = 1 if other.nbytes > span else 0
            key = (repeats, span, 0 if other.base is None else 1, other_name)
            if best is None or key < best:
                best = key
    return best[3] if best else None


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


def _span_in_python(array: np.ndarray) -> int:
    if array.size == 0:
        return 0
    return sum(abs((n - 1) * s) for n, s in zip(array.shape, array.strides, strict=True)) + \
        array.itemsize


def build_inventory(namespace: dict[str, Any], names: list[str], tree: ast.AST | None,
                    live_lines: dict[int, tuple[int, int]]) -> list[ArrayInfo]:
    """ArrayInfo for each of `names`; `live_lines` maps buffers the cell allocated to their line."""
    candidates = {n: v for n, v in list(namespace.items())
                  if issubclass(type(v), np.ndarray) and is_public_name(n)}
    owners: dict[str, Any] = {}
    owner_bytes: dict[str, int] = {}
    for n, v in candidates.items():
        owners[n], owner_bytes[n] = owner_of(v)
    bindings = binding_lines(tree)
    made_here = set(names) if tree is not None else set()
    born = {n: 0 for n in candidates if n not in made_here}  # older than the cell
    linenos: dict[str, int | None] = {}
    for name in names:
        lineno = creation_line(name, candidates[name], owners[name], bindings, live_lines)
        linenos[name] = lineno
        if name in made_here and lineno is not None:
            born[name] = lineno
    infos = []
    for name in names:
        array = candidates[name]
        owner = owners[name]
        base = (_named_base(name, array, owner, candidates, owners, born)
                if array.base is not None else None)
        infos.append(describe_array(name, array, linenos[name], base, owner_bytes[name],
                                    offset_in_owner(array, owner)))
    return infos


def namespace_inventory(namespace: dict[str, Any]) -> list[ArrayInfo]:
    """Every public array in a namespace (not only those a cell made), for live views."""
    names = [n for n, v in list(namespace.items())
             if issubclass(type(v), np.ndarray) and is_public_name(n)]
    return build_inventory(namespace, names, None, {})
