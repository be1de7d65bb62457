"""Process-wide access to the native core: installs it once and hands out one recording at a time.

The allocation handler is installed the first time it is needed and kept for the life of the
process (NumPy frees every buffer through the handler that allocated it; see DESIGN.md, rule 4).
"""

from __future__ import annotations

import os
import sys
import sysconfig
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np


def check_interpreter(gil_disabled_build: object = None, gil_enabled: bool | None = None) -> None:
    """Refuse, with an ImportError that says what to do, a free-threaded build running without
    the GIL.  The native core keeps process-wide state that the GIL protects; importing it there
    would make CPython turn the GIL back on for the whole process with only a warning.

    Both arguments default to this interpreter: `sysconfig`'s Py_GIL_DISABLED, and whether the
    GIL is enabled right now (PYTHON_GIL=1 or -X gil=1 turn it on; then arrayprof works)."""
    if gil_disabled_build is None:
        gil_disabled_build = sysconfig.get_config_var("Py_GIL_DISABLED")
    if gil_enabled is None:
        is_gil_enabled = getattr(sys, "_is_gil_enabled", None)
        gil_enabled = True if is_gil_enabled is None else bool(is_gil_enabled())
    if gil_disabled_build and not gil_enabled:
        raise ImportError(
            "arrayprof needs the GIL, and this is a free-threaded build of Python running without "
            "it; importing arrayprof's native core would silently turn the GIL back on for the "
            "whole process. Start Python with PYTHON_GIL=1 (or -X gil=1) to use arrayprof.")


check_interpreter()

from arrayprof import _native  # noqa: E402  (only once the interpreter is known to be supported)

# Whether recordings run the time sampler (sampler.h); benchmarks/overhead.py turns it off to
# measure what it costs.  NumPy calls are timed either way.
SAMPLE_TIME = True

_install_lock = threading.Lock()
_installed = False
_active: Recording | None = None


def _all_ufuncs() -> list[np.ufunc]:
    """Every ufunc object NumPy exposes, and every one a module loaded before arrayprof holds
    (SciPy imported first), so operator calls and np.add(...) are both seen; ufuncs made later
    are caught by the native constructors' hooks.  np.add comes first: it tells the native side
    what NumPy's own call path looks like."""
    found: dict[int, np.ufunc] = {id(np.add): np.add}
    modules: list[Any] = [np]
    for name in ("numpy._core.umath", "numpy.core.umath", "numpy.linalg._umath_linalg"):
        try:
            modules.append(__import__(name, fromlist=["_"]))
        except ImportError:
            continue
    modules.extend(list(sys.modules.values()))
    for module in modules:
        try:
            values = list(vars(module).values())
        except TypeError:
            continue
        for value in values:
            if type(value) is np.ufunc:
                found[id(value)] = value
    return list(found.values())


def _numpy_functions() -> list[Any]:
    """NumPy's public functions that are array-function dispatchers (np.dot, np.sort,
    np.concatenate, np.linalg.solve, np.fft.fft, ...), from every NumPy module loaded now: their
    calls are timed for `numpy_seconds`.  NumPy's builtins (np.empty, np.array) are not: the
    interpreter calls them around the slot a wrapper would use."""
    found: dict[int, Any] = {}
    for name, module in list(sys.modules.items()):
        if module is None or not (name == "numpy" or name.startswith("numpy.")):
            continue
        try:
            values = list(vars(module).values())
        except TypeError:
            continue
        for value in values:
            if type(value).__name__ == "_ArrayFunctionDispatcher":
                found[id(value)] = value
    return list(found.values())


def ensure_installed() -> None:
    """Install the allocation handler, the ufunc observer and the NumPy function clocks
    (idempotent, thread-safe)."""
    global _installed
    if _installed:
        return
    with _install_lock:
        if not _installed:
            _native.install()
            _native.observe_ufuncs(_all_ufuncs())
            _native.time_observe(_numpy_functions())
            # no helper thread of the sampler while the process forks (sampler.h)
            os.register_at_fork(before=_native.time_before_fork,
                                after_in_parent=_native.time_after_fork_parent)
            _installed = True


class LiveBuffers:
    """Buffers a stopped cell allocated (on its own threads) that were still alive at its end:
    data address -> (allocating line, bytes).  A view of the native table, looked up one address
    at a time, so stopping costs nothing per buffer (10^7 buffers left alive once took 7.5 s to
    turn into a dict).  Valid until the next recording starts or `release()`; after that every
    lookup misses."""

    __slots__ = ("count", "generation")

    def __init__(self, generation: int, count: int) -> None:
        self.generation = generation
        self.count = count

    def get(self, address: int, default: Any = None) -> Any:
        found = _native.live_lookup(self.generation, address)
        return default if found is None else found

    def __contains__(self, address: object) -> bool:
        return _native.live_lookup(self.generation, address) is not None

    def __getitem__(self, address: int) -> tuple[int, int]:
        found = _native.live_lookup(self.generation, address)
        if found is None:
            raise KeyError(address)
        return found

    def __len__(self) -> int:
        return self.count

    def release(self) -> None:
        """Free the native table (the report that needed it is built)."""
        _native.live_release(self.generation)
        self.count = 0


class Recording:
    """One recording of one piece of code on the calling thread.

    Only one recording runs at a time: a recording started while another is active interrupts the
    older one, whose result then says so instead of mixing two cells' figures.
    """

    def __init__(self, filename: str, nlines: int) -> None:
        self.filename = filename
        self.nlines = nlines
        self.interrupted = False
        self.raw: dict[str, Any] | None = None
        self.ops: list[dict[str, Any]] = []
        self.time: dict[str, Any] | None = None  # per-line seconds (sampler.h), None if not run
        # the sampler runs on the main thread only (CPython runs its pending calls there)
        self.sampled = SAMPLE_TIME and threading.current_thread() is threading.main_thread()

    def start(self) -> None:
        global _active
        ensure_installed()
        if _active is not None and _active is not self:
            _active._interrupt()
        _active = self
        # every thread alive now (the native core asks the interpreter, so threads started with
        # _thread or from C count too) is background; any thread the cell starts does its work
        _native.start(self.filename, self.nlines)
        _native.time_start(self.nlines, self.sampled)

    def stop(self) -> None:
        """Stop recording; `raw`, `ops` and `time` hold what was seen (None if interrupted)."""
        global _active
        if _active is not self:
            return
        _active = None
        self.time = _native.time_stop()
        self.raw = _native.stop()
        if self.raw is not None:
            self.raw["live"] = LiveBuffers(self.raw.pop("live_generation"),
                                           self.raw["live_buffers"])
        self.ops = _native.take_ops()

    def _interrupt(self) -> None:
        global _active
        _native.time_stop()
        _native.stop()
        _native.take_ops()
        self.interrupted = True
        _active = None


@contextmanager
def paused() -> Iterator[None]:
    """Nothing is recorded inside (arrayprof's own work while a cell is being recorded, such as
    findings computed when the cell's code asks for them).  The caller keeps the cyclic collector
    paused, so no buffer of the cell is freed unseen."""
    was = _native.pause()
    try:
        yield
    finally:
        if was:
            _native.resume()


def tracker_memory_bytes() -> int:
    """Bytes the native tables use right now (for the boundedness test and benchmarks)."""
    return int(_native.memory_usage())


def layout(array: np.ndarray, index_order: bool = False) -> dict[str, Any]:
    """Span and byte offsets (exact Python ints for any strides, beyond 2^63 included), distinct
    cache lines (`cache_lines_exact` False when that is an upper bound) and the line fetches of a
    pass in C index order, in bounded work for any size (see strided.h).  `index_order` is kept for
    older callers: the fetches are always computed."""
    return _native.layout(array, index_order)


def may_overlap(a: np.ndarray, b: np.ndarray) -> tuple[bool, bool]:
    """(can overlap, answer is exact); exact for arrays of at most two dimensions."""
    return _native.may_overlap(a, b)
