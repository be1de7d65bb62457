"""`CellContext`: what the advisor may read besides the report (the code, its AST, its namespace).

A type of its own, below both the session that fills it and the rules and kernel glue that read
it, so that reading a cell's context never means importing the machinery that profiles it
(issue 16: layers that point one way; ``tests/test_layers.py``).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from arrayprof.snapshot import CellInputs


@dataclass
class CellContext:
    """What the advisor may read besides the report: the code, its AST and its namespace."""

    source: str
    filename: str
    tree: ast.Module | None
    namespace: dict[str, Any]
    inputs: CellInputs | None = None
    new_names: list[str] = field(default_factory=list)
