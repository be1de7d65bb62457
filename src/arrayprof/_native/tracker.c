/*
 * NEP 49 allocation tracker; see tracker.h.
 *
 * Threads and the GIL
 * -------------------
 * NumPy calls the allocator with the GIL held almost always, but not always (np.fromfile and
 * np.fromstring(sep=...) allocate with it released), and possibly from several threads at once.
 * So:
 *   - every piece of shared tracker state below is guarded by `state_lock`, a spinlock that never
 *     calls into Python, so holding it with or without the GIL cannot deadlock;
 *   - the frame walk for line attribution happens *before* taking the lock, and only on the
 *     profiled thread; with the GIL it may cache sites (see frames.h), without it it only reads;
 *   - threads that existed before the cell ("background": the kernel's own, a prefetcher an earlier
 *     cell started) are counted apart (`other_*`) and never charged to cell lines; threads the
 *     cell starts do its work (a ThreadPoolExecutor running a cell function) and count as the
 *     cell's, charged to the innermost cell frame on their own stack (line 0 when there is none);
 *   - the profiled thread's identity and the background list are written by start() before it
 *     publishes `recording` (a sequentially consistent store) and only read after a hook saw it set.
 * start()/stop() run with the GIL on the profiled thread.
 */
#include "tracker.h"
#include "census.h"
#include "frames.h"
#include "observer.h"

#define NPY_NO_DEPRECATED_API NPY_1_22_API_VERSION
#define NPY_TARGET_VERSION NPY_1_22_API_VERSION
#define NO_IMPORT_ARRAY
#define PY_ARRAY_UNIQUE_SYMBOL arrayprof_ARRAY_API
#include <numpy/arrayobject.h>

#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define OTHER_THREAD_LINE (-1)
#define TIMELINE_CAPACITY 2048

/* ---- state ---------------------------------------------------------------------------------- */

static PyDataMemAllocator original;       /* the allocator we forward to */
static PyDataMem_Handler *patched_handler; /* NumPy's default handler, patched in place */
static atomic_int recording;
static unsigned long recording_thread;
#define MAX_BACKGROUND 256
static unsigned long background[MAX_BACKGROUND]; /* threads alive before the cell, except its own */
static int nbackground;
static int background_unknown; /* more than MAX_BACKGROUND: every other thread counts as background */
static atomic_flag state_lock = ATOMIC_FLAG_INIT;

typedef struct {
    int64_t allocations, allocated_bytes;
    int64_t frees, freed_bytes;
    int64_t temporaries, temporary_bytes;
    int64_t peak_bytes; /* the cell's running (allocated - freed) at its highest during this line */
    int touched;
} line_stats;

typedef struct {
    void *ptr;
    size_t size;
    int32_t line; /* allocating line, or OTHER_THREAD_LINE */
} live_entry;

typedef struct {
    int64_t t_ns;
    int64_t live_bytes;
    int32_t line;
} timeline_point;

static struct {
    int64_t allocations, allocated_bytes, frees, freed_bytes, temporaries, temporary_bytes;
    int64_t current, peak;
    int32_t peak_line;
    int64_t other_allocations, other_allocated_bytes, other_frees, other_freed_bytes;
    int64_t unknown_size_frees; /* reallocs of buffers older than the cell: old size unknown */
    line_stats *lines;
    int32_t nlines; /* lines[0] is "no cell frame"; lines[1..nlines] are cell lines */
    live_entry *live;
    size_t live_capacity, live_used;
    timeline_point timeline[TIMELINE_CAPACITY];
    int32_t timeline_used;
    int64_t timeline_stride, until_next_point; /* a point every `stride` events (and new peaks) */
    int64_t t0_ns;
} st;

static inline void
lock_state(void)
{
    while (atomic_flag_test_and_set_explicit(&state_lock, memory_order_acquire)) {
        sched_yield();
    }
}

static inline void
unlock_state(void)
{
    atomic_flag_clear_explicit(&state_lock, memory_order_release);
}

static inline int64_t
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- live-buffer table: pointer -> (size, line), open addressing, backward-shift deletion ---- */

static inline size_t
ptr_hash(const void *ptr)
{
    uint64_t h = (uint64_t)(uintptr_t)ptr >> 4;
    h *= 0x9E3779B97F4A7C15ull;
    return (size_t)(h ^ (h >> 32));
}

/* Lock held.  Grows the table; on allocation failure the entry is dropped (the buffer then looks
 * older than the cell when freed, which only loses a temporary, never corrupts). */
static void
live_insert(void *ptr, size_t size, int32_t line)
{
    if ((st.live_used + 1) * 2 > st.live_capacity) {
        size_t new_capacity = st.live_capacity ? st.live_capacity * 2 : 1024;
        live_entry *grown = calloc(new_capacity, sizeof(live_entry));
        if (grown == NULL) {
            return;
        }
        for (size_t i = 0; i < st.live_capacity; i++) {
            if (st.live[i].ptr == NULL) {
                continue;
            }
            size_t j = ptr_hash(st.live[i].ptr) & (new_capacity - 1);
            while (grown[j].ptr != NULL) {
                j = (j + 1) & (new_capacity - 1);
            }
            grown[j] = st.live[i];
        }
        free(st.live);
        st.live = grown;
        st.live_capacity = new_capacity;
    }
    size_t mask = st.live_capacity - 1;
    size_t j = ptr_hash(ptr) & mask;
    while (st.live[j].ptr != NULL && st.live[j].ptr != ptr) {
        j = (j + 1) & mask;
    }
    if (st.live[j].ptr == NULL) {
        st.live_used++;
    }
    st.live[j].ptr = ptr;
    st.live[j].size = size;
    st.live[j].line = line;
}

/* Lock held.  Returns 1 and fills *out when ptr was allocated during the cell. */
static int
live_remove(void *ptr, live_entry *out)
{
    if (st.live_capacity == 0) {
        return 0;
    }
    size_t mask = st.live_capacity - 1;
    size_t j = ptr_hash(ptr) & mask;
    while (st.live[j].ptr != ptr) {
        if (st.live[j].ptr == NULL) {
            return 0;
        }
        j = (j + 1) & mask;
    }
    *out = st.live[j];
    /* backward-shift deletion keeps probe chains intact without tombstones */
    size_t hole = j;
    for (size_t k = (j + 1) & mask; st.live[k].ptr != NULL; k = (k + 1) & mask) {
        size_t home = ptr_hash(st.live[k].ptr) & mask;
        if (((k - home) & mask) >= ((k - hole) & mask)) {
            st.live[hole] = st.live[k];
            hole = k;
        }
    }
    st.live[hole].ptr = NULL;
    st.live_used--;
    return 1;
}

/* ---- timeline: bounded, halves its resolution when full, never drops the peak -------------- */

static void
timeline_add(int32_t line, int new_peak)
{
    /* a countdown instead of `events % stride`: this runs on every allocation and free */
    int due = --st.until_next_point <= 0;
    if (due) {
        st.until_next_point = st.timeline_stride;
    }
    if (!new_peak && !due) {
        return;
    }
    if (st.timeline_used == TIMELINE_CAPACITY) {
        /* keep the higher point of every pair */
        int32_t kept = 0;
        for (int32_t i = 0; i + 1 < TIMELINE_CAPACITY; i += 2) {
            timeline_point a = st.timeline[i], b = st.timeline[i + 1];
            st.timeline[kept++] = b.live_bytes >= a.live_bytes ? b : a;
        }
        st.timeline_used = kept;
        if (st.timeline_stride < ((int64_t)1 << 40)) {
            st.timeline_stride *= 2;
        }
    }
    timeline_point *point = &st.timeline[st.timeline_used++];
    point->t_ns = now_ns() - st.t0_ns;
    point->live_bytes = st.current;
    point->line = line;
}

/* ---- per-event bookkeeping ------------------------------------------------------------------- */

static inline line_stats *
stats_for(int32_t line)
{
    if (line < 0 || line > st.nlines) {
        line = 0;
    }
    line_stats *ls = &st.lines[line];
    ls->touched = 1;
    return ls;
}

/* Does this thread do the cell's work: the cell's own thread, or one started while it runs? */
static inline int
works_for_cell(unsigned long self)
{
    if (self == recording_thread) {
        return 1;
    }
    if (background_unknown) {
        return 0;
    }
    for (int i = 0; i < nbackground; i++) {
        if (background[i] == self) {
            return 0;
        }
    }
    return 1;
}

/* The caller's cell line; 0 when unattributable.  `self` is the calling thread's ident.  Runs
 * without the state lock. */
static int
caller_line(unsigned long self)
{
    PyThreadState *holder = _PyThreadState_UncheckedGet();
    if (holder != NULL && holder->thread_id == self) {
        return ap_frames_cell_line(holder, 1, NULL, NULL);
    }
    /* GIL released by NumPy: read our own frames only */
    return ap_frames_cell_line(PyGILState_GetThisThreadState(), 0, NULL, NULL);
}

static void
on_alloc(void *ptr, size_t size)
{
    unsigned long self = PyThread_get_thread_ident();
    int on_cell_thread = works_for_cell(self);
    int32_t line = on_cell_thread ? caller_line(self) : OTHER_THREAD_LINE;
    lock_state();
    if (st.lines == NULL) { /* stopped meanwhile */
        unlock_state();
        return;
    }
    live_insert(ptr, size, line);
    if (!on_cell_thread) {
        st.other_allocations++;
        st.other_allocated_bytes += (int64_t)size;
        unlock_state();
        return;
    }
    st.allocations++;
    st.allocated_bytes += (int64_t)size;
    st.current += (int64_t)size;
    line_stats *ls = stats_for(line);
    ls->allocations++;
    ls->allocated_bytes += (int64_t)size;
    int new_peak = st.current > st.peak;
    if (new_peak) {
        st.peak = st.current;
        st.peak_line = line;
    }
    if (st.current > ls->peak_bytes) {
        ls->peak_bytes = st.current;
    }
    timeline_add(line, new_peak);
    unlock_state();
}

/* Lock held.  `size_hint` is what NumPy passed (free) or 0 (realloc: unknown). */
static void
record_free_locked(void *ptr, size_t size_hint, int on_cell_thread, int32_t line, int size_known)
{
    live_entry entry;
    int from_cell = live_remove(ptr, &entry);
    size_t size = from_cell ? entry.size : size_hint;
    if (from_cell && entry.line != OTHER_THREAD_LINE) {
        line_stats *alloc_ls = stats_for(entry.line);
        alloc_ls->temporaries++;
        alloc_ls->temporary_bytes += (int64_t)size;
        st.temporaries++;
        st.temporary_bytes += (int64_t)size;
    }
    if (!on_cell_thread) {
        st.other_frees++;
        st.other_freed_bytes += (int64_t)size;
        return;
    }
    if (!from_cell && !size_known) {
        st.unknown_size_frees++;
    }
    line_stats *ls = stats_for(line);
    if (st.current > ls->peak_bytes) {
        ls->peak_bytes = st.current; /* the value this line started its free from */
    }
    ls->frees++;
    ls->freed_bytes += (int64_t)size;
    st.frees++;
    st.freed_bytes += (int64_t)size;
    st.current -= (int64_t)size;
    timeline_add(line, 0);
}

static void
on_free(void *ptr, size_t size)
{
    unsigned long self = PyThread_get_thread_ident();
    int on_cell_thread = works_for_cell(self);
    int32_t line = on_cell_thread ? caller_line(self) : OTHER_THREAD_LINE;
    lock_state();
    if (st.lines != NULL) {
        record_free_locked(ptr, size, on_cell_thread, line, 1);
    }
    unlock_state();
}

/* ---- the hooks NumPy calls ------------------------------------------------------------------ */

static void *
hook_malloc(void *ctx, size_t size)
{
    void *ptr = original.malloc(original.ctx, size);
    if (ptr != NULL && atomic_load_explicit(&recording, memory_order_relaxed)) {
        on_alloc(ptr, size);
    }
    return ptr;
}

static void *
hook_calloc(void *ctx, size_t nelem, size_t elsize)
{
    void *ptr = original.calloc(original.ctx, nelem, elsize);
    if (ptr != NULL && atomic_load_explicit(&recording, memory_order_relaxed)) {
        on_alloc(ptr, nelem * elsize);
    }
    return ptr;
}

static void *
hook_realloc(void *ctx, void *ptr, size_t new_size)
{
    void *moved = original.realloc(original.ctx, ptr, new_size);
    if (moved == NULL || !atomic_load_explicit(&recording, memory_order_relaxed)) {
        return moved;
    }
    /* A realloc counts as one free plus one allocation (REPORT.md). */
    if (ptr != NULL) {
        unsigned long self = PyThread_get_thread_ident();
        int on_cell_thread = works_for_cell(self);
        int32_t line = on_cell_thread ? caller_line(self) : OTHER_THREAD_LINE;
        lock_state();
        if (st.lines != NULL) {
            record_free_locked(ptr, 0, on_cell_thread, line, 0);
        }
        unlock_state();
    }
    on_alloc(moved, new_size);
    return moved;
}

static void
hook_free(void *ctx, void *ptr, size_t size)
{
    /* record before forwarding: once freed, the address may be handed to another thread */
    if (ptr != NULL && atomic_load_explicit(&recording, memory_order_relaxed)) {
        on_free(ptr, size);
    }
    original.free(original.ctx, ptr, size);
}

/* ---- shared with the observer --------------------------------------------------------------- */

int
ap_tracker_recording_here(void)
{
    return atomic_load_explicit(&recording, memory_order_relaxed) &&
           PyThread_get_thread_ident() == recording_thread;
}

void
ap_tracker_note_line(int line)
{
    lock_state();
    if (st.lines != NULL) {
        line_stats *ls = stats_for(line);
        if (st.current > ls->peak_bytes) {
            ls->peak_bytes = st.current; /* live bytes while this line ran an operation */
        }
    }
    unlock_state();
}

int
ap_tracker_current_line(int *offset_out, int *form_out)
{
    return ap_frames_cell_line(_PyThreadState_UncheckedGet(), 1, offset_out, form_out);
}

/* ---- Python API ----------------------------------------------------------------------------- */

PyObject *
ap_tracker_install(PyObject *self, PyObject *noargs)
{
    if (patched_handler != NULL) {
        Py_RETURN_FALSE;
    }
    PyDataMem_Handler *handler = PyCapsule_GetPointer(PyDataMem_DefaultHandler, "mem_handler");
    if (handler == NULL) {
        return NULL;
    }
    if (handler->version != 1) {
        PyErr_Format(PyExc_RuntimeError, "arrayprof: unsupported NumPy handler version %d",
                     (int)handler->version);
        return NULL;
    }
    /* Patched in place and never restored: buffers allocated through the hooks are freed through
     * them, and the originals stay valid for the life of the process. */
    ap_census_install();
    original = handler->allocator;
    handler->allocator.malloc = hook_malloc;
    handler->allocator.calloc = hook_calloc;
    handler->allocator.realloc = hook_realloc;
    handler->allocator.free = hook_free;
    patched_handler = handler;
    Py_RETURN_TRUE;
}

static void
reset_state_locked(void)
{
    free(st.lines);
    free(st.live);
    memset(&st, 0, sizeof(st));
    st.timeline_stride = 1;
}

PyObject *
ap_tracker_start(PyObject *self, PyObject *args)
{
    PyObject *filename, *background_threads = NULL;
    int nlines;
    if (!PyArg_ParseTuple(args, "Ui|O:start", &filename, &nlines, &background_threads)) {
        return NULL;
    }
    unsigned long idents[MAX_BACKGROUND];
    int nidents = 0, too_many = 0;
    if (background_threads != NULL && background_threads != Py_None) {
        PyObject *seq = PySequence_Fast(background_threads, "start: background must be a sequence");
        if (seq == NULL) {
            return NULL;
        }
        Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
        too_many = n > MAX_BACKGROUND;
        for (Py_ssize_t i = 0; i < n && i < MAX_BACKGROUND; i++) {
            idents[nidents] = PyLong_AsUnsignedLong(PySequence_Fast_GET_ITEM(seq, i));
            if (idents[nidents] == (unsigned long)-1 && PyErr_Occurred()) {
                Py_DECREF(seq);
                return NULL;
            }
            nidents++;
        }
        Py_DECREF(seq);
    }
    else {
        too_many = 1; /* not told: every other thread is background, as before threads were told */
    }
    if (patched_handler == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "arrayprof: tracker not installed");
        return NULL;
    }
    if (nlines < 0) {
        nlines = 0;
    }
    line_stats *lines = calloc((size_t)nlines + 1, sizeof(line_stats));
    if (lines == NULL) {
        return PyErr_NoMemory();
    }
    atomic_store(&recording, 0);
    ap_observer_reset();
    ap_frames_set_target(filename);
    if (ap_census_begin(nlines) < 0) {
        free(lines);
        return PyErr_NoMemory();
    }
    lock_state();
    reset_state_locked();
    st.lines = lines;
    st.nlines = nlines;
    st.peak_line = 0;
    st.t0_ns = now_ns();
    recording_thread = PyThread_get_thread_ident();
    memcpy(background, idents, (size_t)nidents * sizeof(unsigned long));
    nbackground = nidents;
    background_unknown = too_many;
    unlock_state();
    atomic_store(&recording, 1);
    Py_RETURN_NONE;
}

static PyObject *
build_result_locked(void)
{
    PyObject *lines = PyList_New(0);
    PyObject *timeline = PyList_New(st.timeline_used);
    PyObject *live = PyDict_New();
    if (lines == NULL || timeline == NULL || live == NULL) {
        goto fail;
    }
    for (int32_t i = 0; i <= st.nlines; i++) {
        line_stats *ls = &st.lines[i];
        if (!ls->touched) {
            continue;
        }
        PyObject *row = Py_BuildValue("(iLLLLLLL)", i, (long long)ls->allocations,
                                      (long long)ls->allocated_bytes, (long long)ls->temporaries,
                                      (long long)ls->temporary_bytes, (long long)ls->peak_bytes,
                                      (long long)ls->frees, (long long)ls->freed_bytes);
        if (row == NULL || PyList_Append(lines, row) < 0) {
            Py_XDECREF(row);
            goto fail;
        }
        Py_DECREF(row);
    }
    for (int32_t i = 0; i < st.timeline_used; i++) {
        timeline_point *p = &st.timeline[i];
        PyObject *row = Py_BuildValue("(LLi)", (long long)p->t_ns, (long long)p->live_bytes, p->line);
        if (row == NULL) {
            goto fail;
        }
        PyList_SET_ITEM(timeline, i, row);
    }
    /* buffers the cell allocated that are still alive: data address -> allocating line */
    for (size_t i = 0; i < st.live_capacity; i++) {
        live_entry *e = &st.live[i];
        if (e->ptr == NULL || e->line == OTHER_THREAD_LINE) {
            continue;
        }
        PyObject *key = PyLong_FromVoidPtr(e->ptr);
        PyObject *value = Py_BuildValue("(in)", e->line, (Py_ssize_t)e->size);
        if (key == NULL || value == NULL || PyDict_SetItem(live, key, value) < 0) {
            Py_XDECREF(key);
            Py_XDECREF(value);
            goto fail;
        }
        Py_DECREF(key);
        Py_DECREF(value);
    }
    return Py_BuildValue(
        "{sLsLsLsLsLsLsLsisLsLsLsLsLsNsNsN}",
        "allocations", (long long)st.allocations, "allocated_bytes", (long long)st.allocated_bytes,
        "frees", (long long)st.frees, "freed_bytes", (long long)st.freed_bytes,
        "temporaries", (long long)st.temporaries, "temporary_bytes", (long long)st.temporary_bytes,
        "peak_bytes", (long long)(st.peak > 0 ? st.peak : 0), "peak_line", (int)st.peak_line,
        "other_thread_allocations", (long long)st.other_allocations,
        "other_thread_allocated_bytes", (long long)st.other_allocated_bytes,
        "other_thread_frees", (long long)st.other_frees,
        "other_thread_freed_bytes", (long long)st.other_freed_bytes,
        "unknown_size_frees", (long long)st.unknown_size_frees,
        "lines", lines, "timeline", timeline, "live", live);
fail:
    Py_XDECREF(lines);
    Py_XDECREF(timeline);
    Py_XDECREF(live);
    return NULL;
}

PyObject *
ap_tracker_stop(PyObject *self, PyObject *noargs)
{
    atomic_store(&recording, 0);
    lock_state();
    PyObject *result = st.lines != NULL ? build_result_locked() : Py_NewRef(Py_None);
    reset_state_locked();
    unlock_state();
    /* after the unlock: classifying survivors and building lists may free arrays */
    PyObject *census = ap_census_end();
    ap_frames_clear();
    if (census == NULL) {
        Py_XDECREF(result);
        return NULL;
    }
    if (result != NULL && PyDict_Check(result) && PyDict_SetItemString(result, "census", census) < 0) {
        Py_CLEAR(result);
    }
    Py_DECREF(census);
    return result;
}

PyObject *
ap_tracker_is_recording(PyObject *self, PyObject *noargs)
{
    return PyBool_FromLong(atomic_load(&recording));
}

PyObject *
ap_tracker_memory(PyObject *self, PyObject *noargs)
{
    lock_state();
    size_t bytes = st.live_capacity * sizeof(live_entry) +
                   (st.lines ? ((size_t)st.nlines + 1) * sizeof(line_stats) : 0) + sizeof(st);
    unlock_state();
    return PyLong_FromSize_t(bytes + ap_frames_memory() + ap_census_memory());
}
