"""arrayprof's pytest plugin, the part pytest always loads (entry point ``pytest11: arrayprof``).

Inactive unless ``--arrayprof`` (or ``arrayprof = true`` in the ini file): then this module only
adds its options, marker and fixture, and its marker does nothing, as pytest-memray's do.  It is a
top-level module, outside the ``arrayprof`` package, so that an inactive run imports nothing of
arrayprof (its package imports NumPy and the native core: about 0.1 s).  Active,
`arrayprof.pytest_plugin` records every test's call (not its fixtures' setup or teardown) and checks
``@pytest.mark.numpy_budget(peak=..., allocated=..., temporaries=..., allocations=...)``.
"""

from __future__ import annotations

from typing import Any

import pytest

MARKER = "numpy_budget"
KEY = "arrayprof_recorder"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("arrayprof", "NumPy memory budgets (arrayprof)")
    group.addoption("--arrayprof", action="store_true", default=None,
                    help="record NumPy allocations per test and check numpy_budget markers")
    group.addoption("--arrayprof-json", metavar="DIR", default=None,
                    help="write one arrayprof report (JSON) per test into DIR")
    group.addoption("--arrayprof-top", metavar="N", type=int, default=None,
                    help="tests listed in the end-of-run summary per figure (default 5, 0: none)")
    parser.addini("arrayprof", type="bool", default=False,
                  help="record NumPy allocations per test (as --arrayprof)")
    parser.addini("arrayprof_packages", type="linelist", default=[],
                  help="packages (import names) whose lines count as code under test, besides the "
                       "files below the rootdir")


def is_active(config: pytest.Config) -> bool:
    option = config.getoption("arrayprof")
    return bool(option) if option is not None else bool(config.getini("arrayprof"))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(peak=None, allocated=None, temporaries=None, allocations=None): fail the test "
        "when its NumPy figures exceed these limits (sizes as '24 MB', '1.5 GiB'; active with "
        "--arrayprof)")
    if is_active(config):
        from arrayprof.pytest_plugin import ArrayprofPlugin

        config.pluginmanager.register(ArrayprofPlugin(config), KEY)


@pytest.fixture
def arrayprof_report(request: pytest.FixtureRequest) -> Any:
    """The test's recording: call it (``arrayprof_report()``) to end the recording there and get
    the test's `Report` so far; what the test does afterwards is not recorded, and its budget is
    judged on that report.  Skips the test when arrayprof is not active."""
    plugin = request.config.pluginmanager.get_plugin(KEY)
    if plugin is None:
        pytest.skip("arrayprof_report needs arrayprof active (--arrayprof, or arrayprof = true)")
    return plugin.handle(request.node)
