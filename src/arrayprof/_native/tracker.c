/*
 * NEP 49 allocation tracker; see tracker.h.
 *
 * Threads and the GIL
 * -------------------
 * NumPy calls the allocator with the GIL held almost always, but not always (np.fromfile and
 * np.fromstring(sep=...) allocate with it released), and possibly from several threads at once.
 * So:
 *   - every piece of shared tracker state below is guarded by `state_lock` (rules below);
 *   - the frame walk for line attribution happens *before* taking the lock, and only on threads
 *     that do the cell's work; with the GIL it may cache sites (see frames.h), without it it only
 *     reads the calling thread's own frames;
 *   - threads that existed before the cell ("background": the kernel's own, a prefetcher an earlier
 *     cell started, with `threading` or `_thread` or from C) are counted apart (`other_*`) and never
 *     charged to cell lines.  start() takes their thread states from the interpreter's own list,
 *     so how a thread was started does not matter, nor whether it has run yet; a hook finds its
 *     own thread state with PyGILState_GetThisThreadState() (a thread-specific lookup), and only
 *     on threads other than the cell's.  Threads the cell starts do its work (a
 *     ThreadPoolExecutor running a cell function) and count as the cell's, charged to the innermost
 *     cell frame on their own stack (line 0 when there is none);
 *   - the profiled thread's identity and the background list are written by start() before it
 *     publishes `recording` (a sequentially consistent store) and only read after a hook saw it set.
 * start()/stop() run with the GIL on the profiled thread.
 *
 * Lock rules (state_lock, a spinlock)
 * -----------------------------------
 *   1. Held only for plain C work on `st`: counters, the live table, the timeline, copying.  Never
 *      call into Python while holding it: no object built or freed, no refcount, nothing that can
 *      start a garbage collection (whose finalizers may release the GIL and let another thread,
 *      holding the GIL, spin on this lock forever).  C malloc/calloc/free are allowed.
 *      The live tables are ptrtable.h's, which takes no lock and allocates with calloc/free only.
 *   2. It may be taken with or without the GIL; since rule 1 means a holder never waits for the GIL,
 *      a thread that holds the GIL and spins on it always gets it.
 *   3. Never taken while holding another lock of ours, and no lock of ours is taken while holding
 *      it.  C malloc's own locks may be taken inside it (lock order: state_lock, then malloc's).
 *   4. fork(): the prepare handler takes it (so no other thread is inside it when the process is
 *      copied), the parent releases it, the child resets it and turns recording off: the child is
 *      a copy of one thread of the parent, the cell it would record is the parent's, and a
 *      multiprocessing worker would otherwise record forever.  A stop() in the child returns the
 *      figures up to the fork, marked `forked_child`.
 *   5. stop() copies the raw figures out under the lock, releases it, then builds the Python result.
 *
 * Other NEP 49 handlers
 * ---------------------
 * A library may set its own handler (PyDataMem_SetHandler, per context).  Allocations through it
 * bypass NumPy's default handler.  start() and stop() look at the current handler: when it is not
 * the default, it is hooked in place the same way when that is safe (version 1, its memory
 * writable, a free hook slot), and never restored; otherwise its allocations are not seen.  Either
 * way the result says so (`handlers`), and the report carries a note.  A foreign handler that
 * forwards to the default one would be seen twice: while a foreign hook forwards, this thread's
 * nested default-handler calls only forward.
 */
#include "tracker.h"
#include "census.h"
#include "frames.h"
#include "observer.h"
#include "ptrtable.h"
#include "tasks.h"

#define NPY_NO_DEPRECATED_API NPY_1_22_API_VERSION
#define NPY_TARGET_VERSION NPY_1_22_API_VERSION
#define NO_IMPORT_ARRAY
#define PY_ARRAY_UNIQUE_SYMBOL arrayprof_ARRAY_API
#include <numpy/arrayobject.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define OTHER_THREAD_LINE (-1)
#define TIMELINE_CAPACITY 2048

/* ---- state ---------------------------------------------------------------------------------- */

/* Hook slots: slot 0 is NumPy's default handler, the others handlers other libraries set.  Each
 * slot has its own hook functions (generated below), so a hook knows what to forward to without
 * touching the handler's ctx. */
#define MAX_HOOKED 8
static PyDataMemAllocator originals[MAX_HOOKED]; /* what each slot's hooks forward to */
static int slots_used;                            /* GIL held to change */
static PyDataMem_Handler *patched_handler;        /* NumPy's default handler, patched in place */
static int foreign_hooked;                        /* a foreign handler was hooked (set once) */
static _Thread_local int in_foreign_hook;         /* this thread is inside a foreign hook */
static atomic_int recording;
static unsigned long recording_thread;
#define MAX_BACKGROUND 256
/* Threads alive before the cell, except its own: the interpreter's thread states (a thread that
 * was started but has not run yet has one, but not yet its ident), and idents start() was given. */
static const PyThreadState *background_tstates[MAX_BACKGROUND];
static int nbackground_tstates;
static unsigned long background[MAX_BACKGROUND];
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

typedef ap_ptr_entry live_entry; /* tagged with `.line`: allocating line, or OTHER_THREAD_LINE */

typedef struct {
    int64_t t_ns;
    int64_t live_bytes;
    int32_t line;
} timeline_point;

struct tracker_state {
    int64_t allocations, allocated_bytes, frees, freed_bytes, temporaries, temporary_bytes;
    int64_t current, peak;
    int32_t peak_line;
    int64_t other_allocations, other_allocated_bytes, other_frees, other_freed_bytes;
    int64_t unknown_size_frees; /* reallocs of buffers older than the cell: old size unknown */
    line_stats *lines;
    int32_t nlines; /* lines[0] is "no cell frame"; lines[1..nlines] are cell lines */
    ap_ptr_table live; /* grows and shrinks with the buffers alive (ptrtable.h) */
    size_t young_used; /* entries in young_table, not yet moved to `live` */
    size_t live_cell; /* entries of the cell's threads (not OTHER_THREAD_LINE), both tables */
    timeline_point timeline[TIMELINE_CAPACITY];
    int32_t timeline_used;
    int64_t timeline_stride, until_next_point; /* a point every `stride` events (and new peaks) */
    int last_point_is_peak; /* the newest point was added for a new peak, not by the stride */
    int64_t t0_ns;
    int forked_child; /* this process was forked while recording: figures stop at the fork */
};
static struct tracker_state st;

/* The live table of the last stopped cell, kept as it was (no copy, no Python object per entry)
 * for `live_lookup` until the next start or `live_release`: stop's work does not grow with the
 * number of buffers the cell left alive.  GIL held for every access; `done_generation` tells a
 * lookup of an older cell's table apart. */
static live_entry *done_live;
/* The stopped cell's per-line table, reused by the next start() when large enough (GIL held). */
static line_stats *spare_lines;
static int32_t spare_nlines;
static size_t done_capacity, done_cell;
static uint64_t done_generation;

/* Foreign handlers seen by this cell's start()/stop() (GIL held). */
enum { HANDLER_HOOKED, HANDLER_READ_ONLY, HANDLER_VERSION, HANDLER_NO_SLOT };
static const char *const handler_status_names[] = {"hooked", "read-only", "version", "no-slot"};
#define MAX_SEEN 4
static struct {
    char name[128];
    int status, at_stop, version;
} seen[MAX_SEEN];
static int nseen;

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

/* ---- live-buffer table: pointer -> (size, line), ptrtable.h's table ---------------------- */

/* Two tables.  A buffer is first entered in the small `young_table`, which stays in the caches;
 * most buffers (temporaries) are freed from there.  When it is half full, its entries move to the
 * large `live` table in one batch, prefetching each slot a few entries ahead, so that the cache
 * misses of a table far larger than the caches (10^7 buffers alive) overlap instead of costing a
 * full miss per allocation in the middle of the interpreter's own work (10^7 tiny arrays kept in
 * a list: 4.8x plain with one table, 2.3-3x with two).  A pointer entered again while an older
 * entry for it is in `live` (a free not seen) replaces it when the batch moves, as a single table
 * would; a free looks in `young_table` first (the newest entry).  Static, so stop() frees no
 * large block (see ap_tracker_stop). */
#define YOUNG_CAPACITY 4096 /* a power of two: 96 kB */
#define YOUNG_MAX (YOUNG_CAPACITY / 2)
static live_entry young_table[YOUNG_CAPACITY];

/* Lock held, room reserved.  An entry for the same pointer is replaced (and uncounted). */
static inline void
live_put(const live_entry *e)
{
    live_entry replaced;
    if (ap_ptr_put(&st.live, e, &replaced)) {
        st.live_cell -= replaced.line != OTHER_THREAD_LINE;
    }
}

/* Lock held.  Move every young entry to the live table.  If it cannot grow, the young entries are
 * dropped (such a buffer then looks older than the cell when freed, which only loses a
 * temporary, never corrupts). */
static void
flush_young(void)
{
    if (st.young_used == 0) {
        return;
    }
    if (ap_ptr_reserve(&st.live, st.live.used + st.young_used) < 0) {
        for (size_t i = 0; i < YOUNG_CAPACITY; i++) {
            st.live_cell -= young_table[i].ptr != NULL && young_table[i].line != OTHER_THREAD_LINE;
        }
    }
    else {
        for (size_t i = 0; i < YOUNG_CAPACITY; i++) {
            const void *ahead = young_table[(i + 16) & (YOUNG_CAPACITY - 1)].ptr;
            if (ahead != NULL) {
                ap_ptr_prefetch(st.live.slots, st.live.capacity, ahead);
            }
            if (young_table[i].ptr != NULL) {
                live_put(&young_table[i]);
            }
        }
    }
    memset(young_table, 0, sizeof(young_table));
    st.young_used = 0;
}

/* Lock held.  Enter a buffer the cell (or another thread, `line` OTHER_THREAD_LINE) allocated. */
static void
live_insert(void *ptr, size_t size, int32_t line)
{
    size_t j = ap_ptr_find(young_table, YOUNG_CAPACITY, ptr);
    if (young_table[j].ptr == NULL) {
        st.young_used++;
    }
    else {
        st.live_cell -= young_table[j].line != OTHER_THREAD_LINE;
    }
    st.live_cell += line != OTHER_THREAD_LINE;
    young_table[j].ptr = ptr;
    young_table[j].size = size;
    young_table[j].line = line;
    if (st.young_used >= YOUNG_MAX) {
        flush_young();
    }
}

/* Lock held.  Returns 1 and fills *out when ptr was allocated during the cell. */
static int
live_remove(void *ptr, live_entry *out)
{
    if (!ap_ptr_remove_slots(young_table, YOUNG_CAPACITY, &st.young_used, ptr, out)) {
        if (!ap_ptr_remove(&st.live, ptr, out)) {
            return 0;
        }
        ap_ptr_maybe_shrink(&st.live);
    }
    st.live_cell -= out->line != OTHER_THREAD_LINE;
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
    if (!due && st.last_point_is_peak && st.timeline_used > 0) {
        /* a higher peak since the last point, itself a peak: it replaces that point (a rising
         * run of allocations would otherwise add a point per event and halve the timeline every
         * 1,024 events); the stride's points keep the shape, and the highest point is exact */
        timeline_point *point = &st.timeline[st.timeline_used - 1];
        point->t_ns = now_ns() - st.t0_ns;
        point->live_bytes = st.current;
        point->line = line;
        return;
    }
    st.last_point_is_peak = !due;
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
    /* this thread's own state, with or without the GIL (a thread-specific lookup) */
    const PyThreadState *own = PyGILState_GetThisThreadState();
    for (int i = 0; own != NULL && i < nbackground_tstates; i++) {
        if (background_tstates[i] == own) {
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

/* Does the calling thread work for the cell, and on which line?  A thread running a task that a
 * task scheduler took from the cell (Dask's threads, tagged through tasks.h) is charged to the
 * line that made the task's layer, whenever the thread was started. */
static inline int
cell_line_of(unsigned long self, int32_t *line)
{
    if (ap_task_line > 0) {
        *line = ap_task_line;
        return 1;
    }
    int on_cell_thread = works_for_cell(self);
    *line = on_cell_thread ? caller_line(self) : OTHER_THREAD_LINE;
    return on_cell_thread;
}

/* Start loading the live-table slot `ptr` hashes to while the frame walk of a free runs (without
 * the lock: a prefetch is only a hint and never faults, whatever the table is by then): with
 * 10^7 buffers alive the table is far larger than the caches, and the miss was most of the cost
 * of freeing an old buffer.  (Allocations go to the young table, which the caches hold.) */
static inline void
prefetch_slot(const void *ptr)
{
    ap_ptr_prefetch(st.live.slots, st.live.capacity, ptr);
}

static void
on_alloc(void *ptr, size_t size)
{
    unsigned long self = PyThread_get_thread_ident();
    int32_t line;
    int on_cell_thread = cell_line_of(self, &line);
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
    prefetch_slot(ptr);
    unsigned long self = PyThread_get_thread_ident();
    int32_t line;
    int on_cell_thread = cell_line_of(self, &line);
    lock_state();
    if (st.lines != NULL) {
        record_free_locked(ptr, size, on_cell_thread, line, 1);
    }
    unlock_state();
}

/* ---- the hooks NumPy calls ------------------------------------------------------------------
 * do_*(k, ...) is the work of slot k's hooks; k is a constant in each generated hook, so the
 * compiler specialises it and the default handler's hooks do what they always did: forward, then
 * one relaxed atomic load when not recording. */

/* Record this event?  A foreign handler that forwards to the default one is recorded by the
 * foreign hook (it sees the pointer NumPy stores); the nested default-handler call only forwards. */
static inline int
record_here(int k)
{
    if (!atomic_load_explicit(&recording, memory_order_relaxed)) {
        return 0;
    }
    return k != 0 || !foreign_hooked || !in_foreign_hook;
}

/* Per-task accounting (tasks.h) sees the event?  Same nesting rule as record_here. */
static inline int
tasks_here(int k)
{
    if (!atomic_load_explicit(&ap_tasks_on, memory_order_relaxed)) {
        return 0;
    }
    return k != 0 || !foreign_hooked || !in_foreign_hook;
}

static inline void *
do_malloc(int k, size_t size)
{
    const PyDataMemAllocator *o = &originals[k];
    in_foreign_hook += k != 0;
    void *ptr = o->malloc(o->ctx, size);
    in_foreign_hook -= k != 0;
    if (ptr != NULL && record_here(k)) {
        on_alloc(ptr, size);
    }
    if (ptr != NULL && tasks_here(k)) {
        ap_tasks_alloc(ptr, size);
    }
    return ptr;
}

static inline void *
do_calloc(int k, size_t nelem, size_t elsize)
{
    const PyDataMemAllocator *o = &originals[k];
    in_foreign_hook += k != 0;
    void *ptr = o->calloc(o->ctx, nelem, elsize);
    in_foreign_hook -= k != 0;
    if (ptr != NULL && record_here(k)) {
        on_alloc(ptr, nelem * elsize);
    }
    if (ptr != NULL && tasks_here(k)) {
        ap_tasks_alloc(ptr, nelem * elsize);
    }
    return ptr;
}

static inline void *
do_realloc(int k, void *ptr, size_t new_size)
{
    const PyDataMemAllocator *o = &originals[k];
    in_foreign_hook += k != 0;
    void *moved = o->realloc(o->ctx, ptr, new_size);
    in_foreign_hook -= k != 0;
    if (moved != NULL && tasks_here(k)) {
        if (ptr != NULL) {
            ap_tasks_free(ptr);
        }
        ap_tasks_alloc(moved, new_size);
    }
    if (moved == NULL || !record_here(k)) {
        return moved;
    }
    /* A realloc counts as one free plus one allocation (REPORT.md). */
    if (ptr != NULL) {
        unsigned long self = PyThread_get_thread_ident();
        int32_t line;
        int on_cell_thread = cell_line_of(self, &line);
        lock_state();
        if (st.lines != NULL) {
            record_free_locked(ptr, 0, on_cell_thread, line, 0);
        }
        unlock_state();
    }
    on_alloc(moved, new_size);
    return moved;
}

static inline void
do_free(int k, void *ptr, size_t size)
{
    /* record before forwarding: once freed, the address may be handed to another thread */
    if (ptr != NULL && record_here(k)) {
        on_free(ptr, size);
    }
    if (ptr != NULL && tasks_here(k)) {
        ap_tasks_free(ptr);
    }
    const PyDataMemAllocator *o = &originals[k];
    in_foreign_hook += k != 0;
    o->free(o->ctx, ptr, size);
    in_foreign_hook -= k != 0;
}

#define DEFINE_HOOKS(k)                                                                            \
    static void *hook_malloc_##k(void *ctx, size_t size) { return do_malloc(k, size); }            \
    static void *hook_calloc_##k(void *ctx, size_t nelem, size_t elsize)                           \
    {                                                                                              \
        return do_calloc(k, nelem, elsize);                                                        \
    }                                                                                              \
    static void *hook_realloc_##k(void *ctx, void *ptr, size_t size)                               \
    {                                                                                              \
        return do_realloc(k, ptr, size);                                                           \
    }                                                                                              \
    static void hook_free_##k(void *ctx, void *ptr, size_t size) { do_free(k, ptr, size); }
DEFINE_HOOKS(0)
DEFINE_HOOKS(1)
DEFINE_HOOKS(2)
DEFINE_HOOKS(3)
DEFINE_HOOKS(4)
DEFINE_HOOKS(5)
DEFINE_HOOKS(6)
DEFINE_HOOKS(7)
#define HOOKS(k) {NULL, hook_malloc_##k, hook_calloc_##k, hook_realloc_##k, hook_free_##k}
static const PyDataMemAllocator hooks[MAX_HOOKED] = {HOOKS(0), HOOKS(1), HOOKS(2), HOOKS(3),
                                                     HOOKS(4), HOOKS(5), HOOKS(6), HOOKS(7)};

/* ---- shared with the observer --------------------------------------------------------------- */

int
ap_tracker_recording_here(void)
{
    if (ap_task_line > 0) {
        return 1; /* a tagged task's thread (tasks.h): its operations are its line's */
    }
    return atomic_load_explicit(&recording, memory_order_relaxed) &&
           PyThread_get_thread_ident() == recording_thread;
}

int
ap_tracker_recording_now(void)
{
    return atomic_load_explicit(&recording, memory_order_relaxed);
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
    if (ap_task_line > 0) {
        if (offset_out != NULL) {
            *offset_out = -1;
        }
        if (form_out != NULL) {
            *form_out = AP_FORM_CALL;
        }
        return ap_task_line;
    }
    return ap_frames_cell_line(_PyThreadState_UncheckedGet(), 1, offset_out, form_out);
}

/* ---- patching handlers in place ------------------------------------------------------------- */

/* Point `handler`'s functions at slot k's hooks (GIL held: patching is serialised).  The handler's
 * ctx is left alone; the hooks pass it on.  Never restored: buffers allocated through the hooks
 * are freed through them, and the originals stay valid for the life of the process. */
static void
patch_handler(PyDataMem_Handler *handler, int k)
{
    originals[k] = handler->allocator;
    atomic_thread_fence(memory_order_seq_cst); /* the originals before the hooks that read them */
    handler->allocator.malloc = hooks[k].malloc;
    handler->allocator.calloc = hooks[k].calloc;
    handler->allocator.realloc = hooks[k].realloc;
    handler->allocator.free = hooks[k].free;
}

/* Can `size` bytes at `addr` be written?  The kernel answers without a fault: write them to a pipe
 * and read them back in place (EFAULT when the memory is read-only; the bytes are unchanged). */
int
ap_writable(void *addr, size_t size)
{
    int fds[2];
    if (pipe(fds) != 0) {
        return 0;
    }
    int ok = write(fds[1], addr, size) == (ssize_t)size && read(fds[0], addr, size) == (ssize_t)size;
    close(fds[0]);
    close(fds[1]);
    return ok;
}

/* Hook another library's handler the way the default one is, when that is safe.  GIL held.
 * `*already` is set when it was hooked before this call. */
static int
hook_foreign(PyDataMem_Handler *handler, int *already)
{
    *already = 0;
    for (int k = 0; k < slots_used; k++) {
        if (handler->allocator.malloc == hooks[k].malloc) {
            *already = 1; /* hooked before: what went through it was seen */
            return HANDLER_HOOKED;
        }
    }
    if (handler->version != 1) {
        return HANDLER_VERSION;
    }
    if (slots_used == MAX_HOOKED) {
        return HANDLER_NO_SLOT;
    }
    if (!ap_writable(&handler->allocator, sizeof(handler->allocator))) {
        return HANDLER_READ_ONLY;
    }
    foreign_hooked = 1; /* before the hooks exist: the default hooks then check for nesting */
    patch_handler(handler, slots_used++);
    return HANDLER_HOOKED;
}

/* Is the calling context's current handler another library's?  Then hook it if possible and
 * remember it for the result.  GIL held, state lock not held (this calls into NumPy). */
static void
look_at_current_handler(int at_stop)
{
    PyObject *capsule = PyDataMem_GetHandler();
    if (capsule == NULL) {
        PyErr_Clear();
        return;
    }
    PyDataMem_Handler *handler = PyCapsule_GetPointer(capsule, "mem_handler");
    if (handler == NULL) {
        PyErr_Clear();
    }
    else if (handler != patched_handler) {
        int already;
        int status = hook_foreign(handler, &already);
        char name[128];
        memcpy(name, handler->name, sizeof(handler->name));
        name[sizeof(handler->name)] = '\0';
        int known = 0;
        for (int i = 0; i < nseen; i++) {
            known |= strcmp(seen[i].name, name) == 0;
        }
        if (!known && nseen < MAX_SEEN) {
            memcpy(seen[nseen].name, name, sizeof(name));
            seen[nseen].status = status;
            /* first found at stop and not hooked before: set during the cell, partly unseen */
            seen[nseen].at_stop = at_stop && !already;
            seen[nseen].version = handler->version;
            nseen++;
        }
    }
    Py_DECREF(capsule);
}

/* ---- fork: see the lock rules at the top ----------------------------------------------------- */

static void
fork_prepare(void)
{
    lock_state();
}

static void
fork_parent(void)
{
    unlock_state();
}

static void
fork_child(void)
{
    if (atomic_load(&recording)) {
        st.forked_child = 1;
    }
    atomic_store(&recording, 0);
    atomic_flag_clear(&state_lock);
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
    int err = pthread_atfork(fork_prepare, fork_parent, fork_child);
    if (err != 0) {
        errno = err;
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    ap_census_install();
    patch_handler(handler, 0);
    slots_used = 1;
    patched_handler = handler;
    Py_RETURN_TRUE;
}

/* GIL held. */
static void
release_done_live(void)
{
    free(done_live);
    done_live = NULL;
    done_capacity = done_cell = 0;
}

static void
reset_state_locked(void)
{
    free(st.lines);
    free(st.live.slots);
    if (st.young_used != 0) {
        memset(young_table, 0, sizeof(young_table));
    }
    memset(&st, 0, sizeof(st));
    st.timeline_stride = 1;
}

static int
add_background(unsigned long *idents, int *n, unsigned long ident)
{
    for (int i = 0; i < *n; i++) {
        if (idents[i] == ident) {
            return 0;
        }
    }
    if (*n == MAX_BACKGROUND) {
        return -1;
    }
    idents[(*n)++] = ident;
    return 0;
}

PyObject *
ap_tracker_start(PyObject *self, PyObject *args)
{
    PyObject *filename, *background_threads = NULL;
    int nlines;
    /* filename: the cell's (str), or {filename: base} for several files (frames.h) */
    if (!PyArg_ParseTuple(args, "Oi|O:start", &filename, &nlines, &background_threads)) {
        return NULL;
    }
    if (!PyUnicode_Check(filename) && !PyDict_Check(filename)) {
        PyErr_SetString(PyExc_TypeError, "start: filename must be a str or a dict {str: int}");
        return NULL;
    }
    unsigned long me = PyThread_get_thread_ident();
    unsigned long idents[MAX_BACKGROUND];
    int nidents = 0, too_many = 0;
    if (background_threads != NULL && background_threads != Py_None) {
        PyObject *seq = PySequence_Fast(background_threads, "start: background must be a sequence");
        if (seq == NULL) {
            return NULL;
        }
        Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
        for (Py_ssize_t i = 0; i < n; i++) {
            unsigned long ident = PyLong_AsUnsignedLong(PySequence_Fast_GET_ITEM(seq, i));
            if (ident == (unsigned long)-1 && PyErr_Occurred()) {
                Py_DECREF(seq);
                return NULL;
            }
            too_many |= ident != me && add_background(idents, &nidents, ident) < 0;
        }
        Py_DECREF(seq);
    }
    /* Every thread the interpreter knows (threading, _thread, C threads that made a thread
     * state) is background, except this one.  The GIL keeps the list from changing under us. */
    const PyThreadState *tstates[MAX_BACKGROUND];
    int ntstates = 0;
    PyThreadState *tstate = PyThreadState_Get();
    for (PyThreadState *t = PyInterpreterState_ThreadHead(PyThreadState_GetInterpreter(tstate));
         t != NULL; t = PyThreadState_Next(t)) {
        if (t == tstate) {
            continue;
        }
        if (ntstates == MAX_BACKGROUND) {
            too_many = 1;
            break;
        }
        tstates[ntstates++] = t;
    }
    if (patched_handler == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "arrayprof: tracker not installed");
        return NULL;
    }
    if (nlines < 0) {
        nlines = 0;
    }
    line_stats *lines;
    if (spare_lines != NULL && spare_nlines >= nlines) {
        lines = spare_lines; /* as large as needed: reused, not freed (see stop) */
        memset(lines, 0, ((size_t)nlines + 1) * sizeof(line_stats));
    }
    else {
        free(spare_lines);
        lines = calloc((size_t)nlines + 1, sizeof(line_stats));
        if (lines == NULL) {
            spare_lines = NULL;
            return PyErr_NoMemory();
        }
    }
    spare_lines = NULL;
    atomic_store(&recording, 0);
    release_done_live();
    nseen = 0;
    look_at_current_handler(0);
    ap_observer_reset();
    if (ap_frames_set_target(filename) < 0) {
        free(lines);
        return NULL;
    }
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
    recording_thread = me;
    memcpy(background, idents, (size_t)nidents * sizeof(unsigned long));
    nbackground = nidents;
    memcpy(background_tstates, tstates, (size_t)ntstates * sizeof(tstates[0]));
    nbackground_tstates = ntstates;
    background_unknown = too_many;
    unlock_state();
    atomic_store(&recording, 1);
    Py_RETURN_NONE;
}

/* The result dict from a snapshot of the state (no lock: the snapshot is ours). */
static PyObject *
build_result(const struct tracker_state *s)
{
    PyObject *lines = PyList_New(0);
    PyObject *timeline = PyList_New(s->timeline_used);
    PyObject *handlers = PyList_New(nseen);
    if (lines == NULL || timeline == NULL || handlers == NULL) {
        goto fail;
    }
    for (int32_t i = 0; i <= s->nlines; i++) {
        const line_stats *ls = &s->lines[i];
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
    for (int32_t i = 0; i < s->timeline_used; i++) {
        const timeline_point *p = &s->timeline[i];
        /* the report's own form, [seconds, live bytes, line]: no Python pass over the points */
        PyObject *row = Py_BuildValue("[dLi]", (double)p->t_ns / 1e9, (long long)p->live_bytes,
                                      p->line);
        if (row == NULL) {
            goto fail;
        }
        PyList_SET_ITEM(timeline, i, row);
    }
    for (int i = 0; i < nseen; i++) {
        PyObject *name = PyUnicode_DecodeUTF8(seen[i].name, (Py_ssize_t)strlen(seen[i].name),
                                              "replace");
        PyObject *row = name == NULL ? NULL
                                     : Py_BuildValue("{sNsssisO}", "name", name, "status",
                                                     handler_status_names[seen[i].status],
                                                     "version", seen[i].version, "set_during_cell",
                                                     seen[i].at_stop ? Py_True : Py_False);
        if (row == NULL) {
            goto fail;
        }
        PyList_SET_ITEM(handlers, i, row);
    }
    return Py_BuildValue(
        "{sLsLsLsLsLsLsLsisLsLsLsLsLsNsNsnsKsNsO}",
        "allocations", (long long)s->allocations, "allocated_bytes", (long long)s->allocated_bytes,
        "frees", (long long)s->frees, "freed_bytes", (long long)s->freed_bytes,
        "temporaries", (long long)s->temporaries, "temporary_bytes", (long long)s->temporary_bytes,
        "peak_bytes", (long long)(s->peak > 0 ? s->peak : 0), "peak_line", (int)s->peak_line,
        "other_thread_allocations", (long long)s->other_allocations,
        "other_thread_allocated_bytes", (long long)s->other_allocated_bytes,
        "other_thread_frees", (long long)s->other_frees,
        "other_thread_freed_bytes", (long long)s->other_freed_bytes,
        "unknown_size_frees", (long long)s->unknown_size_frees,
        "lines", lines, "timeline", timeline, "live_buffers", (Py_ssize_t)s->live_cell,
        "live_generation", (unsigned long long)done_generation, "handlers", handlers,
        "forked_child", s->forked_child ? Py_True : Py_False);
fail:
    Py_XDECREF(lines);
    Py_XDECREF(timeline);
    Py_XDECREF(handlers);
    return NULL;
}

PyObject *
ap_tracker_stop(PyObject *self, PyObject *noargs)
{
    atomic_store(&recording, 0);
    /* Rule 5: take the figures out under the lock (plain C), build Python objects after. */
    /* GIL held: one stop() at a time.  Static, as the per-line table is kept for the next start:
     * stop() frees no large block.  A large free makes glibc consolidate every small chunk freed
     * since (after a cell freed 10^7 tiny arrays: half a second), a cost of the cell's own frees
     * that a plain run pays at its next large free, not arrayprof's to take at stop. */
    static struct tracker_state stopped;
    struct tracker_state *snapshot = &stopped;
    lock_state();
    int recorded = st.lines != NULL;
    flush_young(); /* one table for live_lookup: at most YOUNG_MAX entries moved */
    if (snapshot != NULL) {
        *snapshot = st;
        memset(&st, 0, sizeof(st));
        st.timeline_stride = 1;
    }
    else {
        reset_state_locked();
    }
    unlock_state();
    PyObject *result;
    if (!recorded) {
        result = Py_NewRef(Py_None);
    }
    else if (snapshot == NULL) {
        result = PyErr_NoMemory();
    }
    else {
        /* the buffers still alive stay in their table for live_lookup: nothing per entry here */
        release_done_live();
        done_live = snapshot->live.slots;
        done_capacity = snapshot->live.capacity;
        done_cell = snapshot->live_cell;
        snapshot->live.slots = NULL;
        done_generation++;
        look_at_current_handler(1);
        result = build_result(snapshot);
    }
    if (snapshot != NULL) {
        /* kept for the next start() to reuse or free: no large free here (see `stopped`) */
        free(spare_lines);
        spare_lines = snapshot->lines;
        spare_nlines = snapshot->nlines;
        free(snapshot->live.slots);
        memset(snapshot, 0, sizeof(*snapshot));
    }
    /* classifying survivors and building lists may free arrays */
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
    size_t bytes = (st.live.capacity + done_capacity + YOUNG_CAPACITY) * sizeof(live_entry) +
                   (st.lines ? ((size_t)st.nlines + 1) * sizeof(line_stats) : 0) + sizeof(st);
    unlock_state();
    return PyLong_FromSize_t(bytes + ap_frames_memory() + ap_census_memory());
}

/* live_lookup(generation, address): (line, size) of a buffer the cell of `generation` allocated on
 * its own threads and that was alive when it stopped, else None (also once that table is gone).
 * O(1); GIL held, so the table cannot change under it. */
PyObject *
ap_tracker_live_lookup(PyObject *self, PyObject *args)
{
    unsigned long long generation;
    PyObject *address;
    if (!PyArg_ParseTuple(args, "KO:live_lookup", &generation, &address)) {
        return NULL;
    }
    if (generation != done_generation || done_capacity == 0 || !PyLong_Check(address)) {
        Py_RETURN_NONE;
    }
    void *ptr = PyLong_AsVoidPtr(address);
    if (ptr == NULL) {
        PyErr_Clear(); /* not an address (negative, too large): not one of ours */
        Py_RETURN_NONE;
    }
    const live_entry *e = &done_live[ap_ptr_find(done_live, done_capacity, ptr)];
    if (e->ptr == NULL || e->line == OTHER_THREAD_LINE) {
        Py_RETURN_NONE;
    }
    return Py_BuildValue("(in)", (int)e->line, (Py_ssize_t)e->size);
}

/* live_release(generation): free that stopped cell's table (its report is built); a newer
 * cell's is left alone.  GIL held. */
PyObject *
ap_tracker_live_release(PyObject *self, PyObject *args)
{
    unsigned long long generation;
    if (!PyArg_ParseTuple(args, "K:live_release", &generation)) {
        return NULL;
    }
    if (generation == done_generation) {
        release_done_live();
    }
    Py_RETURN_NONE;
}

/* pause(): stop recording for a moment, on the profiled thread (arrayprof's own work run while a
 * cell is recorded: findings computed when asked, from inside a profiled cell).  Returns whether
 * it was recording; resume() starts again if the cell has not been stopped meanwhile.  GIL held;
 * the caller keeps the collector paused, so no buffer of the cell is freed in between. */
PyObject *
ap_tracker_pause(PyObject *self, PyObject *noargs)
{
    int was = atomic_exchange(&recording, 0);
    return PyBool_FromLong(was);
}

PyObject *
ap_tracker_resume(PyObject *self, PyObject *noargs)
{
    lock_state();
    int active = st.lines != NULL;
    unlock_state();
    if (active) {
        atomic_store(&recording, 1);
    }
    Py_RETURN_NONE;
}
