"""arrayprof never breaks the user's code, and its own memory stays bounded."""

from __future__ import annotations

import numpy as np

import arrayprof
from arrayprof import inventory
from arrayprof.tracker import tracker_memory_bytes


def test_fault_in_report_building_does_not_break_the_code(monkeypatch, capsys) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("injected")

    monkeypatch.setattr(inventory, "build_inventory", broken)
    namespace = {"np": np}
    report = arrayprof.profile("x = np.arange(3) * 2", namespace, verify=False)
    assert namespace["x"].tolist() == [0, 2, 4]
    assert report.error is None
    assert any("injected" in note for note in report.notes)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "arrayprof: building the report failed" in err


def test_fault_in_the_advisor_does_not_break_the_code(monkeypatch) -> None:
    import arrayprof.advisor as advisor

    def broken(*args, **kwargs):
        raise RuntimeError("advisor down")

    monkeypatch.setattr(advisor, "advise", broken)
    namespace = {"np": np}
    report = arrayprof.profile("x = np.ones(4)", namespace)
    assert namespace["x"].sum() == 4
    assert report.numpy.allocated_bytes >= 32
    assert any("advisor down" in note for note in report.notes)


def test_user_data_is_not_modified_by_profiling() -> None:
    x = np.arange(10.0)
    before = x.copy()
    arrayprof.profile("y = x[::2]\nz = y + 1", {"x": x, "np": np})
    assert np.array_equal(x, before)


def test_memory_stays_bounded_over_ten_million_allocations() -> None:
    code = ("for i in range(10_000_000):\n"
            "    t = np.empty(1)\n"
            "tracker_bytes = tracker_memory_bytes()\n")
    namespace = {"np": np, "tracker_memory_bytes": tracker_memory_bytes}
    report = arrayprof.profile(code, namespace, verify=False)
    assert report.numpy.allocations == 10_000_000
    assert report.numpy.temporaries == 9_999_999
    assert namespace["tracker_bytes"] < 50 * 1024 * 1024
    assert len(report.timeline) <= 2048
