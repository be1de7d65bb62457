"""Inline SVG drawings shared by the HTML report and the widget: the memory timeline, the memory
layout of a strided array, and the aligned shapes of a broadcast.

Each drawing is computed as a small model first (plain data the tests can check: which cells are
highlighted, which dimensions were stretched) and only then turned into SVG text.  The memory
layout's model is ``arrayprof.layout_model``'s, the one every front end draws (issue 16).  No ids, no
external references, no scripts: the SVG must survive being pasted many times into one page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape

import numpy as np

from arrayprof.layout_model import LayoutModel, array_layout_model
from arrayprof.render.common import fmt_bytes, fmt_seconds, fmt_shape, peak_lineno, source_line
from arrayprof.report import ArrayInfo, OpRecord, Report

ALLOC_COLOR = "#4c78a8"
TEMP_COLOR = "#f58518"
PEAK_COLOR = "#e45756"
TIME_COLOR = "#8250df"
MUTED = "#8c959f"
TIMELINE_FONT_PX = 12
# the timeline's width at which its 12 px text is drawn at 10 px: the narrowest it may shrink to
TIMELINE_MIN_WIDTH = 600


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
    def point(p: list[float] | tuple[float, ...]) -> tuple[float, float, int]:
        return float(p[0]), float(p[1]), int(p[2]) if len(p) > 2 and p[2] else 0

    if len(raw) > max_points:
        # numpy on the (time, bytes) columns; Python tuples only for the points kept
        times = np.fromiter((p[0] for p in raw), dtype=np.float64, count=len(raw))
        live = np.fromiter((p[1] for p in raw), dtype=np.float64, count=len(raw))
        t0, t1 = times[0], times[-1]
        buckets = max_points // 4
        idx = np.minimum(((times - t0) / max(t1 - t0, 1e-12) * buckets).astype(int), buckets - 1)
        starts = np.flatnonzero(np.r_[True, idx[1:] != idx[:-1]])
        ends = np.r_[starts[1:], len(raw)]
        # each bucket's highest and lowest point: reduceat over the buckets' runs
        order = np.arange(len(raw))
        highest = np.maximum.reduceat(live, starts)
        lowest = np.minimum.reduceat(live, starts)
        bucket_of = np.repeat(np.arange(len(starts)), ends - starts)
        first_high = np.full(len(starts), len(raw))
        first_low = np.full(len(starts), len(raw))
        np.minimum.at(first_high, bucket_of[live == highest[bucket_of]],
                      order[live == highest[bucket_of]])
        np.minimum.at(first_low, bucket_of[live == lowest[bucket_of]],
                      order[live == lowest[bucket_of]])
        keep = np.unique(np.concatenate([starts, ends - 1, first_high, first_low]))
        pts = [point(raw[i]) for i in keep.tolist()]
    else:
        pts = [point(p) for p in raw]
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
        f'<style>.apr-timeline text{{font: {TIMELINE_FONT_PX}px sans-serif; fill: currentColor}}'
        '</style>',
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
    char_w = 6.9  # 12px sans-serif, near enough to keep the label inside the drawing
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
               f'text-anchor="{anchor}" fill="#b42318" style="font-weight:600">'
               f'{escape(label)}</text>')
    out.append("</svg>")
    return "".join(out)


# --------------------------------------------------------------------------- memory layout


def layout_caption(model: LayoutModel, name: str = "", base: str | None = None) -> str:
    """What the drawing shows, in words (the SVG's first line)."""
    who = name or "the array"
    touched = sum(1 for h in model.hits if h)
    if model.in_buffer:
        owner = f"{base}'s buffer" if base else "its buffer"
        text = (f"{who} in {owner}: {model.total_cells} cells of {model.unit} B, "
                f"{touched} touched")
    else:
        text = f"{who}'s span, lowest to highest byte: {model.total_cells} cells of {model.unit} B"
        if base:
            text += f" (a part of {base}'s buffer)"
    if model.n_cells < model.total_cells:
        last = model.first_cell + model.n_cells - 1
        text += f"; cells {model.first_cell}–{last} drawn"
    return text


LAYOUT_LEGEND = "numbers: the order in which a loop over the array visits its elements"


def layout_svg(array: ArrayInfo, max_cells: int = 256, grid: int | None = None, *,
               legend: bool = True) -> str:
    """The buffer as cells, the bytes `array` touches highlighted, its strides annotated
    (without the numbers' legend when `legend` is false: a page of drawings says it once)."""
    model = array_layout_model(array, grid, max_cells)
    return layout_svg_from_model(model, array.name, array.base, legend=legend)


def _stride_arc(model: LayoutModel) -> tuple[int, int, int, int] | None:
    """(axis, stride, from cell, to cell) for the arc over the first drawn row: a step along the
    innermost moving axis from element 0 (or the first touched cell) to its neighbour."""
    moving = [(ax, s, n) for ax, (s, n) in enumerate(zip(model.strides, model.shape, strict=False))
              if n > 1 and s]
    if not moving:
        return None
    ax, s, _ = min(moving, key=lambda m: abs(m[1]))
    start = model.element0_cell
    if start is None:
        start = model.element_starts[0] if model.element_starts else 0
        s = abs(s)
    end = start + s // model.unit
    row = max(model.row_cells, 1)
    if 0 <= end < model.n_cells and end != start and start // row == end // row == 0:
        return ax, s, start, end
    return None


def layout_svg_from_model(model: LayoutModel, name: str = "", base: str | None = None, *,
                          legend: bool = True) -> str:
    cell, gap = 16, 2
    pitch = cell + gap
    arc = _stride_arc(model)
    left, top = 8, (44 if arc else 26)
    rows = max(math.ceil(model.n_cells / max(model.row_cells, 1)), 1)
    title = layout_caption(model, name, base)
    numbered = any(o is not None for o in model.order)
    notes = []
    if model.n_cells < model.total_cells:
        hidden = model.total_cells - model.n_cells
        notes.append(f"… {hidden} more cells ({fmt_bytes(hidden * model.unit)}) not drawn")
    if numbered and legend:
        notes.append(LAYOUT_LEGEND)
    notes += _stride_notes(model)
    longest = max([len(title)] + [len(n) for n in notes])
    width = max(left * 2 + model.row_cells * pitch, math.ceil(longest * 6.2) + 2 * left, 240)
    height = top + rows * pitch + 8 + 14 * len(notes)
    out = [
        f'<svg class="apr-layout" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'style="max-width:100%;height:auto" aria-label="memory layout of {escape(name)}">',
        '<style>.apr-layout text{font: 11px sans-serif; fill: currentColor}</style>',
        f'<text x="{left}" y="14">{escape(title)}</text>',
    ]
    if arc:
        ax, s, start, end = arc
        x0 = left + (start % model.row_cells) * pitch + cell / 2
        x1 = left + (end % model.row_cells) * pitch + cell / 2
        tip = 1 if x1 > x0 else -1
        out.append(f'<path class="apr-stride" d="M{_num(x0)},{top - 2} Q{_num((x0 + x1) / 2)},'
                   f'{top - 20} {_num(x1)},{top - 2}" fill="none" stroke="{TEMP_COLOR}" '
                   f'stroke-width="1.5"/>')
        out.append(f'<path d="M{_num(x1 - 4 * tip)},{top - 8} L{_num(x1)},{top - 2} '
                   f'L{_num(x1 + 3 * tip)},{top - 9}" fill="none" stroke="{TEMP_COLOR}"/>')
        out.append(f'<text class="apr-stride-label" x="{_num(max(x0, x1) + 6)}" y="{top - 10}" '
                   f'fill="#9a4a00">axis {ax}: {s:+d} B</text>')
    for i, h in enumerate(model.hits):
        r, c = divmod(i, model.row_cells)
        x, y = left + c * pitch, top + r * pitch
        fill = ALLOC_COLOR if h else "#d0d7de"
        opacity = "1" if h else "0.55"
        out.append(f'<rect class="{"apr-hit" if h else "apr-miss"}" data-cell="{i}" x="{x}" '
                   f'y="{y}" width="{cell}" height="{cell}" rx="2" fill="{fill}" '
                   f'fill-opacity="{opacity}"/>')
        label = ""
        if h > 1:
            label = f"×{h if h < 100 else '∞'}"
        elif numbered and model.order[i] is not None:
            label = str(model.order[i])
        if label:
            out.append(f'<text class="apr-order" x="{x + cell / 2}" y="{y + 12}" '
                       f'text-anchor="middle" style="fill:#fff;font-size:10px">{label}</text>')
    y = top + rows * pitch + 12
    for note in notes:
        out.append(f'<text x="{left}" y="{y}" fill-opacity="0.8">{escape(note)}</text>')
        y += 14
    out.append("</svg>")
    return "".join(out)


def _stride_notes(model: LayoutModel) -> list[str]:
    notes = []
    for ax, (s, n) in enumerate(zip(model.strides, model.shape, strict=False)):
        cells = abs(s) / model.unit
        what = ("repeats the same bytes (broadcast)" if s == 0 and n > 1
                else f"{cells:g} cell{'s' if cells != 1 else ''}"
                + (" backwards" if s < 0 and n > 1 else ""))
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


BROADCAST_LEGEND = ("shapes aligned on the right; orange: a dimension stretched to the result "
                    "(stride 0, no copy until the result)")


def broadcast_svg(op: OpRecord) -> str:
    model = broadcast_model(op)
    if model is None:
        return ""
    box_w, box_h, gap = 56, 22, 6
    label_w = 230
    ndim = max(len(dims) for _, dims in model.rows)
    width = max(label_w + ndim * (box_w + gap) + 16, math.ceil(len(model.title) * 7.4) + 8)
    top = 26
    height = top + len(model.rows) * (box_h + gap) + 4
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
    out.append("</svg>")
    return "".join(out)
