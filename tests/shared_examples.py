"""Loading the example cells (tests/cases/examples, header language in its README.md) and checking
their `expect-fact` lines."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# inside the repository: a clone tests itself with nothing beside it
EXAMPLES_DIR = Path(__file__).resolve().parent / "cases" / "examples"
CELL_MARKER = "# --- cell ---\n"


@dataclass
class Example:
    name: str
    setup: str
    cell: str
    expects: list[tuple[str, int]] = field(default_factory=list)
    expect_nots: list[str] = field(default_factory=list)
    facts: list[tuple[str, str, Any]] = field(default_factory=list)


def load_examples() -> list[Example]:
    examples = []
    for path in sorted(EXAMPLES_DIR.glob("*.py")):
        text = path.read_text()
        setup, cell = text.split(CELL_MARKER, 1)
        example = Example(path.stem, setup, cell)
        for line in setup.splitlines():
            if m := re.match(r"# expect: (.+)", line):
                for item in m.group(1).split(","):
                    category, lineno = item.strip().split("@")
                    example.expects.append((category, int(lineno)))
            elif m := re.match(r"# expect-not: (\S+)", line):
                example.expect_nots.append(m.group(1))
            elif m := re.match(r"# expect-fact: (\S+) (==|~=|>=|<=) (.+)", line):
                example.facts.append((m.group(1), m.group(2), json.loads(m.group(3))))
        examples.append(example)
    return examples


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
