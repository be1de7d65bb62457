"""What the object-dtype rules share: the object arrays a cell makes or reads, whether they hold
only numbers (and which kind), and the ones holding numbers with None for the gaps that the cell
then turns into numbers (rules/object_dtype/)."""

from __future__ import annotations

import ast

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.context import CellContext
from arrayprof.report import Report


def object_arrays(report: Report, context: CellContext) -> dict[str, int | None]:
    """Names of object arrays -> the line that made them (None when the cell only reads them):
    the report's object arrays, then object arrays of the namespace the cell loads."""
    assert context.tree is not None
    ns = context.namespace
    candidates: dict[str, int | None] = {a.name: a.lineno for a in report.arrays
                                         if a.dtype == "object"}
    for name in at.loaded_names(context.tree):
        value = ns.get(name)
        if isinstance(value, np.ndarray) and value.dtype == object and name not in candidates:
            candidates[name] = None
    return candidates


def numeric_names(context: CellContext, candidates: dict[str, int | None]) -> set[str]:
    """The candidates that are non-empty and hold only numbers (`numeric_kind`)."""
    ns = context.namespace
    return {name for name in candidates if isinstance(ns.get(name), np.ndarray) and
            ns[name].size and numeric_kind(ns[name]) is not None}


def numeric_kind(array: np.ndarray) -> str | None:
    """'int', 'float' or 'complex' when every (sampled) element is a number, else None.

    Every element up to a million is looked at (a strided sample can step over every None of
    a pattern like ``[1.5, None, 3.0] * n``); beyond that a random sample.  Types are collected
    in one pass; Python ints are then checked to fit int64 (beyond it, object is right)."""
    flat = array.ravel()
    sample = flat if flat.size <= 1_000_000 else flat[np.random.default_rng(0).integers(
        0, flat.size, 200_000)]
    kinds = set()
    for kind_of in set(map(type, sample)):
        if issubclass(kind_of, bool | np.bool_):
            kinds.add("bool")
        elif issubclass(kind_of, int | np.integer):
            kinds.add("int")
        elif issubclass(kind_of, float | np.floating):
            kinds.add("float")
        elif issubclass(kind_of, complex | np.complexfloating):
            kinds.add("complex")
        else:
            return None
    if not kinds:
        return None
    if kinds <= {"int", "bool"}:
        try:
            sample.astype(np.int64)
        except (OverflowError, TypeError, ValueError):
            return None  # beyond int64: object (Python ints) is the right choice
    for kind in ("complex", "float", "int"):
        if kind in kinds:
            return kind
    return "int"


def numbers_with_none(array: np.ndarray) -> bool:
    """Every element a number or None, with both present: numbers with gaps marked None."""
    flat = array.ravel()
    sample = flat if flat.size <= 1_000_000 else flat[np.random.default_rng(0).integers(
        0, flat.size, 200_000)]
    kinds = set(map(type, sample))
    if type(None) not in kinds or len(kinds) < 2:
        return False
    return all(k is type(None) or (issubclass(k, int | float | np.integer | np.floating) and
                                   not issubclass(k, bool | np.bool_)) for k in kinds)


def binding_statement(context: CellContext, name: str, lineno: int | None) -> ast.stmt | None:
    assert context.tree is not None
    bindings = at.binding_lines(context.tree, name)
    if not bindings:
        return None
    if lineno is not None:
        lineno = max([b for b in bindings if b <= lineno] or bindings[:1])
    else:
        lineno = bindings[0]
    return at.statement_at(context.tree, lineno)


def gappy_sources(context: CellContext, candidates: dict[str, int | None],
                  numeric: set[str]) -> dict[str, tuple[ast.stmt, list[str]]]:
    """Object arrays of numbers with None for the gaps (``np.array([1.5, None, ...])``) that
    the cell then makes an object array of numbers from (by dropping the Nones): name -> (the
    statement that made it, the numeric object arrays made from it)."""
    ns = context.namespace
    out: dict[str, tuple[ast.stmt, list[str]]] = {}
    for name, lineno in candidates.items():
        value = ns.get(name)
        if name in numeric or not isinstance(value, np.ndarray) or not value.size or \
                not numbers_with_none(value):
            continue
        users = [n for n in numeric if n != name and
                 (stmt := binding_statement(context, n, candidates.get(n))) is not None and
                 name in at.loaded_names(stmt)]
        stmt = binding_statement(context, name, lineno)
        if not users or stmt is None:
            continue
        out[name] = (stmt, users)
    return out
