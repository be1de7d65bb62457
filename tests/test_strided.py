"""The strided inspector agrees with NumPy: spans, cache lines, and overlap versus np.shares_memory."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from arrayprof.explain import describe_layout, explain
from arrayprof.tracker import layout, may_overlap

BUFFER = np.arange(240, dtype=np.float64)
GRID = BUFFER[:200].reshape(10, 20)
VIEWS = {
    "all": BUFFER,
    "head": BUFFER[:10],
    "tail": BUFFER[100:],
    "evens": BUFFER[::2],
    "odds": BUFFER[1::2],
    "reversed": BUFFER[::-1],
    "every3": BUFFER[5::3],
    "grid": GRID,
    "cols": GRID[:, ::4],
    "cols_shifted": GRID[:, 1::4],
    "rows_back": GRID[::-3, 2:5],
    "transposed": GRID.T[3:7],
    "window": np.lib.stride_tricks.sliding_window_view(BUFFER[:30], 4),
    "repeated": np.broadcast_to(BUFFER[7:9], (6, 2)),
    "bytes_off": BUFFER.view(np.uint8)[3:83].view(np.uint8)[::8],
}


@pytest.mark.parametrize(("first", "second"), list(itertools.combinations(VIEWS, 2)))
def test_overlap_agrees_with_shares_memory(first: str, second: str) -> None:
    a, b = VIEWS[first], VIEWS[second]
    overlap, exact = may_overlap(a, b)
    assert exact
    assert overlap == np.shares_memory(a, b)


def test_disjoint_buffers_never_overlap() -> None:
    assert may_overlap(np.ones(5), np.ones(5)) == (False, True)


@pytest.mark.parametrize(("array", "span", "lines"), [
    (np.zeros(16, dtype=np.float32)[::2], 60, None),
    (np.zeros((4, 4), dtype=np.float32)[::2, ::2], 44, None),
    (np.zeros(10)[::-1], 80, None),
    (np.broadcast_to(np.zeros(3), (1000, 3)), 24, None),
    (np.zeros((3, 5)).T, 120, None),
])
def test_span(array: np.ndarray, span: int, lines: int | None) -> None:
    assert layout(array)["span_bytes"] == span


def test_cache_lines_count_real_addresses() -> None:
    raw = np.zeros(128)
    start = (-raw.__array_interface__["data"][0] % 64) // 8
    base = raw[start:start + 64]  # 512 bytes starting on a cache-line boundary
    assert layout(base)["cache_lines"] == 8
    assert layout(base[::8])["cache_lines"] == 8  # one float64 on every line
    assert layout(base[::16])["cache_lines"] == 4
    assert layout(base[:8])["cache_lines"] == 1
    grid = base.reshape(8, 8)
    column = grid[:, 0]
    assert layout(column)["cache_lines"] == 8
    assert layout(grid.T, index_order=True)["cache_line_fetches_index_order"] == 64
    assert layout(grid, index_order=True)["cache_line_fetches_index_order"] == 8


def test_layout_words_and_explain() -> None:
    a = np.arange(16, dtype=np.float32).reshape(4, 4)
    b = a[::2, ::2]
    assert describe_layout(b, a) == "every 2nd float32 of every 2nd row; rows 32 bytes apart"
    text = explain(b, name="b", namespace={"a": a, "b": b})
    assert "Strides: (32, 8) bytes = (8, 2) elements" in text
    assert "a view of a" in text
    assert "touches 4 of the 16 elements of its buffer (flat indices [0, 2, 8, 10])" in text
    assert describe_layout(np.arange(10)[::-1]) == "every int64, backwards"
