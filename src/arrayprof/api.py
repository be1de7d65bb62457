"""The Python API: `profile()`, `history()`, and the one place where a session, the advisor and the
history meet.  The magics, the automatic mode and the command line all come through here."""

from __future__ import annotations

import linecache
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from arrayprof.context import CellContext
from arrayprof.notify import internal_failure, set_notifier
from arrayprof.report import Report
from arrayprof.session import Session, measure, note_interrupted, was_interrupted

__all__ = ["add_listener", "history", "internal_failure", "profile", "profile_async",
           "set_notifier"]

HISTORY_LIMIT = 200  # reports kept by default; `set_history_limit` changes it
OWN_SOURCES = "<arrayprof-"  # linecache entries arrayprof registers (cells, verification runs)
# the history: each report with the linecache name of its source when arrayprof registered it
_history: deque[tuple[Report, str | None]] = deque()
_limit = HISTORY_LIMIT
# Reports older than the newest RECENT_FULL keep a memory timeline of at most OLD_TIMELINE_POINTS
# points: a 2,048-point timeline is most of a report's memory (0.25 MB of Python lists), and
# drawings of it use fewer points than that anyway.
RECENT_FULL = 20
OLD_TIMELINE_POINTS = 256
# arrayprof's own source names of the reports in the history (name -> reports), in history order:
# what `_sweep_sources` must keep, without a pass over the history per cell
_own_kept: dict[str, int] = {}
FULL_SWEEP_EVERY = 100  # cells between two passes over the whole linecache (a safety net)
_sweeps = 0
_last_context: CellContext | None = None
_listeners: list[Callable[[Report], None]] = []


def add_listener(callback: Callable[[Report], None]) -> None:
    """Call `callback(report)` after every profiled cell (the sidebar's comm uses this)."""
    if callback not in _listeners:
        _listeners.append(callback)


def remove_listener(callback: Callable[[Report], None]) -> None:
    if callback in _listeners:
        _listeners.remove(callback)


def history() -> list[Report]:
    """Reports of the cells profiled in this process (this kernel), oldest first: the last
    `history_limit()` of them (200 unless `set_history_limit` said otherwise)."""
    return [report for report, _ in _history]


def last_report() -> Report | None:
    return _history[-1][0] if _history else None


def history_limit() -> int:
    """How many reports the history keeps (the oldest are dropped beyond it)."""
    return _limit


def set_history_limit(limit: int) -> None:
    """Keep at most `limit` reports (at least 1), dropping the oldest now if there are more.
    A report costs a few kB, up to about 0.3 MB for a cell with thousands of allocations (a
    2,048-point memory timeline) while it is one of the 20 newest, and about 40 kB after (its
    timeline thinned to 256 points, peak kept)."""
    global _limit
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise ValueError(f"the history limit must be an integer >= 1, not {limit!r}")
    _limit = limit
    _evict()


def clear_history() -> None:
    """Drop every report (and the cell sources arrayprof registered for them)."""
    global _last_context
    while _history:
        _forget_source(_pop_oldest())
    _last_context = None
    _sweep_sources(everything=True)


def _push(report: Report, filename: str | None) -> None:
    _history.append((report, filename))
    if filename is not None and filename.startswith(OWN_SOURCES):
        _own_kept[filename] = _own_kept.get(filename, 0) + 1


def _pop_oldest() -> str | None:
    filename = _history.popleft()[1]
    if filename in _own_kept:
        _own_kept[filename] -= 1
        if not _own_kept[filename]:
            del _own_kept[filename]
    return filename


def _forget_source(filename: str | None) -> None:
    if filename is not None and filename.startswith(OWN_SOURCES):
        linecache.cache.pop(filename, None)


def _cell_number(filename: str) -> int | None:
    """N of ``<arrayprof-cell-N>`` (the names `Session` gives code it runs itself), else None."""
    head = OWN_SOURCES + "cell-"
    if filename.startswith(head) and filename.endswith(">") and filename[len(head):-1].isdigit():
        return int(filename[len(head):-1])
    return None


def _sweep_sources(everything: bool = False) -> None:
    """Drop arrayprof's own linecache entries that no report in the history needs: those of
    verification and replay runs (never reported), and those of cells older than the oldest
    report kept (dropped reports, sessions run without the history).  A cell newer than that
    may still be running (``profile()`` called inside a profiled cell): its lines stay.
    IPython's entries are never touched.

    Per cell this looks at the sources arrayprof registered since (`session.registered`), not at
    the whole history or linecache (which grows by one entry per IPython cell); every
    FULL_SWEEP_EVERY calls, and for `everything`, at the whole linecache."""
    global _sweeps
    from arrayprof.session import registered

    _sweeps += 1
    kept = _own_kept
    # cell numbers grow with time and the history is in time order: the oldest is the first
    oldest = next((n for n in map(_cell_number, kept) if n is not None), None)
    if everything or _sweeps % FULL_SWEEP_EVERY == 0:
        candidates = [k for k in list(linecache.cache) if isinstance(k, str)
                      and k.startswith(OWN_SOURCES)]
    else:
        # a source registered under IPython's own cell name (a %%arrayprof cell: tracebacks
        # show it as In[N]) is IPython's to keep, never swept
        candidates = [k for k in registered if k.startswith(OWN_SOURCES)]
        registered.difference_update([k for k in registered if not k.startswith(OWN_SOURCES)])
    for key in candidates:
        if key in kept:
            registered.discard(key)  # forgotten with its report (`_forget_source`)
            continue
        number = _cell_number(key)
        if everything or number is None or oldest is None or number < oldest:
            linecache.cache.pop(key, None)
            registered.discard(key)


def thin_timeline(timeline: list[Any], points: int) -> list[Any]:
    """`timeline` halved until it has at most `points` points, the way the native timeline halves
    itself when full: of each pair the point with more live bytes, so the peak is kept; an odd
    last point is kept as it is (the cell's end)."""
    while len(timeline) > points:
        odd = [timeline[-1]] if len(timeline) % 2 else []
        timeline = [b if b[1] >= a[1] else a
                    for a, b in zip(timeline[0::2], timeline[1::2], strict=False)] + odd
    return timeline


def _evict() -> None:
    while len(_history) > _limit:
        _forget_source(_pop_oldest())
    _sweep_sources()


def remember(report: Report, context: CellContext | None, *, keep_context: bool = True) -> None:
    """Add `report` to the history once the advisor is done with `context`.  The copies of the
    cell's inputs are released here (they only serve verification, which is over); the context
    itself is kept for ``%arrayprof advise`` unless `keep_context` is false (``profile()`` with
    a namespace of the caller's own: keeping it would keep every object in it alive)."""
    global _last_context
    filename = getattr(context, "filename", None)
    _push(report, filename if isinstance(filename, str) else None)
    if len(_history) > RECENT_FULL:
        older = _history[-RECENT_FULL - 1][0]
        if len(older.timeline) > OLD_TIMELINE_POINTS:
            older.timeline = thin_timeline(older.timeline, OLD_TIMELINE_POINTS)
    _evict()
    if context is not None and context.inputs is not None:
        context.inputs.release()
    _last_context = context if keep_context else None
    for callback in list(_listeners):
        try:
            callback(report)
        except Exception as exc:
            internal_failure(report, f"listener {getattr(callback, '__name__', callback)}", exc)


def last_context() -> CellContext | None:
    """The advisor's inputs for the last profiled cell (for `%arrayprof advise`)."""
    return _last_context


def advise(report: Report, context: CellContext, *, verify: bool,
           budget_seconds: float | None = None) -> bool:
    """Fill `report.findings` (never raises: a failing advisor is a note, not a broken cell; an
    interrupt stops the advice, the report says it is incomplete, and False is returned).
    `budget_seconds` bounds verification (None: the advisor's own default)."""
    try:
        from arrayprof.advisor import advise as run_rules
        from arrayprof.snapshot import advisor_namespace

        # the rules see inert values only: reading a user object can run its code (properties,
        # __array_ufunc__, generators); a copy held while they run, never kept
        safe = replace(context, namespace=advisor_namespace(context.namespace))
        report.findings = run_rules(report, safe, verify=verify, measure=measure,
                                    budget_seconds=budget_seconds)
    except KeyboardInterrupt:
        note_interrupted(report, "advising")
        return False
    except Exception as exc:
        internal_failure(report, "the advisor", exc)
    return True


def profile_session(session: Session, *, verify: bool, display_last: bool = False,
                    keep_context: bool = True) -> tuple[Report, Any, BaseException | None]:
    """Run `session`, then advise; what every entry point shares.

    The code's own ``KeyboardInterrupt`` propagates, with nothing of arrayprof's left running.
    An interrupt after the code finished abandons arrayprof's remaining work, never the code's
    result: the (incomplete) report says so and the value and exception are returned as usual."""
    try:
        report, value, error = session.run(display_last=display_last)
        return _after_run(session, report, verify, keep_context), value, error
    except KeyboardInterrupt:
        if not session.code_finished:
            raise
        return _abandoned(session, keep_context), session.value, session.error


async def profile_session_async(session: Session, *, verify: bool, display_last: bool = False,
                                keep_context: bool = True,
                                ) -> tuple[Report, Any, BaseException | None]:
    """`profile_session` for code with top-level ``await``, awaited in the running loop."""
    try:
        report, value, error = await session.run_async(display_last=display_last)
        return _after_run(session, report, verify, keep_context), value, error
    except KeyboardInterrupt:
        if not session.code_finished:
            raise
        return _abandoned(session, keep_context), session.value, session.error


def _after_run(session: Session, report: Report, verify: bool, keep_context: bool) -> Report:
    """Advise and keep the report; after an interrupt, only keep it (cheap, and `%arrayprof
    last` can show what there is)."""
    try:
        if session.tree is not None and not was_interrupted(report):
            advise(report, session.context(report), verify=verify)
        remember(report, session.context(report), keep_context=keep_context)
    except KeyboardInterrupt:
        note_interrupted(report, "keeping the report")
    return report


def _abandoned(session: Session, keep_context: bool) -> Report:
    report = session.incomplete_report(session.error)
    note_interrupted(report, "building the report")
    try:
        remember(report, None, keep_context=keep_context)
    except BaseException:
        pass
    return report


def profile(code: str, namespace: dict[str, Any] | None = None, *, verify: bool = True) -> Report:
    """Run `code` in `namespace` (a fresh dict when None; updated like a notebook's globals) and
    return its report.  An exception in the code (``SystemExit`` included) fills
    ``report.error`` and is not re-raised; ``KeyboardInterrupt`` is, once nothing of arrayprof's
    runs any more.  Code with top-level ``await`` runs with `asyncio.run`; where an event loop is
    already running (a notebook cell) that is a RuntimeError: use `profile_async`."""
    if namespace is None:
        namespace = {}
    session = Session(code, namespace, capture=verify)
    report, _, error = profile_session(session, verify=verify, keep_context=False)
    if error is not None:
        # never re-raised here: its traceback would only keep the session's frames in a cycle
        error.__traceback__ = None
    return report


async def profile_async(code: str, namespace: dict[str, Any] | None = None, *,
                        verify: bool = True) -> Report:
    """`profile` from inside a running event loop: ``report = await arrayprof.profile_async(code,
    ns)`` in a notebook cell.  The code's top-level ``await`` runs in that loop, and what the
    awaited coroutines allocate is the code's."""
    if namespace is None:
        namespace = {}
    session = Session(code, namespace, capture=verify)
    report, _, error = await profile_session_async(session, verify=verify, keep_context=False)
    if error is not None:
        error.__traceback__ = None
    return report
