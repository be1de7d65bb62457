"""Optional dependencies: when one is missing, one line that names the extra bringing it.

The base install (NumPy, IPython, memory-profiler, psutil) profiles code, runs the magics in a
terminal and `arrayprof run script.py`; notebooks and widgets need the ``notebook`` extra.  A raw
``ModuleNotFoundError`` from deep inside an import would not tell the user what to install.
"""

from __future__ import annotations


class MissingExtra(ModuleNotFoundError):
    """An optional dependency is not installed; the message says which extra brings it.

    A ``ModuleNotFoundError`` still, so code that falls back without the module (``except
    ImportError``) keeps working.
    """


def missing_extra(what: str, extra: str, error: ModuleNotFoundError) -> MissingExtra:
    """The error to raise instead of `error` when `what` needs a module of `extra`."""
    module = error.name or "a module"
    return MissingExtra(f"arrayprof: {what} needs {module}, which is not installed: "
                        f"pip install 'arrayprof[{extra}]'", name=error.name)
