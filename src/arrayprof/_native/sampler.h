/*
 * Time per line: a wall-clock sampler for the cell's lines, and exact clocks around NumPy calls.
 *
 * Sampling without signals
 * ------------------------
 * A helper thread (plain C, no Python thread state) wakes every AP_SAMPLE_PERIOD_NS (1 ms, so about
 * 1 kHz) while a cell is recorded and asks the interpreter to run `sample` on the main thread
 * (Py_AddPendingCall, which needs neither the GIL nor a thread state and is safe from an ordinary
 * thread).  The interpreter runs it at its next check between bytecodes, with the GIL, so the
 * frames it reads are consistent.  `sample` charges the wall time since the previous sample to the
 * line the profiled thread was on when the helper woke (its innermost frames, copied by the helper
 * with process_vm_readv: see sampler.c), or else the line it is on now (the innermost frame
 * compiled from the cell, as bytes are charged): a long C call is charged to its line when the
 * call returns, which is when the sample runs.  Time that NumPy calls took is measured exactly instead (below) and left out of the sampled
 * share, so a slow NumPy line needs no luck.
 *
 * No signal, no interval timer and no handler is installed: a cell's own SIGPROF/SIGALRM handlers,
 * setitimer timers and blocking system calls (never interrupted with EINTR) are exactly as without
 * arrayprof.  The helper thread runs only while a cell is recorded (started by time_start, joined
 * by time_stop), and is stopped around os.fork() (tracker.py registers the hooks): CPython 3.12+
 * warns about forking a process with more than one OS thread, and a plain cell would not.
 * Samples run only on the main thread (CPython runs pending calls there), so a recording made on
 * another thread is not sampled and says so; its NumPy time is still exact.
 *
 * Threads the cell starts: each sample also charges the interval to the innermost cell line on the
 * stack of every thread started since the cell began (their wall time, like their allocations);
 * they are sampled while the profiled thread runs Python code (a thread blocked in join() gets its
 * whole wait charged to its join line when it returns).
 *
 * NumPy time: the ufunc wrappers of observer.c and the wrapped NumPy functions (np.dot, np.sort,
 * np.linalg.solve: NumPy's array-function dispatchers) read a monotonic clock at entry and exit of
 * the outermost such call on a thread (a thread-local depth: nested calls, np.mean calling
 * add.reduce, are not counted twice).
 *
 * GIL rules: every function here runs with the GIL held, except the helper thread, which touches
 * only its own mutex, condition variable and atomics, reads the profiled thread's state and frames
 * (process_vm_readv for anything that may go away) and calls Py_AddPendingCall.  Memory: one entry per
 * cell line, allocated at start; the helper holds no Python object.
 */
#ifndef ARRAYPROF_SAMPLER_H
#define ARRAYPROF_SAMPLER_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#define AP_SAMPLE_PERIOD_NS 1000000 /* 1 ms */

/* Python API (module.c) */
PyObject *ap_time_start(PyObject *self, PyObject *args);
PyObject *ap_time_stop(PyObject *self, PyObject *noargs);
PyObject *ap_time_observe(PyObject *self, PyObject *callables);
PyObject *ap_time_before_fork(PyObject *self, PyObject *noargs);
PyObject *ap_time_after_fork_parent(PyObject *self, PyObject *noargs);

/* Around a NumPy call: `ap_time_enter` returns a token for `ap_time_exit` (-1 when nothing is
 * recorded, 0 for a nested call, else the entry time).  `line` for exit: the cell line the caller
 * is on when known (>= 0), AP_TIME_LOOKUP to look it up, AP_TIME_FAILED when the call raised (its
 * time is then left to the sampler: looking at frames with an exception set is avoided).  GIL. */
#define AP_TIME_LOOKUP (-1)
#define AP_TIME_FAILED (-2)
int64_t ap_time_enter(void);
void ap_time_exit(int64_t token, int line);

#endif
