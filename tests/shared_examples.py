"""Loading the example cells (tests/cases/examples, header language in its README.md) and checking
their `expect-fact` lines."""

from __future__ import annotations

import re
from typing import Any

from case_format import EXAMPLES_DIR, Case, load_examples

Example = Case  # an example cell is a case of the one format

__all__ = ["EXAMPLES_DIR", "Example", "fact_values", "holds", "load_examples"]


def fact_values(report: dict[str, Any], path: str) -> list[Any]:
    """Values a fact path names: `numpy.peak_bytes`, `arrays[b].is_view`, `ops@2.broadcast`
    (every op on line 2: a fact holds when some op has it)."""
    if m := re.fullmatch(r"arrays\[(\w+)\]\.(\w+)", path):
        return [a[m.group(2)] for a in report["arrays"] if a["name"] == m.group(1)]
    if m := re.fullmatch(r"ops@(\d+)\.(\w+)", path):
        return [op[m.group(2)] for op in report["ops"] if op["lineno"] == int(m.group(1))]
    value: Any = report
    for part in path.split("."):
        value = value[part]
    return [value]


def holds(value: Any, op: str, expected: Any) -> bool:
    if op == "==":
        return value == expected
    if op == "~=":
        return abs(value - expected) <= abs(expected) * 1e-3
    if op == ">=":
        return value >= expected
    return value <= expected
