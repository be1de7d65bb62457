"""One geometry (issue 16, part 1): the widget, the static HTML, the panel's ``array`` message and
``explain`` draw the same layout model of an array, for views with negative, zero and huge
(span past 2^63) strides; the model's byte facts are the native inspector's.

Views made with as_strided may point anywhere: they are only described, never read.
"""

from __future__ import annotations

import html
import json
import re

import numpy as np
import pytest
from numpy.lib.stride_tricks import as_strided

import arrayprof
from arrayprof.explain import diagram, explain, explain_model
from arrayprof.kernel import messages
from arrayprof.layout_model import LayoutModel, array_layout_model, layout_grid, span_of
from arrayprof.render.drawing import layout_caption
from arrayprof.render.html import arrays_html
from arrayprof.render.widget import ArraysView
from arrayprof.tracker import layout

HUGE = 2**62

CODE = """\
a = np.arange(48, dtype=np.float64).reshape(6, 8)
rows_back = a[::-1]
neg = a[::-1, ::-2]
corner = a[1:, 2:][:, ::-3]
zero = np.broadcast_to(a[2], (5, 8))
zero_back = as_strided(a[3, 7:], shape=(4, 3), strides=(0, -8))
huge = as_strided(a, shape=(3, 2), strides=(2**62, 8))
wraps = as_strided(a, shape=(5, 2), strides=(2**62 + 2, 8))
extremes = as_strided(a, shape=(2, 2), strides=(2**63 - 1, -(2**63)))
huge_back = as_strided(a[1], shape=(3, 2), strides=(-(2**62), 8))
huge_empty = as_strided(a, shape=(0, 3), strides=(2**62, 2**62))
b = np.zeros(100, dtype=np.uint8)
odd = as_strided(b[3:].view(np.uint8), shape=(4, 3), strides=(20, -1))[:, ::-1]
"""
NAMES = ["rows_back", "neg", "corner", "zero", "zero_back", "huge", "wraps", "extremes",
         "huge_back", "huge_empty", "odd"]


@pytest.fixture(scope="module")
def profiled() -> tuple[arrayprof.Report, dict[str, object]]:
    namespace: dict[str, object] = {"np": np, "as_strided": as_strided}
    report = arrayprof.profile(CODE, namespace, verify=False)
    assert report.error is None
    return report, namespace


def html_cells(page: str, name: str) -> tuple[str, list[int], dict[int, str]]:
    """(caption, touched cells, labels by cell) of `name`'s drawing in the HTML report."""
    box = re.search(rf'<details class="apr-layout-box" data-name="{re.escape(name)}".*?</details>',
                    page, re.S)
    assert box is not None, name
    svg = box.group(0)
    caption = html.unescape(re.search(r'<text x="8" y="14">(.*?)</text>', svg).group(1))
    touched = [int(c) for c in re.findall(r'class="apr-hit" data-cell="(\d+)"', svg)]
    cells = re.findall(r'data-cell="(\d+)" x="(\d+)" y="(\d+)"', svg)
    where = {(x, y): int(c) for c, x, y in cells}
    labels = {}
    for x, y, label in re.findall(r'class="apr-order" x="([\d.]+)" y="([\d.]+)"[^>]*>(.*?)</text>', svg):
        labels[where[(str(int(float(x) - 8)), str(int(float(y) - 12)))]] = html.unescape(label)
    return caption, touched, labels


def by_addresses(view: np.ndarray, model: LayoutModel) -> list[int]:
    """Ground truth for a small view: the drawn cells its bytes fall on, from its addresses in
    Python integers (the extent starts at the buffer, or at the view's lowest byte)."""
    data = view.__array_interface__["data"][0]
    if model.in_buffer:
        start = data - model.offset_bytes
    else:
        start = data + span_of(view.shape, view.strides, view.itemsize)[0]
    cells = set()
    for index in np.ndindex(view.shape):
        address = data + sum(i * s for i, s in zip(index, view.strides, strict=True))
        for byte in range(address, address + view.itemsize):
            cell = (byte - start) // model.unit - model.first_cell
            if 0 <= cell < model.n_cells:
                cells.add(cell)
    return sorted(cells)


@pytest.mark.parametrize("name", NAMES)
def test_widget_html_panel_and_explain_draw_one_model(
        profiled: tuple[arrayprof.Report, dict[str, object]], name: str) -> None:
    report, namespace = profiled
    view = namespace[name]
    assert type(view) is np.ndarray
    info = report.array(name)
    assert info is not None
    # the widget
    widget = ArraysView(report)
    widget.select(name)
    assert widget.layout_model is not None
    model = widget.layout_model.to_dict()
    # the panel: the message as sent (JSON), its model field for field the widget's
    fields = messages.array_fields(namespace, name)
    assert fields is not None
    sent = json.loads(json.dumps(messages.message("array", **fields)))
    assert sent["layout"]["model"] == model
    # explain: the same model, and its text says that model's figures
    explained = explain_model(view, name, namespace)
    assert explained.to_dict() == model
    text = explain(view, name=name, namespace=namespace)
    assert f"{model['cache_lines']:,} cache line" in text
    if model["in_buffer"] and view.size and model["total_cells"] <= 64:
        assert "\n".join(diagram(explained)) in text
        assert f"touches {model['touched_cells']} of the {model['total_cells']} " in text
    # the HTML report (strided views are drawn; a contiguous one would not be)
    page = arrays_html(report, max_layouts=100)
    if f'data-name="{name}"' in page.split("apr-drawings", 1)[-1]:
        caption, touched, labels = html_cells(page, name)
        assert caption == layout_caption(widget.layout_model, name, info.base)
        assert touched == widget.layout_model.touched
        for cell, label in labels.items():
            hits, order = model["hits"][cell], model["order"][cell]
            assert label == (f"×{hits if hits < 100 else '∞'}" if hits > 1 else str(order))
    # the byte facts are the native inspector's, the cells the view's real bytes
    facts = layout(view, True)
    assert (model["span_bytes"], model["cache_lines"], model["cache_lines_exact"]) == (
        facts["span_bytes"], facts["cache_lines"], facts["cache_lines_exact"])
    # (never an array in an assertion: pytest would print it, reading a hostile view's memory)
    low, high = span_of(view.shape, view.strides, view.itemsize)
    assert model["span_bytes"] == high - low
    truth = by_addresses(view, widget.layout_model) if view.size <= 64 else None
    if truth is not None:
        assert widget.layout_model.touched == truth
        if model["touched_bytes"] is not None:
            assert model["touched_bytes"] == len(truth) * model["unit"]


def test_the_models_figures_for_negative_zero_and_huge_strides(
        profiled: tuple[arrayprof.Report, dict[str, object]]) -> None:
    """Exact cells of a few views, worked out by hand."""
    report, _ = profiled
    model = {name: array_layout_model(report.array(name), layout_grid(report, report.array(name)))
             for name in NAMES}
    # a[::-1, ::-2]: every other cell of each row of a's 6 x 8 grid, element 0 at a[5, 7]
    neg = model["neg"]
    assert (neg.in_buffer, neg.row_cells, neg.total_cells) == (True, 8, 48)
    assert neg.touched == [r * 8 + c for r in range(6) for c in (1, 3, 5, 7)]
    assert neg.element0_cell == 47 and neg.order[47] == 0 and neg.order[45] == 1
    assert neg.touched_bytes == 24 * 8
    # a broadcast row: a's row 2, each cell touched 5 times
    zero = model["zero"]
    assert zero.touched == list(range(16, 24)) and set(zero.hits[16:24]) == {5}
    assert zero.touched_bytes == 64
    # stride 0 and -8 from a[3, 7]: cells 29-31, each 4 times, element 0 at cell 31
    zero_back = model["zero_back"]
    assert zero_back.touched == [29, 30, 31] and zero_back.hits[29:32] == [4, 4, 4]
    assert zero_back.element0_cell == 31
    # a span of 2 * 2^62 + 16 bytes: the window holds the first row's two elements only
    huge = model["huge"]
    assert not huge.in_buffer and huge.span_bytes == 2 * HUGE + 16
    assert huge.total_cells == (2 * HUGE + 16) // 8 and huge.n_cells == 256
    assert huge.touched == [0, 1] and huge.order[:2] == [0, 1] and huge.touched_bytes is None
    # strides 2^63 - 1 (odd: 1-byte cells) and -2^63: element 0 in the middle of a 2^64-byte
    # span, outside the window; element (0, 1) is the lowest, its 8 bytes the first cells
    extremes = model["extremes"]
    assert extremes.unit == 1 and extremes.span_bytes == extremes.total_cells == 2**64 + 7
    assert extremes.touched == list(range(8)) and extremes.element0_cell is None
    assert extremes.order[0] == 1
    assert model["huge_back"].touched == [0, 1] and model["huge_back"].order[:2] == [4, 5]
    assert model["huge_empty"].total_cells == 0 and model["huge_empty"].span_bytes == 0
    # bytes 3.. of a uint8 buffer, rows 20 apart, read backwards then mirrored again
    odd = model["odd"]
    assert odd.in_buffer and odd.unit == 1
    assert odd.buffer_touched == [3 + 20 * r + c for r in range(4) for c in (-2, -1, 0)]


def test_the_panels_test_messages_are_what_the_kernel_sends() -> None:
    """The vitest tests of the panel's drawing read real messages (layout-messages.json): they
    must be today's (`python tests/layout_fixtures.py` rewrites them)."""
    from layout_fixtures import FIXTURE, fixture_text

    assert FIXTURE.read_text(encoding="utf-8") == fixture_text()
