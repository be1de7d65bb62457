"""Inline SVG drawings shared by the HTML report and the widget: the memory timeline, the memory
layout of a strided array, and the aligned shapes of a broadcast.

Each drawing is computed as a small model first (plain data the tests can check: which cells are
highlighted, which dimensions were stretched) and only then turned into SVG text.  No ids, no
external references, no scripts: the SVG must survive being pasted many times into one page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape

import numpy as np

from arrayprof.render.common import fmt_bytes, fmt_seconds, fmt_shape, peak_lineno, source_line
from arrayprof.report import ArrayInfo, OpRecord, Report

ALLOC_COLOR = "#4c78a8"
TEMP_COLOR = "#f58518"
PEAK_COLOR = "#e45756"
MUTED = "#8c959f"


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


# --------------------------------------------------------------------------- timeline


@dataclass
class TimelineModel:
    """The live-bytes curve, thinned to what a few hundred pixels can show without losing peaks."""

    points: list[tuple[float, float, int]]  # (seconds, live bytes, lineno)
    peak_index: int | None
    peak_lineno: int | None
    peak_bytes: float
    duration: float
    segments: list[tuple[float, float, int]] = field(default_factory=list)  # (t0, t1, lineno)


def timeline_model(report: Report, max_points: int = 1200) -> TimelineModel:
    """Thin the timeline by time buckets, keeping each bucket's first, highest, lowest and last point.

    A cell with millions of allocations must still draw in milliseconds, and the peak, the one thing
    the reader looks for, must never be thinned away.
    """
    raw = report.timeline
    if not raw:
        return TimelineModel([], None, peak_lineno(report), 0.0, report.wall_s)
    pts = [(float(p[0]), float(p[1]), int(p[2]) if len(p) > 2 and p[2] else 0) for p in raw]
    if len(pts) > max_points:
        arr = np.asarray([(t, b) for t, b, _ in pts])
        t0, t1 = arr[0, 0], arr[-1, 0]
        buckets = max_points // 4
        idx = np.minimum(((arr[:, 0] - t0) / max(t1 - t0, 1e-12) * buckets).astype(int), buckets - 1)
        keep: set[int] = set()
        starts = np.flatnonzero(np.r_[True, idx[1:] != idx[:-1]])
        ends = np.r_[starts[1:], len(pts)]
        for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
            chunk = arr[s:e, 1]
            keep.update((s, e - 1, s + int(chunk.argmax()), s + int(chunk.argmin())))
        pts = [pts[i] for i in sorted(keep)]
    peak_index = max(range(len(pts)), key=lambda i: pts[i][1])
    duration = max(report.wall_s, pts[-1][0])
    segments: list[tuple[float, float, int]] = []
    for i, (t, _, line) in enumerate(pts):
        end = pts[i + 1][0] if i + 1 < len(pts) else duration
        if segments and segments[-1][2] == line:
            segments[-1] = (segments[-1][0], end, line)
        else:
            segments.append((t, end, line))
    line = peak_lineno(report) or pts[peak_index][2] or None
    return TimelineModel(pts, peak_index, line, pts[peak_index][1], duration, segments)


def timeline_svg(report: Report, width: int = 720, height: int = 170) -> str:
    """Live NumPy bytes over the cell's run as a step curve, the peak marked with its line."""
    model = timeline_model(report)
    if not model.points:
        return ('<svg class="apr-timeline" xmlns="http://www.w3.org/2000/svg" width="100%" '
                f'viewBox="0 0 {width} 40" role="img" aria-label="no NumPy allocations">'
                f'<text x="8" y="24" fill="{MUTED}" font-size="12">no NumPy allocations recorded'
                "</text></svg>")
    left, right, top, bottom = 64, 12, 26, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    y_max = max(model.peak_bytes, 1.0)
    t_max = max(model.duration, 1e-9)

    def x_of(t: float) -> float:
        return left + t / t_max * plot_w

    def y_of(b: float) -> float:
        return top + plot_h - b / y_max * plot_h

    out = [
        f'<svg class="apr-timeline" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" style="max-width:100%;height:auto" '
        f'viewBox="0 0 {width} {height}" preserveAspectRatio="xMinYMin meet" role="img" '
        f'aria-label="live NumPy bytes over time, peak {escape(fmt_bytes(model.peak_bytes))}">',
        '<style>.apr-timeline text{font: 11px sans-serif; fill: currentColor}</style>',
    ]
    # bands showing which line was running, labelled when wide enough
    for i, (t0, t1, line) in enumerate(model.segments):
        x0, x1 = x_of(t0), x_of(t1)
        if i % 2 == 0:
            out.append(f'<rect x="{_num(x0)}" y="{top}" width="{_num(max(x1 - x0, 0.5))}" '
                       f'height="{plot_h}" fill="{MUTED}" fill-opacity="0.12"/>')
        if x1 - x0 > 24 and line:
            out.append(f'<text x="{_num((x0 + x1) / 2)}" y="{height - 16}" text-anchor="middle" '
                       f'fill-opacity="0.7">L{line}</text>')
    # axes
    out.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
               f'stroke="{MUTED}"/>')
    out.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="{MUTED}"/>')
    for frac in (0.0, 0.5, 1.0):
        y = y_of(y_max * frac)
        out.append(f'<text x="{left - 4}" y="{_num(y + 4)}" text-anchor="end">'
                   f'{escape(fmt_bytes(y_max * frac))}</text>')
    out.append(f'<text x="{left}" y="{height - 3}">0</text>')
    out.append(f'<text x="{left + plot_w}" y="{height - 3}" text-anchor="end">'
               f'{escape(fmt_seconds(model.duration))}</text>')
    # the step curve: live bytes hold until the next event
    path = [f"M{_num(x_of(0))},{_num(y_of(0))}"]
    for t, b, _ in model.points:
        x = _num(x_of(t))
        path.append(f"H{x}V{_num(y_of(b))}")
    path.append(f"H{_num(x_of(model.duration))}")
    d = "".join(path)
    out.append(f'<path d="{d}V{_num(y_of(0))}H{left}Z" fill="{ALLOC_COLOR}" fill-opacity="0.18"/>')
    out.append(f'<path d="{d}" fill="none" stroke="{ALLOC_COLOR}" stroke-width="1.5"/>')
    # the peak
    t, b, _ = model.points[model.peak_index or 0]
    px, py = x_of(t), y_of(b)
    label = f"peak {fmt_bytes(b)}"
    if model.peak_lineno:
        code = source_line(report, model.peak_lineno).strip()
        if len(code) > 48:
            code = code[:47] + "…"
        label += f" · line {model.peak_lineno}" + (f": {code}" if code else "")
    char_w = 6.3  # 11px sans-serif, near enough to keep the label inside the drawing
    if px + 8 + char_w * len(label) <= width - 2:
        anchor, tx = "start", px + 8
    else:
        anchor, tx = "end", px - 8
        room = int((tx - 2) / char_w)
        if len(label) > room:  # no room left of the peak either: pin to the right edge, shorten
            tx = width - 2.0
            room = int((width - 4) / char_w)
            label = label if len(label) <= room else label[: room - 1] + "…"
    out.append(f'<circle cx="{_num(px)}" cy="{_num(py)}" r="4.5" fill="{PEAK_COLOR}"/>')
    out.append(f'<text class="apr-peak-label" x="{_num(tx)}" y="{_num(max(py - 8, 12))}" '
               f'text-anchor="{anchor}" style="fill:{PEAK_COLOR};font-weight:600">'
               f'{escape(label)}</text>')
    out.append("</svg>")
    return "".join(out)


# --------------------------------------------------------------------------- memory layout


@dataclass
class LayoutModel:
    """Which cells of an array's byte span its elements touch, as drawn.

    The span (lowest to highest byte the array can reach) is cut into cells of `unit` bytes (the
    itemsize, or smaller when strides are not multiples of it); the first `n_cells` are drawn,
    `row_cells` per row.  `hits[cell]` counts the elements touching a cell: 0 untouched, 1 normal,
    more for broadcast (stride 0) or overlapping views.
    """

    unit: int
    itemsize: int
    row_cells: int
    n_cells: int
    total_cells: int
    hits: list[int]
    strides: list[int]
    shape: list[int]

    @property
    def touched(self) -> list[int]:
        """Indices of drawn cells that some element touches (what a test compares)."""
        return [i for i, h in enumerate(self.hits) if h]

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


def layout_model(shape: list[int], strides: list[int], itemsize: int,
                 max_cells: int = 256) -> LayoutModel:
    """Offsets of the array's elements within its span, for the first `max_cells` cells.

    Negative strides touch the same set of bytes as their absolute values (the axis is just walked
    backwards), so the set is computed with |stride|; a stride of 0 repeats every element of that
    axis on the same bytes, which is counted in `hits` rather than enumerated.
    """
    itemsize = max(int(itemsize), 1)
    size = math.prod(shape) if shape else 1
    unit = itemsize
    for s, n in zip(strides, shape, strict=False):
        if s and n > 1:
            unit = math.gcd(unit, abs(int(s)))
    span = itemsize + sum((n - 1) * abs(int(s)) for s, n in zip(strides, shape, strict=False)
                          if n > 0)
    total_cells = max(span // unit, 1) if size else 0
    n_cells = min(total_cells, max_cells)
    window = n_cells * unit
    offsets = np.zeros(1, dtype=np.int64)
    counts = np.ones(1, dtype=np.int64)
    if size:
        for s, n in sorted(zip(strides, shape, strict=False), key=lambda p: -abs(p[0])):
            s = abs(int(s))
            if n <= 1:
                continue
            if s == 0:
                counts = counts * n
                continue
            steps = np.arange(min(n, window // s + 1), dtype=np.int64) * s
            offsets = (offsets[:, None] + steps[None, :]).ravel()
            counts = np.repeat(counts, len(steps))
            inside = offsets < window
            offsets, counts = offsets[inside], counts[inside]
    else:
        offsets = offsets[:0]
        counts = counts[:0]
    hits = np.zeros(n_cells, dtype=np.int64)
    for k in range(itemsize // unit):
        cells = offsets // unit + k
        ok = cells < n_cells
        np.add.at(hits, cells[ok], counts[ok])
    # rows: line a 2-D array's rows up under each other when its outer stride fits on a row
    row_cells = min(32, max(n_cells, 1))
    outer = [abs(s) // unit for s, n in zip(strides, shape, strict=False) if n > 1 and s]
    if len(outer) >= 2 and 4 <= max(outer) <= 64 and max(outer) * 2 <= max(total_cells, 1):
        row_cells = max(outer)
    return LayoutModel(unit, itemsize, row_cells, n_cells, total_cells, hits.tolist(),
                       [int(s) for s in strides], [int(n) for n in shape])


def layout_svg(array: ArrayInfo, max_cells: int = 256) -> str:
    """The buffer as cells, the bytes `array` touches highlighted, its strides annotated."""
    model = layout_model(array.shape, array.strides, array.itemsize, max_cells)
    return layout_svg_from_model(model, array.name, array.base)


def layout_svg_from_model(model: LayoutModel, name: str = "", base: str | None = None) -> str:
    cell, gap = 16, 2
    left, top = 8, 44
    rows = max(math.ceil(model.n_cells / max(model.row_cells, 1)), 1)
    width = max(left * 2 + model.row_cells * (cell + gap), 360)
    stride_notes = _stride_notes(model)
    height = top + rows * (cell + gap) + 22 + 14 * len(stride_notes)
    out = [
        f'<svg class="apr-layout" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="memory layout of {escape(name)}">',
        '<style>.apr-layout text{font: 11px sans-serif; fill: currentColor}</style>',
    ]
    title = f"{name}: " if name else ""
    title += (f"{model.n_cells} of {model.total_cells} cells of {model.unit} B"
              + (f" in the span of {base}'s buffer" if base else ""))
    out.append(f'<text x="{left}" y="14">{escape(title)}</text>')
    # stride of the innermost moving axis as an arc over the first row
    moving = [(ax, s, n) for ax, (s, n) in enumerate(zip(model.strides, model.shape, strict=False))
              if n > 1 and s]
    if moving:
        ax, s, _ = min(moving, key=lambda m: abs(m[1]))
        step = abs(s) // model.unit
        first = model.element_starts[0] if model.element_starts else 0
        if 0 < step and first + step < min(model.row_cells, model.n_cells):
            x0 = left + first * (cell + gap) + cell / 2
            x1 = left + (first + step) * (cell + gap) + cell / 2
            out.append(f'<path d="M{_num(x0)},{top - 2} Q{_num((x0 + x1) / 2)},{top - 20} '
                       f'{_num(x1)},{top - 2}" fill="none" stroke="{TEMP_COLOR}" '
                       f'stroke-width="1.5"/>')
            out.append(f'<path d="M{_num(x1 - 4)},{top - 8} L{_num(x1)},{top - 2} '
                       f'L{_num(x1 + 3)},{top - 9}" fill="none" stroke="{TEMP_COLOR}"/>')
            out.append(f'<text x="{_num(x1 + 6)}" y="{top - 10}" style="fill:{TEMP_COLOR}">'
                       f'axis {ax}: {s:+d} B</text>')
    for i, h in enumerate(model.hits):
        r, c = divmod(i, model.row_cells)
        x, y = left + c * (cell + gap), top + r * (cell + gap)
        fill = ALLOC_COLOR if h else "#d0d7de"
        opacity = "1" if h else "0.55"
        out.append(f'<rect class="{"apr-hit" if h else "apr-miss"}" data-cell="{i}" x="{x}" '
                   f'y="{y}" width="{cell}" height="{cell}" rx="2" fill="{fill}" '
                   f'fill-opacity="{opacity}"/>')
        if h > 1:
            out.append(f'<text x="{x + cell / 2}" y="{y + 12}" text-anchor="middle" '
                       f'style="fill:#fff;font-size:9px">×{h if h < 100 else "∞"}</text>')
    y = top + rows * (cell + gap) + 14
    if model.n_cells < model.total_cells:
        out.append(f'<text x="{left}" y="{y}" fill-opacity="0.75">… '
                   f'{model.total_cells - model.n_cells} more cells '
                   f'({escape(fmt_bytes((model.total_cells - model.n_cells) * model.unit))}) '
                   f'not drawn</text>')
        y += 14
    for note in stride_notes:
        out.append(f'<text x="{left}" y="{y}">{escape(note)}</text>')
        y += 14
    out.append("</svg>")
    return "".join(out)


def _stride_notes(model: LayoutModel) -> list[str]:
    notes = []
    for ax, (s, n) in enumerate(zip(model.strides, model.shape, strict=False)):
        cells = abs(s) / model.unit
        what = ("repeats the same bytes (broadcast)" if s == 0 and n > 1
                else f"{cells:g} cell{'s' if cells != 1 else ''}")
        notes.append(f"axis {ax}: {n} × stride {s} B → {what}")
    return notes


# --------------------------------------------------------------------------- broadcast


@dataclass
class BroadcastDim:
    text: str
    state: str  # "kept" | "stretched" | "new" (a dimension the operand did not have)


@dataclass
class BroadcastModel:
    """Operand and result shapes right-aligned as NumPy aligns them, stretched dims marked."""

    title: str
    rows: list[tuple[str, list[BroadcastDim | None]]]  # label, dims (None: padding)
    stretched: list[tuple[int, int]]  # (operand index, dim index in the aligned result)


def broadcast_model(op: OpRecord) -> BroadcastModel | None:
    if op.result is None:
        return None
    result = list(op.result.get("shape") or [])
    ndim = len(result)
    rows: list[tuple[str, list[BroadcastDim | None]]] = []
    stretched: list[tuple[int, int]] = []
    array_operands = [o for o in op.operands if o.get("value", "array") != "python"]
    for i, operand in enumerate(array_operands):
        shape = list(operand.get("shape") or [])
        pad = ndim - len(shape)
        dims: list[BroadcastDim | None] = []
        for d in range(ndim):
            if d < pad:
                dims.append(BroadcastDim("·", "new") if result[d] > 1 else None)
                if result[d] > 1:
                    stretched.append((i, d))
                continue
            n = shape[d - pad]
            if n == 1 and result[d] > 1:
                dims.append(BroadcastDim("1", "stretched"))
                stretched.append((i, d))
            else:
                dims.append(BroadcastDim(str(n), "kept"))
        label = f"operand {i + 1} {fmt_shape(shape)} {operand.get('dtype', '')}"
        rows.append((label.strip(), dims))
    rows.append((f"result {fmt_shape(result)} {fmt_bytes(op.result.get('nbytes'))}",
                 [BroadcastDim(str(n), "kept") for n in result]))
    title = (f"line {op.lineno}: {op.name} × {op.count}" if op.count > 1
             else f"line {op.lineno}: {op.name}")
    if op.expansion and op.expansion > 1:
        factor = f"{op.expansion:,.0f}" if op.expansion >= 100 else f"{op.expansion:.3g}"
        title += f" — result is {factor}× its largest operand"
    return BroadcastModel(title, rows, stretched)


def broadcast_svg(op: OpRecord) -> str:
    model = broadcast_model(op)
    if model is None:
        return ""
    box_w, box_h, gap = 56, 22, 6
    label_w = 230
    ndim = max(len(dims) for _, dims in model.rows)
    width = max(label_w + ndim * (box_w + gap) + 16, 640)
    top = 26
    height = top + len(model.rows) * (box_h + gap) + 24
    out = [
        f'<svg class="apr-broadcast" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(model.title)}">',
        '<style>.apr-broadcast text{font: 12px sans-serif; fill: currentColor}'
        '.apr-broadcast .apr-dim{font-family: monospace}</style>',
        f'<text x="4" y="16" style="font-weight:600">{escape(model.title)}</text>',
    ]
    result_row = model.rows[-1][1]
    for r, (label, dims) in enumerate(model.rows):
        y = top + r * (box_h + gap)
        if r == len(model.rows) - 1:
            out.append(f'<line x1="{label_w}" y1="{y - gap / 2}" x2="{label_w + ndim * (box_w + gap)}" '
                       f'y2="{y - gap / 2}" stroke="{MUTED}"/>')
        out.append(f'<text x="4" y="{y + 15}">{escape(label)}</text>')
        for d, dim in enumerate(dims):
            if dim is None:
                continue
            x = label_w + d * (box_w + gap)
            if dim.state == "kept":
                style = f'fill="{ALLOC_COLOR}" fill-opacity="0.15" stroke="{ALLOC_COLOR}"'
            else:
                dash = ' stroke-dasharray="3 2"' if dim.state == "new" else ""
                style = f'fill="{TEMP_COLOR}" fill-opacity="0.25" stroke="{TEMP_COLOR}"{dash}'
            out.append(f'<rect class="apr-dim-{dim.state}" x="{x}" y="{y}" width="{box_w}" '
                       f'height="{box_h}" rx="3" {style}/>')
            text = dim.text
            if dim.state != "kept":
                res = result_row[d]
                text = f"{dim.text}→{res.text if res else '?'}"
            out.append(f'<text class="apr-dim" x="{x + box_w / 2}" y="{y + 15}" '
                       f'text-anchor="middle">{escape(text)}</text>')
    y = top + len(model.rows) * (box_h + gap) + 14
    out.append(f'<text x="4" y="{y}" fill-opacity="0.75">shapes aligned on the right; orange: '
               f'a dimension stretched to the result (stride 0, no copy until the result)</text>')
    out.append("</svg>")
    return "".join(out)
