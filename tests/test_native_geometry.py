"""The strided inspector is exact and safe for any shape and strides NumPy accepts.

Spans are checked against NumPy's own byte_bounds; cache lines and index-order fetches against a
brute-force walk over the real addresses in Python integers (which cannot overflow).  Views made
with as_strided may point anywhere: they are only described, never read.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import textwrap
import tracemalloc

import numpy as np
import pytest
from numpy.lib.stride_tricks import as_strided

from arrayprof.explain import explain, touched_elements
from arrayprof.tracker import layout, may_overlap

try:
    from numpy.lib.array_utils import byte_bounds
except ImportError:  # NumPy 1.26
    byte_bounds = np.byte_bounds

HUGE = 2**62


def numpy_maxdims() -> int:
    """NumPy's maximum number of dimensions (64 on NumPy 2, 32 on 1.26), asked of NumPy itself."""
    n = 1
    while n < 4096:
        try:
            np.empty((1,) * (n + 1))
        except ValueError:
            return n
        n += 1
    raise AssertionError("no dimension limit found")


def brute_force(array: np.ndarray) -> tuple[int, int]:
    """(distinct 64-byte lines, line fetches of a pass in C index order) from the addresses."""
    if array.size == 0:
        return 0, 0
    data = array.__array_interface__["data"][0]
    offsets = [0]
    for n, s in zip(array.shape, array.strides, strict=True):
        offsets = [o + i * s for o in offsets for i in range(n)]
    seen: set[int] = set()
    fetches, last = 0, None
    for o in offsets:
        for line in range((data + o) // 64, (data + o + array.itemsize - 1) // 64 + 1):
            seen.add(line)
            if line != last:
                fetches, last = fetches + 1, line
    return len(seen), fetches


def numpy_span(array: np.ndarray) -> int:
    low, high = byte_bounds(array)
    return high - low


BUFFER = np.zeros(1 << 15, dtype=np.uint8)


def random_views(count: int, seed: int) -> list[np.ndarray]:
    """Views of BUFFER of every kind: any itemsize, negative, zero, overlapping, odd strides."""
    rng = random.Random(seed)
    views = []
    for _ in range(count):
        ndim = rng.randint(0, 4)
        itemsize = rng.choice([1, 2, 4, 8, 12, 16, 24, 64, 100])
        shape = tuple(rng.randint(0, 5) for _ in range(ndim))
        strides = tuple(rng.choice([0, itemsize, 2 * itemsize, -itemsize, 64, -64, 96,
                                    rng.randint(-200, 200)]) for _ in range(ndim))
        offset = 12_000 + rng.randint(0, 63)
        views.append(np.ndarray(shape, dtype=f"V{itemsize}", buffer=BUFFER, offset=offset,
                                strides=strides))
    return views


@pytest.mark.parametrize("seed", range(6))
def test_span_lines_and_fetches_match_numpy_and_the_addresses(seed: int) -> None:
    for view in random_views(300, seed):
        facts = layout(view, True)
        lines, fetches = brute_force(view)
        assert facts["span_bytes"] == numpy_span(view), (view.shape, view.strides)
        assert facts["low_offset"] == byte_bounds(view)[0] - view.__array_interface__["data"][0]
        assert facts["cache_lines_exact"]
        assert (facts["cache_lines"], facts["cache_line_fetches_index_order"]) == (lines, fetches), \
            (view.shape, view.strides, view.itemsize)


def hostile_views() -> dict[str, np.ndarray]:
    """Views whose extents overflow npy_intp: NumPy accepts them, nothing may read them."""
    a = np.zeros(4)
    return {
        # 4 * (2^62 + 2) wraps to 8 in 64 bits: the old code sized its bitmap from that
        "wraps_small": as_strided(a, shape=(5, 2), strides=(HUGE + 2, 8)),
        "wraps_negative": as_strided(a, shape=(3,), strides=(HUGE,)),
        "both_extremes": as_strided(a, shape=(2, 2), strides=(2**63 - 1, -(2**63))),
        "backwards": as_strided(a, shape=(3, 2), strides=(-HUGE, 8)),
        "odd": as_strided(a, shape=(5,), strides=(2**61 + 3,)),
        "interleaved": as_strided(a, shape=(3, 4), strides=(HUGE + 8, -HUGE + 8)),
    }


@pytest.mark.parametrize("name", list(hostile_views()))
def test_hostile_views_are_exact(name: str) -> None:
    view = hostile_views()[name]
    facts = layout(view, True)
    assert facts["span_bytes"] == numpy_span(view) > 2**63 - 1 or name == "odd"
    assert facts["span_bytes"] == numpy_span(view)
    lines, fetches = brute_force(view)
    assert facts["cache_lines_exact"]
    assert (facts["cache_lines"], facts["cache_line_fetches_index_order"]) == (lines, fetches)


def test_hostile_views_overlap_answers_are_never_wrong() -> None:
    views = list(hostile_views().values())
    plain = np.zeros(4)
    for a in views:
        for b in [*views, plain]:
            overlap, exact = may_overlap(a, b)
            if exact:  # then it must match the addresses
                assert overlap == _shares_bytes(a, b)
            else:
                assert overlap


def _shares_bytes(a: np.ndarray, b: np.ndarray) -> bool:
    def byte_set(x: np.ndarray) -> set[int]:
        data = x.__array_interface__["data"][0]
        offsets = [0]
        for n, s in zip(x.shape, x.strides, strict=True):
            offsets = [o + i * s for o in offsets for i in range(n)]
        return {data + o + k for o in offsets for k in range(x.itemsize)}
    return bool(byte_set(a) & byte_set(b))


def test_hostile_views_through_profile_build_the_report() -> None:
    """The crash case runs in a child process, so a segmentation fault fails this test."""
    script = textwrap.dedent("""
        import json
        import numpy as np
        import arrayprof
        import arrayprof.explain
        from numpy.lib.stride_tricks import as_strided
        code = (
            "a = np.zeros(4)\\n"
            "v = as_strided(a, shape=(5, 2), strides=(2**62 + 2, 8))\\n"
            "w = as_strided(a, shape=(2, 2), strides=(2**63 - 1, -(2**63)))\\n"
            "z = as_strided(a, shape=(0, 3), strides=(2**62, 2**62))\\n"
        )
        namespace = {"np": np, "as_strided": as_strided}
        report = arrayprof.profile(code, namespace, verify=False)
        text = arrayprof.explain.explain(namespace["v"], name="v", namespace=namespace)
        v = namespace["v"]  # its lines from its real addresses, in Python integers
        data = v.__array_interface__["data"][0]
        starts = [data + i * v.strides[0] + j * v.strides[1] for i in range(5) for j in range(2)]
        lines = {line for s in starts for line in range(s // 64, (s + 7) // 64 + 1)}
        print(json.dumps({"arrays": {x.name: [x.span_bytes, x.cache_lines, x.cache_lines_exact]
                                     for x in report.arrays},
                          "notes": report.notes, "explain": text, "v_lines": len(lines)}))
    """)
    env = dict(os.environ, PYTHONFAULTHANDLER="1")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.splitlines()[-1])
    views = hostile_views()
    assert out["notes"] == []
    assert out["arrays"]["v"][0] == numpy_span(views["wraps_small"]) == 4 * (HUGE + 2) + 16
    assert out["arrays"]["w"][0] == numpy_span(views["both_extremes"])
    assert out["arrays"]["z"] == [0, 0, True]
    assert out["arrays"]["v"][1] == out["v_lines"]  # 5 to 10: one pair per row, if it straddles
    assert out["arrays"]["v"][2] is True
    assert f"it spans {4 * (HUGE + 2) + 16:,} bytes" in out["explain"]


def test_empty_and_zero_stride_arrays() -> None:
    assert layout(np.zeros((0, 5)))["span_bytes"] == 0
    assert layout(np.zeros((0, 5)))["cache_lines"] == 0
    assert layout(as_strided(np.zeros(1), shape=(0, 3), strides=(HUGE, HUGE)))["span_bytes"] == 0
    repeated = np.broadcast_to(np.zeros(1), (10**9,))
    facts = layout(repeated, True)
    assert facts["span_bytes"] == 8
    assert (facts["cache_lines"], facts["cache_line_fetches_index_order"]) == brute_force(
        repeated[:5])


def test_numpy_maximum_dimensions() -> None:
    maxdims = numpy_maxdims()
    ones = np.zeros((1,) * maxdims)
    assert layout(ones)["span_bytes"] == 8
    # 2 along the last 16 axes, strides growing outwards and one reversed
    shape = (1,) * (maxdims - 16) + (2,) * 16
    strides = [8] * maxdims
    for k in range(16):
        strides[maxdims - 1 - k] = 8 * 3**k
    strides[maxdims - 3] *= -1
    view = as_strided(np.zeros(1), shape=shape, strides=strides)
    facts = layout(view, True)
    assert facts["span_bytes"] == numpy_span(view)
    small = as_strided(np.zeros(1), shape=shape[:-8] + (1,) * 8, strides=strides)
    assert (layout(small, True)["cache_lines"],
            layout(small, True)["cache_line_fetches_index_order"]) == brute_force(small)


def test_billion_element_views_take_closed_forms() -> None:
    """Exact without visiting elements; the interleaving case is bounded and flagged."""
    base = np.zeros(1)
    start = base.__array_interface__["data"][0]
    tracemalloc.start()
    try:
        # 1-D, every other float64: gaps of 8 bytes, so every line of the span is touched
        strided = as_strided(base, shape=(10**9,), strides=(16,))
        facts = layout(strided, True)
        expected = (start + 16 * (10**9 - 1) + 7) // 64 - start // 64 + 1
        assert facts["cache_lines"] == facts["cache_line_fetches_index_order"] == expected
        assert facts["cache_lines_exact"]
        # 2-D, rows of 10^4 every-other float64s, 160000 bytes (2500 lines) apart: rows share
        # a line exactly when the row's last byte reaches into the next row's first line
        grid = as_strided(base, shape=(10**5, 10**4), strides=(160_000, 16))
        r = start % 64
        per_row = (r + 159_991) // 64 + 1
        shared = (r + 159_991) // 64 == 2500
        facts = layout(grid, True)
        assert facts["cache_lines"] == 10**5 * per_row - (10**5 - 1) * shared
        assert facts["cache_lines_exact"]
        # interleaving rows (stride 24 inside a span of 16 * n): past the walk budget
        woven = as_strided(base, shape=(31_623, 31_623), strides=(24, 16))
        facts = layout(woven, True)
        assert not facts["cache_lines_exact"]
        assert facts["cache_lines"] <= (start + facts["high_offset"] - 1) // 64 - start // 64 + 1
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20


def test_explain_huge_broadcast_of_a_small_owner() -> None:
    owner = np.arange(6.0)
    big = np.broadcast_to(owner[:3], (10**8, 3))
    assert touched_elements(big, owner) == [0, 1, 2]
    text = explain(big, name="big", namespace={"owner": owner, "big": big})
    assert "touches 3 of the 6 elements" in text
    assert "1 cache line" in text or "2 cache lines" in text


def test_explain_says_when_lines_are_a_bound() -> None:
    woven = as_strided(np.zeros(1), shape=(31_623, 31_623), strides=(24, 16))
    assert "(an upper bound" in explain(woven, name="woven")
    assert "(an upper bound" not in explain(np.zeros((3, 4))[:, ::2], name="c")
