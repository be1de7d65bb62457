"""The one layout model of a strided array: which cells of its buffer it touches, in what order,
and the native inspector's facts (span, cache lines) beside them (issue 16, part 1).

Every drawing of an array's memory reads this model and computes no geometry of its own: the
static HTML and the widget (``render/drawing.py``), the JupyterLab panel (the model is sent as
data in the ``array`` message, ``kernel/messages.py``; ``layout.ts`` only draws it) and
``arrayprof.explain`` (its text figures and little text drawing).  The byte facts come from the C
inspector (``tracker.layout``, exact in 128-bit integers for any strides) through the report's
``ArrayInfo``; the cells are computed here once, over a bounded window, in Python integers where
a product of a stride could overflow 64 bits.

Layering: a pure module (NumPy only).  Renderers, the kernel glue and ``explain`` import it; it
imports none of them, nor the tracker.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from arrayprof.report import ArrayInfo, Report

MAX_CELLS = 256  # cells drawn at most: a window into larger extents
MAX_NUMBERED = 100  # elements numbered in visiting order up to this size
MAX_HITS = 2**53  # touches counted per cell at most (exact in the JSON every front end reads)


@dataclass
class LayoutModel:
    """Which cells of a buffer an array's elements touch, as drawn.

    The extent drawn is the owning buffer when the array's offset in it is known (``in_buffer``),
    otherwise the array's own span (its lowest to its highest byte).  It is cut into cells of
    `unit` bytes (the itemsize, or smaller when strides or the offset are not multiples of it);
    `n_cells` cells from `first_cell` on are drawn, `row_cells` per row.  `hits[cell]` counts the
    elements touching a drawn cell: 0 untouched, 1 normal, more for broadcast (stride 0) or
    overlapping views.  For small arrays `order[cell]` is the C-order index of the element that
    starts there (the order a loop over the array visits memory), else None.

    The facts beside the cells (`span_bytes`, `cache_lines`, `cache_lines_exact`) are the native
    inspector's when the model was built from a report's array; `touched_bytes` is exact when the
    whole extent is drawn (every byte of a touched cell is some element's) and None otherwise.
    """

    unit: int
    itemsize: int
    row_cells: int
    n_cells: int
    total_cells: int
    hits: list[int]
    strides: list[int]
    shape: list[int]
    first_cell: int = 0
    in_buffer: bool = False
    order: list[int | None] = field(default_factory=list)
    element0_cell: int | None = None  # drawn cell where element 0 (index (0, ..., 0)) begins
    offset_bytes: int | None = None  # element 0 from the start of the owning buffer, if known
    buffer_bytes: int | None = None  # the owning buffer's bytes, if known
    span_bytes: int = 0  # lowest to highest byte the array can reach
    cache_lines: int | None = None  # distinct 64-byte lines its elements sit on
    cache_lines_exact: bool = True  # False: `cache_lines` is an upper bound
    grid: int | None = None  # row length (elements) asked for: the base's last axis

    @property
    def touched(self) -> list[int]:
        """Indices of drawn cells that some element touches (what a test compares)."""
        return [i for i, h in enumerate(self.hits) if h]

    @property
    def buffer_touched(self) -> list[int]:
        """The touched cells numbered from the start of the drawn extent (buffer or span)."""
        return [self.first_cell + i for i in self.touched]

    @property
    def touched_cells(self) -> int:
        """How many drawn cells some element touches."""
        return sum(1 for h in self.hits if h)

    @property
    def touched_bytes(self) -> int | None:
        """Distinct bytes the elements touch, when the whole extent is drawn; else None."""
        if self.n_cells < self.total_cells:
            return None
        return self.touched_cells * self.unit

    @property
    def element_starts(self) -> list[int]:
        """Drawn cells where an element begins (a subset of `touched` when itemsize > unit)."""
        step = self.itemsize // self.unit
        starts = []
        i = 0
        while i < len(self.hits):
            if self.hits[i]:
                starts.append(i)
                i += step
            else:
                i += 1
        return starts

    def to_dict(self) -> dict[str, Any]:
        """The model as the panel's ``array`` message carries it (docs/comm.schema.json
        ``layout_model``): every field, and the derived counts a drawing shows."""
        data = asdict(self)
        data["touched_cells"] = self.touched_cells
        data["touched_bytes"] = self.touched_bytes
        return data


def span_of(shape: Sequence[int], strides: Sequence[int], itemsize: int) -> tuple[int, int]:
    """(lowest, highest + 1) byte from element 0, in Python integers; (0, 0) when empty.  The
    native inspector computes the same in 128 bits (tests/test_layout_geometry.py compares)."""
    if any(n == 0 for n in shape):
        return 0, 0
    pairs = list(zip(strides, shape, strict=False))
    low = sum(min(0, (n - 1) * s) for s, n in pairs)
    high = sum(max(0, (n - 1) * s) for s, n in pairs) + itemsize
    return low, high


def first_offsets(offset: int, shape: Sequence[int], strides: Sequence[int],
                  limit: int) -> list[int]:
    """Byte offsets of the first `limit` elements in C order, by stepping an odometer: at most
    `limit` steps of at most ``ndim`` carries each, whatever the array's size (nothing is built
    per element of the array), in Python integers (exact for any strides)."""
    size = math.prod(shape)
    if size == 0:
        return []
    ndim = len(shape)
    index = [0] * ndim
    current = offset
    out = []
    for _ in range(min(size, limit)):
        out.append(current)
        axis = ndim - 1
        while axis >= 0:
            index[axis] += 1
            current += strides[axis]
            if index[axis] < shape[axis]:
                break
            current -= strides[axis] * shape[axis]
            index[axis] = 0
            axis -= 1
    return out


def layout_model(shape: list[int], strides: list[int], itemsize: int,
                 max_cells: int = MAX_CELLS, *, offset: int | None = None,
                 buffer_bytes: int | None = None, grid: int | None = None,
                 facts: dict[str, Any] | None = None) -> LayoutModel:
    """Where the array's elements sit, for at most `max_cells` cells.

    `offset` is the byte offset of element 0 in the owning buffer of `buffer_bytes` bytes; with
    both, the whole buffer is the extent (a view such as ``a[1:, 2:]`` is drawn where it really
    sits in ``a``).  Without them the extent is the array's own span.  `grid` is a row length in
    elements (the base's last axis) to line rows of a 2-D buffer up under each other.  `facts`
    are the native inspector's (``span_bytes``, ``cache_lines``, ``cache_lines_exact``), carried
    unchanged.

    Negative strides touch the same set of bytes as their absolute values (the axis is just walked
    backwards), so the set is computed with |stride|; a stride of 0 repeats every element of that
    axis on the same bytes, which is counted in `hits` rather than enumerated.
    """
    itemsize = max(int(itemsize), 1)
    shape = [int(n) for n in shape]
    strides = [int(s) for s in strides]
    size = math.prod(shape) if shape else 1
    pairs = list(zip(strides, shape, strict=False))
    low, high = span_of(shape, strides, itemsize) if size else (0, itemsize)
    unit = itemsize
    for s, n in pairs:
        if s and n > 1:
            unit = math.gcd(unit, abs(s))
    in_buffer = (size > 0 and offset is not None and buffer_bytes is not None
                 and offset + low >= 0 and offset + high <= buffer_bytes)
    if in_buffer:
        assert offset is not None and buffer_bytes is not None
        unit = math.gcd(unit, offset + low) if offset + low else unit
        low_abs = offset + low  # the array's lowest byte within the extent
        extent = buffer_bytes
    else:
        low_abs, extent = 0, high - low
    total_cells = max(-(-extent // unit), 1) if size else 0  # integers: exact past 2^53
    # rows: line a 2-D buffer's rows up under each other
    row_cells = min(32, max(total_cells, 1))
    grid_cells = grid * itemsize // unit if grid and in_buffer else 0
    outer = [abs(s) // unit for s, n in pairs if n > 1 and s]
    if 2 <= grid_cells <= 64 and grid_cells < total_cells:
        row_cells = grid_cells
    elif len(outer) >= 2 and 4 <= max(outer) <= 64 and max(outer) * 2 <= max(total_cells, 1):
        row_cells = max(outer)
    first_cell = 0
    if total_cells > max_cells:  # a window that starts on the row of the array's first byte
        first_cell = (low_abs // unit) // row_cells * row_cells
    n_cells = max(min(max_cells, total_cells - first_cell), 0)
    start_rel = first_cell * unit - low_abs  # the window in bytes from the array's lowest byte
    end_rel = start_rel + n_cells * unit
    offsets = np.zeros(1, dtype=np.int64)
    counts = np.ones(1, dtype=np.int64)
    if size:
        for s, n in sorted(pairs, key=lambda p: -abs(p[0])):
            s = abs(s)
            if n <= 1:
                continue
            if s == 0:
                counts = np.minimum(counts, MAX_HITS // n) * n  # saturates, never wraps
                continue
            # only the steps that stay inside the window, so int64 holds them (s <= end_rel);
            # a stride past the window (up to 2^63) leaves the elements as they are
            count = min(n, max(end_rel, 0) // s + 1)
            if count == 1:
                continue
            steps = np.arange(count, dtype=np.int64) * s
            offsets = (offsets[:, None] + steps[None, :]).ravel()
            counts = np.repeat(counts, len(steps))
            inside = offsets < end_rel
            offsets, counts = offsets[inside], counts[inside]
            if len(offsets) > max(end_rel, 0) // unit + 1:
                # overlapping axes (as_strided, sliding windows) reach the same bytes many
                # times: merge them with their counts, so the work is bounded by the window's
                # cells and not by the number of combinations (2^40 for 40 axes of 2)
                offsets, where = np.unique(offsets, return_inverse=True)
                merged = np.bincount(where.ravel(), weights=counts.astype(np.float64))
                counts = np.minimum(merged, float(MAX_HITS)).astype(np.int64)
    else:
        offsets, counts = offsets[:0], counts[:0]
    hits = np.zeros(n_cells, dtype=np.int64)
    for k in range(itemsize // unit):
        cells = (low_abs + offsets) // unit + k - first_cell
        ok = (cells >= 0) & (cells < n_cells)
        np.add.at(hits, cells[ok], counts[ok])
    # visiting order, and where element 0 is
    element0 = low_abs - low  # byte of element 0 within the extent
    element0_cell = element0 // unit - first_cell if size else None
    if element0_cell is not None and not 0 <= element0_cell < n_cells:
        element0_cell = None
    order: list[int | None] = [None] * n_cells
    if 0 < size <= MAX_NUMBERED and not any(s == 0 and n > 1 for s, n in pairs):
        # Python integers: a huge stride times an index may not fit 64 bits
        for i, b in enumerate(first_offsets(element0, shape, strides, MAX_NUMBERED)):
            cell = b // unit - first_cell
            if 0 <= cell < n_cells and order[cell] is None:
                order[cell] = i
    facts = facts or {}
    span = facts.get("span_bytes")
    lines = facts.get("cache_lines")
    return LayoutModel(unit, itemsize, row_cells, n_cells, total_cells, hits.tolist(), strides,
                       shape, first_cell, in_buffer, order, element0_cell,
                       offset_bytes=offset, buffer_bytes=buffer_bytes,
                       span_bytes=int(span) if span is not None else (high - low if size else 0),
                       cache_lines=int(lines) if lines is not None else None,
                       cache_lines_exact=bool(facts.get("cache_lines_exact", True)),
                       grid=grid)


# --------------------------------------------------------------------------- a report's array


def array_offset(array: ArrayInfo) -> int | None:
    """Bytes from the start of the owning buffer to element 0, where the report says (or where it
    cannot be otherwise: an array owning its data starts its buffer)."""
    offset = getattr(array, "offset_bytes", None)
    if offset is None and not array.is_view:
        offset = 0
    return offset


def row_length(array: ArrayInfo, candidates: Iterable[ArrayInfo | None]) -> int | None:
    """Row length (elements) for drawing the buffer: the last axis of the first candidate (the
    named base, then the array itself) that is C-contiguous over the whole buffer and 2-D or
    more, of the array's itemsize; else None."""
    for grid in candidates:
        if (grid is not None and len(grid.shape) >= 2 and grid.c_contiguous
                and grid.itemsize == array.itemsize and grid.nbytes == array.base_nbytes
                and grid.shape[-1] > 0):
            return int(grid.shape[-1])
    return None


def layout_grid(report: Report, array: ArrayInfo) -> int | None:
    """`row_length` with the named base looked up in the report."""
    base = report.array(array.base) if array.base else None
    return row_length(array, (base, array))


def array_layout_model(array: ArrayInfo, grid: int | None = None,
                       max_cells: int = MAX_CELLS) -> LayoutModel:
    """The layout of a report's array: in its owning buffer when its offset there is known,
    else over its own span; its facts (span, cache lines) the native inspector's, from the
    report.  The one constructor every drawing uses."""
    offset = array_offset(array)
    facts = {"span_bytes": array.span_bytes, "cache_lines": array.cache_lines,
             "cache_lines_exact": getattr(array, "cache_lines_exact", True)}
    return layout_model(array.shape, array.strides, array.itemsize, max_cells,
                        offset=offset, buffer_bytes=array.base_nbytes if offset is not None
                        else None, grid=grid, facts=facts)
