"""The ufunc observer sees every ufunc call, whatever made the ufunc, and changes nothing it sees.

ufunc.at, ufuncs made after arrayprof loads (np.frompyfunc, np.vectorize, SciPy imported later),
shapes of any number of dimensions NumPy allows, many call sites, and dtype refcounts (NumPy's own
tests check them) are each checked against NumPy itself.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from test_native_geometry import numpy_maxdims

from arrayprof.session import Session


def profile_ops(code: str, **names: object) -> tuple[list[dict], dict]:
    """The report's ops (recording and report, without the advisor, which is not under test)."""
    namespace = {"np": np, "sys": sys, **names}
    report, _, error = Session(code, namespace, rss="off").run()
    assert error is None, error
    return report.to_dict()["ops"], namespace


def test_ufunc_at_is_recorded() -> None:
    ops, ns = profile_ops(
        "a = np.zeros(10)\n"
        "idx = np.array([1, 2, 2, 7])\n"
        "np.add.at(a, idx, 1)\n"
        "np.negative.at(a, [0, 1])\n")
    at = [op for op in ops if op["kind"] == "at"]
    assert [(op["lineno"], op["name"], op["count"]) for op in at] == [
        (3, "add.at", 1), (4, "negative.at", 1)]
    assert at[0]["inplace"] is True
    assert at[0]["result"]["shape"] == [10] and at[0]["result"]["strides"] == [8]
    assert at[0]["operands"][0]["dtype"] == "float64"
    assert ns["a"].tolist() == [0, -1, 2, 0, 0, 0, 0, 1, 0, 0]


def test_frompyfunc_made_in_the_cell_is_observed() -> None:
    ops, ns = profile_ops(
        "f = np.frompyfunc(lambda v: v + 1, 1, 1)\n"
        "r = f(np.arange(3))\n"
        "g = np.vectorize(lambda v: v * 2)\n"
        "s = g(np.arange(4))\n")
    made = [(op["lineno"], op["kind"], op["name"], op["result"]["shape"]) for op in ops
            if "vectorized" in op["name"]]
    assert made == [(2, "ufunc", "<lambda> (vectorized)", [3]),
                    (4, "ufunc", "<lambda> (vectorized)", [4])]
    assert ns["r"].tolist() == [1, 2, 3] and ns["s"].tolist() == [0, 2, 4, 6]


@pytest.mark.skipif(importlib.util.find_spec("scipy") is None,
                    reason="scipy is not installed (pip install scipy to run this case)")
def test_scipy_imported_after_arrayprof_is_observed() -> None:
    """In a fresh interpreter, so that SciPy is really imported after arrayprof has installed."""
    script = textwrap.dedent("""
        import json, sys
        import numpy as np
        import arrayprof
        arrayprof.profile("x = np.ones(3) + 1", {"np": np}, verify=False)
        assert "scipy.special" not in sys.modules
        import scipy.special as sp
        report = arrayprof.profile("y = sp.erf(np.linspace(0, 1, 5))\\nz = sp.gamma(np.ones((2, 3)))",
                                   {"np": np, "sp": sp}, verify=False)
        print(json.dumps([[o.lineno, o.kind, o.name, o.result["shape"]] for o in report.ops]))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    ops = json.loads(done.stdout.splitlines()[-1])
    assert [1, "ufunc", "erf", [5]] in ops
    assert [2, "ufunc", "gamma", [2, 3]] in ops


def test_ufuncs_made_before_arrayprof_installs_are_observed() -> None:
    """A module loaded first holds its own ufunc: found when arrayprof installs."""
    script = textwrap.dedent("""
        import json, sys, types
        import numpy as np
        early = types.ModuleType("early_ufuncs")
        early.twice = np.frompyfunc(lambda v: 2 * v, 1, 1)
        sys.modules["early_ufuncs"] = early
        import arrayprof
        from arrayprof.session import Session
        report, _, _ = Session("r = twice(np.arange(3))", {"np": np, "twice": early.twice},
                               rss="off").run()
        print(json.dumps([[o.lineno, o.name] for o in report.ops]))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.splitlines()[-1]) == [[1, "<lambda> (vectorized)"]]


@pytest.mark.parametrize("ndim", [9, 32, "max"])
def test_shapes_up_to_numpy_maximum_dimensions(ndim: int | str) -> None:
    n = numpy_maxdims() if ndim == "max" else ndim
    shape = tuple(2 if k % 5 == 0 else 1 for k in range(n))
    base = np.ones(shape)[(slice(None, None, -1),) * n]  # reversed: negative strides everywhere
    ops, ns = profile_ops("b = a * 2\nc = np.add.reduce(a, axis=0)\n", a=base)
    (mul,) = [op for op in ops if op["name"] == "multiply"]
    (red,) = [op for op in ops if op["name"] == "add.reduce"]
    assert mul["result"]["shape"] == list(ns["b"].shape)
    assert mul["result"]["strides"] == list(ns["b"].strides)
    assert mul["operands"][0]["shape"] == list(base.shape)
    assert mul["operands"][0]["strides"] == list(base.strides)
    assert red["result"]["shape"] == list(ns["c"].shape)
    assert red["result"]["strides"] == list(ns["c"].strides)


def test_dtype_refcounts_are_unchanged_while_recording() -> None:
    """NumPy's tests compare sys.getrefcount(dtype) around operations: recording must not move it.
    The results themselves hold their dtype, so the change is compared with a plain run's."""
    code = (
        "x = np.arange(5.0)\n"
        "when = np.array(['2020-01-01', '2021-06-01'], dtype='M8[s]')\n"
        "swapped = np.arange(3.0).astype('>f8')\n"
        "before = [sys.getrefcount(d) for d in (x.dtype, when.dtype, swapped.dtype)]\n"
        "y = x + x\n"
        "t = when + np.timedelta64(1, 's')\n"
        "s = swapped * 2\n"
        "m = np.add.reduce(x)\n"
        "after = [sys.getrefcount(d) for d in (x.dtype, when.dtype, swapped.dtype)]\n"
    )
    plain = {"np": np, "sys": sys}
    exec(code, plain)
    ops, ns = profile_ops(code)
    changed = [a - b for a, b in zip(ns["after"], ns["before"], strict=True)]
    assert changed == [a - b for a, b in zip(plain["after"], plain["before"], strict=True)]
    dtypes = {op["lineno"]: (op["operands"][0]["dtype"], op["result"]["dtype"]) for op in ops}
    assert dtypes[5] == ("float64", "float64")
    assert dtypes[6] == (str(ns["when"].dtype), str(ns["t"].dtype)) == ("datetime64[s]",) * 2
    assert dtypes[7] == (">f8", str(ns["s"].dtype))
    assert dtypes[8] == ("float64", "float64")


def test_many_sites_each_counted() -> None:
    """Thousands of call sites in one cell, revisited out of order: every count exact."""
    lines = [f"y{k} = x + {k}" for k in range(3000)]
    lines.append("for i in range(50):\n    for k in (0, 1500, 2999):\n        z = x * k")
    ops, _ = profile_ops("\n".join(lines), x=np.ones(2))
    adds = [op for op in ops if op["name"] == "add"]
    assert len(adds) == 3000 and {op["count"] for op in adds} == {1}
    assert sorted(op["lineno"] for op in adds) == list(range(1, 3001))
    (mul,) = [op for op in ops if op["name"] == "multiply"]
    assert mul["count"] == 150 and mul["lineno"] == 3003


def test_elision_still_happens() -> None:
    """The observer holds nothing past the call: NumPy still reuses the temporaries."""
    a, b, c, d = (np.ones(100_000) for _ in range(4))
    report, _, _ = Session("z = (a - b) * c + d", {"a": a, "b": b, "c": c, "d": d},
                           rss="off").run()
    assert report.numpy.allocations == 1
    assert report.numpy.temporaries == 0
