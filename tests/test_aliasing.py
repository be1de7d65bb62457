"""advisor/aliasing.py, the machinery the copy and view rules share: code in, facts out.

These facts decide whether a copy could have been a view (`read_only_use`) and what a view is a
view of (`view_source`), so each is pinned down here on its own, away from any rule."""

from __future__ import annotations

import ast

import numpy as np
import pytest

from arrayprof.advisor.aliasing import (
    changed_after,
    owner,
    read_only_use,
    rebound_between,
    target_name,
    view_source,
)
from arrayprof.context import CellContext


def context(source: str, **namespace: object) -> CellContext:
    return CellContext(source=source, filename="<cell>", tree=ast.parse(source),
                       namespace=dict(namespace))


def flatten_on(ctx: CellContext, lineno: int) -> ast.Call:
    """The ``.flatten()`` call on a line."""
    assert ctx.tree is not None
    return next(n for n in ast.walk(ctx.tree) if isinstance(n, ast.Call) and n.lineno == lineno
                and isinstance(n.func, ast.Attribute) and n.func.attr == "flatten")


@pytest.mark.parametrize(("source", "name", "lineno", "changed"), [
    ("a = x.flatten()\nb = a.sum()\n", "a", 1, False),
    ("a = x.flatten()\na[0] = 1\n", "a", 1, True),  # written in place later
    ("a = x.flatten()\na += 1\n", "a", 1, True),
    ("a = x.flatten()\na = 0\n", "a", 1, True),  # rebound later
    ("a[0] = 1\na = x.flatten()\n", "a", 2, False),  # only before
    ("for k in range(3):\n    a = x.flatten()\n    a[k] = 0\n", "a", 2, True),
    # a write earlier in the loop body runs again after the line on the next pass
    ("for k in range(3):\n    x[k] = 0\n    a = x.flatten()\n", "x", 3, True),
])
def test_changed_after(source: str, name: str, lineno: int, changed: bool) -> None:
    assert changed_after(ast.parse(source), name, lineno) is changed


def test_rebound_between_is_strict() -> None:
    tree = ast.parse("m = X.mean(1)\nm = m * 2\nY = X - m\n")
    assert rebound_between(tree, "m", 1, 3) is True
    assert rebound_between(tree, "m", 2, 3) is False  # line 2 is the bound, not inside
    assert rebound_between(tree, "Y", 1, 3) is False


def test_owner_follows_bases_to_the_buffer() -> None:
    big = np.arange(100.0)
    view = big.reshape(10, 10)[2:4].T
    assert owner(view) is big
    assert owner(big) is big
    assert owner(view.copy()) is not big


@pytest.mark.parametrize(("expr", "base"), [
    ("a[2:5]", "a"), ("a[:, 0]", "a"), ("a[None, 1:]", "a"), ("a[..., ::2]", "a"),
    ("a.T", "a"), ("a.ravel()", "a"), ("a.reshape(3, 4)", "a"), ("a.view(np.int32)", "a"),
    ("a.diagonal()", "a"),
    ("a[0]", None),  # an integer index of a 1-D array is a scalar, of 2-D a view: not claimed
    ("a[[0, 1]]", None), ("a[a > 0]", None), ("a.copy()", None), ("a.flatten()", None),
    ("f(a)[1:]", None),
])
def test_view_source(expr: str, base: str | None) -> None:
    assert view_source(ast.parse(expr, mode="eval").body, {}) == base


def test_target_name_only_for_a_whole_right_hand_side() -> None:
    ctx = context("a = x.flatten()\nb = np.sum(x.flatten())\nc, d = x.flatten(), 1\n")
    assert target_name(ctx, flatten_on(ctx, 1)) == "a"
    assert target_name(ctx, flatten_on(ctx, 2)) is None
    assert target_name(ctx, flatten_on(ctx, 3)) is None


@pytest.mark.parametrize(("source", "source_name", "read_only"), [
    ("a = x.flatten()\nm = a.max()\n", "x", True),
    ("a = x.flatten()\na[a > 0.5] = 0.0\n", "x", False),  # the copy is written to
    ("a = x.flatten()\nx[0] = 1.0\nm = a.max()\n", "x", False),  # its source changes after
    ("x = x.flatten()\n", "x", False),  # rebinding the source to its copy
    ("m = np.max(x.flatten())\n", "x", True),  # not named: nothing can write to it
])
def test_read_only_use(source: str, source_name: str, read_only: bool) -> None:
    ctx = context(source, x=np.zeros((3, 3)))
    lineno = next(k for k, line in enumerate(source.splitlines(), 1) if "flatten" in line)
    assert read_only_use(ctx, flatten_on(ctx, lineno), source_name) is read_only
