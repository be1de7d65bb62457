"""array-of-array: ``np.array(a)`` of an existing array that is never written to: it copies,
``np.asarray(a)`` returns it unchanged."""

from __future__ import annotations

import ast
from typing import Any

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.aliasing import copy_finding, read_only_use
from arrayprof.advisor.config import CONFIG
from arrayprof.advisor.rewriting import dtype_of, statement_replacing
from arrayprof.advisor.rule import Rule
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report


def array_of_array(report: Report, context: CellContext) -> list[Finding]:
    """``np.array(x)`` (or ``np.array(x, dtype=x.dtype)``) of an array, never written to after."""
    assert context.tree is not None
    ns = context.namespace
    found: list[Finding] = []
    for node in at.nodes(context.tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if at.np_func(func, ns, "array") and len(node.args) == 1 and same_dtype_keywords(
                node, ns):
            array = at.array_value(node.args[0], ns)
            if array is None or array.nbytes < CONFIG.silent_bytes:
                continue
            if any(k.arg == "dtype" for k in node.keywords):
                dtype = dtype_of(next(k.value for k in node.keywords if k.arg == "dtype"), ns)
                if dtype != array.dtype:
                    continue
            if not read_only_use(context, node, at.root_name(node.args[0])):
                continue
            new = ast.Call(func=at.np_attr("asarray"), args=node.args, keywords=[
                k for k in node.keywords if k.arg == "dtype"])
            found.append(copy_finding(context, report, node, array,
                                      "np.array(arr) copies an existing array",
                                      "np.asarray(arr) returns it unchanged",
                                      statement_replacing(context, node, new)))
    return found


def same_dtype_keywords(node: ast.Call, ns: dict[str, Any]) -> bool:
    """np.array's keywords allow a view: none, or only ``dtype=`` (checked by the caller)."""
    return all(k.arg == "dtype" for k in node.keywords)


RULE = Rule(
    name="array-of-array",
    category="unexpected-copy",
    finds=("np.array(x) of an existing array of at least `silent_bytes` (no keywords, or only dtype= "
           "naming x's own dtype), when neither the result nor x is written to or rebound for the rest of "
           "the cell."),
    why=("np.array copies its argument by default: a full pass over memory and its bytes for an identical "
         "array; np.asarray returns the array itself."),
    example="y = np.array(x)\n->\ny = np.asarray(x)",
    near_misses=("np.array of a list or of a non-array; another dtype, copy=, order= or ndmin=; a result "
                 "the cell then writes to (the copy is the point); a source the cell changes afterwards."),
    rewrite="equivalent",
    check=array_of_array,
)
