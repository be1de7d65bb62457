"""Automatic mode: every cell profiled through IPython's pre/post_run_cell events.

Only a one-line summary is shown, and only when a cell allocates more than the threshold or has
warnings.  Nobody should notice it (issue 18): its own work adds about a millisecond to a small
cell, timed per stage in `AutoProfiler.stages` (benchmarks/auto_latency.py).  Advice, which costs
as much as all the rest, runs at once only for cells that are over the threshold, took
EAGER_ADVICE_S or more (where a millisecond is lost in the cell's own time) or run with
``--verify``; a quicker cell's findings are computed the first time anything reads them (the
summary opened, ``%arrayprof last``, the panel, JSON), against the names the cell left, with a
note if later code changed them first (`Report.defer_findings`).  Such a cell shows no summary:
its warnings are there when its report is opened.

The user's notebook must come out exactly as it would without arrayprof (the corpus in
tests/notebooks_real/ checks it), so between two cells arrayprof:

* keeps no reference to the user's objects, strong or weak (`inventory.snapshot_names`
  fingerprints arrays: a weak reference alone makes ``a.resize()`` fail), and tells arrays by
  their type, never ``isinstance`` (it reads ``__class__``, which lazy proxies load on);
* lets the advisor see inert values only (`snapshot.advisor_namespace`): no user property,
  ``__array_ufunc__``, generator or random generator is touched;
* does its own work inside `OwnWork`: NumPy floating-point errors ignored (a user's
  ``np.seterr(all="raise" | "call" | "log" | "print")`` must not fire for it), its own warnings
  collected into one tagged note without touching the warning filters (changing them resets every
  module's "already shown" registry), any failure, even an interrupt, ending as one tagged note;
* pauses the garbage collector and restores its young-generation count (`GcBalance`), so
  automatic collections, and with them ``__del__`` and weakref callbacks of cyclic garbage, stay
  where they would be; its own code leaves no cyclic garbage;
* reads the process's peak-memory mark but never resets it (`PassivePeakSampler`): the user's
  program reads it too, as ``resource.getrusage(...).ru_maxrss``;
* shows nothing after a ``clear_output(wait=True)`` that nothing has consumed yet (`ClearWatch`):
  any output would trigger that deferred clear in the front end and wipe the user's last output.
"""

from __future__ import annotations

import gc
import re
import sys
import threading
import time
import warnings
import weakref
from collections import deque
from collections.abc import Callable
from types import TracebackType
from typing import Any

from arrayprof import api
from arrayprof.context import CellContext
from arrayprof.inventory import fingerprint
from arrayprof.kernel.display import held, show_note, show_report
from arrayprof.report import Report, RssStats
from arrayprof.session import Session, parse, was_interrupted
from arrayprof.tracker import paused

DEFAULT_THRESHOLD = 10 * 1000 * 1000
# Cells that ran at least this long are advised right after they run, like cells over the
# threshold; quicker ones when their findings are first asked for (see AutoProfiler).
EAGER_ADVICE_S = 0.1

# The stages of a profiled cell, in `AutoProfiler.stages` (seconds each, per cell; README
# "Overhead", benchmarks/auto_latency.py): before the cell (the whole pre_run_cell), stopping the
# recorder, building the report (RSS reading, figures, inventory), advice, keeping it (history,
# listeners: the panel's "cell" push), showing the summary (render and display; 0 when nothing is
# shown), and the whole post_run_cell.
STAGES = ("before", "stop", "report", "advice", "keep", "show", "after")
STAGE_LOG = 1000  # cells whose stage times are kept


class StageClock:
    """Seconds spent in each stage of the current cell; `log` keeps the last STAGE_LOG cells as
    tuples in STAGES order.  A clock read per stage (~50 ns), so it is always on."""

    def __init__(self) -> None:
        self.log: deque[tuple[float, ...]] = deque(maxlen=STAGE_LOG)
        self.current = dict.fromkeys(STAGES, 0.0)
        self._mark = 0.0

    def reset(self) -> None:
        for stage in STAGES:
            self.current[stage] = 0.0

    def start(self) -> None:
        self._mark = time.perf_counter()

    def lap(self, stage: str) -> None:
        """Charge the time since the last mark to `stage`, and mark again."""
        now = time.perf_counter()
        self.current[stage] += now - self._mark
        self._mark = now

    def commit(self) -> None:
        self.log.append(tuple(self.current[stage] for stage in STAGES))


def is_arrayprof_cell(raw_cell: str) -> bool:
    """Cells that run arrayprof themselves are not profiled a second time."""
    return any(line.lstrip().startswith(("%%arrayprof", "%arrayprof"))
               for line in raw_cell.splitlines())


TIMING_MAGIC = re.compile(r"""run_(?:line|cell)_magic\(\s*['"](?:timeit|prun)['"]""")


def is_timing_cell(transformed: str) -> bool:
    """Cells that time or profile code themselves (``%timeit``, ``%%timeit``, ``%prun``) are left
    alone: recording each of a micro-benchmark's calls would slow them (1.2-1.4x for tiny arrays)
    and the user would read arrayprof's cost in their own timings."""
    return TIMING_MAGIC.search(transformed) is not None


# magics that run the user's Python code (``%time x = f()``, ``%%capture``, ``%run script.py``):
# a cell of them is profiled like any other
CODE_MAGICS = frozenset({"time", "capture", "run"})
SHELL_CALLS = frozenset({"system", "getoutput"})  # ``!cmd`` and ``x = !cmd``


def is_magic_only_cell(transformed: str) -> bool:
    """Cells that are only magics and shell escapes (``%clear``, ``!ls``, ``%who``, ``x?``) run
    none of the user's Python: profiling them would only make them the "last" report, in place
    of the cell the user wants to see again with ``%arrayprof last``."""
    import ast

    try:
        body = ast.parse(transformed).body
    except (SyntaxError, ValueError):
        return False
    for statement in body:
        value = statement.value if isinstance(statement, ast.Expr | ast.Assign) else None
        if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
                and isinstance(value.func.value, ast.Call)
                and isinstance(value.func.value.func, ast.Name)
                and value.func.value.func.id == "get_ipython"):
            return False
        method = value.func.attr
        if method in ("run_line_magic", "run_cell_magic"):
            name = value.args[0] if value.args else None
            if not isinstance(name, ast.Constant) or name.value in CODE_MAGICS:
                return False
        elif method not in SHELL_CALLS:
            return False
    return True


def say(message: str) -> None:
    """A tagged one-line note; if even that fails, the kernel's own stderr (never the cell's)."""
    try:
        show_note(message)
    except BaseException:
        try:
            print(message, file=sys.__stderr__)
        except BaseException:
            pass


class _Token:
    """A reserve object for `GcBalance`: a container the collector counts exactly once when made
    and once when freed.  Empty lists, dicts and tuples will not do: CPython recycles them through
    free lists that bypass the count (80 lists freed barely move it)."""

    __slots__ = ("_",)


class GcBalance:
    """Keep CPython's automatic garbage collections where they would be without arrayprof.

    A young-generation collection runs when the count of container objects allocated minus those
    freed passes a threshold; arrayprof's work between two cells allocates (and keeps: reports in
    the history) such objects, which would move every later collection to another statement of
    the user's code.  Between `start` and `stop` the collector is off; `stop` brings the count
    back to its value at `start`: by freeing objects from a reserve (each free lowers the count
    by one) or by adding objects to it (each allocation raises it by one).  The reserve holds
    20,000 tokens of 56 bytes (1.1 MB), refilled as arrayprof's own objects are freed.

    `start` and `stop` are plain method calls, never a ``with`` block: entering one allocates a
    bound method outside the balanced span and frees it inside.  Whatever runs in between must
    drop its own objects before `stop` (the hooks keep their work in a separate function).
    Best effort: counts are CPython's; with the reserve empty the collector is only paused.
    """

    RESERVE = 20_000

    def __init__(self) -> None:
        # a fixed number of slots, each a token or None: the slot array itself is never resized,
        # so the reserve's own memory stays put (tracemalloc users see no movement)
        self.reserve: list[_Token | None] = [_Token() for _ in range(self.RESERVE)]
        self.filled = self.RESERVE
        self._enabled = False
        self._count = 0
        self._depth = 0  # nested spans (findings computed inside a hook) balance once, outermost

    def start(self) -> None:
        self._depth += 1
        if self._depth > 1:
            return
        self._enabled = gc.isenabled()
        gc.disable()
        self._count = gc.get_count()[0]

    def stop(self) -> None:
        self._depth -= 1
        if self._depth > 0:
            return
        try:
            reserve = self.reserve
            excess = gc.get_count()[0] - self._count
            while excess > 0 and self.filled > 0:  # each freed list lowers the count by one
                self.filled -= 1
                reserve[self.filled] = None
                excess -= 1
            while excess < 0 and self.filled < len(reserve):  # each new one raises it by one
                reserve[self.filled] = _Token()
                self.filled += 1
                excess += 1
        finally:
            if self._enabled:
                gc.enable()


class OwnWork:
    """The context arrayprof's own work around a cell runs in (see the module docstring)."""

    def __init__(self) -> None:
        self.warned: list[str] = []
        self._errstate: Any = None
        self._showwarning: Callable[..., Any] | None = None
        self._thread = threading.get_ident()

    def __enter__(self) -> OwnWork:
        import numpy as np

        self._errstate = np.errstate(all="ignore")
        self._errstate.__enter__()
        self._showwarning = warnings.showwarning
        warnings.showwarning = self._collect
        return self

    def _collect(self, message: Any, category: type[Warning], filename: str, lineno: int,
                 file: Any = None, line: str | None = None) -> None:
        if threading.get_ident() != self._thread and self._showwarning is not None:
            # a warning of the user's own threads, raised while arrayprof works: theirs to show
            self._showwarning(message, category, filename, lineno, file, line)
            return
        self.warned.append(f"{category.__name__}: {message}")

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> bool:
        if warnings.showwarning == self._collect:
            warnings.showwarning = self._showwarning  # type: ignore[assignment]
        self._errstate.__exit__(None, None, None)
        if exc is not None:
            what = "interrupted" if isinstance(exc, KeyboardInterrupt) else \
                f"failed ({type(exc).__name__}: {exc})"
            say(f"arrayprof: profiling this cell {what}; the cell itself ran normally")
        if self.warned:
            say(f"arrayprof: its own work warned ({'; '.join(self.warned)[:300]})")
        return exc is None or isinstance(exc, Exception | KeyboardInterrupt)


class ClearWatch:
    """Whether the running cell left a ``clear_output(wait=True)`` that no output consumed.

    Front ends defer such a clear until the cell's next output; an arrayprof summary shown then
    would wipe the user's last output.  Watched through the display publisher's hooks (ipykernel),
    registered only while a cell runs.  Text printed after the clear also consumes it, but streams
    are sent from another thread, out of sight of these hooks, so that case counts as pending: the
    summary is then skipped, which is harmless.
    """

    def __init__(self) -> None:
        self.pending = False
        self._publisher: Any = None

    def hook(self, msg: Any) -> Any:
        try:
            kind = msg.get("msg_type") or msg["header"]["msg_type"]
            if kind == "clear_output":
                self.pending = bool(msg["content"].get("wait"))
            elif kind == "display_data":
                self.pending = False
        except Exception:
            pass
        return msg

    def start(self, shell: Any) -> None:
        self.stop()
        self.pending = False
        publisher = getattr(shell, "display_pub", None)
        if publisher is not None and hasattr(publisher, "register_hook"):
            publisher.register_hook(self.hook)
            self._publisher = publisher

    def stop(self) -> None:
        publisher, self._publisher = self._publisher, None
        if publisher is not None:
            try:
                publisher.unregister_hook(self.hook)
            except Exception:
                pass


def warm_up() -> None:
    """Import now what the hooks will need, not while a cell is being profiled: a first import
    from inside a hook would land in the user's measurements (tracemalloc's statistics list
    importlib and traitlets by the hundred kilobytes) and take time from the first summary."""
    import importlib

    for module in ("arrayprof.advisor", "arrayprof.render.text", "arrayprof.render.html",
                   "arrayprof.render.widget", "IPython.display"):
        try:
            importlib.import_module(module)
        except Exception:
            pass  # the hooks will say what is missing


class PassivePeakSampler:
    """Resident-set size around a cell from the process's high-water mark, read and never reset.

    The ``hwm`` sampler resets the mark (``/proc/self/clear_refs``) to measure each cell exactly,
    but the user's program reads that same mark: ``resource.getrusage(...).ru_maxrss`` and VmHWM
    would report the peak since the last cell instead of since the process started.  Here the
    peak is exact when the cell raised the process's peak, and otherwise the larger of the start
    and end readings (a lower bound)."""

    name = "hwm-passive"

    def __init__(self) -> None:
        self._start = 0
        self._mark = 0

    @staticmethod
    def _read() -> tuple[int, int]:
        """(RSS, high-water mark) in bytes, from one read of /proc/self/status (each read costs
        about 40 us; psutil's RSS and no mark where there is no /proc)."""
        try:
            with open("/proc/self/status", "rb") as status:
                text = status.read()
            rss = int(text.split(b"VmRSS:", 1)[1].split(None, 1)[0]) * 1024
            mark = int(text.split(b"VmHWM:", 1)[1].split(None, 1)[0]) * 1024
            return rss, mark
        except (OSError, IndexError, ValueError):
            from arrayprof.rss import current_rss

            return current_rss(), 0

    def start(self) -> None:
        self._start, self._mark = self._read()

    def stop(self) -> RssStats:
        end, mark = self._read()
        peak = mark if mark > self._mark else max(self._start, end)
        return RssStats(start_bytes=self._start, peak_bytes=max(peak, self._start, end),
                        end_bytes=end, sampler=self.name)


class AutoProfiler:
    """Automatic mode of one shell: a session opened before each cell, closed, advised and
    summarised after it.  The hooks' work runs in functions of their own between `GcBalance`'s
    start and stop, so that even their local objects are gone when the count is restored."""

    def __init__(self, shell: Any) -> None:
        self.shell = shell
        self.enabled = False
        self.threshold_bytes = DEFAULT_THRESHOLD
        self.verify = False
        self.eager_advice_s = EAGER_ADVICE_S
        self._session: Session | None = None
        self._clear = ClearWatch()
        self._balance = GcBalance()
        self.stages = StageClock()
        # IPython >= 9.8 counts the cell before pre_run_cell; older versions after it.  Only the
        # names of terminal IPython's cells depend on it; learnt from each cell's result.
        self._counted_before_pre: bool | None = None
        self._count_at_pre: int | None = None
        # what `%arrayprof status` tells: cells profiled since automatic mode was turned on, and
        # their findings by severity
        self.cells_profiled = 0
        self.findings_seen: dict[str, int] = {}
        self._pending: list[weakref.ref[Report]] = []  # reports whose findings wait to be read

    def enable(self, threshold_bytes: int | None = None) -> None:
        if threshold_bytes is not None:
            self.threshold_bytes = threshold_bytes
        warm_up()
        if not self.enabled:
            self.cells_profiled, self.findings_seen, self._pending = 0, {}, []
            self.shell.events.register("pre_run_cell", self.pre_run_cell)
            self.shell.events.register("post_run_cell", self.post_run_cell)
            self.enabled = True

    def disable(self) -> None:
        if self.enabled:
            self.shell.events.unregister("pre_run_cell", self.pre_run_cell)
            self.shell.events.unregister("post_run_cell", self.post_run_cell)
            self.enabled = False
        self._clear.stop()
        self._abandon()

    def status(self) -> str:
        """On or off; when on, the threshold and what automatic mode has seen so far."""
        from arrayprof.units import human_bytes

        if not self.enabled:
            return "arrayprof automatic mode is off"
        self._settle_pending()
        seen = self.findings_seen
        findings = sum(seen.values())
        kinds = ", ".join(f"{seen[severity]} {severity}{'s' if seen[severity] != 1 else ''}"
                          for severity in ("error", "warning", "info") if seen.get(severity))
        cells = f"{self.cells_profiled:,} cell{'s' if self.cells_profiled != 1 else ''}"
        waiting = len(self._pending)
        return (f"arrayprof automatic mode is on: {cells} profiled so far, "
                f"{findings:,} finding{'s' if findings != 1 else ''}"
                + (f" ({kinds})" if kinds else "")
                + (f"; {waiting:,} quick cell{'s' if waiting != 1 else ''} not advised yet"
                   if waiting else "") + "\n"
                f"  a summary is shown for cells allocating more than "
                f"{human_bytes(self.threshold_bytes)} (--threshold), or with warnings among cells "
                f"that ran {self.eager_advice_s:g} s or more; rewrites are "
                f"{'' if self.verify else 'not '}verified (--verify)\n"
                "  quicker cells are advised when their report is opened (%arrayprof last, the "
                "panel)\n"
                "  not profiled: cells that time code (%timeit, %prun) or are only magics and "
                "shell escapes\n"
                "  %arrayprof last shows the last report, %arrayprof off turns this off")

    def _abandon(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            session.abandon()

    def _cell_number(self, info: Any) -> int:
        count = int(self.shell.execution_count)
        self._count_at_pre = count
        counted = getattr(info, "store_history", False) and not getattr(info, "silent", False)
        if not counted:
            return count
        before = self._counted_before_pre
        if before is None:
            import IPython

            before = tuple(IPython.version_info[:2]) >= (9, 8)
        return count - 1 if before else count

    def _code_name(self, info: Any, raw_cell: str) -> tuple[str, str]:
        """The filename IPython is about to compile this cell under, so lines can be attributed.

        The transformed cell comes from IPython when it says (9.x): transforming again would run
        the user's own input transformers a second time."""
        transformed = getattr(info, "transformed_cell", None)
        if not isinstance(transformed, str):
            transformed = self.shell.transform_cell(raw_cell)
        name = self.shell.compile.get_code_name(raw_cell, transformed, self._cell_number(info))
        return name, transformed

    def pre_run_cell(self, info: Any) -> None:
        started = time.perf_counter()
        self._balance.start()
        try:
            self._pre_run_cell(info)
        finally:
            self.stages.reset()
            self.stages.current["before"] = time.perf_counter() - started
            self._balance.stop()

    def post_run_cell(self, result: Any) -> None:
        started = time.perf_counter()
        profiled = self._session is not None
        self._balance.start()
        try:
            self._post_run_cell(result)
        finally:
            if profiled:  # the log's tuple is made inside the balanced span
                self.stages.current["after"] = time.perf_counter() - started
                self.stages.commit()
            self._balance.stop()

    def _pre_run_cell(self, info: Any) -> None:
        with OwnWork():
            self._abandon()
            self._clear.stop()
            raw_cell = getattr(info, "raw_cell", None) or ""
            if is_arrayprof_cell(raw_cell):
                return
            try:
                filename, transformed = self._code_name(info, raw_cell)
                if is_timing_cell(transformed) or is_magic_only_cell(transformed):
                    return
                session = Session(transformed, self.shell.user_ns, filename=filename,
                                  rss=PassivePeakSampler(), capture=self.verify)
                self._clear.start(self.shell)
                self._session = session
                session.begin()
            except KeyboardInterrupt:
                self._abandon()  # this cell goes unprofiled; OwnWork says so
                self._clear.stop()
                raise
            except Exception as exc:
                self._abandon()
                self._clear.stop()
                say(f"arrayprof: could not start profiling this cell ({type(exc).__name__}: "
                    f"{exc}); it ran normally")

    def _post_run_cell(self, result: Any) -> None:
        session, self._session = self._session, None
        self._clear.stop()
        if session is None:
            return
        clock = self.stages
        clock.start()
        try:
            session.finish_recording()  # first thing after the user's code
        except BaseException:
            pass  # end() tries again and reports it
        clock.lap("stop")
        error = getattr(result, "error_in_exec", None) or getattr(result, "error_before_exec",
                                                                   None)
        if error is not None or getattr(result, "result", None) is not None:
            self._clear.pending = False  # the traceback or the value consumed the clear
        with held(self._clear.pending), OwnWork():
            self._learn_counting(result)
            report = session.end(error)
            report.execution_count = getattr(result, "execution_count", None) or getattr(
                getattr(result, "info", None), "execution_count", None)
            context = session.context(report)
            clock.lap("report")
            over = report.numpy.allocated_bytes > self.threshold_bytes
            # an interrupt of arrayprof's own work (building, advising) abandons the rest of it:
            # the report, incomplete and saying so, is kept; nothing more is shown
            advise_now = over or self.verify or report.wall_s >= self.eager_advice_s
            if session.tree is not None and not was_interrupted(report):
                if advise_now:
                    # sees inert values only; verifying (--verify) costs at most the cell's
                    # own time again plus 50 ms (advisor.verify.proportional)
                    api.advise(report, context, verify=self.verify,
                               budget_seconds=verification_budget(report) if self.verify else None)
                else:
                    report.defer_findings(self._advice_when_asked(session, report))
            clock.lap("advice")
            api.remember(report, context)
            self._count(report)
            clock.lap("keep")
            if was_interrupted(report):
                return
            if over or (advise_now and any(f.severity != "info" for f in report.findings)):
                show_report(self.shell, report, compact=True)
                clock.lap("show")

    def _advice_when_asked(self, session: Session, report: Report) -> Callable[[Report], None]:
        """The advice of a quick cell under the threshold, computed the first time anything reads
        its findings: the summary expanded, `%arrayprof last`, the panel, JSON.  Advice costs
        about a millisecond a cell, as much as the rest of automatic mode, and most reports are
        never opened.  Holds no reference to the user's objects: the names the cell mentions
        are remembered by identity, and a note says which of them later code rebound or changed
        before the findings were computed (they describe the values then).  Run like the hooks:
        collector balanced, NumPy errors and warnings kept to itself, and outside any recording
        (a profiled cell reading the findings does not measure the advisor)."""
        source, filename = session.source, session.filename
        namespace, names = session.namespace, [a.name for a in report.arrays]
        mentioned = getattr(session._names_before, "mentioned", None) or ()
        marks = {name: self._mark(namespace, name) for name in mentioned if name in namespace}

        def compute(report: Report) -> None:
            self._balance.start()
            try:
                with OwnWork(), paused():
                    tree = parse(source, filename)
                    context = CellContext(source=source, filename=filename, tree=tree,
                                          namespace=namespace, new_names=names)
                    changed = sorted(name for name, mark in marks.items()
                                     if self._mark(namespace, name) != mark)
                    api.advise(report, context, verify=False)
                    if changed:
                        report.notes.append(
                            "arrayprof: findings computed when first asked, after later code "
                            f"rebound or changed {', '.join(changed[:5])}"
                            f"{' and more' if len(changed) > 5 else ''}; they describe the "
                            "values then")
            finally:
                self._balance.stop()

        return compute

    @staticmethod
    def _mark(namespace: dict[str, Any], name: str) -> Any:
        """What tells that a name still denotes the same value: an array's fingerprint (identity,
        buffer, shape, strides, dtype; read without running user code), any other object's id."""
        import numpy as np

        value = namespace.get(name)
        return fingerprint(value) if issubclass(type(value), np.ndarray) else id(value)

    def _count(self, report: Report) -> None:
        """Count the cell and its findings for `status`.  Findings still to be computed are not
        read here (that would advise every cell at once): the report is remembered weakly and
        counted when `status` finds its findings computed."""
        self.cells_profiled += 1
        if report.findings_pending:
            self._pending.append(weakref.ref(report))
        else:
            self._count_findings(report)

    def _count_findings(self, report: Report) -> None:
        for finding in report.findings:
            self.findings_seen[finding.severity] = self.findings_seen.get(finding.severity, 0) + 1

    def _settle_pending(self) -> None:
        """Count the findings of deferred reports read since; forget those dropped unread."""
        waiting = []
        for ref in self._pending:
            report = ref()
            if report is None:
                continue
            if report.findings_pending:
                waiting.append(ref)
            else:
                self._count_findings(report)
        self._pending = waiting

    def _learn_counting(self, result: Any) -> None:
        """Whether this IPython counted the cell before pre_run_cell (see `_cell_number`)."""
        info = getattr(result, "info", None)
        number = getattr(result, "execution_count", None)
        if self._count_at_pre is None or number is None or info is None \
                or not getattr(info, "store_history", False):
            return
        self._counted_before_pre = number == self._count_at_pre - 1


def verification_budget(report: Report) -> float:
    """Automatic mode's verification budget for a cell (the advisor's `proportional`)."""
    from arrayprof.advisor.verify import proportional

    return proportional(report)
