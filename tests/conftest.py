"""Test suites by marker, for CI's matrix (scripts/test.sh): every test runs on the default
interpreter; the `core`, `kernel` and `notebook` tests also run on the other CPython versions, and
the `core` tests on the oldest NumPy arrayprof supports.

    pytest -m core                 exact figures, native core, report format, entry points
    pytest -m "core or kernel or notebook"

A test module joins a suite by its file name (the patterns below) or by saying so itself
(``pytestmark = pytest.mark.core``).
"""

from __future__ import annotations

from fnmatch import fnmatch

import pytest

SUITES: dict[str, tuple[str, ...]] = {
    # NumPy figures, the native core (tracker, observer, strided, census), report format, entry
    # points, verification's effects (NumPy's random state, memmaps, callbacks)
    "core": ("test_tracker*", "test_observer*", "test_native*", "test_strided*", "test_views*",
             "test_styles*", "test_harmless*", "test_examples_facts*", "test_report_schema*",
             "test_missing_extras*", "test_verify_effects*"),
    # a real IPython kernel (jupyter_client): the magics, automatic mode, interrupts and await
    "kernel": ("test_kernel*", "test_auto_*", "test_interrupts*", "test_async*"),
    # the tutorial notebooks, run top to bottom in a real kernel
    "notebook": ("test_notebooks*",),
    # Dask arrays on a real LocalCluster (worker processes on loopback) and on Dask's threads;
    # skipped where dask[distributed] is not installed (the `test` extra installs it)
    "dask": ("test_dask*",),
}


def pytest_configure(config: pytest.Config) -> None:
    for suite, patterns in SUITES.items():
        config.addinivalue_line("markers", f"{suite}: the {suite} suite ({', '.join(patterns)})")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        name = item.path.name
        for suite, patterns in SUITES.items():
            if any(fnmatch(name, pattern) for pattern in patterns):
                item.add_marker(suite)
