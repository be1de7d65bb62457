/*
 * Per-task accounting; see tasks.h for what it measures and the lock rules.
 *
 * The task's own counters are thread-local (only its thread writes them: allocations on it, and
 * frees on it of buffers it allocated), so the hot path takes `tasks_lock` once, for the shared
 * live table.  A buffer a task allocated and another thread freed while the task ran is not
 * counted as that task's temporary (Dask frees a task's intermediates on the task's thread).
 */
#include "tasks.h"
#include "ptrtable.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

_Thread_local int ap_task_line;
atomic_int ap_tasks_on;

typedef struct {
    int64_t allocations, allocated_bytes, temporaries, temporary_bytes, live, peak;
} task_counters;

static _Thread_local uint64_t current_task; /* 0: no task on this thread */
static _Thread_local task_counters counters;
static atomic_uint_fast64_t task_ids;

static atomic_flag tasks_lock = ATOMIC_FLAG_INIT;
static ap_ptr_table table; /* the tasks' live buffers, entries tagged with `.task` */
static int64_t live_bytes, peak_bytes; /* of every task's buffers still alive, in this process */
static int atfork_registered;

static inline void
lock_tasks(void)
{
    while (atomic_flag_test_and_set_explicit(&tasks_lock, memory_order_acquire)) {
        sched_yield();
    }
}

static inline void
unlock_tasks(void)
{
    atomic_flag_clear_explicit(&tasks_lock, memory_order_release);
}

/* Lock held.  On allocation failure the entry is dropped: its free is then not seen, which
 * only overstates the live bytes, never corrupts. */
static void
table_insert(void *ptr, size_t size, uint64_t task)
{
    if (ap_ptr_reserve(&table, table.used + 1) < 0) {
        return;
    }
    ap_ptr_entry entry = {.ptr = ptr, .size = size, .task = task}, replaced;
    (void)ap_ptr_put(&table, &entry, &replaced);
}

void
ap_tasks_alloc(void *ptr, size_t size)
{
    uint64_t task = current_task;
    if (task == 0) {
        return; /* not a task's: the worker's own threads (comms, event loop) */
    }
    counters.allocations++;
    counters.allocated_bytes += (int64_t)size;
    counters.live += (int64_t)size;
    if (counters.live > counters.peak) {
        counters.peak = counters.live;
    }
    lock_tasks();
    table_insert(ptr, size, task);
    live_bytes += (int64_t)size;
    if (live_bytes > peak_bytes) {
        peak_bytes = live_bytes;
    }
    unlock_tasks();
}

void
ap_tasks_free(void *ptr)
{
    ap_ptr_entry entry;
    lock_tasks();
    int found = ap_ptr_remove(&table, ptr, &entry);
    if (found) {
        live_bytes -= (int64_t)entry.size;
        ap_ptr_maybe_shrink(&table);
    }
    unlock_tasks();
    if (found && entry.task == current_task && current_task != 0) {
        counters.temporaries++;
        counters.temporary_bytes += (int64_t)entry.size;
        counters.live -= (int64_t)entry.size;
    }
}

/* ---- fork: a child starts with the lock free (see tracker.c's rule 4) ----------------------- */

static void
tasks_fork_prepare(void)
{
    lock_tasks();
}

static void
tasks_fork_parent(void)
{
    unlock_tasks();
}

static void
tasks_fork_child(void)
{
    atomic_flag_clear(&tasks_lock);
}

/* ---- Python API (GIL held) ------------------------------------------------------------------ */

PyObject *
ap_tasks_enable(PyObject *self, PyObject *arg)
{
    int on = PyObject_IsTrue(arg);
    if (on < 0) {
        return NULL;
    }
    if (on && !atfork_registered) {
        int err = pthread_atfork(tasks_fork_prepare, tasks_fork_parent, tasks_fork_child);
        if (err != 0) {
            errno = err;
            return PyErr_SetFromErrno(PyExc_OSError);
        }
        atfork_registered = 1;
    }
    if (on) {
        atomic_store(&ap_tasks_on, 1);
        Py_RETURN_NONE;
    }
    atomic_store(&ap_tasks_on, 0);
    lock_tasks();
    ap_ptr_release(&table);
    live_bytes = peak_bytes = 0;
    unlock_tasks();
    Py_RETURN_NONE;
}

PyObject *
ap_task_begin(PyObject *self, PyObject *arg)
{
    long line = PyLong_AsLong(arg);
    if (line == -1 && PyErr_Occurred()) {
        return NULL;
    }
    memset(&counters, 0, sizeof(counters));
    current_task = atomic_fetch_add(&task_ids, 1) + 1;
    ap_task_line = line > 0 && line <= INT32_MAX ? (int)line : 0;
    Py_RETURN_NONE;
}

PyObject *
ap_task_end(PyObject *self, PyObject *noargs)
{
    task_counters done = counters;
    current_task = 0;
    ap_task_line = 0;
    memset(&counters, 0, sizeof(counters));
    return Py_BuildValue("(LLLLL)", (long long)done.allocations, (long long)done.allocated_bytes,
                         (long long)done.temporaries, (long long)done.temporary_bytes,
                         (long long)done.peak);
}

PyObject *
ap_set_task_line(PyObject *self, PyObject *arg)
{
    long line = PyLong_AsLong(arg);
    if (line == -1 && PyErr_Occurred()) {
        return NULL;
    }
    int previous = ap_task_line;
    if (current_task != 0) { /* only inside a task: a step of a fused task changes its line */
        ap_task_line = line > 0 && line <= INT32_MAX ? (int)line : 0;
    }
    return PyLong_FromLong(previous);
}

PyObject *
ap_tasks_memory(PyObject *self, PyObject *arg)
{
    int reset_peak = PyObject_IsTrue(arg);
    if (reset_peak < 0) {
        return NULL;
    }
    lock_tasks();
    int64_t live = live_bytes, peak = peak_bytes;
    size_t buffers = table.used;
    if (reset_peak) {
        peak_bytes = live_bytes;
    }
    unlock_tasks();
    return Py_BuildValue("(LLn)", (long long)live, (long long)peak, (Py_ssize_t)buffers);
}
