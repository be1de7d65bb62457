"""An IPython kernel in which arrayprof cannot be imported, as if it were not installed.

For the browser test of the panel's "arrayprof is not installed in this kernel" state.
"""

import sys


class HideArrayprof:
    """A meta path finder that makes `import arrayprof` fail as a missing module does."""

    def find_spec(self, name, path=None, target=None):
        if name == "arrayprof" or name.startswith("arrayprof."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, HideArrayprof())

from ipykernel import kernelapp  # noqa: E402

kernelapp.launch_new_instance()
