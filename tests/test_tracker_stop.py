"""Stopping the tracker costs the same whatever the cell allocated (issue 18): no Python object
per buffer the cell left alive, a timeline that a rising run of allocations does not churn, and
every fact the report derives from them still exact."""

from __future__ import annotations

import sys

import numpy as np

import arrayprof
from arrayprof import _native
from arrayprof.session import Session
from arrayprof.tracker import LiveBuffers, ensure_installed

KEPT = 20_000


def _record(source: str, namespace: dict) -> dict:
    ensure_installed()
    code = compile(source, "<stop-cell>", "exec")
    _native.start("<stop-cell>", source.count("\n") + 1)
    try:
        exec(code, namespace)
    finally:
        raw = _native.stop()
        _native.take_ops()
    return raw


def test_stop_builds_no_object_per_live_buffer() -> None:
    """Before: stop() turned every live buffer into a dict entry (10^7 of them took 7.5 s).
    Measured as the interpreter's allocated blocks across stop(): a constant, not 2 per buffer."""
    namespace: dict = {"np": np}
    ensure_installed()
    code = compile(f"xs = [np.empty(1) for _ in range({KEPT})]\n", "<stop-cell>", "exec")
    _native.start("<stop-cell>", 1)
    exec(code, namespace)
    before = sys.getallocatedblocks()
    raw = _native.stop()
    grown = sys.getallocatedblocks() - before
    _native.take_ops()
    assert raw["live_buffers"] == KEPT
    assert raw["allocations"] == KEPT
    # the result dict, its lines and handlers, and the timeline (a tuple and three ints a point):
    # nothing per buffer (the dict of live buffers made 4 blocks for each of the 20,000)
    assert grown < 4 * len(raw["timeline"]) + 200, grown
    # what the dict used to say, now asked per address: the line and exact size of each buffer
    live = LiveBuffers(raw["live_generation"], raw["live_buffers"])
    addresses = [a.__array_interface__["data"][0] for a in namespace["xs"]]
    assert all(live.get(a) == (1, 8) for a in addresses)
    assert len(live) == KEPT and addresses[0] in live
    assert live.get(12345) is None and 12345 not in live and "x" not in live
    live.release()
    assert live.get(addresses[0]) is None  # released: every lookup misses, nothing dangles


def test_a_newer_recording_invalidates_older_lookups() -> None:
    first = _record("a = np.ones(3)\n", {"np": np})
    older = LiveBuffers(first["live_generation"], first["live_buffers"])
    namespace = {"np": np}
    second = _record("b = np.ones(5)\n", namespace)
    newer = LiveBuffers(second["live_generation"], second["live_buffers"])
    address = namespace["b"].__array_interface__["data"][0]
    assert older.get(address) is None
    older.release()  # an older cell's release leaves the newer table alone
    assert newer.get(address) == (1, 40)
    newer.release()


def test_rising_allocations_keep_an_exact_peak_point() -> None:
    """Every allocation of a rising run is a new peak: the newest peak point replaces the last
    one instead of adding a point per event; the highest point is still the exact peak, at the
    line that reached it, and the points keep their order in time."""
    raw = _record(f"xs = [np.empty(4) for _ in range({KEPT})]\ny = np.empty(1000)\n",
                  {"np": np})
    timeline = raw["timeline"]
    assert 0 < len(timeline) <= 2048
    top = max(timeline, key=lambda point: point[1])
    assert top[1] == raw["peak_bytes"] == KEPT * 32 + 8000
    assert top[2] == raw["peak_line"] == 2
    assert [p[0] for p in timeline] == sorted(p[0] for p in timeline)


def test_report_arrays_still_name_their_lines() -> None:
    """The inventory reads the live table by address: arrays made by the cell keep their line,
    and the table is released once the report is built."""
    namespace = {"np": np, "old": np.zeros(4)}
    report = arrayprof.profile("v = old[1:]\nw = np.arange(6.0)\nz = w * 2\n", namespace,
                               verify=False)
    lines = {a.name: a.lineno for a in report.arrays}
    assert lines == {"v": 1, "w": 2, "z": 3}
    assert report.numpy.net_bytes == 96  # w and z; NumPy's scalar boxes for `* 2` were freed


def test_session_releases_the_live_table() -> None:
    namespace = {"np": np}
    session = Session(f"xs = [np.empty(1) for _ in range({KEPT})]\n", namespace, rss="off")
    session.run()
    # only the small tables of an idle tracker remain (the live table of 20,000 buffers is gone)
    assert arrayprof.tracker.tracker_memory_bytes() < KEPT * 24


def test_kept_then_freed_buffers_are_counted_exactly_and_the_table_shrinks() -> None:
    """Buffers move from the small young table to the large one in batches, and the large one
    shrinks as frees empty it; through both, every free of a cell buffer is a temporary of the
    line that allocated it, and what is left alive is exact."""
    count = 200_000
    namespace: dict = {"np": np}
    raw = _record(f"xs = [np.empty(2) for _ in range({count})]\n"  # 16 bytes each
                  "del xs[::2]\n"                                   # frees half
                  "ys = [np.empty(1) for _ in range(3000)]\n"       # 8 bytes each
                  "xs = None\n", namespace)                          # frees the rest
    assert raw["allocations"] == count + 3000
    assert raw["temporaries"] == count and raw["temporary_bytes"] == count * 16
    assert raw["frees"] == count and raw["freed_bytes"] == count * 16
    assert raw["peak_bytes"] == count * 16 and raw["peak_line"] == 1
    lines = {row[0]: row for row in raw["lines"]}
    assert lines[1][3:5] == (count, count * 16)  # temporaries charged to the allocating line
    assert lines[2][6:8] == (count // 2, count // 2 * 16)  # frees charged to the freeing line
    assert raw["live_buffers"] == 3000
    live = LiveBuffers(raw["live_generation"], raw["live_buffers"])
    assert all(live.get(a.__array_interface__["data"][0]) == (3, 8) for a in namespace["ys"])
    # the table that held 200,000 buffers shrank with the frees: a table for 3,000 is left
    assert arrayprof.tracker.tracker_memory_bytes() < 2_000_000
    live.release()
