"""One-line messages about arrayprof's own failures (never the user's): where they go is set by
the front end (the kernel shows them as tagged outputs; elsewhere they go to stderr)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any


def _print_note(message: str) -> None:
    print(message, file=sys.stderr)


_notify: Callable[[str], None] = _print_note


def set_notifier(notify: Callable[[str], None]) -> None:
    global _notify
    _notify = notify


def internal_failure(report: Any, what: str, exc: BaseException) -> None:
    """arrayprof failed, the user's code did not: say so in one line and carry on."""
    message = f"arrayprof: {what} failed ({type(exc).__name__}: {exc}); the cell ran normally"
    if report is not None:
        report.notes.append(message)
    _notify(message)


def note(message: str) -> None:
    """A one-line message about arrayprof's own work (progress), shown where failures are: in a
    kernel a tagged output, never the cell's stderr, which belongs to the user's program."""
    _notify(message)
