"""The advisor on the blind batch (tests/advisor_blind_cases.py): cells written before reading the
rules, in notebook styles unlike the other batches, and near misses that must stay quiet.

Scoring follows cases/examples/README.md: a finding counts when its category matches and its line
is the expected one or the header of a loop around it (or the reverse); a warning in a category
the case does not expect is a false alarm; a case's ``expect-not`` categories are silent
altogether.  Every rewrite offered is verified: equivalent ones equal on copies of the inputs,
fixes with their check confirmed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import arrayprof
import arrayprof.advisor

sys.path.insert(0, str(Path(__file__).resolve().parent))
from advisor_blind_cases import BLIND as CASES
from advisor_harness import check_case, parse, run_case

# Rewrites that cannot be verified by design, with the reason the report must give.
UNVERIFIABLE: dict[tuple[str, str], str] = {
    # rebuilding ``table`` re-runs ``load_table()``, a function outside NumPy
    ("b_vp_first_column_del", "view-pins-base"): "outside NumPy",
}


def run(name: str) -> tuple[arrayprof.report.Report, str, list, list]:
    return run_case(CASES[name])


@pytest.mark.parametrize("name", sorted(CASES))
def test_blind_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)


def test_every_category_has_two_positives_and_near_misses_are_silent() -> None:
    from arrayprof.report import CATEGORIES

    # the Dask categories need a cluster's tasks: tests/test_dask.py has their positives
    counts = {c: 0 for c in CATEGORIES if not c.startswith("dask-")}
    for text in CASES.values():
        for category, _ in parse(text)[2]:
            counts[category] += 1
    assert min(counts.values()) >= 2, counts
    quiet = [name for name in CASES if not parse(CASES[name])[2]]
    assert len(quiet) >= 12
    for name in quiet:
        report, *_ = run(name)
        assert not [f for f in report.findings if f.severity != "info"], (
            name, [(f.category, f.lineno, f.severity) for f in report.findings])
