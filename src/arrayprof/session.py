"""A session profiles one piece of code: it starts the tracker, lets the code run, stops it, and
turns the raw native figures into a `Report`.

Two ways to drive it: `run()` / `run_async()` execute the code itself (``profile()``,
``%%arrayprof``, the CLI); `begin()`/`end()` wrap code that somebody else executes (IPython's
automatic mode).  Either way the work done between starting and stopping the tracker is nothing but
the user's code.

Every way out leaves nothing running.  An exception of the code (``SystemExit`` included, which
IPython shows and carries on after) is the cell's result: the report is built and the exception
handed back.  Any other ``BaseException`` of the code (``KeyboardInterrupt``, a cancelled task)
stops the tracker and the RSS sampler at once (`abandon`) and propagates.  An interrupt that
arrives during arrayprof's own work after the code finished abandons that work only: the report
says it is incomplete (`note_interrupted`) and the code's value and exception are kept
(`code_finished`, `value`, `error`).
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import itertools
import linecache
import threading
import time
import traceback
from dataclasses import dataclass
from types import CodeType, TracebackType
from typing import Any

from arrayprof import inventory
from arrayprof.context import CellContext
from arrayprof.notify import internal_failure, note
from arrayprof.report import ErrorInfo, LineStats, NumpyStats, OpRecord, Report
from arrayprof.rss import RssSampler, make_sampler
from arrayprof.snapshot import CellInputs, capture_inputs
from arrayprof.tracker import Recording, ensure_installed

_cell_numbers = itertools.count(1)
DEFAULT_COPY_BUDGET = 512 * 1024 * 1024


def new_filename() -> str:
    return f"<arrayprof-cell-{next(_cell_numbers)}>"


@dataclass
class CompiledCell:
    body: CodeType | None
    last_expression: CodeType | None  # evaluated separately so its value can be shown

    @property
    def is_async(self) -> bool:
        """Whether the code awaits at top level (compiled as a coroutine, as IPython does)."""
        return any(is_coroutine_code(code) for code in (self.body, self.last_expression))


def is_coroutine_code(code: CodeType | None) -> bool:
    return code is not None and bool(code.co_flags & inspect.CO_COROUTINE)


def needs_await(code: str) -> bool:
    """Whether `code` awaits at top level: IPython's own test (compiled with top-level await
    allowed, the code object is a coroutine)."""
    try:
        compiled = compile(code, "<arrayprof>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
                           dont_inherit=True)
    except (SyntaxError, ValueError, MemoryError):
        return False
    return is_coroutine_code(compiled)


INTERRUPTED = "arrayprof: interrupted while {what}; this report is incomplete (the cell itself ran " \
              "normally)"


def note_interrupted(report: Report | None, what: str) -> None:
    """An interrupt stopped arrayprof's own work after the cell: say so once, in one line."""
    if report is not None:
        if any(n.startswith("arrayprof: interrupted while") for n in report.notes):
            return
        report.notes.append(INTERRUPTED.format(what=what))
    try:
        note(INTERRUPTED.format(what=what))
    except BaseException:
        pass


def was_interrupted(report: Report) -> bool:
    """Whether arrayprof's work on `report` was cut short by an interrupt."""
    return any(n.startswith("arrayprof: interrupted while") for n in report.notes)


def parse(source: str, filename: str) -> ast.Module:
    return ast.parse(source, filename, "exec")


def compile_cell(tree: ast.Module, filename: str, split_last_expression: bool, *,
                 flags: int = 0, allow_await: bool = False) -> CompiledCell:
    """Compile as the user's interpreter would: with the caller's `flags` (``__future__``
    statements of earlier cells) and none of arrayprof's own; top-level ``await`` allowed when
    `allow_await` (IPython's autoawait), which makes a code object a coroutine."""
    if allow_await:
        flags |= ast.PyCF_ALLOW_TOP_LEVEL_AWAIT

    def build(node: ast.mod, mode: str) -> CodeType:
        return compile(node, filename, mode, flags=flags, dont_inherit=True)

    if split_last_expression and tree.body and isinstance(tree.body[-1], ast.Expr):
        body = ast.Module(body=tree.body[:-1], type_ignores=[])
        last = ast.Expression(body=tree.body[-1].value)
        return CompiledCell(build(body, "exec"), build(last, "eval"))
    return CompiledCell(build(tree, "exec"), None)


# linecache names register_source added and the history has not yet accounted for (api sweeps
# them: a pass over these, not over the whole linecache, per cell)
registered: set[str] = set()


def register_source(filename: str, source: str) -> None:
    """Let tracebacks and inspect show the cell's lines, as IPython does for its own cells."""
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    registered.add(filename)


def error_info(exc: BaseException, filename: str) -> ErrorInfo:
    lineno = getattr(exc, "lineno", None) if isinstance(exc, SyntaxError) else None
    tb: TracebackType | None = exc.__traceback__
    for frame, frame_lineno in traceback.walk_tb(tb):
        if frame.f_code.co_filename == filename:
            lineno = frame_lineno
    return ErrorInfo(type=type(exc).__name__, message=str(exc), lineno=lineno)


class Session:
    """Profile one piece of code run in `namespace`."""

    def __init__(self, source: str, namespace: dict[str, Any], *, filename: str | None = None,
                 rss: str | RssSampler = "hwm", capture: bool = False,
                 copy_budget_bytes: int = DEFAULT_COPY_BUDGET, shown_source: str | None = None,
                 compile_flags: int = 0, allow_await: bool = True) -> None:
        self.source = source  # what runs
        # what the user wrote, for the report and tracebacks (IPython syntax such as `%time` or
        # `!ls` runs as its transformed Python, line for line)
        self.shown_source = source if shown_source is None else shown_source
        self.namespace = namespace
        self.filename = filename or new_filename()
        self.sampler = make_sampler(rss) if isinstance(rss, str) else rss
        self.capture = capture
        self.copy_budget_bytes = copy_budget_bytes
        self.tree: ast.Module | None = None
        self.inputs: CellInputs | None = None
        self.recording: Recording | None = None
        self._names_before: inventory.NameSnapshot = {}
        self._t0 = 0.0
        self.wall_s = 0.0
        self.compile_flags = compile_flags
        self.allow_await = allow_await
        # what the code did, kept here so that an interrupt of arrayprof's own work after it
        # cannot lose it: whether it finished (returned or raised), its value, its exception
        self.code_finished = False
        self.value: Any = None
        self.error: BaseException | None = None
        self.dask: Any = None  # a daskprof.DaskWatch while a cell with dask.array imported runs
        self.dask_failure: str | None = None

    # -- driving ---------------------------------------------------------------------------------
    def begin(self) -> None:
        """Everything before the user's code; the tracker starts last.  Whatever stops it half
        way (a failure, an interrupt) leaves nothing running and propagates."""
        try:
            ensure_installed()
            if self.tree is None:
                try:
                    self.tree = parse(self.source, self.filename)
                except SyntaxError:
                    self.tree = None
            self._names_before = inventory.snapshot_names(self.namespace, self.tree)
            if self.capture and self.tree is not None:
                self.inputs = capture_inputs(self.tree, self.namespace, self.copy_budget_bytes)
            self._start_dask()
            self.sampler.start()
            self.recording = Recording(self.filename, self.source.count("\n") + 1)
            self._t0 = time.perf_counter()
            self.recording.start()
        except BaseException:
            self.abandon()
            raise

    def _start_dask(self) -> None:
        """Watch Dask collections and tasks when dask.array is imported (never imports it)."""
        from arrayprof import daskprof
        if not daskprof.dask_available():
            return
        try:
            self.dask = daskprof.DaskWatch(self.filename, self.tree, self.namespace)
            self.dask.start()
        except Exception as exc:
            self.dask_failure = f"arrayprof: Dask tasks not recorded ({type(exc).__name__}: {exc})"
            self._stop_dask()
            self.dask = None

    def _stop_dask(self) -> None:
        if self.dask is not None:
            try:
                self.dask.stop()
            except Exception:
                pass

    def abandon(self) -> None:
        """Stop whatever this session started, the tracker and the RSS sampler, and build
        nothing: the way out of an interrupt (of the code or of arrayprof's own work), a failure
        to start, or a front end giving up on the cell.  Never raises; safe to repeat."""
        for _ in range(2):  # a second interrupt may cut the first attempt short
            try:
                self.finish_recording()
                break
            except BaseException:
                pass
        cancel = getattr(self.sampler, "cancel", None)
        for _ in range(2):
            try:
                if cancel is not None:
                    cancel()
                break
            except BaseException:
                pass

    def finish_recording(self) -> None:
        """Stop the tracker first thing after the user's code."""
        if self.recording is not None and self.recording.raw is None:
            self.recording.stop()
            self.wall_s = time.perf_counter() - self._t0
            self._stop_dask()

    def end(self, error: BaseException | None = None) -> Report:
        """The report of the code that ran since `begin`.  Never raises: a failure or an
        interrupt here gives a report that says so, and nothing is left running."""
        try:
            self.finish_recording()
            rss = self.sampler.stop()
            report = self.build_report(error)
            report.rss = rss
        except (Exception, KeyboardInterrupt) as exc:
            report = self.incomplete_report(error)
            if isinstance(exc, KeyboardInterrupt):
                note_interrupted(report, "building the report")
            else:
                internal_failure(report, "building the report", exc)
        return report

    def incomplete_report(self, error: BaseException | None) -> Report:
        """What is left when building the report failed or was interrupted: the source, the
        time and the code's exception; nothing keeps running."""
        self.abandon()
        report = Report(source=self.shown_source, wall_s=self.wall_s)
        if error is not None:
            report.error = error_info(error, self.filename)
        return report

    def compile(self, display_last: bool) -> CompiledCell:
        """Parse and compile the code (a SyntaxError as Python gives it); its lines are
        registered for tracebacks."""
        self.tree = parse(self.source, self.filename)
        register_source(self.filename, self.shown_source)
        return compile_cell(self.tree, self.filename, display_last, flags=self.compile_flags,
                            allow_await=self.allow_await)

    def run(self, *, display_last: bool = False) -> tuple[Report, Any, BaseException | None]:
        """Execute the code under the profiler.  Returns (report, value of a last expression when
        `display_last`, the exception the code raised or None).

        Code with top-level ``await`` runs in a new event loop (`asyncio.run`) when none is
        running in this thread; inside a running loop (a notebook cell calling ``profile()``) it
        cannot be waited for here: a RuntimeError says to use `run_async`."""
        try:
            compiled = self.compile(display_last)
        except SyntaxError as exc:
            return self.syntax_error_report(exc), None, exc
        if compiled.is_async:
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                return asyncio.run(self._run_compiled_async(compiled))
            raise RuntimeError("this code awaits at top level and an event loop is already "
                               "running in this thread: await arrayprof.profile_async(...) "
                               "instead, or use %%arrayprof in a notebook")
        self._start()
        try:
            if compiled.body is not None:
                exec(compiled.body, self.namespace)
            if compiled.last_expression is not None:
                self.value = eval(compiled.last_expression, self.namespace)
        except (Exception, SystemExit) as exc:
            self.error = exc
        except BaseException:
            self.abandon()
            raise
        self.code_finished = True
        return self.end(self.error), self.value, self.error

    async def run_async(self, *, display_last: bool = False,
                        ) -> tuple[Report, Any, BaseException | None]:
        """`run` for an event loop: top-level ``await`` in the code is awaited in the running
        loop, and the recording spans it (what the awaited coroutines allocate is the cell's)."""
        try:
            compiled = self.compile(display_last)
        except SyntaxError as exc:
            return self.syntax_error_report(exc), None, exc
        return await self._run_compiled_async(compiled)

    async def _run_compiled_async(self, compiled: CompiledCell,
                                  ) -> tuple[Report, Any, BaseException | None]:
        self._start()
        try:
            if compiled.body is not None:
                result = eval(compiled.body, self.namespace)
                if is_coroutine_code(compiled.body):
                    await result
            if compiled.last_expression is not None:
                self.value = eval(compiled.last_expression, self.namespace)
                if is_coroutine_code(compiled.last_expression):
                    self.value = await self.value
        except (Exception, SystemExit) as exc:
            self.error = exc
        except BaseException:  # KeyboardInterrupt, the front end cancelling the cell
            self.abandon()
            raise
        self.code_finished = True
        return self.end(self.error), self.value, self.error

    def _start(self) -> None:
        """`begin`; if arrayprof fails to start, the code runs unprofiled and the report says
        so.  An interrupt here propagates (nothing left running): the code has not started."""
        try:
            self.begin()
        except Exception as exc:
            self.recording = None
            internal_failure(None, "starting the profiler", exc)

    def syntax_error_report(self, exc: SyntaxError) -> Report:
        return Report(source=self.shown_source, error=ErrorInfo(type=type(exc).__name__,
                                                          message=str(exc.msg),
                                                          lineno=exc.lineno))

    def context(self, report: Report) -> CellContext:
        return CellContext(source=self.source, filename=self.filename, tree=self.tree,
                           namespace=self.namespace, inputs=self.inputs,
                           new_names=[a.name for a in report.arrays])

    # -- turning raw figures into a report -------------------------------------------------------
    def build_report(self, error: BaseException | None) -> Report:
        recording = self.recording
        report = Report(source=self.shown_source, wall_s=self.wall_s)
        if error is not None:
            report.error = error_info(error, self.filename)
        if recording is None:
            report.notes.append("not recorded: the profiler did not start")
            return report
        if recording.interrupted or recording.raw is None:
            report.notes.append("another arrayprof recording started inside this one; "
                                "its figures are in that report")
            return report
        raw = recording.raw
        report.notes.extend(tracker_notes(raw))
        source_lines = self.shown_source.splitlines()
        report.numpy = numpy_stats(raw)
        report.ops = [op_record(op) for op in recording.ops]
        report.lines = line_stats(raw, report.ops, source_lines, recording.time)
        report.numpy.seconds = (recording.time or {}).get("numpy_seconds", 0.0)
        report.notes.extend(time_notes(recording.time))
        for _, views, copies in raw.get("census", ()):
            report.numpy.views += views
            report.numpy.copies += copies
        report.timeline = raw["timeline"]  # [seconds, live bytes, line] lists, made natively
        live = raw["live"]
        try:
            names = inventory.new_or_rebound(self.namespace, self._names_before, live)
            report.arrays = inventory.build_inventory(self.namespace, names, self.tree, live)
        finally:
            release = getattr(live, "release", None)
            if release is not None:
                release()  # the native table of live buffers: only the inventory reads it
        if self.dask_failure:
            report.notes.append(self.dask_failure)
        if self.dask is not None:
            try:
                report.dask = self.dask.collect()
            except Exception as exc:
                internal_failure(report, "collecting the Dask tasks' figures", exc)
        return report


_UNHOOKABLE = {"read-only": "it is in read-only memory",
               "version": "its handler version is {version}, arrayprof knows version 1",
               "no-slot": "arrayprof already hooks as many handlers as it can"}


def tracker_notes(raw: dict[str, Any]) -> list[str]:
    """What the native tracker could not see, one line each: allocations through NEP 49 handlers
    other libraries set, and figures cut short by a fork."""
    notes = []
    for handler in raw.get("handlers", ()):
        name, status = handler["name"], handler["status"]
        if handler["set_during_cell"]:
            later = ("arrayprof hooked it in place for later cells" if status == "hooked" else
                     "arrayprof could not hook it: " + _UNHOOKABLE[status].format(**handler))
            notes.append(f"the NEP 49 handler '{name}' was set during the cell by another library; "
                         f"allocations through it before the cell ended may not be seen ({later})")
        elif status == "hooked":
            notes.append(f"NumPy allocations go through the NEP 49 handler '{name}' set by another "
                         "library; arrayprof hooked it in place, so they are counted")
        else:
            notes.append(f"allocations through the NEP 49 handler '{name}' set by another library "
                         "are not seen (arrayprof could not hook it: "
                         + _UNHOOKABLE[status].format(**handler) + ")")
    if raw.get("forked_child"):
        notes.append("this process was forked from the profiled cell; its NumPy figures stop at "
                     "the fork")
    return notes


def numpy_stats(raw: dict[str, Any]) -> NumpyStats:
    other = {key.removeprefix("other_thread_"): value for key, value in raw.items()
             if key.startswith("other_thread_")}
    return NumpyStats(
        allocations=raw["allocations"],
        allocated_bytes=raw["allocated_bytes"],
        freed_bytes=raw["freed_bytes"],
        peak_bytes=raw["peak_bytes"],
        net_bytes=raw["allocated_bytes"] - raw["freed_bytes"],
        temporaries=raw["temporaries"],
        temporary_bytes=raw["temporary_bytes"],
        frees=raw["frees"],
        peak_lineno=raw["peak_line"] or None if raw["peak_bytes"] > 0 else None,
        other_threads=other,
    )


def op_record(raw: dict[str, Any]) -> OpRecord:
    return OpRecord(lineno=raw["lineno"] or None, count=raw["count"], kind=raw["kind"],
                    name=raw["name"], operands=raw["operands"], result=raw["result"],
                    broadcast=raw["broadcast"], expansion=raw["expansion"], inplace=raw["inplace"])


def time_notes(time: dict[str, Any] | None) -> list[str]:
    """What the time figures could not cover, in one line."""
    if time is None:
        return ["time per line was not recorded"]
    if not time.get("sampled"):
        return ["time per line: arrayprof ran outside the main thread, where its sampler cannot "
                "run; lines[].seconds hold only the time of NumPy calls (exact)"
                if threading.current_thread() is not threading.main_thread() else
                "time per line: the sampler was off; lines[].seconds hold only the time of NumPy "
                "calls (exact)"]
    return []


def line_stats(raw: dict[str, Any], ops: list[OpRecord], source_lines: list[str],
               time: dict[str, Any] | None = None) -> list[LineStats]:
    """One entry per cell line that allocated, ran an array operation, made a view or was charged
    time (REPORT.md)."""
    ops_per_line: dict[int, int] = {}
    for op in ops:
        if op.lineno:
            ops_per_line[op.lineno] = ops_per_line.get(op.lineno, 0) + op.count
    rows: dict[int, LineStats] = {}
    for lineno, allocs, nbytes, temps, temp_bytes, peak, frees, freed in raw["lines"]:
        if lineno == 0:
            continue  # no frame of the cell on the stack (e.g. garbage collection); whole-cell only
        rows[lineno] = LineStats(lineno=lineno, source="", allocations=allocs,
                                 allocated_bytes=nbytes, temporaries=temps,
                                 temporary_bytes=temp_bytes, peak_bytes=peak, frees=frees,
                                 freed_bytes=freed)
    for lineno, count in ops_per_line.items():
        rows.setdefault(lineno, LineStats(lineno=lineno, source="")).ops = count
    for lineno, views, copies in raw.get("census", ()):
        if lineno:
            row = rows.setdefault(lineno, LineStats(lineno=lineno, source=""))
            row.views, row.copies = views, copies
    for lineno, seconds, numpy_seconds, samples in (time or {}).get("lines", ()):
        if 0 < lineno <= len(source_lines):
            row = rows.setdefault(lineno, LineStats(lineno=lineno, source=""))
            # a thread the cell started is sampled for its wall time but its NumPy calls are timed
            # exactly: the line's time is never less than its NumPy time
            row.seconds = max(seconds, numpy_seconds)
            row.numpy_seconds = numpy_seconds
            row.samples = samples
    kept = []
    for lineno in sorted(rows):
        row = rows[lineno]
        if row.allocations == 0 and row.ops == 0 and row.views == 0 and row.seconds == 0:
            continue
        row.source = source_lines[lineno - 1] if 0 < lineno <= len(source_lines) else ""
        kept.append(row)
    return kept


def measure(code: str, namespace: dict[str, Any], filename: str) -> tuple[int, BaseException | None]:
    """Run `code` in `namespace` profiled: (peak NumPy bytes, the code's exception or None).  The
    advisor verifies rewrites with it (passed in by api.advise: the advisor does not import the
    session, issue 16)."""
    report, _, error = Session(code, namespace, filename=filename, rss="off").run()
    return report.numpy.peak_bytes, error
