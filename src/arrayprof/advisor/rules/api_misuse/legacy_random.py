"""legacy-random: large draws from the legacy global ``np.random.*`` API, where a Generator is
faster at that size (an info note, at most once per cell)."""

from __future__ import annotations

import ast
from typing import Any

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.config import CONFIG
from arrayprof.advisor.facts import finding, nbytes, seconds
from arrayprof.advisor.rule import Rule
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report

LEGACY_RANDOM = ("rand", "randn", "randint", "random", "random_sample", "ranf", "sample",
                 "normal", "uniform", "choice", "permutation", "shuffle", "seed", "poisson",
                 "binomial", "exponential", "standard_normal", "random_integers", "beta", "gamma",
                 "RandomState", "lognormal", "multinomial", "multivariate_normal", "laplace",
                 "geometric", "chisquare", "triangular", "weibull", "dirichlet", "rayleigh")

# Measured on NumPy 2.x (2-core machine): per call of 10^6 draws a Generator is 1.4x (normal)
# to 10x (integers) faster than the legacy functions; for single draws it is as fast or slower.
# So the note needs draws of this size in the cell, or lines that took real time.
LEGACY_NOTE_BYTES = 8_000_000  # about 10^6 float64 draws


def legacy_call(node: ast.AST, ns: dict[str, Any]) -> str | None:
    """The function name when `node` calls NumPy's legacy global random API."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
            node.func.attr in LEGACY_RANDOM and at.resolve(node.func.value, ns) is np.random:
        return node.func.attr
    return None


def legacy_random_note(report: Report, context: CellContext) -> list[Finding]:
    """The legacy ``np.random.*`` API, at most once per cell, at info level, and only with a
    measured reason: its lines drew large arrays here (or took real time, when the report has
    per-line seconds).  On idiomatic code drawing a few numbers it says nothing (issue 12: the
    note was on almost every cell, claiming a speed the Generator does not have for small
    draws)."""
    assert context.tree is not None
    ns = context.namespace
    calls: dict[int, str] = {}
    for node in at.nodes(context.tree):
        name = legacy_call(node, ns)
        if name is not None and name != "seed":
            calls.setdefault(node.lineno, name)  # type: ignore[attr-defined]
    if not calls:
        return []
    rows = {row.lineno: row for row in report.lines if row.lineno in calls}
    drawn = sum(row.allocated_bytes for row in rows.values())
    spent = sum(getattr(row, "seconds", None) or 0.0 for row in rows.values())  # issue 11
    if drawn < LEGACY_NOTE_BYTES and spent < CONFIG.warn_seconds:
        return []
    first = min(calls)
    names = ", ".join(f"np.random.{n}" for n in dict.fromkeys(calls[k] for k in sorted(calls)))
    measured = f"they allocated {nbytes(drawn)}" if drawn >= LEGACY_NOTE_BYTES else \
        f"they took {seconds(spent)}"
    explanation = (
        f"Line{'s' if len(calls) > 1 else ''} {', '.join(map(str, sorted(calls)))} draw with "
        f"the legacy global RandomState API ({names}), and {measured}. At that size a "
        "Generator (rng = np.random.default_rng(seed), then rng.random, rng.normal, "
        "rng.integers, ...) draws 1.4-10x faster (measured per call of a million numbers; for "
        "a few numbers it is no faster) and keeps no hidden global state. The streams differ, "
        "so this is advice rather than a drop-in rewrite.")
    return [finding("api-misuse", first, "large draws from the legacy np.random API; a "
                    "Generator is faster at this size", explanation, force="info")]


RULE = Rule(
    name="legacy-random",
    category="api-misuse",
    finds="Calls to the legacy global random API (np.random.rand, normal, randint, choice, "
          "...; np.random.seed alone does not count) whose lines allocated 8 MB or more in this "
          "cell (about 10^6 float64 draws) or took the warning time; one info note per cell, "
          "on the first such line.",
    why="At that size a Generator (np.random.default_rng) draws 1.4-10x faster (measured per "
        "call of a million numbers) and keeps no hidden global state; for a few numbers it is "
        "no faster, so small draws get no note.",
    example="x = np.random.normal(size=2_000_000)\n->\nrng = np.random.default_rng(0)\n"
            "x = rng.normal(size=2_000_000)",
    near_misses="Draws of a few numbers (the idiomatic np.random.seed / np.random.rand(3)), a "
                "Generator already, np.random.default_rng itself.",
    rewrite="none",
    check=legacy_random_note,
)
