"""The Python API: `profile()`, `history()`, and the one place where a session, the advisor and the
history meet.  The magics, the automatic mode and the command line all come through here."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from arrayprof.notify import internal_failure, set_notifier
from arrayprof.report import Report
from arrayprof.session import CellContext, Session

__all__ = ["add_listener", "history", "internal_failure", "profile", "set_notifier"]

HISTORY_LIMIT = 1000
_history: deque[Report] = deque(maxlen=HISTORY_LIMIT)
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
    """Reports of the cells profiled in this process (this kernel), oldest first."""
    return list(_history)


def last_report() -> Report | None:
    return _history[-1] if _history else None


def remember(report: Report, context: CellContext | None, *, keep_context: bool = True) -> None:
    """Add `report` to the history once the advisor is done with `context`.  The copies of the
    cell's inputs are released here (they only serve verification, which is over); the context
    itself is kept for ``%arrayprof advise`` unless `keep_context` is false (``profile()`` with
    a namespace of the caller's own: keeping it would keep every object in it alive)."""
    global _last_context
    _history.append(report)
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


def advise(report: Report, context: CellContext, *, verify: bool) -> None:
    """Fill `report.findings` (never raises: a failing advisor is a note, not a broken cell)."""
    try:
        from arrayprof.advisor import advise as run_rules
        from arrayprof.snapshot import advisor_namespace

        # the rules see inert values only: reading a user object can run its code (properties,
        # __array_ufunc__, generators); a copy held while they run, never kept
        safe = replace(context, namespace=advisor_namespace(context.namespace))
        report.findings = run_rules(report, safe, verify=verify)
    except Exception as exc:
        internal_failure(report, "the advisor", exc)


def profile_session(session: Session, *, verify: bool, display_last: bool = False,
                    keep_context: bool = True) -> tuple[Report, Any, BaseException | None]:
    """Run `session`, then advise; what every entry point shares."""
    report, value, error = session.run(display_last=display_last)
    if session.tree is not None:
        advise(report, session.context(report), verify=verify)
    remember(report, session.context(report), keep_context=keep_context)
    return report, value, error


def profile(code: str, namespace: dict[str, Any] | None = None, *, verify: bool = True) -> Report:
    """Run `code` in `namespace` (a fresh dict when None; updated like a notebook's globals) and
    return its report.  An exception in the code fills ``report.error`` and is not re-raised."""
    if namespace is None:
        namespace = {}
    session = Session(code, namespace, capture=verify)
    report, _, error = profile_session(session, verify=verify, keep_context=False)
    if error is not None:
        # never re-raised here: its traceback would only keep the session's frames in a cycle
        error.__traceback__ = None
    return report
