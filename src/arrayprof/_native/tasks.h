/*
 * Per-task accounting for task schedulers (Dask): which NumPy buffers each task allocated, which
 * of them it freed before it ended (its temporaries), and its peak of live bytes; plus the live
 * bytes of all tasks' buffers in the process and their peak (a Dask worker's NumPy peak).
 *
 * A task runs on one thread from task_begin() to task_end(), and a thread runs one task at a
 * time; several threads run tasks at once.  The calling thread's task is thread-local state, so
 * every allocation goes to the task running on the allocating thread.  Independent of the cell
 * recording in tracker.c: it runs in worker processes, where no cell is recorded.  Lock rules as
 * in tracker.c: `tasks_lock` (a spinlock) guards the live table and the process totals, is held
 * only for plain C work, never with another lock of ours, and is reset in a fork child.  The live
 * table is ptrtable.h's (no lock of its own, calloc/free only).
 */
#ifndef ARRAYPROF_TASKS_H
#define ARRAYPROF_TASKS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdatomic.h>
#include <stddef.h>

/* The cell line (in a profiled process) or the group index (in a worker) the calling thread's
 * task is charged to; 0 when the thread runs no tagged task.  Read by tracker.c and, through
 * ap_tracker_recording_here/current_line, by the observer and the census. */
extern _Thread_local int ap_task_line;

/* Whether per-task accounting is on (one relaxed load in the allocation hooks when it is off). */
extern atomic_int ap_tasks_on;

/* Called by the allocation hooks while ap_tasks_on; any thread, GIL or not. */
void ap_tasks_alloc(void *ptr, size_t size);
void ap_tasks_free(void *ptr);

/* Python-visible (module.c). */
PyObject *ap_tasks_enable(PyObject *self, PyObject *arg);
PyObject *ap_task_begin(PyObject *self, PyObject *arg);
PyObject *ap_task_end(PyObject *self, PyObject *noargs);
PyObject *ap_set_task_line(PyObject *self, PyObject *arg);
PyObject *ap_tasks_memory(PyObject *self, PyObject *arg);

#endif
