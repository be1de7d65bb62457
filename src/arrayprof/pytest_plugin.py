"""The pytest plugin's active part (``pytest_arrayprof`` registers it): one recording per test.

Charging rule outside a cell: an allocation (or ufunc call, or view) is charged to the innermost
frame on the stack whose file is *the test's code*: the test file, or a module file below the
rootdir (site-packages and the running virtual environment excepted), or a file of a package named
in the ini option ``arrayprof_packages``.  The native core numbers those files' lines in one space
(file F's line n is report line base(F) + n, `Report.source_files`), so a report's lines, ops,
timeline and peak line say ``file:line``.  Files are those of modules imported when the test
starts (its own module included); a module first imported by the test itself counts from the next
test on.  What runs with no such frame on the stack (pytest's own code, a garbage collection)
counts in the test's whole figures only, as a cell's line 0.

Only the test function's call is recorded, as pytest-memray does: fixtures' setup and teardown
are not the test's.  One recording runs at a time in a process: a test that profiles code itself
(``arrayprof.profile``) interrupts the test's recording, and its report says so.
"""

from __future__ import annotations

import ast
import bisect
import hashlib
import inspect
import json
import linecache
import os
import re
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import pytest_arrayprof
from arrayprof import budget as budgets
from arrayprof.report import Finding, Report
from arrayprof.session import line_stats, numpy_stats, op_record, tracker_notes
from arrayprof.tracker import Recording
from arrayprof.units import human_bytes
from pytest_arrayprof import MARKER

BUDGET_KEY = pytest.StashKey["budgets.Budget | None"]()
INTERRUPTED = ("another arrayprof recording started inside this test (the test profiles code "
               "itself); its figures are in that recording's report, not this one")
_OWN_FILES = {str(Path(module.__file__).resolve()) for module in (sys.modules[__name__], budgets,
                                                                  pytest_arrayprof)}


def budget_of(item: pytest.Item) -> budgets.Budget | None:
    """The item's budget from its numpy_budget markers (the closest marker's limits win over a
    class's or module's).  Raises ValueError saying what is wrong with a marker."""
    marks = list(item.iter_markers(MARKER))
    if not marks:
        return None
    combined = budgets.Budget()
    for mark in reversed(marks):  # outermost first, so the closest is merged last
        kwargs = dict(mark.kwargs)
        if len(mark.args) > 1 or (mark.args and "peak" in kwargs):
            raise ValueError(f"numpy_budget takes keywords (peak=, allocated=, temporaries=, "
                             f"allocations=); got {mark.args!r}")
        if mark.args:
            kwargs["peak"] = mark.args[0]  # numpy_budget("64 MB"), as limit_memory("64 MB")
        combined = combined.merged(budgets.Budget.from_arguments(**kwargs))
    if not combined:
        raise ValueError("numpy_budget sets no limit (give peak=, allocated=, temporaries= or "
                         "allocations=)")
    return combined


class SourceFiles:
    """The files whose frames are the test's code, each with a base in one line space."""

    def __init__(self, rootdir: Path, packages: list[str]) -> None:
        # as given and resolved: a module's __file__ may name it through a symlink or not
        self.roots = tuple(dict.fromkeys(os.path.join(str(p), "") for p in (rootdir,
                                                                               rootdir.resolve())))
        self.packages = list(packages)  # names whose directory is not known yet
        self.package_roots: tuple[str, ...] = ()
        self._find_packages(find=True)
        self.excluded = tuple({os.path.join(prefix, "")
                               for prefix in (sys.prefix, sys.exec_prefix)
                               if sys.prefix != sys.base_prefix})
        self.bases: dict[str, int] = {}
        self.sizes: dict[str, int] = {}
        self.starts: list[int] = []  # sorted bases, for locate
        self.names: list[str] = []  # filenames in `starts` order
        self.total = 0
        self._modules_seen = -1

    def wanted(self, path: str) -> bool:
        if not path.endswith(".py") or path in _OWN_FILES:
            return False
        if any(path.startswith(root) for root in self.package_roots):
            return True
        if not path.startswith(self.roots):
            return False
        parts = path.split(os.sep)
        return "site-packages" not in parts and "dist-packages" not in parts and \
            not any(path.startswith(prefix) for prefix in self.excluded)

    def add(self, path: str) -> None:
        if path in self.bases:
            return
        try:
            with open(path, "rb") as handle:
                count = handle.read().count(b"\n") + 1
        except OSError:
            return
        self.bases[path] = self.total
        self.sizes[path] = count
        self.starts.append(self.total)
        self.names.append(path)
        self.total += count + 1  # a gap: base + 0 is nobody's line

    def _find_packages(self, find: bool) -> None:
        """Directories of the configured packages: imported ones from sys.modules; with `find`,
        the others from the import system (not importing them).  A package only importable
        once a test changed sys.path is found when it is imported."""
        for name in list(self.packages):
            module = sys.modules.get(name)
            root = module_root(module) if module is not None else \
                package_root(name) if find else None
            if root:  # as named and resolved: a module's __file__ may go through a symlink
                resolved = str(Path(root).resolve()) + (os.sep if root.endswith(os.sep) else "")
                self.package_roots += tuple(dict.fromkeys((root, resolved)))
                self.packages.remove(name)

    def refresh(self) -> None:
        """Take in the files of modules imported since the last call."""
        if len(sys.modules) == self._modules_seen:
            return
        self._modules_seen = len(sys.modules)
        if self.packages:
            self._find_packages(find=False)
        for module in list(sys.modules.values()):
            path = getattr(module, "__file__", None)
            if isinstance(path, str) and path not in self.bases and self.wanted(path):
                self.add(path)

    def locate(self, line: int) -> tuple[str, int] | None:
        """(file, line in it) of a report line."""
        i = bisect.bisect_right(self.starts, line - 1) - 1
        if i < 0 or line <= 0:
            return None
        path = self.names[i]
        number = line - self.starts[i]
        return (path, number) if 1 <= number <= self.sizes[path] else None

    def display(self, path: str) -> str:
        root = next((root for root in self.roots if path.startswith(root)), "")
        return path[len(root):]


def module_root(module: Any) -> str | None:
    """The directory of an imported package (trailing separator), or a module's file."""
    paths = list(getattr(module, "__path__", None) or [])
    if paths:
        return os.path.join(str(paths[0]), "")
    path = getattr(module, "__file__", None)
    return path if isinstance(path, str) else None


def package_root(name: str) -> str | None:
    """The directory (with a trailing separator) of an importable package, without importing it."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    locations = list(spec.submodule_search_locations or [])
    if locations:
        return os.path.join(str(locations[0]), "")
    return spec.origin or None


class CallRecording:
    """One test's recording; calling it ends the recording and returns the test's report."""

    def __init__(self, plugin: ArrayprofPlugin, item: pytest.Item) -> None:
        self.plugin = plugin
        self.item = item
        self.recording: Recording | None = None
        self.report: Report | None = None
        self.locals: dict[str, Any] = {}
        self._t0 = 0.0
        self._profile_before: Any = None
        self._profiling = False

    def start(self) -> None:
        files = self.plugin.files
        files.refresh()
        files.add(str(self.item.path))
        self.recording = Recording(dict(files.bases), files.total)
        if self.item.stash.get(BUDGET_KEY, None) is not None:
            self._capture_locals()
        self._t0 = time.perf_counter()
        try:
            self.recording.start()
        except BaseException:
            self._stop_capture()
            raise

    def stop(self) -> None:
        if self.recording is None or self.report is not None:
            return
        self.recording.stop()
        wall_s = time.perf_counter() - self._t0
        self._stop_capture()
        self.report = build_report(self.recording, self.plugin.files, self.item, wall_s)

    def __call__(self) -> Report:
        self.stop()
        assert self.report is not None, "the test's recording has not started"
        return self.report

    def _stop_capture(self) -> None:
        if self._profiling:
            sys.setprofile(self._profile_before)
            self._profiling = False

    def _capture_locals(self) -> None:
        """Keep the test function's locals when it returns, for the advisor (a budget's test
        only, and only when no other profiler uses sys.setprofile)."""
        function = getattr(self.item, "obj", None)
        code = getattr(getattr(function, "__func__", function), "__code__", None)
        if code is None or sys.getprofile() is not None:
            return
        kept = self.locals

        def keep(frame: Any, event: str, arg: Any) -> None:
            if event == "return" and frame.f_code is code:
                kept.clear()
                kept.update(frame.f_locals)

        self._profile_before = sys.getprofile()
        sys.setprofile(keep)
        self._profiling = True


def build_report(recording: Recording, files: SourceFiles, item: pytest.Item,
                 wall_s: float) -> Report:
    """The test's report from the raw figures (lines located in their files)."""
    try:
        source = inspect.getsource(getattr(item, "obj", None))
    except (TypeError, OSError):
        source = ""
    report = Report(source=source, wall_s=wall_s, test_id=item.nodeid)
    raw = recording.raw
    if recording.interrupted or raw is None:
        report.notes.append(INTERRUPTED)
        return report
    report.notes.extend(tracker_notes(raw))
    report.numpy = numpy_stats(raw)
    report.ops = [op_record(op) for op in recording.ops]
    report.lines = line_stats(raw, report.ops, [])
    for _, views, copies in raw.get("census", ()):
        report.numpy.views += views
        report.numpy.copies += copies
    report.timeline = [[t_ns / 1e9, live, line] for t_ns, live, line in raw["timeline"]]
    used: dict[str, int] = {}
    for row in report.lines:
        where = files.locate(row.lineno)
        if where is None:
            continue
        path, number = where
        row.filename, row.file_lineno = files.display(path), number
        row.source = linecache.getline(path, number).rstrip("\n")
        used[path] = files.bases[path]
    for line in [op.lineno for op in report.ops] + [report.numpy.peak_lineno] + \
            [int(point[2]) for point in report.timeline]:
        where = files.locate(line) if line else None
        if where is not None:
            used[where[0]] = files.bases[where[0]]
    report.source_files = [{"filename": files.display(path), "base": base,
                            "nlines": files.sizes[path]}
                           for path, base in sorted(used.items(), key=lambda kv: kv[1])]
    return report


# -- the advisor on a test's lines ---------------------------------------------------------------
def advise(report: Report, files: SourceFiles, linenos: set[int], test_path: str,
           test_locals: dict[str, Any]) -> list[Finding]:
    """The advisor's findings on `linenos` (report lines): each file's function around those
    lines is judged as a cell body, with its module's globals and, for the test function, the
    locals it returned with.  Rewrites are not verified here (a test's inputs are not copied)."""
    from arrayprof.advisor import advise as run_advisor
    from arrayprof.context import CellContext

    by_function: dict[tuple[str, int], tuple[ast.AST, set[int]]] = {}
    trees: dict[str, ast.Module] = {}
    for lineno in sorted(linenos):
        where = files.locate(lineno)
        if where is None:
            continue
        path, number = where
        if path not in trees:
            try:
                trees[path] = ast.parse(Path(path).read_text(encoding="utf-8"), path)
            except (OSError, SyntaxError, ValueError):
                continue
        node = innermost_function(trees[path], number)
        key = (path, getattr(node, "lineno", 0))
        by_function.setdefault(key, (node, set()))[1].add(number)
    found: list[Finding] = []
    for (path, _), (node, numbers) in by_function.items():
        base = files.bases[path]
        module = next((m for m in list(sys.modules.values())
                       if getattr(m, "__file__", None) == path), None)
        namespace = dict(vars(module)) if module is not None else {}
        if path == test_path:
            namespace.update(test_locals)
        body = node.body  # a function's, or the module's
        context = CellContext(source=Path(path).read_text(encoding="utf-8"), filename=path,
                              tree=ast.Module(body=body, type_ignores=[]), namespace=namespace)
        first, last = (node.lineno, node.end_lineno or node.lineno) \
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) else (1, files.sizes[path])
        sub = file_report(report, base, first, last)
        try:
            findings = run_advisor(sub, context, verify=False)
        except Exception as exc:  # the advisor's failure is a note, never the test's
            report.notes.append(f"arrayprof: the advisor failed on {files.display(path)}: {exc}")
            continue
        for finding in findings:
            if finding.lineno not in numbers:
                continue
            finding.lineno += base
            if finding.rewrite is not None:
                finding.rewrite.lines = [n + base for n in finding.rewrite.lines]
                finding.rewrite.check = ("not verified: under pytest the test's inputs are not "
                                         "copied; profile the lines in a cell to verify it")
            found.append(finding)
    return found


def innermost_function(tree: ast.Module, line: int) -> ast.AST:
    """The innermost function whose body holds `line` (the module when none)."""
    best: ast.AST = tree
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and \
                node.body[0].lineno <= line <= (node.end_lineno or node.lineno):
            if best is tree or node.lineno >= getattr(best, "lineno", 0):
                best = node
    return best


def file_report(report: Report, base: int, first: int, last: int) -> Report:
    """`report` restricted to lines first..last of one file, numbered as in that file."""
    low, high = base + first, base + last
    return replace(
        report,
        lines=[replace(row, lineno=row.lineno - base) for row in report.lines
               if low <= row.lineno <= high],
        ops=[replace(op, lineno=op.lineno - base) for op in report.ops
             if op.lineno and low <= op.lineno <= high],
        arrays=[], findings=[], timeline=[], source_files=[],
        numpy=replace(report.numpy, peak_lineno=None))


# -- the plugin ----------------------------------------------------------------------------------
def _figures(report: Report) -> dict[str, Any]:
    numpy = report.numpy
    peak_at = budgets.where(report, numpy.peak_lineno) if numpy.peak_lineno else None
    top_temp = budgets.top_lines(report, "temporaries", 1)
    return {"peak_bytes": numpy.peak_bytes, "allocated_bytes": numpy.allocated_bytes,
            "temporary_bytes": numpy.temporary_bytes, "allocations": numpy.allocations,
            "peak_at": peak_at,
            "temporaries_at": budgets.where(report, top_temp[0].lineno) if top_temp else None,
            "recorded": not any(n == INTERRUPTED for n in report.notes)}


class ArrayprofPlugin:
    """Registered by `arrayprof.pytest_plugin` when arrayprof is active."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.files = SourceFiles(config.rootpath, list(config.getini("arrayprof_packages")))
        directory = config.getoption("arrayprof_json")
        self.json_dir = Path(directory) if directory else None
        if self.json_dir is not None:
            self.json_dir.mkdir(parents=True, exist_ok=True)
        top = config.getoption("arrayprof_top")
        self.top = 5 if top is None else max(0, top)
        self.running: dict[str, CallRecording] = {}
        self.results: dict[str, dict[str, Any]] = {}
        self.memray = bool(config.pluginmanager.has_plugin("memray")
                           and (config.getoption("memray", None)
                                or _ini_bool(config, "memray")))

    # collection: a bad budget is a collection error naming the test
    @pytest.hookimpl(hookwrapper=True)
    def pytest_make_collect_report(self, collector: pytest.Collector) -> Any:
        outcome = yield
        report = outcome.get_result()
        if not report.passed:
            return
        errors = []
        for node in report.result or ():
            if isinstance(node, pytest.Item):
                try:
                    node.stash[BUDGET_KEY] = budget_of(node)
                except ValueError as exc:
                    errors.append(f"{node.nodeid}: bad @pytest.mark.{MARKER}: {exc}")
        if errors:
            report.outcome = "failed"
            report.longrepr = "arrayprof: " + "\narrayprof: ".join(errors)
            report.result = []

    def handle(self, item: pytest.Item) -> CallRecording:
        return self.running.setdefault(item.nodeid, CallRecording(self, item))

    @pytest.hookimpl(hookwrapper=True)
    def pytest_pyfunc_call(self, pyfuncitem: pytest.Function) -> Any:
        recording = self.handle(pyfuncitem)
        try:
            recording.start()
        except Exception as exc:  # the test runs unrecorded, and says so
            recording.recording = None
            recording.report = Report(source="", test_id=pyfuncitem.nodeid,
                                      notes=[f"arrayprof: could not record: {exc}"])
        try:
            yield
        finally:
            recording.stop()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        outcome = yield
        rep = outcome.get_result()
        if call.when == "setup" and not rep.passed:  # the call will not run
            self.running.pop(item.nodeid, None)
        if call.when != "call":
            return
        recording = self.running.pop(item.nodeid, None)
        if recording is None or recording.report is None:
            return
        report = recording.report
        budget = item.stash.get(BUDGET_KEY, None)
        text: list[str] = []
        if budget is not None and not _figures(report)["recorded"]:
            text = [f"arrayprof: the test's numpy_budget could not be checked: {INTERRUPTED}"]
        elif budget is not None:
            breaches = budgets.check(report, budget)
            if breaches:
                lines = {row.lineno for b in breaches for row in budgets.top_lines(report, b.name)}
                report.findings = advise(report, self.files, lines, str(item.path),
                                         recording.locals)
                text = budgets.explain(report, breaches)
        recording.locals.clear()
        if text:
            if rep.passed:
                rep.outcome = "failed"
                rep.longrepr = "\n".join(text)
            else:
                rep.sections.append(("arrayprof numpy_budget", "\n".join(text)))
        rep.arrayprof = _figures(report)  # a plain dict: pytest-xdist carries it to the controller
        if self.json_dir is not None:
            (self.json_dir / json_name(item.nodeid)).write_text(json.dumps(report.to_dict(), indent=2),
                                              encoding="utf-8")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        data = getattr(report, "arrayprof", None)
        if report.when == "call" and isinstance(data, dict):
            self.results[report.nodeid] = data

    def pytest_report_header(self, config: pytest.Config) -> list[str]:
        header = ["arrayprof: recording NumPy allocations per test"
                  + (f", one report per test in {self.json_dir}" if self.json_dir else "")]
        if self.memray:
            header.append("arrayprof: pytest-memray is active too: both record each test "
                          "(memray every allocation, arrayprof NumPy's buffers per line)")
        return header

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if hasattr(self.config, "workerinput") or not self.results or not self.top:
            return
        write = terminalreporter.write_line
        terminalreporter.write_sep("=", "arrayprof: NumPy memory per test")
        for title, key, at in (("peak", "peak_bytes", "peak_at"),
                               ("temporary bytes", "temporary_bytes", "temporaries_at")):
            ranked = sorted((item for item in self.results.items() if item[1].get(key)),
                            key=lambda item: -item[1][key])[: self.top]
            write(f"top {len(ranked)} by NumPy {title}:")
            for nodeid, data in ranked:
                place = f"  ({data[at]})" if data.get(at) else ""
                write(f"  {human_bytes(data[key]):>9}  {nodeid}{place}")
        unrecorded = sum(1 for data in self.results.values() if not data.get("recorded", True))
        if unrecorded:
            write("1 test profiled code itself; its own figures are in its arrayprof report"
                  if unrecorded == 1 else
                  f"{unrecorded} tests profiled code themselves; their own figures are in their "
                  "arrayprof reports")


def json_name(nodeid: str) -> str:
    """A file name for a test's report: its node id made safe, and unique when shortened."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")
    if len(name) > 150:
        name = name[:140] + "-" + hashlib.sha1(nodeid.encode()).hexdigest()[:8]
    return name + ".json"


def _ini_bool(config: pytest.Config, name: str) -> bool:
    try:
        return bool(config.getini(name))
    except (ValueError, KeyError):
        return False
