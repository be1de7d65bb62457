"""Reading the runtime facts rules need (line growth, what a line keeps, loop iterations) and
writing them in plain words ("a 4000 x 4000 float64 array, 128 MB").

Every rule builds its finding through `finding()`, which attaches the cost figures the severity
and the verifier need without adding fields to the report contract.
"""

from __future__ import annotations

import ast
from collections.abc import Container
from dataclasses import dataclass
from typing import Any

import numpy as np

from arrayprof.advisor.config import CONFIG, severity
from arrayprof.context import CellContext
from arrayprof.report import Finding, LineStats, OpRecord, Report, Rewrite
from arrayprof.units import human_bytes


@dataclass
class Cost:
    """What a finding costs in this cell, measured or estimated, before any rewrite ran."""

    bytes_wasted: float = 0.0
    seconds_lost: float = 0.0
    measured: bool = False  # set by verification: both versions really ran and were timed


# A finding's cost travels on the finding as an attribute outside its dataclass fields (the
# report's encoders write fields only); `advise()` takes it off before the findings leave it.
_COST = "_arrayprof_cost"


def set_cost(found: Finding, cost: Cost) -> None:
    vars(found)[_COST] = cost


def cost_of(found: Finding) -> Cost | None:
    return vars(found).get(_COST)


def take_cost(found: Finding) -> Cost | None:
    """The finding's cost, taken off it."""
    return vars(found).pop(_COST, None)


def finding(category: str, lineno: int | None, message: str, explanation: str, *,
            rewrite: Rewrite | None = None, bytes_wasted: float = 0.0,
            seconds_lost: float = 0.0, force: str | None = None) -> Finding:
    """A finding whose severity follows its cost (fix rewrites are always warnings)."""
    level = force or severity(bytes_wasted, seconds_lost)
    if rewrite is not None and rewrite.kind == "fix":
        level = "warning"
    result = Finding(category=category, severity=level, lineno=lineno, message=message,
                     explanation=explanation, rewrite=rewrite)
    set_cost(result, Cost(bytes_wasted, seconds_lost))
    return result


# -- words ---------------------------------------------------------------------------------------
def nbytes(n: float) -> str:
    """Bytes the way the rest of arrayprof says them (`arrayprof.units.human_bytes`, decimal
    units): 128 MB, 32 kB, 40 B."""
    return human_bytes(n)


def shape(dims: Any) -> str:
    dims = list(dims)
    if not dims:
        return "scalar"
    if len(dims) == 1:
        return f"{dims[0]:,}-element"
    return " x ".join(str(d) for d in dims)


def describe(info: dict[str, Any] | np.ndarray) -> str:
    """'a 4000 x 4000 float64 array, 128 MB'."""
    if isinstance(info, np.ndarray):
        dims, dtype, size = info.shape, info.dtype, info.nbytes
    else:
        dims, dtype, size = info.get("shape", []), info.get("dtype"), info.get("nbytes", 0)
    return f"a {shape(dims)} {dtype} array ({nbytes(size)})"


def seconds(s: float) -> str:
    return f"{s * 1e3:.1f} ms" if s < 1 else f"{s:.2f} s"


# -- report facts --------------------------------------------------------------------------------
def line_growth(report: Report, lineno: int) -> int:
    """How far NumPy memory rose above its level when `lineno` started (worst run of the line).

    The per-line ``peak_bytes`` is the cell's running measure, so the level at the line's start is
    taken from the timeline (the last event before each run of the line)."""
    stats = report.line(lineno)
    if stats is not None and not report.timeline:
        return int(stats.peak_bytes)
    return growth_over(report, {lineno})


def growth_over(report: Report, lines: Container[int]) -> int:
    """How far NumPy memory rose above its level when a run of events on `lines` started, at
    the worst such run of the timeline (a statement spanning several lines is one run)."""
    worst = 0
    before = 0
    in_run = False
    run_start = run_peak = 0
    for _, live, line in report.timeline:
        if int(line) in lines:
            if not in_run:
                in_run, run_start, run_peak = True, before, live
            run_peak = max(run_peak, live)
        elif in_run:
            worst = max(worst, run_peak - run_start)
            in_run = False
        before = live
    if in_run:
        worst = max(worst, run_peak - run_start)
    return int(worst)


def kept_bytes(line: LineStats | None) -> int:
    """Bytes the line allocated that outlived it."""
    if line is None:
        return 0
    return max(0, line.allocated_bytes - line.temporary_bytes)


def ops_on(report: Report, lineno: int, *linenos: int) -> list[OpRecord]:
    wanted = {lineno, *linenos}
    return [op for op in report.ops if op.lineno in wanted]


def assigned_value(node: ast.stmt, namespace: dict[str, Any]) -> Any:
    """The value now bound to the target of a simple assignment (None when not a plain name)."""
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AugAssign | ast.AnnAssign):
        targets = [node.target]
    for target in targets:
        if isinstance(target, ast.Name):
            return namespace.get(target.id)
        if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            return namespace.get(target.value.id)
    return None


def iterations(report: Report, loop_lines: range) -> int:
    """How many times the busiest line in a loop ran, from the op counts and allocations."""
    best = 0
    for op in report.ops:
        if op.lineno in loop_lines:
            best = max(best, op.count)
    for line in report.lines:
        if line.lineno in loop_lines:
            best = max(best, line.allocations)
    return best


def value_of(context: CellContext, name: str) -> Any:
    return context.namespace.get(name)


def warn_cost(config_bytes: int | None = None) -> int:
    return config_bytes if config_bytes is not None else CONFIG.warn_bytes
