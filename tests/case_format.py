"""The one case format and its one parser (tests/cases/examples/README.md describes the language).

A case is setup code, the line ``# --- cell ---`` and the cell that is profiled.  Comments in the
setup say what a good report holds: ``# expect: CATEGORY@LINE[, ...]``, ``# expect-not: CATEGORY``
and ``# expect-fact: PATH OP VALUE``.  Every case collection (tests/cases/examples, the advisor
batches, tests/rules/test_rule_*.py) is read through `parse`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CELL_MARKER = "# --- cell ---\n"
# inside the repository: a clone tests itself with nothing beside it
EXAMPLES_DIR = Path(__file__).resolve().parent / "cases" / "examples"

_EXPECT = re.compile(r"#\s*expect:\s*(.+)")
_EXPECT_NOT = re.compile(r"#\s*expect-not:\s*(\S+)")
_EXPECT_FACT = re.compile(r"#\s*expect-fact:\s*(\S+) (==|~=|>=|<=) (.+)")


@dataclass
class Case:
    name: str
    setup: str
    cell: str
    expects: list[tuple[str, int]] = field(default_factory=list)  # (category, line)
    expect_nots: list[str] = field(default_factory=list)  # categories that must stay silent
    facts: list[tuple[str, str, Any]] = field(default_factory=list)  # (path, op, value)


def parse(text: str, name: str = "") -> Case:
    """A case from its text; a header line that does not parse is an error, not a skipped check."""
    if CELL_MARKER not in text:
        raise ValueError(f"case {name!r} has no {CELL_MARKER.strip()!r} line")
    setup, cell = text.split(CELL_MARKER, 1)
    case = Case(name, setup, cell)
    for line in setup.splitlines():
        if m := _EXPECT.match(line):
            for item in m.group(1).split(","):
                category, lineno = item.strip().split("@")
                case.expects.append((category.strip(), int(lineno)))
        elif m := _EXPECT_NOT.match(line):
            case.expect_nots.append(m.group(1))
        elif m := _EXPECT_FACT.match(line):
            case.facts.append((m.group(1), m.group(2), json.loads(m.group(3))))
        elif line.lstrip().startswith("# expect"):
            raise ValueError(f"case {name!r}: unreadable header line {line!r}")
    return case


def load_examples() -> list[Case]:
    """The example cells, one file each, sorted by name."""
    return [parse(path.read_text(), path.stem) for path in sorted(EXAMPLES_DIR.glob("*.py"))]
