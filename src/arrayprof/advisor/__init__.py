"""The advisor: rules that read a report and the cell's AST and emit findings.

The rules are the catalogue's (`advisor.rules`: one documented rule per module, grouped by
category); `advise()` runs them all, isolates their failures, runs them again on the body of
every function the cell defines with that function's locals (see scopes), verifies the rewrites
they offer (when asked), sets severities from measured cost (a rewrite that really ran says what
the pattern costs here), and orders the findings by line.
"""

from __future__ import annotations

import bisect
from dataclasses import replace
from typing import TYPE_CHECKING

from arrayprof.advisor.rules import RULES
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report

if TYPE_CHECKING:
    from arrayprof.advisor.verify import Measure


def run_rules(report: Report, context: CellContext) -> list[Finding]:
    """Every rule of the catalogue on one context; a failing rule becomes a note, not a broken
    report."""
    findings: list[Finding] = []
    for rule in RULES:
        try:
            findings.extend(rule.check(report, context))
        except Exception as exc:
            report.notes.append(f"arrayprof: rule {rule.name} failed: {exc}")
    return findings


# Categories judged from the arrays the cell leaves bound to names (and traced back to the line
# that made them, which may be inside a function): the cell-level run is the one that sees them.
FROM_CELL_NAMES = ("view-pins-base", "view-mutation", "object-dtype")


class LineSpans:
    """Copies of a report that keep only the ops and line rows of a span of lines, for the rules'
    runs on one function: the rules only speak of lines inside it (the rest is dropped by
    `Scope.contains`), and handing each run the whole cell's ops made the advisor quadratic in
    a cell of many functions.  Everything else (figures, arrays, notes) is the report's own."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.ops = sorted(range(len(report.ops)), key=lambda i: report.ops[i].lineno or 0)
        self.op_lines = [report.ops[i].lineno or 0 for i in self.ops]
        self.line_numbers = [row.lineno for row in report.lines]  # sorted by line

    def within(self, first: int, last: int) -> Report:
        report = self.report
        lo, hi = bisect.bisect_left(self.op_lines, first), bisect.bisect_right(self.op_lines, last)
        ops = [report.ops[i] for i in sorted(self.ops[lo:hi])]
        lo = bisect.bisect_left(self.line_numbers, first)
        hi = bisect.bisect_right(self.line_numbers, last)
        return replace(report, ops=ops, lines=report.lines[lo:hi])


def scoped_findings(report: Report, context: CellContext,
                    found: list[Finding]) -> list[Finding]:
    """The rules again on each function the cell defines, with that function's locals.

    Findings inside a function whose locals were really captured replace what the rules said
    about those lines from the cell's namespace (where a parameter may shadow, or miss, a global
    of the same name); rewrites found there are verified by running the definition and its calls.
    """
    from arrayprof.advisor import scopes
    from arrayprof.advisor import verify as verifier

    try:
        found_scopes = scopes.function_scopes(report, context)
    except Exception as exc:
        report.notes.append(f"arrayprof: function scopes failed: {exc}")
        return found
    inner: list[Finding] = []
    spans = LineSpans(report)
    for scope in found_scopes:
        for finding in run_rules(spans.within(scope.func.lineno, scope.last),
                                 scope.context(context)):
            if scope.contains(finding.lineno):
                inner.append(finding)
                if finding.rewrite is not None:
                    verifier.set_scope(finding.rewrite, scope)
    outer = []
    for finding in found:
        if finding.category not in FROM_CELL_NAMES and any(
                s.replayed and s.contains(finding.lineno) for s in found_scopes):
            continue
        outer.append(finding)
    return inner + outer


def advise(report: Report, context: CellContext, *, verify: bool = True,
           budget_seconds: float | None = None, measure: Measure | None = None) -> list[Finding]:
    """Every rule on the cell and on its functions, verified and ordered by line.  The rules ask
    the same trees the same questions per line and per name: one index per tree for this run
    keeps the whole run linear in the cell's size (`ast_tools.indexed`).

    `budget_seconds` bounds verification for this cell (None: `CONFIG.verify_seconds`);
    automatic mode passes `verify.proportional(report)`, the cell's own time again plus 50 ms.
    A rewrite left unverified for lack of budget says so in its `check`.

    `measure(code, namespace, filename)` runs a rewrite and its original profiled (peak NumPy
    bytes, exception): the caller's (``arrayprof.session.measure``), so that the advisor never
    drives the tracker itself; without it no rewrite is verified."""
    from arrayprof.advisor import ast_tools

    with ast_tools.indexed():
        return _advise(report, context, verify=verify, budget_seconds=budget_seconds,
                       measure=measure)


def _advise(report: Report, context: CellContext, *, verify: bool,
            budget_seconds: float | None = None,
            measure: Measure | None = None) -> list[Finding]:
    from arrayprof.advisor import facts
    from arrayprof.advisor import verify as verifier
    from arrayprof.advisor.config import CONFIG, severity

    if context.tree is None:
        return []
    findings = run_rules(report, context)
    findings = scoped_findings(report, context, findings)
    findings = dedupe(findings)
    # what the rules attached for verification, taken off before the findings leave
    attached = [found.rewrite for found in findings if found.rewrite is not None]
    budget = verifier.Budget(CONFIG, limit=budget_seconds, measure=measure)
    for found in findings:
        rewrite = found.rewrite
        if rewrite is None:
            continue
        if not verify:
            rewrite.check = "not verified: verification was off for this cell"
            continue
        verifier.verify(found, context, report, budget)
        if rewrite.check.startswith("not verified: the rewrite raised"):
            # the original ran and the rewrite failed on the same inputs: it is wrong, whatever
            # its kind, and offering it would mislead
            found.explanation += (" A rewrite was tried on copies of the inputs but failed "
                                  f"({rewrite.check.removeprefix('not verified: ')}), so none "
                                  "is offered.")
            found.rewrite = None
        elif rewrite.kind == "equivalent" and rewrite.verified and not rewrite.equal:
            found.explanation += (" A rewrite was tried on copies of the inputs but did not "
                                  f"reproduce the results ({rewrite.check}), so none is offered.")
            found.rewrite = None
        elif rewrite.kind == "equivalent" and rewrite.verified and \
                worse(rewrite, data_bytes(rewrite.code, context)):
            # faster but far heavier (or lighter but far slower) trades one problem for another
            found.explanation += (" A rewrite was measured on copies of the inputs but was "
                                  "worse on one axis ("
                                  f"{worse(rewrite, data_bytes(rewrite.code, context))}), so "
                                  "none is offered.")
            found.rewrite = None
        elif rewrite.kind == "equivalent" and rewrite.verified and not gains(rewrite) and \
                found.category != "view-pins-base":
            found.explanation += (" A rewrite was measured on copies of the inputs but was "
                                  f"neither faster nor lighter (speedup {rewrite.speedup}x, peak "
                                  f"{rewrite.peak_bytes_before:,} -> {rewrite.peak_bytes_after:,}"
                                  " bytes), so none is offered.")
            found.rewrite = None
    for found in findings:
        cost = facts.take_cost(found)
        if found.rewrite is not None and found.rewrite.kind == "fix":
            found.severity = "warning"
        elif cost is not None and cost.measured and found.severity != "error":
            # the original and a rewrite really ran: what the cell loses is known, and a
            # pattern that costs nothing here is worth a mention, not a warning
            found.severity = severity(cost.bytes_wasted, cost.seconds_lost)
        elif cost is not None and found.severity != "error":
            found.severity = max(found.severity, severity(cost.bytes_wasted, cost.seconds_lost),
                                 key=("info", "warning").index)
    for rewrite in attached:
        verifier.forget(rewrite)
    findings.sort(key=lambda f: (f.lineno or 0, f.category))
    return findings


def gains(rewrite: object) -> bool:
    """Whether a verified rewrite measured faster or with a lower peak than the original."""
    speedup = getattr(rewrite, "speedup", None) or 0.0
    before = getattr(rewrite, "peak_bytes_before", None) or 0
    after = getattr(rewrite, "peak_bytes_after", None) or 0
    return speedup >= 1.1 or after < before * 0.9


def data_bytes(code: str, context: CellContext) -> int:
    """The largest array a rewrite's code names (in the cell's namespace)."""
    import ast
    import textwrap

    import numpy as np

    try:
        names = {n.id for n in ast.walk(ast.parse(textwrap.dedent(code)))
                 if isinstance(n, ast.Name)}
    except SyntaxError:
        return 0
    sizes = [v.nbytes for n in names
             if isinstance(v := context.namespace.get(n), np.ndarray)]
    return max(sizes, default=0)


def worse(rewrite: object, data: int = 0) -> str | None:
    """How a verified rewrite measured worse than the original on one axis by more than
    `CONFIG.worse_factor`, or None.  Memory: the peak may grow by a few temporaries the size of
    the data the rewrite names (`data`; any whole-array expression needs one) or by
    `silent_bytes`, not more.  A double loop ``r += x * y`` over two 400-element arrays turned
    into ``np.sum(X[:, None] * Y[None, :])`` is 2x faster with a 400x peak: not an offer."""
    from arrayprof.advisor.config import CONFIG

    before = getattr(rewrite, "peak_bytes_before", None) or 0
    after = getattr(rewrite, "peak_bytes_after", None) or 0
    if after > max(before * CONFIG.worse_factor,
                   before + max(CONFIG.silent_bytes, CONFIG.worse_factor * data)):
        return f"peak {before:,} -> {after:,} bytes"
    speedup = getattr(rewrite, "speedup", None)
    if speedup is not None and speedup * CONFIG.worse_time_factor < 1.0:
        return f"{speedup}x the original's speed"
    return None


def dedupe(findings: list[Finding]) -> list[Finding]:
    """One finding per category and line (the first rule to speak wins)."""
    seen: set[tuple[str, int | None]] = set()
    out = []
    for found in findings:
        key = (found.category, found.lineno)
        if key not in seen:
            seen.add(key)
            out.append(found)
    return out


__all__ = ["RULES", "advise", "run_rules"]
