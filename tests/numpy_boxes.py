"""What NumPy allocates besides an operation's result, measured in this process rather than
hard-coded: the 0-d arrays it boxes a Python scalar in.  `np.ones` fills its result from such boxes
(two 8-byte ones on NumPy 2.x, one on 1.26) and `arr * 2` converts the 2 through them, so the exact
figures of a cell that calls them depend on the NumPy version.  Exact-figure tests add these to the
bytes they work out for the arrays themselves."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

import arrayprof


@dataclass(frozen=True)
class Boxes:
    """The scalar boxes one statement makes: how many, their bytes, and the most alive at once."""

    count: int
    nbytes: int
    peak_bytes: int


def _measure(statement: str, result_bytes: int, **arrays: np.ndarray) -> Boxes:
    """The boxes of `statement` (which binds a result of `result_bytes`): everything else it
    allocates is a box, freed on its line.  Measured twice, the second time warm."""
    for _ in range(2):
        report = arrayprof.profile(statement, {"np": np, **arrays}, verify=False)
    numpy = report.numpy
    boxes = Boxes(numpy.allocations - 1, numpy.allocated_bytes - result_bytes,
                  numpy.peak_bytes - result_bytes)
    # what makes them boxes: freed on the line, and each as small as one scalar of NumPy's
    assert (numpy.temporaries, numpy.temporary_bytes) == (boxes.count, boxes.nbytes), numpy
    assert boxes.nbytes <= 16 * boxes.count, boxes
    return boxes


@functools.cache
def ones_fill() -> Boxes:
    """`np.ones(n)` of float64: the boxes of its fill value 1."""
    return _measure("a = np.ones(1000)", 8000)


@functools.cache
def scalar_operand() -> Boxes:
    """`t * 2` with t a float64 array: the boxes the Python int operand goes through."""
    return _measure("u = t * 2", 8000, t=np.zeros(1000))
