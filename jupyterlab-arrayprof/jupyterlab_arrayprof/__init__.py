"""jupyterlab-arrayprof: the prebuilt JupyterLab extension for arrayprof's Array Inspector panel.

The Python package only tells JupyterLab where the built extension is; the kernel side lives in
``arrayprof`` (``arrayprof.kernel.comm``) and may be installed in a different environment.
"""

from __future__ import annotations

__version__ = "0.1.0"


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where JupyterLab finds the prebuilt extension (also installed as shared data)."""
    return [{"src": "labextension", "dest": "jupyterlab-arrayprof"}]
