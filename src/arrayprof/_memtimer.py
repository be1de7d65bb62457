"""memory-profiler's sampling process (``MemTimer``), made safe to leave running for a cell.

A module of its own so that memory-profiler is imported only when this sampler is asked for, and
so that the class can be pickled where processes are spawned rather than forked.
"""

from __future__ import annotations

import signal

from memory_profiler import MemTimer


class QuietMemTimer(MemTimer):
    """``MemTimer`` that ignores SIGINT.

    A front end interrupts a kernel by signalling its whole process group; the sampler is not what
    the user interrupted (it would die printing a traceback while the cell waits on its pipe).  The
    profiling process stops it on every way out (`MemoryProfilerSampler.cancel`), and it runs as a
    daemon so that even one arrayprof failed to stop never keeps the interpreter from exiting
    (multiprocessing joins non-daemon children at exit).
    """

    def run(self) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        super().run()
