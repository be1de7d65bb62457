"""Copies of a cell's inputs taken before it runs, so rewrites can be verified later on the values
the cell started from (cells change their inputs in place), never on the user's arrays.

Only what verification needs is copied: arrays the cell reads *and* may change (rebinds, writes
into, passes as ``out=``, calls a mutating method on).  Arrays it only reads are the same object
after the cell, so a weak reference is enough and costs nothing.  Copies respect a memory budget.
"""

from __future__ import annotations

import ast
import copy
import weakref
from dataclasses import dataclass, field
from typing import Any

import numpy as np

MUTATING_METHODS = {"sort", "fill", "resize", "put", "itemset", "setfield", "partition", "byteswap",
                    "setflags", "__setitem__", "__iadd__", "__isub__", "__imul__"}
MUTATING_FUNCTIONS = {"copyto", "put", "place", "putmask", "fill_diagonal", "put_along_axis"}
SMALL_OBJECT_BYTES = 1 << 20
VIEW_METHODS = {"ravel", "reshape", "view", "transpose", "swapaxes", "squeeze", "diagonal"}


@dataclass
class CellInputs:
    """Pre-cell values by name: copies, or weak references to arrays the cell does not change."""

    values: dict[str, Any] = field(default_factory=dict)
    weak: dict[str, Any] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)  # name -> why it could not be kept

    def get(self, name: str) -> Any:
        """A fresh copy of the pre-cell value (KeyError if it was not kept)."""
        if name in self.values:
            value = self.values[name]
        elif name in self.weak:
            value = self.weak[name]()
            if value is None:
                raise KeyError(name)
        else:
            raise KeyError(name)
        return value.copy() if isinstance(value, np.ndarray) else copy.copy(value)

    def names(self) -> set[str]:
        return set(self.values) | set(self.weak)


def view_base(value: ast.expr) -> str | None:
    """The name a slicing / attribute / view-method / alias expression may share memory with."""
    if isinstance(value, ast.Name):
        return value.id
    if isinstance(value, ast.Subscript | ast.Attribute) and isinstance(value.value, ast.Name):
        return value.value.id
    if (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
            and value.func.attr in VIEW_METHODS and isinstance(value.func.value, ast.Name)):
        return value.func.value.id
    return None


def names_read_and_changed(tree: ast.AST) -> tuple[set[str], set[str]]:
    """Names the cell loads, and names it may change (rebinding or in-place).  A write through a
    view made in the cell (`b = a[3:7]; b[:] = 99`) changes its base too."""
    reads: set[str] = set()
    changed: set[str] = set()

    def root_name(node: ast.AST) -> str | None:
        while isinstance(node, ast.Subscript | ast.Attribute | ast.Starred):
            node = node.value
        return node.id if isinstance(node, ast.Name) else None

    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (reads if isinstance(node.ctx, ast.Load) else changed).add(node.id)
        elif isinstance(node, ast.Subscript | ast.Attribute) and isinstance(node.ctx, ast.Store):
            name = root_name(node)
            if name:
                changed.add(name)
        elif isinstance(node, ast.AugAssign):
            name = root_name(node.target)
            if name:
                changed.add(name)
        elif isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "out":
                    for sub in ast.walk(keyword.value):
                        if isinstance(sub, ast.Name):
                            changed.add(sub.id)
            func = node.func
            if isinstance(func, ast.Attribute):
                if func.attr in MUTATING_METHODS:
                    name = root_name(func.value)
                    if name:
                        changed.add(name)
                if func.attr in MUTATING_FUNCTIONS and node.args:
                    name = root_name(node.args[0])
                    if name:
                        changed.add(name)
    aliases: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            base = view_base(node.value)
            if base is not None:
                aliases.setdefault(node.targets[0].id, set()).add(base)
    grew = True
    while grew:  # views of views: propagate until nothing new is changed
        grew = False
        for view, bases in aliases.items():
            if view in changed and not bases <= changed:
                changed |= bases
                grew = True
    return reads, changed


def capture_inputs(tree: ast.AST, namespace: dict[str, Any], budget_bytes: int) -> CellInputs:
    inputs = CellInputs()
    reads, changed = names_read_and_changed(tree)
    spent = 0
    for name in sorted(reads):
        if name not in namespace:
            continue
        value = namespace[name]
        if isinstance(value, np.ndarray):
            if name not in changed:
                inputs.weak[name] = weakref.ref(value)
            elif spent + value.nbytes <= budget_bytes:
                inputs.values[name] = value.copy()
                spent += value.nbytes
            else:
                inputs.missing[name] = f"{name} ({value.nbytes:,} bytes) is over the copy budget"
        elif isinstance(value, int | float | complex | str | bytes | bool | type(None)
                        | np.generic):
            inputs.values[name] = value
        elif isinstance(value, list | dict | tuple | set) and name in changed:
            try:
                inputs.values[name] = copy.deepcopy(value)
            except Exception:
                inputs.missing[name] = f"{name} could not be copied"
        else:
            inputs.values[name] = value  # modules, functions, unchanged containers: by reference
    return inputs
