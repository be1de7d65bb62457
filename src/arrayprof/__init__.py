"""arrayprof: see what your NumPy cells really allocate, per line, and how to make them cheaper.

``%load_ext arrayprof`` in IPython or Jupyter, then ``%%arrayprof`` on a cell; or from Python,
``arrayprof.profile(code, namespace)``.
"""

from __future__ import annotations

from arrayprof.api import (
    clear_history,
    history,
    history_limit,
    last_report,
    profile,
    profile_async,
    set_history_limit,
)
from arrayprof.kernel.reprs import install as _install_reprs
from arrayprof.report import Report

__all__ = ["Report", "clear_history", "history", "history_limit", "last_report",
           "load_ipython_extension", "profile", "profile_async", "set_history_limit",
           "unload_ipython_extension"]
__version__ = "0.1.0"

_install_reprs()  # str/repr/_repr_html_ of Report: the report itself knows no renderer (issue 16)


def load_ipython_extension(ipython) -> None:
    from arrayprof.kernel.extension import load

    load(ipython)


def unload_ipython_extension(ipython) -> None:
    from arrayprof.kernel.extension import unload

    unload(ipython)
