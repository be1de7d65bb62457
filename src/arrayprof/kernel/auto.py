"""Automatic mode: every cell profiled through IPython's pre/post_run_cell events.

Only a one-line summary is shown, and only when a cell allocates more than the threshold or has
warnings.  Everything here is wrapped so that a failure is one line, never a broken cell.
"""

from __future__ import annotations

from typing import Any

from arrayprof import api
from arrayprof.kernel.display import show_note, show_report
from arrayprof.session import Session

DEFAULT_THRESHOLD = 10 * 1000 * 1000


def is_arrayprof_cell(raw_cell: str) -> bool:
    """Cells that run arrayprof themselves are not profiled a second time."""
    return any(line.lstrip().startswith(("%%arrayprof", "%arrayprof"))
               for line in raw_cell.splitlines())


class AutoProfiler:
    def __init__(self, shell: Any) -> None:
        self.shell = shell
        self.enabled = False
        self.threshold_bytes = DEFAULT_THRESHOLD
        self.verify = False
        self._session: Session | None = None

    def enable(self, threshold_bytes: int | None = None) -> None:
        if threshold_bytes is not None:
            self.threshold_bytes = threshold_bytes
        if not self.enabled:
            self.shell.events.register("pre_run_cell", self.pre_run_cell)
            self.shell.events.register("post_run_cell", self.post_run_cell)
            self.enabled = True

    def disable(self) -> None:
        if self.enabled:
            self.shell.events.unregister("pre_run_cell", self.pre_run_cell)
            self.shell.events.unregister("post_run_cell", self.post_run_cell)
            self.enabled = False
        self._abandon()

    def status(self) -> str:
        if not self.enabled:
            return "arrayprof automatic mode is off"
        return (f"arrayprof automatic mode is on: every cell is profiled; a summary is shown above "
                f"{self.threshold_bytes:,} bytes allocated or on warnings")

    def _abandon(self) -> None:
        if self._session is not None:
            self._session.finish_recording()
            self._session = None

    def _code_name(self, raw_cell: str) -> tuple[str, str]:
        """The filename IPython is about to compile this cell under, so lines can be attributed."""
        compiler = self.shell.compile
        transformed = self.shell.transform_cell(raw_cell)
        return compiler.get_code_name(raw_cell, transformed, self.shell.execution_count), transformed

    def pre_run_cell(self, info: Any) -> None:
        self._abandon()
        raw_cell = getattr(info, "raw_cell", None) or ""
        if is_arrayprof_cell(raw_cell):
            return
        try:
            filename, transformed = self._code_name(raw_cell)
            self._session = Session(transformed, self.shell.user_ns, filename=filename, rss="hwm",
                                    capture=self.verify)
            self._session.begin()
        except Exception as exc:
            self._abandon()
            show_note(f"arrayprof: could not start profiling this cell ({exc}); it ran normally")

    def post_run_cell(self, result: Any) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        try:
            session.finish_recording()
            error = getattr(result, "error_in_exec", None) or getattr(result, "error_before_exec",
                                                                       None)
            report = session.end(error)
            report.execution_count = getattr(getattr(result, "info", None), "execution_count",
                                             None) or getattr(result, "execution_count", None)
            if session.tree is not None:
                api.advise(report, session.context(report), verify=self.verify)
            api.remember(report, session.context(report))
            warned = any(f.severity != "info" for f in report.findings)
            if report.numpy.allocated_bytes > self.threshold_bytes or warned:
                show_report(self.shell, report, compact=True)
        except Exception as exc:
            show_note(f"arrayprof: profiling this cell failed ({type(exc).__name__}: {exc}); "
                      "the cell itself ran normally")
