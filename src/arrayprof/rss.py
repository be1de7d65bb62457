"""Resident-set-size samplers: the process-level cross-check beside the exact NumPy figures.

memory-profiler is unmaintained, so it sits behind this small adapter (DESIGN.md).  Two samplers:

* ``memory-profiler``: memory-profiler's own sampling process (``MemTimer``) watching this process,
  as ``%%arrayprof`` asks; about 40 ms to start, so not used where every cell is profiled.
* ``hwm``: the kernel's own high-water mark.  Writing 5 to ``/proc/self/clear_refs`` resets VmHWM,
  so reading it after the cell gives the exact peak RSS with no sampling thread at all; falls back
  to start and end readings where the reset is not allowed.
"""

from __future__ import annotations

import os
import re
from typing import Any, Protocol

from arrayprof.report import RssStats

_STATUS = "/proc/self/status"


def _status_kib(field: str) -> int | None:
    try:
        with open(_STATUS) as status:
            match = re.search(rf"^{field}:\s+(\d+) kB", status.read(), re.MULTILINE)
    except OSError:
        return None
    return int(match.group(1)) * 1024 if match else None


def current_rss() -> int:
    """RSS of this process in bytes (psutil where /proc is missing)."""
    rss = _status_kib("VmRSS")
    if rss is None:
        import psutil

        rss = psutil.Process().memory_info().rss
    return rss


class RssSampler(Protocol):
    """`start` before the cell, `stop` after it; `cancel` on every other way out (an interrupt, an
    exit, a failure of arrayprof's own): it must leave nothing running and never raise."""

    name: str

    def start(self) -> None: ...

    def stop(self) -> RssStats | None: ...

    def cancel(self) -> None: ...


class HighWaterMarkSampler:
    """Exact peak RSS from the kernel's VmHWM, reset at the start of every cell."""

    name = "hwm"

    def __init__(self) -> None:
        self._start = 0
        self._can_reset = True

    def start(self) -> None:
        self._start = current_rss()
        try:
            with open("/proc/self/clear_refs", "w") as clear_refs:
                clear_refs.write("5")
        except OSError:
            self._can_reset = False

    def stop(self) -> RssStats:
        end = current_rss()
        peak = _status_kib("VmHWM") if self._can_reset else None
        peak = max(peak or 0, self._start, end)
        return RssStats(start_bytes=self._start, peak_bytes=peak, end_bytes=end, sampler=self.name)

    def cancel(self) -> None:
        pass


class MemoryProfilerSampler:
    """memory-profiler's sampling process watching this one (what ``memory_usage`` does inside)."""

    name = "memory-profiler"
    TIMEOUT_S = 10.0  # for the sampler to start or to answer; it answers in one interval

    def __init__(self, interval: float = 0.01) -> None:
        self.interval = interval
        self._timer: Any = None
        self._pipe: Any = None
        self._start = 0

    def start(self) -> None:
        from multiprocessing import Pipe

        from arrayprof._memtimer import QuietMemTimer

        self.cancel()  # a sampler left from an earlier start
        self._start = current_rss()
        child, parent = Pipe()
        timer = QuietMemTimer(os.getpid(), self.interval, child, "psutil", max_usage=True,
                              timestamps=False, include_children=False)
        timer.daemon = True
        self._timer, self._pipe = timer, parent
        try:
            timer.start()
            child.close()  # the sampler's end, now in the sampler
            if not parent.poll(self.TIMEOUT_S):
                raise RuntimeError("memory-profiler's sampler did not start")
            parent.recv()  # the sampler has taken its first reading
        except BaseException:
            child.close()
            self.cancel()
            raise

    def stop(self) -> RssStats | None:
        timer, pipe = self._timer, self._pipe
        if timer is None or pipe is None:
            return None
        try:
            end = current_rss()
            pipe.send(0)
            if not pipe.poll(self.TIMEOUT_S):
                raise RuntimeError("memory-profiler's sampler did not answer")
            samples = pipe.recv()  # [max MiB] with max_usage
            pipe.recv()  # number of samples
            timer.join(timeout=self.TIMEOUT_S)
        finally:
            self.cancel()
        peak_mib = max(samples) if isinstance(samples, list) and samples else samples
        peak = int(float(peak_mib) * 1024 * 1024) if peak_mib else end
        return RssStats(start_bytes=self._start, peak_bytes=max(peak, self._start, end),
                        end_bytes=end, sampler=self.name)

    def cancel(self) -> None:
        """End the sampling process now, whatever state it is in, and reap it.  Idempotent; the
        references are dropped only once the process is gone, so a cancel cut short by a second
        interrupt can simply be repeated."""
        timer, pipe = self._timer, self._pipe
        if pipe is not None:
            try:
                pipe.close()
            except Exception:
                pass
        if timer is not None:
            try:
                if timer.pid is not None:  # started
                    if timer.is_alive():
                        timer.terminate()
                        timer.join(timeout=2)
                    if timer.is_alive():
                        timer.kill()
                    timer.join(timeout=2)
            except Exception:
                pass
        self._timer = self._pipe = None


class NoSampler:
    name = "off"

    def start(self) -> None:
        pass

    def stop(self) -> None:
        return None

    def cancel(self) -> None:
        pass


def make_sampler(kind: str) -> RssSampler:
    """``"hwm"``, ``"memory-profiler"`` or ``"off"``."""
    if kind == "memory-profiler":
        return MemoryProfilerSampler()
    if kind == "off":
        return NoSampler()
    if kind == "hwm":
        return HighWaterMarkSampler()
    raise ValueError(f"unknown RSS sampler {kind!r} (choose hwm, memory-profiler or off)")
