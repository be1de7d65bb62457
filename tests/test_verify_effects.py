"""Verification never repeats an effect outside its own copies (issue 17, part 1).

Each cell runs twice, plainly and through ``arrayprof.profile(cell, ns, verify=True)``, in fresh
namespaces from the same setup; what the user can observe afterwards must be the same: the bytes
and modification time of files, memory-mapped files, how often a function of the user's was
called (by NumPy: np.vectorize, np.apply_along_axis, np.frompyfunc, np.piecewise, an
np.seterrcall handler), NumPy's and Python's global random state and the next draw.  The cells
are built so that verifying their rewrite needs the earlier lines again (a name rebound later is
rebuilt by replaying them) or runs the callback itself: before verification judged effects,
each of them repeated one.  And nothing of a cell stays alive after its report is built: not the
copies of its inputs, not a namespace the caller dropped.
"""

from __future__ import annotations

import gc
import os
import random
import subprocess
import sys
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

import arrayprof
from arrayprof import api, session
from arrayprof.report import Report, Rewrite

pytestmark = pytest.mark.core

# A loop the advisor rewrites (``total = y.sum()``), after a line that makes `y`; `y` is rebound
# after the loop, so verifying the loop rebuilds it by replaying the lines before.
LOOP_AFTER = """
total = 0.0
for i in range(len(y)):
    total += y[i]
y = y + 1
"""


def run_both(setup: Callable[[], dict[str, Any]], cell: str,
             observe: Callable[[dict[str, Any]], Any]) -> tuple[Any, Any, Report]:
    """(what `observe` sees after a plain run, after a profiled run, the report)."""
    plain_ns = setup()
    exec(compile(cell, "<plain>", "exec"), plain_ns)
    plain = observe(plain_ns)
    profiled_ns = setup()
    report = arrayprof.profile(cell, profiled_ns, verify=True)
    assert report.error is None, report.error
    return plain, observe(profiled_ns), report


def rewrite_of(report: Report, category: str = "python-loop") -> Rewrite:
    found = [f for f in report.findings if f.category == category and f.rewrite is not None]
    assert found, [(f.category, f.lineno, f.rewrite) for f in report.findings]
    return found[0].rewrite


def assert_not_verified(rewrite: Rewrite, *words: str) -> None:
    assert rewrite.verified is False, rewrite.check
    assert rewrite.check.startswith("not verified: "), rewrite.check
    for word in words:
        assert word in rewrite.check, rewrite.check


ELEMENTWISE_LOG = "y = np.empty_like(x)\nfor i in range(len(x)):\n    y[i] = np.log(x[i])\n"


@pytest.fixture
def plain_errstate() -> Iterator[None]:
    """Each test that installs an error handler leaves NumPy's modes as it found them."""
    with np.errstate(all="warn", call=None):
        yield


# -- files and memory-mapped files -----------------------------------------------------------------
def test_memmap_opened_r_plus_is_incremented_once(tmp_path: Path) -> None:
    path = tmp_path / "counts.bin"
    cell = f"m = np.memmap({str(path)!r}, dtype=np.float64, mode='r+', shape=(1000,))\n" \
           "m += 1\ny = m\n" + LOOP_AFTER

    def setup() -> dict[str, Any]:
        np.arange(1000, dtype=np.float64).tofile(path)
        return {"np": np}

    def observe(ns: dict[str, Any]) -> bytes:
        ns["m"].flush()
        del ns["m"], ns["y"]
        return path.read_bytes()

    plain, profiled, report = run_both(setup, cell, observe)
    assert profiled == plain
    assert np.array_equal(np.frombuffer(profiled), np.arange(1000.0) + 1)
    assert_not_verified(rewrite_of(report), "np.memmap")


def test_memmap_input_is_never_copied_or_run_on(tmp_path: Path) -> None:
    """A memmap the cell changes in place is not copied before the cell (that reads the file)
    and no rewrite runs on it."""
    path = tmp_path / "data.bin"
    np.arange(500, dtype=np.float64).tofile(path)
    ns: dict[str, Any] = {"np": np, "m": np.memmap(path, dtype=np.float64, mode="r+")}
    report = arrayprof.profile("m *= 2\ny = m\n" + LOOP_AFTER, ns)
    assert_not_verified(rewrite_of(report), "memory-mapped file")
    ns["m"].flush()
    assert np.array_equal(np.fromfile(path), np.arange(500.0) * 2)


def test_file_written_before_the_loop_is_written_once(tmp_path: Path) -> None:
    """np.save before the rewritten loop: replaying it would write the file again (its
    modification time, which the cell set after the loop, would move)."""
    path = tmp_path / "y.npy"
    stamp = 1_000_000_000_000_000_000
    cell = (f"y = np.linspace(0.0, 1.0, 1000)\nnp.save({str(path)!r}, y)\n" + LOOP_AFTER +
            f"os.utime({str(path)!r}, ns=({stamp}, {stamp}))\n")

    def observe(ns: dict[str, Any]) -> tuple[bytes, int]:
        return path.read_bytes(), path.stat().st_mtime_ns

    plain, profiled, report = run_both(lambda: {"np": np, "os": os}, cell, observe)
    assert profiled == plain and profiled[1] == stamp
    assert_not_verified(rewrite_of(report), "files", "np.save")


def test_file_appended_to_by_savetxt_gets_one_copy(tmp_path: Path) -> None:
    path = tmp_path / "log.txt"
    cell = (f"y = np.arange(1000.0)\nwith open({str(path)!r}, 'a') as fh:\n"
            "    np.savetxt(fh, y)\n" + LOOP_AFTER)
    plain, profiled, report = run_both(lambda: {"np": np}, cell,
                                       lambda ns: path.read_bytes())
    assert profiled.count(b"\n") == 2000 and plain.count(b"\n") == 1000  # one run each
    assert_not_verified(rewrite_of(report), "open")


# -- functions of the user's that NumPy calls back ---------------------------------------------------
CALLBACK_CELLS = {
    "vectorize": "y = np.vectorize(f)(x)",
    "frompyfunc": "y = np.frompyfunc(f, 1, 1)(x).astype(float)",
    "apply_along_axis": "y = np.apply_along_axis(f, 1, x.reshape(100, 10)).ravel()",
    "piecewise": "y = np.piecewise(x, [x < 50, x >= 50], [f, lambda v: v])",
}


@pytest.mark.parametrize("kind", sorted(CALLBACK_CELLS))
def test_a_function_numpy_calls_back_is_called_as_often_as_plainly(kind: str) -> None:
    calls: list[int] = []

    def f(v: Any) -> Any:  # the user's function, defined outside the cell: its calls are counted
        calls.append(1)
        return v * 2

    def setup() -> dict[str, Any]:
        calls.clear()
        return {"np": np, "f": f, "x": np.arange(1000.0)}

    plain, profiled, report = run_both(setup, CALLBACK_CELLS[kind] + "\n" + LOOP_AFTER,
                                       lambda ns: len(calls))
    assert profiled == plain and plain > 0
    assert_not_verified(rewrite_of(report), "f, a function of yours outside NumPy")


@pytest.mark.parametrize("cell", ["total = sum(vf(x))", "top = max(vf(x))"])
def test_rules_never_evaluate_a_call_numpy_would_make_to_a_users_function(cell: str) -> None:
    """Rules evaluate small expressions of the cell to learn what they are (``sum(<array>)``);
    one that calls the user's function through np.vectorize is left unevaluated."""
    calls: list[int] = []

    def f(v: Any) -> Any:
        calls.append(1)
        return v * 2

    def setup() -> dict[str, Any]:
        calls.clear()
        return {"np": np, "vf": np.vectorize(f), "x": np.arange(2000.0)}

    plain, profiled, _ = run_both(setup, cell, lambda ns: len(calls))
    assert profiled == plain == 2001  # np.vectorize calls f once more to learn the type


def test_a_cell_function_runs_on_copies_and_is_still_verified() -> None:
    """A function the cell defines is judged by its body and run re-bound to the copies: its
    appends land in the copy of `seen`, the user's list is untouched, the rewrite verified."""
    cell = ("def f(v):\n    seen.append(v)\n    return v * 2\n"
            "y = np.vectorize(f)(x)\n" + LOOP_AFTER)

    def setup() -> dict[str, Any]:
        return {"np": np, "seen": [], "x": np.arange(200.0)}

    plain, profiled, report = run_both(setup, cell, lambda ns: list(ns["seen"]))
    assert profiled == plain and len(plain) == 201  # np.vectorize calls f once more for its type
    rewrite = rewrite_of(report)
    assert rewrite.verified and rewrite.equal, rewrite.check


def test_an_np_seterrcall_handler_is_called_as_often_as_plainly(plain_errstate: None) -> None:
    calls: ClassVar[list[str]] = []

    def handler(kind: str, flag: int) -> None:
        calls.append(kind)

    def setup() -> dict[str, Any]:
        calls.clear()
        np.seterrcall(handler)
        np.seterr(all="call")
        return {"np": np, "x": np.linspace(-1.0, 1.0, 1000)}

    def observe(ns: dict[str, Any]) -> tuple[Any, ...]:
        return list(calls), np.geterr(), np.geterrcall()

    for cell in ("y = np.log(x)\n" + LOOP_AFTER, ELEMENTWISE_LOG):
        plain, profiled, report = run_both(setup, cell, observe)
        assert profiled == plain and plain[0] and plain[2] is handler
        assert_not_verified(rewrite_of(report), "np.seterrcall", "handler")


def test_print_mode_errors_are_printed_as_often_as_plainly(plain_errstate: None,
                                                           capfd: pytest.CaptureFixture) -> None:
    """np.seterr(all='print') prints each floating-point error; verification runs with it
    quieted (and is still verified), so the cell's 500 lines are printed once."""
    np.seterr(all="print")
    ns = {"np": np, "x": np.linspace(-1.0, 1.0, 1000)}
    exec(ELEMENTWISE_LOG, dict(ns))
    plain = capfd.readouterr()
    report = arrayprof.profile(ELEMENTWISE_LOG, dict(ns))
    profiled = capfd.readouterr()
    count = (plain.out + plain.err).count("invalid value encountered in log")
    assert count == 500
    assert (profiled.out + profiled.err).count("invalid value encountered in log") == count
    assert np.geterr() == dict.fromkeys(("divide", "over", "under", "invalid"), "print")
    rewrite = rewrite_of(report)
    assert rewrite.verified and rewrite.equal, rewrite.check


class Logged:
    """An object of the user's that NumPy hands every ufunc call to (__array_ufunc__)."""

    calls: ClassVar[list[str]] = []

    def __init__(self, values: np.ndarray) -> None:
        self.values = values

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        Logged.calls.append(ufunc.__name__)
        plain = [i.values if isinstance(i, Logged) else i for i in inputs]
        return getattr(ufunc, method)(*plain, **kwargs)


@pytest.mark.parametrize("cell", ["y = np.add(x, w)", "w = Logged(x)\ny = np.add(x, w)"])
def test_an_array_ufunc_of_the_users_is_called_as_often_as_plainly(cell: str) -> None:
    def setup() -> dict[str, Any]:
        Logged.calls.clear()
        return {"np": np, "Logged": Logged, "x": np.arange(1000.0),
                "w": Logged(np.ones(1000))}

    plain, profiled, report = run_both(setup, cell + "\n" + LOOP_AFTER,
                                       lambda ns: list(Logged.calls))
    assert profiled == plain == ["add"]
    assert_not_verified(rewrite_of(report))


def test_an_iterator_of_the_users_is_consumed_once() -> None:
    """An iterator is state the verifier cannot copy: replaying the line that reads from it
    would take the next items from the user's."""
    cell = "y = np.fromiter(it, float, count=1000)\n" + LOOP_AFTER
    plain, profiled, report = run_both(lambda: {"np": np, "it": iter(range(100_000))}, cell,
                                       lambda ns: next(ns["it"]))
    assert profiled == plain == 1000
    assert_not_verified(rewrite_of(report), "it is an iterator")


# -- global random states -------------------------------------------------------------------------
def random_states() -> tuple[Any, ...]:
    kind, keys, pos, has_gauss, gauss = np.random.get_state()
    return kind, keys.tobytes(), pos, has_gauss, gauss, random.getstate()


@pytest.mark.parametrize("draw", ["y = np.random.rand(1000)",
                                  "np.random.seed(7)\ny = np.random.normal(size=1000)"])
def test_numpy_global_random_state_is_where_a_plain_run_leaves_it(draw: str) -> None:
    def setup() -> dict[str, Any]:
        np.random.seed(0)
        random.seed(0)
        return {"np": np}

    def observe(ns: dict[str, Any]) -> tuple[Any, ...]:
        return random_states(), np.random.random(), random.random(), ns["y"].tobytes()

    plain, profiled, report = run_both(setup, draw + "\n" + LOOP_AFTER, observe)
    assert profiled == plain
    assert_not_verified(rewrite_of(report), "NumPy's global random state")


def test_a_generator_of_the_users_is_copied_and_the_rewrite_verified() -> None:
    def setup() -> dict[str, Any]:
        return {"np": np, "rng": np.random.default_rng(3)}

    def observe(ns: dict[str, Any]) -> tuple[Any, ...]:
        return ns["rng"].random(), ns["y"].tobytes()

    plain, profiled, report = run_both(setup, "y = rng.random(1000)\n" + LOOP_AFTER, observe)
    assert profiled == plain
    rewrite = rewrite_of(report)
    assert rewrite.verified and rewrite.equal, rewrite.check


def test_python_random_module_is_not_run() -> None:
    def setup() -> dict[str, Any]:
        random.seed(1)
        return {"np": np, "random": random}

    cell = "y = np.array([random.random() for _ in range(1000)])\n" + LOOP_AFTER
    plain, profiled, report = run_both(setup, cell, lambda ns: random_states())
    assert profiled == plain
    assert_not_verified(rewrite_of(report), "random")


# -- nothing kept alive ---------------------------------------------------------------------------
def test_profile_keeps_no_namespace_of_the_callers() -> None:
    gc.disable()  # freed by reference counting alone: no cycle may hold it
    try:
        ns: dict[str, Any] = {"np": np}
        arrayprof.profile("a = np.ones(1000)\nb = a * 2\n", ns)
        a, b = weakref.ref(ns["a"]), weakref.ref(ns["b"])
        del ns
        assert a() is None and b() is None
    finally:
        gc.enable()


@pytest.fixture
def copies(monkeypatch: pytest.MonkeyPatch) -> list[weakref.ref]:
    """Weak references to every copy of an input a session takes before its cell."""
    refs: list[weakref.ref] = []
    capture = session.capture_inputs

    def recording(*args: Any, **kwargs: Any) -> Any:
        inputs = capture(*args, **kwargs)
        refs.extend(weakref.ref(v) for v in inputs.values.values() if isinstance(v, np.ndarray))
        return inputs

    monkeypatch.setattr(session, "capture_inputs", recording)
    return refs


def test_input_copies_are_released_once_the_report_is_built(copies: list[weakref.ref]) -> None:
    big = np.arange(1_000_000, dtype=np.float64)  # 8 MB, changed in place by the cell
    ns: dict[str, Any] = {"np": np, "big": big}
    gc.disable()
    try:
        arrayprof.profile("big += 1\nbig *= 2\n", ns)
        assert len(copies) == 1
        assert copies[0]() is None
        # the entry points that keep the context for `%arrayprof advise` release them too
        s = session.Session("big -= 1\n", ns, capture=True)
        api.profile_session(s, verify=True)
        assert len(copies) == 2 and copies[1]() is None
        assert api.last_context() is not None and api.last_context().inputs.released
    finally:
        gc.enable()
    assert np.array_equal(ns["big"], (np.arange(1_000_000.0) + 1) * 2 - 1)


def test_advise_again_after_the_copies_are_gone_says_so() -> None:
    ns: dict[str, Any] = {"np": np, "x": np.arange(100_000.0)}
    s = session.Session("x += 1\ny = x\n" + LOOP_AFTER, ns, capture=True)
    report, _, _ = api.profile_session(s, verify=True)
    context = api.last_context()
    assert context is not None
    api.advise(report, context, verify=True)
    rewrite = rewrite_of(report)
    assert_not_verified(rewrite, "released")


# -- in a real kernel ------------------------------------------------------------------------------
@pytest.mark.kernel
def test_a_profiled_cell_in_a_kernel_leaves_files_and_draws_as_a_plain_one(tmp_path: Path,
                                                                           ) -> None:
    """%%arrayprof in a real IPython kernel: the memmap incremented once, the next draw of the
    global generator the one a plain cell leaves."""
    pytest.importorskip("jupyter_client")  # the core suite also runs without the kernel extras
    from jupyter_client.manager import start_new_kernel
    from test_kernel import execute, text_of

    manager, client = start_new_kernel(kernel_name="python3")
    try:
        assert execute(client, "%load_ext arrayprof\nimport numpy as np")["status"] == "ok"
        seen = {}
        for mode, magic in (("plain", ""), ("profiled", "%%arrayprof --quiet\n")):
            path = tmp_path / f"{mode}.bin"
            np.zeros(1000).tofile(path)
            cell = (f"{magic}np.random.seed(0)\n"
                    f"m = np.memmap({str(path)!r}, dtype=np.float64, mode='r+')\n"
                    "m += 1\ny = np.random.rand(1000) + m\n" + LOOP_AFTER)
            assert execute(client, cell)["status"] == "ok"
            result = execute(client, "m.flush(); del m\nprint(repr(np.random.random()))")
            seen[mode] = (path.read_bytes(), text_of(result).strip())
        assert seen["profiled"] == seen["plain"]
        assert seen["plain"][0] == np.ones(1000).tobytes()
        check = execute(client, "import arrayprof\nr = arrayprof.history()[-1]\n"
                                "print([f.rewrite.check for f in r.findings if f.rewrite])")
        assert "not verified: rebuilding" in text_of(check)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


WARNED_ONCE = '''
import contextlib, io
import numpy as np
import arrayprof
ns = {}
exec(compile("import numpy as np\\ndef f(x):\\n    return np.log(x)\\n", "<cell-1>", "exec"), ns)
err = io.StringIO()
with contextlib.redirect_stderr(err):
    ns["f"](np.zeros(1))  # shown, and remembered for f's line
    if PROFILE:
        report = arrayprof.profile(
            "x = np.arange(3000.0)\\nout = np.empty_like(x)\\nfor i in range(len(x)):\\n"
            "    out[i] = x[i] * 2.0\\n", {"np": np}, verify=True)
        assert any(f.rewrite is not None and f.rewrite.verified for f in report.findings)
    ns["f"](np.zeros(1))  # Python shows a warning once per place: not again
print(err.getvalue().count("divide by zero"))
'''


@pytest.mark.parametrize("profile", [False, True])
def test_verification_leaves_which_warnings_were_shown_alone(profile: bool) -> None:
    """Silencing the re-runs through the warning filters would bump their version, and Python would
    show a warning the user already saw again; run in a child so pytest's own capture stays out."""
    script = f"PROFILE = {profile}\n" + WARNED_ONCE
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1"]
