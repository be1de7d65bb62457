"""Plain-words explanations of one array's memory layout, and of how two shapes broadcast.

Facts come from the strided inspector and the inventory (which named array it is a view of), so
the words always match the report.
"""

from __future__ import annotations

import ast
from typing import Any

import numpy as np

from arrayprof import inventory
from arrayprof.layout_model import LayoutModel, layout_model
from arrayprof.tracker import layout
from arrayprof.units import human_bytes

DIAGRAM_MAX_ELEMENTS = 64


def ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _step_words(stride: int, unit: int, noun: str, plural: str) -> str:
    """'every 2nd float32', 'every float32', 'every float32, backwards', 'the same float32'."""
    if stride == 0:
        return f"the same {noun} repeated"
    step, remainder = divmod(abs(stride), unit)
    if remainder:
        return f"{plural} {abs(stride)} bytes apart" + (", backwards" if stride < 0 else "")
    words = f"every {noun}" if step == 1 else f"every {ordinal(step)} {noun}"
    return words + (", backwards" if stride < 0 else "")


def describe_layout(array: np.ndarray, base: np.ndarray | None = None) -> str:
    """A short phrase: 'every 2nd float32 of every 2nd row; rows 32 bytes apart'."""
    dtype = str(array.dtype)
    if array.ndim == 0:
        return f"a single {dtype}"
    if array.ndim == 1:
        if array.flags.c_contiguous:
            return f"{array.shape[0]:,} consecutive {dtype}s"
        return _step_words(array.strides[0], array.itemsize, dtype, f"{dtype}s")
    inner = array.strides[-1]
    inner_words = (f"consecutive {dtype}s" if inner == array.itemsize
                   else _step_words(inner, array.itemsize, dtype, f"{dtype}s"))
    outer = array.strides[-2]
    row_bytes = None
    if base is not None and base.ndim >= 2 and base.strides[-2] != 0:
        row_bytes = abs(base.strides[-2])
    elif array.flags.c_contiguous or abs(outer) == array.shape[-1] * abs(inner):
        row_bytes = abs(outer)
    if outer == 0:
        rows = "the same row repeated"
    elif row_bytes and abs(outer) % row_bytes == 0:
        rows = _step_words(outer, row_bytes, "row", "rows")
    else:
        rows = f"rows {abs(outer)} bytes apart"
    text = f"{inner_words} of {rows}"
    if outer != 0 and "bytes apart" not in rows:
        text += f"; rows {abs(outer)} bytes apart"
    if array.ndim > 2:
        text += f" (and {array.ndim - 2} outer dimension{'s' if array.ndim > 3 else ''})"
    if array.flags.f_contiguous and not array.flags.c_contiguous:
        text += "; column-major (Fortran) order, as after a transpose"
    return text


def touched_elements(array: np.ndarray, owner: np.ndarray, limit: int = 4096) -> list[int] | None:
    """Indices (in the owner's flat buffer, in units of the owner's itemsize) the array touches,
    read off the one layout model; None when its buffer has more than `limit` cells or the array
    reaches outside it (a broadcast or hostile view of a small owner can have 10^9 elements: the
    model's work is bounded by its cells)."""
    if array.size == 0:
        return []
    start = array.__array_interface__["data"][0] - owner.__array_interface__["data"][0]
    model = layout_model(list(array.shape), list(array.strides), array.itemsize, limit,
                         offset=start, buffer_bytes=owner.nbytes)
    if not model.in_buffer or model.n_cells < model.total_cells:
        return None
    return sorted({cell * model.unit // owner.itemsize for cell in model.buffer_touched})


def diagram(model: LayoutModel) -> list[str]:
    """The model's cells as text, '#' where the array reads, '.' elsewhere, in the model's rows
    (the same cells and rows the panel, the widget and the HTML draw)."""
    cells = ["#" if h else "." for h in model.hits]
    width = max(model.row_cells, 1)
    return ["  " + " ".join(cells[i:i + width]) for i in range(0, len(cells), width)]


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}" + ("" if count == 1 else "s")


def shape_words(array: np.ndarray) -> str:
    """'a 1-D array of 3,000 float64 (8 bytes each)', 'a 2-D array of 4 x 4 = 16 float32 (4 bytes
    each)', 'a 0-D array holding one int64 (8 bytes)'."""
    dtype, itemsize = array.dtype, array.itemsize
    if array.ndim == 0:
        return f"a 0-D array holding one {dtype} ({itemsize} bytes)"
    size = f"{array.size:,}" if array.ndim == 1 else \
        " x ".join(f"{n:,}" for n in array.shape) + f" = {array.size:,}"
    return f"a {array.ndim}-D array of {size} {dtype} ({itemsize} bytes each)"


def data_words(nbytes: int) -> str:
    """'32 bytes of data', '24 kB of data (24,000 bytes)': the exact count only where the
    rounded figure hides it."""
    if human_bytes(nbytes) == f"{nbytes} B":
        return f"{nbytes:,} byte{'' if nbytes == 1 else 's'} of data"
    return f"{human_bytes(nbytes)} of data ({nbytes:,} bytes)"


def example_name(name: str | None, namespace: dict[str, Any] | None = None) -> str:
    """How the copy examples write the array: its own name, its expression (bracketed when it
    must be), or a placeholder that is none of the user's names (never a bare ``a``, which may
    be another of their arrays)."""
    if name and name.isidentifier():
        return name
    if name:
        try:
            node = ast.parse(name, mode="eval").body
        except SyntaxError:
            node = None
        if node is not None:
            simple = isinstance(node, ast.Name | ast.Attribute | ast.Subscript | ast.Call)
            return name if simple else f"({name})"
    taken = set(namespace or ())
    candidates = ("arr", "the_array", *(f"arr{i}" for i in range(len(taken) + 1)))
    return next(candidate for candidate in candidates if candidate not in taken)


def copying_operations(array: np.ndarray, name: str = "arr") -> list[str]:
    """Which common operations on this array would copy its data, written with `name` (see
    `example_name`)."""
    a = name
    bare = name[1:-1] if name.startswith("(") and name.endswith(")") else name  # as an argument
    ops = [f"fancy or boolean indexing ({a}[[0, 1]], {a}[{a} > 0])", f"{a}.copy(), np.array({bare})",
           f"{a}.flatten()"]
    try:
        np.reshape(array, -1, copy=False)
        ravel_copies = False
    except (ValueError, TypeError):
        ravel_copies = True
    if ravel_copies:
        ops.append(f"{a}.ravel() and {a}.reshape(-1) (not expressible as a view of this layout)")
    if not array.flags.c_contiguous:
        ops.append(f"np.ascontiguousarray({bare})")
    return ops


def named_base(array: np.ndarray, name: str | None = None,
               namespace: dict[str, Any] | None = None) -> tuple[str | None, np.ndarray | None]:
    """The public array of `namespace` that `array` is a view of (its name and value), if any."""
    if namespace is None or array.base is None:
        return None, None
    owner = inventory.owner_of(array)[0]
    candidates = {n: v for n, v in namespace.items()
                  if isinstance(v, np.ndarray) and inventory.is_public_name(n)}
    owners = {n: inventory.owner_of(v)[0] for n, v in candidates.items()}
    base_name = inventory._named_base(name or "", array, owner, candidates, owners)
    return base_name, candidates.get(base_name) if base_name else None


def explain_model(array: np.ndarray, name: str | None = None,
                  namespace: dict[str, Any] | None = None) -> LayoutModel:
    """The layout model explain's figures and drawing read: the panel's, the widget's and the
    HTML's for the same array and named base (``inventory.live_layout_model``)."""
    base_name, base_array = named_base(array, name, namespace)
    return inventory.live_layout_model(name or "", array, base_name, base_array)


def explain(array: Any, *, name: str | None = None, namespace: dict[str, Any] | None = None) -> str:
    """Plain-words explanation of an array: shape, dtype, strides, view of what, which bytes it
    touches, contiguity and what that means for speed, and which operations would copy it."""
    if not isinstance(array, np.ndarray):
        return f"{name or 'value'} is a {type(array).__name__}, not a NumPy array."
    label = name or "the array"
    lines = [f"{label}: {shape_words(array)}"
             + (f", {data_words(array.nbytes)}." if array.ndim else ".")]
    if array.ndim:
        elements = tuple(s // array.itemsize if s % array.itemsize == 0 else s / array.itemsize
                         for s in array.strides)
        lines.append(f"Strides: {tuple(array.strides)} bytes = {elements} elements; one step "
                     "along each axis moves that far in memory.")
    owner_bytes = inventory.owner_of(array)[1]
    base_name, base_array = named_base(array, name, namespace)
    if array.base is None:
        lines.append("It owns its data (OWNDATA): nothing else keeps its buffer alive.")
    else:
        of = f"a view of {base_name}" if base_name else "a view of an unnamed buffer"
        writes = ("writing to it writes to that buffer" if array.flags.writeable else
                  "it is read-only, so it cannot change that buffer")
        lines.append(f"It is {of}: it owns no data and keeps the whole {human_bytes(owner_bytes)} "
                     f"buffer alive as long as it exists; {writes}.")
    model = inventory.live_layout_model(name or "", array, base_name, base_array)
    lines.append(f"Layout: {describe_layout(array, base_array)}.")
    if array.size and model.in_buffer and model.n_cells == model.total_cells <= DIAGRAM_MAX_ELEMENTS:
        touched = model.buffer_touched
        if model.unit == model.itemsize:
            what, where = "elements", f"flat indices {touched}"
        else:
            what, where = f"{model.unit}-byte cells", f"cells {touched}"
        lines.append(f"It touches {len(touched)} of the {model.total_cells} {what} of its buffer "
                     f"({where}):")
        lines.extend(diagram(model))
    span = model.span_bytes
    lines_text = plural(model.cache_lines or 0, "cache line")
    if not model.cache_lines_exact:
        # past the walk budget of an interleaving layout: an upper bound, said as such
        lines_text = f"at most {lines_text} (an upper bound: this layout was too large to count)"
    fetches = layout(array, index_order=True)["cache_line_fetches_index_order"]
    if array.flags.c_contiguous or array.flags.f_contiguous:
        order = "C (row-major)" if array.flags.c_contiguous else "Fortran (column-major)"
        speed = ("its elements are pointers to Python objects, so every operation goes through "
                 "the interpreter one object at a time" if array.dtype.hasobject else
                 "loops and ufuncs stream through it at full speed")
        lines.append(f"Contiguous in {order} order: {lines_text} of 64 bytes; {speed}.")
    else:
        used = array.nbytes / span if span else 1.0
        lines.append(f"Not contiguous: it spans {span:,} bytes to use {array.nbytes:,} "
                     f"({used:.0%}); its elements sit on {lines_text} "
                     "and a pass in index order fetches "
                     f"{plural(fetches or 0, 'line')}. "
                     "Heavy work on it is slower than on a contiguous copy.")
    example = example_name(name, namespace)
    stands = "" if example in (name, f"({name})") else f" ({example} stands for {label})"
    lines.append(f"Operations that would copy it{stands}: " +
                 "; ".join(copying_operations(array, example)) + ".")
    return "\n".join(lines)


def _shape_of(value: Any) -> tuple[tuple[int, ...], np.dtype]:
    if isinstance(value, np.ndarray):
        return value.shape, value.dtype
    if isinstance(value, tuple) and all(isinstance(n, int) for n in value):
        return value, np.dtype(np.float64)
    array = np.asarray(value)
    return array.shape, array.dtype


def explain_broadcast(a: Any, b: Any, *, names: list[str] | None = None) -> str:
    """NumPy's three broadcasting rules, step by step, for two arrays (or shape tuples)."""
    (shape_a, dtype_a), (shape_b, dtype_b) = _shape_of(a), _shape_of(b)
    name_a, name_b = (names or ["A", "B"])[:2]
    ndim = max(len(shape_a), len(shape_b))
    padded_a = (1,) * (ndim - len(shape_a)) + tuple(shape_a)
    padded_b = (1,) * (ndim - len(shape_b)) + tuple(shape_b)
    lines = [f"{name_a}: shape {tuple(shape_a)}; {name_b}: shape {tuple(shape_b)}.",
             f"Rule 1 (pad with 1s on the left to {ndim} dimensions): "
             f"{name_a} -> {padded_a}, {name_b} -> {padded_b}."]
    result = []
    steps = []
    for axis, (m, n) in enumerate(zip(padded_a, padded_b, strict=True)):
        if m == n:
            steps.append(f"axis {axis}: {m} and {n} match")
            result.append(m)
        elif m == 1:
            steps.append(f"axis {axis}: {name_a} has 1, stretched to {n}")
            result.append(n)
        elif n == 1:
            steps.append(f"axis {axis}: {name_b} has 1, stretched to {m}")
            result.append(m)
        else:
            lines.append("Rule 2 (sizes must match or be 1): " + "; ".join(
                [*steps, f"axis {axis}: {m} and {n} differ and neither is 1"]) + ".")
            lines.append(f"Rule 3: broadcasting fails at axis {axis} ({m} vs {n}); NumPy raises "
                         "'operands could not be broadcast together'.")
            return "\n".join(lines)
    lines.append("Rule 2 (sizes must match or be 1; 1s are stretched): " + "; ".join(steps) + ".")
    dtype = np.result_type(dtype_a, dtype_b)
    size = int(np.prod(result, dtype=np.int64))
    nbytes = size * dtype.itemsize
    biggest = max(int(np.prod(shape_a, dtype=np.int64)) * dtype_a.itemsize,
                  int(np.prod(shape_b, dtype=np.int64)) * dtype_b.itemsize, 1)
    lines.append(f"Rule 3 (result takes the larger size on every axis): {tuple(result)} {dtype}, "
                 f"{human_bytes(nbytes)} ({nbytes / biggest:.3g}x the larger input).")
    return "\n".join(lines)
