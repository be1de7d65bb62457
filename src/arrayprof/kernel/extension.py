"""``%load_ext arrayprof``: install the tracker once, register the magics and the comm target."""

from __future__ import annotations

from typing import Any

from arrayprof import api
from arrayprof.kernel.auto import AutoProfiler
from arrayprof.tracker import ensure_installed

_auto_profilers: dict[int, AutoProfiler] = {}


def auto_profiler(ipython: Any) -> AutoProfiler:
    """The automatic-mode controller of this shell (one per shell)."""
    key = id(ipython)
    if key not in _auto_profilers:
        _auto_profilers[key] = AutoProfiler(ipython)
    return _auto_profilers[key]


def load(ipython: Any) -> None:
    from arrayprof.kernel.display import show_note
    from arrayprof.kernel.magics import ArrayprofMagics

    ensure_installed()
    api.set_notifier(show_note)
    magics = ArrayprofMagics(ipython, auto_profiler(ipython))
    ipython.register_magics(magics)
    # top-level await in %%arrayprof cells, as in plain ones: the transformer of the magics just
    # registered (one per shell; a reload replaces the old one)
    transformers = getattr(ipython, "input_transformers_post", None)
    if transformers is not None:
        transformers[:] = [t for t in transformers if type(t).__name__ != "AwaitCells"]
        transformers.append(magics.await_cells)
    try:
        from arrayprof.kernel import comm
    except ImportError:
        return
    try:
        comm.register(ipython)
    except Exception as exc:
        show_note(f"arrayprof: the sidebar connection is unavailable ({exc})")


def unload(ipython: Any) -> None:
    """Switch automatic mode off.  The allocation hook stays: buffers made under it live on."""
    auto_profiler(ipython).disable()
    transformers = getattr(ipython, "input_transformers_post", None)
    if transformers is not None:
        transformers[:] = [t for t in transformers if type(t).__name__ != "AwaitCells"]
