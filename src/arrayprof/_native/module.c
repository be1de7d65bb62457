/*
 * arrayprof._native: the native core.  Knows NumPy and CPython, nothing of IPython or the report.
 *   tracker.c   NEP 49 allocation tracker (per-line bytes, temporaries, peak, timeline)
 *   frames.c    line attribution (innermost frame of the profiled source)
 *   observer.c  ufunc call observer (operands, results, broadcasting, in-place)
 *   strided.c   strided-array facts (span, overlap, cache lines)
 *   census.c    views and owners created per line (ndarray tp_alloc/tp_dealloc)
 *   tasks.c     per-task allocations of task schedulers' threads (Dask workers)
 *   sampler.c   time per line (a 1 kHz wall-clock sampler, exact clocks around NumPy calls)
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define NPY_NO_DEPRECATED_API NPY_1_22_API_VERSION
#define NPY_TARGET_VERSION NPY_1_22_API_VERSION
#define PY_ARRAY_UNIQUE_SYMBOL arrayprof_ARRAY_API
#include <numpy/arrayobject.h>

#include "observer.h"
#include "sampler.h"
#include "strided.h"
#include "tasks.h"
#include "tracker.h"

static PyMethodDef native_methods[] = {
    {"install", ap_tracker_install, METH_NOARGS,
     "Patch NumPy's default allocation handler (once per process). True if this call installed it."},
    {"start", ap_tracker_start, METH_VARARGS,
     "start(filename, nlines, background=None): begin recording on this thread; code from\n"
     "`filename` is the cell (or a dict {filename: base}: line n of a file is line base + n).  Every other thread the interpreter knows now is background (not\n"
     "the cell's); `background` adds more thread idents."},
    {"stop", ap_tracker_stop, METH_NOARGS,
     "Stop recording and return the raw per-cell figures as a dict (None if not recording)."},
    {"is_recording", ap_tracker_is_recording, METH_NOARGS, "Whether a cell is being recorded."},
    {"live_lookup", ap_tracker_live_lookup, METH_VARARGS,
     "live_lookup(generation, address): (line, size) of a buffer the stopped cell `generation`\n"
     "allocated and left alive, else None."},
    {"live_release", ap_tracker_live_release, METH_VARARGS,
     "live_release(generation): free the stopped cell's table of live buffers (its report is built)."},
    {"pause", ap_tracker_pause, METH_NOARGS,
     "Stop recording for a moment (arrayprof's own work inside a recorded cell); whether it was."},
    {"resume", ap_tracker_resume, METH_NOARGS,
     "Record again after pause(), unless the cell was stopped meanwhile."},
    {"memory_usage", ap_tracker_memory, METH_NOARGS, "Bytes used by the tracker's own tables."},
    {"observe_ufuncs", ap_observer_install, METH_O,
     "observe_ufuncs(ufuncs): hook these ufunc objects; the first call also hooks the ufunc methods\n"
     "(reduce, accumulate, reduceat, outer, at) and every ufunc made later."},
    {"take_ops", ap_observer_take, METH_NOARGS,
     "Return and clear the operation records of the last recording."},
    {"time_start", ap_time_start, METH_VARARGS,
     "time_start(nlines, sample): charge wall time to the cell's lines (after start()); `sample`\n"
     "runs the 1 kHz sampler (main thread only).  Returns whether it samples."},
    {"time_stop", ap_time_stop, METH_NOARGS,
     "Stop charging time; per-line seconds, NumPy seconds and samples (None if not started)."},
    {"time_observe", ap_time_observe, METH_O,
     "time_observe(callables): time calls of these NumPy functions (array-function dispatchers)."},
    {"time_before_fork", ap_time_before_fork, METH_NOARGS,
     "os.register_at_fork(before=...): stop the sampler's helper thread."},
    {"time_after_fork_parent", ap_time_after_fork_parent, METH_NOARGS,
     "os.register_at_fork(after_in_parent=...): restart it if a cell is recorded."},
    {"layout", ap_strided_layout, METH_VARARGS,
     "layout(arr, index_order=False): span, offsets, distinct cache lines (cache_lines_exact: False\n"
     "when an upper bound) and the line fetches of a pass in C index order; bounded work for any\n"
     "shape and strides (index_order is accepted and ignored: the fetches are always computed)."},
    {"may_overlap", ap_strided_may_overlap, METH_VARARGS,
     "may_overlap(a, b): exact for 1-D and 2-D arrays, conservative beyond."},
    {"tasks_enable", ap_tasks_enable, METH_O,
     "tasks_enable(on): per-task accounting on or off (off forgets every task's buffers)."},
    {"task_begin", ap_task_begin, METH_O,
     "task_begin(line): a task starts on this thread; its allocations are its own, and it is\n"
     "charged to `line` (a cell line here, a group index in a worker; 0: none)."},
    {"task_end", ap_task_end, METH_NOARGS,
     "task_end() -> (allocations, allocated_bytes, temporaries, temporary_bytes, peak_bytes) of\n"
     "the task that ran on this thread since task_begin."},
    {"set_task_line", ap_set_task_line, METH_O,
     "set_task_line(line) -> previous: inside a task, charge what follows to `line` (a step of a\n"
     "fused task that another line made); the task's own figures go on."},
    {"tasks_memory", ap_tasks_memory, METH_O,
     "tasks_memory(reset_peak) -> (live_bytes, peak_bytes, buffers) of all tasks' buffers."},
    {NULL, NULL, 0, NULL},
};

/* Multi-phase initialisation, for the slots.  The module keeps process-wide C state (the patched
 * handler, the recording), so: one interpreter only, and the GIL is needed (arrayprof/tracker.py
 * refuses to import this on a free-threaded build running without the GIL, rather than let
 * Py_MOD_GIL_USED turn the GIL back on behind the user's back). */
static int
native_exec(PyObject *module)
{
    import_array1(-1);
    return 0;
}

static PyModuleDef_Slot native_slots[] = {
    {Py_mod_exec, (void *)native_exec},
#if PY_VERSION_HEX >= 0x030C0000
    {Py_mod_multiple_interpreters, Py_MOD_MULTIPLE_INTERPRETERS_NOT_SUPPORTED},
#endif
#ifdef Py_mod_gil
    {Py_mod_gil, Py_MOD_GIL_USED},
#endif
    {0, NULL},
};

static struct PyModuleDef native_module = {
    PyModuleDef_HEAD_INIT, "arrayprof._native", "arrayprof's native core.", 0, native_methods,
    native_slots, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__native(void)
{
    return PyModuleDef_Init(&native_module);
}
