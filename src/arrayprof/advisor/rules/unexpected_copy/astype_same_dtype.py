"""astype-same-dtype: ``a.astype(t)`` where ``a`` already is ``t``: astype copies by default,
``astype(t, copy=False)`` returns the array itself."""

from __future__ import annotations

import ast

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.aliasing import copy_finding, read_only_use
from arrayprof.advisor.config import CONFIG
from arrayprof.advisor.rewriting import dtype_of, statement_replacing
from arrayprof.advisor.rule import Rule
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report


def astype_same_dtype(report: Report, context: CellContext) -> list[Finding]:
    """``x.astype(dtype)`` of an array that already has that dtype, never written to after."""
    assert context.tree is not None
    ns = context.namespace
    found: list[Finding] = []
    for node in at.nodes(context.tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "astype" and node.args:
            array = at.array_value(func.value, ns)
            keywords = {k.arg for k in node.keywords}
            if array is None or "copy" in keywords or array.nbytes < CONFIG.silent_bytes:
                continue
            dtype = dtype_of(node.args[0], ns)
            if dtype is None or dtype != array.dtype:
                continue
            if not read_only_use(context, node, at.root_name(func.value)):
                continue
            new = ast.Call(func=func, args=node.args, keywords=[
                *node.keywords, ast.keyword(arg="copy", value=ast.Constant(False))])
            found.append(copy_finding(context, report, node, array,
                                      f"astype({at.unparse(node.args[0])}) of an array that "
                                      f"already is {array.dtype} copies it",
                                      "astype(..., copy=False) returns the array itself",
                                      statement_replacing(context, node, new)))
    return found


RULE = Rule(
    name="astype-same-dtype",
    category="unexpected-copy",
    finds=("x.astype(t) without copy= where x already has dtype t and at least `silent_bytes`, when "
           "neither the result nor x is written to or rebound for the rest of the cell."),
    why=("astype copies by default even when the dtype does not change: a full pass over memory and its "
         "bytes for an identical array."),
    example="x64 = x.astype(np.float64)  # x is float64\n->\nx64 = x.astype(np.float64, copy=False)",
    near_misses=("A real conversion (another dtype); astype(..., copy=...) written out; a result the cell "
                 "then writes to; a source the cell changes afterwards."),
    rewrite="equivalent",
    check=astype_same_dtype,
)
