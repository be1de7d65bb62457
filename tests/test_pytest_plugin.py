"""The pytest plugin (`arrayprof.pytest_plugin`) and the CLI's --budget: budgets, the charging
rule over several files, pytest-xdist and pytest-memray beside it, notebooks in CI."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from arrayprof import _native
from arrayprof.budget import Budget, parse_size
from arrayprof.tracker import Recording

pytest_plugins = ("pytester",)

SCHEMA = json.loads((Path(__file__).parents[1] / "docs" / "report-schema.json").read_text())
N = 3000  # the spread test's points: x[:, None] - x[None, :] is N * N float64
PEAK = 2 * N * N * np.dtype(np.float64).itemsize + N * np.dtype(np.float64).itemsize

STATS = """\
import numpy as np


def spread(x):
    return np.abs(x[:, None] - x[None, :]).max()
"""

TESTS = f"""\
import numpy as np
import pytest

from mypkg.stats import spread


@pytest.mark.numpy_budget(peak="1 MB")
def test_under():
    x = np.ones(1000)
    assert x.sum() == 1000


@pytest.mark.numpy_budget(peak="10 MB")
def test_spread():
    x = np.linspace(0, 1, {N})
    assert spread(x) == 1.0


@pytest.mark.numpy_budget(temporaries="1 MiB")
def test_local():
    x = np.linspace(0, 1, {N})
    d = np.abs(x[:, None] - x[None, :]).max()
    assert d == 1.0


def test_unmarked():
    assert np.zeros(10).sum() == 0
"""


def match_lines(result: pytest.RunResult, patterns: list[str]) -> None:
    """fnmatch_lines with `[` matched literally (the lines quote NumPy indexing and severities)."""
    result.stdout.fnmatch_lines([pattern.replace("[", "[[]") for pattern in patterns])


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A project with code under test (mypkg/stats.py) and tests using it."""
    pytester.mkpydir("mypkg")
    pytester.path.joinpath("mypkg", "stats.py").write_text(STATS)
    pytester.makepyfile(test_budget=TESTS)
    pytester.syspathinsert()
    return pytester


# -- sizes ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("24 MB", 24 * 1024**2), ("24MB", 24 * 1024**2), ("24 mb", 24 * 1024**2),
    ("1.5 GiB", 3 * 1024**3 // 2), ("512KiB", 512 * 1024), ("512 KB", 512 * 1024),
    ("100B", 100), ("+100 B", 100), (".5 KB", 512), ("2 TB", 2 * 1024**4), ("1 PiB", 1024**5),
    (4096, 4096)])
def test_sizes_are_read_as_pytest_memray_reads_them(text: str | int, expected: int) -> None:
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["24", "24 MBytes", "24 MB of RAM", "MB", "-1 MB", "1e3 MB",
                                  "24 XB", "", "1,5 MB"])
def test_bad_sizes_say_what_to_write(text: str) -> None:
    with pytest.raises(ValueError, match=r"not a size: .*'24 MB', '1.5 GiB', '512KiB'"):
        parse_size(text)


def test_budget_spec_and_keys() -> None:
    assert Budget.from_spec("peak=500MB,temporaries=100MB").to_dict() == {
        "peak": 500 * 1024**2, "temporaries": 100 * 1024**2}
    assert Budget.from_spec("allocations=12").allocations == 12
    with pytest.raises(ValueError, match="unknown budget key speed"):
        Budget.from_spec("speed=1MB")
    with pytest.raises(ValueError, match="write NAME=SIZE"):
        Budget.from_spec("peak")


# -- the native charging rule over several files ------------------------------------------------
@pytest.mark.core  # the native charging rule: on every interpreter and NumPy version
def test_lines_of_several_files_are_charged_to_the_innermost_listed_file(tmp_path: Path) -> None:
    helper = tmp_path / "helper_under_test.py"
    helper.write_text("import numpy as np\n\n\ndef make(n):\n    return np.empty(n)\n")
    spec = importlib.util.spec_from_file_location("helper_under_test", helper)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    here = __file__
    line = sys._getframe().f_lineno + 5  # the module.make line below

    def run(targets: dict[str, int]) -> list[tuple]:
        recording = Recording(targets, 5000)
        recording.start()
        module.make(1000)
        recording.stop()
        return [row[:3] for row in recording.raw["lines"] if row[0] and row[1]]

    # both listed: the helper's line (base 0 + 5) made the buffer
    assert run({str(helper): 0, here: 1000}) == [(5, 1, 8000)]
    # the helper not listed: charged to the caller, this file's line at base 1000
    assert run({here: 1000}) == [(1000 + line, 1, 8000)]
    with pytest.raises(ValueError, match="bases >= 0"):
        _native.start({here: -1}, 10)


# -- the plugin --------------------------------------------------------------------------------
def test_under_budget_passes_and_over_budget_fails_with_lines_and_finding(
        project: pytest.Pytester) -> None:
    result = project.runpytest("--arrayprof", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=2)
    out = result.stdout.str()
    # the test over its peak: limit and measured figure, the line of the code under test that
    # made it (file:line, with its source), where the peak was reached
    match_lines(result, [
        "*_ test_spread _*",
        f"arrayprof: the test is over its NumPy budget: NumPy peak 144 MB ({PEAK:,} B) > "
        f"budget 10 MiB ({10 * 1024**2:,} B)",
        "  mypkg/stats.py:5 * 144 MB  return np.abs(x[:, None] - x[None, :]).max()",
        "  test_budget.py:15 * 24 kB  x = np.linspace(0, 1, 3000)",
        "  the peak was reached at mypkg/stats.py:5",
        "findings on those lines:",
        "  [warning] broadcast-blowup (mypkg/stats.py:5): broadcast in subtract materialises "
        "72 MB from 24 kB inputs",
    ])
    # over its temporaries, in the test's own lines: the finding with its rewrite
    match_lines(result, [
        "*_ test_local _*",
        f"arrayprof: the test is over its NumPy budget: temporary bytes 144 MB (*) > budget "
        f"1 MiB ({1024**2:,} B)",
        "  test_budget.py:22 * 144 MB  d = np.abs(x[:, None] - x[None, :]).max()",
        "findings on those lines:",
        "  [warning] broadcast-blowup (test_budget.py:22): *",
        "    rewrite (equivalent, not verified: under pytest the test's inputs are not copied;*",
        "      d = x.max() - x.min()",
    ])
    # the end-of-run summary: top tests by peak and by temporary bytes, with the line
    match_lines(result, [
        "*arrayprof: NumPy memory per test*",
        "top 4 by NumPy peak:",
        "     144 MB  test_budget.py::test_spread  (mypkg/stats.py:5)",
        "     144 MB  test_budget.py::test_local  (test_budget.py:22)",
        "top 4 by NumPy temporary bytes:",
    ])
    assert "test_under" not in out.split("FAILURES")[1].split("arrayprof: NumPy memory")[0]


def test_markers_are_inert_and_nothing_is_loaded_without_arrayprof(
        project: pytest.Pytester) -> None:
    project.makepyfile(test_inert="""
        import sys

        def test_core_not_loaded():
            assert "arrayprof._native" not in sys.modules
            assert "arrayprof" not in sys.modules
    """)
    result = project.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=5)
    assert "arrayprof: NumPy memory per test" not in result.stdout.str()


def test_ini_option_turns_it_on(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\narrayprof = true\n")
    result = project.runpytest("-p", "no:cacheprovider", "-k", "spread")
    result.assert_outcomes(failed=1, deselected=3)


def test_a_bad_budget_string_fails_collection_naming_the_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_bad="""
        import pytest

        @pytest.mark.numpy_budget(peak="24 MBytes")
        def test_typo():
            pass

        @pytest.mark.numpy_budget(peak="1 MB", speed="fast")
        def test_unknown_key():
            pass

        def test_fine():
            pass
    """)
    result = pytester.runpytest("--arrayprof", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    match_lines(result, [
        "*ERROR collecting test_bad.py*",
        "arrayprof: test_bad.py::test_typo: bad @pytest.mark.numpy_budget: peak='24 MBytes': "
        "not a size: '24 MBytes' (write it as pytest-memray does: '24 MB', '1.5 GiB', "
        "'512KiB', '100B')",
        "arrayprof: test_bad.py::test_unknown_key: bad @pytest.mark.numpy_budget: unknown budget "
        "key speed (known: peak, allocated, temporaries, allocations)",
        "*1 error*",
    ])
    # inactive, the markers are not even read (as pytest-memray's)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=3)


def test_fixture_and_json_reports(project: pytest.Pytester) -> None:
    project.makepyfile(test_fixture="""
        import sys

        import numpy as np

        def test_report(arrayprof_report):
            a = np.empty(1000)
            line = sys._getframe().f_lineno - 1
            report = arrayprof_report()
            row = [r for r in report.lines if r.file_lineno == line][0]
            assert (row.filename, row.allocations, row.allocated_bytes) == \\
                ("test_fixture.py", 1, a.nbytes)
            base = {f["filename"]: f["base"] for f in report.source_files}["test_fixture.py"]
            assert row.lineno == base + line
            assert report.test_id == "test_fixture.py::test_report"
    """)
    out = project.path / "reports"
    result = project.runpytest("--arrayprof", "--arrayprof-json", str(out), "-p",
                               "no:cacheprovider")
    result.assert_outcomes(passed=3, failed=2)
    names = sorted(p.name for p in out.iterdir())
    assert names == ["test_budget.py_test_local.json", "test_budget.py_test_spread.json",
                     "test_budget.py_test_under.json", "test_budget.py_test_unmarked.json",
                     "test_fixture.py_test_report.json"]
    for path in out.iterdir():
        jsonschema.validate(json.loads(path.read_text()), SCHEMA)
    spread = json.loads((out / "test_budget.py_test_spread.json").read_text())
    files = {f["filename"]: f for f in spread["source_files"]}
    assert set(files) == {"mypkg/stats.py", "test_budget.py"}
    peak_row = next(r for r in spread["lines"] if r["lineno"] == spread["numpy"]["peak_lineno"])
    assert (peak_row["filename"], peak_row["file_lineno"]) == ("mypkg/stats.py", 5)
    assert peak_row["lineno"] == files["mypkg/stats.py"]["base"] + 5
    assert spread["numpy"]["peak_bytes"] == PEAK
    assert [f["category"] for f in spread["findings"]] == ["broadcast-blowup"]


def test_inactive_fixture_skips(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_skip="def test_x(arrayprof_report):\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(skipped=1)
    match_lines(result, ["*arrayprof_report needs arrayprof active*"])


def test_xdist_workers_record_their_own_tests(project: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    out = project.path / "reports"
    result = project.runpytest_subprocess("--arrayprof", "-n", "2", "--arrayprof-json", str(out),
                                          "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=2)
    match_lines(result, [
        "*over its NumPy budget: NumPy peak 144 MB*",
        "  mypkg/stats.py:5 * 144 MB  return np.abs(x[:, None] - x[None, :]).max()",
        "*arrayprof: NumPy memory per test*",
        "top 4 by NumPy peak:",
    ])
    assert len(list(out.iterdir())) == 4
    spread = json.loads((out / "test_budget.py_test_spread.json").read_text())
    assert spread["numpy"]["peak_bytes"] == PEAK


def test_beside_pytest_memray_both_run(project: pytest.Pytester) -> None:
    pytest.importorskip("pytest_memray")
    result = project.runpytest_subprocess("--arrayprof", "--memray", "-p", "no:cacheprovider",
                                          "-k", "spread or under")
    result.assert_outcomes(passed=1, failed=1, deselected=2)
    match_lines(result, [
        "arrayprof: pytest-memray is active too: both record each test*",
        "*over its NumPy budget: NumPy peak 144 MB*",
        "*MEMRAY REPORT*",
    ])


# -- notebooks in CI -------------------------------------------------------------------------------
def notebook(path: Path) -> Path:
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(f"import numpy as np\nx = np.linspace(0, 1, {N})"),
        nbformat.v4.new_code_cell("small = x * 2\nspread = np.abs(x[:, None] - x[None, :]).max()"),
        nbformat.v4.new_code_cell("y = np.ones(1000)"),
    ]
    nbformat.write(nb, path)
    return path


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "arrayprof.cli", "run", *map(str, args),
                           "--quiet", "--no-verify"], capture_output=True, text=True, timeout=300)


def test_notebook_budget_passes_and_fails(tmp_path: Path) -> None:
    path = notebook(tmp_path / "nb.ipynb")
    within = run_cli(path, "--budget", "peak=500MB,temporaries=200MB")
    assert within.returncode == 0, within.stderr
    assert "over its NumPy budget" not in within.stderr
    over = run_cli(path, "--budget", "peak=100MB")
    assert over.returncode == 1
    assert over.stderr.splitlines()[:2] == [
        f"arrayprof: cell 2 is over its NumPy budget: NumPy peak 144 MB ({PEAK:,} B) > budget "
        f"100 MiB ({100 * 1024**2:,} B)",
        "  line 2                                       144 MB  spread = np.abs(x[:, None] - "
        "x[None, :]).max()"]
    assert "the peak was reached at line 2" in over.stderr
    assert "cell 1 is over" not in over.stderr and "cell 3 is over" not in over.stderr


def test_cell_metadata_budget(tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    path = notebook(tmp_path / "nb.ipynb")
    nb = nbformat.read(path, as_version=4)
    nb.cells[2].metadata["arrayprof"] = {"budget": {"peak": "1 KiB"}}
    nbformat.write(nb, path)
    over = run_cli(path, "--budget", "peak=500MB")
    assert over.returncode == 1
    assert over.stderr.splitlines()[0].startswith(
        "arrayprof: cell 3 is over its NumPy budget: NumPy peak ")
    assert "> budget 1 KiB (1,024 B)" in over.stderr.splitlines()[0]
    assert "  line 1 " in over.stderr and "y = np.ones(1000)" in over.stderr
    nb.cells[2].metadata["arrayprof"] = {"budget": {"peak": "lots"}}
    nbformat.write(nb, path)
    bad = run_cli(path)
    assert bad.returncode == 2
    assert bad.stderr.strip() == ("arrayprof: cell 3: bad budget in its metadata: peak='lots': "
                                  "not a size: 'lots' (write it as pytest-memray does: '24 MB', "
                                  "'1.5 GiB', '512KiB', '100B')")


def test_a_test_that_profiles_code_itself_says_its_budget_was_not_checked(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_nested="""
        import arrayprof
        import numpy as np
        import pytest

        @pytest.mark.numpy_budget(peak="1 KiB")
        def test_profiles():
            report = arrayprof.profile("a = np.ones(10_000)", {"np": np}, verify=False)
            assert report.numpy.peak_bytes == 80_000
    """)
    result = pytester.runpytest("--arrayprof", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    match_lines(result, [
        "arrayprof: the test's numpy_budget could not be checked: another arrayprof recording "
        "started inside this test (the test profiles code itself); its figures are in that "
        "recording's report, not this one",
        "1 test profiled code itself; its own figures are in its arrayprof report",
    ])


def test_files_below_the_rootdir_through_a_symlink(tmp_path: Path) -> None:
    from arrayprof.pytest_plugin import SourceFiles

    real = tmp_path / "real"
    (real / "pkg").mkdir(parents=True)
    (real / "pkg" / "m.py").write_text("x = 1\ny = 2\n")
    (tmp_path / "link").symlink_to(real)
    files = SourceFiles(tmp_path / "link", [])
    for path in (real / "pkg" / "m.py", tmp_path / "link" / "pkg" / "m.py"):
        assert files.wanted(str(path))
        files.add(str(path))
    assert files.display(str(real / "pkg" / "m.py")) == "pkg/m.py"
    assert files.locate(files.bases[str(real / "pkg" / "m.py")] + 2) == (
        str(real / "pkg" / "m.py"), 2)
    assert not files.wanted(str(real / ".venv" / "lib" / "site-packages" / "numpy" / "x.py"))
    assert not files.wanted(str(tmp_path / "elsewhere.py"))


def test_configured_packages_count_as_code_under_test(pytester: pytest.Pytester,
                                                      tmp_path_factory: pytest.TempPathFactory,
                                                      ) -> None:
    outside = tmp_path_factory.mktemp("site")  # a package outside the rootdir, as if installed
    (outside / "extpkg").mkdir()
    (outside / "extpkg" / "__init__.py").write_text(STATS)
    pytester.makepyfile(test_ext=f"""
        import sys
        sys.path.insert(0, {str(outside)!r})

        import numpy as np
        import pytest
        from extpkg import spread

        @pytest.mark.numpy_budget(peak="1 MB")
        def test_ext():
            assert spread(np.linspace(0, 1, {N})) == 1.0
    """)
    result = pytester.runpytest("--arrayprof", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    match_lines(result, ["  test_ext.py:10 * 144 MB  assert spread(np.linspace(0, 1, 3000)) == 1.0"])
    pytester.makeini("[pytest]\narrayprof_packages = extpkg\n")
    result = pytester.runpytest("--arrayprof", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    match_lines(result, [f"  {outside / 'extpkg' / '__init__.py'}:5 * 144 MB  return np.abs(*"])
