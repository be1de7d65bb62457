"""flatten-copy: ``a.flatten()`` of a C-contiguous array whose flat copy is never written to:
``flatten`` always copies, ``ravel`` returns a view of a contiguous array."""

from __future__ import annotations

import ast

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.aliasing import copy_finding, read_only_use
from arrayprof.advisor.config import CONFIG
from arrayprof.advisor.rewriting import statement_replacing
from arrayprof.advisor.rule import Rule
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report


def flatten_copy(report: Report, context: CellContext) -> list[Finding]:
    """``x.flatten()`` where ``x.ravel()`` gives the same values as a view."""
    assert context.tree is not None
    ns = context.namespace
    found: list[Finding] = []
    for node in at.nodes(context.tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        # flatten(order="F") of a C-contiguous array: ravel(order="F") copies as well
        if isinstance(func, ast.Attribute) and func.attr == "flatten" and not node.args and \
                all(k.arg == "order" and isinstance(k.value, ast.Constant) and
                    k.value.value == "C" for k in node.keywords):
            array = at.array_value(func.value, ns)
            source = at.root_name(func.value)
            if array is not None and array.flags.c_contiguous and array.nbytes >= \
                    CONFIG.silent_bytes and read_only_use(context, node, source):
                new = ast.Call(func=ast.Attribute(value=func.value, attr="ravel", ctx=ast.Load()),
                               args=[], keywords=[])
                found.append(copy_finding(context, report, node, array, "flatten() always copies",
                                          "ravel() returns a view of a contiguous array",
                                          statement_replacing(context, node, new)))
    return found


RULE = Rule(
    name="flatten-copy",
    category="unexpected-copy",
    finds=("x.flatten() (or flatten(order=\"C\")) of a C-contiguous array of at least "
           "`silent_bytes`, when neither the flat copy nor x is written to or rebound for the rest "
           "of the cell."),
    why=("flatten() always copies the whole array; ravel() of a contiguous array is a view that "
         "costs no memory and no time."),
    example="flat = img.flatten()\n->\nflat = img.ravel()",
    near_misses=("Non-contiguous arrays (ravel copies them too); flatten in another order "
                 "(order=\"F\" of a C-contiguous array copies with ravel too); a flat copy the "
                 "cell then writes to (the copy is the point); a source the cell changes "
                 "afterwards."),
    rewrite="equivalent",
    check=flatten_copy,
)
