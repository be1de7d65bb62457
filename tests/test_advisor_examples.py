"""Every case in tests/cases/examples through arrayprof.profile: expected findings on their lines,
near misses silent, no unexpected warnings, every rewrite verified (equivalent ones equal)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from shared_examples import EXAMPLES_DIR

import arrayprof
import arrayprof.advisor

EXAMPLES = EXAMPLES_DIR
CASES = sorted(EXAMPLES.glob("*.py"))


def parse_case(path: Path) -> tuple[str, str, list[tuple[str, int]], list[str]]:
    text = path.read_text()
    setup, cell = text.split("# --- cell ---\n", 1)
    expects: list[tuple[str, int]] = []
    expect_not: list[str] = []
    for line in setup.splitlines():
        if m := re.match(r"#\s*expect:\s*(.+)", line):
            for item in m.group(1).split(","):
                category, lineno = item.strip().split("@")
                expects.append((category, int(lineno)))
        elif m := re.match(r"#\s*expect-not:\s*(\S+)", line):
            expect_not.append(m.group(1))
    return setup, cell, expects, expect_not


def loop_headers(cell: str, lineno: int) -> set[int]:
    """The expected line and the headers of loops around it (the scoring rule's equivalence)."""
    tree = ast.parse(cell)
    lines = {lineno}
    for node in ast.walk(tree):
        if isinstance(node, ast.For | ast.While) and node.lineno <= lineno <= node.end_lineno:
            lines.add(node.lineno)
        if isinstance(node, ast.For | ast.While) and node.lineno == lineno:
            lines.update(range(node.lineno, node.end_lineno + 1))
    return lines


def profile_case(path: Path) -> tuple[arrayprof.report.Report, str, list, list]:
    setup, cell, expects, expect_not = parse_case(path)
    namespace: dict = {}
    exec(compile(setup, str(path), "exec"), namespace)
    report = arrayprof.profile(cell, namespace)
    return report, cell, expects, expect_not


def test_examples_exist() -> None:
    assert CASES, f"no example cells found in {EXAMPLES}"


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_example(path: Path) -> None:
    report, cell, expects, expect_not = profile_case(path)
    findings = report.findings
    assert not [n for n in report.notes if "rule" in n], report.notes
    for category, lineno in expects:
        lines = loop_headers(cell, lineno)
        assert any(f.category == category and f.lineno in lines for f in findings), (
            f"{category}@{lineno} not found in {[(f.category, f.lineno) for f in findings]}")
    for category in expect_not:
        assert not [f for f in findings if f.category == category], (
            f"near miss {category} reported: {[(f.category, f.lineno) for f in findings]}")
    expected = {c for c, _ in expects}
    alarms = [(f.category, f.lineno) for f in findings
              if f.severity != "info" and f.category not in expected]
    assert not alarms, f"unexpected warnings {alarms}"
    for found in findings:
        rewrite = found.rewrite
        if rewrite is None:
            continue
        assert rewrite.verified, f"{found.category}: {rewrite.check}"
        assert rewrite.speedup is not None and rewrite.peak_bytes_before is not None
        if rewrite.kind == "equivalent":
            assert rewrite.equal, f"{found.category}: {rewrite.check}"
        else:
            assert rewrite.kind == "fix" and rewrite.check and \
                not rewrite.check.startswith("not verified"), rewrite.check


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
