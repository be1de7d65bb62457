"""Every case in tests/cases/examples through arrayprof.profile: expected findings on their lines,
near misses silent, no unexpected warnings, every rewrite verified (equivalent ones equal)."""

from __future__ import annotations

from pathlib import Path

import pytest
from advisor_harness import check_case, run_case
from case_format import EXAMPLES_DIR

import arrayprof
import arrayprof.advisor

EXAMPLES = EXAMPLES_DIR
CASES = sorted(EXAMPLES.glob("*.py"))


def profile_case(path: Path) -> tuple[arrayprof.report.Report, str, list, list]:
    return run_case(path.read_text())


def test_examples_exist() -> None:
    assert CASES, f"no example cells found in {EXAMPLES}"


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_example(path: Path) -> None:
    check_case(path.stem, path.read_text(), {})


def test_explanations_use_the_cells_numbers() -> None:
    report, *_ = profile_case(EXAMPLES / "broadcast_outer.py")
    blowup = next(f for f in report.findings if f.category == "broadcast-blowup")
    assert "4000 x 4000 float64" in blowup.explanation and "128 MB" in blowup.explanation
    assert blowup.rewrite is not None and blowup.rewrite.code == "spread = x.max() - x.min()"


def test_verification_never_touches_user_arrays() -> None:
    namespace: dict = {}
    exec("import numpy as np\na = np.arange(200_000, dtype=np.float64)", namespace)
    before = namespace["a"].copy()
    cell = "out = np.empty_like(a)\nfor i in range(len(a)):\n    out[i] = a[i] * 2.0 + 1.0\n"
    report = arrayprof.profile(cell, namespace)
    assert (namespace["a"] == before).all()
    loop = next(f for f in report.findings if f.category == "python-loop")
    assert loop.rewrite.verified and loop.rewrite.equal and loop.rewrite.speedup > 5


def test_verify_off_leaves_rewrites_unverified() -> None:
    namespace: dict = {}
    exec("import numpy as np\nv = np.random.default_rng(4).random(500_000)", namespace)
    report = arrayprof.profile("total = sum(v)", namespace, verify=False)
    (found,) = report.findings
    assert found.category == "python-builtin"
    assert not found.rewrite.verified and found.rewrite.check.startswith("not verified")
