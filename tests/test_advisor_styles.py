"""The advisor on cells written in other styles than cases/examples: each expected finding on
its exact line (or its loop's header), near misses silent, no unexpected warnings."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import arrayprof
import arrayprof.advisor

sys.path.insert(0, str(Path(__file__).resolve().parent))
from advisor_harness import run_case as harness_run_case
from advisor_style_cases import CASES


def run_case(text: str) -> tuple[arrayprof.report.Report, list[tuple[str, int]], list[str]]:
    report, _, expects, expect_not = harness_run_case(text)
    return report, expects, expect_not


@pytest.mark.parametrize("name", sorted(CASES))
def test_style_case(name: str) -> None:
    report, expects, expect_not = run_case(CASES[name])
    found = {(f.category, f.lineno) for f in report.findings}
    for category, lineno in expects:
        assert (category, lineno) in found, f"{category}@{lineno} missing from {sorted(found)}"
    for category in expect_not:
        assert not [f for f in report.findings if f.category == category], sorted(found)
    expected = {c for c, _ in expects}
    alarms = [(f.category, f.lineno) for f in report.findings
              if f.severity != "info" and f.category not in expected]
    assert not alarms, f"unexpected warnings {alarms}"
    for f in report.findings:
        if f.rewrite is not None and f.rewrite.kind == "equivalent":
            assert f.rewrite.verified and f.rewrite.equal, (f.category, f.rewrite.check)


def test_while_loop_rewrite_is_one_expression() -> None:
    report, _, _ = run_case(CASES["while_loop"])
    loop = next(f for f in report.findings if f.category == "python-loop")
    assert loop.rewrite.code == "b[:] = np.sin(a) ** 2"
    assert loop.rewrite.lines == [3, 5] and loop.rewrite.compared == ["b"]


def test_recurrence_becomes_cumsum() -> None:
    report, _, _ = run_case(CASES["cumsum_recurrence"])
    loop = next(f for f in report.findings if f.category == "python-loop")
    assert "np.cumsum(steps[1:len(steps)])" in loop.rewrite.code
    assert loop.rewrite.equal


def test_overflow_fix_is_checked_against_int64() -> None:
    report, _, _ = run_case(CASES["uint8_mean_overflow"])
    (overflow,) = [f for f in report.findings if f.category == "dtype-overflow"]
    assert overflow.severity == "warning" and overflow.rewrite.kind == "fix"
    assert overflow.rewrite.check.startswith("no wraparound")
    assert "uint16" in overflow.rewrite.code


def test_nan_comparison_fix() -> None:
    report, _, _ = run_case(CASES["nan_equality"])
    (misuse,) = [f for f in report.findings if f.category == "api-misuse"]
    assert misuse.rewrite.code == "missing = np.isnan(data)"
    assert misuse.rewrite.verified and misuse.rewrite.equal is False
    assert "finds 2 NaN" in misuse.rewrite.check


def test_side_effects_are_never_rerun() -> None:
    namespace: dict = {}
    exec("import numpy as np\ncalls = []\ndef log(v):\n    calls.append(v)\n    return v\n"
         "x = np.arange(100_000, dtype=float)", namespace)
    cell = "y = np.empty_like(x)\nfor i in range(len(x)):\n    y[i] = x[i] * 2\nlog(1)\n"
    report = arrayprof.profile(cell, namespace)
    assert namespace["calls"] == [1]
    assert any(f.category == "python-loop" for f in report.findings)


def test_small_loops_are_info_not_warnings() -> None:
    namespace: dict = {}
    exec("import numpy as np\nx = np.arange(200.0)", namespace)
    report = arrayprof.profile("y = np.empty_like(x)\nfor i in range(len(x)):\n"
                               "    y[i] = x[i] + 1\n", namespace)
    (loop,) = report.findings
    assert loop.category == "python-loop" and loop.severity == "info"
